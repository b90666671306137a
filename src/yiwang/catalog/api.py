"""HTTP API of the catalog app (paths as in shared/design/interfaces.md). Public: no auth.

`GET /items?q=&region=&page=` lists active items; `region` is a region code and lists
the items implemented by departments of exactly that region (`below=true` adds the
regions under it). A malformed region code or page is 422; a well-formed region code
that names no region is 404, like an unknown item.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from yiwang.catalog import selectors
from yiwang.catalog.schemas import ItemDetailOut, ItemPageOut

router = Router(tags=["catalog"])


@router.get(
    "/items", response=ItemPageOut, auth=None, summary="查询政务服务事项", operation_id="listItems"
)
def list_items(
    request: HttpRequest,
    q: str = Query("", max_length=selectors.MAX_QUERY_LENGTH, description="事项名称的一部分"),
    region: str | None = Query(
        None, pattern=r"^(\d{6}(\d{3}){0,2})?$", description="区划代码（6、9 或 12 位；空为不限）"
    ),
    below: bool = Query(False, description="包含下级区划部门的事项"),
    page: int = Query(1, ge=1, le=selectors.MAX_PAGE),
    page_size: int = Query(20, ge=1, le=selectors.MAX_PAGE_SIZE),
) -> dict[str, Any]:
    items, total = selectors.search_items(
        q=q, region=region or None, below=below, page=page, page_size=page_size
    )
    return {"items": items, "total": total, "page": page, "page_size": page_size}


@router.get(
    "/items/{code}",
    response=ItemDetailOut,
    auth=None,
    summary="事项办事指南",
    operation_id="getItem",
)
def item_detail(request: HttpRequest, code: str) -> Any:
    return selectors.get_item(code)
