"""The approval system end to end in a real Chromium, one browser context per person:

1. 南关区: the citizen applies online for 临时占用城市道路审批 (promised 5 / legal 20
   working days) with a real PDF per material; clerk-nanguan accepts; reviewer-nanguan
   approves and issues; the clerk hands the result over at the window; the citizen sees
   the case completed with its timeline, and anyone with the query code sees its status.
2. Township → county: the citizen applies for 植物检疫证书核发 at the 天桥岭镇 station;
   the station clerk accepts and forwards it to 汪清县林业局; reviewer-wangqing-forestry
   approves and issues; the station posts the certificate with a tracking number and
   records the receipt; the citizen's timeline shows every hand-off.

Demo data is created through the services (org, accounts, calendar, catalog, reference
data). Screenshots of every step go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.portal.approval import FORESTRY, FORMS, NANGUAN, ZHANG_SAN_ID, small_pdf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "yiwang-demo-2026"


@pytest.fixture
def person(browser: Any, live_server: Any) -> Iterator[Callable[[str], Any]]:
    """A page in a browser context of its own, signed in as a demo account."""
    contexts: list[Any] = []

    def open_as(username: str) -> Any:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        contexts.append(context)
        tab = context.new_page()
        tab.set_default_timeout(15_000)
        tab.base_url = live_server.url
        tab.goto(live_server.url + "/login/")
        tab.get_by_label("用户名").fill(username)
        tab.get_by_label("密码").fill(PASSWORD)
        tab.get_by_role("button", name="登录").click()
        tab.wait_for_url("**/workspace/")
        return tab

    yield open_as
    for context in contexts:
        context.close()


@pytest.fixture
def pdfs(tmp_path: Path) -> Callable[[str], Path]:
    def make(name: str) -> Path:
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(small_pdf(name.encode("ascii", "ignore").decode() or "material"))
        return path

    return make


def _nav(tab: Any, name: str) -> Any:
    """A link of the site's main navigation (pages may repeat its names)."""
    return tab.get_by_role("navigation", name="主导航").get_by_role("link", name=name)


def _main(tab: Any) -> str:
    return str(tab.inner_text("main"))


def _fill_application(tab: Any, item_code: str, pdfs: Callable[[str], Path]) -> None:
    """Fill the item's form fields (by their labels) and put a PDF to every material."""
    from yiwang.catalog.selectors import get_item

    item = get_item(item_code)
    for spec in item.form_fields:
        value = FORMS[item_code].get(spec["name"])
        if value is None:
            continue
        field = tab.get_by_label(spec["label"], exact=False).first
        if spec.get("type") == "select":
            field.select_option(str(value))
        else:
            field.fill(str(value))
    for material in item.materials.all():
        if material.required:
            tab.locator(f"#id_m_{material.code}").set_input_files(str(pdfs(material.code)))


def _act(tab: Any, action: str, done: str, **fields: str) -> None:
    """Fill one action form of the workbench and submit it (htmx swaps the case in)."""
    form = tab.locator(f"#action-{action}")
    for name, value in fields.items():
        control = form.locator(f'[name="{name}"]')
        if control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)
    form.get_by_role("button").click()
    tab.wait_for_function(
        "text => document.querySelector('#case-body').innerText.includes(text)", arg=done
    )


def _open_case(tab: Any, case_no: str) -> None:
    tab.goto(tab.base_url + "/workbench/")
    tab.get_by_role("link", name=case_no).click()
    tab.wait_for_url(f"**/workbench/cases/{case_no}/")


def test_nanguan_citizen_applies_online_and_sees_it_completed(
    approval_data: dict[str, Any],
    person: Callable[[str], Any],
    pdfs: Callable[[str], Path],
    shot: Any,
) -> None:
    # --- the citizen finds the item and applies
    citizen = person("citizen")
    _nav(citizen, "办事指南").click()
    citizen.get_by_label("事项名称").fill("临时占用")
    citizen.wait_for_function(
        "!document.querySelector('#item-results').innerText.includes('植物检疫')"
    )
    shot(citizen, "1-search")
    citizen.get_by_role("link", name="临时占用城市道路审批").click()
    citizen.wait_for_url(f"**/items/{NANGUAN}/")
    guide = _main(citizen)
    assert "承诺办结时限\n5 个工作日" in guide or "5 个工作日" in guide
    assert "20 个工作日" in guide
    assert "5 星级事项" in guide
    shot(citizen, "2-guide")
    citizen.get_by_role("link", name="在线申请").click()
    citizen.wait_for_url(f"**/items/{NANGUAN}/apply/")
    _fill_application(citizen, NANGUAN, pdfs)
    citizen.get_by_label("窗口领取").check()
    shot(citizen, "3-application")
    citizen.get_by_role("button", name="提交申请").click()
    citizen.wait_for_url("**/submitted/")
    case_no = citizen.inner_text("#case-no").strip()
    query_code = citizen.inner_text("#query-code").strip()
    assert re.fullmatch(r"220102-\d{8}-\d{6}", case_no)
    assert re.fullmatch(r"[A-Z2-9]{10}", query_code)
    shot(citizen, "4-submitted")

    # --- the window clerk accepts
    clerk = person("clerk-nanguan")
    _nav(clerk, "工作台").click()
    assert case_no in _main(clerk)
    shot(clerk, "5-clerk-inbox")
    _open_case(clerk, case_no)
    detail = _main(clerk)
    assert ZHANG_SAN_ID in detail  # handling staff see the ID in full
    assert "申请人居民身份证" in detail
    stale = clerk.context.new_page()  # the same case open in a second tab
    stale.goto(clerk.url)
    _act(clerk, "accept", "已完成“受理”", comment="材料齐全，予以受理")
    assert "已受理" in clerk.inner_text("#case-body")
    shot(clerk, "6-accepted")
    # the stale tab's "受理" is refused (409) and the reason is swapped into the page
    _act(stale, "accept", "办件已被他人更新")
    shot(stale, "6b-stale-tab-refused")
    stale.close()

    # --- the reviewer approves and issues
    reviewer = person("reviewer-nanguan")
    _open_case(reviewer, case_no)
    _act(reviewer, "approve", "已完成“准予许可”", comment="现场勘查符合条件")
    _act(reviewer, "issue", "已完成“制证”")
    assert "已制证" in reviewer.inner_text("#case-body")
    shot(reviewer, "7-approved-issued")

    # --- the clerk hands the result over at the window
    clerk.reload()
    _act(clerk, "deliver", "已完成“送达”", method="window")
    assert "已办结" in clerk.inner_text("#case-body")
    shot(clerk, "8-delivered")

    # --- the citizen sees it completed, with the timeline and the messages
    citizen.goto(citizen.base_url + "/centre/cases/")
    assert "已办结" in _main(citizen)
    citizen.get_by_role("link", name=case_no).click()
    page = _main(citizen)
    assert "已办结" in page
    for step in ("提交申请", "受理", "准予许可", "制证", "送达", "送达方式：窗口领取"):
        assert step in page, step
    assert "长春市南关区政务服务中心" in page
    assert "王丽" not in page  # staff names stay internal
    shot(citizen, "9-completed")
    _nav(citizen, "消息").click()
    citizen.wait_for_url("**/centre/messages/")
    assert "办件已办结" in _main(citizen)
    shot(citizen, "10-messages")

    # --- anyone with the number and the query code sees the status, nothing personal
    citizen.context.clear_cookies()
    citizen.goto(citizen.base_url + "/lookup/")
    citizen.get_by_label("办件编号").fill(case_no)
    citizen.get_by_label("查询码").fill(query_code)
    citizen.get_by_role("button", name="查询").click()
    found = _main(citizen)
    assert "已办结" in found
    assert "张三" not in found
    assert ZHANG_SAN_ID not in found
    shot(citizen, "11-public-lookup")


def test_township_station_takes_in_and_the_county_decides(
    approval_data: dict[str, Any],
    person: Callable[[str], Any],
    pdfs: Callable[[str], Path],
    shot: Any,
) -> None:
    # --- the citizen applies at the 天桥岭镇 station
    citizen = person("citizen")
    citizen.goto(citizen.base_url + f"/items/{FORESTRY}/")
    assert "由乡镇（街道）便民服务站受理" in _main(citizen)
    shot(citizen, "1-guide")
    citizen.get_by_role("link", name="在线申请").click()
    _fill_application(citizen, FORESTRY, pdfs)
    citizen.get_by_label("受理站点", exact=False).select_option(label="天桥岭镇")
    assert citizen.get_by_label("快递送达").is_checked()  # the item's only delivery
    shot(citizen, "2-application")
    citizen.get_by_role("button", name="提交申请").click()
    citizen.wait_for_url("**/submitted/")
    case_no = citizen.inner_text("#case-no").strip()
    assert case_no.startswith("222424-")

    # --- the station clerk accepts and forwards to the county bureau
    station = person("clerk-tianqiaoling")
    station.goto(station.base_url + "/workbench/")
    assert "天桥岭镇便民服务站" in _main(station)
    shot(station, "3-station-inbox")
    _open_case(station, case_no)
    _act(station, "accept", "已完成“受理”", comment="报检材料齐全")
    _act(station, "forward", "已完成“转报审查”")
    assert "审查中" in station.inner_text("#case-body")
    shot(station, "4-forwarded")

    # --- the county forestry bureau approves and issues
    county = person("reviewer-wangqing-forestry")
    county.goto(county.base_url + "/workbench/")
    assert case_no in _main(county)
    _open_case(county, case_no)
    body = county.inner_text("#case-body")
    assert "天桥岭镇" in body
    assert "汪清县林业局" in body
    _act(county, "approve", "已完成“准予许可”", comment="检疫合格")
    _act(county, "issue", "已完成“制证”")
    shot(county, "5-county-issued")

    # --- the station posts the certificate with a tracking number, then the receipt
    station.reload()
    _act(
        station,
        "deliver",
        "已完成“送达”",
        method="post",
        tracking_no="EMS9876543210",
        carrier="中国邮政速递物流（EMS）",
    )
    assert "已寄出（待签收）" in station.inner_text("#case-body")
    shot(station, "6-posted")
    _act(station, "deliver", "已办结")
    assert "确认签收" in station.inner_text("#case-body")

    # --- the applicant's timeline shows every hand-off
    citizen.goto(citizen.base_url + f"/centre/cases/{case_no}/")
    page = _main(citizen)
    assert "已办结" in page
    assert "快递单号：EMS9876543210" in page
    assert "确认签收" in page
    handoffs = citizen.locator(".handoff").all_inner_texts()
    assert any("天桥岭镇" in h and "汪清县林业局" in h for h in handoffs), handoffs
    units = citizen.locator(".timeline__meta").all_inner_texts()
    assert any("天桥岭镇" in u for u in units)
    assert any("汪清县林业局" in u for u in units)
    shot(citizen, "7-timeline")
