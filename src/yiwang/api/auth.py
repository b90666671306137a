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


def api_auth() -> list[Any]:
    """Try the bearer token, then the web session (CSRF-checked for unsafe methods)."""
    return [BearerToken(), SessionAuth()]
