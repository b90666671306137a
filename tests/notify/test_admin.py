"""The admin shows messages and the outbox read-only; failed deliveries can be requeued."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.notify.conftest import Gateway
from yiwang.accounts.actor import Actor
from yiwang.common.models import AuditEvent
from yiwang.notify.dispatch import dispatch_deliveries
from yiwang.notify.models import Delivery
from yiwang.notify.services import notify

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(demo_users: dict[str, Any]) -> Client:
    browser = Client()
    browser.force_login(demo_users["admin"])
    return browser


def test_pages_are_read_only(
    admin_client: Client, demo_users: dict[str, Any], sms_channel: Gateway
) -> None:
    message = notify(demo_users["citizen"], subject="已受理", body="", actor=Actor.system("cases"))
    delivery = Delivery.objects.get()
    for url in (
        "/admin/notify/message/",
        f"/admin/notify/message/{message.pk}/change/",
        "/admin/notify/delivery/",
        f"/admin/notify/delivery/{delivery.pk}/change/",
    ):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert b'name="_save"' not in response.content
    assert admin_client.get("/admin/notify/message/add/").status_code == 403
    response = admin_client.post(f"/admin/notify/message/{message.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403


def test_requeue_action_sends_a_failed_delivery_again(
    admin_client: Client, demo_users: dict[str, Any], sms_channel: Gateway
) -> None:
    notify(demo_users["citizen"], subject="已受理", body="", actor=Actor.system("cases"))
    sms_channel.answers.append((400, {"code": -1}))
    dispatch_deliveries()
    delivery = Delivery.objects.get()
    assert delivery.status == "failed"
    response = admin_client.post(
        "/admin/notify/delivery/",
        {"action": "requeue", "_selected_action": [delivery.pk]},
    )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 0)
    event = AuditEvent.objects.get(action="notify.delivery_requeued")
    assert event.actor == "admin"
    assert dispatch_deliveries().sent == 1


def test_staff_without_admin_rights_cannot_requeue(demo_users: dict[str, Any]) -> None:
    browser = Client()
    browser.force_login(demo_users["clerk-nanguan"])
    response = browser.get("/admin/notify/delivery/")
    assert response.status_code == 302  # to the admin login: not admin staff
