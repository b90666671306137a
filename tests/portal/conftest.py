"""Portal fixtures: the Jilin org data file as the expected truth, and signing in via the page.

The database side comes from the shared `jilin` and `demo_users` fixtures
(tests/conftest.py), which seed through the same services the demo uses.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

import yiwang.org

DEMO_PASSWORD = "yiwang-demo-2026"
JILIN_FILE = Path(yiwang.org.__file__).resolve().parent / "data" / "jilin.json"


@pytest.fixture(scope="session")
def jilin_data() -> dict[str, Any]:
    """The org data file itself, so expected names are derived rather than hard-coded."""
    data: dict[str, Any] = json.loads(JILIN_FILE.read_text(encoding="utf-8"))
    return data


@pytest.fixture
def page_login(client: Client) -> Callable[..., Any]:
    """Sign in through the login page; returns the response (not followed)."""

    def login(username: str, password: str = DEMO_PASSWORD, **extra: Any) -> Any:
        return client.post("/login/", {"username": username, "password": password}, **extra)

    return login


@pytest.fixture
def signed_in(
    client: Client, demo_users: dict[str, Any], page_login: Callable[..., Any]
) -> Callable[[str], Client]:
    """Sign `client` in as a demo user through the page, and return the client."""

    def sign_in(username: str) -> Client:
        response = page_login(username)
        assert response.status_code == 302, response.content.decode()
        return client

    return sign_in
