"""The HTTP SMS gateway adapter against a local gateway that verifies its signatures."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.notify.conftest import SECRET, SMS_BACKEND, Gateway
from yiwang.accounts.actor import Actor
from yiwang.notify.channels import Channel, ChannelError, configured_channels
from yiwang.notify.channels.sms_http import HttpSmsChannel, sms_text
from yiwang.notify.models import Delivery, Message
from yiwang.notify.services import notify

pytestmark = pytest.mark.django_db


def _message(user: Any, body: str = "请于 5 个工作日内补正材料。") -> Message:
    return notify(user, subject="补正通知", body=body, actor=Actor.system("cases"))


def _channel(gateway: Gateway, **options: Any) -> HttpSmsChannel:
    spec = gateway.channel_settings(**options)[0]
    return HttpSmsChannel(code=spec["code"], **spec["options"])


def test_the_registry_builds_the_configured_adapter(sms_channel: Gateway) -> None:
    channels = configured_channels()
    assert list(channels) == ["sms"]
    assert isinstance(channels["sms"], HttpSmsChannel)
    assert isinstance(channels["sms"], Channel)
    assert SECRET not in repr(channels["sms"])


def test_a_signed_json_request_is_accepted_and_its_msgid_returned(
    demo_users: dict[str, Any], sms_gateway: Gateway
) -> None:
    message = _message(demo_users["citizen"])
    delivery = Delivery(message=message, channel="sms")
    assert _channel(sms_gateway).send(message, delivery) == "msg-1"
    (request,) = sms_gateway.received
    assert request["signature_ok"] is True  # the gateway's own HMAC check passed
    assert request["content_type"] == "application/json; charset=utf-8"
    assert request["body"] == {
        "phone": "13804310001",
        "text": "补正通知：请于 5 个工作日内补正材料。",
        "sign": "吉林政务服务",
        "uid": str(delivery.reference),
    }


def test_a_wrong_secret_is_refused_by_the_gateway_and_not_retried(
    demo_users: dict[str, Any], sms_gateway: Gateway
) -> None:
    message = _message(demo_users["citizen"])
    with pytest.raises(ChannelError) as failure:
        _channel(sms_gateway, secret="not-the-secret").send(
            message, Delivery(message=message, channel="sms")
        )
    assert sms_gateway.received[0]["signature_ok"] is False
    assert (failure.value.reason, failure.value.retryable) == ("短信网关 HTTP 401", False)


@pytest.mark.parametrize(
    ("answer", "reason", "retryable"),
    [
        ((200, {"code": 3, "msg": "余额不足"}), "短信网关拒绝：code=3 余额不足", True),
        ((500, {"code": -1}), "短信网关 HTTP 500", True),
        ((429, {"code": -1}), "短信网关 HTTP 429", True),
        ((400, {"code": -1}), "短信网关 HTTP 400", False),
        ((200, {"msgid": "no code"}), "短信网关返回了无法解析的应答", True),
        ((302, {}), "短信网关 HTTP 302", False),  # a redirect is not followed
    ],
)
def test_gateway_refusals_become_channel_errors(
    demo_users: dict[str, Any],
    sms_gateway: Gateway,
    answer: tuple[int, dict[str, Any]],
    reason: str,
    retryable: bool,
) -> None:
    message = _message(demo_users["citizen"])
    sms_gateway.answers.append(answer)
    with pytest.raises(ChannelError) as failure:
        _channel(sms_gateway).send(message, Delivery(message=message, channel="sms"))
    assert (failure.value.reason, failure.value.retryable) == (reason, retryable)


def test_a_slow_gateway_times_out_as_a_retryable_failure(
    demo_users: dict[str, Any], sms_gateway: Gateway
) -> None:
    message = _message(demo_users["citizen"])
    sms_gateway.delay = 0.5
    with pytest.raises(ChannelError) as failure:
        _channel(sms_gateway, timeout=0.1).send(message, Delivery(message=message, channel="sms"))
    assert failure.value.retryable
    assert failure.value.reason.startswith("短信网关不可达")


def test_long_texts_are_cut_and_whitespace_folded(demo_users: dict[str, Any]) -> None:
    message = Message(recipient=demo_users["citizen"], subject="通知", body="很长\n的正文" * 200)
    text = sms_text(message)
    assert len(text) == 500
    assert text.endswith("…")
    assert "\n" not in text
    assert sms_text(Message(subject="只有标题", body="")) == "只有标题"


@pytest.mark.parametrize(
    "options",
    [
        {"url": "ftp://gateway/sms"},
        {"url": "file:///etc/passwd"},
        {"url": "http://"},
        {"secret": ""},
        {"timeout": 0},
        {"timeout": 61},
    ],
)
def test_misconfiguration_is_refused_up_front(settings: Any, options: dict[str, Any]) -> None:
    base = {"url": "https://sms.example.gov.cn/send", "secret": "s", "sign": "吉林政务服务"}
    settings.YIWANG_NOTIFY_CHANNELS = [
        {"code": "sms", "backend": SMS_BACKEND, "options": {**base, **options}}
    ]
    with pytest.raises(ImproperlyConfigured):
        configured_channels()
