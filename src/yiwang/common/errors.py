"""The domain error hierarchy.

Services raise these; the API maps them once to RFC 9457 problem+json
(`yiwang.api.main`), the UI once to a page message (`yiwang.portal.views`),
the command line to `invalid: <reason>`. Each class carries a stable `code`
that integrators may rely on, and an HTTP status.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "domain_error"
    status = 400
    title = "请求无法处理"

    def __init__(self, detail: str = "", *, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        if code:
            self.code = code
        self.extra = extra


class ValidationFailed(DomainError):
    code = "validation_failed"
    status = 422
    title = "数据校验未通过"


class BadRequest(DomainError):
    code = "bad_request"
    status = 400
    title = "请求格式错误"


class NotAuthenticated(DomainError):
    code = "not_authenticated"
    status = 401
    title = "需要登录"


class PermissionDenied(DomainError):
    code = "permission_denied"
    status = 403
    title = "无权执行此操作"


class NotFound(DomainError):
    """Missing and forbidden objects look the same to outsiders."""

    code = "not_found"
    status = 404
    title = "未找到"


class Conflict(DomainError):
    code = "conflict"
    status = 409
    title = "与当前状态冲突"


class InvalidTransition(Conflict):
    code = "invalid_transition"
    title = "当前状态下不能执行此操作"

    def __init__(self, detail: str = "", *, current_state: str, **extra: Any) -> None:
        super().__init__(detail, current_state=current_state, **extra)
        self.current_state = current_state


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429
    title = "尝试次数过多，请稍后再试"

    def __init__(self, detail: str = "", *, retry_after: int, **extra: Any) -> None:
        super().__init__(detail, retry_after=retry_after, **extra)
        self.retry_after = retry_after


class PayloadTooLarge(DomainError):
    code = "payload_too_large"
    status = 413
    title = "文件过大"


class UnsupportedMediaType(DomainError):
    code = "unsupported_media_type"
    status = 415
    title = "不支持的文件类型"
