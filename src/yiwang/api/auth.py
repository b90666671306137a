"""API authentication: a bearer token from POST /auth/login, or the web session."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from yiwang.accounts.selectors import user_for_token


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(NinjaSessionAuth):  # the name is the OpenAPI security scheme's
    """The web UI's session, CSRF-checked for unsafe methods — when there is a session
    cookie. A request with no credentials at all is not a forged one: it gets 401
    `not_authenticated`, as a client without its token must, not a CSRF 403."""

    def _get_key(self, request: HttpRequest) -> str | None:
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)


def api_auth() -> list[Any]:
    """Try the bearer token, then the web session (CSRF-checked for unsafe methods)."""
    return [BearerToken(), SessionAuth()]
