"""The transition engine: checks `cases.transitions.TRANSITIONS`, applies the action's
effect and writes timeline, audit and message in the same transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.accounts.actor import Actor, PostGrant, as_actor
from yiwang.cases import clock
from yiwang.cases.choices import CaseAction, CaseStatus
from yiwang.cases.models import Case
from yiwang.cases.selectors import acting_posts, cases_visible_to, fits
from yiwang.cases.services._common import (
    APPLICANT_UNIT,
    COMMENT_MAX,
    SYSTEM_UNIT,
    _Change,
    record_event,
    tell_applicant,
)
from yiwang.cases.services.effects import EFFECTS
from yiwang.cases.transitions import (
    INTAKE_CLERK,
    SYSTEM,
    WHO_BY_ACTION,
    Relation,
    Who,
    transition_for,
)
from yiwang.catalog.selectors import steps_of
from yiwang.common import audit
from yiwang.common.audit import record
from yiwang.common.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from yiwang.common.permissions import Permission


def perform_action(
    case_no: str,
    action: str,
    *,
    actor: Actor,
    comment: str = "",
    expected_version: int | None = None,
    **params: Any,
) -> Case:
    """Take `action` on the case (POST /cases/{case_no}/actions), in one transaction.

    Raises NotFound outside the actor's scope, PermissionDenied when the actor can never
    take this action on this case, InvalidTransition (409, with the current state) when
    the state does not allow it — which is what the second of two clerks pressing
    "accept" at once gets — and Conflict when `expected_version` is stale.
    Parameters by action: request_supplement `missing=[{material, reason}]`;
    resubmit `materials=[{material, upload_id}]`; suspend `kind` (SpecialProcedure);
    approve/issue `result_text`; deliver `method`, `tracking_no`, `carrier`;
    refuse, deny, return, suspend and extend need a `comment` (the reason).
    """
    try:
        act = CaseAction(action)
    except ValueError:
        raise ValidationFailed(
            _("未知的操作：%(action)s") % {"action": action},
            code="unknown_action",
            allowed=list(CaseAction.values),
        ) from None
    with transaction.atomic(), audit.batch():
        actor = as_actor(actor)
        base = cases_visible_to(actor)  # the system actor sees every case
        case = (
            base.select_for_update(of=("self",))
            .select_related("item", "department", "hall", "region", "intake_region", "applicant")
            .filter(case_no=case_no)
            .first()
        )
        if case is None:
            raise NotFound(
                _("办件 %(case_no)s 不存在") % {"case_no": case_no}, code="case_not_found"
            )
        if expected_version is not None and expected_version != case.version:
            raise Conflict(
                _("办件已被他人更新，请刷新后重试"),
                code="stale_version",
                current_state=case.status,
                version=case.version,
            )
        transition(case, act, actor=actor, comment=comment, params=params)
    return case


def transition(
    case: Case,
    action: CaseAction,
    *,
    actor: Actor,
    comment: str = "",
    params: Mapping[str, Any] | None = None,
    announce: bool = True,
) -> None:
    """Check the table, apply the effect, write event + audit + message. The caller
    holds the row lock inside a transaction."""
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationFailed(
            _("意见不能超过 %(comment_max)s 个字符") % {"comment_max": COMMENT_MAX},
            code="comment_too_long",
        )
    actor = as_actor(actor)
    system = actor.is_system
    viewer = None if system else actor
    label = CaseAction(action).label
    if viewer is not None and not any(fits(viewer, case, w) for w in WHO_BY_ACTION[action]):
        raise PermissionDenied(
            _("您无权对本办件执行“%(label)s”") % {"label": label}, code="action_not_allowed"
        )
    row = transition_for(case.status, action)
    who_ok = row is not None and (
        (SYSTEM in row.who) if viewer is None else any(fits(viewer, case, w) for w in row.who)
    )
    if row is None or not who_ok:
        raise InvalidTransition(
            _("办件当前状态为“%(status)s”，不能执行“%(label)s”")
            % {"status": CaseStatus(case.status).label, "label": label},
            current_state=case.status,
            code="invalid_transition",
        )
    unit, post = _acting_unit(viewer, case, row.who)
    change = _Change(
        case=case,
        action=action,
        actor=actor,
        viewer=viewer,
        comment=comment,
        params=params or {},
        now=clock.now(),
        today=clock.today(),
        from_status=case.status,
        target=row.target,
        unit=unit,
        acting_post=post,
    )
    EFFECTS[action](change)
    if action == CaseAction.DELIVER and row.target_when_tracked and change.data.get("tracking_no"):
        change.target = row.target_when_tracked
    before = {"status": case.status, "version": case.version}
    case.status = change.target
    case.version += 1
    if case.status in _CLOSED and case.closed_at is None:
        case.closed_at = change.now
    case.due_on = clock.governing_deadline(case)
    case.current_step = current_step(case)
    case.save()
    record_event(
        case,
        kind=change.kind,
        action=action,
        from_status=change.from_status,
        to_status=case.status,
        actor=None if system else actor,
        unit=unit,
        comment=change.comment,
        data=change.data,
        at=change.now,
    )
    record(
        f"case.{action}",
        None,
        actor=actor,
        object_type="cases.case",
        object_id=case.case_no,
        before=before,
        after={"status": case.status, "version": case.version, **_audit_data(change.data)},
    )
    if announce and change.subject:
        tell_applicant(case, actor, change.subject, change.body)


_CLOSED = frozenset(
    {CaseStatus.REFUSED, CaseStatus.DENIED, CaseStatus.COMPLETED, CaseStatus.WITHDRAWN}
)


def _audit_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """Dates and codes only: no free text (it may hold personal data) in the audit log."""
    keep = {
        "promised_deadline",
        "legal_deadline",
        "issue_deadline",
        "provisional",
        "paused_workdays",
        "method",
        "kind",
        "deemed",
        "to_unit",
        "licenses",
    }
    out = {k: v for k, v in data.items() if k in keep}
    if "missing" in data:
        out["missing"] = [m["material"] for m in data["missing"]]
    return out


def _acting_unit(
    viewer: Actor | None, case: Case, who: frozenset[Who]
) -> tuple[str, PostGrant | None]:
    if viewer is None:
        return SYSTEM_UNIT, None
    for w in sorted(who, key=lambda w: (w.relation, str(w.permission))):
        if not fits(viewer, case, w):
            continue
        if w.relation == Relation.APPLICANT:
            if viewer.pk == case.applicant_id:
                return APPLICANT_UNIT, None
            # The clerk who submitted for the applicant (代办) acts for them.
            posts = acting_posts(viewer, case, INTAKE_CLERK)
            if posts:
                return f"{posts[0].unit_name}（代办）", posts[0]
            return APPLICANT_UNIT, None
        posts = acting_posts(viewer, case, w)
        return posts[0].unit_name, posts[0]
    return APPLICANT_UNIT, None


#: The permission a case waits on in each status (to name its current process step).
_WAITING_ON = {
    CaseStatus.SUBMITTED: Permission.CASE_ACCEPT,
    CaseStatus.ACCEPTED: Permission.CASE_REVIEW,
    CaseStatus.IN_REVIEW: Permission.CASE_REVIEW,
    CaseStatus.SUSPENDED: Permission.CASE_REVIEW,
    CaseStatus.APPROVED: Permission.CASE_ISSUE,
    CaseStatus.ISSUED: Permission.CASE_DELIVER,
    CaseStatus.DELIVERED: Permission.CASE_DELIVER,
}


#: After the decision the case waits on the last step of the role that acts (决定 / 签发),
#: never again on the intake step — a window clerk who hands the result over is at a
#: stage of their own, shown by the status when the process lists no step for it.
_AFTER_DECISION = frozenset({CaseStatus.APPROVED, CaseStatus.ISSUED, CaseStatus.DELIVERED})


def current_step(case: Case) -> str:
    """The item's process step (data: order, role) the case is at, else the status."""
    status = CaseStatus(case.status)
    wanted = _WAITING_ON.get(status)
    if wanted is None:
        return ""
    steps = list(steps_of(case.item))
    acting = [step for step in steps if wanted in step.role.permissions]
    if status in _AFTER_DECISION:
        acting = [step for step in acting[-1:] if step is not steps[0]]
    return str(acting[0].name) if acting else str(status.label)
