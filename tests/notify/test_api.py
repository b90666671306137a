"""GET /messages and POST /messages/{id}/read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tests.problems import assert_problem as _problem
from yiwang.accounts.actor import Actor
from yiwang.notify.models import Message
from yiwang.notify.services import notify

pytestmark = pytest.mark.django_db


def _send(user: Any, n: int = 1, **kwargs: Any) -> list[Message]:
    return [
        notify(
            user,
            subject=f"消息 {i}",
            body="正文",
            object_type=kwargs.get("object_type", "case"),
            object_id=kwargs.get("object_id", f"220102-20261126-{i:06d}"),
            actor=Actor.system("cases"),
        )
        for i in range(n)
    ]


def _auth(token: str) -> dict[str, Any]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_anonymous_is_401_problem(client: Client, demo_users: dict[str, Any]) -> None:
    (message,) = _send(demo_users["citizen"])
    _problem(client.get("/api/v1/messages"), 401, "not_authenticated")
    _problem(client.post(f"/api/v1/messages/{message.pk}/read"), 401, "not_authenticated")
    assert Message.objects.get().read_at is None


def test_the_list_has_only_the_signed_in_persons_messages(
    client: Client, demo_users: dict[str, Any], api_login: Callable[[str], str]
) -> None:
    mine = _send(demo_users["citizen"], 2)
    _send(demo_users["enterprise"], 3)
    body = client.get("/api/v1/messages", **_auth(api_login("citizen"))).json()
    assert body["total"] == 2
    assert [m["id"] for m in body["items"]] == [m.pk for m in reversed(mine)]
    item = body["items"][0]
    assert set(item) == {"id", "subject", "body", "object_type", "object_id", "created_at", "read"}
    assert (item["subject"], item["object_type"], item["object_id"], item["read"]) == (
        "消息 1",
        "case",
        "220102-20261126-000001",
        False,
    )
    staff = client.get("/api/v1/messages", **_auth(api_login("clerk-nanguan"))).json()
    assert staff == {"items": [], "total": 0}


def test_unread_filter_and_pages_of_twenty(
    client: Client, demo_users: dict[str, Any], api_login: Callable[[str], str]
) -> None:
    messages = _send(demo_users["citizen"], 25)
    token = api_login("citizen")
    client.post(f"/api/v1/messages/{messages[0].pk}/read", **_auth(token))
    page1 = client.get("/api/v1/messages?page=1", **_auth(token)).json()
    page2 = client.get("/api/v1/messages?page=2", **_auth(token)).json()
    assert (len(page1["items"]), len(page2["items"]), page1["total"]) == (20, 5, 25)
    assert {m["id"] for m in page1["items"] + page2["items"]} == {m.pk for m in messages}
    unread = client.get("/api/v1/messages?unread=true", **_auth(token)).json()
    assert unread["total"] == 24
    assert messages[0].pk not in {m["id"] for m in unread["items"]}
    assert client.get("/api/v1/messages?page=3", **_auth(token)).json()["items"] == []
    _problem(client.get("/api/v1/messages?page=0", **_auth(token)), 422, "validation_failed")


def test_listing_costs_the_same_queries_for_3_or_30_messages(
    client: Client,
    demo_users: dict[str, Any],
    api_login: Callable[[str], str],
    django_assert_max_num_queries: Any,
) -> None:
    token = api_login("citizen")
    _send(demo_users["citizen"], 3)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/messages", **_auth(token))
    _send(demo_users["citizen"], 27)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get("/api/v1/messages", **_auth(token)).json()["items"]) == 20


def test_the_recipient_marks_a_message_read(
    client: Client, demo_users: dict[str, Any], api_login: Callable[[str], str]
) -> None:
    (message,) = _send(demo_users["citizen"])
    token = api_login("citizen")
    response = client.post(f"/api/v1/messages/{message.pk}/read", **_auth(token))
    assert response.status_code == 200
    assert (response.json()["id"], response.json()["read"]) == (message.pk, True)
    again = client.post(f"/api/v1/messages/{message.pk}/read", **_auth(token))
    assert again.json() == response.json()
    assert client.get("/api/v1/messages?unread=true", **_auth(token)).json()["total"] == 0


def test_nobody_else_can_read_or_mark_it_and_it_looks_missing(
    client: Client, demo_users: dict[str, Any], api_login: Callable[[str], str]
) -> None:
    (message,) = _send(demo_users["citizen"])
    for username in ("enterprise", "clerk-nanguan", "supervisor-jilin", "admin"):
        response = client.post(f"/api/v1/messages/{message.pk}/read", **_auth(api_login(username)))
        _problem(response, 404, "not_found")
    missing = client.post("/api/v1/messages/999999/read", **_auth(api_login("citizen")))
    _problem(missing, 404, "not_found")
    assert Message.objects.get().read_at is None


def test_the_web_session_works_too_with_csrf(demo_users: dict[str, Any]) -> None:
    (message,) = _send(demo_users["citizen"])
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(demo_users["citizen"])
    assert browser.get("/api/v1/messages").json()["total"] == 1
    _problem(browser.post(f"/api/v1/messages/{message.pk}/read"), 403, "csrf_failed")
    token = "a" * 32
    browser.cookies["csrftoken"] = token
    response = browser.post(f"/api/v1/messages/{message.pk}/read", HTTP_X_CSRFTOKEN=token)
    assert response.json()["read"] is True


def test_the_endpoints_are_in_the_openapi_schema(client: Client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "get" in paths["/api/v1/messages"]
    assert "post" in paths["/api/v1/messages/{message_id}/read"]
