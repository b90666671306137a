"""External channel adapters (SMS, WeChat, Weibo, app push, e-mail) and their registry.

A channel is configured in `settings.YIWANG_NOTIFY_CHANNELS`, a list of dicts:

    {"code": "sms",
     "backend": "yiwang.notify.channels.sms_http.HttpSmsChannel",
     "options": {...keyword arguments of the backend...}}

The registry builds one adapter per entry, keyed by its code. `notify()` writes one
pending delivery per configured code; the dispatcher looks the adapter up by the
delivery's code. Adding a channel is a new adapter class and a settings entry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from yiwang.notify.models import Delivery, Message

CODE_MAX_LENGTH = 20


class ChannelError(Exception):
    """A send that did not go through.

    `retryable=False` for failures that another attempt cannot fix (no phone number on
    record, the gateway refusing the request as malformed); the delivery is then failed
    at once instead of being retried. The text is stored and logged: adapters must not
    put personal data (phone numbers, message text) into it.
    """

    def __init__(self, reason: str, *, retryable: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


@runtime_checkable
class Channel(Protocol):
    code: str

    def send(self, message: Message, delivery: Delivery) -> str:
        """Send the message; return the channel's id for it, or raise ChannelError."""
        ...


def _specs() -> list[dict[str, Any]]:
    specs = getattr(settings, "YIWANG_NOTIFY_CHANNELS", [])
    if not isinstance(specs, list | tuple):
        raise ImproperlyConfigured("YIWANG_NOTIFY_CHANNELS must be a list of dicts")
    seen: set[str] = set()
    for spec in specs:
        code = spec.get("code") if isinstance(spec, dict) else None
        if not isinstance(code, str) or not code or len(code) > CODE_MAX_LENGTH:
            raise ImproperlyConfigured(
                f"each YIWANG_NOTIFY_CHANNELS entry needs a 'code' of 1-{CODE_MAX_LENGTH} characters"
            )
        if code in seen:
            raise ImproperlyConfigured(f"YIWANG_NOTIFY_CHANNELS names the channel {code!r} twice")
        if not isinstance(spec.get("backend"), str):
            raise ImproperlyConfigured(f"channel {code!r} needs a 'backend' (a dotted class path)")
        seen.add(code)
    return list(specs)


def channel_codes() -> list[str]:
    """The codes of the configured external channels, in settings order."""
    return [str(spec["code"]) for spec in _specs()]


def configured_channels() -> dict[str, Channel]:
    """One adapter per configured channel, keyed by code (built afresh on each call)."""
    channels: dict[str, Channel] = {}
    for spec in _specs():
        backend = import_string(spec["backend"])
        channel = backend(code=spec["code"], **spec.get("options", {}))
        if not isinstance(channel, Channel):
            raise ImproperlyConfigured(f"{spec['backend']} is not a notify channel")
        channels[channel.code] = channel
    return channels


__all__ = ["Channel", "ChannelError", "channel_codes", "configured_channels"]
