"""Public pages of the approval system: the item search (办事指南), one item's guide,
and the case lookup by case number and query code (status only, nothing personal)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from yiwang.cases.selectors import public_case_status
from yiwang.catalog.choices import AcceptLevel, CaseType
from yiwang.catalog.selectors import get_item, search_items
from yiwang.org import selectors as org_selectors
from yiwang.portal.errors import Refusal
from yiwang.portal.forms_cases import ItemSearchForm, LookupForm
from yiwang.portal.htmx import HtmxHttpRequest, is_partial
from yiwang.portal.presenting import status_label

ITEMS_PER_PAGE = 20
_INDENT = "\u3000"  # an ideographic space per level in the region list


def region_choices() -> list[tuple[str, str]]:
    """The province, its cities and their counties, indented by level, for a select."""
    choices: list[tuple[str, str]] = []

    def walk(nodes: Any, depth: int) -> None:
        for node in nodes:
            choices.append((node.code, _INDENT * depth + node.name))
            walk(node.children, depth + 1)

    walk(org_selectors.region_tree(), 0)
    return choices


@require_GET
def item_search(request: HtmxHttpRequest) -> HttpResponse:
    """Items by a part of the name and a region (with the regions below it)."""
    form = ItemSearchForm(request.GET, regions=region_choices())
    query = str(form.value("q")).strip()
    region = str(form.value("region"))
    page = int(form.value("page", 1))
    status = 200
    items: Any = []
    total = 0
    with Refusal(request, message=False) as refused:
        items, total = search_items(
            q=query, region=region or None, below=True, page=page, page_size=ITEMS_PER_PAGE
        )
    error, status = refused.detail, refused.status
    pages = max(1, -(-total // ITEMS_PER_PAGE))
    context = {
        "section": "items",
        "form": form,
        "query": query,
        "region": region,
        "items": items,
        "total": total,
        "page": page,
        "pages": pages,
        "page_size": ITEMS_PER_PAGE,
        "error": error,
        "instant": CaseType.INSTANT,
    }
    template = (
        "portal/public/_item_results.html" if is_partial(request) else "portal/public/items.html"
    )
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
def item_guide(request: HttpRequest, code: str) -> HttpResponse:
    """One item's 办事指南: materials, limits, fees, place, process, stars."""
    item = get_item(code)
    context = {
        "section": "items",
        "item": item,
        "materials": list(item.materials.all()),
        "fees": list(item.fees.all()),
        "steps": list(item.steps.all()),
        "methods": list(item.delivery_methods.all()),
        "township": item.accept_level == AcceptLevel.TOWNSHIP,
        "instant": item.case_type == CaseType.INSTANT,
    }
    return render(request, "portal/public/item.html", context)


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def case_lookup(request: HttpRequest) -> HttpResponse:
    """Status of a case for whoever holds its number and query code. POST, so that the
    code stays out of addresses, browser history and server logs."""
    form = LookupForm(request.POST if request.method == "POST" else None)
    context: dict[str, Any] = {"section": "lookup", "form": form}
    status = 200
    if form.is_bound:
        if form.is_valid():
            with Refusal(request, message=False) as refused:
                found = public_case_status(
                    form.cleaned_data["case_no"].strip(), form.cleaned_data["code"]
                )
            if refused:
                context["error"] = refused.detail
                status = refused.status
            else:
                context["found"] = found
                context["found_status"] = status_label(found.status)
        else:
            status = 400
    return render(request, "portal/public/lookup.html", context, status=status)
