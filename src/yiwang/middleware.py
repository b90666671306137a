"""What no view answers by itself: a NUL character in the address, a wrong method.

`RejectNulCharacters`: before any view.

`%00` in a path or query parameter reaches the lookups as "\\x00", and PostgreSQL
cannot hold a NUL in any text value, not even as a query parameter: every lookup by
case number, item code, region code or search word would fail with a database error
(a 500) instead of the 404 or 422 that SQLite gives. No code, number or name contains
one, so such a request is refused here with 400 — problem+json with code
`nul_character` under /api/, a Chinese page elsewhere — and reaches no view.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

NUL = "\x00"


def has_nul(request: HttpRequest) -> bool:
    if NUL in request.path:
        return True
    return any(
        NUL in key or any(NUL in value for value in values) for key, values in request.GET.lists()
    )


class RejectNulCharacters:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if has_nul(request):
            return _refusal(request)
        return self.get_response(request)


def _refusal(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        from yiwang.api.main import problem

        return problem(
            400, "nul_character", _("请求格式错误"), _("请求地址中含有空字符（NUL），无法处理")
        )
    from yiwang.portal.errors import nul_character_page

    return nul_character_page(request)


class ExplainMethodNotAllowed:
    """A 405 from a view's method check explains nothing (django-ninja's says "Method not
    allowed" in plain text, `require_POST`'s is empty): under /api/ it becomes
    problem+json `method_not_allowed`, elsewhere the Chinese error page (for someone who
    reloads an address a form posted to). `Allow` is kept."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405:
            return response
        api = request.path.startswith("/api/")
        if (api and response.get("Content-Type") == "application/problem+json") or (
            not api and response.content
        ):
            return response  # already explained
        allowed = response.get("Allow", "")
        if api:
            from yiwang.api.main import problem

            explained = problem(
                405,
                "method_not_allowed",
                _("请求方式不被允许"),
                _("此地址不支持 %(method)s，可用：%(allowed)s")
                % {"method": request.method, "allowed": allowed},
                allowed=[m.strip() for m in allowed.split(",") if m.strip()],
            )
        else:
            from yiwang.portal.errors import method_not_allowed_page

            explained = method_not_allowed_page(request)
        explained["Allow"] = allowed
        return explained
