"""Shaping the public directory for pages: filtering the region tree and nesting sub-regions.

Pure functions over what `yiwang.org.selectors` returns, so the pages stay at a
fixed number of queries whatever the filter.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from yiwang.org.models import Region, ServiceHall
from yiwang.org.selectors import RegionNode


def _matches(node: RegionNode, needle: str) -> bool:
    return needle in node.name.casefold() or any(needle in h.name.casefold() for h in node.halls)


@dataclass
class FilteredProvince:
    """A province with the cities (and their county-level units) that pass the filter."""

    node: RegionNode
    show_own: bool  # the province itself (its halls) matched, or there is no filter
    cities: list[FilteredCity] = field(default_factory=list)

    @property
    def county_count(self) -> int:
        return sum(len(c.counties) for c in self.cities)


@dataclass
class FilteredCity:
    node: RegionNode
    counties: list[RegionNode]


def filter_tree(roots: Iterable[RegionNode], query: str) -> list[FilteredProvince]:
    """Keep what matches `query` (part of a region's or a hall's name, case-insensitive).

    A matching city keeps all its county-level units; otherwise a city stays only
    for its matching units, and shows only those. An empty query keeps everything.
    """
    needle = query.strip().casefold()
    provinces: list[FilteredProvince] = []
    for root in roots:
        if not needle:
            cities = [FilteredCity(c, list(c.children)) for c in root.children]
            provinces.append(FilteredProvince(root, show_own=True, cities=cities))
            continue
        cities = []
        for city in root.children:
            if _matches(city, needle):
                cities.append(FilteredCity(city, list(city.children)))
                continue
            counties = [c for c in city.children if _matches(c, needle)]
            if counties:
                cities.append(FilteredCity(city, counties))
        own = _matches(root, needle)
        if own or cities:
            provinces.append(FilteredProvince(root, show_own=own, cities=cities))
    return provinces


@dataclass
class SubRegion:
    """A region below the one shown, with its own halls and the regions below it."""

    region: Region
    halls: list[ServiceHall] = field(default_factory=list)
    children: list[SubRegion] = field(default_factory=list)


def nest_below(
    region: Region, below: Iterable[Region], halls: Iterable[ServiceHall]
) -> tuple[list[ServiceHall], list[SubRegion]]:
    """Split halls into the region's own and nest the regions below it with theirs.

    `below` must be in path order (parents before children), as
    `regions_below` returns it.
    """
    nodes: dict[str, SubRegion] = {}
    top: list[SubRegion] = []
    for sub in below:
        node = SubRegion(sub)
        nodes[sub.code] = node
        parent = nodes.get(sub.parent_id or "")
        if parent is not None:
            parent.children.append(node)
        elif sub.parent_id == region.code:
            top.append(node)
    own: list[ServiceHall] = []
    for hall in halls:
        if hall.region_id == region.code:
            own.append(hall)
        elif hall.region_id in nodes:
            nodes[hall.region_id].halls.append(hall)
    return own, top
