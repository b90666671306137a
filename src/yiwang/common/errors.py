"""The domain error hierarchy.

Services raise these; the API maps them once to RFC 9457 problem+json
(`yiwang.api.main`), the portal once to a page or a page message
(`yiwang.portal.errors`), the command line to `invalid: <reason>`.

Every raise names a stable `code` (snake_case) that integrators may rely on; the
class gives the HTTP status and the `title`. A code, once published, never changes:
a new situation gets a new code. `tests/common/test_error_codes.py` walks the source
and fails on a construction without a literal code.

Messages are translatable where they are raised (docs/decisions/0010): the Chinese
text is the msgid, wrapped in `gettext` (`_`), with the English in the app's
`locale/en/LC_MESSAGES/django.po`. They are rendered in the request's language
(LocaleMiddleware: Chinese by default, English with `Accept-Language: en`); `title`
is lazy and rendered when the error is shown.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

#: What a stable code looks like: lower-case words joined by underscores.
CODE_PATTERN = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")


class DomainError(Exception):
    #: The category's generic code, as published before every raise named its own; kept
    #: as documentation of the category (problem `type` of the class).
    code = "domain_error"
    status = 400
    title: str | Promise = _("请求无法处理")

    def __init__(self, detail: str | Promise = "", *, code: str, **extra: Any) -> None:
        if not CODE_PATTERN.fullmatch(code):
            raise ValueError(f"error code {code!r} is not snake_case")
        text = str(detail or self.title)
        super().__init__(text)
        self.detail = text
        self.code = code
        self.extra = extra


class ValidationFailed(DomainError):
    code = "validation_failed"
    status = 422
    title: str | Promise = _("数据校验未通过")


class BadRequest(DomainError):
    code = "bad_request"
    status = 400
    title: str | Promise = _("请求格式错误")


class NotAuthenticated(DomainError):
    code = "not_authenticated"
    status = 401
    title: str | Promise = _("需要登录")


class PermissionDenied(DomainError):
    code = "permission_denied"
    status = 403
    title: str | Promise = _("无权执行此操作")


class NotFound(DomainError):
    """Missing and forbidden objects look the same to outsiders."""

    code = "not_found"
    status = 404
    title: str | Promise = _("未找到")


class Conflict(DomainError):
    code = "conflict"
    status = 409
    title: str | Promise = _("与当前状态冲突")


class InvalidTransition(Conflict):
    code = "invalid_transition"
    title: str | Promise = _("当前状态下不能执行此操作")

    def __init__(
        self, detail: str | Promise = "", *, code: str, current_state: str, **extra: Any
    ) -> None:
        super().__init__(detail, code=code, current_state=current_state, **extra)
        self.current_state = current_state


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429
    title: str | Promise = _("尝试次数过多，请稍后再试")

    def __init__(
        self, detail: str | Promise = "", *, code: str, retry_after: int, **extra: Any
    ) -> None:
        super().__init__(detail, code=code, retry_after=retry_after, **extra)
        self.retry_after = retry_after


class PayloadTooLarge(DomainError):
    code = "payload_too_large"
    status = 413
    title: str | Promise = _("文件过大")


class UnsupportedMediaType(DomainError):
    code = "unsupported_media_type"
    status = 415
    title: str | Promise = _("不支持的文件类型")
