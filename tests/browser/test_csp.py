"""The strict Content-Security-Policy breaks nothing in a real browser (issue 10.6): the
main pages, the directory's live filter (htmx), the API docs (Swagger UI) and the admin
log in without a single CSP violation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = ["/", "/directory/", "/items/", "/login/", "/lookup/", "/api/v1/docs", "/admin/login/"]


@pytest.fixture
def strict_page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A tab that obeys the policy (the shared `page` fixture bypasses it)."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    tab.base_url = live_server.url
    yield tab
    context.close()


def test_no_page_violates_the_policy(strict_page: Any, demo_users: dict[str, Any]) -> None:
    page = strict_page
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    for path in PAGES:
        response = page.goto(page.base_url + path)
        assert response is not None
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
    page.goto(page.base_url + "/directory/")
    page.get_by_label("按名称筛选").fill("汪清")
    # The live filter ran (htmx, under the policy): 南关区 is filtered out in place.
    page.get_by_text("南关区").first.wait_for(state="detached")
    # Swagger UI really ran under the policy: it rendered the operations.
    page.goto(page.base_url + "/api/v1/docs")
    page.wait_for_selector(".opblock", timeout=15_000)
    assert violations == []
