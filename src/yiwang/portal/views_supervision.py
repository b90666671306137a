"""Pages of efficiency supervision (issue 12): the live monitor with its drill-down
(province → city → county → hall → department → case, the path in the address, the
figures refreshed by htmx polling of a partial), the cards of a unit with their answer
form, and the public star levels."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from yiwang.accounts.actor import request_actor
from yiwang.cases.selectors import paginate
from yiwang.portal.access import current_actor, staff_required
from yiwang.portal.errors import Refusal, error_page
from yiwang.portal.htmx import HtmxHttpRequest, is_partial
from yiwang.portal.query import page_number
from yiwang.supervision import cards, monitor, rankings, stars
from yiwang.supervision.api import staff_names
from yiwang.supervision.choices import RankingKind
from yiwang.supervision.models import Ranking
from yiwang.supervision.selectors import my_cards

#: Seconds between two refreshes of the monitor's figures (htmx polling).
POLL_SECONDS = 30


def _link(query: dict[str, str]) -> str:
    return "?" + urlencode({k: v for k, v in query.items() if v})


@staff_required
@require_GET
def monitor_page(request: HtmxHttpRequest) -> HttpResponseBase:
    """The monitor of one node of the drill-down; `?region=&hall=&department=` is the
    path, `colour=` and `page=` the case list. The partial is what the poll swaps."""
    actor = current_actor(request)
    if not monitor.supervises(actor):
        return error_page(request, _("效能监察页面仅供效能监察人员使用。"), status=403)
    where = monitor.where_for(
        actor,
        region=request.GET.get("region"),
        hall=request.GET.get("hall"),
        department=request.GET.get("department"),
        arrived_from=request.GET.get("from"),
        arrived_to=request.GET.get("to"),
    )
    view = monitor.overview(actor, where)
    colour = request.GET.get("colour", "")
    colour = colour if colour in monitor.COLOURS else ""
    show_cases = view.level == "case" or bool(colour)
    result = None
    names: dict[int, str] = {}
    if show_cases:
        result = paginate(
            monitor.coloured_cases(actor, where, colour=colour or None), page_number(request)
        )
        names = staff_names([c for c, _ in result.rows])
    context: dict[str, Any] = {
        "section": "supervision",
        "view": view,
        "where": where,
        "colour": colour,
        "result": result,
        "rows": [
            (
                case,
                clock,
                names.get(case.responsible_id or 0),
                monitor.mask_name(case.applicant.display_name or ""),
            )
            for case, clock in (result.rows if result else [])
        ],
        "pages": max(1, -(-result.total // result.page_size)) if result else 1,
        "here": _link({**where.query(), "colour": colour}),
        "red_link": _link({**where.query(), "colour": "red"}),
        "yellow_link": _link({**where.query(), "colour": "yellow"}),
        "crumbs": [(name, _link(q)) for name, q in view.breadcrumbs],
        "children": [(row, _link(row.query) if row.query else "") for row in view.children],
        "poll_seconds": POLL_SECONDS,
    }
    template = (
        "portal/supervision/_monitor.html"
        if is_partial(request)
        else "portal/supervision/monitor.html"
    )
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@staff_required
@require_GET
def card_list(request: HttpRequest) -> HttpResponse:
    """The cards of the person's units and their own, the unanswered first."""
    actor = current_actor(request)
    listed = list(my_cards(actor)[:200])
    return render(
        request,
        "portal/supervision/cards.html",
        {"section": "supervision-cards", "cards": listed, "answer_max": cards.ANSWER_MAX},
    )


@staff_required
@require_POST
def card_answer(request: HttpRequest, card_id: int) -> HttpResponseBase:
    """Answer a card with an explanation (情况说明), once."""
    with Refusal(request) as refused:
        cards.answer_card(
            card_id, request.POST.get("explanation", ""), actor=request_actor(request)
        )
    if not refused:
        messages.success(request, _("情况说明已提交。"))
    return redirect("portal:supervision-cards")


@require_GET
def public_stars(request: HttpRequest) -> HttpResponse:
    """星级事项公示: the province's figures and every hall's; with `?hall=` or
    `?department=` one unit's items by star level."""
    context: dict[str, Any] = {
        "section": "stars",
        "province": stars.province_summary(),
        "halls": stars.hall_summaries(),
        "unit": None,
    }
    hall, department = request.GET.get("hall"), request.GET.get("department")
    if hall:
        context["unit"] = stars.hall_stars(hall)
    elif department:
        context["unit"] = stars.department_stars(department)
    return render(request, "portal/public/stars.html", context)


@require_GET
def public_rankings(request: HttpRequest) -> HttpResponse:
    """月度综合评价排名 (issue 12 item 5): a published month's ranking of the departments or
    the cities (`?kind=`, `?month=YYYY-MM`, `?revision=`), its revisions, the month
    before's ranks and each unit's trend, as a table and two ECharts charts."""
    kind = request.GET.get("kind") or RankingKind.DEPARTMENT
    month = rankings.parse_month(request.GET.get("month"))
    revision = request.GET.get("revision")
    context: dict[str, Any] = {"section": "rankings", "kind": kind, "kinds": RankingKind.choices}
    if month is None and not Ranking.objects.filter(kind=rankings.check_kind(kind)).exists():
        return render(request, "portal/public/rankings.html", {**context, "view": None})
    view = rankings.ranking_view(
        kind, month, int(revision) if revision and revision.isdigit() else None
    )
    top = view.lines[:RANKING_CHART_UNITS]
    context.update(
        view=view,
        chart={
            "names": [line.entry.name for line in top],
            "scores": [
                float(line.entry.score) if line.entry.score is not None else None for line in top
            ],
            "months": [m for m, _s in top[0].trend] if top else [],
            "trends": [
                {"name": line.entry.name, "scores": [s for _m, s in line.trend]} for line in top
            ],
            "labels": {"score": _("得分"), "trend": _("近 12 个月得分")},
        },
    )
    return render(request, "portal/public/rankings.html", context)


#: How many units the charts show (the table lists them all).
RANKING_CHART_UNITS = 10
