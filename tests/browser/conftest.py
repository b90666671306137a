"""A real browser: Playwright for Python driving Debian's Chromium against the live server.

Screenshots go to test-artifacts/screenshots/ (kept by CI as artifacts)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import seeding
from yiwang.accounts.actor import Actor

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# in that same thread are ordinary synchronous code, so Django's async guard is lifted here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("YIWANG_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    # Playwright's string predicates (wait_for_function) are evaluated with eval, which
    # the pages' strict CSP forbids; tests/browser/test_csp.py checks the policy itself.
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1280, "height": 900}, bypass_csp=True
    )
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    tab.base_url = live_server.url  # type: ignore[attr-defined]
    yield tab
    context.close()


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Any:
    """`shot(page, "step")` saves test-artifacts/screenshots/<test>-<step>.jpg.

    JPEG, not PNG: a full-page PNG costs Chromium ~0.27 s to encode, a JPEG ~0.1 s, and
    the browser tests take about 30 of them (the pictures are for people to look at)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(tab: Any, step: str) -> Path:
        path = ARTIFACTS / f"{request.node.name}-{step}.jpg"
        tab.screenshot(path=str(path), full_page=True, type="jpeg", quality=80)
        return path

    return take


@seeding.step("browser.approval", after=("demo_users",))
def _seed_approval() -> None:
    from yiwang.cases.services import seed_demo_reference_data
    from yiwang.catalog.services import load_catalog_data
    from yiwang.common.workdays import seed_from_chinesecalendar

    seed_from_chinesecalendar(range(2025, 2027), actor=Actor.system("test"))
    load_catalog_data(actor=Actor.system("test"))
    seed_demo_reference_data(actor=Actor.system("test"))


@pytest.fixture
@seeding.provides("browser.approval")
def approval_data(demo_users: dict[str, Any]) -> dict[str, Any]:
    """The demo accounts, the 2025–2026 calendar, the demo catalog and reference data."""
    seeding.ensure("browser.approval")
    return demo_users
