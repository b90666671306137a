"""Serving a stored upload: one place for the headers, used by every app that serves one."""

from __future__ import annotations

from django.http import FileResponse

from yiwang.uploads.models import Upload
from yiwang.uploads.selectors import open_upload


def attachment_response(upload: Upload) -> FileResponse:
    """The file as a download, for a caller that has already checked permission.

    Always an attachment under its sanitised name (RFC 6266, UTF-8 filename*), with the
    content type the content was checked to be, no sniffing, no caching by shared
    caches, and a sandbox CSP should a browser render it anyway.
    """
    response = FileResponse(
        open_upload(upload),
        as_attachment=True,
        filename=upload.name,
        content_type=upload.content_type,
    )
    response["Content-Length"] = str(upload.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
