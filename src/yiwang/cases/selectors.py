"""Reads of cases, always scoped to who asks (ARCHITECTURE: every selector takes the actor).

Who sees which case:

- an applicant (citizen, enterprise): their own cases;
- staff, through each post whose role grants ``unit:case:view``: the cases of the
  post's department; the cases of the departments stationed in the post's hall; and
  the township cases submitted to the post's township (a station) or a village below;
- a supervisor (role scope ``region_below``): every case of the regions at and below
  the post's region, read-only;
- the platform administrator: every case, read-only.

Outside that scope a case does not exist (`NotFound`, never 403). Lists cost a fixed
number of queries whatever their length.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from yiwang.accounts.actor import NOTHING, Actor, PostGrant, as_actor, restrict, scope_rule
from yiwang.accounts.selectors import identity_for
from yiwang.cases.choices import TERMINAL_STATUSES, CaseAction, CaseStatus
from yiwang.cases.clock import ClockView, clock_view, today
from yiwang.cases.models import Case, CaseEvent, CaseMaterial, SupplementNotice, Suspension
from yiwang.cases.transitions import Relation, Who, transitions_from
from yiwang.common.errors import NotFound, PermissionDenied, ValidationFailed
from yiwang.common.permissions import Permission
from yiwang.common.personal import mask_text
from yiwang.org.choices import RegionLevel

PAGE_SIZE = 20
#: Deeper pages are refused (as the catalog does): an offset past the database's integer
#: range is an error there, and nobody pages through 200 000 cases one page at a time.
MAX_PAGE = 10_000
#: The list's total is counted up to this many cases and then reported as "at least"
#: (`Page.total_capped`), as the credit search does: an exact COUNT over a province's
#: open cases scans them all on every inbox page; nobody pages through 500 pages.
COUNT_CAP = 10_000

# --- who is asking: accounts.actor.Actor (one per request) ------------------------


# --- relations of a person to a case (used by the transition engine) ----------------


#: Posts at these levels are stations: they take in township cases of their area.
_STATION_LEVELS = frozenset({RegionLevel.TOWNSHIP, RegionLevel.VILLAGE})


def _intake_posts(viewer: Actor, case: Case) -> list[PostGrant]:
    if case.intake_region is not None:
        path = case.intake_region.path
        return [
            p
            for p in viewer.posts
            if p.region_level in _STATION_LEVELS and p.region_path.startswith(path)
        ]
    return [
        p
        for p in viewer.posts
        if (case.hall_id and p.hall_id == case.hall_id) or p.department_id == case.department_id
    ]


def acting_posts(viewer: Actor, case: Case, who: Who) -> list[PostGrant]:
    """The posts through which the viewer may act as `who` on this case."""
    if who.relation in (Relation.APPLICANT, Relation.SYSTEM):
        return []
    if who.relation == Relation.INTAKE:
        posts = _intake_posts(viewer, case)
    elif who.relation == Relation.HANDLING:
        posts = [p for p in viewer.posts if p.department_id == case.department_id]
    else:  # DELIVERY: intake unit, the department, or the hall it is stationed in
        posts = _intake_posts(viewer, case) + [
            p
            for p in viewer.posts
            if p.department_id == case.department_id or (case.hall_id and p.hall_id == case.hall_id)
        ]
    return [p for p in posts if who.permission is None or who.permission in p.permissions]


def fits(viewer: Actor, case: Case, who: Who) -> bool:
    """Whether the (non-system) viewer may act as `who` on this case."""
    if who.relation == Relation.SYSTEM:
        return False
    if who.relation == Relation.APPLICANT:
        pk = viewer.pk
        return pk is not None and pk in (case.applicant_id, case.on_behalf_by_id)
    return bool(acting_posts(viewer, case, who))


def allowed_actions(actor: Actor, case: Case) -> list[str]:
    """The actions this person may take on the case now (for buttons and the API)."""
    viewer = as_actor(actor)
    return [
        str(row.action)
        for row in transitions_from(case.status)
        if any(fits(viewer, case, who) for who in row.who)
    ]


# --- scope --------------------------------------------------------------------------


@scope_rule(Case)
def case_scope(actor: Actor, permission: Permission) -> Q | None:
    """The filter of the cases `actor` may see with `permission` (the module
    docstring); None means every case."""
    if actor.platform:
        return None
    if not actor.is_authenticated:
        return NOTHING
    parts = []
    # Applicants hold no posts and staff never apply (they submit *for* someone), so a
    # staff member's filter has no applicant term — which lets the inbox walk an index
    # in deadline order instead of sorting every case of the hall.
    if actor.is_applicant and permission == Permission.CASE_VIEW:
        parts.append(Q(applicant_id=actor.pk))
    posts = actor.posts_with(permission)
    departments = {p.department_id for p in posts if p.department_id}
    halls = {p.hall_id for p in posts if p.hall_id}
    if departments:
        parts.append(Q(department_id__in=departments))
    if halls:
        parts.append(Q(hall_id__in=halls))
    for path in {p.region_path for p in posts if p.region_level in _STATION_LEVELS}:
        parts.append(Q(intake_region__path__startswith=path))
    for path in actor.paths_below(permission):
        parts.append(Q(region__path__startswith=path))
    return reduce(or_, parts) if parts else NOTHING


def cases_visible_to(actor: Actor) -> QuerySet[Case]:
    """Every case `actor` may see (see the module docstring)."""
    return restrict(Case.objects.all(), actor, Permission.CASE_VIEW)


def get_case_for(actor: Actor, case_no: str) -> Case:
    """The case if `actor` may see it, else NotFound — a forbidden case looks missing."""
    case = (
        cases_visible_to(actor)
        .select_related(
            "item",
            "department",
            "hall",
            "region",
            "intake_region",
            "applicant",
            "delivery_method",
            "delivered_method",
            "accepted_hall",
            "accepted_department",
        )
        .filter(case_no=case_no)
        .first()
    )
    if case is None:
        raise NotFound(_("办件 %(case_no)s 不存在") % {"case_no": case_no}, code="case_not_found")
    return case


def _list_queryset(actor: Actor) -> QuerySet[Case]:
    return cases_visible_to(actor).select_related("item", "department", "intake_region")


def parse_status_filter(status: str | None) -> str | None:
    if status in (None, "", "open", "all"):
        return status or None
    if status not in CaseStatus.values:
        raise ValidationFailed(
            _("未知的办件状态：%(status)s") % {"status": status},
            code="unknown_status",
            allowed=[*CaseStatus.values, "open", "all"],
        )
    return status


def my_cases(actor: Actor, *, status: str | None = None) -> QuerySet[Case]:
    """An applicant's own cases, newest first (the citizen/enterprise centre)."""
    qs = Case.objects.filter(applicant_id=as_actor(actor).pk).select_related(
        "item", "department", "intake_region"
    )
    status = parse_status_filter(status)
    if status == "open":
        qs = qs.exclude(status__in=TERMINAL_STATUSES)
    elif status and status != "all":
        qs = qs.filter(status=status)
    return qs.order_by("-submitted_at", "-id")


def inbox_for(actor: Actor, *, status: str | None = None) -> QuerySet[Case]:
    """The staff workbench inbox: cases in scope, by deadline (soonest first, cases with
    no running clock last), then by arrival (the id: cases are numbered as they come).
    Open cases unless `status` says otherwise (a status value, ``open`` or ``all``).
    With one status, the (unit, status, due_on, id) indexes give this order directly."""
    qs = _list_queryset(actor)
    status = parse_status_filter(status)
    if status is None or status == "open":
        qs = qs.exclude(status__in=TERMINAL_STATUSES)
    elif status != "all":
        qs = qs.filter(status=status)
    return qs.order_by(F("due_on").asc(nulls_last=True), "id")


def cases_for(actor: Actor, *, status: str | None = None) -> QuerySet[Case]:
    """GET /cases: an applicant's own cases, or a staff member's inbox."""
    actor = as_actor(actor)
    if actor.is_staff:
        return inbox_for(actor, status=status)
    return my_cases(actor, status=status)


@dataclass(frozen=True)
class Page:
    rows: list[tuple[Case, ClockView]]
    total: int  # exact up to COUNT_CAP; `total_capped` says there are more
    page: int
    page_size: int
    total_capped: bool = False


def paginate(qs: QuerySet[Case], page: int, *, on: date | None = None) -> Page:
    """One page with each case's clock (two queries: the bounded count and the rows).

    The count reads at most COUNT_CAP + 1 rows (SELECT COUNT(*) FROM (... LIMIT n)), so
    its cost does not grow with the inbox; past the cap the total is the cap.
    """
    if not 1 <= page <= MAX_PAGE:
        raise ValidationFailed(
            _("页码应为 1 到 %(max_page)s 的整数") % {"max_page": MAX_PAGE}, code="bad_page"
        )
    counted = qs.order_by()[: COUNT_CAP + 1].count()
    start = (page - 1) * PAGE_SIZE
    on = on or today()  # once per page, not once per row
    rows = [(case, clock_view(case, on)) for case in qs[start : start + PAGE_SIZE]]
    return Page(rows, min(counted, COUNT_CAP), page, PAGE_SIZE, counted > COUNT_CAP)


# --- one case in full ---------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    kind: str
    action: str
    from_status: str
    to_status: str
    unit: str
    actor: str  # shown to staff only; empty for the applicant and the public
    comment: str
    data: dict[str, Any]
    at: datetime


@dataclass(frozen=True)
class CaseDetail:
    case: Case
    clock: ClockView
    viewer_is_applicant: bool
    handling: bool  # the viewer handles the case (sees personal data in full)
    applicant: Any  # accounts.selectors.Identity
    allowed_actions: list[str]
    timeline: list[TimelineEntry]
    materials: list[CaseMaterial]
    supplement_notices: list[SupplementNotice]
    suspensions: list[Suspension]
    form: dict[str, Any]  # the application form, masked unless applicant or handling
    extra: dict[str, Any] = field(default_factory=dict)


_HANDLING_PERMISSIONS = (
    Permission.CASE_ACCEPT,
    Permission.CASE_REVIEW,
    Permission.CASE_DECIDE,
    Permission.CASE_ISSUE,
    Permission.CASE_DELIVER,
)


def is_handling(viewer: Actor, case: Case) -> bool:
    """Handling staff: a post with a case permission beyond "view" in one of the case's
    units (intake, the department, the hall it is stationed in). They see the
    applicant's identity and materials in full; supervisors and administrators do not."""
    return any(
        acting_posts(viewer, case, Who(Relation.DELIVERY, perm)) for perm in _HANDLING_PERMISSIONS
    )


def get_case_material_for(actor: Actor, case_no: str, material_id: int) -> CaseMaterial:
    """A file of the case, for the applicant and the handling staff only (NotFound outside
    the case's scope; PermissionDenied for those who see the case but not its files)."""
    actor = as_actor(actor)
    case = get_case_for(actor, case_no)
    material = (
        CaseMaterial.objects.select_related("upload").filter(case=case, pk=material_id).first()
    )
    if material is None:
        raise NotFound(_("没有这个材料"), code="material_not_found")
    if actor.pk != case.applicant_id and not is_handling(actor, case):
        raise PermissionDenied(
            _("申请材料仅申请人和经办人员可以查看"), code="materials_not_allowed"
        )
    if material.upload is None:  # a license from the library (免提交): no file to give
        raise NotFound(_("该材料以电子证照提交，没有上传文件"), code="material_is_license")
    return material


#: Comments of these actions are internal to the hall (the applicant sees the step only).
INTERNAL_COMMENT_ACTIONS = frozenset({CaseAction.RETURN})


def _masked(value: Any) -> Any:
    """Every ID and mobile number inside free text (also nested in lists and dicts)
    masked: what a viewer who is neither the applicant nor handling staff sees of the
    form, file names, comments and reasons (ARCHITECTURE: personal data)."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


def _mask_rows(rows: list[Any], *names: str) -> list[Any]:
    """Mask text fields of rows read for display only (never saved from here)."""
    for row in rows:
        for name in names:
            setattr(row, name, _masked(getattr(row, name)))
    return rows


def case_detail_for(actor: Actor, case_no: str, *, on: date | None = None) -> CaseDetail:
    """Everything `actor` may see of one case: clock, timeline, materials, notices,
    special procedures and the actions they may take (a fixed number of queries)."""
    viewer = as_actor(actor)
    case = get_case_for(viewer, case_no)
    is_applicant = viewer.pk == case.applicant_id
    handling = is_handling(viewer, case)
    # ID and phone numbers in full for the applicant and the handling staff only; a
    # supervisor or the administrator reads them masked, in free text too.
    full = is_applicant or handling
    shown = (lambda value: value) if full else _masked
    events = list(CaseEvent.objects.filter(case=case).select_related("actor").order_by("id"))
    staff_view = viewer.is_staff and not is_applicant
    timeline = [
        TimelineEntry(
            kind=e.kind,
            action=e.action,
            from_status=e.from_status,
            to_status=e.to_status,
            unit=e.unit,
            actor=(e.actor.display_name if e.actor else "系统") if staff_view else "",
            comment=shown(e.comment)
            if staff_view or e.action not in INTERNAL_COMMENT_ACTIONS
            else "",
            data=shown(e.data),
            at=e.at,
        )
        for e in events
    ]
    materials = list(CaseMaterial.objects.filter(case=case).order_by("id"))
    notices = list(SupplementNotice.objects.filter(case=case).order_by("id"))
    suspensions = list(Suspension.objects.filter(case=case).order_by("id"))
    if not full:
        # A copy read for display: the reasons and result are free text too.
        _mask_rows([case], "refusal_reason", "extension_reason", "result_text", "tracking_no")
        _mask_rows(materials, "file_name", "license_facts")
        _mask_rows(notices, "items", "comment")
        _mask_rows(suspensions, "reason")
    return CaseDetail(
        case=case,
        clock=clock_view(case, on),
        viewer_is_applicant=is_applicant,
        handling=handling,
        applicant=identity_for(case.applicant, viewer=viewer.user, handling=handling),
        allowed_actions=allowed_actions(viewer, case),
        timeline=timeline,
        materials=materials,
        supplement_notices=notices,
        suspensions=suspensions,
        form=shown(dict(case.form or {})),
    )


def open_supplement_notice(case: Case) -> SupplementNotice | None:
    return (
        SupplementNotice.objects.filter(case=case, answered_at__isnull=True).order_by("-id").first()
    )


# --- the public lookup --------------------------------------------------------------


def query_code_digest(case_no: str, code: str) -> str:
    """Keyed digest of a query code (HMAC-SHA256 with the site key, bound to the case)."""
    key = settings.SECRET_KEY.encode("utf-8")
    return hmac.new(key, f"{case_no}:{code.strip().upper()}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class PublicCaseStatus:
    case_no: str
    item_name: str
    status: str
    submitted_at: datetime
    accepted_at: datetime | None
    decided_at: datetime | None
    closed_at: datetime | None


def public_case_status(case_no: str, code: str) -> PublicCaseStatus:
    """Anyone holding the case number and its query code sees the status, the item and
    the timestamps — nothing personal. A wrong code looks like an unknown case."""
    case = (
        Case.objects.filter(case_no=case_no)
        .select_related("item")
        .only(
            "case_no",
            "status",
            "submitted_at",
            "accepted_at",
            "decided_at",
            "closed_at",
            "query_code_digest",
            "item__name",
        )
        .first()
    )
    if (
        case is None
        or not code
        or not hmac.compare_digest(case.query_code_digest, query_code_digest(case_no, code))
    ):
        raise NotFound(
            _("办件 %(case_no)s 不存在或查询码不正确") % {"case_no": case_no}, code="case_not_found"
        )
    return PublicCaseStatus(
        case_no=case.case_no,
        item_name=case.item.name,
        status=case.status,
        submitted_at=case.submitted_at,
        accepted_at=case.accepted_at,
        decided_at=case.decided_at,
        closed_at=case.closed_at,
    )
