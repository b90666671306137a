"""Writers of uploaded files. Every write is audited.

`store_upload` is all-or-nothing: a file that is refused leaves no row and no file in
storage; one stored while a surrounding transaction later rolls back is found by the
`sweep_orphan_files` task and deleted.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts.actor import Actor
from yiwang.accounts.models import User
from yiwang.common import idempotency
from yiwang.common.audit import record
from yiwang.common.errors import (
    NotAuthenticated,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from yiwang.common.models import IdempotencyRecord
from yiwang.common.personal import mask_text
from yiwang.uploads.content import KINDS, safe_name, sniff_file
from yiwang.uploads.models import UPLOAD_DIR, Upload, upload_path

logger = logging.getLogger("yiwang.uploads")

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
#: A stored file without a row this old belongs to no transaction still running.
ORPHAN_AGE = timedelta(hours=1)


def max_upload_bytes() -> int:
    return int(getattr(settings, "YIWANG_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def too_large_error() -> PayloadTooLarge:
    limit = max_upload_bytes()
    return PayloadTooLarge(
        _("文件不能超过 %(mb)s MB（%(bytes)s 字节）")
        % {"mb": f"{limit / 1024 / 1024:g}", "bytes": limit},
        max_bytes=limit,
        code="payload_too_large",
    )


def check_size(size: int) -> None:
    if size > max_upload_bytes():
        raise too_large_error()


#: The operation's name in the idempotency records (part of the fingerprint).
STORE = "uploads.store"


def store_upload(file: UploadedFile, *, owner: User, idempotency_key: str = "") -> Upload:
    """Check a received file by its content and store it for its owner.

    Size above `YIWANG_UPLOAD_MAX_BYTES` -> PayloadTooLarge (413); content that is not
    PDF, JPEG or PNG, or a name claiming another of them -> UnsupportedMediaType (415).
    The stored content type is what the content is, whatever the client said. With an
    `idempotency_key` (`common.idempotency`), the same owner and key again return the
    first upload (409 `idempotency_key_reused` if the content differs).
    """
    if not isinstance(owner, User) or not owner.is_authenticated or not owner.is_active:
        raise NotAuthenticated(code="not_authenticated")
    key = idempotency.parse_key(idempotency_key)
    size = file.size if file.size is not None else 0
    check_size(size)
    kind = sniff_file(file, size)
    if kind is None:
        accepted = "、".join(k.label for k in KINDS)
        raise UnsupportedMediaType(
            _("只接受 %(accepted)s 文件（按文件内容判断）") % {"accepted": accepted},
            code="unsupported_media_type",
        )
    name = safe_name(file.name, kind)
    digest, counted = _digest(file)
    check_size(counted)  # what was received, not what was announced
    stored: list[str] = []  # what to clean up should the transaction not commit

    def create(claim: idempotency.Claim | None) -> Upload:
        upload = Upload(
            id=uuid.uuid4(),
            owner=owner,
            name=name,
            size=counted,
            content_type=kind.content_type,
            sha256=digest,
            created_at=timezone.now(),
        )
        if claim is not None:  # before the file is written: a racing retry stops here
            claim.take(object_id=str(upload.id))
        stored.append(upload_path(upload, ""))
        upload.file.save("", file, save=False)  # the path comes from upload_path()
        stored.append(upload.file.name)
        upload.save(force_insert=True)
        record(
            "uploads.stored",
            upload,
            actor=owner,
            after={
                # A file name can carry an ID or phone number: masked in the log.
                "name": mask_text(name),
                "size": counted,
                "content_type": kind.content_type,
                "sha256": digest,
            },
        )
        return upload

    try:
        # The content is the body: the same key with another file is a reuse.
        return idempotency.run(
            STORE, actor=owner, key=key, body={"sha256": digest}, create=create, replay=_replay
        )
    except BaseException:
        for name_ in stored[-1:]:
            _delete_stored(name_)
        raise


def _replay(earlier: IdempotencyRecord) -> Upload:
    return Upload.objects.get(pk=earlier.object_id)


def _digest(file: UploadedFile) -> tuple[str, int]:
    sha = hashlib.sha256()
    counted = 0
    for chunk in file.chunks():
        sha.update(chunk)
        counted += len(chunk)
    file.seek(0)
    return sha.hexdigest(), counted


def _delete_stored(name: str | None) -> None:
    if not name:
        return
    try:
        default_storage.delete(name)
    except OSError:
        logger.exception("could not delete refused upload %s; the orphan sweep will retry", name)


#: The orphan sweep, as the audit log names it.
SWEEP_ACTOR = Actor.system("upload-sweep")


def _month_dirs(now: datetime) -> list[str]:
    this = now.replace(day=1)
    previous = (this - timedelta(days=1)).replace(day=1)
    return [f"{UPLOAD_DIR}/{d:%Y/%m}" for d in (previous, this)]


def delete_orphan_files(*, now: datetime | None = None, actor: Actor = SWEEP_ACTOR) -> int:
    """Delete stored files that no upload row refers to (this and last month's folders).

    They come from a transaction that stored a file and then rolled back (the caller's,
    around `store_upload`), or a process that died in between. Only files older than
    ORPHAN_AGE are touched, so a transaction still in flight keeps its file.
    """
    now = now or timezone.now()
    deleted = 0
    for folder in _month_dirs(now):
        try:
            _, files = default_storage.listdir(folder)
        except FileNotFoundError:
            continue
        names = [f"{folder}/{f}" for f in files]
        for start in range(0, len(names), 500):
            chunk = names[start : start + 500]
            known = set(Upload.objects.filter(file__in=chunk).values_list("file", flat=True))
            for name in chunk:
                if name in known or default_storage.get_modified_time(name) > now - ORPHAN_AGE:
                    continue
                with transaction.atomic():
                    if Upload.objects.filter(file=name).exists():
                        continue
                    default_storage.delete(name)
                    record(
                        "uploads.orphan_deleted",
                        actor=actor,
                        object_type="uploads.file",
                        object_id=name,
                    )
                deleted += 1
    return deleted
