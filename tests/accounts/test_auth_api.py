"""POST /api/v1/auth/login and the bearer tokens it issues."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone
from tests.problems import assert_problem as _problem

from yiwang.accounts.actor import Actor
from yiwang.accounts.models import ApiToken
from yiwang.common.models import AuditEvent

pytestmark = pytest.mark.django_db
LOGIN = "/api/v1/auth/login"
PASSWORD = "yiwang-demo-2026"


def _login(client: Client, username: str, password: str, addr: str = "10.0.0.1") -> Any:
    return client.post(
        LOGIN,
        {"username": username, "password": password},
        content_type="application/json",
        REMOTE_ADDR=addr,
    )


def test_citizen_logs_in_and_gets_a_token_that_identifies_them(
    client: Client, demo_users: dict[str, Any]
) -> None:
    response = _login(client, "citizen", PASSWORD)
    assert response.status_code == 200
    body = response.json()
    assert body["user"] == {"username": "citizen", "kind": "citizen", "display_name": "张三"}
    assert body["token"].startswith("yw_")
    me = client.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    assert me.status_code == 200
    assert me.json()["username"] == "citizen"
    assert me.json()["posts"] == []


def test_the_token_is_stored_only_as_its_digest(client: Client, demo_users: dict[str, Any]) -> None:
    token = _login(client, "citizen", PASSWORD).json()["token"]
    stored = ApiToken.objects.get(user__username="citizen")
    assert token not in {stored.digest, stored.prefix}
    assert stored.prefix == token[:8]
    assert len(stored.digest) == 64


def test_staff_me_lists_posts_and_permissions(
    client: Client, api_login: Callable[[str], str], demo_users: dict[str, Any]
) -> None:
    token = api_login("clerk-nanguan")
    me = client.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert me["kind"] == "staff"
    assert [p["code"] for p in me["posts"]] == ["220102-hall-window"]
    assert me["posts"][0]["region"] == "南关区"
    assert "unit:case:accept" in me["permissions"]
    assert "unit:case:decide" not in me["permissions"]


def test_wrong_password_is_401_problem(client: Client, demo_users: dict[str, Any]) -> None:
    body = _problem(_login(client, "citizen", "wrong"), 401, "invalid_credentials")
    assert body["detail"] == "用户名或密码错误"
    assert not ApiToken.objects.exists()


def test_unknown_user_is_the_same_401(client: Client, demo_users: dict[str, Any]) -> None:
    _problem(_login(client, "nobody", PASSWORD), 401, "invalid_credentials")


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ("{not json", 400, "bad_request"),
        ("[]", 422, "validation_failed"),
        ('{"username": "citizen"}', 422, "validation_failed"),
        ('{"username": "", "password": "x"}', 422, "validation_failed"),
        ('{"username": 5, "password": ["x"]}', 422, "validation_failed"),
    ],
)
def test_malformed_bodies_get_problem_json_not_500(
    client: Client, demo_users: dict[str, Any], payload: str, status: int, code: str
) -> None:
    response = client.post(LOGIN, payload, content_type="application/json")
    _problem(response, status, code)


def test_repeated_failures_lock_the_account_with_429_even_for_the_right_password(
    client: Client, demo_users: dict[str, Any]
) -> None:
    for i in range(5):
        _problem(_login(client, "citizen", "wrong", addr=f"10.0.1.{i}"), 401, "invalid_credentials")
    locked = _login(client, "citizen", PASSWORD, addr="10.0.2.1")
    body = _problem(locked, 429, "rate_limited")
    assert int(locked["Retry-After"]) > 0
    assert body["retry_after"] == int(locked["Retry-After"])
    # Another account from another address is unaffected.
    assert _login(client, "enterprise", PASSWORD, addr="10.0.3.1").status_code == 200


def test_repeated_failures_from_one_address_lock_that_address(
    client: Client, demo_users: dict[str, Any]
) -> None:
    for name in ["a1", "a2", "a3", "a4", "a5"]:
        _problem(_login(client, name, "wrong", addr="10.9.9.9"), 401, "invalid_credentials")
    _problem(_login(client, "citizen", PASSWORD, addr="10.9.9.9"), 429, "rate_limited")
    assert _login(client, "citizen", PASSWORD, addr="10.9.9.8").status_code == 200


def test_the_lock_expires(client: Client, demo_users: dict[str, Any], settings: Any) -> None:
    from yiwang.accounts.models import LoginThrottle

    for _ in range(5):
        _login(client, "citizen", "wrong")
    _problem(_login(client, "citizen", PASSWORD), 429, "rate_limited")
    LoginThrottle.objects.update(locked_until=timezone.now() - timedelta(seconds=1))
    assert _login(client, "citizen", PASSWORD).status_code == 200


def test_expired_and_revoked_tokens_are_refused(
    client: Client, api_login: Callable[[str], str], demo_users: dict[str, Any]
) -> None:
    token = api_login("citizen")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get("/api/v1/auth/me", **auth).status_code == 200
    # Twelve hours later (the cached token keeps its expiry, so time moves, not the row).
    later = timezone.now() + timedelta(hours=12, seconds=1)
    with mock.patch("yiwang.accounts.selectors.timezone.now", return_value=later):
        _problem(client.get("/api/v1/auth/me", **auth), 401, "not_authenticated")

    token = api_login("citizen")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.post("/api/v1/auth/logout", **auth).status_code == 204
    _problem(client.get("/api/v1/auth/me", **auth), 401, "not_authenticated")
    assert AuditEvent.objects.filter(action="auth.token_revoked").count() == 1


def test_no_token_and_garbage_token_are_401(client: Client, demo_users: dict[str, Any]) -> None:
    _problem(client.get("/api/v1/auth/me"), 401, "not_authenticated")
    _problem(
        client.get("/api/v1/auth/me", HTTP_AUTHORIZATION="Bearer yw_garbage"),
        401,
        "not_authenticated",
    )


def test_login_is_audited_without_the_password(client: Client, demo_users: dict[str, Any]) -> None:
    _login(client, "citizen", PASSWORD)
    actions = list(
        AuditEvent.objects.filter(actor=Actor.system("citizen"))
        .values_list("action", flat=True)
        .order_by("id")
    )
    assert actions == ["auth.sign_in", "auth.token_issued"]
    assert not AuditEvent.objects.filter(after__icontains=PASSWORD).exists()


def test_demo_accounts_are_refused_in_production(
    client: Client, demo_users: dict[str, Any], settings: Any
) -> None:
    settings.ENV = "production"
    _problem(_login(client, "citizen", PASSWORD), 403, "demo_account_refused")
    assert not ApiToken.objects.exists()
