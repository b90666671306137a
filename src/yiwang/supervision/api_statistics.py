"""HTTP API of the supervision statistics (issue 12, item 4; decision 0024).

  GET /supervision/statistics?by=region|department|item&period=day|month|quarter|year
      &region=&from=&to=&format=json|csv|xlsx

Supervisors only (`region:supervision:view`), within their regions: a region outside
them is 404 `region_not_found`, anyone else 403 `not_a_supervisor`. The figures come
from the daily rollup (`supervision.statistics`), never from a scan of the cases.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from yiwang.accounts.actor import signed_in_actor
from yiwang.common.errors import ValidationFailed
from yiwang.supervision.statistics import export, queries

router = Router(tags=["supervision"])

FORMATS = ("json", "csv", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class FiguresOut(Schema):
    accepted: int
    completed: int
    on_time: int
    overdue: int
    on_time_rate: float | None
    ahead: int
    ahead_rate: float | None
    avg_workdays: float | None
    used_days: int
    promised_days: int
    legal_days: int
    ratio_to_promised: float | None
    ratio_to_legal: float | None
    shorter_than_legal: float | None
    shorter_than_promised: float | None
    online: int
    online_rate: float | None
    star5: int
    star4: int
    star3: int
    zero_visit_share: float | None
    approved: int
    denied: int
    refused: int
    withdrawn: int
    suspended: int
    extended: int
    rated: int
    score1: int
    score2: int
    score3: int
    score4: int
    score5: int
    satisfaction: float | None
    avg_score: float | None


class StatisticsRowOut(Schema):
    period: str
    key: str
    name: str
    figures: FiguresOut


class StatisticsOut(Schema):
    by: str
    period: str
    region: str
    region_name: str
    date_from: date | None = Field(None, alias="from")
    date_to: date | None = Field(None, alias="to")
    rows: list[StatisticsRowOut]
    total: FiguresOut


class StatisticsQuery(Schema):
    by: str = "region"
    period: str = "month"
    region: str | None = None
    date_from: date | None = Field(None, alias="from")
    date_to: date | None = Field(None, alias="to")
    format: str = "json"


def table_out(table: queries.Table) -> dict[str, Any]:
    return {
        "by": table.by,
        "period": table.period,
        "region": table.region.code,
        "region_name": table.region.name,
        "from": table.date_from,
        "to": table.date_to,
        "rows": [
            {"period": r.period, "key": r.key, "name": r.name, "figures": r.figures}
            for r in table.rows
        ],
        "total": table.total,
    }


def export_response(table: queries.Table, fmt: str) -> HttpResponse | StreamingHttpResponse:
    """The table as a streamed CSV or Excel download."""
    if fmt == "csv":
        response: HttpResponse | StreamingHttpResponse = StreamingHttpResponse(
            export.csv_lines(table), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{export.filename(table, "csv")}"'
    else:
        response = FileResponse(
            export.xlsx_file(table),
            as_attachment=True,
            filename=export.filename(table, "xlsx"),
            content_type=XLSX,
        )
    response["Cache-Control"] = "private, no-store"
    return response


@router.get(
    "/supervision/statistics",
    response=StatisticsOut,
    by_alias=True,
    summary="效能统计（按区划、部门或事项，按日、月、季、年）",
    operation_id="getSupervisionStatistics",
    openapi_extra={
        "responses": {
            200: {
                "description": "统计表（JSON；format=csv 或 xlsx 时为附件下载）",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/StatisticsOut"}},
                    "text/csv": {"schema": {"type": "string"}},
                    XLSX: {"schema": {"type": "string", "format": "binary"}},
                },
            }
        }
    },
)
def get_statistics(request: HttpRequest, q: Query[StatisticsQuery]) -> Any:
    """Accepted, completed, on time, average working days, the ratios to the promised
    and legal limits, online rate, zero-visit share, star distribution and satisfaction
    per period and region (the chosen region's children), department or item."""
    actor = signed_in_actor(request)
    if q.format not in FORMATS:
        raise ValidationFailed(
            _("导出格式应为 json、csv 或 xlsx"), code="bad_export_format", allowed=list(FORMATS)
        )
    table = queries.statistics(
        actor, by=q.by, period=q.period, region=q.region, date_from=q.date_from, date_to=q.date_to
    )
    if q.format != "json":
        return export_response(table, q.format)
    return table_out(table)
