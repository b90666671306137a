"""Reads of investment projects, always scoped to who asks.

Who sees a project:

- its owner: the enterprise account that registered it;
- the investment authority's staff: posts granting ``unit:investment:view`` at the
  project's competent department (the lead department of its filing or approval);
  posts of scope ``region_below`` granting it, every project located in their regions;
- the platform administrator: every project, read-only.

Outside that scope a project does not exist (`NotFound`, as a missing one).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from yiwang.accounts.actor import NOTHING, Actor, as_actor, restrict, scope_rule
from yiwang.common.errors import NotFound, ValidationFailed
from yiwang.common.permissions import Permission
from yiwang.common.validators import check_project_code
from yiwang.investment.choices import Category, ProjectStatus
from yiwang.investment.models import Project, ProjectEvent

PAGE_SIZE = 20
MAX_PAGE = 10_000
COUNT_CAP = 10_000


@scope_rule(Project)
def project_scope(actor: Actor, permission: Permission) -> Q | None:
    if actor.platform:
        return None
    if not actor.is_authenticated:
        return NOTHING
    parts: list[Q] = []
    if actor.is_applicant:
        parts.append(Q(owner_user_id=actor.pk))
    departments = {
        p.department_id
        for p in actor.posts_with(permission)
        if p.department_id and not p.reaches_below
    }
    if departments:
        parts.append(Q(competent_department_id__in=departments))
    for path in actor.paths_below(permission):
        parts.append(Q(region__path__startswith=path))
    if not parts:
        return NOTHING
    out = parts[0]
    for part in parts[1:]:
        out |= part
    return out


def projects_visible_to(actor: Actor) -> QuerySet[Project]:
    return restrict(Project.objects.all(), as_actor(actor), Permission.INVESTMENT_VIEW)


def parse_code(code: str) -> str:
    """A project code from a URL or a form: 422 `bad_project_code` when malformed."""
    try:
        return check_project_code(code)
    except ValidationFailed:
        raise ValidationFailed(
            _("项目代码格式不正确，应为 YYYY-RRRRRR-II-TT-NNNNNN"), code="bad_project_code"
        ) from None


def not_found() -> NotFound:
    return NotFound(_("投资项目不存在"), code="project_not_found")


def project_for(actor: Actor, code: str) -> Project:
    """The project if the actor may see it; 422 for a malformed code, else NotFound."""
    code = parse_code(code)
    found = (
        projects_visible_to(actor)
        .select_related("region", "competent_region", "competent_department", "decided_by")
        .filter(code=code)
        .first()
    )
    if found is None:
        raise not_found()
    return found


def history_of(project: Project) -> list[ProjectEvent]:
    return list(ProjectEvent.objects.filter(project=project).order_by("id"))


@dataclass(frozen=True)
class Page:
    rows: list[Project]
    total: int
    page: int
    page_size: int
    total_capped: bool = False


def projects_for(
    actor: Actor, *, status: str | None = None, category: str | None = None, page: int = 1
) -> Page:
    """The projects the actor may see, newest first, one page."""
    qs = projects_visible_to(actor)
    if status:
        if status not in ProjectStatus.values:
            raise ValidationFailed(
                _("未知的项目状态：%(status)s") % {"status": status[:40]},
                code="unknown_project_status",
                allowed=list(ProjectStatus.values),
            )
        qs = qs.filter(status=status)
    if category:
        if category not in Category.values:
            raise ValidationFailed(
                _("未知的项目类别：%(category)s") % {"category": category[:40]},
                code="unknown_project_category",
                allowed=list(Category.values),
            )
        qs = qs.filter(category=category)
    if not 1 <= page <= MAX_PAGE:
        raise ValidationFailed(
            _("页码应为 1 到 %(max_page)s 的整数") % {"max_page": MAX_PAGE}, code="bad_page"
        )
    qs = qs.select_related("region", "competent_region", "competent_department", "decided_by")
    counted = qs.order_by()[: COUNT_CAP + 1].count()
    start = (page - 1) * PAGE_SIZE
    rows = list(qs.order_by("-created_at", "-id")[start : start + PAGE_SIZE])
    return Page(rows, min(counted, COUNT_CAP), page, PAGE_SIZE, counted > COUNT_CAP)
