"""The one way the portal shows a refusal: a page with the error's HTTP status.

Domain errors carry their own status and a user-facing `detail`, already in the
request's language (translated where they are raised, docs/decisions/0010). A page
never catches them to show a page: `DomainErrorPages` (settings.MIDDLEWARE) turns
one a view lets escape into the error page. A view that shows the refusal on the
page it re-renders (a form, a case) says so with `Refusal`, which adds the message
and keeps the status; nothing re-words an error here.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
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
    response = error_page(request, exc.detail, status=exc.status)
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


class DomainErrorPages:
    """Middleware: a DomainError escaping a page's view becomes the error page with its
    status (404 for a missing case, 403, 429 with Retry-After...), never a 500. The API
    maps its own (problem+json, yiwang.api.main); its paths are left alone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DomainError) and not request.path.startswith("/api/"):
            response = domain_error_page(request, exception)
            # The view's own decorators (never_cache on the kiosk's steps) did not see
            # this answer; a refusal depends on who asks and when, so none is cached.
            add_never_cache_headers(response)
            return response
        return None


class Refusal:
    """A DomainError raised inside `with Refusal(request) as refused:` becomes an error
    message on the page the view renders next; `refused.status` is its HTTP status (200
    while nothing was refused), `bool(refused)` whether it happened. Other exceptions
    pass through. With `message=False` the page shows `refused.detail` itself (an
    error line under a search box) instead of a message.

        with Refusal(request) as refused:
            submission = submit_application(...)
        if refused:
            return render_form_again(status=refused.status)
    """

    def __init__(self, request: HttpRequest, *, message: bool = True) -> None:
        self.request = request
        self.message = message
        self.error: DomainError | None = None

    def __enter__(self) -> Refusal:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        if not isinstance(exc, DomainError):
            return False
        self.error = exc
        if self.message:
            messages.error(self.request, exc.detail)
        return True

    def __bool__(self) -> bool:
        return self.error is not None

    @property
    def status(self) -> int:
        return self.error.status if self.error is not None else 200

    @property
    def detail(self) -> str:
        return self.error.detail if self.error is not None else ""

    @property
    def retry_after(self) -> int | None:
        return self.error.retry_after if isinstance(self.error, RateLimited) else None
