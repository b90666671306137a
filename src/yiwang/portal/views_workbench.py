"""The staff workbench (工作台): the inbox by status and deadline with red/yellow
cards, one case with the applicant, materials, timeline and exactly the actions this
person may take, and the permission-checked material download.

Scope is the cases selectors' (a case outside it is a 404, never a 403 that would
confirm it exists); which actions are offered is `allowed_actions`; whether one may be
taken is decided again by the service when it is posted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from yiwang.cases import selectors as case_selectors
from yiwang.cases.choices import CaseAction, CaseStatus, SpecialProcedure
from yiwang.cases.selectors import CaseDetail
from yiwang.cases.services import perform_action
from yiwang.common.errors import NotFound
from yiwang.portal.access import applicant_required, current_actor, staff_required
from yiwang.portal.errors import Refusal
from yiwang.portal.forms_cases import (
    ACTION_FIELDS,
    DANGEROUS_ACTIONS,
    ActionForm,
    inbox_filters,
)
from yiwang.portal.htmx import HtmxHttpRequest, is_partial
from yiwang.portal.presenting import action_label, procedure_label
from yiwang.portal.presenting import case_page as present_case
from yiwang.portal.query import page_number
from yiwang.uploads.responses import attachment_response

#: Actions the applicant takes in the centre; the workbench never offers them.
APPLICANT_ACTIONS = frozenset({CaseAction.RESUBMIT, CaseAction.WITHDRAW})


# --------------------------------------------------------------------------- the inbox


@staff_required
@require_GET
def inbox(request: HtmxHttpRequest) -> HttpResponse:
    """Cases in the person's scope, soonest deadline first; open ones unless filtered."""
    status = request.GET.get("status", "") or "open"
    qs = case_selectors.inbox_for(current_actor(request), status=status)
    result = case_selectors.paginate(qs, page_number(request))
    context = {
        "section": "workbench",
        "result": result,
        "status": status,
        "filters": inbox_filters(),
        "pages": max(1, -(-result.total // result.page_size)),
    }
    template = (
        "portal/workbench/_inbox_results.html"
        if is_partial(request)
        else "portal/workbench/inbox.html"
    )
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --------------------------------------------------------------------------- one case


@dataclass(frozen=True)
class ActionSpec:
    action: str
    label: str
    fields: tuple[str, ...]
    danger: bool


def action_specs(detail: CaseDetail) -> list[ActionSpec]:
    """The forms to draw: exactly the allowed actions (applicants' own left out)."""
    receipt = detail.case.status == CaseStatus.DELIVERED
    specs = []
    for action in detail.allowed_actions:
        if action in APPLICANT_ACTIONS:
            continue
        fields = ACTION_FIELDS.get(action, ("comment",))
        label = action_label(action)
        if action == CaseAction.DELIVER and receipt:  # the posted result has arrived
            fields, label = ("receipt", "comment"), _("确认签收")
        specs.append(ActionSpec(action, label, fields, action in DANGEROUS_ACTIONS))
    return specs


def _case_context(detail: CaseDetail) -> dict[str, Any]:
    page = present_case(detail)
    return {
        "section": "workbench",
        "page": page,
        "actions": action_specs(detail),
        "procedures": [(k.value, procedure_label(k)) for k in SpecialProcedure],
        "can_download": detail.handling,
    }


def _render_case(
    request: HttpRequest, case_no: str, *, status: int = 200, partial: bool = False
) -> HttpResponse:
    detail = case_selectors.case_detail_for(current_actor(request), case_no)
    template = "portal/workbench/_case_body.html" if partial else "portal/workbench/case.html"
    return render(request, template, _case_context(detail), status=status)


@staff_required
@require_GET
def case_detail(request: HttpRequest, case_no: str) -> HttpResponse:
    return _render_case(request, case_no)


@staff_required
@require_POST
def case_action(request: HtmxHttpRequest, case_no: str) -> HttpResponse:
    """Take one action; the answer is the case again (a fragment for htmx) with the
    outcome as a message and the error's status when it was refused."""
    actor = current_actor(request)
    partial = is_partial(request)
    detail = case_selectors.case_detail_for(actor, case_no)
    form = ActionForm(request.POST, materials=detail.case.item.materials.all())
    if not form.is_valid():
        messages.error(request, form.first_error())
        return _render_case(request, case_no, status=400, partial=partial)
    action = form.cleaned_data["action"]
    with Refusal(request) as refused:
        if action in APPLICANT_ACTIONS:
            raise NotFound(_("工作台不能代替申请人执行此操作"), code="not_found")
        perform_action(
            case_no,
            action,
            actor=actor,
            comment=form.cleaned_data.get("comment") or "",
            expected_version=form.cleaned_data.get("version"),
            **form.params(),
        )
    if refused:
        return _render_case(request, case_no, status=refused.status, partial=partial)
    messages.success(request, _("已完成“%(action)s”。") % {"action": action_label(action)})
    if partial:
        return _render_case(request, case_no, partial=True)
    return redirect("portal:workbench-case", case_no=case_no)


# --------------------------------------------------------------------------- materials


def _download(request: HttpRequest, case_no: str, material_id: int) -> HttpResponseBase:
    """A material's file, to the applicant and the staff handling the case only (a
    supervisor reads the case, not the applicant's documents): the cases selector
    decides, the uploads app serves it with its safe headers."""
    material = case_selectors.get_case_material_for(current_actor(request), case_no, material_id)
    assert material.upload is not None  # the selector refuses a license (no file)
    return attachment_response(material.upload)


@staff_required
@require_GET
def staff_material(request: HttpRequest, case_no: str, material_id: int) -> HttpResponseBase:
    return _download(request, case_no, material_id)


@applicant_required
@require_GET
def applicant_material(request: HttpRequest, case_no: str, material_id: int) -> HttpResponseBase:
    return _download(request, case_no, material_id)
