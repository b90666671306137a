"""Kiosk mode (自助终端): the hall's self-service terminal, in three steps with big
buttons — 1 choose the service, 2 identify, 3 confirm — then the result on screen:
issued at once when the automatic checks pass, or handed to a clerk with the reason.

Identification is by username and password for now; the ID-card reader comes later
(the page says so). "完成并退出" signs the person out so the next one starts clean;
a person who walks away is signed out after five minutes.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yiwang.accounts import services as account_services
from yiwang.accounts.selectors import identity_for
from yiwang.cases import selectors as case_selectors
from yiwang.cases.choices import CaseStatus, Channel, EventKind
from yiwang.catalog.choices import CaseType
from yiwang.catalog.selectors import get_active_item
from yiwang.common.errors import NotFound
from yiwang.common.http import client_address
from yiwang.portal.access import current_actor, current_user, is_applicant
from yiwang.portal.applying import (
    Application,
    remember_query_code,
    submit_application,
    take_query_code,
    upload_form,
    upload_too_large,
)
from yiwang.portal.errors import Refusal
from yiwang.portal.feedback_context import rating_context
from yiwang.portal.forms import LoginForm
from yiwang.portal.forms_cases import ACCEPT_FILES, apply_form
from yiwang.portal.presenting import status_label

#: The items a terminal offers unless YIWANG_KIOSK_ITEMS lists others: instant items
#: decided by automatic rules (re-endorsement of the HK/Macao pass, residence proof).
DEFAULT_KIOSK_ITEMS = ("220000-GA-XK-001", "220100-GA-GG-001")
#: A kiosk sign-in lasts this long without a page being saved to the session: a person
#: who walks away without "完成并退出" does not leave their centre open to the next one
#: in line for the rest of the day (the session cookie's default).
KIOSK_SESSION_SECONDS = 5 * 60
#: Statuses in which the kiosk's answer is final: the result is in the person's hands.
DONE = frozenset({CaseStatus.COMPLETED, CaseStatus.ISSUED, CaseStatus.DELIVERED})


def kiosk_items() -> list[Any]:
    """The configured items that can be decided at the terminal (instant, with
    automatic rules, in service); others in the list are left out, not offered."""
    codes = getattr(settings, "YIWANG_KIOSK_ITEMS", DEFAULT_KIOSK_ITEMS)
    found = []
    for code in codes:
        try:
            item = get_active_item(code)
        except NotFound:
            continue
        if item.case_type == CaseType.INSTANT and item.auto_rules:
            found.append(item)
    return found


def _kiosk_item(code: str) -> Any:
    for item in kiosk_items():
        if item.code == code:
            return item
    raise NotFound(_("本终端不办理该事项"), code="not_found")


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return render(
        request, f"portal/kiosk/{template}", {"section": "kiosk", **context}, status=status
    )


@never_cache
@require_GET
def choose(request: HttpRequest) -> HttpResponse:
    """Step 1: the services of this terminal, as big buttons."""
    return _render(request, "choose.html", {"step": 1, "items": kiosk_items()})


@sensitive_post_parameters("password")
@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def identify(request: HttpRequest, code: str) -> HttpResponse:
    """Step 2: who is applying. Applicants already signed in go straight on."""
    item = _kiosk_item(code)
    if request.method == "GET" and is_applicant(request.user):
        return redirect("portal:kiosk-confirm", code=code)
    form = LoginForm(request.POST if request.method == "POST" else None)
    status = 200
    refused_staff = False
    if form.is_bound:
        if form.is_valid():
            with Refusal(request) as refused:
                user = account_services.sign_in(
                    form.cleaned_data["username"],
                    form.cleaned_data["password"],
                    address=client_address(request),
                )
            if refused:
                status = refused.status
            else:
                # Only applicants get a session here: a staff account signed in on a
                # public terminal would hand the next person in line its workbench.
                if is_applicant(user):
                    auth_login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
                    request.session.set_expiry(KIOSK_SESSION_SECONDS)
                    return redirect("portal:kiosk-confirm", code=code)
                refused_staff = True
        else:
            status = 400
    wrong_kind = refused_staff or (request.user.is_authenticated and not is_applicant(request.user))
    if wrong_kind:
        messages.error(request, _("自助终端仅为群众办事使用，请使用本人（自然人）账号登录。"))
        status = 403
    context = {"step": 2, "item": item, "form": form, "wrong_kind": wrong_kind}
    return _render(request, "identify.html", context, status)


@upload_form
@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, code: str) -> HttpResponse:
    """Step 3: the choices of the application and the person's confirmation."""
    if not is_applicant(request.user):
        return redirect("portal:kiosk-identify", code=code)
    user = current_user(request)
    item = _kiosk_item(code)
    status = 200
    form = apply_form(item)
    if request.method == "POST":
        too_large = upload_too_large(request)
        if too_large is not None:
            messages.error(request, too_large.detail)
            status = too_large.status
        else:
            form = apply_form(item, data=request.POST, files=request.FILES)
            if form.is_valid():
                application = Application(
                    item_code=item.code,
                    key=form.cleaned_data["idempotency_key"],
                    form=form.item_form(),
                    files=form.material_files(),
                    delivery=form.cleaned_data.get("delivery") or None,
                    channel=Channel.KIOSK,
                )
                names = {m.code: m.name for m in item.materials.all()}
                with Refusal(request) as refused:
                    submission = submit_application(
                        application, actor=current_actor(request), names=names
                    )
                if refused:
                    status = refused.status
                else:
                    remember_query_code(request, submission)
                    return redirect("portal:kiosk-result", case_no=submission.case.case_no)
            else:
                messages.error(request, _("还有未选择或未放入的内容，请按提示补全。"))
                status = 400
    context = {
        "step": 3,
        "item": item,
        "form": form,
        "accept": ACCEPT_FILES,
        "identity": identity_for(user, viewer=user),
    }
    return _render(request, "confirm.html", context, status)


@never_cache
@require_GET
def result(request: HttpRequest, case_no: str) -> HttpResponse:
    """The outcome on screen: issued at once, or handed to a clerk with the reasons."""
    if not is_applicant(request.user):
        return redirect("portal:kiosk")
    detail = case_selectors.case_detail_for(current_actor(request), case_no)
    checks = [e for e in detail.timeline if e.kind == EventKind.AUTO_CHECK]
    failed = [
        c.get("reason", "")
        for c in (checks[-1].data.get("checks", []) if checks else [])
        if not c.get("passed")
    ]
    context = {
        "step": 4,
        "case": detail.case,
        "done": detail.case.status in DONE,
        "status_label": status_label(detail.case.status),
        "reasons": failed,
        "query_code": take_query_code(request, case_no),
        **rating_context(
            current_actor(request),
            detail.case,
            reverse("portal:kiosk-rate", args=[case_no]),
        ),
    }
    return _render(request, "result.html", context)


@require_POST
@csrf_protect
def done(request: HttpRequest) -> HttpResponse:
    """完成并退出: sign out and start over for the next person."""
    auth_logout(request)
    return redirect("portal:kiosk")
