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
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from yiwang.common.errors import DomainError, NotFound, RateLimited
from yiwang.common.http import client_address
from yiwang.credit import selectors, services
from yiwang.credit.choices import DisclosureKind, ListKind
from yiwang.credit.display import FIGURE_LABELS, report_public
from yiwang.credit.labels import LABEL_CONTEXT, choice_label


def _is_partial(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request


def _refusal(exc: DomainError, *, uscc: str = "") -> str:
    """Why the page cannot answer, in the page's language. The selectors word their
    refusals in Chinese (the API returns them as they are); those a visitor of these
    pages meets are said again here, the rest as they are."""
    if isinstance(exc, RateLimited):
        return _("访问过于频繁，请稍后再试")
    if exc.code == "invalid_uscc":
        # "统一社会信用代码格式不正确：<the validator's reason>"; the reason is English.
        reason = exc.detail.partition("：")[2] or exc.detail
        return _("统一社会信用代码格式不正确：%(reason)s") % {"reason": reason}
    if exc.code == "enterprise_not_found" and uscc:
        code = selectors.lookup_uscc(uscc)  # well formed, or it would not be "not found"
        return _("未找到统一社会信用代码为 %(code)s 的市场主体") % {"code": code}
    if exc.code == "query_too_short":
        return _("请输入企业名称中至少 %(n)s 个字，或完整的统一社会信用代码") % {
            "n": selectors.MIN_QUERY
        }
    if exc.code == "query_too_long":
        return _("查询内容不能超过 %(n)s 个字") % {"n": selectors.MAX_QUERY}
    return exc.detail


def _error(
    request: HttpRequest,
    exc: DomainError,
    template: str,
    context: dict[str, Any],
    message: str | None = None,
) -> HttpResponse:
    error = _refusal(exc) if message is None else message
    response = render(request, template, {**context, "error": error}, status=exc.status)
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
    template = (
        "portal/credit/_results.html" if _is_partial(request) else "portal/credit/search.html"
    )
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
        return _error(request, exc, "portal/credit/search.html", context, _refusal(exc, uscc=uscc))
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
        page = _page_number(request)
        entries = list(selectors.listed_enterprises(kind, page=page, page_size=50))
    except NotFound as exc:
        return _error(request, exc, "portal/credit/search.html", context, _("没有这个名单"))
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
