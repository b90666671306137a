"""The foundation's pages in a real Chromium: the province, the directory, signing in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JILIN = json.loads(
    (Path(__file__).parents[2] / "src/yiwang/org/data/jilin.json").read_text(encoding="utf-8")
)


def _cities() -> list[str]:
    return [
        r["name"]
        for r in JILIN["regions"]
        if len(r["code"]) == 6 and r["code"].endswith("00") and not r["code"].endswith("0000")
    ]


def test_home_lists_the_cities_and_the_directory_filters_live(
    page: Any, demo_users: dict[str, Any], shot: Any
) -> None:
    page.goto(page.base_url + "/")
    body = page.inner_text("main")
    for city in _cities():
        assert city in body
    shot(page, "home")

    page.get_by_role("link", name="服务大厅与机构").first.click()
    page.wait_for_url("**/directory/")
    assert "汪清县" in page.inner_text("main")
    assert "南关区" in page.inner_text("main")
    # Typing filters in place through htmx: the page is not reloaded.
    page.evaluate("window.__marker = 1")
    page.get_by_label("按名称筛选").fill("汪清")
    page.wait_for_function("!document.querySelector('main').innerText.includes('南关区')")
    assert page.evaluate("window.__marker") == 1
    assert "汪清县" in page.inner_text("main")
    shot(page, "directory-filtered")


def test_clerk_signs_in_and_sees_post_and_hall(
    page: Any, demo_users: dict[str, Any], shot: Any
) -> None:
    page.goto(page.base_url + "/login/")
    page.get_by_label("用户名").fill("clerk-nanguan")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    assert "用户名或密码错误" in page.inner_text("main")
    page.get_by_label("密码").fill("yiwang-demo-2026")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/workspace/")
    text = page.inner_text("main")
    assert "王丽" in text
    assert "综合受理窗口岗" in text
    assert "长春市南关区政务服务中心" in text
    shot(page, "workspace")
