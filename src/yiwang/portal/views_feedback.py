"""好差评 pages: rating a case (the centre's case page, the kiosk's result, the signed
link of the closing message, no sign-in), and the rectification tasks for the
responsible unit (answer, call back, appeal) and the supervisor (accept or return,
decide the appeal). Every write goes through `feedback.services`; every read through
`feedback.selectors` with the signed-in actor."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yiwang.feedback import selectors, services
from yiwang.feedback.choices import RatingChannel, RectificationStatus
from yiwang.portal.access import (
    applicant_required,
    current_actor,
    is_applicant,
    signed_in_required,
)
from yiwang.portal.errors import Refusal, error_page
from yiwang.portal.forms_feedback import CallBackForm, RatingForm, RectificationActionForm
from yiwang.portal.htmx import is_partial
from yiwang.portal.query import page_number

# --------------------------------------------------------------------------- rating


def _rate(request: HttpRequest, case_no: str, channel: str) -> bool:
    form = RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择评价等级，评价内容不超过 500 字。"))
        return False
    with Refusal(request) as refused:
        services.rate_case(
            case_no,
            score=form.cleaned_data["score"],
            indicators=form.cleaned_data["indicators"],
            comment=form.cleaned_data["comment"],
            channel=channel,
            actor=current_actor(request),
        )
        messages.success(request, _("感谢您的评价！"))
    return not refused


@applicant_required
@csrf_protect
@require_POST
def centre_rate(request: HttpRequest, case_no: str) -> HttpResponse:
    """The rating form of the centre's case page (channel web)."""
    _rate(request, case_no, RatingChannel.WEB)
    return redirect("portal:centre-case", case_no=case_no)


@never_cache
@csrf_protect
@require_POST
def kiosk_rate(request: HttpRequest, case_no: str) -> HttpResponse:
    """The kiosk's rating step after a completed case (channel kiosk)."""
    if not is_applicant(request.user):
        return redirect("portal:kiosk")
    _rate(request, case_no, RatingChannel.KIOSK)
    return redirect("portal:kiosk-result", case_no=case_no)


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def rate_link(request: HttpRequest, token: str) -> HttpResponse:
    """The signed link of the closing message: rate without signing in, once."""
    linked = services.open_rating_link(token)  # a bad, used or expired link: its page
    form = RatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with Refusal(request) as refused:
            services.rate_by_link(
                token,
                score=form.cleaned_data["score"],
                indicators=form.cleaned_data["indicators"],
                comment=form.cleaned_data["comment"],
            )
        if not refused:
            return render(request, "portal/feedback/rated.html", {"case_no": linked.case_no})
    status = 422 if request.method == "POST" else 200
    context = {"linked": linked, "form": form, "token": token}
    return render(request, "portal/feedback/rate_link.html", context, status=status)


# --------------------------------------------------------------------------- rectification


@signed_in_required
@require_GET
def rectification_list(request: HttpRequest) -> HttpResponse:
    """The unit's own tasks, or a supervisor's regions; filter by status (htmx)."""
    status = request.GET.get("status", "") or None
    if status not in (None, *RectificationStatus.values):
        status = None
    actor = current_actor(request)
    qs = selectors.rectifications_for(actor, status=status)
    result = selectors.paginate(qs, page_number(request))
    context = {
        "section": "rectifications",
        "result": result,
        "status": status or "",
        "statuses": RectificationStatus.choices,
    }
    if is_partial(request):
        return render(request, "portal/feedback/_rectification_rows.html", context)
    return render(request, "portal/feedback/rectifications.html", context)


def _task_page(request: HttpRequest, task_id: int, *, status: int = 200) -> HttpResponse:
    actor = current_actor(request)
    task = selectors.rectification_for(actor, task_id)
    context: dict[str, Any] = {
        "section": "rectifications",
        "task": task,
        "evaluation": task.evaluation,
        "case": task.evaluation.case,
        "allowed": services.allowed_actions(actor, task),
        "may_call_back": services.may_call_back(actor, task),
        "call_backs": list(task.call_backs.select_related("called_by")),
        "appeals": list(task.appeals.all()),
        "call_back_form": CallBackForm(initial={"called_at": timezone.localtime()}),
    }
    return render(request, "portal/feedback/rectification.html", context, status=status)


@signed_in_required
@require_GET
def rectification_detail(request: HttpRequest, task_id: int) -> HttpResponse:
    return _task_page(request, task_id)


@signed_in_required
@csrf_protect
@require_POST
def rectification_action(request: HttpRequest, task_id: int) -> HttpResponse:
    form = RectificationActionForm(request.POST)
    if not form.is_valid():
        return error_page(request, _("请求格式有误，请刷新页面后重试。"), status=400)
    with Refusal(request) as refused:
        services.act_on_rectification(
            task_id,
            form.cleaned_data["action"],
            actor=current_actor(request),
            comment=form.cleaned_data.get("comment") or "",
            expected_version=form.cleaned_data.get("version"),
        )
        messages.success(request, _("已提交。"))
    if refused:
        return _task_page(request, task_id, status=refused.status)
    return redirect("portal:rectification", task_id=task_id)


@signed_in_required
@csrf_protect
@require_POST
def rectification_call_back(request: HttpRequest, task_id: int) -> HttpResponse:
    form = CallBackForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写回访时间和回访结果。"))
        return _task_page(request, task_id, status=422)
    with Refusal(request) as refused:
        services.record_call_back(
            task_id,
            called_at=form.cleaned_data["called_at"],
            outcome=form.cleaned_data["outcome"],
            satisfied=form.cleaned_data["satisfied"],
            actor=current_actor(request),
        )
        messages.success(request, _("回访记录已登记。"))
    if refused:
        return _task_page(request, task_id, status=refused.status)
    return redirect("portal:rectification", task_id=task_id)
