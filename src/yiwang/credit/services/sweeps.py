"""The automatic list decisions the periodic job makes: the abnormal list after 30 June,
the three-year reminder and escalation, removal applications whose day has come."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from yiwang.accounts.actor import Actor
from yiwang.accounts.selectors import enterprise_users
from yiwang.common.audit import record
from yiwang.credit import rules, selectors
from yiwang.credit.choices import (
    ApplicationStatus,
    EnterpriseStatus,
    EntryStatus,
    EventKind,
    ListCause,
    ListKind,
)
from yiwang.credit.conf import credit_setting
from yiwang.credit.models import (
    AnnualReport,
    Enterprise,
    ListEntry,
    ListEvent,
    RemovalApplication,
    SweepMark,
)
from yiwang.credit.services._base import (
    SWEEP_ACTOR,
    _actor_label,
    _notify_enterprise,
    _today,
    logger,
)
from yiwang.credit.services.lists import (
    _add_event,
    _entry_state,
    _locked_entry,
    _notify_listing,
    decide_removal,
    refresh_list_flags,
)

# --------------------------------------------------------------------------- the sweeps


@dataclass
class SweepResult:
    listed: int = 0
    reminded: int = 0
    escalated: int = 0
    removed: int = 0
    overdue: int = 0
    report_year: int | None = None
    skipped: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (0, "", None)}


def list_missing_annual_reports(
    *, today: date | None = None, actor: Actor = SWEEP_ACTOR, batch_size: int = 1000
) -> SweepResult:
    """Put every enterprise that did not report on time on the abnormal list
    (经营异常名录管理办法 Art. 6: within 10 working days after 30 June).

    The report year is the one whose period ended most recently. Idempotent: an
    enterprise already listed for that year (even if since removed or revoked) is not
    listed again, and once a year is swept completely a mark makes later runs return
    at once. Decisions made after the legal period are still made, and logged.
    """
    today = _today(today)
    year = rules.latest_closed_report_year(today)
    result = SweepResult(report_year=year)
    if year is None:
        result.skipped = "no closed report year"
        return result
    mark = f"abnormal:{year}"
    if SweepMark.objects.filter(name=mark).exists():
        result.skipped = "done"
        return result
    due = rules.listing_decision_due(year)
    authorities = selectors.registration_authorities()
    reports = AnnualReport.objects.filter(enterprise=OuterRef("pk"), year=year)
    if credit_setting("LIST_FILED_LATE_BEFORE_LISTING"):
        reports = reports.filter(late=False)
    prior = ListEntry.objects.filter(
        enterprise=OuterRef("pk"), cause=ListCause.NO_ANNUAL_REPORT, report_year=year
    )
    candidates = Enterprise.objects.filter(
        status=EnterpriseStatus.ACTIVE, established_on__lte=date(year, 12, 31)
    ).filter(~Exists(reports), ~Exists(prior))
    reason = f"未按照《企业信息公示暂行条例》规定的期限（{rules.report_deadline(year)} 前）公示 {year} 年度报告"
    last_id = 0
    while True:
        with transaction.atomic():
            batch = list(
                candidates.filter(pk__gt=last_id)
                .order_by("pk")
                .only("pk", "uscc", "name", "region_code")[:batch_size]
            )
            if not batch:
                break
            entries = ListEntry.objects.bulk_create(
                [
                    ListEntry(
                        enterprise=e,
                        list_kind=ListKind.ABNORMAL,
                        cause=ListCause.NO_ANNUAL_REPORT,
                        report_year=year,
                        reason=reason,
                        listed_on=today,
                        decision_due_on=due,
                        department=selectors.registration_authority_for(e.region_code, authorities),
                    )
                    for e in batch
                ]
            )
            ListEvent.objects.bulk_create(
                [
                    ListEvent(
                        entry=entry,
                        kind=EventKind.LISTED,
                        on=today,
                        actor_label=_actor_label(actor),
                        department=entry.department,
                        reason=reason,
                    )
                    for entry in entries
                ]
            )
            Enterprise.objects.filter(pk__in=[e.pk for e in batch]).update(abnormal=True)
            # One audit event per batch, naming every entry: the yearly sweep lists tens
            # of thousands at once.
            record(
                "credit.listed_missing_reports",
                actor=actor,
                object_type="credit.listentry",
                object_id=f"{entries[0].pk}-{entries[-1].pk}",
                after={
                    "report_year": year,
                    "listed_on": today,
                    "decision_due_on": due,
                    "entries": {str(x.pk): x.enterprise.uscc for x in entries},
                },
            )
            accounts = enterprise_users([e.uscc for e in batch])
            for entry in entries:
                _notify_listing(entry, actor=actor, user=accounts.get(entry.enterprise.uscc))
        result.listed += len(batch)
        last_id = batch[-1].pk
    if result.listed and today > due:
        logger.warning(
            "listed %s enterprises for the %s report on %s, after the legal decision date %s",
            result.listed,
            year,
            today,
            due,
        )
    SweepMark.objects.create(
        name=mark,
        completed_at=timezone.now(),
        detail={"listed": result.listed, "on": today.isoformat(), "due": due.isoformat()},
    )
    return result


def _escalation_candidates(today: date, *, reminder: bool) -> list[ListEntry]:
    # A generous date bound for the index, then the exact rule per entry.
    years = int(credit_setting("SERIOUS_AFTER_YEARS"))
    margin = (
        timedelta(days=int(credit_setting("SERIOUS_REMINDER_DAYS")) + 2)
        if reminder
        else timedelta(days=2)
    )
    bound = rules.add_years(today + margin, -years)
    qs = ListEntry.objects.filter(
        list_kind=ListKind.ABNORMAL, status=EntryStatus.ACTIVE, listed_on__lte=bound
    ).select_related("enterprise", "department")
    if reminder:
        qs = qs.filter(reminder_on__isnull=True)
    pending = RemovalApplication.objects.filter(
        entry=OuterRef("pk"), status=ApplicationStatus.PENDING
    )
    return list(qs.filter(~Exists(pending)).order_by("listed_on", "pk"))


def escalate_long_abnormal(*, today: date | None = None, actor: Actor = SWEEP_ACTOR) -> SweepResult:
    """Three years on the abnormal list without cure: a public reminder in the last
    60 days, then the serious violation list within 10 working days (经营异常名录管理办法
    Art. 16). Entries whose cause is verifiably cured, or with a pending application,
    wait. Idempotent."""
    today = _today(today)
    result = SweepResult()
    for entry in _escalation_candidates(today, reminder=True):
        if not rules.reminder_due(entry.listed_on, today) or selectors.entry_cause_cured(entry):
            continue
        with transaction.atomic():
            locked = _locked_entry(entry)
            if locked.status != EntryStatus.ACTIVE or locked.reminder_on is not None:
                continue
            locked.reminder_on = today
            locked.save(update_fields=["reminder_on"])
            ends = rules.abnormal_term_ends(locked.listed_on)
            text = f"列入经营异常名录将于 {ends} 届满 {credit_setting('SERIOUS_AFTER_YEARS')} 年；届满仍未履行相关义务的，将列入严重违法失信名单"
            _add_event(
                locked,
                EventKind.REMINDED,
                on=today,
                actor=actor,
                department=locked.department,
                reason=text,
            )
            record(
                "credit.reminded",
                locked,
                actor=actor,
                after={**_entry_state(locked), "term_ends": ends},
            )
            _notify_enterprise(
                locked.enterprise,
                "经营异常名录届满提醒",
                f"{locked.enterprise.name}：{text}。",
                actor=actor,
                object_type="credit.listentry",
                object_id=locked.pk,
            )
        result.reminded += 1
    for entry in _escalation_candidates(today, reminder=False):
        if not rules.escalation_due(entry.listed_on, today) or selectors.entry_cause_cured(entry):
            continue
        with transaction.atomic():
            if _escalate(entry, today=today, actor=actor):
                result.escalated += 1
    return result


def _escalate(entry: ListEntry, *, today: date, actor: Actor) -> bool:
    locked = _locked_entry(entry)
    if locked.status != EntryStatus.ACTIVE:
        return False
    due = rules.escalation_decision_due(locked.listed_on)
    years = credit_setting("SERIOUS_AFTER_YEARS")
    reason = f"自 {locked.listed_on} 列入经营异常名录届满 {years} 年仍未履行相关义务（{locked.get_cause_display()}）"
    serious = ListEntry.objects.filter(
        enterprise=locked.enterprise,
        list_kind=ListKind.SERIOUS,
        cause=ListCause.ABNORMAL_THREE_YEARS,
        status=EntryStatus.ACTIVE,
    ).first()
    if serious is None:
        serious = ListEntry.objects.create(
            enterprise=locked.enterprise,
            list_kind=ListKind.SERIOUS,
            cause=ListCause.ABNORMAL_THREE_YEARS,
            reason=reason,
            listed_on=today,
            decision_due_on=due,
            department=locked.department,
        )
        _add_event(
            serious,
            EventKind.LISTED,
            on=today,
            actor=actor,
            department=locked.department,
            reason=reason,
        )
    before = _entry_state(locked)
    locked.status = EntryStatus.ESCALATED
    locked.escalated_to = serious
    locked.save(update_fields=["status", "escalated_to"])
    _add_event(
        locked,
        EventKind.ESCALATED,
        on=today,
        actor=actor,
        department=locked.department,
        reason=reason,
    )
    refresh_list_flags([locked.enterprise_id])
    record(
        "credit.escalated",
        locked,
        actor=actor,
        before=before,
        after={**_entry_state(locked), "serious_entry": serious.pk, "decision_due_on": due},
    )
    if today > due:
        logger.warning(
            "entry %s escalated on %s, after the legal decision date %s", locked.pk, today, due
        )
    _notify_listing(serious, actor=actor)
    return True


def process_due_removal_applications(
    *, today: date | None = None, actor: Actor = SWEEP_ACTOR
) -> SweepResult:
    """Applications whose decision day has come: where the system can verify the cure
    itself (the missing report is filed) and `AUTO_REMOVE_VERIFIED_WHEN_DUE` is on, the
    enterprise is removed — the authority's silence must not keep it listed; the rest
    are counted and logged as overdue for staff."""
    today = _today(today)
    result = SweepResult()
    due = RemovalApplication.objects.filter(
        status=ApplicationStatus.PENDING, due_on__lte=today
    ).select_related("entry__enterprise")
    for application in due.order_by("due_on", "pk"):
        if credit_setting("AUTO_REMOVE_VERIFIED_WHEN_DUE") and selectors.entry_cause_cured(
            application.entry
        ):
            decide_removal(
                application,
                approve=True,
                reason="已补报年度报告，经系统核验，依申请移出",
                department=None,
                actor=actor,
                today=today,
            )
            result.removed += 1
        elif application.due_on < today:
            result.overdue += 1
    if result.overdue:
        logger.warning("%s removal applications are past their decision date", result.overdue)
    return result
