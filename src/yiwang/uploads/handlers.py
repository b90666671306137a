"""Reading a multipart upload without storing more than the limit allows.

Django streams file parts to upload handlers (memory up to
FILE_UPLOAD_MAX_MEMORY_SIZE, then a temporary file); its own size limits
(DATA_UPLOAD_MAX_MEMORY_SIZE) apply to the other form fields only. Without a
handler in front, a 20 MB file would be written to a temporary file in full
before `store_upload` refuses it. This handler stops the parse as soon as the
file data passes the limit; the view then answers 413.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import BadRequest as DjangoBadRequest
from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _

from yiwang.common.errors import BadRequest, ValidationFailed
from yiwang.uploads.services import max_upload_bytes, too_large_error

_TOO_LARGE = "_yiwang_upload_too_large"
_MALFORMED = "_yiwang_upload_malformed"


class SizeLimitHandler(FileUploadHandler):
    """First in the chain: counts file bytes and stops the upload past the limit."""

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            setattr(self.request, _TOO_LARGE, True)
            # The rest of the body is read and dropped (connection_reset=False), so the
            # client, still sending, gets the 413 answer instead of a reset connection.
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handlers hold the data


def _parse(request: HttpRequest) -> None:
    """Read the body now, noting (not raising) what is wrong with it."""
    try:
        request.FILES  # noqa: B018 - parsing is the point
    except RequestDataTooBig:  # the form's other fields exceed DATA_UPLOAD_MAX_MEMORY_SIZE
        setattr(request, _TOO_LARGE, True)
    except (MultiPartParserError, TooManyFilesSent, DjangoBadRequest):
        setattr(request, _MALFORMED, True)
    else:
        return
    # Django marks some failed parses so that POST/FILES are empty afterwards, not all
    # (a too-large url-encoded body raises again on every access): mark them all.
    request._mark_post_parse_error()  # type: ignore[attr-defined]


def limit_upload_size(run: Callable[..., Any]) -> Callable[..., Any]:
    """A ninja `decorate_view` decorator: installs the handler and parses the body
    before ninja runs authentication. The session CSRF check reads the body there, and
    ninja turns any exception raised during authentication into a 500; parsed here,
    a too-large or malformed body becomes a flag the view answers 413/400 for."""

    @wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        limiter = SizeLimitHandler(request, max_upload_bytes())
        request.upload_handlers = [limiter, *request.upload_handlers]
        if request.method == "POST":
            _parse(request)
        return run(request, *args, **kwargs)

    return wrapper


def received_file(request: HttpRequest, field: str = "file") -> UploadedFile:
    """The uploaded file of `field`, or the domain error the API answers with."""
    _parse(request)  # a no-op when the decorator has parsed already
    if getattr(request, _TOO_LARGE, False):
        raise too_large_error()
    if getattr(request, _MALFORMED, False):
        raise BadRequest(_("无法解析上传的表单（multipart/form-data）"), code="bad_request")
    files = request.FILES
    file = files.get(field)
    if file is None:
        raise ValidationFailed(
            _("缺少上传的文件"),
            errors=[{"loc": ["body", field], "msg": "Field required"}],
            code="validation_failed",
        )
    return file
