"""The citizen/enterprise centre (办事中心): apply for an item, my cases, one case with
its timeline (answer a supplement notice, withdraw), and the message centre.

Every case read goes through the cases selectors with the signed-in person as the
actor: someone else's case does not exist here (404).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yiwang.cases import selectors as case_selectors
from yiwang.cases.choices import CaseAction
from yiwang.cases.services import perform_action
from yiwang.catalog.selectors import get_active_item
from yiwang.common.errors import NotFound
from yiwang.licenses.reuse import reusable_licenses
from yiwang.notify import selectors as notify_selectors
from yiwang.notify.services import mark_read
from yiwang.portal.access import (
    applicant_required,
    current_actor,
    current_user,
    is_applicant,
    signed_in_required,
)
from yiwang.portal.applying import (
    Application,
    answer_supplement,
    remember_query_code,
    submit_application,
    take_query_code,
    upload_form,
    upload_too_large,
)
from yiwang.portal.errors import Refusal, error_page
from yiwang.portal.feedback_context import rating_context
from yiwang.portal.forms_cases import (
    ACCEPT_FILES,
    ActionForm,
    Prefill,
    apply_form,
    material_field,
    station_choices,
)
from yiwang.portal.htmx import is_partial
from yiwang.portal.presenting import case_page as present_case
from yiwang.portal.query import page_number
from yiwang.portal.views_proofs import kinds_for_item

MESSAGES_PER_PAGE = 20


# --------------------------------------------------------------------------- applying


@upload_form
@applicant_required
@csrf_protect
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, code: str) -> HttpResponse:
    """The application form: the item's fields, a file per material, delivery, the
    station for township items. One case per idempotency key (the hidden field)."""
    item = get_active_item(code)
    stations = station_choices(item)
    licenses = _library_materials(request, item)
    status = 200
    if request.method == "GET":
        form = apply_form(item, stations=stations, licenses=licenses)
        return _apply_page(request, item, form, status)
    too_large = upload_too_large(request)
    if too_large is not None:
        messages.error(request, too_large.detail)
        blank = apply_form(item, stations=stations, licenses=licenses)
        return _apply_page(request, item, blank, too_large.status)
    form = apply_form(
        item, stations=stations, data=request.POST, files=request.FILES, licenses=licenses
    )
    if not form.is_valid():
        messages.error(request, _("申请表有未填或填错的地方，请按提示修改。"))
        return _apply_page(request, item, form, 400)
    names = {m.code: m.name for m in item.materials.all()}
    application = Application(
        item_code=item.code,
        key=form.cleaned_data["idempotency_key"],
        form=form.item_form(),
        files=form.material_files(),
        licenses=form.material_licenses(),
        delivery=form.cleaned_data.get("delivery") or None,
        intake_region=form.cleaned_data.get("intake_region") or None,
    )
    with Refusal(request) as refused:
        submission = submit_application(application, actor=current_actor(request), names=names)
    if refused:
        return _apply_page(request, item, form, refused.status)
    remember_query_code(request, submission)
    return redirect("portal:centre-submitted", case_no=submission.case.case_no)


def _library_materials(request: HttpRequest, item: Any) -> dict[str, Prefill]:
    """The item's materials that one of the applicant's valid licenses satisfies (the
    material's license type, catalog data): pre-filled from the library (免提交)."""
    materials = list(item.materials.all())
    found = reusable_licenses(current_user(request).pk, [m.license_type_code for m in materials])
    out: dict[str, Prefill] = {}
    for m in materials:
        lic = found.get(m.license_type_code) if m.license_type_code else None
        if lic is not None:
            until = f"{lic.valid_until:%Y-%m-%d}" if lic.valid_until else _("长期")
            label = _("%(type)s（证照编号 %(no)s，%(issuer)s，有效期至 %(until)s）") % {
                "type": lic.license_type.name,
                "no": lic.serial,
                "issuer": lic.issuer.name,
                "until": until,
            }
            out[m.code] = Prefill(lic.identifier, label)
    return out


def _apply_page(request: HttpRequest, item: Any, form: Any, status: int) -> HttpResponse:
    context = {
        "section": "centre",
        "item": item,
        "form": form,
        "accept": ACCEPT_FILES,
        "proof_kinds": kinds_for_item(item.code),  # this item's proof, issued at once
    }
    return render(request, "portal/centre/apply.html", context, status=status)


@applicant_required
@require_GET
def submitted(request: HttpRequest, case_no: str) -> HttpResponse:
    """The case number and — this once — the query code of a new application."""
    detail = case_selectors.case_detail_for(current_actor(request), case_no)
    context = {
        "section": "centre",
        "page": present_case(detail),
        "query_code": take_query_code(request, case_no),
    }
    return render(request, "portal/centre/submitted.html", context)


# --------------------------------------------------------------------------- my cases


@applicant_required
@require_GET
def my_cases(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "") or None
    qs = case_selectors.my_cases(current_actor(request), status=status)
    page = case_selectors.paginate(qs, page_number(request))
    context = {"section": "centre", "result": page, "status": status or ""}
    return render(request, "portal/centre/cases.html", context)


def _own_case_page(request: HttpRequest, case_no: str, *, status: int = 200) -> HttpResponse:
    actor = current_actor(request)
    detail = case_selectors.case_detail_for(actor, case_no)
    if not detail.viewer_is_applicant:  # a case they see as staff is not theirs here
        raise NotFound(_("办件 %(no)s 不存在") % {"no": case_no}, code="case_not_found")
    page = present_case(detail)
    context = {
        "section": "centre",
        "page": page,
        "can_resubmit": CaseAction.RESUBMIT in detail.allowed_actions,
        "can_withdraw": CaseAction.WITHDRAW in detail.allowed_actions,
        "accept": ACCEPT_FILES,
        "material_field": material_field,
        **rating_context(actor, detail.case, reverse("portal:centre-rate", args=[case_no])),
    }
    return render(request, "portal/centre/case.html", context, status=status)


@applicant_required
@require_GET
def case_view(request: HttpRequest, case_no: str) -> HttpResponse:
    """One of my cases: status, deadlines, the timeline of every hand-off, the result."""
    return _own_case_page(request, case_no)


@upload_form
@applicant_required
@csrf_protect
@require_POST
def case_action(request: HttpRequest, case_no: str) -> HttpResponse:
    """The applicant's own actions: answer the supplement notice, or withdraw."""
    actor = current_actor(request)
    too_large = upload_too_large(request)
    if too_large is not None:
        messages.error(request, too_large.detail)
        return _own_case_page(request, case_no, status=too_large.status)
    form = ActionForm(request.POST)
    if not form.is_valid() or form.cleaned_data["action"] not in (
        CaseAction.RESUBMIT,
        CaseAction.WITHDRAW,
    ):
        return error_page(request, _("请求格式有误，请刷新页面后重试。"), status=400)
    action = form.cleaned_data["action"]
    comment = form.cleaned_data.get("comment") or ""
    version = form.cleaned_data.get("version")
    with Refusal(request) as refused:
        if action == CaseAction.RESUBMIT:
            detail = case_selectors.case_detail_for(actor, case_no)
            names = {m.material_code: m.material_name for m in detail.materials}
            notice = case_selectors.open_supplement_notice(detail.case)
            listed = [i["material"] for i in (notice.items if notice else [])]
            names.update({i["material"]: i["name"] for i in (notice.items if notice else [])})
            files = [
                (code, file)
                for code in listed
                if (file := request.FILES.get(material_field(code))) is not None
            ]
            answer_supplement(
                case_no,
                files,
                actor=actor,
                names=names,
                comment=comment,
                version=version,
            )
            messages.success(request, _("补正材料已提交，办件已重新进入受理环节。"))
        else:
            perform_action(
                case_no,
                action,
                actor=actor,
                comment=comment,
                expected_version=version,
            )
            messages.success(request, _("申请已撤回。"))
    if refused:
        return _own_case_page(request, case_no, status=refused.status)
    return redirect("portal:centre-case", case_no=case_no)


# --------------------------------------------------------------------------- messages


@signed_in_required
@require_GET
def message_list(request: HttpRequest) -> HttpResponse:
    """The message centre: newest first, unread marked; each links to its case."""
    user = current_user(request)
    unread_only = request.GET.get("unread") == "1"
    paginator = Paginator(
        notify_selectors.messages_for(user, unread_only=unread_only), MESSAGES_PER_PAGE
    )
    try:
        page = paginator.page(page_number(request))
    except (EmptyPage, PageNotAnInteger):
        page = paginator.page(paginator.num_pages)
    context = {
        "section": "messages",
        "page": page,
        "unread_only": unread_only,
        "case_base": _case_base(user),
    }
    return render(request, "portal/centre/messages.html", context)


def _case_base(user: Any) -> str:
    """Where a message's case link goes: the centre for applicants, else the workbench."""
    return "centre" if is_applicant(user) else "workbench"


@signed_in_required
@require_POST
def message_read(request: HttpRequest, message_id: int) -> HttpResponse:
    user = current_user(request)
    message = notify_selectors.get_message_for(user, message_id)
    mark_read(message, actor=current_actor(request))
    if is_partial(request):
        context = {
            "message": message,
            "case_base": _case_base(user),
            "unread": notify_selectors.unread_count(user),
            "oob": True,
        }
        return render(request, "portal/centre/_message.html", context)
    return redirect(reverse("portal:messages"))
