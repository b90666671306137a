"""The outbox: each delivery sent once, failures retried with attempts counted and
recorded, a dead worker's claim never resent by itself, personal data out of logs."""

from __future__ import annotations

import json
import logging
import socket
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from tests.notify.conftest import Gateway
from yiwang.accounts.actor import Actor
from yiwang.common.models import AuditEvent
from yiwang.notify.dispatch import CLAIM_LEASE, dispatch_deliveries
from yiwang.notify.models import Delivery, Message
from yiwang.notify.services import notify, requeue_delivery
from yiwang.notify.tasks import dispatch_pending

pytestmark = pytest.mark.django_db

PHONE = "13804310001"  # the demo citizen's number (accounts demo data)


def _message(user: Any, subject: str = "您的申请已受理") -> Message:
    return notify(
        user,
        subject=subject,
        body="办件 220102-20261126-000001 已受理。",
        object_type="case",
        object_id="220102-20261126-000001",
        actor=Actor.system("cases"),
    )


def _run(now: Any = None) -> dict[str, int]:
    result = dispatch_pending.enqueue(now=now.isoformat() if now else None)
    assert result.status == "SUCCESSFUL", result.errors
    return dict(result.return_value)  # type: ignore[arg-type]


def _delivery() -> Delivery:
    return Delivery.objects.get()


def test_a_delivery_is_sent_once_even_when_dispatch_runs_twice(
    demo_users: dict[str, Any], sms_channel: Gateway
) -> None:
    _message(demo_users["citizen"])
    first = _run()
    second = _run()
    assert (first["sent"], second["claimed"]) == (1, 0)
    assert len(sms_channel.received) == 1
    delivery = _delivery()
    assert (delivery.status, delivery.attempts, delivery.external_id) == ("sent", 1, "msg-1")
    assert delivery.sent_at is not None
    body = sms_channel.accepted()[0]
    assert body["phone"] == PHONE
    assert body["uid"] == str(delivery.reference)
    assert AuditEvent.objects.filter(action="notify.delivery_sent").count() == 1


def test_a_failed_send_is_retried_later_and_every_attempt_recorded(
    demo_users: dict[str, Any], sms_channel: Gateway
) -> None:
    _message(demo_users["citizen"])
    sms_channel.answers.append((200, {"code": 17, "msg": "网关繁忙"}))
    now = timezone.now()
    assert _run(now)["retrying"] == 1
    delivery = _delivery()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert "code=17" in delivery.last_error
    assert delivery.next_attempt_at == now + timedelta(seconds=60)

    assert _run(now + timedelta(seconds=59))["claimed"] == 0  # not due yet
    assert len(sms_channel.received) == 1
    assert _run(now + timedelta(seconds=61))["sent"] == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.external_id) == ("sent", 2, "msg-2")
    # The gateway saw the same uid both times: it can tell a repeat from a new message.
    assert len({r["uid"] for r in sms_channel.accepted()}) == 1
    actions = list(
        AuditEvent.objects.filter(object_type="notify.delivery")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["notify.delivery_retry_scheduled", "notify.delivery_sent"]


def test_back_off_doubles_and_the_delivery_fails_after_the_last_attempt(
    demo_users: dict[str, Any], sms_channel: Gateway, settings: Any
) -> None:
    settings.YIWANG_NOTIFY_MAX_ATTEMPTS = 3
    _message(demo_users["citizen"])
    sms_channel.answers.extend([(503, {"code": -1})] * 5)
    now = timezone.now()
    waits = []
    for _ in range(3):
        _run(now)
        delivery = _delivery()
        waits.append(delivery.next_attempt_at - now)
        now = delivery.next_attempt_at
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert delivery.last_error == "短信网关 HTTP 503"
    assert waits[:2] == [timedelta(seconds=60), timedelta(seconds=120)]
    assert _run(now + timedelta(days=1))["claimed"] == 0
    assert len(sms_channel.received) == 3
    assert AuditEvent.objects.filter(action="notify.delivery_failed").count() == 1


def test_a_recipient_without_a_phone_number_fails_at_once_without_a_request(
    demo_users: dict[str, Any], sms_channel: Gateway
) -> None:
    _message(demo_users["clerk-nanguan"])
    assert _run()["failed"] == 1
    delivery = _delivery()
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert delivery.last_error == "收件人没有登记手机号码"
    assert sms_channel.received == []


def test_a_channel_no_longer_configured_fails_its_deliveries(
    demo_users: dict[str, Any], sms_channel: Gateway, settings: Any
) -> None:
    _message(demo_users["citizen"])
    settings.YIWANG_NOTIFY_CHANNELS = []
    assert _run()["failed"] == 1
    assert "未配置" in _delivery().last_error


def test_a_configuration_error_claims_nothing(
    demo_users: dict[str, Any], sms_channel: Gateway, settings: Any
) -> None:
    from django.core.exceptions import ImproperlyConfigured

    _message(demo_users["citizen"])
    settings.YIWANG_NOTIFY_CHANNELS = sms_channel.channel_settings(url="ftp://nowhere")
    with pytest.raises(ImproperlyConfigured):
        dispatch_deliveries()
    assert (_delivery().status, _delivery().attempts) == ("pending", 0)


def test_an_unreachable_gateway_is_retried(
    demo_users: dict[str, Any], sms_gateway: Gateway, settings: Any
) -> None:
    with socket.socket() as probe:  # a port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.YIWANG_NOTIFY_CHANNELS = sms_gateway.channel_settings(
        url=f"http://127.0.0.1:{port}/sms"
    )
    _message(demo_users["citizen"])
    assert _run()["retrying"] == 1
    assert _delivery().last_error.startswith("短信网关不可达")


def test_an_adapter_bug_is_a_retried_failure_with_nothing_personal_recorded(
    demo_users: dict[str, Any], settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.YIWANG_NOTIFY_CHANNELS = [
        {"code": "broken", "backend": "tests.notify.fakes.ExplodingChannel"}
    ]
    caplog.set_level(logging.DEBUG)
    _message(demo_users["citizen"])
    assert _run()["retrying"] == 1
    delivery = _delivery()
    assert delivery.last_error == "渠道适配器异常（RuntimeError）"
    assert PHONE not in caplog.text


def test_a_claim_whose_worker_died_is_failed_not_resent_until_an_operator_requeues_it(
    demo_users: dict[str, Any], sms_channel: Gateway
) -> None:
    _message(demo_users["citizen"])
    long_ago = timezone.now() - CLAIM_LEASE - timedelta(minutes=1)
    Delivery.objects.update(status="sending", claimed_at=long_ago, attempts=1)
    assert _run()["abandoned"] == 1
    delivery = _delivery()
    assert delivery.status == "failed"
    assert "结果未知" in delivery.last_error
    assert sms_channel.received == []

    requeue_delivery(delivery, actor=demo_users["admin"])  # runs dispatch on commit
    assert _run()["sent"] == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 1)
    assert len(sms_channel.received) == 1
    assert AuditEvent.objects.filter(action="notify.delivery_requeued").count() == 1


def test_a_claim_still_within_its_lease_is_left_alone(
    demo_users: dict[str, Any], sms_channel: Gateway
) -> None:
    _message(demo_users["citizen"])
    Delivery.objects.update(status="sending", claimed_at=timezone.now(), attempts=1)
    assert set(_run().values()) == {0}
    assert _delivery().status == "sending"
    assert sms_channel.received == []


def test_only_failed_deliveries_can_be_requeued(
    demo_users: dict[str, Any], sms_channel: Gateway
) -> None:
    from yiwang.common.errors import InvalidTransition

    _message(demo_users["citizen"])
    _run()
    with pytest.raises(InvalidTransition):
        requeue_delivery(_delivery(), actor=demo_users["admin"])


def test_a_batch_over_its_time_budget_hands_the_rest_back_unsent(
    demo_users: dict[str, Any], sms_channel: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    from yiwang.notify import dispatch

    for i in range(3):
        _message(demo_users["citizen"], subject=f"消息 {i}")
    clock = iter([0.0, 0.0, 10_000.0, 10_000.0])
    monkeypatch.setattr(dispatch, "monotonic", lambda: next(clock))
    report = dispatch_deliveries(limit=10)
    assert (report.claimed, report.sent, report.released) == (3, 1, 2)
    rows = list(Delivery.objects.order_by("id").values_list("status", "attempts"))
    assert rows == [("sent", 1), ("pending", 0), ("pending", 0)]
    monkeypatch.undo()
    assert dispatch_deliveries(limit=10).sent == 2


def test_no_phone_number_or_text_in_logs_or_stored_errors(
    demo_users: dict[str, Any], sms_channel: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    _message(demo_users["citizen"], subject="第一条")
    assert _run()["sent"] == 1
    # A gateway that echoes the number in its refusal must not get it into our records.
    sms_channel.answers.append((200, {"code": 40, "msg": f"号码 {PHONE} 已退订"}))
    _message(demo_users["citizen"], subject="第二条")
    assert _run()["retrying"] == 1
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert "accepted by the gateway for 138****0001" in logged
    assert "138****0001" in Delivery.objects.get(status="pending").last_error
    assert PHONE not in logged
    assert "第一条" not in logged
    assert "已受理" not in logged
    assert not Delivery.objects.filter(last_error__contains=PHONE).exists()
    audit = json.dumps(list(AuditEvent.objects.values("before", "after")), ensure_ascii=False)
    assert PHONE not in audit


@pytest.mark.django_db(transaction=True)
def test_concurrent_dispatchers_send_each_delivery_exactly_once(
    demo_users: dict[str, Any], sms_channel: Gateway
) -> None:
    for i in range(6):
        _message(demo_users["citizen"], subject=f"消息 {i}")
    sms_channel.delay = 0.05  # keep the sends overlapping
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def dispatcher() -> None:
        try:
            barrier.wait()
            dispatch_deliveries(limit=2)
            dispatch_deliveries(limit=2)
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatcher) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    uids = [r["uid"] for r in sms_channel.accepted()]
    assert len(uids) == len(set(uids)) == 6
    assert set(Delivery.objects.values_list("status", "attempts")) == {("sent", 1)}
