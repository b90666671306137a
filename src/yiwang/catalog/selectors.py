"""Reads of the service item catalog.

Which items a hall offers, their limits, materials, fees and process are public (every
hall publishes its 办事指南), so these take no actor. Every read is a fixed number of
queries whatever the number of items or children: the list is one count and one page
(department and region joined); one item is one query plus one per child kind.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from yiwang.catalog.models import ProcessStep, ServiceItem
from yiwang.common.errors import NotFound, ValidationFailed
from yiwang.common.revisions import SnapshotCache
from yiwang.org.selectors import ORG_REVISION, get_region

#: The revision (common.revisions) every catalog writer bumps.
CATALOG_REVISION = "catalog"

MAX_PAGE_SIZE = 100
#: Deeper pages than this are refused: nobody pages through 100 000 pages of a catalog,
#: and an unbounded offset is an easy way to make the database work for nothing.
MAX_PAGE = 10_000
MAX_QUERY_LENGTH = 100

_REGION_CODE = re.compile(r"^\d{6}(\d{3}){0,2}$")


def _with_children(qs: QuerySet[ServiceItem]) -> QuerySet[ServiceItem]:
    return qs.select_related("department__hall", "region").prefetch_related(
        "materials",
        "fees",
        Prefetch("steps", queryset=ProcessStep.objects.select_related("role")),
        "delivery_methods",
    )


def search_items(
    *,
    q: str = "",
    region: str | None = None,
    below: bool = False,
    page: int = 1,
    page_size: int = 20,
) -> tuple[list[ServiceItem], int]:
    """Active items, one page of them, and how many there are in all.

    `q` matches a part of the name, taken literally (`%` and `_` are not wildcards).
    `region` is a region code (GB/T 2260, or a 9/12-digit township/village code): the
    items implemented by departments of that region (interfaces.md), and with
    `below=True` also those of the regions under it. A malformed code or page is a
    ValidationFailed; a well-formed code of no region we know is NotFound (a typo should
    not look like a region without items). Ordered by region (province first), then code.
    """
    if not isinstance(page, int) or isinstance(page, bool) or not 1 <= page <= MAX_PAGE:
        raise ValidationFailed(
            _("页码应为 1 到 %(max_page)s 的整数") % {"max_page": MAX_PAGE},
            field="page",
            code="bad_page",
        )
    if (
        not isinstance(page_size, int)
        or isinstance(page_size, bool)
        or not 1 <= page_size <= MAX_PAGE_SIZE
    ):
        raise ValidationFailed(
            _("每页条数应为 1 到 %(max_page_size)s 的整数") % {"max_page_size": MAX_PAGE_SIZE},
            field="page_size",
            code="bad_page_size",
        )
    q = (q or "").strip()
    if len(q) > MAX_QUERY_LENGTH:
        raise ValidationFailed(
            _("查询词不能超过 %(max_query_length)s 个字符")
            % {"max_query_length": MAX_QUERY_LENGTH},
            field="q",
            code="search_too_long",
        )
    qs = ServiceItem.objects.filter(is_active=True)
    if q:
        # Django escapes % and _ in `contains` lookups, so they match themselves.
        qs = qs.filter(name__icontains=q)
    if region:
        if not _REGION_CODE.match(region):
            raise ValidationFailed(
                _("区划代码 %(region)s 应为 6、9 或 12 位数字") % {"region": region},
                field="region",
                code="bad_region_code",
            )
        found = get_region(region)
        qs = qs.filter(region__path__startswith=found.path) if below else qs.filter(region=found)
    total = qs.count()
    start = (page - 1) * page_size
    rows = list(
        qs.select_related("department", "region").order_by("region__path", "code")[
            start : start + page_size
        ]
    )
    return rows, total


def steps_of(item: ServiceItem) -> Iterable[ProcessStep]:
    """The item's process steps in order, each with its role: the prefetched ones when
    the item came from `get_item`/`get_active_item`, else one query."""
    if "steps" in getattr(item, "_prefetched_objects_cache", {}):
        return item.steps.all()
    return item.steps.select_related("role").order_by("order")


def get_item(code: str) -> ServiceItem:
    """The item with this implementation code (active or not), its children prefetched."""
    item = _with_children(ServiceItem.objects.filter(code=code)).first()
    if item is None:
        raise NotFound(_("事项 %(code)s 不存在") % {"code": code}, code="not_found")
    return item


#: Items in service by code, for applying: read on every submission, written a few
#: times a day. Bounded, as a province lists tens of thousands of items.
_active_items: SnapshotCache[ServiceItem] = SnapshotCache(
    CATALOG_REVISION, ORG_REVISION, max_entries=2000
)


def get_active_item(code: str) -> ServiceItem:
    """The item with this code if it is in service (for applying), children prefetched.

    Reading `item.materials.all()`, `item.steps.all()` (in order, each with its role),
    `item.fees.all()`, `item.delivery_methods.all()`, `item.department` (and its hall)
    and `item.region` costs no further query. The item comes from a per-process cache
    (common.revisions: an edit is seen everywhere within about a second); each call gets
    its own copy of the cached snapshot, so what one request does to it stays there.
    """

    def load() -> ServiceItem:
        item = _with_children(ServiceItem.objects.filter(code=code, is_active=True)).first()
        if item is None:
            raise NotFound(_("事项 %(code)s 不存在或已停止办理") % {"code": code}, code="not_found")
        return item

    return _active_items.get(code, load)
