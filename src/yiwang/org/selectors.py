"""Reads of the public directory: regions, halls and departments.

Which regions, halls and departments exist is public information (every hall
publishes its address and hours), so these take no actor. Reads about posts and
staff are not public and will take the actor who asks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from yiwang.common.errors import NotFound
from yiwang.org.choices import HallKind, RegionLevel
from yiwang.org.models import Department, Post, Region, ServiceHall

#: The revision (common.revisions) every org writer bumps; caches of org data depend on it.
ORG_REVISION = "org"

_LEVEL_ORDER = [
    RegionLevel.PROVINCE,
    RegionLevel.CITY,
    RegionLevel.COUNTY,
    RegionLevel.TOWNSHIP,
    RegionLevel.VILLAGE,
]


@dataclass
class RegionNode:
    """One region of the directory tree, with its halls and its children, both in order."""

    region: Region
    halls: list[ServiceHall] = field(default_factory=list)
    children: list[RegionNode] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.region.code

    @property
    def name(self) -> str:
        return self.region.name

    @property
    def level(self) -> str:
        return self.region.level


def region_tree(*, down_to: str = RegionLevel.COUNTY) -> list[RegionNode]:
    """The region tree from the province(s) down to `down_to`, each node with its halls.

    Two queries whatever the size: all regions of the wanted levels, then their halls.
    Siblings are ordered by sort_order, then code.
    """
    if down_to not in _LEVEL_ORDER:
        raise ValueError(f"unknown region level {down_to!r}")
    levels = _LEVEL_ORDER[: _LEVEL_ORDER.index(RegionLevel(down_to)) + 1]
    regions = list(Region.objects.filter(level__in=levels).order_by("sort_order", "code"))
    nodes = {r.code: RegionNode(r) for r in regions}
    halls = ServiceHall.objects.filter(region__level__in=levels).order_by("code")
    for hall in halls:
        node = nodes[hall.region_id]
        hall.region = node.region  # already loaded: no query when a template asks
        node.halls.append(hall)
    roots: list[RegionNode] = []
    for region in regions:
        node = nodes[region.code]
        parent = nodes.get(region.parent_id) if region.parent_id else None
        if parent is None:
            roots.append(node)
        else:
            region.parent = parent.region
            parent.children.append(node)
    return roots


def get_region(code: str) -> Region:
    """The region with this code, or NotFound."""
    region = Region.objects.filter(code=code).select_related("parent").first()
    if region is None:
        raise NotFound(_("区划 %(code)s 不存在") % {"code": code}, code="not_found")
    return region


def _as_region(region: Region | str) -> Region:
    return get_region(region) if isinstance(region, str) else region


def regions_below(region: Region | str, *, include_self: bool = True) -> QuerySet[Region]:
    """The region and everything below it (a prefix match on the indexed path), in path order."""
    region = _as_region(region)
    qs = Region.objects.filter(path__startswith=region.path)
    if not include_self:
        qs = qs.exclude(pk=region.pk)
    return qs.order_by("path")


def halls_in(region: Region | str, *, below: bool = True) -> QuerySet[ServiceHall]:
    """Halls at the region and, unless `below=False`, at every region below it."""
    region = _as_region(region)
    qs = ServiceHall.objects.select_related("region")
    qs = qs.filter(region__path__startswith=region.path) if below else qs.filter(region=region)
    return qs.order_by("region__path", "code")


def departments_in(region: Region | str, *, below: bool = True) -> QuerySet[Department]:
    """Departments at the region and, unless `below=False`, at every region below it."""
    region = _as_region(region)
    qs = Department.objects.select_related("region", "hall")
    qs = qs.filter(region__path__startswith=region.path) if below else qs.filter(region=region)
    return qs.order_by("region__path", "code")


@dataclass(frozen=True)
class DirectoryCounts:
    cities: int
    counties: int
    townships: int
    villages: int
    halls: int  # 政务服务中心 (province, city, county)
    stations: int  # township centres and village stations
    departments: int


def directory_counts() -> DirectoryCounts:
    """How big the directory is: three aggregate queries."""
    r = Region.objects.aggregate(
        cities=Count("pk", filter=Q(level=RegionLevel.CITY)),
        counties=Count("pk", filter=Q(level=RegionLevel.COUNTY)),
        townships=Count("pk", filter=Q(level=RegionLevel.TOWNSHIP)),
        villages=Count("pk", filter=Q(level=RegionLevel.VILLAGE)),
    )
    h = ServiceHall.objects.aggregate(
        halls=Count("pk", filter=Q(kind=HallKind.HALL)),
        stations=Count("pk", filter=~Q(kind=HallKind.HALL)),
    )
    return DirectoryCounts(
        cities=r["cities"],
        counties=r["counties"],
        townships=r["townships"],
        villages=r["villages"],
        halls=h["halls"],
        stations=h["stations"],
        departments=Department.objects.count(),
    )


def posts_by_code(codes: Iterable[str]) -> list[Post]:
    """The posts with these codes, in the order given (one query); NotFound names a missing one.

    For services that assign staff to posts (the demo seed, staff administration). It
    says nothing about who holds a post; reads about staff will take the actor.
    """
    wanted = list(dict.fromkeys(codes))
    found = Post.objects.select_related("role", "hall__region", "department__region").in_bulk(
        wanted, field_name="code"
    )
    missing = [code for code in wanted if code not in found]
    if missing:
        raise NotFound(
            _("岗位 %(missing)s 不存在") % {"missing": ", ".join(missing)}, code="post_not_found"
        )
    return [found[code] for code in wanted]
