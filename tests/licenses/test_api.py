"""The license API: bad input never a 500, verification online as the officer and the
public see it, the QR, the published keys, masking, the change feed."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.cases.conftest import CaseApi
from tests.problems import assert_problem
from yiwang.common.anchoring import key_id_of
from yiwang.licenses.models import License, Verification
from yiwang.licenses.services import payload_of, verify_payload
from yiwang.licenses.services.verifying import VERIFY_RATE_LIMIT

pytestmark = pytest.mark.django_db

API = "/api/v1"
PERMIT = "111000000603213830002"


@pytest.fixture
def permit(demo_licenses: dict[str, Any]) -> License:
    return License.objects.get(holder_code="91220101MA17Y8K34M", license_type__code=PERMIT)


def _verify(client: Client, body: dict[str, Any], **headers: Any) -> Any:
    return client.post(f"{API}/licenses/verify", body, content_type="application/json", **headers)


@pytest.mark.parametrize(
    "identifier",
    [
        "x",
        "1.2.156.3005.2.111000000603213830002.11220000696864412B.202600000001.001.E",
        "1.2.156.3005.2.111000000603213830002.11220000696864412B.202600000001.000.U",
        "1.2.156.3005.2.abc.11220000696864412B.1.001.U",
        "%E4%B8%AD",
    ],
)
def test_a_malformed_identifier_is_400_bad_license_id(
    api: CaseApi, demo_licenses: dict[str, Any], identifier: str
) -> None:
    for path in ("", "/qr", "/verifications", "/pdf"):
        response = api.get("enterprise", f"/licenses/{identifier}{path}")
        assert_problem(response, 400, "bad_license_id")
    revoke = api.client.post(
        f"{API}/licenses/{identifier}/revoke",
        {"reason": "x"},
        content_type="application/json",
        **api.headers("reviewer-jilin-transport"),  # type: ignore[arg-type]
    )
    assert_problem(revoke, 400, "bad_license_id")


def test_a_well_formed_unknown_identifier_is_404(api: CaseApi, permit: License) -> None:
    other = permit.identifier.replace(".001.", ".002.")[:-1]
    from yiwang.common.validators import license_check_char

    body = other.removeprefix("1.2.156.3005.2.").replace(".", "")
    response = api.get("enterprise", f"/licenses/{other}{license_check_char(body)}")
    assert_problem(response, 404, "license_not_found")


def test_the_holder_sees_their_licenses_and_the_qr(api: CaseApi, permit: License) -> None:
    mine = api.get("enterprise", "/licenses").json()
    assert {i["type_name"] for i in mine["items"]} == {
        "营业执照",
        "超限运输车辆行驶公路许可",
        "道路运输证",
    }
    detail = api.get("enterprise", f"/licenses/{permit.identifier}").json()
    assert detail["status"] == "valid"
    assert detail["signed"] is True
    assert detail["seal_name"] == "吉林省交通运输厅电子证照专用章"
    assert {"name": "plate_no", "label": "车牌", "value": "吉A12345"} in detail["metadata"]
    qr = api.get("enterprise", f"/licenses/{permit.identifier}/qr").json()
    assert qr["payload"] == payload_of(permit)
    assert qr["svg"].startswith("<svg")


def test_the_qr_decodes_to_the_payload(api: CaseApi, permit: License) -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    import io

    import segno
    from PIL import Image

    payload = api.get("enterprise", f"/licenses/{permit.identifier}/qr").json()["payload"]
    buffer = io.BytesIO()
    segno.make(payload, error="m", mode="byte").save(buffer, kind="png", scale=4)
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(buffer.getvalue())))
    assert decoded[0].text == payload


def test_id_numbers_are_masked_for_everyone_but_holder_and_issuer(
    api: CaseApi, demo_licenses: dict[str, Any]
) -> None:
    lic = License.objects.filter(holder_code="220102198806151015").first()
    assert lic is not None
    own = api.get("citizen", f"/licenses/{lic.identifier}").json()
    assert own["holder_code"] == "220102198806151015"
    admin = api.get("admin", f"/licenses/{lic.identifier}").json()
    assert admin["holder_code"] == "220102********1015"


def test_the_officer_verifies_online_and_the_holder_sees_who(api: CaseApi, permit: License) -> None:
    answer = _verify(
        api.client,
        {"payload": payload_of(permit), "location": "G1 京哈高速 长春收费站"},
        **api.headers("officer-jilin-transport"),
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["result"] == "valid"
    assert body["authority_name"] == "吉林省交通运输厅"  # whose key verified
    assert body["license"]["holder_name"] == "长春一网示范科技有限公司"
    assert {"name": "cargo_name", "label": "货物", "value": "变压器"} in body["license"]["metadata"]
    public = _verify(api.client, {"payload": payload_of(permit)}).json()
    assert public["result"] == "valid"
    assert public["license"]["metadata"] == []  # the full record only for officers
    seen = api.get("enterprise", f"/licenses/{permit.identifier}/verifications").json()
    assert [(v["verifier"], v["location"]) for v in seen] == [
        ("", ""),
        ("马骏（吉林省交通运输厅）", "G1 京哈高速 长春收费站"),
    ]


def test_an_offline_check_synced_later_keeps_its_time(api: CaseApi, permit: License) -> None:
    when = (timezone.now() - timedelta(hours=5)).replace(microsecond=0)
    answer = _verify(
        api.client,
        {"payload": payload_of(permit), "checked_at": when.isoformat(), "offline_result": "valid"},
        **api.headers("officer-jilin-transport"),
    )
    assert answer.status_code == 200
    logged = Verification.objects.get()
    assert (logged.checked_at, logged.channel, logged.offline_result) == (
        when,
        "offline_sync",
        "valid",
    )
    future = _verify(
        api.client,
        {
            "payload": payload_of(permit),
            "checked_at": (timezone.now() + timedelta(days=1)).isoformat(),
        },
    )
    assert_problem(future, 422, "checked_at_in_future")


def test_revoked_is_reported_online(api: CaseApi, permit: License) -> None:
    revoked = api.client.post(
        f"{API}/licenses/{permit.identifier}/revoke",
        {"reason": "车辆超载违法"},
        content_type="application/json",
        **api.headers("reviewer-jilin-transport"),  # type: ignore[arg-type]
    )
    assert revoked.status_code == 200, revoked.content
    assert revoked.json()["status"] == "revoked"
    assert _verify(api.client, {"payload": payload_of(permit)}).json()["result"] == "revoked"


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "hello",
        "YWL1~" * 9,
        os.urandom(64).hex(),
        "\u4e2d" * 1000,
        "YWL1~1.2.156.3005.2.111000000603213830002.11220000696864412B.1.001.0~001~0~0~0~0~~",
    ],
    ids=lambda _value: "",  # random bytes among them: ids must not be (pytest-xdist)
)
def test_garbage_payloads_are_tampered_never_500(
    permit: License, client: Client, payload: str
) -> None:
    response = _verify(client, {"payload": payload})
    assert response.status_code == 200
    assert response.json() == {
        "result": "tampered",
        "reason": response.json()["reason"],
        "authority_name": "",
        "license": None,
    }


def test_truncated_and_unknown_key_payloads(permit: License, client: Client) -> None:
    text = payload_of(permit)
    for cut in (10, len(text) // 2, len(text) - 5):
        assert _verify(client, {"payload": text[:cut]}).json()["result"] == "tampered"
    parts = text.split("~")
    parts[3] = "00000000deadbeef"
    assert _verify(client, {"payload": "~".join(parts)}).json()["result"] == "unknown"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"payload": 5},
        {"payload": ["x"]},
        {"payload": "x", "checked_at": "yesterday"},
        {"payload": "x", "offline_result": "fine"},
        {"payload": "x" * 5000},
    ],
)
def test_bad_verify_bodies_are_422(permit: License, client: Client, body: dict[str, Any]) -> None:
    response = _verify(client, body)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"


def test_public_verification_is_rate_limited(permit: License, client: Client) -> None:
    limit, _ = VERIFY_RATE_LIMIT
    for _ in range(limit):
        assert _verify(client, {"payload": "x"}).status_code == 200
    refused = _verify(client, {"payload": "x"})
    assert_problem(refused, 429, "rate_limited")
    assert int(refused["Retry-After"]) >= 1


def test_the_published_keys(client: Client, permit: License) -> None:
    keys = client.get(f"{API}/licenses/keys").json()["keys"]
    mine = next(k for k in keys if k["key_id"] == permit.key.key_id)
    assert mine["authority"] == "220000-transport"
    assert mine["authority_uscc"] == "11220000696864412B"
    assert mine["algorithm"] == "SM2"
    # Published as the 130-hex uncompressed point; its id is anchoring's rule over X||Y.
    assert len(mine["public_key"]) == 130
    assert mine["public_key"].startswith("04")
    assert mine["key_id"] == key_id_of(bytes.fromhex(mine["public_key"])[1:])
    assert "sealed" not in str(keys)
    assert all("private" not in k for k in keys)


def test_the_change_feed_for_exchange_clients(api: CaseApi, permit: License) -> None:
    first = api.get("admin", "/licenses/changes", since=0, limit=2).json()
    assert len(first["changes"]) == 2
    assert first["more"] is True
    rest = api.get("admin", "/licenses/changes", since=first["next_cursor"], limit=1000).json()
    cursors = [c["cursor"] for c in first["changes"] + rest["changes"]]
    assert cursors == sorted(cursors)
    assert permit.identifier in {c["identifier"] for c in first["changes"] + rest["changes"]}
    assert_problem(api.get("admin", "/licenses/changes", since=-1), 422, "validation_failed")
    assert_problem(
        api.get("officer-jilin-transport", "/licenses/changes"), 403, "exchange_clients_only"
    )


def test_before_the_period_is_not_yet_valid_and_after_it_expired(permit: License) -> None:
    """Decision 0019: `not_yet_valid` is its own online result; `expired` stays past
    valid_until; the revoked/suspended/superseded checks come first either way."""
    text = payload_of(permit)
    before = verify_payload(text, today=permit.valid_from - timedelta(days=1))
    assert (before.result, before.reason) == ("not_yet_valid", "before_valid_from")
    assert before.authority_name == "吉林省交通运输厅"
    assert verify_payload(text, today=permit.valid_from).result == "valid"
    assert permit.valid_until is not None
    assert verify_payload(text, today=permit.valid_until).result == "valid"
    after = verify_payload(text, today=permit.valid_until + timedelta(days=1))
    assert (after.result, after.reason) == ("expired", "past_valid_until")


def test_the_pdf_is_for_the_holder_and_the_issuer_only(api: CaseApi, permit: License) -> None:
    import io
    import re

    from pypdf import PdfReader

    path = f"/licenses/{permit.identifier}/pdf"
    own = api.get("enterprise", path)
    assert own.status_code == 200, own.content
    assert own["Content-Type"] == "application/pdf"
    assert own["Content-Disposition"] == f'attachment; filename="{permit.identifier}.pdf"'
    text = re.sub(r"\s+", "", PdfReader(io.BytesIO(own.content)).pages[0].extract_text())
    for expected in ("超限运输车辆行驶公路许可", "长春一网示范科技有限公司", "吉A12345", "变压器"):
        assert expected in text
    assert api.get("reviewer-jilin-transport", path).status_code == 200  # the issuer's staff
    assert_problem(api.get("citizen", path), 404, "license_not_found")
    assert_problem(api.get("officer-jilin-transport", path), 404, "license_not_found")


def test_an_unsigned_license_has_no_pdf_yet(api: CaseApi, permit: License) -> None:
    License.objects.filter(pk=permit.pk).update(signed_at=None)
    assert_problem(
        api.get("enterprise", f"/licenses/{permit.identifier}/pdf"), 404, "license_not_signed"
    )
