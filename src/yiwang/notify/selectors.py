"""Reads of the message centre, always scoped to the person asking."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from yiwang.accounts.models import User
from yiwang.accounts.selectors import identity_for
from yiwang.common.errors import NotFound
from yiwang.notify.models import Delivery, Message


def _signed_in(user: Any) -> bool:
    return isinstance(user, User) and user.is_authenticated and user.is_active


def messages_for(user: Any, *, unread_only: bool = False) -> QuerySet[Message]:
    """The person's own messages, newest first; nobody else's, ever."""
    if not _signed_in(user):
        return Message.objects.none()
    messages = Message.objects.filter(recipient=user)
    if unread_only:
        messages = messages.filter(read_at__isnull=True)
    return messages.order_by("-created_at", "-id")


def unread_count(user: Any) -> int:
    return messages_for(user, unread_only=True).count()


def get_message_for(user: Any, message_id: int | str) -> Message:
    """The message if `user` is its recipient; NotFound for anyone else (no leak)."""
    try:
        pk = int(message_id)
    except (TypeError, ValueError):
        raise NotFound(_("没有这条消息"), code="not_found") from None
    message = messages_for(user).filter(pk=pk).first()
    if message is None:
        raise NotFound(_("没有这条消息"), code="not_found")
    return message


def deliveries_of(message: Message) -> QuerySet[Delivery]:
    """The outbox rows of a message (for the admin and the tests; no user scope needed:
    callers already hold the message)."""
    return message.deliveries.order_by("channel")


def contact_phone(user: User) -> str:
    """The recipient's mobile number on record, for the SMS channel only ("" if none).

    Read through accounts' own selector as the handling system: the number goes to
    the gateway that texts its owner and nowhere else (never into logs or errors).
    """
    return identity_for(user, viewer=user, handling=True).phone
