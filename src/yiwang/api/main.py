"""The NinjaAPI assembly: every app contributes its router in <app>/api.py."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import BadRequest as DjangoBadRequest
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.parser import Parser

from yiwang.api.auth import api_auth
from yiwang.api.openapi import document_errors
from yiwang.common.errors import BadRequest, DomainError

logger = logging.getLogger(__name__)


def _not_json(constant: str) -> Any:
    raise BadRequest(
        gettext("请求体不是合法的 JSON：不支持 %(constant)s") % {"constant": constant},
        code="bad_json",
    )


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class StrictJsonParser(Parser):
    """JSON bodies as RFC 8259 defines them, holding nothing the database cannot store.

    Python's json module takes NaN and Infinity, which are not JSON; a string may carry
    "\\u0000"; and "\\ud800" (a lone UTF-16 surrogate, also what CESU-8 bytes decode
    to) is a str that no UTF-8 encoder accepts. PostgreSQL refuses the first two (jsonb
    has no NaN, no text value holds a NUL), and the third breaks whatever encodes the
    text first (the request fingerprint of idempotency, the database driver, the log),
    so each would end as a 500. They are refused here, before any view, wherever they
    are (a value or a key, at any depth, the free-form application `form` included):
    400 `bad_json` / `nul_character` / `invalid_text`.
    """

    def parse_body(self, request: HttpRequest) -> Any:
        data = json.loads(request.body, parse_constant=_not_json)
        pending = [data]
        while pending:
            value = pending.pop()
            if isinstance(value, str):
                if "\x00" in value:
                    raise BadRequest(
                        gettext("请求内容中含有空字符（NUL），无法处理"), code="nul_character"
                    )
                if not _encodable(value):
                    raise BadRequest(
                        gettext("请求内容中含有无法按 UTF-8 编码的字符（孤立的 UTF-16 代理项）"),
                        code="invalid_text",
                    )
            elif isinstance(value, dict):
                pending.extend(value.keys())
                pending.extend(value.values())
            elif isinstance(value, list):
                pending.extend(value)
        return data


class YiwangAPI(NinjaAPI):
    """The document every client is generated from: ninja's, plus the error answers of
    every operation (`yiwang.api.openapi`)."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        document_errors(schema)
        return schema


api = YiwangAPI(
    title="一网 Yiwang API",
    version="1",
    description="吉林省一体化在线政务服务平台接口。错误以 application/problem+json 返回，带稳定的 code。",
    auth=api_auth(),
    urls_namespace="api",
    parser=StrictJsonParser(),
    # One tag per app, as each app's router names it; generated clients group by tag.
    openapi_extra={
        "tags": [
            {"name": "auth", "description": "登录、令牌与当前用户（accounts）"},
            {"name": "catalog", "description": "政务服务事项与办事指南（catalog）"},
            {"name": "uploads", "description": "材料文件上传与下载（uploads）"},
            {"name": "cases", "description": "办件：申报、办理、查询（cases）"},
            {"name": "credit", "description": "企业信用信息公示与信用监管（credit）"},
            {"name": "licenses", "description": "电子证照库：签发、核验、吊销、变更流（licenses）"},
            {"name": "messages", "description": "站内消息（notify）"},
            {
                "name": "supervision",
                "description": "效能监察：实时监控、红黄牌、星级公示（supervision）",
            },
            {"name": "feedback", "description": "好差评：评价、差评整改、回访与申诉（feedback）"},
            {
                "name": "investment",
                "description": "投资项目在线审批监管：项目赋码、审批/核准/备案类别、备案（investment）",
            },
        ]
    },
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


def body_limit() -> int | None:
    """Django's DATA_UPLOAD_MAX_MEMORY_SIZE: the most a body other than a file upload
    may hold (None: no limit)."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return None if limit is None else int(limit)


def payload_too_large(request: HttpRequest) -> HttpResponse:
    """413 `payload_too_large`, the limit in the message and in `max_bytes`."""
    limit = body_limit() or 0
    detail = gettext(
        "请求体不能超过 %(limit)s 字节（%(mib)s MB）；材料文件请以 multipart/form-data 上传"
    ) % {"limit": f"{limit:,}", "mib": f"{limit / 1024 / 1024:g}"}
    return problem(413, "payload_too_large", gettext("请求内容过大"), detail, max_bytes=limit)


_WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def refuse_oversized_body(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Applied to every operation before authentication (a ninja "view" decorator).

    A body over DATA_UPLOAD_MAX_MEMORY_SIZE makes Django raise RequestDataTooBig where
    it is first read: in the JSON parser, in the session's CSRF check (which reads the
    form), in a form parser. Ninja turns an exception in authentication into a call of
    the catch-all handler, so it became a 500 with a traceback. The declared length is
    checked here, before anything reads the body, so the answer is the same 413 for
    JSON, url-encoded and any other body, with a token or a session, whatever the
    operation would do with it. Multipart bodies are let through: their file parts do
    not count towards the limit (the uploads app limits those), and their other fields
    raise RequestDataTooBig, which `_request_too_big` answers the same way.
    """

    @wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        limit = body_limit()
        if (
            limit is not None
            and request.method in _WITH_BODY  # as documented: a GET's body is never read
            and not (request.content_type or "").startswith("multipart/")
        ):
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                declared = 0  # Django reads such a body as empty
            if declared > limit:
                return payload_too_large(request)
        return run(request, *args, **kwargs)

    return wrapper


api.add_decorator(refuse_oversized_body, mode="view")


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    # The title is lazy: it is rendered here, in the request's language; the detail was
    # rendered where the error was raised (docs/decisions/0010).
    response = problem(exc.status, exc.code, str(exc.title), exc.detail, **exc.extra)
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
    return problem(
        422,
        "validation_failed",
        gettext("数据校验未通过"),
        gettext("请求数据不符合要求"),
        errors=errors,
    )


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem(401, "not_authenticated", gettext("需要登录"), gettext("缺少或无效的登录凭据"))


@api.exception_handler(RequestDataTooBig)
def _request_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return payload_too_large(request)


@api.exception_handler(SuspiciousOperation)
@api.exception_handler(DjangoBadRequest)
@api.exception_handler(MultiPartParserError)
def _unreadable_body(request: HttpRequest, exc: Exception) -> HttpResponse:
    # A form Django cannot or will not parse (too many fields or files, a broken
    # multipart body), met where the session's CSRF check or a form parser reads it.
    # Django's own handler answers these 400 too; logged by django.request, one line.
    return problem(400, "bad_request", gettext("请求格式错误"), gettext("无法解析请求体"))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    cause = exc.__cause__  # ninja wraps whatever its body parser raised in a 400
    if isinstance(cause, DomainError):  # e.g. refused by StrictJsonParser
        return _domain_error(request, cause)
    if isinstance(cause, RequestDataTooBig):
        return payload_too_large(request)
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
    return problem(
        500, "internal_error", gettext("服务器内部错误"), gettext("请稍后重试，或联系平台运维")
    )


def _register_routers() -> None:
    from yiwang.accounts.api import router as accounts_router
    from yiwang.cases.api import router as cases_router
    from yiwang.catalog.api import router as catalog_router
    from yiwang.credit.api import router as credit_router
    from yiwang.feedback.api import router as feedback_router
    from yiwang.investment.api import router as investment_router
    from yiwang.licenses.api import router as licenses_router
    from yiwang.licenses.api_proofs import router as proofs_router
    from yiwang.notify.api import router as notify_router
    from yiwang.supervision.api import router as supervision_router
    from yiwang.supervision.api_statistics import router as statistics_router
    from yiwang.uploads.api import router as uploads_router

    api.add_router("/auth", accounts_router)
    # These routers name their full paths (/items, /cases, /public/cases/..., /uploads, ...).
    api.add_router("", catalog_router)
    api.add_router("", uploads_router)
    api.add_router("", cases_router)
    api.add_router("", credit_router)
    api.add_router("", licenses_router)
    api.add_router("", proofs_router)
    api.add_router("", notify_router)
    api.add_router("", supervision_router)
    api.add_router("", statistics_router)
    api.add_router("", feedback_router)
    api.add_router("", investment_router)


_register_routers()
__all__ = ["api", "problem"]
