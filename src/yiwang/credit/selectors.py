"""Reads of the credit publicity records, scoped to who asks.

The public sees what the law makes public (企业信息公示暂行条例): the registry entry,
departments' disclosures that are not withdrawn, annual reports (financial figures
only where the enterprise chose to publish them), immediate information and the
effective list history. Staff of a department see their own department's records in
full; registration authorities (市场监管) decide the lists for the regions they cover.

The name search is designed for the province's nine million entities; see
`search_enterprises` and docs/credit.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from yiwang.accounts.actor import NOTHING, Actor, as_actor, restrict, scope_rule
from yiwang.accounts.selectors import posts_of, uscc_of
from yiwang.common.errors import BadRequest, NotFound, PermissionDenied, ValidationFailed
from yiwang.common.permissions import Permission
from yiwang.common.validators import check_uscc
from yiwang.credit import rules
from yiwang.credit.choices import (
    ApplicationStatus,
    EntryStatus,
    EventKind,
    ListCause,
    ListKind,
)
from yiwang.credit.conf import credit_setting
from yiwang.credit.models import (
    AnnualReport,
    DailyViews,
    Disclosure,
    Enterprise,
    ImmediateInfo,
    ListEntry,
    ListEvent,
    RemovalApplication,
)
from yiwang.credit.search import queries as search
from yiwang.org.models import Department
from yiwang.org.selectors import departments_in, region_tree

# --------------------------------------------------------------------------- identifiers


def lookup_uscc(value: str) -> str:
    """A USCC typed by anyone, normalised, or BadRequest (400) saying what is wrong.

    The registry's allow-list of early pilot codes applies: such an enterprise must be
    findable by its own code.
    """
    try:
        return check_uscc(value.strip(), allow_list=credit_setting("USCC_ALLOW_LIST"))
    except ValidationFailed as exc:
        raise BadRequest(
            _("统一社会信用代码格式不正确：%(reason)s") % {"reason": exc.detail},
            code="invalid_uscc",
            field="uscc",
            rule=exc.extra.get("rule", ""),
        ) from None


def region_prefix(code: str) -> str:
    """The code prefix every region below `code` shares (GB/T 2260: 220000 -> 22,
    220100 -> 2201, 220102 -> 220102)."""
    prefix = code
    while len(prefix) > 2 and prefix.endswith("00"):
        prefix = prefix[:-2]
    return prefix


def region_covers(department_region: str, enterprise_region: str) -> bool:
    return enterprise_region.startswith(region_prefix(department_region))


# --------------------------------------------------------------------------- search

#: A query of ASCII letters and digits this long is a code, not a part of a name:
#: enterprise names are written in Chinese characters (企业名称登记管理规定), and
#: treating it as a code gives a clear error for a mistyped USCC.
_CODE_LIKE = re.compile(r"[0-9A-Za-z]{15,}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: Official names use full-width brackets; people type half-width ones.
_BRACKETS = str.maketrans({"(": "（", ")": "）"})
MIN_QUERY, MAX_QUERY = 2, 100
PREFIX_CANDIDATES = 50


@dataclass(frozen=True)
class SearchPage:
    query: str
    items: list[Enterprise]
    total: int  # exact up to the cap; `capped` says there are more
    capped: bool
    page: int
    page_size: int
    by_uscc: bool = False
    estimate: int | None = None  # the planner's estimate of all matches, when capped

    @property
    def first_number(self) -> int:
        return (self.page - 1) * self.page_size + 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def normalise_query(q: str) -> str:
    return _CONTROL.sub("", q).strip().translate(_BRACKETS)


def search_enterprises(q: str, *, page: int = 1) -> SearchPage:
    """Enterprises whose name contains `q` (2+ characters, taken literally), or the one
    with USCC `q`.

    Ranking: the exact name, then names starting with `q`, then the rest, shorter
    (more specific) names first. Matches are counted up to `SEARCH_CAP`; beyond it the
    answer says "more than" — an exact count of a 3-million-row match costs seconds
    and tells a member of the public nothing; they refine the name instead. Pages stop
    at the cap too.
    """
    page_size = int(credit_setting("PAGE_SIZE"))
    if page < 1:
        raise BadRequest(_("页码从 1 开始"), code="bad_page", field="page")
    query = normalise_query(q)
    if _CODE_LIKE.fullmatch(query):
        uscc = lookup_uscc(query)
        found = list(Enterprise.objects.filter(uscc=uscc))
        return SearchPage(
            uscc, found if page == 1 else [], len(found), False, page, page_size, True
        )
    if len(query) < MIN_QUERY:
        raise BadRequest(
            _("请输入企业名称中至少 %(n)s 个字，或完整的统一社会信用代码") % {"n": MIN_QUERY},
            code="query_too_short",
            field="q",
        )
    if len(query) > MAX_QUERY:
        raise BadRequest(
            _("查询内容不能超过 %(n)s 个字") % {"n": MAX_QUERY},
            code="query_too_long",
            field="q",
        )
    cap = int(credit_setting("SEARCH_CAP"))
    matches = search.contains(query, limit=cap + 1)
    contains = matches.rows
    capped = len(contains) > cap
    candidates = dict(contains[:cap])
    candidates.update(search.starting_with(query, limit=PREFIX_CANDIDATES))
    ranked = sorted(candidates.items(), key=lambda kv: _rank(query, kv[0], kv[1]))[:cap]
    total = len(ranked)
    start = (page - 1) * page_size
    wanted = [pk for pk, _ in ranked[start : start + page_size]]
    by_id = Enterprise.objects.in_bulk(wanted)
    estimate = max(matches.estimate or 0, total) if capped and matches.estimate else None
    return SearchPage(
        query, [by_id[pk] for pk in wanted], total, capped, page, page_size, estimate=estimate
    )


def _rank(query: str, pk: int, name: str) -> tuple[int, int, int]:
    low, q = name.lower(), query.lower()
    tier = 0 if low == q else 1 if low.startswith(q) else 2
    return tier, len(name), pk


def name_matches(term: str, *, limit: int) -> list[tuple[int, str]]:
    """(id, name) of up to `limit` enterprises whose name contains `term`."""
    return search.contains(term, limit=limit).rows


# --------------------------------------------------------------------------- public record

#: The moves the public sees in a list history.
PUBLIC_EVENT_KINDS = (EventKind.LISTED, EventKind.REMINDED, EventKind.REMOVED, EventKind.ESCALATED)


@dataclass
class PublicRecord:
    enterprise: Enterprise
    disclosures: list[Disclosure]
    annual_reports: list[AnnualReport]
    immediate_info: list[ImmediateInfo]
    entries: list[ListEntry]
    views: int
    staff_view: bool = False
    reminders: list[ListEntry] = field(default_factory=list)


def _public_events() -> Prefetch[Any]:
    # The effective history of the decisions: a reversed move and the reversal itself
    # correct an error and are shown to staff, not to the public; applications and
    # refusals are between the enterprise and the authority.
    return Prefetch(
        "events",
        queryset=ListEvent.objects.filter(reversed_by__isnull=True, kind__in=PUBLIC_EVENT_KINDS)
        .select_related("department")
        .order_by("at", "id"),
        to_attr="public_events",
    )


def get_enterprise(uscc: str) -> Enterprise:
    """The registry entry with this USCC; BadRequest if malformed, NotFound if absent."""
    code = lookup_uscc(uscc)
    enterprise = Enterprise.objects.filter(uscc=code).first()
    if enterprise is None:
        raise NotFound(
            _("未找到统一社会信用代码为 %(code)s 的市场主体") % {"code": code},
            code="enterprise_not_found",
        )
    return enterprise


def public_record(uscc: str, *, today: date | None = None) -> PublicRecord:
    """Everything public about an enterprise: nine indexed queries whatever its history."""
    enterprise = get_enterprise(uscc)
    disclosures = list(
        Disclosure.objects.filter(enterprise=enterprise, withdrawn_at__isnull=True)
        .select_related("department")
        .prefetch_related("revisions")
        .order_by("kind", "-decided_on", "-id")
    )
    reports = list(
        AnnualReport.objects.filter(enterprise=enterprise)
        .order_by("-year")
        .prefetch_related("revisions")
    )
    immediate = list(
        ImmediateInfo.objects.filter(enterprise=enterprise).order_by("-changed_on", "-id")
    )
    entries = list(
        ListEntry.objects.filter(enterprise=enterprise)
        .exclude(status=EntryStatus.REVOKED)
        .select_related("department")
        .prefetch_related(_public_events())
        .order_by("-listed_on", "-id")
    )
    views = DailyViews.objects.filter(enterprise=enterprise).aggregate(n=Sum("views"))["n"] or 0
    return PublicRecord(
        enterprise,
        disclosures,
        reports,
        immediate,
        entries,
        int(views),
        reminders=[e for e in entries if e.status == EntryStatus.ACTIVE and e.reminder_on],
    )


def staff_record(actor: Actor, uscc: str) -> PublicRecord:
    """The full record for credit staff: withdrawn disclosures, revoked entries, every
    event including reversals."""
    if not as_actor(actor).posts_with(Permission.CREDIT_PUBLISH):
        raise PermissionDenied(_("需要信用信息公示岗位权限"), code="credit_staff_only")
    enterprise = get_enterprise(uscc)
    return PublicRecord(
        enterprise,
        list(
            Disclosure.objects.filter(enterprise=enterprise)
            .select_related("department")
            .prefetch_related("revisions")
            .order_by("kind", "-decided_on", "-id")
        ),
        list(AnnualReport.objects.filter(enterprise=enterprise).order_by("-year")),
        list(ImmediateInfo.objects.filter(enterprise=enterprise).order_by("-changed_on", "-id")),
        list(
            ListEntry.objects.filter(enterprise=enterprise)
            .select_related("department")
            .prefetch_related(
                Prefetch(
                    "events",
                    queryset=ListEvent.objects.select_related("department").order_by("at", "id"),
                    to_attr="public_events",
                )
            )
            .order_by("-listed_on", "-id")
        ),
        0,
        staff_view=True,
    )


# --------------------------------------------------------------------------- who may act
#
# Through accounts.actor: a post whose role grants CREDIT_PUBLISH publishes for its
# department; one whose role grants CREDIT_DECIDE_LISTS (a registration authority's,
# 市场监管) decides the lists of the enterprises of the regions its department covers.
# A hall post acts for no one: halls are not authorities.


def _departments_with(actor: Actor, permission: Permission) -> list[Department]:
    """The departments the actor acts for with `permission`, in post order (the posts'
    cached units: no query)."""
    wanted = {p.department_id for p in actor.posts_with(permission) if p.department_id}
    if not wanted or actor.user is None:
        return []
    found: dict[int, Department] = {}
    for post in posts_of(actor.user):
        if post.department is not None and post.department_id in wanted:
            found.setdefault(post.department.pk, post.department)
    return list(found.values())


def _credit_staff(actor: Actor) -> bool:
    return bool(actor.posts_with(Permission.CREDIT_PUBLISH)) or bool(
        actor.posts_with(Permission.CREDIT_DECIDE_LISTS)
    )


def _covered(actor: Actor, field: str) -> Q:
    """Enterprises (through `field`) of the regions the actor's list-deciding posts cover."""
    covered = NOTHING
    for department in _departments_with(actor, Permission.CREDIT_DECIDE_LISTS):
        covered |= Q(**{f"{field}__startswith": region_prefix(department.region_id)})
    return covered


@scope_rule(Disclosure)
def disclosure_scope(actor: Actor, permission: Permission) -> Q | None:
    """A department's own disclosures, for the posts granting `permission` there."""
    departments = {p.department_id for p in actor.posts_with(permission) if p.department_id}
    return Q(department_id__in=departments) if departments else NOTHING


@scope_rule(ListEntry)
def entry_scope(actor: Actor, permission: Permission) -> Q | None:
    return _covered(actor, "enterprise__region_code") if permission else NOTHING


@scope_rule(RemovalApplication)
def application_scope(actor: Actor, permission: Permission) -> Q | None:
    return _covered(actor, "entry__enterprise__region_code") if permission else NOTHING


def acting_authority(
    actor: Actor,
    department_code: str = "",
    *,
    enterprise: Enterprise | None = None,
    lists: bool = False,
) -> Department:
    """The one department `actor` acts for here, or PermissionDenied.

    With several candidate departments the request must name one (`department_code`).
    `lists=True` requires a post granting CREDIT_DECIDE_LISTS in a department whose
    region covers `enterprise`'s.
    """
    actor = as_actor(actor)
    if not _credit_staff(actor):
        raise PermissionDenied(_("需要信用信息公示岗位权限"), code="credit_staff_only")
    if lists:
        candidates = [
            d
            for d in _departments_with(actor, Permission.CREDIT_DECIDE_LISTS)
            if enterprise is None or region_covers(d.region_id, enterprise.region_code)
        ]
        if not candidates:
            raise PermissionDenied(
                _("只有该企业登记地的登记机关（市场监管部门）可以作出名单决定"),
                code="not_list_authority",
            )
    else:
        candidates = _departments_with(actor, Permission.CREDIT_PUBLISH)
        if not candidates:
            raise PermissionDenied(_("需要信用信息公示岗位权限"), code="credit_staff_only")
    if department_code:
        chosen = [d for d in candidates if d.code == department_code]
        if not chosen:
            raise PermissionDenied(
                _("您不能以部门 %(department_code)s 的名义操作")
                % {"department_code": department_code},
                code="not_your_department",
            )
        return chosen[0]
    if len(candidates) > 1:
        raise ValidationFailed(
            _("您在多个部门任职，请指明以哪个部门的名义操作（department）"),
            field="department",
            choices=[d.code for d in candidates],
            code="department_required",
        )
    return candidates[0]


def disclosure_for_staff(actor: Actor, disclosure_id: int) -> tuple[Disclosure, Department]:
    """A disclosure its own department's staff may correct or withdraw; NotFound for
    anyone else (another department's records look absent, not forbidden)."""
    actor = as_actor(actor)
    if not actor.posts_with(Permission.CREDIT_PUBLISH):
        raise PermissionDenied(_("需要信用信息公示岗位权限"), code="credit_staff_only")
    disclosure = (
        restrict(Disclosure.objects.all(), actor, Permission.CREDIT_PUBLISH)
        .select_related("enterprise", "department")
        .filter(pk=disclosure_id)
        .first()
    )
    if disclosure is None:
        raise NotFound(_("未找到本部门公示的该条信息"), code="disclosure_not_found")
    return disclosure, disclosure.department


def entry_for_staff(actor: Actor, entry_id: int) -> tuple[ListEntry, Department]:
    entry = ListEntry.objects.select_related("enterprise", "department").filter(pk=entry_id).first()
    if entry is None:
        raise NotFound(_("未找到该名单记录"), code="entry_not_found")
    return entry, acting_authority(actor, enterprise=entry.enterprise, lists=True)


def event_for_staff(actor: Actor, event_id: int) -> tuple[ListEvent, Department]:
    event = (
        ListEvent.objects.select_related("entry__enterprise", "entry__department")
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        raise NotFound(_("未找到该名单事项"), code="event_not_found")
    return event, acting_authority(actor, enterprise=event.entry.enterprise, lists=True)


def application_for_staff(
    actor: Actor, application_id: int
) -> tuple[RemovalApplication, Department]:
    application = (
        RemovalApplication.objects.select_related("entry__enterprise")
        .filter(pk=application_id)
        .first()
    )
    if application is None:
        raise NotFound(_("未找到该移出申请"), code="application_not_found")
    return application, acting_authority(actor, enterprise=application.entry.enterprise, lists=True)


def applications_for_staff(
    actor: Actor, *, status: str = ApplicationStatus.PENDING
) -> list[RemovalApplication]:
    """The removal applications in the regions the actor's registration authorities
    cover, oldest deadline first."""
    actor = as_actor(actor)
    if not actor.posts_with(Permission.CREDIT_DECIDE_LISTS):
        raise PermissionDenied(
            _("只有登记机关（市场监管部门）处理移出申请"), code="not_list_authority"
        )
    qs = (
        restrict(RemovalApplication.objects.all(), actor, Permission.CREDIT_DECIDE_LISTS)
        .select_related("entry__enterprise")
        .order_by("due_on", "id")
    )
    if status:
        qs = qs.filter(status=status)
    return list(qs[:500])


def registration_authorities() -> dict[str, Department]:
    """Registration authorities by region code, for decisions the system makes (which
    department a sweep's listing is recorded under; staff decide through their posts'
    CREDIT_DECIDE_LISTS, decision 0008)."""
    suffix = credit_setting("REGISTRATION_DEPARTMENT_SUFFIX")
    found: dict[str, Department] = {}
    for root in region_tree(down_to="province"):
        for department in departments_in(root.code):
            if department.code.endswith(suffix):
                found.setdefault(department.region_id, department)
    return found


def registration_authority_for(
    region_code: str, authorities: dict[str, Department] | None = None
) -> Department | None:
    """The most local registration authority over `region_code`: county, city, province."""
    authorities = registration_authorities() if authorities is None else authorities
    candidates = [region_code, f"{region_code[:4]}00", f"{region_code[:2]}0000"]
    return next((authorities[c] for c in candidates if c in authorities), None)


# --------------------------------------------------------------------------- the enterprise itself


def own_enterprise(actor: Actor) -> Enterprise:
    """The registry entry of the signed-in enterprise account, or NotFound/PermissionDenied."""
    uscc = uscc_of(as_actor(actor).user)
    if uscc is None:
        raise PermissionDenied(_("仅企业账户可以报送"), code="enterprise_only")
    enterprise = Enterprise.objects.filter(uscc=uscc).first()
    if enterprise is None:
        raise NotFound(
            _("市场主体登记信息中没有统一社会信用代码 %(uscc)s") % {"uscc": uscc},
            code="enterprise_not_found",
        )
    return enterprise


@dataclass(frozen=True)
class ReportYear:
    year: int
    deadline: date
    report: AnnualReport | None

    @property
    def overdue(self) -> bool:
        return self.report is None


def report_years(enterprise: Enterprise, *, today: date) -> list[ReportYear]:
    """The years the enterprise can report for, newest first, with their reports."""
    reports = {r.year: r for r in AnnualReport.objects.filter(enterprise=enterprise)}
    first = rules.first_report_year(enterprise.established_on)
    return [
        ReportYear(year, rules.report_deadline(year), reports.get(year))
        for year in range(today.year - 1, first - 1, -1)
    ]


def own_entries(enterprise: Enterprise) -> list[ListEntry]:
    return list(
        ListEntry.objects.filter(enterprise=enterprise)
        .exclude(status=EntryStatus.REVOKED)
        .prefetch_related("applications", _public_events())
        .order_by("-listed_on", "-id")
    )


def own_entry(actor: Actor, entry_id: int) -> ListEntry:
    enterprise = own_enterprise(actor)
    entry = ListEntry.objects.filter(pk=entry_id, enterprise=enterprise).first()
    if entry is None:
        raise NotFound(_("未找到该名单记录"), code="entry_not_found")
    return entry


def own_report(actor: Actor, year: int) -> AnnualReport:
    enterprise = own_enterprise(actor)
    report = AnnualReport.objects.filter(enterprise=enterprise, year=year).first()
    if report is None:
        raise NotFound(_("尚未报送 %(year)s 年度报告") % {"year": year}, code="report_not_found")
    return report


# --------------------------------------------------------------------------- lists at large


def listed_enterprises(
    list_kind: str, *, page: int = 1, page_size: int = 20
) -> QuerySet[ListEntry]:
    """Active entries of one list, newest first (the public list pages)."""
    if list_kind not in ListKind.values:
        raise NotFound(_("没有这个名单"), code="list_not_found")
    offset = (max(page, 1) - 1) * page_size
    return (
        ListEntry.objects.filter(list_kind=list_kind, status=EntryStatus.ACTIVE)
        .select_related("enterprise", "department")
        .order_by("-listed_on", "-id")[offset : offset + page_size]
    )


def report_filed(enterprise_id: int, year: int | None) -> bool:
    return (
        year is not None
        and AnnualReport.objects.filter(enterprise_id=enterprise_id, year=year).exists()
    )


def entry_cause_cured(entry: ListEntry) -> bool:
    """A cause the system can verify itself: the missing annual report is now filed."""
    return entry.cause == ListCause.NO_ANNUAL_REPORT and report_filed(
        entry.enterprise_id, entry.report_year
    )
