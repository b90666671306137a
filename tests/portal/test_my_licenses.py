"""我的证照 in the holder's centre (issue 11.4, 11.5): the holder's licenses with status,
validity, the QR code of the signed payload, the PDF to print, and who checked each one
when; the navigation links it; someone else's license does not exist here."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from tests.licenses.conftest import demo_licenses, license_types  # noqa: F401
from tests.pages import text as _text
from yiwang.accounts.actor import Actor
from yiwang.accounts.models import User
from yiwang.licenses.models import License
from yiwang.licenses.services import payload_of, record_verification, verify_payload
from yiwang.portal.views_licenses import _holder_code

pytestmark = pytest.mark.django_db

PERMIT = "111000000603213830002"
CITIZEN_ID = "220102198806151015"


@pytest.fixture
def permit(demo_licenses: dict[str, Any]) -> License:  # noqa: F811
    return License.objects.get(holder_code="91220101MA17Y8K34M", license_type__code=PERMIT)


def test_the_holder_sees_their_licenses_with_status_validity_and_qr(
    signed_in: Callable[[str], Client], permit: License
) -> None:
    client = signed_in("enterprise")
    response = client.get("/centre/licenses/")
    assert response.status_code == 200
    html = response.content.decode()
    # The centre's navigation links the page (and marks it current).
    assert re.search(r'<a href="/centre/licenses/" aria-current="page">我的证照</a>', html)
    cards = re.findall(r'<article class="panel license-card"[^>]*data-status="(\w+)"', html)
    assert sorted(cards) == ["valid", "valid", "valid"]  # 营业执照, the permit, 道路运输证
    page = _text(response)
    for expected in (
        "超限运输车辆行驶公路许可",
        "营业执照",
        "道路运输证",
        "长春一网示范科技有限公司",
        "吉A12345",
        f"{permit.valid_from:%Y-%m-%d} — {permit.valid_until:%Y-%m-%d}",
        "吉林省交通运输厅",
        permit.identifier,
        "还没有人核验过这张证照。",
    ):
        assert expected in page, expected
    assert html.count("<svg") == 3  # a QR code per license
    assert f'href="/centre/licenses/{permit.identifier}/pdf/"' in html
    # The citizen sees their own licenses only.
    other = signed_in("citizen").get("/centre/licenses/").content.decode()
    assert permit.identifier not in other
    assert CITIZEN_ID in other  # their own ID number, whole


def test_the_holder_sees_who_checked_and_when(
    signed_in: Callable[[str], Client], permit: License
) -> None:
    officer = Actor.of(User.objects.get(username="officer-jilin-transport"))
    payload = payload_of(permit)
    record_verification(verify_payload(payload), actor=officer, location="G1 京哈高速 K1020")
    earlier = timezone.now() - timedelta(hours=3)
    record_verification(
        verify_payload(payload),
        actor=Actor.anonymous(),
        checked_at=earlier,
        offline_result="valid",
    )
    page = _text(signed_in("enterprise").get("/centre/licenses/"))
    checks = page[page.index(permit.identifier) :]
    assert "马骏（吉林省交通运输厅）" in checks
    assert "G1 京哈高速 K1020" in checks
    assert "匿名核验" in checks
    assert "（离线核验）" in checks
    assert f"{timezone.localtime(earlier):%Y-%m-%d %H:%M}" in checks
    # Newest first: the officer's check, then the anonymous one made offline earlier.
    assert checks.index("马骏") < checks.index("匿名核验")


def test_the_holder_downloads_the_pdf_and_nobody_else_does(
    signed_in: Callable[[str], Client], permit: License
) -> None:
    path = f"/centre/licenses/{permit.identifier}/pdf/"
    own = signed_in("enterprise").get(path)
    assert own.status_code == 200
    assert own["Content-Type"] == "application/pdf"
    assert own["Content-Disposition"] == f'attachment; filename="{permit.identifier}.pdf"'
    text = re.sub(r"\s+", "", PdfReader(io.BytesIO(own.content)).pages[0].extract_text())
    for expected in ("长春一网示范科技有限公司", "吉A12345", "长春市", "吉林市", "变压器"):
        assert expected in text, expected
    assert signed_in("citizen").get(path).status_code == 404


def test_staff_do_not_have_a_licenses_centre(signed_in: Callable[[str], Client]) -> None:
    assert signed_in("officer-jilin-transport").get("/centre/licenses/").status_code == 403


def test_a_persons_id_number_is_masked_for_anyone_but_that_person(
    demo_licenses: dict[str, Any],  # noqa: F811
) -> None:
    lic = License.objects.filter(holder_code=CITIZEN_ID).first()
    assert lic is not None
    citizen = Actor.of(User.objects.get(username="citizen"))
    enterprise = Actor.of(User.objects.get(username="enterprise"))
    assert _holder_code(citizen, lic) == CITIZEN_ID
    assert _holder_code(enterprise, lic) == "220102********1015"


def test_the_page_in_english(signed_in: Callable[[str], Client], permit: License) -> None:
    client = signed_in("enterprise")
    page = _text(client.get("/centre/licenses/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "My licenses" in page
    assert "Download PDF (A4, to print)" in page
