"""The NinjaAPI assembly: every app contributes its router in <app>/api.py."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from yiwang.api.auth import api_auth
from yiwang.common.errors import BadRequest, DomainError

logger = logging.getLogger(__name__)


def _not_json(constant: str) -> Any:
    raise BadRequest(f"请求体不是合法的 JSON：不支持 {constant}", code="bad_json")


class StrictJsonParser(Parser):
    """JSON bodies as RFC 8259 defines them, holding nothing the database cannot store.

    Python's json module takes NaN and Infinity, which are not JSON; and a string may
    carry "\\u0000". PostgreSQL refuses both (jsonb has no NaN, no text value holds a
    NUL), so either would end as a 500 when the case, its timeline or a comment is
    written. They are refused here, before any view: 400 `bad_json` / `nul_character`.
    """

    def parse_body(self, request: HttpRequest) -> Any:
        data = json.loads(request.body, parse_constant=_not_json)
        pending = [data]
        while pending:
            value = pending.pop()
            if isinstance(value, str):
                if "\x00" in value:
                    raise BadRequest("请求内容中含有空字符（NUL），无法处理", code="nul_character")
            elif isinstance(value, dict):
                pending.extend(value.keys())
                pending.extend(value.values())
            elif isinstance(value, list):
                pending.extend(value)
        return data


api = NinjaAPI(
    title="一网 Yiwang API",
    version="1",
    description="吉林省一体化在线政务服务平台接口。错误以 application/problem+json 返回，带稳定的 code。",
    auth=api_auth(),
    urls_namespace="api",
    parser=StrictJsonParser(),
)


def problem(status: int, code: str, title: str, detail: str, **extra: Any) -> HttpResponse:
    """An RFC 9457 problem+json response with Yiwang's stable `code`."""
    body = {
        "type": f"https://yiwang.gov.cn/problems/{code}",
        "title": title,
        "status": status,
        "code": code,
        "detail": detail,
        **extra,
    }
    return HttpResponse(
        json.dumps(body, ensure_ascii=False, default=str),
        status=status,
        content_type="application/problem+json",
    )


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    response = problem(exc.status, exc.code, exc.title, exc.detail, **exc.extra)
    retry_after = exc.extra.get("retry_after")
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [
        {"loc": [str(part) for part in e.get("loc", [])], "msg": e.get("msg", "")}
        for e in exc.errors
    ]
    return problem(422, "validation_failed", "数据校验未通过", "请求数据不符合要求", errors=errors)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem(401, "not_authenticated", "需要登录", "缺少或无效的登录凭据")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, DomainError):  # e.g. refused by StrictJsonParser
        return _domain_error(request, exc.__cause__)
    code = {
        400: "bad_request",
        403: "permission_denied",
        404: "not_found",
        405: "method_not_allowed",
    }.get(exc.status_code, "http_error")
    return problem(exc.status_code, code, str(exc), str(exc))


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Never a traceback to the client; the log gets it (with personal data masked).
    logger.exception("unhandled error in %s %s", request.method, request.path)
    return problem(500, "internal_error", "服务器内部错误", "请稍后重试，或联系平台运维")


def _register_routers() -> None:
    from yiwang.accounts.api import router as accounts_router
    from yiwang.cases.api import router as cases_router
    from yiwang.catalog.api import router as catalog_router
    from yiwang.credit.api import router as credit_router
    from yiwang.notify.api import router as notify_router
    from yiwang.uploads.api import router as uploads_router

    api.add_router("/auth", accounts_router)
    # These routers name their full paths (/items, /cases, /public/cases/..., /uploads, ...).
    api.add_router("", catalog_router)
    api.add_router("", uploads_router)
    api.add_router("", cases_router)
    api.add_router("", credit_router)
    api.add_router("", notify_router)


_register_routers()
__all__ = ["api", "problem"]
