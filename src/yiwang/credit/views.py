"""The public credit publicity pages (/credit/): search, an enterprise's record, the lists.

Thin: parse, call one selector (and the view counter), render. A domain error becomes
a message on the page with its HTTP status — 400 for a malformed USCC, 404 for an
unregistered one, 429 with Retry-After past the per-address limit.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from yiwang.common.errors import DomainError, RateLimited
from yiwang.credit import selectors, services
from yiwang.credit.choices import DisclosureKind, ListKind
from yiwang.credit.display import FIGURE_LABELS, client_address, report_public


def _is_partial(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request


def _error(
    request: HttpRequest, exc: DomainError, template: str, context: dict[str, Any]
) -> HttpResponse:
    response = render(request, template, {**context, "error": exc.detail}, status=exc.status)
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """The search form; results below it (an htmx fragment while typing)."""
    query = request.GET.get("q", "").strip()
    context: dict[str, Any] = {"section": "credit", "query": query, "result": None}
    template = "credit/_results.html" if _is_partial(request) else "credit/search.html"
    if query:
        try:
            services.check_rate_limit("search", client_address(request))
            context["result"] = selectors.search_enterprises(query, page=_page_number(request))
        except DomainError as exc:
            response = _error(request, exc, template, context)
            patch_vary_headers(response, ["HX-Request"])
            return response
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
def enterprise(request: HttpRequest, uscc: str) -> HttpResponse:
    context: dict[str, Any] = {"section": "credit", "query": ""}
    try:
        services.check_rate_limit("detail", client_address(request))
        record = selectors.public_record(uscc)
    except DomainError as exc:
        return _error(request, exc, "credit/search.html", context)
    services.record_view(record.enterprise)
    groups = []
    for kind in DisclosureKind:
        items = [d for d in record.disclosures if d.kind == kind]
        if items:
            groups.append({"kind": kind, "label": kind.label, "items": items})
    context.update(
        record=record,
        e=record.enterprise,
        disclosure_groups=groups,
        reports=[_report_rows(r) for r in record.annual_reports],
    )
    return render(request, "credit/enterprise.html", context)


def _report_rows(report: Any) -> tuple[Any, dict[str, Any], list[tuple[str, Any]]]:
    shown = report_public(report)
    figures = [(FIGURE_LABELS[f], v) for f, v in (shown["financials"] or {}).items()]
    return report, shown, figures


@require_GET
def listing(request: HttpRequest, kind: str) -> HttpResponse:
    """The enterprises currently on one list, newest first."""
    context: dict[str, Any] = {"section": "credit", "query": ""}
    try:
        services.check_rate_limit("search", client_address(request))
        page = _page_number(request)
        entries = list(selectors.listed_enterprises(kind, page=page, page_size=50))
    except DomainError as exc:
        return _error(request, exc, "credit/search.html", context)
    context.update(
        kind=kind,
        label=ListKind(kind).label,
        entries=entries,
        page=page,
        has_next=len(entries) == 50,
    )
    return render(request, "credit/list.html", context)
