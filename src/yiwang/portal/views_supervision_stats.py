"""The supervision statistics pages (效能统计, issue 12 item 4): the headline of the
chosen region, the trend per period and the figures per region, department or item,
drawn with the vendored ECharts (data in a json_script tag: no inline script), with CSV
and Excel downloads. Lane M owns the monitor pages under /supervision/; these are
/supervision/statistics/... Everything is read from the rollup (supervision.statistics),
scoped to the supervisor's regions; a bad parameter is a 422 page, never a 500.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from yiwang.common.errors import NotFound, ValidationFailed
from yiwang.portal.access import current_actor, signed_in_required
from yiwang.supervision.api_statistics import export_response
from yiwang.supervision.statistics import queries

BY_LABELS = {"region": "按区划", "department": "按部门", "item": "按事项"}
PERIOD_LABELS = {"day": "按日", "month": "按月", "quarter": "按季度", "year": "按年"}


def _date(request: HttpRequest, name: str) -> date | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(
            _("日期格式应为 YYYY-MM-DD：%(value)s") % {"value": raw[:20]}, code="bad_date"
        ) from None


def _params(request: HttpRequest) -> dict[str, Any]:
    return {
        "by": request.GET.get("by") or "region",
        "period": request.GET.get("period") or "month",
        "region": request.GET.get("region") or None,
        "date_from": _date(request, "from"),
        "date_to": _date(request, "to"),
    }


def _summed(rows: list[queries.Row], key: str) -> list[tuple[str, str, dict[str, Any]]]:
    """Rows summed over the other dimension: per period (key="period") or per unit."""
    acc: dict[str, tuple[str, queries.Figures]] = {}
    for row in rows:
        k = row.period if key == "period" else row.key
        name = row.period if key == "period" else row.name
        acc.setdefault(k, (name, queries.Figures()))[1].add(row.figures)
    return [(k, name, f.as_dict()) for k, (name, f) in sorted(acc.items())]


@signed_in_required
@require_GET
def statistics_page(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    params = _params(request)
    table = queries.statistics(actor, **params)
    trend = _summed(table.rows, "period")
    units = _summed(table.rows, "key")
    chart = {
        "periods": [p for p, _, _ in trend],
        "accepted": [f["accepted"] for _, _, f in trend],
        "completed": [f["completed"] for _, _, f in trend],
        "avg_workdays": [f["avg_workdays"] for _, _, f in trend],
        "units": [name for _, name, _ in units],
        "unit_accepted": [f["accepted"] for _, _, f in units],
        "unit_on_time_rate": [f["on_time_rate"] for _, _, f in units],
        "stars": {
            "五星（零跑动）": table.total["star5"],
            "四星（跑一次）": table.total["star4"],
            "三星（跑两次及以上）": table.total["star3"],
        },
        "scores": {str(n): table.total[f"score{n}"] for n in range(5, 0, -1)},
    }
    query = request.GET.copy()
    query.pop("format", None)
    children = []
    if table.by == "region":
        children = [(k, name) for k, name, _ in units if k != table.region.code]
    return render(
        request,
        "portal/supervision/stats_index.html",
        {
            "section": "supervision",
            "table": table,
            "total": table.total,
            "trend": trend,
            "units": units,
            "chart": chart,
            "by_labels": BY_LABELS,
            "period_labels": PERIOD_LABELS,
            "params": params,
            "query": query.urlencode(),
            "children": children,
        },
    )


@signed_in_required
@require_GET
def statistics_export(request: HttpRequest, fmt: str) -> HttpResponse | StreamingHttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise NotFound(_("没有这种导出格式"), code="not_found")
    table = queries.statistics(current_actor(request), **_params(request))
    return export_response(table, fmt)
