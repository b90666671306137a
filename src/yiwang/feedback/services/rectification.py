"""The rectification engine: reads `feedback.transitions.TRANSITIONS`, in the shape of
`cases.services.engine` — lock the row, check the table (403 when the actor can never
take the action on this task, 409 with the current state when not now), apply the
action's effect from `EFFECTS`, write the audit event in the same transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.accounts.actor import Actor, as_actor
from yiwang.cases import clock
from yiwang.common import audit
from yiwang.common.audit import record
from yiwang.common.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from yiwang.feedback.choices import AppealStatus, RectificationAction, RectificationStatus
from yiwang.feedback.models import Appeal, CallBack, Rectification
from yiwang.feedback.selectors import rectifications_visible_to
from yiwang.feedback.transitions import (
    SUPERVISOR,
    SYSTEM,
    TERMINAL,
    UNIT,
    WHO_BY_ACTION,
    Relation,
    Who,
    transition_for,
    transitions_from,
)

#: The longest answer, note, appeal reason or call-back outcome.
TEXT_MAX = 2000

A = RectificationAction
S = RectificationStatus


def fits(actor: Actor, task: Rectification, who: Who) -> bool:
    """Whether the (non-system) actor may act as `who` on the task."""
    if who.relation == Relation.SYSTEM:
        return False
    assert who.permission is not None
    if who.relation == Relation.UNIT:
        return any(
            p.department_id == task.department_id and not p.reaches_below
            for p in actor.posts_with(who.permission)
        )
    path = task.region.path
    return any(path.startswith(below) for below in actor.paths_below(who.permission))


def allowed_actions(actor: Actor, task: Rectification) -> list[str]:
    """The actions this person may take on the task now (for buttons)."""
    actor = as_actor(actor)
    if actor.is_system:
        return []
    return [str(r.action) for r in transitions_from(task.status) if fits(actor, task, r.who)]


def may_call_back(actor: Actor, task: Rectification) -> bool:
    actor = as_actor(actor)
    return (
        not actor.is_system
        and task.status not in TERMINAL
        and (fits(actor, task, UNIT) or fits(actor, task, SUPERVISOR))
    )


def _locked(task_id: int, actor: Actor) -> Rectification:
    task = (
        rectifications_visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("region", "evaluation__case")
        .filter(pk=task_id)
        .first()
    )
    if task is None:
        raise NotFound(_("整改任务不存在"), code="rectification_not_found")
    return task


@dataclass
class _Change:
    task: Rectification
    action: A
    actor: Actor
    comment: str
    now: datetime
    today: date
    target: S
    data: dict[str, Any] = field(default_factory=dict)


def _text(value: str, what: str, *, required: bool) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed(_("请填写%(what)s") % {"what": what}, code="comment_required")
    if len(text) > TEXT_MAX:
        raise ValidationFailed(
            _("%(what)s不能超过 %(text_max)s 个字符") % {"what": what, "text_max": TEXT_MAX},
            code="comment_too_long",
        )
    return text


def _back_to_work(ch: _Change) -> None:
    # The deadline never moves: a task returned after it is overdue at once.
    if ch.today > ch.task.deadline:
        ch.target = S.OVERDUE
        ch.task.overdue = True


def _answer(ch: _Change) -> None:
    ch.task.answer = _text(ch.comment, _("整改情况"), required=True)
    ch.task.answered_at = ch.now
    ch.task.answered_by_id = ch.actor.pk


def _accept(ch: _Change) -> None:
    task = ch.task
    if task.evaluation.real_name and not task.call_backs.exists():
        raise Conflict(
            _("实名差评须先登记回访记录，才能办结"),
            code="call_back_required",
            current_state=task.status,
        )
    task.note = _text(ch.comment, _("审核意见"), required=False)
    task.closed_at, task.closed_by_id = ch.now, ch.actor.pk


def _return(ch: _Change) -> None:
    ch.task.note = _text(ch.comment, _("退回原因"), required=True)
    _back_to_work(ch)


def _mark_overdue(ch: _Change) -> None:
    ch.task.overdue = True


def _appeal(ch: _Change) -> None:
    reasons = _text(ch.comment, _("申诉理由"), required=True)
    if ch.task.appeals.exists():
        raise Conflict(
            _("每项整改任务只能申诉一次"), code="already_appealed", current_state=ch.task.status
        )
    appeal = Appeal.objects.create(
        rectification=ch.task, reasons=reasons, filed_by=ch.actor.account, filed_at=ch.now
    )
    ch.data["appeal"] = appeal.pk


def _decide_appeal(ch: _Change, status: AppealStatus) -> Appeal:
    appeal = ch.task.appeals.select_for_update().get(status=AppealStatus.PENDING)
    appeal.status = status
    appeal.decided_by_id = ch.actor.pk
    appeal.decided_at = ch.now
    appeal.decision_note = _text(ch.comment, _("裁定意见"), required=True)
    appeal.save()
    ch.data["appeal"] = appeal.pk
    return appeal


def _uphold(ch: _Change) -> None:
    _decide_appeal(ch, AppealStatus.UPHELD)
    evaluation = ch.task.evaluation
    evaluation.excluded = True
    evaluation.excluded_reason = "申诉成立（恶意差评），不计入统计"
    evaluation.save(update_fields=["excluded", "excluded_reason"])
    ch.task.closed_at, ch.task.closed_by_id = ch.now, ch.actor.pk


def _reject(ch: _Change) -> None:
    _decide_appeal(ch, AppealStatus.REJECTED)
    _back_to_work(ch)


EFFECTS: dict[A, Callable[[_Change], None]] = {
    A.ANSWER: _answer,
    A.ACCEPT: _accept,
    A.RETURN: _return,
    A.MARK_OVERDUE: _mark_overdue,
    A.APPEAL: _appeal,
    A.UPHOLD: _uphold,
    A.REJECT: _reject,
}
assert set(EFFECTS) == set(A), "every action needs its effect"


def act_on_rectification(
    task_id: int,
    action: str,
    *,
    actor: Actor,
    comment: str = "",
    expected_version: int | None = None,
) -> Rectification:
    """Take `action` on the rectification task, in one transaction (the module
    docstring). `comment` is the action's text: the answer, the return reason, the
    appeal's reasons, the supervisor's decision."""
    try:
        act = A(action)
    except ValueError:
        raise ValidationFailed(
            _("未知的操作：%(action)s") % {"action": action},
            code="unknown_action",
            allowed=list(A.values),
        ) from None
    actor = as_actor(actor)
    with transaction.atomic(), audit.batch():
        task = _locked(task_id, actor)
        if expected_version is not None and expected_version != task.version:
            raise Conflict(
                _("整改任务已被他人更新，请刷新后重试"),
                code="stale_version",
                current_state=task.status,
                version=task.version,
            )
        _apply(task, act, actor=actor, comment=comment)
    return task


def _apply(task: Rectification, act: A, *, actor: Actor, comment: str) -> None:
    label = A(act).label
    who = WHO_BY_ACTION[act]
    allowed = who == SYSTEM if actor.is_system else fits(actor, task, who)
    if not allowed:
        raise PermissionDenied(
            _("您无权对本整改任务执行“%(label)s”") % {"label": label},
            code="action_not_allowed",
        )
    row = transition_for(task.status, act)
    if row is None:
        raise InvalidTransition(
            _("整改任务当前状态为“%(status)s”，不能执行“%(label)s”")
            % {"status": S(task.status).label, "label": label},
            current_state=task.status,
            code="invalid_transition",
        )
    change = _Change(
        task=task,
        action=act,
        actor=actor,
        comment=comment,
        now=clock.now(),
        today=clock.today(),
        target=row.target,
    )
    EFFECTS[act](change)
    before = {"status": task.status, "version": task.version}
    task.status = change.target
    task.version += 1
    task.save()
    record(
        f"feedback.rectification.{act}",
        task,
        actor=actor,
        before=before,
        after={"status": task.status, "version": task.version, **change.data},
    )


def record_call_back(
    task_id: int,
    *,
    called_at: datetime,
    outcome: str,
    satisfied: bool,
    actor: Actor,
) -> CallBack:
    """回访: the unit (or the supervisor) records who called the rater, when and what
    came of it. Needed before a real-name bad rating's task closes."""
    actor = as_actor(actor)
    with transaction.atomic(), audit.batch():
        task = _locked(task_id, actor)
        if actor.is_system or not (fits(actor, task, UNIT) or fits(actor, task, SUPERVISOR)):
            raise PermissionDenied(_("您无权登记本整改任务的回访"), code="action_not_allowed")
        if task.status in TERMINAL:
            raise InvalidTransition(
                _("整改任务已办结，不能再登记回访"),
                current_state=task.status,
                code="invalid_transition",
            )
        now = clock.now()
        if called_at > now:
            raise ValidationFailed(_("回访时间不能晚于现在"), code="call_back_in_future")
        if called_at < task.opened_at:
            raise ValidationFailed(_("回访时间不能早于整改派发时间"), code="call_back_too_early")
        text = _text(outcome, _("回访结果"), required=True)
        call = CallBack.objects.create(
            rectification=task,
            called_by=actor.account,
            called_at=called_at,
            outcome=text,
            satisfied=satisfied,
            recorded_at=now,
        )
        record(
            "feedback.call_back",
            call,
            actor=actor,
            after={"rectification": task.pk, "satisfied": satisfied},
        )
    return call


def sweep_overdue_rectifications(*, today: date | None = None) -> list[int]:
    """Mark overdue every open task whose deadline (its last working day) has passed;
    idempotent (a task is marked once: it leaves `open`)."""
    on = today or clock.today()
    system = Actor.system("feedback-sweep")
    marked: list[int] = []
    due = Rectification.objects.filter(status=S.OPEN, deadline__lt=on).values_list("pk", flat=True)
    for task_id in list(due):
        with transaction.atomic(), audit.batch():
            task = _locked(task_id, system)
            if task.status != S.OPEN or not task.deadline < on:
                continue
            _apply(task, A.MARK_OVERDUE, actor=system, comment="")
            marked.append(task_id)
    return marked
