"""Refusing, before any view, what no view can answer: a NUL character in the address.

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
            400, "nul_character", "请求格式错误", "请求地址中含有空字符（NUL），无法处理"
        )
    from yiwang.portal.errors import nul_character_page

    return nul_character_page(request)
