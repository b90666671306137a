"""Thin HTML views: parse the request, call one selector or service, render.

Domain errors from services become a page message with the error's HTTP status
(401 bad credentials, 429 too many attempts with Retry-After); no error page ever
shows a traceback or the text of an unexpected exception.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.template import loader
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from yiwang.accounts import selectors as account_selectors
from yiwang.accounts import services as account_services
from yiwang.accounts.actor import request_actor
from yiwang.accounts.choices import UserKind
from yiwang.accounts.models import User
from yiwang.common.http import client_address
from yiwang.org import selectors as org_selectors
from yiwang.org.models import Region
from yiwang.portal.directory import filter_tree, nest_below
from yiwang.portal.errors import Refusal, error_page
from yiwang.portal.forms import DirectoryFilterForm, LoginForm
from yiwang.portal.htmx import HtmxHttpRequest, is_partial
from yiwang.supervision import monitor

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------- public pages


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    roots = org_selectors.region_tree()
    context = {
        "section": "home",
        "provinces": roots,
        "counts": org_selectors.directory_counts(),
    }
    return render(request, "portal/home.html", context)


@require_GET
def directory(request: HtmxHttpRequest) -> HttpResponse:
    """All regions down to the county level, each with its service hall; filterable by name."""
    form = DirectoryFilterForm(request.GET)
    query = form.query()
    provinces = filter_tree(org_selectors.region_tree(), query)
    context: dict[str, Any] = {
        "section": "directory",
        "form": form,
        "query": query,
        "provinces": provinces,
        "city_count": sum(len(p.cities) for p in provinces),
        "county_count": sum(p.county_count for p in provinces),
    }
    if is_partial(request):
        response = render(request, "portal/directory/_results.html", {**context, "oob": True})
    else:
        response = render(request, "portal/directory/index.html", context)
    # The same URL answers with a fragment or a page: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


def _ancestors(region: Region) -> list[Region]:
    """The regions above, province first. At most three levels above a village."""
    chain: list[Region] = []
    parent = region.parent
    while parent is not None:
        chain.append(parent)
        parent = parent.parent
    chain.reverse()
    return chain


@require_GET
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One region: its hall(s), its departments and the regions below it with their halls."""
    region = org_selectors.get_region(code)
    own_halls, below = nest_below(
        region,
        org_selectors.regions_below(region, include_self=False),
        org_selectors.halls_in(region),
    )
    context = {
        "section": "directory",
        "region": region,
        "ancestors": _ancestors(region),
        "halls": own_halls,
        "departments": list(org_selectors.departments_in(region, below=False)),
        "below": below,
    }
    return render(request, "portal/directory/region.html", context)


# --------------------------------------------------------------------------- signing in


def _safe_next(request: HttpRequest, candidate: str) -> str | None:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next", "")
    safe_next = _safe_next(request, next_url)
    if request.method == "GET" and request.user.is_authenticated:
        return redirect(safe_next or resolve_url(settings.LOGIN_REDIRECT_URL))
    form = LoginForm(request.POST if request.method == "POST" else None)
    status = 200
    refused = Refusal(request)
    if form.is_bound:
        if form.is_valid():
            with refused:
                user = account_services.sign_in(
                    form.cleaned_data["username"],
                    form.cleaned_data["password"],
                    address=client_address(request),
                )
            if refused:
                status = refused.status
            else:
                auth_login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
                return HttpResponseRedirect(safe_next or resolve_url(settings.LOGIN_REDIRECT_URL))
        else:
            status = 400
    context = {"section": "login", "form": form, "next": safe_next or ""}
    response = render(request, "portal/login.html", context, status=status)
    if refused.retry_after is not None:
        response["Retry-After"] = str(refused.retry_after)
    return response


@csrf_protect
def logout_view(request: HttpRequest) -> HttpResponse:
    """POST only: a link or an image must not be able to sign anyone out."""
    if request.method != "POST":
        response = error_page(request, _("请使用页面上的“退出”按钮退出登录。"), status=405)
        response["Allow"] = "POST"
        return response
    auth_logout(request)
    messages.success(request, _("您已安全退出。"))
    return redirect(settings.LOGOUT_REDIRECT_URL)


# --------------------------------------------------------------------------- signed in


@never_cache
@login_required
@require_GET
def workspace(request: HttpRequest) -> HttpResponse:
    """The signed-in person's landing page: staff see their posts, applicants their identity."""
    user = request.user
    assert isinstance(user, User)  # login_required
    context: dict[str, Any] = {"section": "workspace", "person": user}
    if user.kind in (UserKind.CITIZEN, UserKind.ENTERPRISE):
        # Their own identity: shown in full to its owner only (identity_for masks for others).
        context["identity"] = account_selectors.identity_for(user, viewer=user)
    else:
        context["posts"] = account_selectors.posts_of(user)
        actor = request_actor(request)
        context["supervises"] = monitor.supervises(actor)
    return render(request, "portal/workspace.html", context)


# --------------------------------------------------------------------------- errors


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # The exception's text is not shown: it may be technical or in English.
    return error_page(request, _("您访问的页面不存在，可能已被移动或删除。"), status=404)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, _("请求格式有误，请检查后重试。"), status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, _("您没有访问此页面的权限。"), status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """For CSRF_FAILURE_VIEW: usually an expired page; the reason is for logs, not users."""
    return error_page(request, _("页面已过期或请求来源无法验证，请刷新页面后重试。"), status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page: rendered without the request's context (no session, user or database
    access), so it still renders when those are what failed."""
    html = loader.render_to_string("portal/500.html", {"status": 500})
    return HttpResponse(html, status=500)
