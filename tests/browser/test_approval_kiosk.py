"""The hall's self-service terminal in a real Chromium: three steps with big buttons,
the endorsement issued at once — and, for someone with an exit restriction on record,
handed to a clerk with the reason on screen."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.portal.approval import ENDORSE, ZHANG_SAN_ID, small_pdf
from yiwang.accounts.actor import Actor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _three_steps(page: Any, pass_scan: Path, shot: Any, prefix: str) -> str:
    page.goto(page.base_url + "/kiosk/")
    assert "请选择要办理的业务" in page.inner_text("main")
    shot(page, f"{prefix}-1-choose")
    page.get_by_role("link", name="往来港澳通行证再次签注").click()
    page.wait_for_url(f"**/kiosk/{ENDORSE}/")
    assert "身份证读卡器接入后" in page.inner_text("main")
    page.get_by_label("用户名").fill("citizen")
    page.get_by_label("密码").fill("yiwang-demo-2026")
    shot(page, f"{prefix}-2-identify")
    page.get_by_role("button", name="登录并继续").click()
    page.wait_for_url(f"**/kiosk/{ENDORSE}/confirm/")
    assert ZHANG_SAN_ID in page.inner_text("main")
    page.get_by_label("前往地").select_option("香港")
    page.get_by_label("签注种类").select_option("个人旅游（G）")
    page.get_by_label("签注有效次数").select_option("一次有效")
    page.locator("#id_m_hk-macao-pass").set_input_files(str(pass_scan))
    shot(page, f"{prefix}-3-confirm")
    page.get_by_role("button", name="确认办理").click()
    page.wait_for_url("**/kiosk/result/**")
    return str(page.inner_text("main"))


def test_kiosk_endorsement_is_issued_at_once_or_handed_to_a_clerk(
    approval_data: dict[str, Any], page: Any, shot: Any, tmp_path: Path
) -> None:
    from yiwang.cases.services import record_exit_restriction

    scan = tmp_path / "pass.pdf"
    scan.write_bytes(small_pdf("HK Macao pass"))
    result = _three_steps(page, scan, shot, "a")
    assert "办理成功" in result
    assert "当场办结" in result
    shot(page, "a-4-issued")
    page.get_by_role("button", name="完成并退出").click()
    page.wait_for_url("**/kiosk/")
    assert "退出" not in page.inner_text(".kiosk-header")  # signed out for the next person

    record_exit_restriction(
        holder_id_number=ZHANG_SAN_ID,
        authority="某市公安局",
        since=date(2026, 1, 1),
        actor=Actor.system("test"),
    )
    result = _three_steps(page, scan, shot, "b")
    assert "已转人工审核" in result
    assert "申请人存在限制出境记录，需人工审核" in result
    shot(page, "b-4-manual-review")
