from __future__ import annotations

from datetime import datetime

from ninja import Schema


class MessageOut(Schema):
    id: int
    subject: str
    body: str
    object_type: str
    object_id: str
    created_at: datetime
    read: bool


class MessageList(Schema):
    items: list[MessageOut]
    total: int
