"""API authentication: a bearer token from POST /auth/login, or the web session."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from yiwang.accounts.selectors import user_for_token


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class BearerOrSession:
    """Try the bearer token, then the session (CSRF-checked for unsafe methods)."""

    def __new__(cls) -> list[Any]:  # type: ignore[misc]
        return [BearerToken(), SessionAuth()]
