"""Decisions on the lists (经营异常名录管理办法, 严重违法失信名单管理办法): listing,
removal, the enterprise's application, and reversal of any move with a reason."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts.actor import Actor
from yiwang.common import idempotency
from yiwang.common.audit import record
from yiwang.common.errors import (
    Conflict,
    InvalidTransition,
    ValidationFailed,
)
from yiwang.credit import rules, selectors
from yiwang.credit.choices import (
    CAUSES_BY_LIST,
    ApplicationStatus,
    EnterpriseStatus,
    EntryStatus,
    EventKind,
    ListCause,
    ListKind,
    RemovalCause,
)
from yiwang.credit.models import (
    AnnualReport,
    Enterprise,
    ListEntry,
    ListEvent,
    RemovalApplication,
)
from yiwang.credit.services._base import (
    _LOOK_UP,
    _actor_label,
    _actor_user,
    _notify_enterprise,
    _today,
)
from yiwang.credit.services.disclosures import _require_department
from yiwang.org.models import Department

# --------------------------------------------------------------------------- the lists


def _add_event(
    entry: ListEntry,
    kind: str,
    *,
    on: date,
    actor: Actor,
    department: Department | None,
    reason: str = "",
    reverses: ListEvent | None = None,
) -> ListEvent:
    return ListEvent.objects.create(
        entry=entry,
        kind=kind,
        on=on,
        actor=_actor_user(actor),
        actor_label=_actor_label(actor),
        department=department,
        reason=reason,
        reverses=reverses,
    )


def refresh_list_flags(enterprise_ids: Iterable[int]) -> None:
    """Mirror the active entries onto the enterprise rows (for search results)."""
    active = ListEntry.objects.filter(enterprise=OuterRef("pk"), status=EntryStatus.ACTIVE)
    Enterprise.objects.filter(pk__in=list(enterprise_ids)).update(
        abnormal=Exists(active.filter(list_kind=ListKind.ABNORMAL)),
        serious=Exists(active.filter(list_kind=ListKind.SERIOUS)),
        exposed=Exists(active.filter(list_kind=ListKind.EXPOSED)),
    )


def _entry_state(entry: ListEntry) -> dict[str, Any]:
    return {
        "uscc": entry.enterprise.uscc,
        "list": entry.list_kind,
        "cause": entry.cause,
        "report_year": entry.report_year,
        "status": entry.status,
        "listed_on": entry.listed_on,
        "removed_on": entry.removed_on,
        "reminder_on": entry.reminder_on,
        "department": entry.department.code if entry.department else "",
    }


def list_enterprise(
    enterprise: Enterprise,
    *,
    list_kind: str,
    cause: str,
    reason: str,
    department: Department,
    actor: Actor,
    report_year: int | None = None,
    today: date | None = None,
    idempotency_key: str = "",
) -> ListEntry:
    """A registration authority lists an enterprise (abnormal list for the causes of
    经营异常名录管理办法 Art. 4, serious list, or exposure), with its reason. The same
    `idempotency_key` from the same actor returns the entry it made (`common.idempotency`)."""
    return idempotency.create_once(
        "credit.list_enterprise",
        actor=actor,
        key=idempotency_key,
        body={
            "enterprise": enterprise.pk,
            "list": list_kind,
            "cause": cause,
            "reason": reason,
            "report_year": report_year,
            "department": department.pk,
        },
        model=ListEntry,
        create=lambda: _list_enterprise(
            enterprise,
            list_kind=list_kind,
            cause=cause,
            reason=reason,
            department=department,
            actor=actor,
            report_year=report_year,
            today=today,
        ),
    )


@transaction.atomic
def _list_enterprise(
    enterprise: Enterprise,
    *,
    list_kind: str,
    cause: str,
    reason: str,
    department: Department,
    actor: Any,
    report_year: int | None = None,
    today: date | None = None,
) -> ListEntry:
    today = _today(today)
    _require_department(actor, department, enterprise=enterprise, lists=True)
    if list_kind not in CAUSES_BY_LIST:
        raise ValidationFailed(
            _("未知的名单：%(list_kind)r") % {"list_kind": list_kind},
            field="list",
            code="unknown_list",
        )
    if cause not in CAUSES_BY_LIST[list_kind] or cause == ListCause.ABNORMAL_THREE_YEARS:
        raise ValidationFailed(
            _("%(list)s不接受该列入事由：%(cause)r")
            % {"list": ListKind(list_kind).label, "cause": cause},
            field="cause",
            code="cause_not_for_list",
        )
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(_("列入须说明理由"), field="reason", code="listing_reason_required")
    if cause == ListCause.NO_ANNUAL_REPORT:
        if report_year is None:
            raise ValidationFailed(
                _("须指明未报的年度"), field="report_year", code="report_year_required"
            )
        if not rules.report_year_fileable(enterprise.established_on, report_year, today):
            raise ValidationFailed(
                _("%(report_year)s 年度不是该企业应报年度") % {"report_year": report_year},
                field="report_year",
                code="report_year_not_due",
            )
        if today <= rules.report_deadline(report_year):
            raise ValidationFailed(
                _("%(report_year)s 年度报告的报送期限尚未届满") % {"report_year": report_year},
                field="report_year",
                code="report_deadline_open",
            )
        if AnnualReport.objects.filter(
            enterprise=enterprise, year=report_year, late=False
        ).exists():
            raise ValidationFailed(
                _("该企业已按期报送 %(report_year)s 年度报告") % {"report_year": report_year},
                field="report_year",
                code="report_filed_on_time",
            )
    else:
        report_year = None
    locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if list_kind == ListKind.ABNORMAL and locked.status != EnterpriseStatus.ACTIVE:
        raise InvalidTransition(
            _("非存续状态的市场主体不列入经营异常名录"),
            current_state=locked.status,
            code="enterprise_not_operating",
        )
    duplicate = ListEntry.objects.filter(
        enterprise=locked,
        list_kind=list_kind,
        cause=cause,
        report_year=report_year,
        status=EntryStatus.ACTIVE,
    )
    if duplicate.exists():
        raise Conflict(_("该企业已因同一事由在列"), code="already_listed")
    entry = ListEntry.objects.create(
        enterprise=locked,
        list_kind=list_kind,
        cause=cause,
        report_year=report_year,
        reason=reason,
        listed_on=today,
        department=department,
    )
    _add_event(entry, EventKind.LISTED, on=today, actor=actor, department=department, reason=reason)
    refresh_list_flags([locked.pk])
    record("credit.listed", entry, actor=actor, after=_entry_state(entry))
    _notify_listing(entry, actor=actor)
    return entry


def _notify_listing(entry: ListEntry, *, actor: Actor, user: Any = _LOOK_UP) -> None:
    label = ListKind(entry.list_kind).label
    _notify_enterprise(
        entry.enterprise,
        f"您的企业已被列入{label}",
        f"{entry.enterprise.name}于 {entry.listed_on} 被列入{label}。事由：{entry.get_cause_display()}。"
        f"理由：{entry.reason}。履行相关义务后可申请移出。",
        actor=actor,
        object_type="credit.listentry",
        object_id=entry.pk,
        user=user,
    )


def _remove(
    entry: ListEntry,
    *,
    cause: str,
    reason: str,
    actor: Actor,
    department: Department | None,
    today: date,
) -> ListEntry:
    before = _entry_state(entry)
    entry.status = EntryStatus.REMOVED
    entry.removed_on = today
    entry.removal_cause = cause
    entry.removal_reason = reason
    entry.save(update_fields=["status", "removed_on", "removal_cause", "removal_reason"])
    _add_event(
        entry, EventKind.REMOVED, on=today, actor=actor, department=department, reason=reason
    )
    refresh_list_flags([entry.enterprise_id])
    record(
        "credit.removed",
        entry,
        actor=actor,
        before=before,
        after={**_entry_state(entry), "cause": cause, "reason": reason},
    )
    label = ListKind(entry.list_kind).label
    _notify_enterprise(
        entry.enterprise,
        f"您的企业已移出{label}",
        f"{entry.enterprise.name}于 {today} 移出{label}。理由：{reason}",
        actor=actor,
        object_type="credit.listentry",
        object_id=entry.pk,
    )
    return entry


def _locked_entry(entry: ListEntry) -> ListEntry:
    # `of`: lock the entry only; the joined department may be NULL (an outer join).
    return (
        ListEntry.objects.select_for_update(of=("self",))
        .select_related("enterprise", "department")
        .get(pk=entry.pk)
    )


@transaction.atomic
def remove_from_list(
    entry: ListEntry,
    *,
    cause: str,
    reason: str,
    department: Department,
    actor: Actor,
    today: date | None = None,
) -> ListEntry:
    """A registration authority removes an entry: the cause cured, listed in error, or
    annulled on review. A pending removal application is decided with it."""
    today = _today(today)
    locked = _locked_entry(entry)
    _require_department(actor, department, enterprise=locked.enterprise, lists=True)
    if locked.status != EntryStatus.ACTIVE:
        raise InvalidTransition(
            _("该记录不在列，不能移出"), current_state=locked.status, code="invalid_transition"
        )
    if cause not in RemovalCause.values:
        raise ValidationFailed(
            _("未知的移出原因：%(cause)r") % {"cause": cause},
            field="cause",
            code="unknown_removal_cause",
        )
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(_("移出须说明理由"), field="reason", code="removal_reason_required")
    if (
        cause == RemovalCause.CURED
        and locked.cause == ListCause.NO_ANNUAL_REPORT
        and not selectors.entry_cause_cured(locked)
    ):
        raise ValidationFailed(
            _("该企业尚未补报 %(report_year)s 年度报告") % {"report_year": locked.report_year},
            field="cause",
            code="report_not_cured",
        )
    _remove(locked, cause=cause, reason=reason, actor=actor, department=department, today=today)
    for application in RemovalApplication.objects.select_for_update().filter(
        entry=locked, status=ApplicationStatus.PENDING
    ):
        _close_application(application, approved=True, reason=reason, actor=actor)
    return locked


def _close_application(
    application: RemovalApplication, *, approved: bool, reason: str, actor: Actor
) -> None:
    application.status = ApplicationStatus.APPROVED if approved else ApplicationStatus.REJECTED
    application.decided_at = timezone.now()
    application.decided_by_label = _actor_label(actor)
    application.decision_reason = reason
    application.save(update_fields=["status", "decided_at", "decided_by_label", "decision_reason"])


def apply_for_removal(
    entry: ListEntry,
    *,
    statement: str,
    actor: Actor,
    today: date | None = None,
    idempotency_key: str = "",
) -> RemovalApplication:
    """The enterprise applies to leave the abnormal list after curing the cause
    (经营异常名录管理办法 Art. 11-13); decided within the configured working days."""
    return idempotency.create_once(
        "credit.apply_for_removal",
        actor=actor,
        key=idempotency_key,
        body={"entry": entry.pk, "statement": statement},
        model=RemovalApplication,
        create=lambda: _apply_for_removal(entry, statement=statement, actor=actor, today=today),
    )


@transaction.atomic
def _apply_for_removal(
    entry: ListEntry,
    *,
    statement: str,
    actor: Any,
    today: date | None = None,
) -> RemovalApplication:
    today = _today(today)
    locked = _locked_entry(entry)
    if locked.list_kind != ListKind.ABNORMAL or locked.status != EntryStatus.ACTIVE:
        raise InvalidTransition(
            _("只有在列的经营异常名录记录可以申请移出"),
            current_state=locked.status,
            code="entry_not_removable",
        )
    statement = statement.strip()
    if not statement:
        raise ValidationFailed(
            _("请说明已履行的义务"), field="statement", code="statement_required"
        )
    if locked.cause == ListCause.NO_ANNUAL_REPORT and not selectors.entry_cause_cured(locked):
        raise ValidationFailed(
            _("请先补报 %(report_year)s 年度报告，再申请移出")
            % {"report_year": locked.report_year},
            field="statement",
            code="validation_failed",
        )
    if RemovalApplication.objects.filter(entry=locked, status=ApplicationStatus.PENDING).exists():
        raise Conflict(_("已有待决定的移出申请"), code="application_pending")
    application = RemovalApplication.objects.create(
        entry=locked,
        statement=statement[:2000],
        applied_on=today,
        due_on=rules.removal_decision_due(today),
        applicant=_actor_user(actor),
    )
    _add_event(
        locked,
        EventKind.REMOVAL_APPLIED,
        on=today,
        actor=actor,
        department=None,
        reason=statement[:2000],
    )
    record(
        "credit.removal_applied",
        application,
        actor=actor,
        after={"entry": locked.pk, "uscc": locked.enterprise.uscc, "due_on": application.due_on},
    )
    return application


@transaction.atomic
def decide_removal(
    application: RemovalApplication,
    *,
    approve: bool,
    reason: str,
    department: Department | None,
    actor: Actor,
    today: date | None = None,
) -> RemovalApplication:
    """The registration authority decides an application: removal, or a refusal with
    its reason (the entry stays)."""
    today = _today(today)
    locked = RemovalApplication.objects.select_for_update().get(pk=application.pk)
    entry = _locked_entry(locked.entry)
    if department is not None:
        _require_department(actor, department, enterprise=entry.enterprise, lists=True)
    if locked.status != ApplicationStatus.PENDING:
        raise InvalidTransition(
            _("该申请已决定"), current_state=locked.status, code="application_decided"
        )
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(_("决定须说明理由"), field="reason", code="decision_reason_required")
    if approve:
        if entry.status != EntryStatus.ACTIVE:
            raise InvalidTransition(
                _("该记录已不在列"), current_state=entry.status, code="entry_not_active"
            )
        if entry.cause == ListCause.NO_ANNUAL_REPORT and not selectors.entry_cause_cured(entry):
            raise ValidationFailed(
                _("该企业尚未补报 %(report_year)s 年度报告") % {"report_year": entry.report_year},
                field="approve",
                code="report_not_cured",
            )
        _remove(
            entry,
            cause=RemovalCause.CURED,
            reason=reason,
            actor=actor,
            department=department or entry.department,
            today=today,
        )
    else:
        _add_event(
            entry,
            EventKind.REMOVAL_REJECTED,
            on=today,
            actor=actor,
            department=department,
            reason=reason,
        )
        _notify_enterprise(
            entry.enterprise,
            "移出经营异常名录的申请未获准许",
            f"{entry.enterprise.name}的移出申请不予准许。理由：{reason}",
            actor=actor,
            object_type="credit.removalapplication",
            object_id=locked.pk,
        )
    _close_application(locked, approved=approve, reason=reason, actor=actor)
    record(
        "credit.removal_decided",
        locked,
        actor=actor,
        before={"status": ApplicationStatus.PENDING},
        after={"status": locked.status, "reason": reason, "on_time": today <= locked.due_on},
    )
    return locked


REVERSIBLE = (EventKind.LISTED, EventKind.REMINDED, EventKind.REMOVED, EventKind.ESCALATED)


@transaction.atomic
def reverse_event(
    event: ListEvent,
    *,
    reason: str,
    department: Department,
    actor: Actor,
    today: date | None = None,
) -> ListEvent:
    """Undo a list move made in error, with a reason; the move and its reversal both stay
    in the history (the public sees the effective history).

    Only an entry's latest standing move can be reversed, so undoing is always the
    mirror of doing: a listing is revoked, a removal or an escalation puts the entry
    back on its list, a reminder is withdrawn.
    """
    today = _today(today)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(_("撤销须说明理由"), field="reason", code="reversal_reason_required")
    entry = _locked_entry(event.entry)
    _require_department(actor, department, enterprise=entry.enterprise, lists=True)
    event = ListEvent.objects.select_for_update().get(pk=event.pk)
    if event.kind == EventKind.LISTED and entry.escalated_from.exists():
        # The serious entry of an escalation: undoing its listing undoes the escalation.
        origin = entry.escalated_from.order_by("-id").first()
        assert origin is not None
        escalation = (
            origin.events.filter(kind=EventKind.ESCALATED, reversed_by__isnull=True)
            .order_by("-id")
            .first()
        )
        if escalation is None:
            raise InvalidTransition(
                _("找不到对应的转列事项"), current_state=entry.status, code="escalation_not_found"
            )
        return reverse_event(
            escalation, reason=reason, department=department, actor=actor, today=today
        )
    if event.kind not in REVERSIBLE:
        raise InvalidTransition(
            _("该事项不是名单决定，不能撤销"), current_state=event.kind, code="event_not_reversible"
        )
    if hasattr(event, "reversed_by"):
        raise InvalidTransition(_("该事项已撤销"), current_state="reversed", code="event_reversed")
    latest = (
        entry.events.filter(kind__in=REVERSIBLE, reversed_by__isnull=True)
        .order_by("-at", "-id")
        .first()
    )
    if latest is None or latest.pk != event.pk:
        raise InvalidTransition(
            _("请先撤销该记录之后的事项"), current_state=entry.status, code="later_events_first"
        )
    before = _entry_state(entry)
    touched = [entry.enterprise_id]
    if event.kind == EventKind.LISTED:
        entry.status = EntryStatus.REVOKED
    elif event.kind == EventKind.REMINDED:
        entry.reminder_on = None
    elif event.kind == EventKind.REMOVED:
        if ListEntry.objects.filter(
            enterprise=entry.enterprise,
            list_kind=entry.list_kind,
            cause=entry.cause,
            report_year=entry.report_year,
            status=EntryStatus.ACTIVE,
        ).exists():
            raise Conflict(_("该企业已因同一事由重新在列"), code="already_listed")
        entry.status = EntryStatus.ACTIVE
        entry.removed_on = None
        entry.removal_cause = ""
        entry.removal_reason = ""
    elif event.kind == EventKind.ESCALATED:
        serious = entry.escalated_to
        entry.status = EntryStatus.ACTIVE
        entry.escalated_to = None
        if serious is not None:
            serious = ListEntry.objects.select_for_update().get(pk=serious.pk)
            others = serious.escalated_from.exclude(pk=entry.pk).exists()
            if not others:
                if serious.status != EntryStatus.ACTIVE:
                    raise InvalidTransition(
                        _("严重违法失信名单记录已有后续变动，请先撤销"),
                        current_state=serious.status,
                        code="serious_entry_changed",
                    )
                serious.status = EntryStatus.REVOKED
                serious.save(update_fields=["status"])
                listed = serious.events.filter(kind=EventKind.LISTED).first()
                _add_event(
                    serious,
                    EventKind.REVERSED,
                    on=today,
                    actor=actor,
                    department=department,
                    reason=reason,
                    reverses=listed,
                )
    entry.save()
    reversal = _add_event(
        entry,
        EventKind.REVERSED,
        on=today,
        actor=actor,
        department=department,
        reason=reason,
        reverses=event,
    )
    refresh_list_flags(touched)
    record(
        "credit.reversed",
        entry,
        actor=actor,
        before=before,
        after={**_entry_state(entry), "reversed_event": event.pk, "reason": reason},
    )
    _notify_enterprise(
        entry.enterprise,
        f"{ListKind(entry.list_kind).label}决定已更正",
        f"{entry.enterprise.name}的“{event.get_kind_display()}”（{event.on}）已撤销。理由：{reason}",
        actor=actor,
        object_type="credit.listentry",
        object_id=entry.pk,
    )
    return reversal
