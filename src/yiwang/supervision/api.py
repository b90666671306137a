"""HTTP API of the live monitor and the star levels (issue 12; paths as in the issue)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router

from yiwang.accounts.actor import Actor, signed_in_actor
from yiwang.accounts.models import User
from yiwang.cases.choices import CaseStatus
from yiwang.cases.clock import ClockView
from yiwang.cases.models import Case
from yiwang.cases.selectors import paginate
from yiwang.supervision import monitor, rankings, stars
from yiwang.supervision.schemas import (
    BreakdownOut,
    OverviewOut,
    RankingEntryOut,
    RankingOut,
    RankingRevisionOut,
    RegionOut,
    StarCountsOut,
    StarItemOut,
    StarsOut,
    SupervisedCaseListOut,
    SupervisedCaseOut,
    TrendPointOut,
)
from yiwang.supervision.statistics import queries as statistics

router = Router(tags=["supervision"])


def supervisor(request: HttpRequest) -> Actor:
    """The signed-in actor, if it supervises anything (else 403 `not_a_supervisor`)."""
    return monitor.require_supervisor(signed_in_actor(request))


def _rows(rows: list[monitor.Row]) -> list[BreakdownOut]:
    return [
        BreakdownOut(key=r.key, name=r.name, open=r.open, red=r.red, yellow=r.yellow, cards=r.cards)
        for r in rows
    ]


@router.get(
    "/supervision/overview",
    response=OverviewOut,
    summary="效能监察：在办件总览（红黄牌、下级地区、部门、事项、人员负荷）",
    operation_id="getSupervisionOverview",
)
def get_overview(
    request: HttpRequest,
    region: str | None = None,
    hall: str | None = None,
    department: str | None = None,
    from_: str | None = Query(None, alias="from"),
    to: str | None = None,
) -> OverviewOut:
    """`from`/`to` (YYYY-MM-DD) keep the open cases that arrived on those days and the
    cards issued on them."""
    actor = supervisor(request)
    where = monitor.where_for(
        actor, region=region, hall=hall, department=department, arrived_from=from_, arrived_to=to
    )
    view = monitor.overview(actor, where)
    cards = view.cards
    period = None
    if where.hall is None and where.department is None:  # the rollup is kept per region
        figures = statistics.overview(
            actor, region=where.region.code, date_from=where.arrived_from, date_to=where.arrived_to
        )
        period = {k: v for k, v in figures.items() if k not in ("region", "region_name")}
    return OverviewOut(
        region=RegionOut(code=where.region.code, name=where.region.name, level=where.region.level),
        hall=where.hall.code if where.hall else None,
        department=where.department.code if where.department else None,
        as_of=view.on,
        open=view.open,
        red=view.red,
        yellow=view.yellow,
        provisional=view.provisional,
        suspended=view.suspended,
        on_time_share=view.on_time_share,
        period=period,
        cards_issued=cards.issued,
        cards_unanswered=cards.unanswered,
        cards_escalated=cards.escalated,
        children_level=view.level,
        by_status=_rows(view.by_status),
        children=_rows(view.children),
        by_department=_rows(view.by_department),
        by_item=_rows(view.by_item),
        staff=_rows(view.staff),
    )


def supervised_case_out(case: Case, clock: ClockView, names: dict[int, str]) -> SupervisedCaseOut:
    responsible = case.responsible_id
    return SupervisedCaseOut(
        case_no=case.case_no,
        item_name=case.item.name,
        department=case.department.name,
        hall=case.hall.name if case.hall else None,
        region=case.region.name,
        status=case.status,
        status_label=str(CaseStatus(case.status).label),
        colour="red" if clock.overdue else ("yellow" if clock.near_due else ""),
        due_on=clock.due_on,
        remaining_workdays=clock.remaining_workdays,
        provisional=clock.provisional,
        applicant=monitor.mask_name(case.applicant.display_name or ""),
        responsible=names.get(responsible) if responsible else None,
    )


def staff_names(rows: list[Case]) -> dict[int, str]:
    ids = {c.responsible_id for c in rows} - {None}
    return {u.pk: u.display_name or u.username for u in User.objects.filter(pk__in=ids)}


@router.get(
    "/supervision/cases",
    response=SupervisedCaseListOut,
    summary="效能监察：红牌/黄牌办件（分页，个人信息已脱敏）",
    operation_id="listSupervisedCases",
)
def list_supervised_cases(
    request: HttpRequest,
    colour: str | None = None,
    region: str | None = None,
    hall: str | None = None,
    department: str | None = None,
    page: int = 1,
) -> SupervisedCaseListOut:
    actor = supervisor(request)
    where = monitor.where_for(actor, region=region, hall=hall, department=department)
    result = paginate(monitor.coloured_cases(actor, where, colour=colour), page)
    names = staff_names([c for c, _ in result.rows])
    return SupervisedCaseListOut(
        items=[supervised_case_out(c, clock, names) for c, clock in result.rows],
        total=result.total,
        total_capped=result.total_capped,
        page=result.page,
        page_size=result.page_size,
    )


def star_counts(s: stars.StarSummary) -> StarCountsOut:
    return StarCountsOut(
        key=s.key,
        name=s.name,
        total=s.total,
        five=s.counts[5],
        four=s.counts[4],
        three=s.counts[3],
        five_star_share=s.five_star_share,
    )


@router.get(
    "/public/stars",
    response=StarsOut,
    auth=None,
    summary="星级事项公示（5 星零跑动，4 星跑一次，3 星跑两次及以上）",
    operation_id="getPublicStars",
)
def public_stars(request: HttpRequest, hall: str | None = None) -> StarsOut:
    out = StarsOut(
        province=star_counts(stars.province_summary()),
        halls=[star_counts(s) for s in stars.hall_summaries()],
    )
    if hall:
        unit = stars.hall_stars(hall)
        out.hall = star_counts(unit.summary)
        out.departments = [star_counts(s) for s in unit.departments]
        out.items = [
            StarItemOut(
                code=i.code, name=i.name, department=i.department.name, visits=i.visits, stars=n
            )
            for n, i in unit.items
        ]
    return out


def ranking_out(view: rankings.RankingView) -> RankingOut:
    r = view.ranking
    return RankingOut(
        month=f"{r.month:%Y-%m}",
        kind=r.kind,
        revision=r.revision,
        latest_revision=view.latest_revision,
        published_at=r.published_at.isoformat(),
        reason=r.reason,
        formula=r.formula,
        revisions=[
            RankingRevisionOut(
                revision=x.revision, published_at=x.published_at.isoformat(), reason=x.reason
            )
            for x in view.revisions
        ],
        months=[f"{m:%Y-%m}" for m in view.months],
        entries=[
            RankingEntryOut(
                rank=line.entry.rank,
                previous_rank=line.previous_rank,
                key=line.entry.key,
                name=line.entry.name,
                region=line.entry.region_name,
                score=float(line.entry.score) if line.entry.score is not None else None,
                figures=line.entry.figures,
                trend=[TrendPointOut(month=m, score=s) for m, s in line.trend],
            )
            for line in view.lines
        ],
    )


@router.get(
    "/public/rankings",
    response=RankingOut,
    auth=None,
    summary="月度综合评价排名公示（部门或地区；默认最近发布的月份与最新版次）",
    operation_id="getPublicRankings",
)
def public_rankings(
    request: HttpRequest,
    month: str | None = None,
    kind: str = "department",
    revision: int | None = None,
) -> RankingOut:
    """404 `ranking_not_published` for a month not yet published; 422 `bad_month`,
    `bad_ranking_kind`."""
    return ranking_out(rankings.ranking_view(kind, rankings.parse_month(month), revision))
