"""Star levels in public (issue 12 item 6; domain-rules: 星级): an item's stars come
from the catalog's on-site visits (`ServiceItem.visits`, 到办事现场次数) — 5 stars for
zero visits (全程网办), 4 for one (最多跑一次), 3 for two or more.

Per hall: the active items of the departments stationed in it; per department: its
items; the province: every active item. Public data, no actor.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from yiwang.catalog.models import ServiceItem
from yiwang.common.errors import NotFound
from yiwang.org.models import Department, ServiceHall

STARS = (5, 4, 3)


def stars_of(visits: int) -> int:
    """5 stars: zero visits; 4: one visit; 3: two or more."""
    if visits <= 0:
        return 5
    if visits == 1:
        return 4
    return 3


@dataclass
class StarSummary:
    """The star distribution of a set of items."""

    name: str
    key: str = ""
    total: int = 0
    counts: dict[int, int] = field(default_factory=lambda: dict.fromkeys(STARS, 0))

    @property
    def five_star_share(self) -> float | None:
        return None if not self.total else round(self.counts[5] / self.total, 4)


def _active() -> QuerySet[ServiceItem]:
    return ServiceItem.objects.filter(is_active=True)


_STAR_COUNTS = {
    "n": Count("id"),
    "s5": Count("id", filter=Q(visits__lte=0)),
    "s4": Count("id", filter=Q(visits=1)),
    "s3": Count("id", filter=Q(visits__gte=2)),
}


def _summary(name: str, key: str, row: dict[str, int]) -> StarSummary:
    return StarSummary(name, key, row["n"], {5: row["s5"], 4: row["s4"], 3: row["s3"]})


def province_summary() -> StarSummary:
    return _summary(_("全省"), "", _active().order_by().aggregate(**_STAR_COUNTS))


def hall_summaries() -> list[StarSummary]:
    """Every hall with items, by its five-star share (one GROUP BY)."""
    rows = (
        _active()
        .filter(department__hall__isnull=False)
        .order_by()
        .values("department__hall__code", "department__hall__name")
        .annotate(**_STAR_COUNTS)
    )
    out = [_summary(r["department__hall__name"], r["department__hall__code"], r) for r in rows]
    out.sort(key=lambda s: (-(s.five_star_share or 0), s.name))
    return out


@dataclass
class UnitStars:
    """One hall or department: its summary, its departments' summaries, its items."""

    summary: StarSummary
    departments: list[StarSummary]
    items: list[tuple[int, ServiceItem]]  # (stars, item), five stars first


def hall_stars(code: str) -> UnitStars:
    """One hall (by its code) and the items of the departments stationed in it."""
    hall = ServiceHall.objects.filter(code=code[:40]).first()
    if hall is None:
        raise NotFound(_("没有这个大厅"), code="hall_not_found")
    return _unit(hall.name, hall.code, _active().filter(department__hall=hall))


def department_stars(code: str) -> UnitStars:
    """One department (by its code) and its items."""
    department = Department.objects.filter(code=code[:40]).first()
    if department is None:
        raise NotFound(_("没有这个部门"), code="department_not_found")
    return _unit(department.name, department.code, _active().filter(department=department))


def _unit(name: str, key: str, items: QuerySet[ServiceItem]) -> UnitStars:
    summary = _summary(name, key, items.order_by().aggregate(**_STAR_COUNTS))
    rows = items.order_by().values("department_id", "department__name").annotate(**_STAR_COUNTS)
    departments = [_summary(r["department__name"], str(r["department_id"]), r) for r in rows]
    departments.sort(key=lambda s: s.name)
    listed = [(stars_of(i.visits), i) for i in items.select_related("department").order_by("name")]
    listed.sort(key=lambda pair: -pair[0])
    return UnitStars(summary, departments, listed)
