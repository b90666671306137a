"""Reads of uploaded files, scoped to who asks."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.core.files import File
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from yiwang.accounts.actor import Actor, as_actor
from yiwang.common.errors import NotFound
from yiwang.uploads.models import Upload


def get_upload_for(actor: Actor, upload_id: str | uuid.UUID) -> Upload:
    """The upload if `actor` owns it; NotFound otherwise, and for a malformed id.

    Others' access to materials (handling staff) is decided by the app that attached
    them (cases), which then calls `open_upload` itself.
    """
    try:
        pk = upload_id if isinstance(upload_id, uuid.UUID) else uuid.UUID(str(upload_id))
    except ValueError:
        raise NotFound(_("没有这个文件"), code="not_found") from None
    owner = as_actor(actor).pk
    if owner is None:
        raise NotFound(_("没有这个文件"), code="not_found")
    upload = Upload.objects.filter(pk=pk, owner_id=owner).first()
    if upload is None:
        raise NotFound(_("没有这个文件"), code="not_found")
    return upload


def uploads_for(actor: Actor, upload_ids: Iterable[str | uuid.UUID]) -> dict[str, Upload]:
    """The uploads among `upload_ids` that `actor` owns, by the id as text (one query).

    Ids that are malformed, unknown or someone else's are simply absent: the caller
    names what is missing in its own terms (cases names the material).
    """
    owner = as_actor(actor).pk
    if owner is None:
        return {}
    wanted: dict[uuid.UUID, list[str]] = {}
    for given in upload_ids:
        try:
            pk = given if isinstance(given, uuid.UUID) else uuid.UUID(str(given))
        except ValueError:
            continue
        wanted.setdefault(pk, []).append(str(given))
    if not wanted:
        return {}
    return {
        given: upload
        for upload in Upload.objects.filter(pk__in=list(wanted), owner_id=owner)
        for given in wanted[upload.pk]
    }


def open_upload(upload: Upload) -> File:
    """The stored file, opened for reading. The caller has checked permission and
    must close it (a FileResponse does)."""
    return default_storage.open(upload.file.name, "rb")
