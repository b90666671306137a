"""The one way the portal shows a refusal: a Chinese page with the error's HTTP status.

Domain errors carry their own status and a user-facing `detail`; every view turns
them into this page (or a message on the page it re-renders), never into a 500.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from yiwang.common.errors import DomainError, RateLimited


def _titles() -> dict[int, str]:
    return {
        400: _("请求有误"),
        401: _("需要登录"),
        403: _("无权访问"),
        404: _("页面不存在"),
        405: _("请求方式不被允许"),
        409: _("与当前状态冲突"),
        413: _("文件过大"),
        415: _("不支持的文件类型"),
        422: _("填写的内容有误"),
        429: _("尝试次数过多"),
    }


def error_page(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    context = {
        "title": _titles().get(status, _("请求无法处理")),
        "message": message,
        "status": status,
    }
    return render(request, "portal/error.html", context, status=status)


def nul_character_page(request: HttpRequest) -> HttpResponse:
    """400 for an address holding a NUL character (yiwang.middleware); the message is
    here so that the portal's catalog keeps its translation."""
    return error_page(request, _("请求地址中含有空字符（NUL），无法处理"), status=400)


def method_not_allowed_page(request: HttpRequest) -> HttpResponse:
    """405 for a page opened in a way it is not used (yiwang.middleware)."""
    return error_page(request, _("此页面只用于提交表单，请返回上一页重新操作。"), status=405)


def domain_error_page(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return error_page(request, exc.detail, status=exc.status)


def sign_in_refusal(exc: DomainError) -> str:
    """Why signing in failed, in the page's language. The services word their refusals
    in Chinese; the two every visitor may meet are said again here, the rest as they are."""
    if isinstance(exc, RateLimited):
        return _("登录失败次数过多，请 %(seconds)s 秒后再试") % {"seconds": exc.retry_after}
    if exc.code == "invalid_credentials":
        return _("用户名或密码错误")
    return exc.detail
