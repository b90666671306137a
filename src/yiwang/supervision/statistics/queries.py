"""The statistics figures, read from the daily rollup only (decision 0024), scoped to the
supervisor's regions through `restrict` (the scope rule below).

`statistics(actor, by=, period=, region=, date_from=, date_to=)`: one row per period and
region (the children of the chosen region), department or item; `overview(...)`: the
totals of a region (the province's headline: average working days, X% shorter than the
legal limits, Y% decided ahead of the promised deadline).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncQuarter, TruncYear
from django.utils.translation import gettext as _

from yiwang.accounts.actor import NOTHING, Actor, restrict, scope_rule
from yiwang.catalog.models import ServiceItem
from yiwang.common.errors import ValidationFailed
from yiwang.common.permissions import Permission
from yiwang.org.models import Department, Region
from yiwang.supervision.models import COUNTERS, StatsDaily, StatsMonthly
from yiwang.supervision.monitor import region_for, require_supervisor

BY = ("region", "department", "item")
PERIODS = ("day", "month", "quarter", "year")


@scope_rule(StatsMonthly)
@scope_rule(StatsDaily)
def stats_scope(actor: Actor, permission: Permission) -> Q | None:
    """A supervisor sees the figures of the regions at and below their posts' regions
    (role scope region_below); the platform everything; anyone else nothing."""
    if actor.platform:
        return None
    paths = actor.paths_below(permission)
    if not paths:
        return NOTHING
    return reduce(or_, (Q(region_id__in=_codes_below(p)) for p in paths))


def _codes_below(path: str) -> list[str]:
    return list(Region.objects.filter(path__startswith=path).values_list("code", flat=True))


@dataclass
class Figures:
    """Sums of the rollup counters and the figures derived from them."""

    counters: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))

    def add(self, row: Mapping[str, Any]) -> None:
        for c in COUNTERS:
            self.counters[c] += int(row.get(c) or 0)

    def __getattr__(self, name: str) -> int:
        counters = self.__dict__.get("counters", {})
        if name in counters:
            return int(counters[name])
        raise AttributeError(name)

    @staticmethod
    def _ratio(a: int, b: int) -> float | None:
        return round(a / b, 4) if b else None

    def as_dict(self) -> dict[str, Any]:
        c = self.counters
        ratio_legal = self._ratio(c["used_days"], c["legal_days"])
        ratio_promised = self._ratio(c["used_days"], c["promised_days"])
        return {
            **c,
            "overdue": c["completed"] - c["on_time"],
            "on_time_rate": self._ratio(c["on_time"], c["completed"]),
            "ahead_rate": self._ratio(c["ahead"], c["completed"]),
            "avg_workdays": round(c["used_days"] / c["completed"], 2) if c["completed"] else None,
            "ratio_to_promised": ratio_promised,
            "ratio_to_legal": ratio_legal,
            "shorter_than_legal": round(1 - ratio_legal, 4) if ratio_legal is not None else None,
            "shorter_than_promised": round(1 - ratio_promised, 4)
            if ratio_promised is not None
            else None,
            "online_rate": self._ratio(c["online"], c["accepted"]),
            "zero_visit_share": self._ratio(c["star5"], c["accepted"]),
            "satisfaction": self._ratio(c["score4"] + c["score5"], c["rated"]),
            "avg_score": round(sum(n * c[f"score{n}"] for n in range(1, 6)) / c["rated"], 2)
            if c["rated"]
            else None,
        }


@dataclass(frozen=True)
class Row:
    period: str
    key: str
    name: str
    figures: dict[str, Any]


@dataclass(frozen=True)
class Table:
    by: str
    period: str
    region: Region
    date_from: date | None
    date_to: date | None
    rows: list[Row]
    total: dict[str, Any]


def _check(by: str, period: str) -> None:
    if by not in BY:
        raise ValidationFailed(
            _("统计维度应为 region、department 或 item"), code="bad_statistics_by", allowed=list(BY)
        )
    if period not in PERIODS:
        raise ValidationFailed(
            _("统计周期应为 day、month、quarter 或 year"),
            code="bad_statistics_period",
            allowed=list(PERIODS),
        )


def rollup_for(date_from: date | None, date_to: date | None, *, by_day: bool) -> type[Any]:
    """The monthly rows when the figures are of whole months (not per day, the dates,
    if any, on month boundaries), else the daily rows (decision 0025: the same sums
    from a fraction of the rows)."""
    whole = (date_from is None or date_from.day == 1) and (
        date_to is None or (date_to + timedelta(days=1)).day == 1
    )
    return StatsMonthly if whole and not by_day else StatsDaily


def scoped_rows(
    actor: Actor,
    region: str | None,
    date_from: date | None,
    date_to: date | None,
    *,
    by_day: bool = True,
) -> tuple[QuerySet[Any], Region]:
    """The rollup rows the actor may see, within the region and dates (the monthly
    rows unless the caller counts by day or the dates cut a month)."""
    if date_from and date_to and date_from > date_to:
        raise ValidationFailed(_("起始日期不能晚于截止日期"), code="bad_date_range")
    model = rollup_for(date_from, date_to, by_day=by_day)
    qs = restrict(model.objects.all(), actor, Permission.SUPERVISION_VIEW)
    chosen = _chosen_region(actor, region)
    qs = qs.filter(region_id__in=_codes_below(chosen.path))
    if date_from:
        qs = qs.filter(day__gte=date_from)
    if date_to:
        qs = qs.filter(day__lte=date_to)
    return qs, chosen


def _chosen_region(actor: Actor, code: str | None) -> Region:
    """The asked region, if the actor supervises it; default their own top region (the
    monitor's one rule: 403 `not_a_supervisor`, 404 `region_not_found`)."""
    return region_for(require_supervisor(actor), code)


_TRUNC = {"month": TruncMonth, "quarter": TruncQuarter, "year": TruncYear}


def _label(day: date, period: str) -> str:
    if period == "day":
        return day.isoformat()
    if period == "month":
        return f"{day:%Y-%m}"
    if period == "quarter":
        return f"{day.year}Q{(day.month - 1) // 3 + 1}"
    return str(day.year)


def statistics(
    actor: Actor,
    *,
    by: str = "region",
    period: str = "month",
    region: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> Table:
    """The figures per period and region / department / item (module docstring)."""
    _check(by, period)
    qs, chosen = scoped_rows(actor, region, date_from, date_to, by_day=period == "day")
    column = {"region": "region_id", "department": "department_id", "item": "item_id"}[by]
    bucket = F("day") if period == "day" else _TRUNC[period]("day")
    sums = {c: Sum(c) for c in COUNTERS}
    grouped = qs.annotate(bucket=bucket).values("bucket", column).annotate(**sums).order_by()
    names, key_of = _dimension(by, chosen)
    acc: dict[tuple[str, str], Figures] = defaultdict(Figures)
    total = Figures()
    for row in grouped:
        bucket_day = row["bucket"]
        if hasattr(bucket_day, "date"):
            bucket_day = bucket_day.date()
        key = key_of(row[column])
        acc[(_label(bucket_day, period), key)].add(row)
        total.add(row)
    rows = [
        Row(p, k, names.get(k, k), f.as_dict())
        for (p, k), f in sorted(acc.items(), key=lambda kv: (kv[0][0], kv[0][1]))
    ]
    return Table(by, period, chosen, date_from, date_to, rows, total.as_dict())


def _dimension(by: str, chosen: Region) -> tuple[dict[str, str], Any]:
    """Names of the row keys, and the key of a rollup value (a region code maps to the
    child of the chosen region it lies in, the chosen region's own units to itself)."""
    if by == "region":
        below = dict(
            Region.objects.filter(path__startswith=chosen.path).values_list("code", "path")
        )
        depth = chosen.path.count("/")
        names = dict(
            Region.objects.filter(path__startswith=chosen.path).values_list("code", "name")
        )
        names[chosen.code] = f"{names.get(chosen.code, chosen.code)}（本级）"

        def key_of(code: str) -> str:
            parts = below.get(code, "").strip("/").split("/")
            return parts[depth] if len(parts) > depth else chosen.code

        return names, key_of
    if by == "department":
        names = {str(k): v for k, v in Department.objects.values_list("id", "name")}
        return names, str
    names = {
        str(k): f"{n}（{c}）" for k, c, n in ServiceItem.objects.values_list("id", "code", "name")
    }
    return names, str


def overview(
    actor: Actor,
    *,
    region: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> dict[str, Any]:
    """The totals of a region (one aggregate over the rollup rows)."""
    qs, chosen = scoped_rows(actor, region, date_from, date_to, by_day=False)
    sums = qs.aggregate(**{c: Sum(c) for c in COUNTERS})
    figures = Figures()
    figures.add(sums)
    return {"region": chosen.code, "region_name": chosen.name, **figures.as_dict()}


def iter_rows(table: Table) -> Iterator[Row]:
    yield from table.rows
