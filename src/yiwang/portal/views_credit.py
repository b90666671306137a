"""The public credit publicity pages (/credit/): search, an enterprise's record, the lists.

Thin: parse, call one selector (and the view counter), render. A domain error becomes
a message on the page with its HTTP status — 400 for a malformed USCC, 404 for an
unregistered one, 429 with Retry-After past the per-address limit — in the page's
language. The records' labels are translated as they are shown (credit/labels.py); the
records themselves (names, addresses, reasons, departments) stay as filed.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from yiwang.common.errors import DomainError, RateLimited
from yiwang.common.http import client_address
from yiwang.credit import selectors, services
from yiwang.credit.choices import DisclosureKind, ListKind
from yiwang.credit.display import FIGURE_LABELS, report_public
from yiwang.credit.labels import LABEL_CONTEXT, choice_label
from yiwang.portal.htmx import is_partial
from yiwang.portal.query import page_number


def _error(
    request: HttpRequest,
    exc: DomainError,
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    # The selectors word their refusals for these pages, translated (decision 0010).
    response = render(request, template, {**context, "error": exc.detail}, status=exc.status)
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """The search form; results below it (an htmx fragment while typing)."""
    query = request.GET.get("q", "").strip()
    context: dict[str, Any] = {"section": "credit", "query": query, "result": None}
    template = "portal/credit/_results.html" if is_partial(request) else "portal/credit/search.html"
    if query:
        try:
            services.check_rate_limit("search", client_address(request))
            context["result"] = selectors.search_enterprises(query, page=page_number(request))
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
        return _error(request, exc, "portal/credit/search.html", context)
    services.record_view(record.enterprise)
    groups = []
    for kind in DisclosureKind:
        items = [d for d in record.disclosures if d.kind == kind]
        if items:
            groups.append(
                {"kind": kind, "label": choice_label(kind.label, LABEL_CONTEXT), "items": items}
            )
    context.update(
        record=record,
        e=record.enterprise,
        disclosure_groups=groups,
        reports=[_report_rows(r) for r in record.annual_reports],
    )
    return render(request, "portal/credit/enterprise.html", context)


def _report_rows(report: Any) -> tuple[Any, dict[str, Any], list[tuple[str, Any]]]:
    shown = report_public(report)
    figures = [
        (choice_label(FIGURE_LABELS[f], LABEL_CONTEXT), v)
        for f, v in (shown["financials"] or {}).items()
    ]
    return report, shown, figures


@require_GET
def listing(request: HttpRequest, kind: str) -> HttpResponse:
    """The enterprises currently on one list, newest first."""
    context: dict[str, Any] = {"section": "credit", "query": ""}
    try:
        services.check_rate_limit("search", client_address(request))
        page = page_number(request)
        entries = list(selectors.listed_enterprises(kind, page=page, page_size=50))
    except DomainError as exc:
        return _error(request, exc, "portal/credit/search.html", context)
    context.update(
        kind=kind,
        label=choice_label(ListKind(kind).label, LABEL_CONTEXT),
        entries=entries,
        page=page,
        has_next=len(entries) == 50,
    )
    return render(request, "portal/credit/list.html", context)
