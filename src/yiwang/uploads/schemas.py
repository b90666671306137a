from __future__ import annotations

from uuid import UUID

from ninja import Schema


class UploadOut(Schema):
    upload_id: UUID
    name: str
    size: int
    content_type: str
