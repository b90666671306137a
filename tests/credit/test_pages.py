"""The public pages at /credit/: search (with htmx), the enterprise's record, the lists;
errors as pages with their status."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client, override_settings

from tests.credit.conftest import MakeEnterprise, report_data
from yiwang.accounts.actor import Actor
from yiwang.credit import services
from yiwang.credit.models import DailyViews

pytestmark = pytest.mark.usefixtures("calendar", "jilin")


@pytest.fixture
def listed(make_enterprise: MakeEnterprise) -> Any:
    e = make_enterprise(name="长春一网示范科技有限公司", established_on="2024-02-01")
    services.file_annual_report(
        e,
        2024,
        report_data(financials_public=True),
        actor=Actor.system("t"),
        today=date(2025, 3, 1),
    )
    services.list_missing_annual_reports(today=date(2026, 7, 1))
    return e


def test_the_search_page(client: Client, listed: Any) -> None:
    page = client.get("/credit/").content.decode()
    assert '<html lang="zh-hans">' in page
    assert 'role="search"' in page
    assert '<label for="credit-q">' in page
    assert "credit/credit.css" in page
    found = client.get("/credit/", {"q": "一网示范"}).content.decode()
    assert "共 1 家" in found
    assert f'href="/credit/enterprises/{listed.uscc}/"' in found
    assert "经营异常" in found  # the badge


def test_htmx_gets_the_results_fragment(client: Client, listed: Any) -> None:
    response = client.get("/credit/", {"q": "一网示范"}, HTTP_HX_REQUEST="true")
    fragment = response.content.decode()
    assert "<html" not in fragment
    assert 'id="credit-status"' in fragment
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize(
    ("q", "status", "text"),
    [
        ("91110000600037341X", 400, "统一社会信用代码格式不正确"),
        ("长", 400, "至少 2 个字"),
        ("100%", 200, "没有名称含"),
    ],
)
def test_search_messages(client: Client, db: Any, q: str, status: int, text: str) -> None:
    response = client.get("/credit/", {"q": q})
    assert response.status_code == status
    assert text in response.content.decode()


def test_the_enterprise_page(client: Client, listed: Any) -> None:
    page = client.get(f"/credit/enterprises/{listed.uscc}/").content.decode()
    assert "<h1>长春一网示范科技有限公司</h1>" in page
    assert "列入经营异常名录" in page
    assert "未按照规定的期限公示年度报告（2025 年度）" in page
    assert "2024 年度报告" in page
    assert "资产总额" in page  # published by choice
    assert DailyViews.objects.get().views == 1


@pytest.mark.parametrize(
    ("uscc", "status"), [("91110000600037341X", 400), ("91110000600037341L", 404)]
)
def test_enterprise_page_errors(client: Client, db: Any, uscc: str, status: int) -> None:
    response = client.get(f"/credit/enterprises/{uscc}/")
    assert response.status_code == status
    assert "message--error" in response.content.decode()


@override_settings(YIWANG_CREDIT={"RATE_LIMITS": {"search": (1, 60), "detail": (1, 60)}})
def test_rate_limited_pages_say_when_to_come_back(client: Client, listed: Any) -> None:
    assert client.get("/credit/", {"q": "一网"}).status_code == 200
    response = client.get("/credit/", {"q": "一网"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert "访问过于频繁" in response.content.decode()


def test_the_list_pages(client: Client, listed: Any) -> None:
    page = client.get("/credit/lists/abnormal/").content.decode()
    assert "长春一网示范科技有限公司" in page
    assert "目前没有企业在列" in client.get("/credit/lists/serious/").content.decode()
    assert client.get("/credit/lists/nonsense/").status_code == 404


def test_the_pages_in_english(client: Client, listed: Any) -> None:
    from django.utils import translation

    client.cookies["django_language"] = "en"
    page = client.get(
        f"/credit/enterprises/{listed.uscc}/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert '<html lang="en">' in page
    assert "On the abnormal operations list" in page
    assert "Annual reports" in page
    with translation.override("en"):
        assert translation.gettext("企业信用信息公示") == "Enterprise credit information publicity"


def test_the_english_catalog_is_complete() -> None:
    import re
    from pathlib import Path

    import yiwang.credit
    import yiwang.portal

    # The credit pages' strings are in the portal's catalog, credit's labels and messages
    # in credit's (decision 0011): both are read.
    pos = [
        Path(app.__file__).parent / "locale" / "en" / "LC_MESSAGES" / "django.po"
        for app in (yiwang.credit, yiwang.portal)
    ]
    blocks = [b for po in pos for b in po.read_text(encoding="utf-8").split("\n\n")[1:]]

    def translation(block: str) -> str:
        found = re.search(r"^msgstr(?:\[0\])? ((?:\".*\"\n?)+)", block, re.M)
        return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', found.group(1))) if found else ""

    assert len(blocks) > 80
    assert [b for b in blocks if "msgid" in b and not translation(b)] == []
    for po in pos:
        assert "fuzzy" not in po.read_text(encoding="utf-8")
