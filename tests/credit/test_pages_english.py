"""A visitor who switches to English reads the credit pages in English.

The records stay as filed — names, addresses, reasons, department names are Chinese
data — but what the pages say about them is English: registration status and type,
lists, causes and events, kinds of disclosure, the annual report's figures, refusals,
and no Chinese colons or brackets around translated labels.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.test import Client

from tests.credit.conftest import MakeEnterprise, report_data
from tests.pages import english as _english
from tests.pages import visible_text as _visible
from yiwang.accounts.actor import Actor
from yiwang.credit import services
from yiwang.credit.choices import (
    DisclosureKind,
    EnterpriseKind,
    EnterpriseStatus,
    EntryStatus,
    EventKind,
    ImmediateInfoKind,
    ListCause,
    ListKind,
    OperatingStatus,
)
from yiwang.credit.display import FIGURE_LABELS
from yiwang.credit.labels import LABEL_CONTEXT, choice_label
from yiwang.org.models import Department

pytestmark = pytest.mark.usefixtures("calendar", "jilin")


@pytest.fixture
def record(make_enterprise: MakeEnterprise) -> Any:
    """An enterprise with all the page shows: a license, a report with its figures,
    immediate information, and a place on the abnormal operations list."""
    e = make_enterprise(name="长春一网示范科技有限公司", established_on="2024-02-01", kind="llc")
    services.publish_disclosure(
        e,
        {
            "kind": "license",
            "title": "食品经营许可证",
            "document_no": "JY32201020012345",
            "result": "准予许可",
            "legal_basis": "《中华人民共和国食品安全法》第三十五条",
            "decided_on": "2026-05-01",
            "valid_from": "2026-05-01",
            "valid_to": "2031-04-30",
        },
        department=Department.objects.get(code="220102-market-regulation"),
        actor=Actor.system("test"),
        today=date(2026, 6, 1),
    )
    services.file_annual_report(
        e,
        2024,
        report_data(
            financials_public=True,
            investments=[{"name": "长春甲公司"}, {"name": "长春乙公司"}],
            has_external_investment=True,
        ),
        actor=Actor.system("t"),
        today=date(2025, 3, 1),
    )
    services.publish_immediate_info(
        e,
        kind="equity_change",
        changed_on=date(2026, 9, 28),
        content="股东张三将 30% 股权转让给王五",
        actor=Actor.system("t"),
        today=date(2026, 10, 9),
    )
    services.list_missing_annual_reports(today=date(2026, 7, 1))
    return e


@pytest.mark.parametrize(
    "choices",
    [
        EnterpriseKind,
        EnterpriseStatus,
        DisclosureKind,
        OperatingStatus,
        ImmediateInfoKind,
        ListKind,
        ListCause,
        EntryStatus,
        EventKind,
    ],
)
def test_every_label_the_pages_show_has_english(choices: Any) -> None:
    from django.utils import translation

    with translation.override("en"):
        missing = [str(lab) for lab in choices.labels if choice_label(lab, LABEL_CONTEXT) == lab]
    assert missing == [], "mark them in yiwang/credit/labels.py and translate them"
    with translation.override("zh-hans"):
        assert [choice_label(lab, LABEL_CONTEXT) for lab in choices.labels] == choices.labels


def test_every_report_figure_has_english() -> None:
    from django.utils import translation

    with translation.override("en"):
        missing = [lab for lab in FIGURE_LABELS.values() if choice_label(lab, LABEL_CONTEXT) == lab]
    assert missing == []


def test_search_results_in_english(record: Any) -> None:
    text = _visible(_english(Client()).get("/credit/", {"q": "一网示范"}))
    assert "1 market entities have “一网示范” in their name." in text
    assert f"Unified social credit code: {record.uscc}" in text
    assert "Registration status: Active (in business, open, registered)" in text
    assert "Abnormal operations" in text  # the badge
    for chinese in ("存续", "：", "统一社会信用代码", "登记状态"):
        assert chinese not in text


def test_enterprise_page_in_english(record: Any) -> None:
    text = _visible(_english(Client()).get(f"/credit/enterprises/{record.uscc}/"))
    # registration
    assert "Active (in business, open, registered)" in text
    assert "Type Limited liability company" in text
    # the list entry, its cause and its history
    assert "Abnormal operations list On the list" in text
    assert "Annual report not published within the time limit (year 2025)" in text
    assert re.search(r"\d{4}-\d\d-\d\d Listed · ", text)
    # disclosures
    assert "Administrative licensing (1)" in text
    assert "Legal basis: 《中华人民共和国食品安全法》第三十五条" in text  # the basis is data
    # the annual report
    assert "Operating status Operating" in text
    assert "Total assets 1000 × 10,000 yuan" in text
    assert "长春甲公司, 长春乙公司" in text
    assert "李四: subscribed 500.0000 / paid in 200.0000 × 10,000 yuan (货币)" in text
    assert "Postal address 吉林省长春市南关区人民大街1号 (130022)" in text
    # immediate information
    assert "Equity transfer or other change of equity: 股东张三将 30% 股权转让给王五" in text
    assert "(arose 2026-09-28, published 2026-10-09)" in text
    chrome = (
        "存续（在营、开业、在册）",
        "有限责任公司",
        "经营异常名录",
        "在列",
        "未按照规定的期限公示年度报告",
        "年度）",  # the listing's reason is stored text and says 年度报告: data
        "行政许可",
        "开业",
        "资产总额",
        "股权转让等股权变更",
        "认缴",
        "依据：",
        "（1）",
        "、",
    )
    assert [c for c in chrome if c in text] == []
    assert record.name in text  # the data stays as filed


def test_list_page_in_english(record: Any) -> None:
    text = _visible(_english(Client()).get("/credit/lists/abnormal/"))
    assert "Abnormal operations list" in text
    assert "Annual report not published within the time limit (2025)" in text
    assert record.name in text
    for chinese in ("经营异常名录", "未按照规定的期限公示年度报告", "（2025）"):
        assert chinese not in text
    assert "Public exposure" in _visible(_english(Client()).get("/credit/lists/exposed/"))


@pytest.mark.parametrize(
    ("path", "query", "status", "english", "chinese"),
    [
        ("/credit/", {"q": "长"}, 400, "Type at least 2 characters", "至少 2 个字"),
        (
            "/credit/",
            {"q": "91110000600037341X"},
            400,
            "The unified social credit code is not valid: check character",
            "格式不正确",
        ),
        (
            "/credit/enterprises/91110000600037341L/",
            {},
            404,
            "No market entity has the unified social credit code 91110000600037341L.",
            "未找到",
        ),
        ("/credit/lists/nonsense/", {}, 404, "There is no such list.", "没有这个名单"),
    ],
)
def test_refusals_in_english(
    db: Any, path: str, query: dict[str, str], status: int, english: str, chinese: str
) -> None:
    response = _english(Client()).get(path, query)
    assert response.status_code == status
    text = _visible(response)
    assert english in text
    assert chinese not in text


def test_chinese_is_still_the_default(record: Any) -> None:
    client = Client()
    found = _visible(client.get("/credit/", {"q": "一网示范"}))
    assert "统一社会信用代码：" in found
    assert "登记状态：存续（在营、开业、在册）" in found.replace(" ", "")
    page = _visible(client.get(f"/credit/enterprises/{record.uscc}/"))
    for chinese in (
        "未按照规定的期限公示年度报告（2025 年度）",
        "行政许可（1）",
        "依据：《中华人民共和国食品安全法》",
        "长春甲公司、长春乙公司",
        "李四：认缴 500.0000 / 实缴 200.0000 万元（货币）",
        "股权转让等股权变更：股东张三将",
        "（信息形成 2026-09-28，公示 2026-10-09）",
        "资产总额",
    ):
        assert chinese in page
    assert "Active" not in page
    assert "year 2025" not in page
    response = client.get("/credit/", {"q": "长"})
    assert "请输入企业名称中至少 2 个字，或完整的统一社会信用代码" in _visible(response)
