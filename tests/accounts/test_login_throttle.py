"""Issue 10.3: a login throttle nobody can turn against others (decision 0015).

The client's address comes from `common.http.client_address` (trusted proxies,
X-Forwarded-For from the right); failures are counted per (account, address), per
address and per account; an account guessed at from many addresses gets delays that grow,
never a lock-out, its owner's own addresses are not delayed, and the owner is told.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone

from yiwang.accounts.models import LoginThrottle
from yiwang.common.http import client_address
from yiwang.notify.models import Message

pytestmark = pytest.mark.django_db
LOGIN = "/api/v1/auth/login"
PASSWORD = "yiwang-demo-2026"
PROXY = "10.20.0.2"
ATTACKER = "203.0.113.66"


@pytest.fixture
def behind_proxy(settings: Any) -> None:
    settings.YIWANG_TRUSTED_PROXIES = ["10.20.0.0/24"]


def _login(
    client: Client, username: str, password: str, *, via: str | None = None, addr: str = PROXY
) -> Any:
    extra = {"REMOTE_ADDR": addr}
    if via is not None:
        extra["HTTP_X_FORWARDED_FOR"] = via
    return client.post(
        LOGIN,
        {"username": username, "password": password},
        content_type="application/json",
        **extra,
    )


def _address(remote: str, xff: str | None = None) -> str:
    meta = {"REMOTE_ADDR": remote}
    if xff is not None:
        meta["HTTP_X_FORWARDED_FOR"] = xff
    return client_address(RequestFactory().get("/", **meta))


# --- client_address ---------------------------------------------------------------------


def test_without_trusted_proxies_the_peer_is_the_client_and_xff_is_ignored(settings: Any) -> None:
    settings.YIWANG_TRUSTED_PROXIES = []
    assert _address("198.51.100.7", "1.2.3.4") == "198.51.100.7"
    assert _address("::ffff:198.51.100.7") == "198.51.100.7"
    assert _address("") == "unknown"
    assert _address("not-an-ip") == "unknown"


def test_behind_a_trusted_proxy_xff_is_read_from_the_right(behind_proxy: None) -> None:
    assert _address(PROXY, "198.51.100.7") == "198.51.100.7"
    # Whatever the client wrote itself is left of the address the proxy appended.
    assert _address(PROXY, "1.1.1.1, 2.2.2.2, 198.51.100.7") == "198.51.100.7"
    # Two trusted hops (a load balancer, then nginx) are skipped.
    assert _address(PROXY, "9.9.9.9, 198.51.100.7, 10.20.0.9") == "198.51.100.7"
    assert _address(PROXY, "2001:db8::5") == "2001:db8::5"
    assert _address(PROXY, "198.51.100.7:5050") == "198.51.100.7"
    # No header, or only trusted hops: the nearest address we know.
    assert _address(PROXY) == PROXY
    assert _address(PROXY, "10.20.0.9") == "10.20.0.9"
    # Garbage written next to a trusted hop is not taken as an address.
    assert _address(PROXY, "<script>, 10.20.0.9") == "10.20.0.9"


def test_xff_from_an_untrusted_peer_is_ignored(behind_proxy: None) -> None:
    assert _address(ATTACKER, "10.20.0.9") == ATTACKER
    assert _address(ATTACKER, "198.51.100.7") == ATTACKER


def test_a_malformed_trusted_proxies_setting_is_refused() -> None:
    from django.core.exceptions import ImproperlyConfigured

    from yiwang.common.http import parse_networks

    assert [str(n) for n in parse_networks(["10.0.0.0/8", " 192.0.2.7 ", ""])] == [
        "10.0.0.0/8",
        "192.0.2.7/32",
    ]
    with pytest.raises(ImproperlyConfigured, match="nginx"):
        parse_networks(["nginx"])


# --- the throttle -------------------------------------------------------------------------


def test_behind_a_proxy_one_attacker_does_not_lock_out_the_other_users(
    client: Client, demo_users: dict[str, Any], behind_proxy: None
) -> None:
    # The attacker tries many accounts, and one real account many times.
    for name in ["citizen", "enterprise", "x1", "x2", "x3", "x4"]:
        _login(client, name, "wrong", via=ATTACKER)
    attacker = _login(client, "clerk-nanguan", PASSWORD, via=ATTACKER)
    assert attacker.status_code == 429
    # Everybody else behind the same proxy signs in, including into the accounts the
    # attacker got wrong (each from its owner's address).
    for i, name in enumerate(["enterprise", "clerk-nanguan", "reviewer-nanguan", "admin"]):
        response = _login(client, name, PASSWORD, via=f"198.51.100.{10 + i}")
        assert response.status_code == 200, (name, response.content)


def test_xff_spoofing_from_outside_gives_the_attacker_no_fresh_addresses(
    client: Client, demo_users: dict[str, Any], behind_proxy: None
) -> None:
    # Straight to the app, not through the proxy: every attempt is the peer's address.
    for i in range(5):
        _login(client, f"x{i}", "wrong", addr=ATTACKER, via=f"198.51.100.{i}")
    refused = _login(client, "citizen", PASSWORD, addr=ATTACKER, via="198.51.100.200")
    assert refused.status_code == 429
    assert _login(client, "citizen", PASSWORD, via="198.51.100.200").status_code == 200


def test_one_account_from_one_address_is_locked_after_the_limit(
    client: Client, demo_users: dict[str, Any], behind_proxy: None, settings: Any
) -> None:
    settings.YIWANG_LOGIN_ADDRESS_MAX_FAILURES = 50  # the pair's limit alone
    for _ in range(settings.YIWANG_LOGIN_MAX_FAILURES - 1):
        assert _login(client, "citizen", "wrong", via="198.51.100.1").status_code == 401
    assert _login(client, "citizen", PASSWORD, via="198.51.100.1").status_code == 200
    # Success clears the pair; the limit counts again from zero.
    for _ in range(settings.YIWANG_LOGIN_MAX_FAILURES):
        assert _login(client, "citizen", "wrong", via="198.51.100.1").status_code == 401
    locked = _login(client, "citizen", PASSWORD, via="198.51.100.1")
    assert locked.status_code == 429
    assert 290 < int(locked["Retry-After"]) <= settings.YIWANG_LOGIN_LOCK_SECONDS + 1
    # Another account from this address is not locked.
    assert _login(client, "enterprise", PASSWORD, via="198.51.100.1").status_code == 200


def test_one_address_is_locked_after_its_limit_across_accounts(
    client: Client, demo_users: dict[str, Any], behind_proxy: None, settings: Any
) -> None:
    limit = settings.YIWANG_LOGIN_ADDRESS_MAX_FAILURES
    for i in range(limit - 1):
        assert _login(client, f"x{i}", "wrong", via="198.51.100.3").status_code == 401
    assert _login(client, "citizen", PASSWORD, via="198.51.100.3").status_code == 200
    assert _login(client, "x-last", "wrong", via="198.51.100.3").status_code == 401
    assert _login(client, "enterprise", PASSWORD, via="198.51.100.3").status_code == 429


def test_a_targeted_account_is_delayed_not_locked_and_its_owner_gets_in(
    client: Client, demo_users: dict[str, Any], behind_proxy: None, settings: Any
) -> None:
    owner_address = "198.51.100.77"
    assert _login(client, "clerk-nanguan", PASSWORD, via=owner_address).status_code == 200
    # A botnet: each address guesses a few times, none reaches the per-address limit.
    waits = []
    for i in range(12):
        row = LoginThrottle.objects.filter(locked_until__gt=timezone.now())
        row.update(locked_until=timezone.now() - timedelta(seconds=1))  # the delay passed
        response = _login(client, "clerk-nanguan", "wrong", via=f"192.0.2.{i}")
        assert response.status_code == 401, i
        refused = _login(client, "clerk-nanguan", PASSWORD, via=f"192.0.2.{100 + i}")
        waits.append(int(refused["Retry-After"]) if refused.status_code == 429 else 0)
    base, cap = settings.YIWANG_LOGIN_ACCOUNT_DELAY_SECONDS, settings.YIWANG_LOGIN_LOCK_SECONDS
    limit = settings.YIWANG_LOGIN_MAX_FAILURES
    # No delay before the limit; then base, doubling, never more than the lock time.
    assert waits[: limit - 1] == [0] * (limit - 1)
    expected = [min(base * 2**k, cap) for k in range(12 - limit + 1)]
    assert [w - 1 for w in waits[limit - 1 :]] == pytest.approx(expected, abs=1)
    assert max(waits) <= cap + 1
    # The owner, from their own address, is not delayed — even with the delay running.
    assert _login(client, "clerk-nanguan", PASSWORD, via=owner_address).status_code == 200
    # And after the delay a stranger's address may try once more (it is no lock-out).
    LoginThrottle.objects.update(locked_until=timezone.now() - timedelta(seconds=1))
    assert _login(client, "clerk-nanguan", PASSWORD, via="192.0.2.250").status_code == 200


def test_the_owner_is_told_once_per_window(
    client: Client, demo_users: dict[str, Any], behind_proxy: None, settings: Any
) -> None:
    owner = demo_users["clerk-nanguan"]
    for i in range(settings.YIWANG_LOGIN_MAX_FAILURES - 1):
        _login(client, "clerk-nanguan", "wrong", via=f"192.0.2.{i}")
    assert not Message.objects.filter(recipient=owner).exists()
    for i in range(10):
        LoginThrottle.objects.update(locked_until=None)
        _login(client, "clerk-nanguan", "wrong", via=f"192.0.2.{50 + i}")
    told = list(Message.objects.filter(recipient=owner))
    assert len(told) == 1
    assert told[0].subject == "您的账户正在被他人尝试登录"
    assert "修改密码" in told[0].body
    # A window later, still under attack: told again.
    LoginThrottle.objects.update(
        locked_until=None, notified_at=timezone.now() - timedelta(minutes=16)
    )
    _login(client, "clerk-nanguan", "wrong", via="192.0.2.200")
    assert Message.objects.filter(recipient=owner).count() == 2
    # Guessing at a name nobody has tells nobody (and answers the same).
    for i in range(8):
        LoginThrottle.objects.update(locked_until=None)
        assert _login(client, "nobody-here", "wrong", via=f"192.0.2.{120 + i}").status_code == 401
    assert Message.objects.count() == 2


def test_the_throttle_stores_no_name_or_address_in_the_clear(
    client: Client, demo_users: dict[str, Any], behind_proxy: None
) -> None:
    _login(client, "citizen", "wrong", via="198.51.100.9")
    _login(client, "citizen", PASSWORD, via="198.51.100.9")
    keys = " ".join(LoginThrottle.objects.values_list("key", flat=True))
    assert LoginThrottle.objects.count() >= 3  # address, account, known address
    assert "citizen" not in keys
    assert "198.51.100.9" not in keys


def test_the_portal_login_shares_the_throttle_and_the_address(
    client: Client, demo_users: dict[str, Any], behind_proxy: None
) -> None:
    for name in ["x1", "x2", "x3", "x4", "x5"]:
        _login(client, name, "wrong", via=ATTACKER)
    page = client.post(
        "/login/",
        {"username": "citizen", "password": PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=ATTACKER,
    )
    assert page.status_code == 429
    assert int(page["Retry-After"]) > 0
    other = client.post(
        "/login/",
        {"username": "citizen", "password": PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="198.51.100.31",
    )
    assert other.status_code == 302
