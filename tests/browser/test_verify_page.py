"""The officer's verify page in a real Chromium (issue 11.4), under the site's strict CSP.

Payloads are built and signed in Python (gmssl-pyx, tests/qr_payload.py) and judged by
the page's verify.js with the vendored sm-crypto-v2 — two code bases agreeing on SM2 with
Z_A, the user id and DER. Until the licenses app is merged, GET /api/v1/licenses/keys and
POST /api/v1/licenses/verify are answered by route handlers of the browser context; the
page itself asks for exactly those URLs.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import segno

from tests.qr_payload import Key, build_payload, keys_document, new_key

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
KEYS_PATH = "/api/v1/licenses/keys"
VERIFY_PATH = "/api/v1/licenses/verify"
PASSWORD = "yiwang-demo-2026"
# GM/T 0003.5: the order of the SM2 base point.
N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123


class FakeLicenseApi:
    """Stands in for the licenses app's two endpoints: serves the keys, records posts."""

    def __init__(self, keys: dict[str, Any]) -> None:
        self.keys = keys
        self.key_requests = 0
        self.posts: list[dict[str, Any]] = []
        self.answer: dict[str, Any] = {"result": "valid", "license": None}

    def install(self, context: Any) -> None:
        context.route(f"**{KEYS_PATH}", self._keys)
        context.route(f"**{VERIFY_PATH}", self._verify)

    def _keys(self, route: Any) -> None:
        self.key_requests += 1
        route.fulfill(status=200, content_type="application/json", body=json.dumps(self.keys))

    def _verify(self, route: Any) -> None:
        request = route.request
        self.posts.append(
            {"body": json.loads(request.post_data or "{}"), "headers": request.all_headers()}
        )
        route.fulfill(status=200, content_type="application/json", body=json.dumps(self.answer))


@pytest.fixture
def key() -> Key:
    return new_key()


@pytest.fixture
def api(key: Key) -> FakeLicenseApi:
    return FakeLicenseApi(keys_document(key, new_key("吉林省市场监督管理厅")))


@pytest.fixture
def phone(browser: Any, live_server: Any, api: FakeLicenseApi) -> Iterator[Any]:
    """A phone-sized tab that obeys the CSP (no bypass), service workers allowed."""
    context = browser.new_context(
        locale="zh-CN", viewport=PHONE, has_touch=True, service_workers="allow"
    )
    api.install(context)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    tab.base_url = live_server.url
    tab.violations = []
    tab.on(
        "console",
        lambda m: tab.violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    yield tab
    context.close()


def open_page(page: Any) -> None:
    page.goto(page.base_url + "/verify/")
    page.locator("#verify[data-ready='1']").wait_for(state="attached")


def judge(page: Any, payload: str, today: str) -> str:
    """verify.js's offline result for a payload, with the keys the page fetched."""
    return str(
        page.evaluate(
            """([text, today]) => YiwangVerify.verifyOffline(
                 text, JSON.parse(localStorage.getItem('yiwang.verify.keys')).document,
                 SmCryptoV2.sm2, today).result""",
            [payload, today],
        )
    )


def submit(page: Any, payload: str, location: str = "") -> tuple[str, str]:
    page.locator("#verify-payload").fill(payload)
    page.locator("#verify-location").fill(location)
    page.get_by_role("button", name="核验", exact=True).click()
    result = page.locator("#verify-result")
    result.wait_for(state="visible")
    return str(result.get_attribute("data-result")), page.locator("#verify-verdict").inner_text()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _der_int(value: int) -> bytes:
    raw = value.to_bytes((value.bit_length() + 8) // 8, "big")  # a leading 0 when needed
    return b"\x02" + bytes([len(raw)]) + raw


def _split_der(signature: bytes) -> tuple[int, int]:
    r_len = signature[3]
    r = int.from_bytes(signature[4 : 4 + r_len], "big")
    s = int.from_bytes(signature[6 + r_len :], "big")
    return r, s


def with_signature(payload: str, mutate: Callable[[bytes], bytes]) -> str:
    body, _, sig = payload.rpartition("~")
    raw = base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4))
    return body + "~" + _b64(mutate(raw))


def test_verify_js_agrees_with_gmssl_on_every_case(
    phone: Any, key: Key, api: FakeLicenseApi
) -> None:
    """Interop: what gmssl-pyx signed verifies in the page; every change is caught."""
    open_page(phone)
    today = "20260615"
    good = build_payload(key)
    assert judge(phone, good, today) == "valid"
    # Rare characters outside the BMP (a holder's name) are signed and verified as UTF-8.
    rare = build_payload(key, fields={"证照": "超限运输车辆行驶公路许可", "持证者": "𠮷林运输"})
    assert judge(phone, rare, today) == "valid"
    assert judge(phone, build_payload(key, valid_until=None), today) == "valid"
    # The validity period, inclusive at both ends (Asia/Shanghai calendar days).
    assert judge(phone, good, "20301231") == "valid"
    assert judge(phone, good, "20260101") == "valid"
    assert judge(phone, good, "20310101") == "expired"
    assert judge(phone, good, "20251231") == "not_yet_valid"
    expired = build_payload(key, valid_from=date(2025, 1, 1), valid_until=date(2025, 12, 31))
    assert judge(phone, expired, today) == "expired"
    # Any change of a signed part: a field, the version, the dates, the digest, the key id.
    assert judge(phone, good.replace("吉A12345", "吉A12346"), today) == "tampered"
    assert judge(phone, good.replace("~001~", "~002~", 1), today) == "tampered"
    assert judge(phone, good.replace("~20301231~", "~20351231~"), today) == "tampered"
    digest = good.split("~")[4]
    flipped_digest = ("0" if digest[0] != "0" else "1") + digest[1:]
    assert judge(phone, good.replace(digest, flipped_digest), today) == "tampered"
    other_id = api.keys["keys"][1]["key_id"]
    assert judge(phone, good.replace(key.key_id, other_id), today) == "tampered"
    # The signature: a flipped byte of s, of r; a truncated one; garbage.
    assert judge(phone, with_signature(good, lambda b: b[:-1] + bytes([b[-1] ^ 1])), today) == (
        "tampered"
    )
    assert judge(
        phone, with_signature(good, lambda b: b[:8] + bytes([b[8] ^ 0x40]) + b[9:]), today
    ) == ("tampered")
    assert judge(phone, with_signature(good, lambda b: b[:-3]), today) == "tampered"
    assert judge(phone, with_signature(good, lambda b: b + b"\x00"), today) == "tampered"
    # A SEQUENCE whose length is not its content's (DER is exact; the library never looks).
    assert judge(
        phone, with_signature(good, lambda b: b[:1] + bytes([b[1] - 1]) + b[2:]), today
    ) == ("tampered")
    # s + n (out of range, the same point): refused by verify.js's own range check.
    r, s = _split_der(base64.urlsafe_b64decode(good.rpartition("~")[2] + "=="))
    high = _der_int(r) + _der_int(s + N)
    high_s = with_signature(good, lambda b: b"\x30" + bytes([len(high)]) + high)
    assert judge(phone, high_s, today) == "tampered"
    # ... by the decoder itself, not by the library happening to throw on it.
    decode = "b => YiwangVerify.decodeSignature(YiwangVerify.base64urlDecode(b))"
    assert phone.evaluate(decode, high_s.rpartition("~")[2]) is None
    assert phone.evaluate(decode, good.rpartition("~")[2]) == {"r": f"{r:064x}", "s": f"{s:064x}"}
    # Base64url with non-zero unused bits (a second spelling of the same bytes).
    sig = good.rpartition("~")[2]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    respelt = sig[:-1] + alphabet[alphabet.index(sig[-1]) | 1]
    if respelt != sig:
        assert judge(phone, good[: -len(sig)] + respelt, today) == "tampered"
    # A key id nobody published; random text; a truncated payload; random bytes.
    assert judge(phone, build_payload(new_key()), today) == "unknown"
    assert judge(phone, "hello, officer", today) == "tampered"
    assert judge(phone, good[: len(good) // 2], today) == "tampered"
    assert judge(phone, bytes(range(256)).decode("latin-1"), today) == "tampered"
    assert judge(phone, "", today) == "tampered"
    assert phone.violations == []


def test_a_pasted_payload_shows_big_with_its_fields_and_the_server_status(
    phone: Any, key: Key, api: FakeLicenseApi, shot: Any
) -> None:
    open_page(phone)
    assert api.key_requests >= 1  # the page asked for the real keys URL
    result, verdict = submit(phone, build_payload(key), location="G1 京哈高速 K1020")
    # The page answers at once (offline verification), then shows the server's answer.
    phone.locator("#verify-result[data-mode='online']").wait_for()
    assert (result, verdict) == ("valid", "有效")
    facts = phone.locator("#verify-facts").inner_text()
    for expected in [
        "吉林通达运输有限公司",
        "吉A12345",
        "超限运输车辆行驶公路许可",
        "2026-01-01",
        "吉林省交通运输厅",
    ]:
        assert expected in facts
    assert api.posts[-1]["body"]["location"] == "G1 京哈高速 K1020"
    assert api.posts[-1]["body"]["payload"] == build_payload_text(phone)
    shot(phone, "valid")
    # The server knows more than the signature: a revoked license says so.
    api.answer = {"result": "revoked", "license": None}
    submit(phone, build_payload(key))
    phone.locator("#verify-result[data-result='revoked']").wait_for()
    assert phone.locator("#verify-verdict").inner_text() == "已吊销"
    shot(phone, "revoked")
    # A forged payload is red and shows none of its claims.
    api.answer = {"result": "tampered", "license": None}
    submit(phone, build_payload(key).replace("吉A12345", "吉A99999"))
    phone.locator("#verify-result[data-result='tampered']").wait_for()
    assert "吉A99999" not in phone.locator("#verify-facts").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert phone.violations == []


def build_payload_text(page: Any) -> str:
    return str(page.locator("#verify-payload").input_value()).strip()


def test_an_image_of_the_qr_code_is_decoded_by_the_vendored_scanner(
    phone: Any, key: Key, tmp_path: Path
) -> None:
    """qr-scanner's worker (a blob: worker, allowed on this page only) reads the QR code
    segno drew of the payload, UTF-8 Chinese included."""
    open_page(phone)
    payload = build_payload(key)
    image = tmp_path / "permit-qr.png"
    segno.make(payload, error="m", mode="byte").save(image, scale=6, border=4)
    phone.locator("#verify-image").set_input_files(str(image))
    phone.locator("#verify-result[data-result='valid']").wait_for()
    assert phone.locator("#verify-payload").input_value() == payload
    assert phone.violations == []


def _wait(page: Any, script: str, timeout: float = 15.0) -> Any:
    """Poll a page expression (wait_for_function's string form needs eval, which the
    CSP forbids)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = page.evaluate(script)
        if value:
            return value
        page.wait_for_timeout(100)
    raise AssertionError(f"timed out waiting for {script}")


def test_offline_after_one_visit_the_page_reloads_verifies_and_syncs_later(
    phone: Any, key: Key, api: FakeLicenseApi, shot: Any
) -> None:
    open_page(phone)
    # The service worker took the page and has the keys in its cache.
    _wait(phone, "() => navigator.serviceWorker.controller !== null")
    _wait(phone, f"() => caches.match('{KEYS_PATH}').then(r => !!r)")
    posts_before = len(api.posts)

    phone.context.set_offline(True)
    reloaded = phone.reload()
    assert reloaded is not None
    assert reloaded.from_service_worker  # the network is off: the worker's copy
    phone.locator("#verify[data-ready='1']").wait_for(state="attached")
    assert phone.locator("#verify-network").inner_text() == "离线模式：使用已缓存的公钥核验"
    result, verdict = submit(phone, build_payload(key), location="S102 省道 治超检测站")
    assert (result, verdict) == ("valid", "有效")
    assert phone.locator("#verify-result").get_attribute("data-mode") == "offline"
    assert "状态未核查" in phone.locator("#verify-note").inner_text()
    queued = phone.evaluate("JSON.parse(localStorage.getItem('yiwang.verify.queue'))")
    assert [q["offline_result"] for q in queued] == ["valid"]
    assert "待上报的离线核验记录：1" in phone.locator("#verify-queue").inner_text()
    assert len(api.posts) == posts_before  # nothing left the phone
    shot(phone, "offline")

    phone.context.set_offline(False)  # the browser fires `online`: the queue is posted
    _wait(phone, "() => JSON.parse(localStorage.getItem('yiwang.verify.queue')).length === 0")
    synced = api.posts[-1]["body"]
    assert synced["payload"] == queued[0]["payload"]
    assert synced["offline_result"] == "valid"
    assert synced["location"] == "S102 省道 治超检测站"
    assert synced["checked_at"] == queued[0]["checked_at"]
    assert phone.locator("#verify-queue").inner_text() == "离线核验记录已全部上报。"


def test_a_signed_in_officers_checks_carry_the_session_and_csrf_token(
    phone: Any, key: Key, api: FakeLicenseApi, demo_users: dict[str, Any]
) -> None:
    """Verification is public; attribution rides on the session (decision 0020)."""
    open_page(phone)
    assert "执法人员登录后" in phone.locator(".verify__who").inner_text()
    phone.goto(phone.base_url + "/login/?next=/verify/")
    phone.get_by_label("用户名").fill("clerk-nanguan")
    phone.get_by_label("密码").fill(PASSWORD)
    phone.locator("form.panel button[type=submit], main form button[type=submit]").first.click()
    phone.wait_for_url("**/verify/")
    phone.locator("#verify[data-ready='1']").wait_for(state="attached")
    assert "已登录" in phone.locator(".verify__who").inner_text()
    submit(phone, build_payload(key))
    phone.locator("#verify-result[data-mode='online']").wait_for()
    headers = api.posts[-1]["headers"]
    cookies = {
        c["name"]: c["value"]
        for c in phone.context.cookies()
        if c["name"] in {"csrftoken", "sessionid"}
    }
    assert headers["x-csrftoken"] == cookies["csrftoken"]
    assert f"sessionid={cookies['sessionid']}" in headers["cookie"]
