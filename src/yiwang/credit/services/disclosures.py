"""Departments' disclosures (企业信息公示暂行条例 Art. 6-7, 14): publish, correct with
history, withdraw."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts.actor import Actor, as_actor
from yiwang.common import idempotency
from yiwang.common.audit import record
from yiwang.common.errors import (
    InvalidTransition,
    PermissionDenied,
    ValidationFailed,
)
from yiwang.credit import selectors
from yiwang.credit.choices import (
    DisclosureKind,
    DisclosureSource,
)
from yiwang.credit.models import (
    Disclosure,
    Enterprise,
)
from yiwang.credit.services._base import (
    _actor_user,
    _date,
    _money,
    _state,
    _text,
    _today,
    correct_with_revision,
)
from yiwang.org.models import Department

# --------------------------------------------------------------------------- disclosures

DISCLOSURE_FIELDS = (
    "kind",
    "title",
    "document_no",
    "content",
    "result",
    "amount",
    "legal_basis",
    "decided_on",
    "valid_from",
    "valid_to",
)

#: What each kind must carry besides title, legal basis and date (the publicity
#: catalogues of 企业信息公示暂行条例 Art. 6-7 and the spot-check rules).
DISCLOSURE_REQUIRED: dict[str, tuple[str, ...]] = {
    DisclosureKind.LICENSE: ("document_no", "valid_from"),
    DisclosureKind.PENALTY: ("document_no", "result"),
    DisclosureKind.SPOT_CHECK: ("result",),
    DisclosureKind.CHATTEL_MORTGAGE: ("document_no",),
    DisclosureKind.EQUITY_PLEDGE: ("document_no",),
    DisclosureKind.IP_PLEDGE: ("document_no",),
    DisclosureKind.OTHER: (),
}


def clean_disclosure(data: Mapping[str, Any], *, today: date) -> dict[str, Any]:
    """The disclosure's fields checked against the rules of its kind."""
    kind = str(data.get("kind") or "")
    if kind not in DisclosureKind.values:
        raise ValidationFailed(
            _("未知的公示类别：%(kind)r") % {"kind": kind}, field="kind", code="validation_failed"
        )
    cleaned: dict[str, Any] = {
        "kind": kind,
        "title": _text(data, "title", max_length=200),
        "document_no": _text(data, "document_no", max_length=100, required=False),
        "content": _text(data, "content", max_length=5000, required=False),
        "result": _text(data, "result", max_length=200, required=False),
        "amount": _money(data, "amount", required=False),
        "legal_basis": _text(data, "legal_basis", max_length=500),
        "decided_on": _date(data, "decided_on"),
        "valid_from": _date(data, "valid_from", required=False),
        "valid_to": _date(data, "valid_to", required=False),
    }
    for name in DISCLOSURE_REQUIRED[kind]:
        if cleaned[name] in ("", None):
            label = DisclosureKind(kind).label
            raise ValidationFailed(
                _("%(label)s信息必须填写 %(name)s") % {"label": label, "name": name},
                field=name,
                code="disclosure_field_required",
            )
    if cleaned["decided_on"] > today:
        raise ValidationFailed(
            _("决定日期不能晚于今天"), field="decided_on", code="decided_in_future"
        )
    if (
        cleaned["valid_from"]
        and cleaned["valid_to"]
        and cleaned["valid_to"] < cleaned["valid_from"]
    ):
        raise ValidationFailed(
            _("有效期至不能早于有效期自"), field="valid_to", code="validity_reversed"
        )
    return cleaned


def _disclosure_data(d: Disclosure) -> dict[str, Any]:
    data = _state(d, DISCLOSURE_FIELDS)
    return {k: (str(v) if isinstance(v, Decimal | date) else v) for k, v in data.items()}


def _require_department(
    actor: Actor,
    department: Department,
    *,
    enterprise: Enterprise | None = None,
    lists: bool = False,
) -> None:
    """Services check again what the API's lookup checked: the actor acts for the
    department (the system actor acts for the department it is given)."""
    actor = as_actor(actor)
    if actor.is_system:
        return
    allowed = selectors.acting_authority(actor, department.code, enterprise=enterprise, lists=lists)
    if allowed.pk != department.pk:
        raise PermissionDenied(_("您不能以该部门的名义操作"), code="not_your_department")


def publish_disclosure(
    enterprise: Enterprise,
    data: Mapping[str, Any],
    *,
    department: Department,
    actor: Actor,
    source: str = DisclosureSource.MANUAL,
    source_ref: str = "",
    idempotency_key: str = "",
    today: date | None = None,
) -> Disclosure:
    """A department publishes a record about an enterprise (version 1).

    The same `idempotency_key` from the same actor (`common.idempotency`), or the same
    `source_ref` from the same department, returns the record already published instead
    of a second one.
    """
    return idempotency.create_once(
        "credit.publish_disclosure",
        actor=actor,
        key=idempotency_key,
        body={
            "enterprise": enterprise.pk,
            "data": dict(data),
            "department": department.pk,
            "source": source,
            "source_ref": source_ref,
        },
        model=Disclosure,
        create=lambda: _publish_disclosure(
            enterprise,
            data,
            department=department,
            actor=actor,
            source=source,
            source_ref=source_ref,
            today=today,
        ),
    )


@transaction.atomic
def _publish_disclosure(
    enterprise: Enterprise,
    data: Mapping[str, Any],
    *,
    department: Department,
    actor: Any,
    source: str,
    source_ref: str,
    today: date | None,
) -> Disclosure:
    _require_department(actor, department)
    if source_ref:
        existing = Disclosure.objects.filter(department=department, source_ref=source_ref).first()
        if existing is not None:
            return existing
    cleaned = clean_disclosure(data, today=_today(today))
    disclosure = Disclosure.objects.create(
        enterprise=enterprise,
        department=department,
        source=source,
        source_ref=source_ref[:100],
        published_by=_actor_user(actor),
        **cleaned,
    )
    record(
        "credit.disclosure_published",
        disclosure,
        actor=actor,
        after={
            "uscc": enterprise.uscc,
            "department": department.code,
            **_disclosure_data(disclosure),
        },
    )
    return disclosure


@transaction.atomic
def correct_disclosure(
    disclosure: Disclosure,
    data: Mapping[str, Any],
    *,
    reason: str,
    actor: Actor,
    today: date | None = None,
) -> Disclosure:
    """A correction (信息更正): the record becomes the next version; the version it
    replaces is kept as a revision, with the reason and who replaced it."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(_("更正须说明理由"), field="reason", code="validation_failed")
    locked = Disclosure.objects.select_for_update().get(pk=disclosure.pk)
    _require_department(actor, locked.department)
    if locked.withdrawn_at is not None:
        raise InvalidTransition(
            _("已撤回的信息不能更正"), current_state="withdrawn", code="disclosure_withdrawn"
        )
    merged = {**_disclosure_data(locked), **dict(data)}
    cleaned = clean_disclosure(merged, today=_today(today))
    if cleaned["kind"] != locked.kind:
        raise ValidationFailed(
            _("更正不能改变信息类别；请撤回后重新公示"),
            field="kind",
            code="correction_changes_kind",
        )
    return correct_with_revision(
        locked,
        cleaned,
        snapshot=_disclosure_data,
        reason=reason,
        actor=actor,
        event="credit.disclosure_corrected",
        unchanged=_("更正内容与原信息相同"),
        stamp="corrected_at",
    )


@transaction.atomic
def withdraw_disclosure(disclosure: Disclosure, *, reason: str, actor: Actor) -> Disclosure:
    """Withdraw from publicity (e.g. a penalty annulled on review); kept with its reason."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(
            _("撤回须说明理由"), field="reason", code="withdrawal_reason_required"
        )
    locked = Disclosure.objects.select_for_update().get(pk=disclosure.pk)
    _require_department(actor, locked.department)
    if locked.withdrawn_at is not None:
        raise InvalidTransition(
            _("该信息已撤回"), current_state="withdrawn", code="disclosure_withdrawn"
        )
    locked.withdrawn_at = timezone.now()
    locked.withdrawal_reason = reason[:500]
    locked.save(update_fields=["withdrawn_at", "withdrawal_reason"])
    record(
        "credit.disclosure_withdrawn",
        locked,
        actor=actor,
        before={"withdrawn_at": None},
        after={"withdrawn_at": locked.withdrawn_at, "reason": reason},
    )
    return locked
