"""Reads of ratings and rectification tasks, always scoped to who asks.

Who sees what:

- the applicant: the rating of their own cases (never the task behind it);
- the responsible unit: the ratings of its department's cases and its own tasks
  (posts granting ``unit:feedback:rectify``, at the department);
- a supervisor: the ratings and tasks of the regions at and below the post's region
  (``region_below`` posts granting ``region:feedback:decide``);
- the platform administrator: everything, read-only.

Outside that scope a task does not exist (`NotFound`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from yiwang.accounts.actor import NOTHING, Actor, as_actor, restrict, scope_rule
from yiwang.common.errors import NotFound, ValidationFailed
from yiwang.common.permissions import Permission
from yiwang.feedback.choices import RectificationStatus
from yiwang.feedback.models import Evaluation, Rectification
from yiwang.org.models import Region

PAGE_SIZE = 20
MAX_PAGE = 10_000
COUNT_CAP = 10_000


def _unit_and_region(actor: Actor, permission: Permission, prefix: str) -> Q | None:
    if actor.platform:
        return None
    if not actor.is_authenticated:
        return NOTHING
    parts: list[Q] = []
    departments = {
        p.department_id
        for p in actor.posts_with(permission)
        if p.department_id and not p.reaches_below
    }
    if departments:
        parts.append(Q(**{f"{prefix}department_id__in": departments}))
    for path in actor.paths_below(permission):
        parts.append(Q(**{f"{prefix}region__path__startswith": path}))
    if not parts:
        return NOTHING
    out = parts[0]
    for part in parts[1:]:
        out |= part
    return out


@scope_rule(Rectification)
def rectification_scope(actor: Actor, permission: Permission) -> Q | None:
    """The unit's own tasks (its department) and a supervisor's regions below."""
    return _unit_and_region(actor, permission, "")


@scope_rule(Evaluation)
def evaluation_scope(actor: Actor, permission: Permission) -> Q | None:
    """The applicant's own ratings; the unit's and a supervisor's as for the tasks."""
    if actor.is_applicant and not actor.is_staff:
        return Q(case__applicant_id=actor.pk)
    return _unit_and_region(actor, permission, "case__")


def rectifications_visible_to(actor: Actor) -> QuerySet[Rectification]:
    actor = as_actor(actor)
    base = Rectification.objects.all()
    if actor.is_system:
        return base
    unit = restrict(base, actor, Permission.FEEDBACK_RECTIFY)
    region = restrict(base, actor, Permission.FEEDBACK_DECIDE)
    return unit | region


def evaluation_of_case(actor: Actor, case_id: int) -> Evaluation | None:
    """The rating of a case, when the actor may see it (the applicant: their own)."""
    actor = as_actor(actor)
    base = Evaluation.objects.filter(case_id=case_id)
    if actor.is_system:
        return base.first()
    if actor.is_applicant and not actor.is_staff:
        return restrict(base, actor, Permission.CASE_VIEW).first()
    found = restrict(base, actor, Permission.FEEDBACK_RECTIFY) | restrict(
        base, actor, Permission.FEEDBACK_DECIDE
    )
    return found.first()


@dataclass(frozen=True)
class Page:
    rows: list[Rectification]
    total: int
    page: int
    page_size: int
    total_capped: bool = False


def rectifications_for(
    actor: Actor, *, status: str | None = None, region: str | None = None
) -> QuerySet[Rectification]:
    """The tasks the actor may see, newest deadline first among the open ones;
    `status` one of RectificationStatus, `region` a region code (its tasks and below)."""
    qs = rectifications_visible_to(actor)
    if status:
        if status not in RectificationStatus.values:
            raise ValidationFailed(
                _("未知的整改状态：%(status)s") % {"status": status[:40]},
                code="unknown_status",
                allowed=list(RectificationStatus.values),
            )
        qs = qs.filter(status=status)
    if region:
        found = Region.objects.filter(code=region).values_list("path", flat=True).first()
        if found is None:
            raise ValidationFailed(
                _("未知的区划代码：%(code)s") % {"code": region[:20]}, code="unknown_region"
            )
        qs = qs.filter(region__path__startswith=found)
    return qs.select_related("evaluation__case__item", "department", "region").order_by(
        "deadline", "pk"
    )


def paginate(qs: QuerySet[Rectification], page: int) -> Page:
    if not 1 <= page <= MAX_PAGE:
        raise ValidationFailed(
            _("页码应为 1 到 %(max_page)s 的整数") % {"max_page": MAX_PAGE}, code="bad_page"
        )
    counted = qs.order_by()[: COUNT_CAP + 1].count()
    start = (page - 1) * PAGE_SIZE
    rows = list(qs[start : start + PAGE_SIZE])
    return Page(rows, min(counted, COUNT_CAP), page, PAGE_SIZE, counted > COUNT_CAP)


def rectification_for(actor: Actor, task_id: int) -> Rectification:
    """The task if the actor may see it, else NotFound."""
    task = (
        rectifications_visible_to(actor)
        .select_related("evaluation__case__item", "department", "region")
        .filter(pk=task_id)
        .first()
    )
    if task is None:
        raise NotFound(_("整改任务不存在"), code="rectification_not_found")
    return task


def counted_evaluations() -> QuerySet[Evaluation]:
    """The ratings the statistics and rankings count: all but those whose appeal was
    upheld (恶意差评; the row stays, `excluded` is set). Supervision reads satisfaction
    through this, so the rule lives in one place."""
    return Evaluation.objects.filter(excluded=False)
