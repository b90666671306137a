"""The per-process cache of live bearer tokens (`accounts.selectors.user_for_token`).

"Another process" revoking a token is simulated by writing the token and the accounts
revision counter with the ORM, without `revoke_token`/`bump` (which would also clear
this process's cache at once).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from yiwang.accounts import selectors
from yiwang.accounts.models import ApiToken, User
from yiwang.accounts.selectors import ACCOUNTS_REVISION, user_for_token
from yiwang.common import revisions
from yiwang.common.models import Revision
from yiwang.common.revisions import RECHECK_SECONDS

pytestmark = pytest.mark.django_db

ME = "/api/v1/auth/me"
TOKEN_TABLE = ApiToken._meta.db_table


class Clock:
    """`time.monotonic` as `yiwang.common.revisions` sees it, moved forward by the test."""

    def __init__(self) -> None:
        self._real = time.monotonic
        self.offset = 0.0

    def __call__(self) -> float:
        return self._real() + self.offset


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(revisions, "time", SimpleNamespace(monotonic=fake))
    return fake


@pytest.fixture
def token(demo_users: dict[str, Any], api_login: Callable[[str], str]) -> str:
    return api_login("citizen")


def _me(client: Client, raw: str) -> Any:
    return client.get(ME, HTTP_AUTHORIZATION=f"Bearer {raw}")


def _token_queries(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if TOKEN_TABLE in q["sql"]]


def _revoke_elsewhere(raw: str) -> None:
    """What `revoke_token` in another process leaves in the database."""
    revoked = ApiToken.objects.filter(digest=selectors.token_digest(raw)).update(
        revoked_at=timezone.now()
    )
    assert revoked == 1
    _, created = Revision.objects.get_or_create(name=ACCOUNTS_REVISION, defaults={"value": 1})
    if not created:
        Revision.objects.filter(name=ACCOUNTS_REVISION).update(value=F("value") + 1)


def test_a_second_request_reads_no_token(client: Client, token: str, clock: Clock) -> None:
    with CaptureQueriesContext(connection) as first:
        assert _me(client, token).status_code == 200
    assert len(_token_queries(first)) == 1  # the table name is what the query names
    with CaptureQueriesContext(connection) as second:
        response = _me(client, token)
    assert response.status_code == 200
    assert response.json()["username"] == "citizen"
    assert _token_queries(second) == []


def test_a_second_lookup_does_no_query_at_all(token: str, clock: Clock) -> None:
    first = user_for_token(token)
    with CaptureQueriesContext(connection) as queries:
        second = user_for_token(token)
    assert len(queries) == 0
    assert first is not None
    assert second is not None
    assert second.username == "citizen"


def test_logout_makes_the_token_useless_at_once(client: Client, token: str, clock: Clock) -> None:
    assert _me(client, token).status_code == 200  # cached now
    logout = client.post("/api/v1/auth/logout", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert logout.status_code == 204
    assert _me(client, token).status_code == 401
    assert user_for_token(token) is None


def test_logout_of_one_token_keeps_the_others_working(
    client: Client, demo_users: dict[str, Any], api_login: Callable[[str], str], clock: Clock
) -> None:
    first, second = api_login("citizen"), api_login("citizen")
    assert _me(client, first).status_code == 200
    assert _me(client, second).status_code == 200
    client.post("/api/v1/auth/logout", HTTP_AUTHORIZATION=f"Bearer {first}")
    assert _me(client, first).status_code == 401
    assert _me(client, second).status_code == 200


def test_a_revocation_by_another_process_is_refused_after_the_recheck_interval(
    client: Client, token: str, clock: Clock
) -> None:
    assert _me(client, token).status_code == 200
    _revoke_elsewhere(token)
    # Within the interval this process has not looked at the counter yet (the delay
    # the design accepts).
    assert user_for_token(token) is not None
    clock.offset += RECHECK_SECONDS
    assert user_for_token(token) is None
    assert _me(client, token).status_code == 401


def test_each_call_gets_its_own_user(token: str, clock: Clock) -> None:
    stored = User.objects.get(username="citizen")
    first = user_for_token(token)
    assert first is not None
    first.display_name = "改过的名字"
    first.request_cache = {"posts": ["x"]}  # type: ignore[attr-defined]
    second = user_for_token(token)
    assert second is not None
    assert second is not first
    assert second.display_name == stored.display_name
    assert not hasattr(second, "request_cache")
    assert second.pk == stored.pk
    assert not second._state.adding
    for field in User._meta.concrete_fields:
        assert getattr(second, field.attname) == getattr(stored, field.attname), field.name


def test_unknown_tokens_are_not_cached(token: str, clock: Clock) -> None:
    cache = selectors._live_tokens
    assert user_for_token(token) is not None
    size = len(cache._values)
    assert size == 1
    for _ in range(50):
        assert user_for_token("yw_" + secrets.token_urlsafe(32)) is None
    assert len(cache._values) == size
    # Not cached as "unknown" either: each miss asks the database again.
    unknown = "yw_" + secrets.token_urlsafe(32)
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert user_for_token(unknown) is None
        assert len(_token_queries(queries)) == 1


def test_a_dead_token_is_not_cached(token: str, clock: Clock) -> None:
    ApiToken.objects.update(revoked_at=timezone.now())
    assert user_for_token(token) is None
    assert len(selectors._live_tokens._values) == 0
    assert user_for_token("") is None
