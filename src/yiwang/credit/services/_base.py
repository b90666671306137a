"""What every credit service shares: dates, actors, field checks, notices."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts.actor import Actor, as_actor
from yiwang.accounts.models import User
from yiwang.accounts.selectors import enterprise_user
from yiwang.common.audit import record
from yiwang.common.errors import (
    ValidationFailed,
)
from yiwang.credit.models import (
    AnnualReport,
    Disclosure,
    Enterprise,
)
from yiwang.notify.services import notify

logger = logging.getLogger("yiwang.credit")

#: The actor of the automatic list decisions, as the audit log names it.
SWEEP_ACTOR = Actor.system("credit-sweep")


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _actor_user(actor: Actor) -> User | None:
    return as_actor(actor).user


def _actor_label(actor: Actor) -> str:
    """The name a list decision shows: the person's, or the system actor's reason."""
    return as_actor(actor).display_label


def _text(data: Mapping[str, Any], name: str, *, max_length: int, required: bool = True) -> str:
    value = str(data.get(name) or "").strip()
    if required and not value:
        raise ValidationFailed(
            _("%(name)s 不能为空") % {"name": name}, field=name, code="field_required"
        )
    if len(value) > max_length:
        raise ValidationFailed(
            _("%(name)s 不能超过 %(max_length)s 个字") % {"name": name, "max_length": max_length},
            field=name,
            code="field_too_long",
        )
    return value


def _money(
    data: Mapping[str, Any], name: str, *, required: bool = True, signed: bool = False
) -> Decimal | None:
    raw = data.get(name)
    if raw is None or raw == "":
        if required:
            raise ValidationFailed(
                _("%(name)s 不能为空") % {"name": name}, field=name, code="field_required"
            )
        return None
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise ValidationFailed(
            _("%(name)s 不是数字：%(raw)r") % {"name": name, "raw": raw},
            field=name,
            code="amount_not_a_number",
        ) from None
    if not value.is_finite() or abs(value) >= Decimal("1e14"):
        raise ValidationFailed(
            _("%(name)s 超出范围") % {"name": name}, field=name, code="amount_out_of_range"
        )
    if not signed and value < 0:
        raise ValidationFailed(
            _("%(name)s 不能为负数") % {"name": name}, field=name, code="amount_negative"
        )
    return value.quantize(Decimal("0.0001"))


def _date(data: Mapping[str, Any], name: str, *, required: bool = True) -> date | None:
    raw = data.get(name)
    if raw is None or raw == "":
        if required:
            raise ValidationFailed(
                _("%(name)s 不能为空") % {"name": name}, field=name, code="field_required"
            )
        return None
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise ValidationFailed(
            _("%(name)s 不是有效日期（YYYY-MM-DD）：%(raw)r") % {"name": name, "raw": raw},
            field=name,
            code="date_invalid",
        ) from None


def _state(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in fields}


# --------------------------------------------------------------------------- corrections

#: A record corrected with history: its current version is the row, each version it
#: replaced a row of its `revisions`.
Revised = TypeVar("Revised", Disclosure, AnnualReport)


def correct_with_revision(
    locked: Revised,
    cleaned: Mapping[str, Any],
    *,
    snapshot: Callable[[Revised], dict[str, Any]],
    reason: str,
    actor: Actor,
    event: str,
    unchanged: str,
    stamp: str = "",
) -> Revised:
    """Correct a record and keep the version it replaces (a department's 信息更正 of its
    disclosure, an enterprise's 年报修改; 企业信息公示暂行条例 Art. 6, 8-10, 14).

    The caller has locked the row, checked who may correct it and cleaned the new
    values; this applies them and, in the caller's transaction: refuses a correction
    that changes nothing (`unchanged`, the caller's wording; code `nothing_changed`), keeps the replaced version
    as a revision (its data as `snapshot` shows it, the reason, who replaced it), makes
    the record the next version (`stamp`: a time field set to now, if the record has
    one), and writes one audit event `event` with the data before and after.
    """
    before = snapshot(locked)
    for name, value in cleaned.items():
        setattr(locked, name, value)
    after = snapshot(locked)
    if after == before:
        raise ValidationFailed(unchanged, field="data", code="nothing_changed")
    locked.revisions.create(
        version=locked.version, data=before, reason=reason, changed_by=_actor_user(actor)
    )
    locked.version += 1
    if stamp:
        setattr(locked, stamp, timezone.now())
    locked.save()
    record(
        event,
        locked,
        actor=actor,
        before=before,
        after={**after, "version": locked.version, "reason": reason},
    )
    return locked


# --------------------------------------------------------------------------- notices


_LOOK_UP: Any = object()


def _notify_enterprise(
    enterprise: Enterprise,
    subject: str,
    body: str,
    *,
    actor: Actor,
    object_type: str,
    object_id: Any,
    user: Any = _LOOK_UP,
) -> None:
    """Tell the enterprise's account, in the deciding transaction (notify joins it and
    sends only after commit). An enterprise without an account is told by the publicity
    itself. `user`: the account if the caller looked it up already (sweeps do, in bulk)."""
    if user is _LOOK_UP:
        user = enterprise_user(enterprise.uscc)
    if user is None:
        return
    notify(
        user,
        subject=subject,
        body=body,
        object_type=object_type,
        object_id=str(object_id),
        actor=actor,
    )
