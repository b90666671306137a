"""The officer's verify page in a real Chromium (issue 11.4), under the site's strict CSP,
against the real endpoints: GET /api/v1/licenses/keys publishes the authorities' stored
keys and POST /api/v1/licenses/verify answers and logs each check.

Payloads are made by the licenses app's own encoder and signer (gmssl-pyx,
tests/qr_payload.py) and judged by the page's verify.js with the vendored sm-crypto-v2 —
two code bases agreeing on SM2 with Z_A, the user id, DER and the key id rule.
"""

from __future__ import annotations

import base64
import dataclasses
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import segno

from tests import seeding
from tests.qr_payload import Key, build_payload, new_key, stored_key
from yiwang.accounts.actor import Actor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
KEYS_PATH = "/api/v1/licenses/keys"
PASSWORD = "yiwang-demo-2026"
PERMIT = "111000000603213830002"
# GM/T 0003.5: the order of the SM2 base point.
N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123


@seeding.step("browser.licenses", after=("demo_users",))
def _seed_licenses() -> None:
    from yiwang.catalog.services import load_catalog_data
    from yiwang.licenses.demo import seed_demo_licenses

    load_catalog_data(actor=Actor.system("test"))
    seed_demo_licenses(actor=Actor.system("test"))


@pytest.fixture
@seeding.provides("browser.licenses")
def licenses_world(demo_users: dict[str, Any]) -> dict[str, Any]:
    """The org, the demo accounts, the catalog, the license types and the demo licenses
    (their issuers' keys made on the way): what the real endpoints answer from."""
    seeding.ensure("browser.licenses")
    return demo_users


@pytest.fixture
def key(licenses_world: dict[str, Any]) -> Key:
    """吉林省交通运输厅's published key (the demo permit's signer)."""
    return stored_key("220000-transport")


@pytest.fixture
def other_key(licenses_world: dict[str, Any]) -> Key:
    """Another authority's published key (吉林省市场监督管理厅)."""
    return stored_key("220000-market-regulation")


@pytest.fixture
def permit(licenses_world: dict[str, Any]) -> Any:
    """The demo enterprise's over-limit transport permit, as the library holds it."""
    from yiwang.licenses.models import License

    return License.objects.get(holder_code="91220101MA17Y8K34M", license_type__code=PERMIT)


def payload_of(lic: Any) -> str:
    from yiwang.licenses.services import payload_of as payload

    return payload(lic)


def checks() -> list[Any]:
    """The verification log, oldest first."""
    from yiwang.licenses.models import Verification

    return list(Verification.objects.select_related("verifier").order_by("id"))


@pytest.fixture
def phone(browser: Any, live_server: Any) -> Iterator[Any]:
    """A phone-sized tab that obeys the CSP (no bypass), service workers allowed."""
    context = browser.new_context(
        locale="zh-CN", viewport=PHONE, has_touch=True, service_workers="allow"
    )
    key_requests: list[str] = []
    context.on(
        "request", lambda r: key_requests.append(r.url) if r.url.endswith(KEYS_PATH) else None
    )
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    tab.base_url = live_server.url
    tab.key_requests = key_requests
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
                 SmCryptoV2.sm2, today, SmCryptoV2.sm3).result""",
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
    phone: Any, key: Key, other_key: Key, permit: Any
) -> None:
    """Interop: what gmssl-pyx signed verifies in the page; every change is caught."""
    open_page(phone)
    # The page holds the real published keys, and computes no other id than the server.
    published = phone.evaluate(
        "JSON.parse(localStorage.getItem('yiwang.verify.keys')).document.keys"
    )
    mine = next(k for k in published if k["key_id"] == key.key_id)
    assert (mine["authority_uscc"], mine["authority_name"]) == (
        "11220000696864412B",
        "吉林省交通运输厅",
    )
    assert len(mine["public_key"]) == 130
    # verify.js computes every published key's id as the server does (anchoring's rule),
    # and the worked example's key gives the id docs/licenses.md pins.
    key_id_of = "([k, p]) => YiwangVerify.keyIdOf(p, SmCryptoV2.sm3) === k"
    assert all(phone.evaluate(key_id_of, [k["key_id"], k["public_key"]]) for k in published)
    example = "049a35c2ae22c9e580cd02efa6b57e999692ee700c3f95a2aa60bbdf952af2149b" + (
        "0191ea8156f8993dc931863dd183fb9b7712eca75175fa803b7ffaa575f8a40a"
    )
    assert phone.evaluate("p => YiwangVerify.keyIdOf(p, SmCryptoV2.sm3)", example) == (
        "b6fd7d5ebf1f62a3"
    )
    # A key published under an id that is not its own is not taken: unknown, not a
    # signature check against the wrong key.
    relabelled = {"keys": [{**other_key.published(), "key_id": key.key_id}]}
    assert (
        phone.evaluate(
            """([text, doc]) => YiwangVerify.verifyOffline(
                 text, doc, SmCryptoV2.sm2, '20260615', SmCryptoV2.sm3).result""",
            [build_payload(key), relabelled],
        )
        == "unknown"
    )
    today = "20260615"
    good = build_payload(key)
    assert judge(phone, good, today) == "valid"
    # What the library itself signed (the demo permit), on a day of its period.
    assert judge(phone, payload_of(permit), f"{permit.valid_from:%Y%m%d}") == "valid"
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
    assert judge(phone, good.replace(key.key_id, other_key.key_id), today) == "tampered"
    # A good signature by another authority's published key over this issuer's license.
    forged = build_payload(dataclasses.replace(other_key, authority_uscc=key.authority_uscc))
    assert judge(phone, forged, today) == "tampered"
    assert judge(phone, build_payload(other_key), today) == "valid"  # its own licenses
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
    phone: Any, permit: Any, shot: Any
) -> None:
    open_page(phone)
    assert phone.key_requests  # the page asked for the real keys URL
    payload = payload_of(permit)
    result, verdict = submit(phone, payload, location="G1 京哈高速 K1020")
    # The page answers at once (offline verification), then shows the server's answer.
    phone.locator("#verify-result[data-mode='online']").wait_for()
    assert (result, verdict) == ("valid", "有效")
    facts = phone.locator("#verify-facts").inner_text()
    for expected in [
        "长春一网示范科技有限公司",
        "吉A12345",
        "超限运输车辆行驶公路许可",
        f"{permit.valid_from:%Y-%m-%d}",
        "吉林省交通运输厅",  # the authority whose key verified
    ]:
        assert expected in facts
    logged = checks()[-1]
    assert (logged.identifier, logged.result, logged.channel) == (
        permit.identifier,
        "valid",
        "online",
    )
    assert logged.location == "G1 京哈高速 K1020"
    assert logged.verifier is None  # nobody signed in
    shot(phone, "valid")
    # The server knows more than the signature: a revoked license says so.
    from yiwang.licenses.services import revoke_license

    revoke_license(permit.identifier, reason="超限运输违法", actor=Actor.system("test"))
    submit(phone, payload)
    phone.locator("#verify-result[data-result='revoked']").wait_for()
    assert phone.locator("#verify-verdict").inner_text() == "已吊销"
    shot(phone, "revoked")
    # A forged payload is red and shows none of its claims.
    submit(phone, payload.replace("吉A12345", "吉A99999"))
    # Red at once (offline), then the server's answer, which is what logs the check.
    phone.locator("#verify-result[data-result='tampered'][data-mode='online']").wait_for()
    assert "吉A99999" not in phone.locator("#verify-facts").inner_text()
    assert [c.result for c in checks()] == ["valid", "revoked", "tampered"]
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert phone.violations == []


def test_an_image_of_the_qr_code_is_decoded_by_the_vendored_scanner(
    phone: Any, permit: Any, tmp_path: Path
) -> None:
    """qr-scanner's worker (a blob: worker, allowed on this page only) reads the QR code
    segno drew of the payload, UTF-8 Chinese included."""
    open_page(phone)
    payload = payload_of(permit)
    image = tmp_path / "permit-qr.png"
    segno.make(payload, error="m", mode="byte").save(image, scale=6, border=4)
    phone.locator("#verify-image").set_input_files(str(image))
    phone.locator("#verify-result[data-result='valid'][data-mode='online']").wait_for()
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
    phone: Any, permit: Any, shot: Any
) -> None:
    open_page(phone)
    # The service worker took the page and has the keys in its cache.
    _wait(phone, "() => navigator.serviceWorker.controller !== null")
    _wait(phone, f"() => caches.match('{KEYS_PATH}').then(r => !!r)")
    logged_before = len(checks())

    phone.context.set_offline(True)
    reloaded = phone.reload()
    assert reloaded is not None
    assert reloaded.from_service_worker  # the network is off: the worker's copy
    phone.locator("#verify[data-ready='1']").wait_for(state="attached")
    assert phone.locator("#verify-network").inner_text() == "离线模式：使用已缓存的公钥核验"
    result, verdict = submit(phone, payload_of(permit), location="S102 省道 治超检测站")
    assert (result, verdict) == ("valid", "有效")
    assert phone.locator("#verify-result").get_attribute("data-mode") == "offline"
    assert "状态未核查" in phone.locator("#verify-note").inner_text()
    queued = phone.evaluate("JSON.parse(localStorage.getItem('yiwang.verify.queue'))")
    assert [q["offline_result"] for q in queued] == ["valid"]
    assert "待上报的离线核验记录：1" in phone.locator("#verify-queue").inner_text()
    assert len(checks()) == logged_before  # nothing left the phone
    shot(phone, "offline")

    phone.context.set_offline(False)  # the browser fires `online`: the queue is posted
    _wait(phone, "() => JSON.parse(localStorage.getItem('yiwang.verify.queue')).length === 0")
    synced = checks()[-1]
    assert (synced.identifier, synced.channel) == (permit.identifier, "offline_sync")
    assert (synced.result, synced.offline_result) == ("valid", "valid")
    assert synced.location == "S102 省道 治超检测站"
    # Logged at the time it was made offline, not when it reached the server.
    assert (
        synced.checked_at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        == queued[0]["checked_at"]
    )
    assert phone.locator("#verify-queue").inner_text() == "离线核验记录已全部上报。"


def test_a_signed_in_officers_checks_carry_the_session_and_csrf_token(
    phone: Any, permit: Any
) -> None:
    """Verification is public; attribution rides on the session and its CSRF token
    (decision 0020): the page's posts are logged under the officer's name, a post of the
    same session without the token is logged anonymously."""
    open_page(phone)
    assert "执法人员登录后" in phone.locator(".verify__who").inner_text()
    phone.goto(phone.base_url + "/login/?next=/verify/")
    phone.get_by_label("用户名").fill("officer-jilin-transport")
    phone.get_by_label("密码").fill(PASSWORD)
    phone.locator("form.panel button[type=submit], main form button[type=submit]").first.click()
    phone.wait_for_url("**/verify/")
    phone.locator("#verify[data-ready='1']").wait_for(state="attached")
    assert "已登录" in phone.locator(".verify__who").inner_text()
    submit(phone, payload_of(permit))
    phone.locator("#verify-result[data-mode='online']").wait_for()
    officer = checks()[-1]
    assert officer.verifier is not None
    assert officer.verifier.username == "officer-jilin-transport"
    assert officer.verifier_label == "马骏（吉林省交通运输厅）"
    # The same cookies without the X-CSRFToken header (what a cross-site form could send).
    status = phone.evaluate(
        """payload => fetch('/api/v1/licenses/verify', {method: 'POST',
             credentials: 'same-origin', headers: {'Content-Type': 'application/json'},
             body: JSON.stringify({payload})}).then(r => r.status)""",
        payload_of(permit),
    )
    assert status == 200  # never refused: public
    forged = checks()[-1]
    assert forged.id != officer.id
    assert (forged.verifier, forged.verifier_label) == (None, "")
