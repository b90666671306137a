"""Suspending, revoking and reinstating a license: one table, one writer.

行政许可法 Art. 69-70 (撤销、注销) and the licensing laws' 暂扣/吊销: an issuing
department changes a license's status for a stated reason, audited, told to the holder
and published on the change feed. Expiry is never a stored status (it follows from the
dates); a superseded version changes no more.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts.actor import Actor, as_actor
from yiwang.common.audit import record
from yiwang.common.errors import InvalidTransition, ValidationFailed
from yiwang.common.permissions import Permission
from yiwang.licenses.choices import ChangeKind, LicenseStatus, StatusAction
from yiwang.licenses.models import License
from yiwang.licenses.services.issuing import _locked, _tell_holder, record_change

S, A = LicenseStatus, StatusAction

#: (status, action) -> (new status, change feed kind). Nothing else is possible.
STATUS_TRANSITIONS: dict[tuple[str, str], tuple[str, str]] = {
    (S.VALID, A.SUSPEND): (S.SUSPENDED, ChangeKind.SUSPENDED),
    (S.VALID, A.REVOKE): (S.REVOKED, ChangeKind.REVOKED),
    (S.SUSPENDED, A.REVOKE): (S.REVOKED, ChangeKind.REVOKED),
    (S.SUSPENDED, A.REINSTATE): (S.VALID, ChangeKind.REINSTATED),
}

REASON_MAX = 500

_SUBJECTS = {
    A.SUSPEND: "电子证照已暂停",
    A.REVOKE: "电子证照已吊销",
    A.REINSTATE: "电子证照已恢复有效",
}


def change_status(identifier: str, action: str, *, reason: str, actor: Actor) -> License:
    """Apply `action` (suspend, revoke, reinstate) with its reason. Staff of the issuing
    department whose post grants `unit:license:revoke`: 403 without it, 404 for another
    issuer's license, 409 (with the current state) when the status does not allow it."""
    actor = as_actor(actor)
    if action not in StatusAction.values:
        raise ValidationFailed(
            _("未知的操作：%(action)s") % {"action": action},
            code="unknown_action",
            allowed=list(StatusAction.values),
        )
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationFailed(_("请填写原因"), code="reason_required")
    if len(reason) > REASON_MAX:
        raise ValidationFailed(
            _("原因不能超过 %(max)s 个字符") % {"max": REASON_MAX}, code="reason_too_long"
        )
    now = timezone.now()
    with transaction.atomic():
        lic = _locked(identifier, actor, Permission.LICENSE_REVOKE)
        row = STATUS_TRANSITIONS.get((lic.status, action))
        if row is None:
            raise InvalidTransition(
                _("证照当前状态为“%(status)s”，不能%(action)s")
                % {
                    "status": LicenseStatus(lic.status).label,
                    "action": StatusAction(action).label,
                },
                current_state=lic.status,
                code="invalid_license_transition",
            )
        target, kind = row
        before = {"status": lic.status}
        lic.status = target
        lic.status_reason = reason
        lic.status_changed_at = now
        lic.save(update_fields=["status", "status_reason", "status_changed_at"])
        record_change(lic, kind, now)
        record(
            f"licenses.{action}",
            lic,
            actor=actor,
            object_id=lic.identifier,
            before=before,
            after={"status": lic.status, "reason": reason},
        )
        name = lic.license_type.name
        _tell_holder(
            lic,
            lic.license_type,
            _SUBJECTS[StatusAction(action)],
            f"{lic.issuer.name}已{StatusAction(action).label}您的电子证照“{name}”"
            f"（证照标识 {lic.identifier}）。原因：{reason}。",
            actor,
        )
    return lic


def suspend_license(identifier: str, *, reason: str, actor: Actor) -> License:
    return change_status(identifier, StatusAction.SUSPEND, reason=reason, actor=actor)


def revoke_license(identifier: str, *, reason: str, actor: Actor) -> License:
    return change_status(identifier, StatusAction.REVOKE, reason=reason, actor=actor)


def reinstate_license(identifier: str, *, reason: str, actor: Actor) -> License:
    return change_status(identifier, StatusAction.REINSTATE, reason=reason, actor=actor)
