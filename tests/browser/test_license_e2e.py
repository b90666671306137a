"""Issue 11 end to end in a real Chromium ("What must hold"): the citizen gets the
over-limit transport permit (超限运输车辆行驶公路许可) through the approval flow, downloads
its PDF from 我的证照, and a road officer's /verify/ page verifies its QR payload once
online and once with the browser context offline after the page was loaded; the offline
check syncs when the network returns and the holder then sees both checks.

The citizen applies through the pages; the staff steps (accept, approve, issue) go
through the case services — their pages are driven in test_approval_flows.py. The payload
the officer checks is the one printed on the PDF (decoded from the page by zxing-cpp).
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from pypdf import PdfReader

from tests.browser.test_approval_flows import (  # noqa: F401 - fixtures
    _fill_application,
    _main,
    _nav,
    pdfs,
    person,
)
from tests.portal.approval import FORMS
from yiwang.accounts.actor import Actor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PERMIT_ITEM = "220000-JT-XK-001"
ROUTE_FROM = "长春市绿园区"
ROUTE_TO = "四平市铁西区"
PLATE = "吉A88K21"


def _wait(page: Any, script: str, timeout: float = 15.0) -> Any:
    """Poll a page expression (wait_for_function would need eval, which /verify/'s CSP
    forbids)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = page.evaluate(script)
        if value:
            return value
        page.wait_for_timeout(100)
    raise AssertionError(f"timed out waiting for {script}")


def _check(page: Any, payload: str, location: str) -> None:
    page.locator("#verify-payload").fill(payload)
    page.locator("#verify-location").fill(location)
    page.get_by_role("button", name="核验", exact=True).click()
    page.locator("#verify-result").wait_for(state="visible")


def test_the_citizen_gets_the_permit_prints_it_and_an_officer_checks_it_on_and_offline(
    approval_data: dict[str, Any],
    person: Callable[[str], Any],  # noqa: F811
    pdfs: Callable[[str], Path],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    shot: Any,
) -> None:
    from yiwang.cases.services import perform_action
    from yiwang.licenses.models import License, Verification
    from yiwang.licenses.services import load_license_types, payload_of

    load_license_types(actor=Actor.system("test"))
    today = timezone.localdate()
    until = today + timedelta(days=10)
    form = {
        "plate_no": PLATE,
        "cargo_name": "风电叶片",
        "gross_weight_kg": "61500",
        "dimensions": "24.5×3.4×4.2",
        "route_from": ROUTE_FROM,
        "route_to": ROUTE_TO,
        "travel_from": today.isoformat(),
        "travel_to": until.isoformat(),
    }
    monkeypatch.setitem(FORMS, PERMIT_ITEM, form)

    # --- the citizen applies online
    citizen = person("citizen")
    citizen.goto(citizen.base_url + f"/items/{PERMIT_ITEM}/apply/")
    _fill_application(citizen, PERMIT_ITEM, pdfs)
    citizen.get_by_label("自助打印").check()
    citizen.get_by_role("button", name="提交申请").click()
    citizen.wait_for_url("**/submitted/")
    case_no = citizen.inner_text("#case-no").strip()

    # --- the province's hall accepts; the transport department approves and issues
    def staff(username: str) -> Actor:
        return Actor.of(approval_data[username])

    perform_action(case_no, "accept", actor=staff("clerk-jilin"), comment="材料齐全")
    perform_action(case_no, "approve", actor=staff("reviewer-jilin-transport"))
    perform_action(case_no, "issue", actor=staff("reviewer-jilin-transport"))
    lic = License.objects.select_related("key").get(source_case__case_no=case_no)
    assert (lic.holder_kind, lic.holder_code, lic.holder_name) == (
        "person",
        "220102198806151015",
        "张三",
    )
    assert (lic.valid_from, lic.valid_until) == (today, until)

    # --- 我的证照: the permit at once, valid, with its QR code; the PDF downloads
    _nav(citizen, "我的证照").click()
    citizen.wait_for_url("**/centre/licenses/")
    card = citizen.locator(f'article[data-identifier="{lic.identifier}"]')
    assert card.get_attribute("data-status") == "valid"
    assert "超限运输车辆行驶公路许可" in card.inner_text()
    assert card.locator("svg").count() == 1
    shot(citizen, "1-my-licenses")
    with citizen.expect_download() as download:
        card.get_by_role("link", name="下载 PDF（A4 打印）").click()
    assert download.value.suggested_filename == f"{lic.identifier}.pdf"
    pdf = Path(download.value.path()).read_bytes()
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = re.sub(r"\s+", "", reader.pages[0].extract_text())
    for expected in ("超限运输车辆行驶公路许可", "张三", PLATE, ROUTE_FROM, ROUTE_TO, "风电叶片"):
        assert expected in text, expected
    # The officer scans the code printed on that page (rasterised by pdfium).
    import pypdfium2
    import zxingcpp

    image = pypdfium2.PdfDocument(pdf)[0].render(scale=150 / 72).to_pil()
    payload = zxingcpp.read_barcodes(image)[0].text
    assert payload == payload_of(lic)
    assert f"车牌={PLATE}" in payload

    # --- the road officer: online once, then offline with the page already loaded
    officer = person("officer-jilin-transport")
    officer.goto(officer.base_url + "/verify/")
    officer.locator("#verify[data-ready='1']").wait_for(state="attached")
    _check(officer, payload, "G1 京哈高速 K1020")
    officer.locator("#verify-result[data-mode='online']").wait_for()
    assert officer.locator("#verify-result").get_attribute("data-result") == "valid"
    facts = officer.locator("#verify-facts").inner_text()
    for expected in ("张三", PLATE, "吉林省交通运输厅"):  # the authority whose key verified
        assert expected in facts, expected
    shot(officer, "2-online")

    officer.context.set_offline(True)
    _check(officer, payload, "S102 省道 治超检测站")
    result = officer.locator("#verify-result")
    assert (result.get_attribute("data-result"), result.get_attribute("data-mode")) == (
        "valid",
        "offline",
    )
    assert "状态未核查" in officer.locator("#verify-note").inner_text()
    assert Verification.objects.filter(license=lic).count() == 1  # still on the phone
    shot(officer, "3-offline")
    officer.context.set_offline(False)  # `online` fires: the queued check is posted
    _wait(officer, "() => JSON.parse(localStorage.getItem('yiwang.verify.queue')).length === 0")
    logged = list(Verification.objects.filter(license=lic).order_by("checked_at"))
    assert [(v.channel, v.result, v.offline_result) for v in logged] == [
        ("online", "valid", ""),
        ("offline_sync", "valid", "valid"),
    ]
    assert {v.verifier_label for v in logged} == {"马骏（吉林省交通运输厅）"}

    # --- the holder sees who checked the permit, where and when
    citizen.goto(citizen.base_url + "/centre/licenses/")
    checks = citizen.locator(f'article[data-identifier="{lic.identifier}"] tbody').inner_text()
    assert checks.count("马骏（吉林省交通运输厅）") == 2
    assert "S102 省道 治超检测站" in checks
    assert "G1 京哈高速 K1020" in checks
    assert "（离线核验）" in checks
    assert "220102198806151015" in _main(citizen)  # their own ID number, whole
    shot(citizen, "4-checked")
