"""Fixtures of the cases tests: the 2026 calendar, the demo catalog, a frozen clock and
a small client for the cases API that signs in as the demo accounts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests import seeding
from tests.cases import items as demo_items
from tests.problems import assert_problem as problem  # noqa: F401  (the cases tests' name)
from yiwang.accounts.actor import Actor

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: A minimal file that passes the uploads app's content check (PDF header and trailer).
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
DEMO_PASSWORD = "yiwang-demo-2026"
OTHER_CITIZEN_ID = "11010519491231002X"  # a valid GB 11643 number (domain-rules vector)


@dataclass
class FrozenClock:
    """The cases app's clock (`yiwang.cases.clock.now`), set by the test."""

    now: datetime = field(default_factory=lambda: datetime(2026, 9, 15, 10, 0, tzinfo=SHANGHAI))

    def set(self, day: str | date, hour: int = 10) -> None:
        d = date.fromisoformat(day) if isinstance(day, str) else day
        self.now = datetime.combine(d, time(hour, 0), tzinfo=SHANGHAI)


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    from yiwang.cases import clock

    frozen_clock = FrozenClock()
    monkeypatch.setattr(clock, "now", lambda: frozen_clock.now)
    return frozen_clock


@seeding.step("cases.calendar")
def _seed_calendar() -> None:
    from yiwang.common.workdays import seed_from_chinesecalendar

    seed_from_chinesecalendar(range(2025, 2027), actor=Actor.system("test"))


@seeding.step("cases.world", after=("demo_users", "cases.calendar"))
def _seed_world() -> None:
    from yiwang.cases.services import seed_demo_reference_data

    demo_items.load()
    seed_demo_reference_data(actor=Actor.system("test"))


@pytest.fixture
@seeding.provides("cases.calendar")
def calendar(db: Any) -> None:
    """The published holiday notices of 2025 and 2026 (2027 stays unpublished)."""
    seeding.ensure("cases.calendar")


@pytest.fixture
@seeding.provides("cases.world")
def world(demo_users: dict[str, Any], calendar: None) -> dict[str, Any]:
    """Org data, demo accounts, calendar, the demo catalog and the demo reference data."""
    seeding.ensure("cases.world")
    return demo_users


@pytest.fixture
def other_citizen(world: dict[str, Any]) -> Any:
    from yiwang.accounts.services import register_citizen

    return register_citizen(
        username="lisi",
        password=DEMO_PASSWORD,
        real_name="李四",
        id_number=OTHER_CITIZEN_ID,
        actor=Actor.system("test"),
    )


class CaseApi:
    """The cases API as the demo accounts use it (bearer tokens, JSON)."""

    def __init__(self, client: Client, login: Callable[[str], str]) -> None:
        self.client = client
        self._login = login
        self._tokens: dict[str, str] = {}

    def headers(self, username: str | None) -> dict[str, str]:
        if username is None:
            return {}
        if username not in self._tokens:
            self._tokens[username] = self._login(username)
        return {"HTTP_AUTHORIZATION": f"Bearer {self._tokens[username]}"}

    def upload(self, username: str, name: str = "材料.pdf", content: bytes = PDF) -> str:
        response = self.client.post(
            "/api/v1/uploads",
            {"file": SimpleUploadedFile(name, content, content_type="application/pdf")},
            **self.headers(username),  # type: ignore[arg-type]
        )
        assert response.status_code == 201, response.content
        return str(response.json()["upload_id"])

    def submit(
        self,
        username: str | None,
        body: dict[str, Any],
        *,
        key: str | None = None,
    ) -> Any:
        extra = self.headers(username)
        if key is not None:
            extra["HTTP_IDEMPOTENCY_KEY"] = key
        return self.client.post(
            "/api/v1/cases",
            body,
            content_type="application/json",
            **extra,  # type: ignore[arg-type]
        )

    def materials_for(self, username: str, item_code: str) -> list[dict[str, str]]:
        """One uploaded file for every required material of the item."""
        from yiwang.catalog.models import ServiceItem

        item = ServiceItem.objects.get(code=item_code)
        return [
            {"material": m.code, "upload_id": self.upload(username, f"{m.name}.pdf")}
            for m in item.materials.filter(required=True).order_by("sort_order", "code")
        ]

    def apply(self, username: str, item_code: str, **extra: Any) -> dict[str, Any]:
        """Submit with every required material; returns the 201 body."""
        body = {
            "item_code": item_code,
            "form": extra.pop("form", demo_items.form_for(item_code)),
            "materials": self.materials_for(username, item_code),
            **extra,
        }
        response = self.submit(username, body)
        assert response.status_code == 201, response.content
        return dict(response.json())

    def act(self, username: str | None, case_no: str, action: str, **body: Any) -> Any:
        return self.client.post(
            f"/api/v1/cases/{case_no}/actions",
            {"action": action, **body},
            content_type="application/json",
            **self.headers(username),  # type: ignore[arg-type]
        )

    def ok(self, username: str, case_no: str, action: str, **body: Any) -> dict[str, Any]:
        response = self.act(username, case_no, action, **body)
        assert response.status_code == 200, response.content
        return dict(response.json())

    def get(self, username: str | None, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, **self.headers(username))  # type: ignore[arg-type]

    def detail(self, username: str, case_no: str) -> dict[str, Any]:
        response = self.get(username, f"/cases/{case_no}")
        assert response.status_code == 200, response.content
        return dict(response.json())


@pytest.fixture
def api(client: Client, api_login: Callable[[str], str], world: dict[str, Any]) -> CaseApi:
    return CaseApi(client, api_login)
