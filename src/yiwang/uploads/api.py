"""HTTP API of the uploads app (paths as in shared/design/interfaces.md).

POST /uploads        multipart, field `file`: 201 {upload_id, name, size, content_type};
                     413 too large (`payload_too_large`) or the account's storage quota
                     full (`upload_quota_exceeded`), 415 not PDF/JPEG/PNG by content,
                     422 no file, 429 too many uploads (`upload_rate_limited`, Retry-After)
GET /uploads/{id}    the file, to its owner only (404 for anyone else)

The body is read by `handlers.received_file`, not a ninja File parameter, so that a
too-large body is answered 413 problem+json however it is too large.
"""

from __future__ import annotations

from django.http import FileResponse, HttpRequest
from ninja import Header, Router, Status
from ninja.decorators import decorate_view

from yiwang.accounts.actor import signed_in_actor
from yiwang.accounts.models import User
from yiwang.common import idempotency
from yiwang.common.errors import NotAuthenticated
from yiwang.uploads import selectors, services
from yiwang.uploads.handlers import limit_upload_size, received_file
from yiwang.uploads.models import Upload
from yiwang.uploads.responses import attachment_response
from yiwang.uploads.schemas import UploadOut

router = Router(tags=["uploads"])

_MULTIPART_FILE = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "PDF、JPEG 或 PNG，按内容判断",
                        }
                    },
                    "required": ["file"],
                }
            }
        },
    },
    # The account's quotas (decision 0017): 413 also as upload_quota_exceeded.
    "responses": {
        429: {"description": "上传过于频繁（upload_rate_limited），Retry-After 为等待秒数"}
    },
}
_FILE_BODY = {
    "responses": {
        200: {
            "description": "文件内容（附件下载）",
            "content": {
                t: {"schema": {"type": "string", "format": "binary"}}
                for t in ("application/pdf", "image/jpeg", "image/png")
            },
        }
    }
}


def _current_user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated(code="not_authenticated")
    return user


def _out(upload: Upload) -> UploadOut:
    return UploadOut(
        upload_id=upload.id, name=upload.name, size=upload.size, content_type=upload.content_type
    )


@router.post(
    "/uploads",
    response={201: UploadOut},
    summary="上传材料文件",
    openapi_extra=_MULTIPART_FILE,
    operation_id="uploadFile",
)
@decorate_view(limit_upload_size)
def upload_file(
    request: HttpRequest,
    idempotency_key: idempotency.HeaderKey = Header("", alias="Idempotency-Key"),  # noqa: B008
) -> Status:
    key = idempotency.parse_key(idempotency_key)
    owner = _current_user(request)
    upload = services.store_upload(received_file(request), owner=owner, idempotency_key=key)
    return Status(201, _out(upload))


@router.get(
    "/uploads/{upload_id}",
    summary="下载自己上传的文件",
    openapi_extra=_FILE_BODY,
    operation_id="downloadUpload",
)
def download_file(request: HttpRequest, upload_id: str) -> FileResponse:
    upload = selectors.get_upload_for(signed_in_actor(request), upload_id)
    return attachment_response(upload)
