"""HTTP API of the notify app: the applicant's message centre.

GET /messages?unread=&page=   the signed-in person's messages, newest first
POST /messages/{id}/read      mark one as read (only one's own: 404 otherwise)
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router

from yiwang.accounts.actor import request_actor
from yiwang.accounts.models import User
from yiwang.common.errors import NotAuthenticated
from yiwang.notify import selectors, services
from yiwang.notify.models import Message
from yiwang.notify.schemas import MessageList, MessageOut

router = Router(tags=["messages"])

PAGE_SIZE = 20


def _current_user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated(code="not_authenticated")
    return user


def _out(message: Message) -> MessageOut:
    return MessageOut(
        id=message.pk,
        subject=message.subject,
        body=message.body,
        object_type=message.object_type,
        object_id=message.object_id,
        created_at=message.created_at,
        read=message.read_at is not None,
    )


@router.get(
    "/messages", response=MessageList, summary="我的消息（最新在前）", operation_id="listMessages"
)
def list_messages(
    request: HttpRequest,
    unread: bool = Query(False, description="只看未读"),
    page: int = Query(1, ge=1, le=100_000),
) -> MessageList:
    messages = selectors.messages_for(_current_user(request), unread_only=unread)
    start = (page - 1) * PAGE_SIZE
    return MessageList(
        items=[_out(m) for m in messages[start : start + PAGE_SIZE]],
        total=messages.count(),
    )


@router.post(
    "/messages/{message_id}/read",
    response=MessageOut,
    summary="标记为已读",
    operation_id="markMessageRead",
)
def read_message(request: HttpRequest, message_id: int) -> MessageOut:
    user = _current_user(request)
    message = selectors.get_message_for(user, message_id)
    return _out(services.mark_read(message, actor=request_actor(request)))
