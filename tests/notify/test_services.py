"""notify(), mark_read() and the message-centre selectors."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from tests.notify.conftest import Gateway
from yiwang.accounts.actor import Actor
from yiwang.common.errors import NotFound, ValidationFailed
from yiwang.common.models import AuditEvent
from yiwang.notify import selectors
from yiwang.notify.channels import channel_codes, configured_channels
from yiwang.notify.models import Delivery, Message
from yiwang.notify.services import mark_read, notify

pytestmark = pytest.mark.django_db

CASE_NO = "220102-20261126-000001"


def _notify(user: Any, subject: str = "您的申请已受理", **kwargs: Any) -> Message:
    return notify(
        user,
        subject=subject,
        body=kwargs.pop("body", "办件已受理，承诺 5 个工作日内办结。"),
        object_type=kwargs.pop("object_type", "case"),
        object_id=kwargs.pop("object_id", CASE_NO),
        actor=kwargs.pop("actor", Actor.system("cases")),
    )


def test_notify_puts_the_message_in_the_recipients_inbox_and_audits_it(
    demo_users: dict[str, Any],
) -> None:
    citizen = demo_users["citizen"]
    message = _notify(citizen)
    assert selectors.messages_for(citizen).get() == message
    assert (message.object_type, message.object_id, message.read_at) == ("case", CASE_NO, None)
    event = AuditEvent.objects.get(action="notify.message_created")
    assert event.object_id == str(message.pk)
    assert event.after == {
        "recipient": "citizen",
        "subject": "您的申请已受理",
        "object_type": "case",
        "object_id": CASE_NO,
        "channels": [],
    }


def test_without_external_channels_there_is_no_outbox_row_and_nothing_enqueued(
    demo_users: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        _notify(demo_users["citizen"])
    assert Delivery.objects.count() == 0
    assert callbacks == []


def test_one_pending_delivery_per_configured_channel(
    demo_users: dict[str, Any], settings: Any, sms_gateway: Gateway
) -> None:
    settings.YIWANG_NOTIFY_CHANNELS = [
        *sms_gateway.channel_settings(),
        {**sms_gateway.channel_settings()[0], "code": "sms-backup"},
    ]
    message = _notify(demo_users["citizen"])
    rows = list(selectors.deliveries_of(message).values_list("channel", "status", "attempts"))
    assert rows == [("sms", "pending", 0), ("sms-backup", "pending", 0)]
    after: Any = AuditEvent.objects.get(action="notify.message_created").after
    assert after["channels"] == ["sms", "sms-backup"]


def test_inside_a_transaction_that_rolls_back_nothing_is_kept_or_sent(
    demo_users: dict[str, Any], sms_channel: Gateway, django_capture_on_commit_callbacks: Any
) -> None:
    def change_that_fails() -> None:
        with transaction.atomic():
            _notify(demo_users["citizen"])
            raise RuntimeError("the case change failed")

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        change_that_fails()
    assert callbacks == []
    assert Message.objects.count() == Delivery.objects.count() == 0
    assert sms_channel.received == []


def test_committed_inside_a_callers_transaction_it_is_dispatched_after_commit(
    demo_users: dict[str, Any], sms_channel: Gateway, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        _notify(demo_users["citizen"])
        assert sms_channel.received == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    assert len(sms_channel.accepted()) == 1
    assert Delivery.objects.get().status == "sent"


@pytest.mark.parametrize("subject", ["", "   ", "长" * 201])
def test_a_subject_is_required_and_bounded(demo_users: dict[str, Any], subject: str) -> None:
    with pytest.raises(ValidationFailed):
        _notify(demo_users["citizen"], subject=subject)
    assert Message.objects.count() == 0


def test_mark_read_is_for_the_recipient_only_and_idempotent(demo_users: dict[str, Any]) -> None:
    citizen, other = demo_users["citizen"], demo_users["enterprise"]
    message = _notify(citizen)
    with pytest.raises(NotFound):
        mark_read(message, actor=other)
    message.refresh_from_db()
    assert message.read_at is None

    first = mark_read(message, actor=citizen).read_at
    assert first is not None
    assert mark_read(Message.objects.get(pk=message.pk), actor=citizen).read_at == first
    assert AuditEvent.objects.filter(action="notify.message_read").count() == 1


def test_selectors_show_each_person_only_their_own(demo_users: dict[str, Any]) -> None:
    citizen, enterprise, clerk = (demo_users[u] for u in ("citizen", "enterprise", "clerk-nanguan"))
    mine = [_notify(citizen, subject=f"消息 {i}") for i in range(3)]
    theirs = _notify(enterprise)
    mark_read(mine[0], actor=citizen)

    assert list(selectors.messages_for(citizen)) == mine[::-1]  # newest first
    assert list(selectors.messages_for(citizen, unread_only=True)) == mine[:0:-1]
    assert selectors.unread_count(citizen) == 2
    assert selectors.unread_count(enterprise) == 1
    assert list(selectors.messages_for(clerk)) == []
    assert selectors.get_message_for(enterprise, theirs.pk) == theirs
    cases: list[tuple[Any, Any]] = [
        (citizen, theirs.pk),
        (clerk, mine[1].pk),
        (citizen, "x"),
        (citizen, 0),
    ]
    for who, message_id in cases:
        with pytest.raises(NotFound):
            selectors.get_message_for(who, message_id)


def test_anonymous_and_inactive_users_see_nothing(demo_users: dict[str, Any]) -> None:
    from django.contrib.auth.models import AnonymousUser

    citizen = demo_users["citizen"]
    message = _notify(citizen)
    assert selectors.unread_count(AnonymousUser()) == 0
    with pytest.raises(NotFound):
        selectors.get_message_for(AnonymousUser(), message.pk)
    citizen.is_active = False
    assert list(selectors.messages_for(citizen)) == []


def test_channel_settings_are_checked(settings: Any) -> None:
    settings.YIWANG_NOTIFY_CHANNELS = []
    assert channel_codes() == []
    assert configured_channels() == {}
    bad: list[Any] = [
        {"backend": "x.Y"},
        {"code": "sms"},
        {"code": "x" * 21, "backend": "x.Y"},
        "sms",
    ]
    for spec in bad:
        settings.YIWANG_NOTIFY_CHANNELS = [spec]
        with pytest.raises(ImproperlyConfigured):
            channel_codes()
    twice = {"code": "sms", "backend": "tests.notify.fakes.ExplodingChannel"}
    settings.YIWANG_NOTIFY_CHANNELS = [twice, twice]
    with pytest.raises(ImproperlyConfigured):
        channel_codes()
    settings.YIWANG_NOTIFY_CHANNELS = [{"code": "x", "backend": "tests.notify.fakes.NotAChannel"}]
    with pytest.raises(ImproperlyConfigured):
        configured_channels()
