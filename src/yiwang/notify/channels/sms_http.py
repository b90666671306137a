"""The HTTP SMS gateway adapter: the pattern for every external channel.

Protocol (what a gateway operator implements):

    POST <url>
    Content-Type: application/json; charset=utf-8
    X-Yiwang-Timestamp: <unix seconds>
    X-Yiwang-Signature: <hex HMAC-SHA256(secret, "<timestamp>." + raw body)>

    {"phone": "13804310001", "text": "...", "sign": "吉林政务服务", "uid": "<delivery uuid>"}

    200 {"code": 0, "msgid": "..."}       accepted
    200 {"code": <non-zero>, "msg": "..."} refused (retried, within the attempt limit)

`sign` is the SMS signature (短信签名) the operator registered for the sender; `uid`
is the same on every attempt of one delivery so the gateway can drop a repeat after
a timeout. The phone number and the text never reach a log or a stored error.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import time
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from yiwang.common.personal import mask_phone, mask_text
from yiwang.notify.channels import ChannelError
from yiwang.notify.selectors import contact_phone

if TYPE_CHECKING:
    from yiwang.notify.models import Delivery, Message

logger = logging.getLogger("yiwang.notify.sms")

TIMESTAMP_HEADER = "X-Yiwang-Timestamp"
SIGNATURE_HEADER = "X-Yiwang-Signature"
MAX_TEXT = 500  # gateways split long texts into 67-character parts; keep it to a few
MAX_RESPONSE = 64 * 1024
MAX_TIMEOUT = 60.0  # well inside the dispatcher's claim lease


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """hex HMAC-SHA256 over "<timestamp>." + body: binds the time to the content,
    so a captured request cannot be replayed later with another timestamp."""
    return hmac.new(
        secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256
    ).hexdigest()


def sms_text(message: Message) -> str:
    text = f"{message.subject}：{message.body}" if message.body else message.subject
    text = " ".join(text.split())
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A gateway answering with a redirect is misconfigured; re-POSTing elsewhere is not ours to do.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class HttpSmsChannel:
    def __init__(
        self, *, code: str = "sms", url: str, secret: str, sign: str, timeout: float = 10.0
    ) -> None:
        if urlsplit(url).scheme not in {"http", "https"} or not urlsplit(url).netloc:
            raise ImproperlyConfigured(f"SMS channel {code!r}: url must be http(s)://host/...")
        if not secret:
            raise ImproperlyConfigured(f"SMS channel {code!r}: a signing secret is required")
        if not 0 < float(timeout) <= MAX_TIMEOUT:
            raise ImproperlyConfigured(f"SMS channel {code!r}: timeout must be in (0, 60] s")
        self.code = code
        self.url = url
        self._secret = secret
        self.sign = sign
        self.timeout = float(timeout)
        self._opener = urllib.request.build_opener(_NoRedirects)

    def __repr__(self) -> str:  # never the secret
        return f"HttpSmsChannel(code={self.code!r}, url={self.url!r})"

    def send(self, message: Message, delivery: Delivery) -> str:
        phone = contact_phone(message.recipient)
        if not phone:
            raise ChannelError("收件人没有登记手机号码", retryable=False)
        body = json.dumps(
            {
                "phone": phone,
                "text": sms_text(message),
                "sign": self.sign,
                "uid": str(delivery.reference),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")
        timestamp = str(int(time.time()))
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: signature(self._secret, timestamp, body),
            },
        )
        raw = self._post(request)
        try:
            answer = json.loads(raw)
            code = answer["code"]
        except (ValueError, TypeError, KeyError):
            raise ChannelError("短信网关返回了无法解析的应答") from None
        if code != 0:
            detail = mask_text(str(answer.get("msg", "")))[:200]
            raise ChannelError(f"短信网关拒绝：code={mask_text(str(code))[:20]} {detail}".strip())
        msgid = str(answer.get("msgid") or "")[:100]
        logger.info(
            "SMS delivery %s accepted by the gateway for %s (msgid %s)",
            delivery.pk,
            mask_phone(phone),
            mask_text(msgid),
        )
        return msgid

    def _post(self, request: urllib.request.Request) -> bytes:
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return bytes(response.read(MAX_RESPONSE))
        except urllib.error.HTTPError as exc:
            exc.close()
            # 4xx other than 429: our request is wrong (signature, format); no retry fixes it.
            retryable = exc.code >= 500 or exc.code in {408, 429}
            raise ChannelError(f"短信网关 HTTP {exc.code}", retryable=retryable) from None
        except (OSError, http.client.HTTPException) as exc:  # unreachable, reset, timeout
            reason = getattr(exc, "reason", None)
            kind = (
                type(reason).__name__ if isinstance(reason, BaseException) else type(exc).__name__
            )
            raise ChannelError(f"短信网关不可达（{kind}）") from None
