"""Portal fixtures: the Jilin org data file as the expected truth, and signing in via the page.

The database side comes from the shared `jilin` and `demo_users` fixtures
(tests/conftest.py), which seed through the same services the demo uses.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

import yiwang.org
from tests import seeding
from yiwang.accounts.actor import Actor

DEMO_PASSWORD = "yiwang-demo-2026"
SHANGHAI = ZoneInfo("Asia/Shanghai")
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


# --------------------------------------------------------------------------- approval pages


@dataclass
class FrozenClock:
    """The cases app's clock (`yiwang.cases.clock.now`), set by the test."""

    now: datetime = field(default_factory=lambda: datetime(2026, 9, 14, 10, 0, tzinfo=SHANGHAI))

    def set(self, day: str, hour: int = 10) -> None:
        self.now = datetime.combine(date.fromisoformat(day), time(hour, 0), tzinfo=SHANGHAI)


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    from yiwang.cases import clock

    frozen_clock = FrozenClock()
    monkeypatch.setattr(clock, "now", lambda: frozen_clock.now)
    return frozen_clock


@seeding.step("portal.world", after=("demo_users",))
def _seed_world() -> None:
    from yiwang.cases.services import seed_demo_reference_data
    from yiwang.catalog.services import load_catalog_data
    from yiwang.common.workdays import seed_from_chinesecalendar

    seed_from_chinesecalendar(range(2025, 2027), actor=Actor.system("test"))
    load_catalog_data(actor=Actor.system("test"))
    seed_demo_reference_data(actor=Actor.system("test"))


@pytest.fixture
@seeding.provides("portal.world")
def world(demo_users: dict[str, Any]) -> dict[str, Any]:
    """Org data, demo accounts, the 2025–2026 holiday calendar, the demo catalog and the
    kiosk's reference data — all through the services the demo seed uses."""
    seeding.ensure("portal.world")
    return demo_users


@pytest.fixture
def as_user(world: dict[str, Any]) -> Callable[[str], Client]:
    """A fresh client signed in as a demo account (one client per person)."""

    def make(username: str) -> Client:
        c = Client()
        c.force_login(world[username])
        return c

    return make
