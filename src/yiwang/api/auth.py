"""API authentication: a bearer token from POST /auth/login, or the web session."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from yiwang.accounts.actor import Actor, Channel, set_request_actor
from yiwang.accounts.selectors import user_for_token
from yiwang.common.errors import PermissionDenied


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
            set_request_actor(request, Actor.of(user, Channel.TOKEN))
        return user


class SessionAuth(NinjaSessionAuth):  # the name is the OpenAPI security scheme's
    """The web UI's session, CSRF-checked for unsafe methods — when there is a session
    cookie. A request with no credentials at all is not a forged one: it gets 401
    `not_authenticated`, as a client without its token must, not a CSRF 403.

    A failed CSRF check is ninja's HttpError(403, "CSRF check Failed"), English
    whatever the request's language; it becomes the house problem+json, code
    `csrf_failed`, in the language LocaleMiddleware chose for the request."""

    def _get_key(self, request: HttpRequest) -> str | None:
        if self.param_name not in request.COOKIES:
            return None
        try:
            return super()._get_key(request)
        except HttpError as exc:
            if exc.status_code != 403:
                raise
            raise csrf_failed() from exc


def csrf_failed() -> PermissionDenied:
    # The portal's wording of the same refusal (portal.views.csrf_failure), translated.
    error = PermissionDenied(
        gettext("页面已过期或请求来源无法验证，请刷新页面后重试。"), code="csrf_failed"
    )
    error.title = gettext("无权访问")
    return error


def api_auth() -> list[Any]:
    """Try the bearer token, then the web session (CSRF-checked for unsafe methods)."""
    return [BearerToken(), SessionAuth()]
