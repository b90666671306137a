"""Writers of uploaded files. Every write is audited.

`store_upload` is all-or-nothing: a file that is refused leaves no row and no file in
storage; one stored while a surrounding transaction later rolls back is found by the
`sweep_orphan_files` task and deleted.

Quotas (issue 10.5, decision 0017), per account: at most YIWANG_UPLOAD_RATE_LIMIT uploads
in YIWANG_UPLOAD_RATE_WINDOW_SECONDS (429 `upload_rate_limited`, Retry-After), at most
YIWANG_UPLOAD_QUOTA_BYTES held in all its uploads, attached to a case or not (413
`upload_quota_exceeded`). An upload no case refers to is removed, file and row, once it
is YIWANG_UPLOAD_UNATTACHED_MAX_AGE_HOURS old (`delete_expired_uploads`, same sweep).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Exists, ForeignObjectRel, OuterRef, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts.actor import Actor
from yiwang.accounts.models import User
from yiwang.common import idempotency
from yiwang.common.audit import record
from yiwang.common.errors import (
    NotAuthenticated,
    PayloadTooLarge,
    RateLimited,
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


#: Defaults of the quotas (settings.py reads them from YIWANG_* variables).
DEFAULT_RATE_LIMIT = 60
DEFAULT_RATE_WINDOW_SECONDS = 3600
DEFAULT_QUOTA_BYTES = 500 * 1024 * 1024
DEFAULT_UNATTACHED_MAX_AGE_HOURS = 7 * 24


def max_upload_bytes() -> int:
    return int(getattr(settings, "YIWANG_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


@dataclass(frozen=True)
class Quotas:
    """The per-account limits as configured; 0 switches a limit off."""

    rate_limit: int
    rate_window: timedelta
    quota_bytes: int
    unattached_max_age: timedelta


def quotas() -> Quotas:
    return Quotas(
        rate_limit=int(getattr(settings, "YIWANG_UPLOAD_RATE_LIMIT", DEFAULT_RATE_LIMIT)),
        rate_window=timedelta(
            seconds=int(
                getattr(settings, "YIWANG_UPLOAD_RATE_WINDOW_SECONDS", DEFAULT_RATE_WINDOW_SECONDS)
            )
        ),
        quota_bytes=int(getattr(settings, "YIWANG_UPLOAD_QUOTA_BYTES", DEFAULT_QUOTA_BYTES)),
        unattached_max_age=timedelta(
            hours=int(
                getattr(
                    settings,
                    "YIWANG_UPLOAD_UNATTACHED_MAX_AGE_HOURS",
                    DEFAULT_UNATTACHED_MAX_AGE_HOURS,
                )
            )
        ),
    )


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f}".removesuffix(".0")


def unattached(queryset: QuerySet[Upload] | None = None) -> QuerySet[Upload]:
    """The uploads no row of another app refers to (not attached to a case).

    Found through the model's reverse relations rather than by naming them: uploads is
    below cases in the layers and must not import it; every app that attaches uploads
    does so with a foreign key (PROTECT), which is exactly what is looked for here.
    """
    queryset = Upload.objects.all() if queryset is None else queryset
    for rel in Upload._meta.get_fields(include_hidden=True):
        if isinstance(rel, ForeignObjectRel):
            referring = rel.related_model._default_manager.filter(  # type: ignore[union-attr]
                **{rel.field.name: OuterRef("pk")}
            )
            queryset = queryset.filter(~Exists(referring))
    return queryset


def _check_rate(owner: User, limits: Quotas, now: datetime) -> None:
    """429 `upload_rate_limited` when the account stored `rate_limit` uploads within the
    window; Retry-After is when the oldest of them leaves the window."""
    if limits.rate_limit <= 0:
        return
    since = now - limits.rate_window
    recent = list(
        Upload.objects.filter(owner=owner, created_at__gt=since)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[: limits.rate_limit]
    )
    if len(recent) < limits.rate_limit:
        return
    # The window frees a place when the rate_limit-th newest upload drops out of it.
    frees_at = recent[-1] + limits.rate_window
    retry_after = max(1, math.ceil((frees_at - now).total_seconds()))
    window = int(limits.rate_window.total_seconds())
    raise RateLimited(
        _(
            "上传过于频繁：每个账号 %(minutes)s 分钟内最多上传 %(limit)s 个文件，"
            "请 %(retry_after)s 秒后再试"
        )
        % {"minutes": window // 60 or 1, "limit": limits.rate_limit, "retry_after": retry_after},
        code="upload_rate_limited",
        retry_after=retry_after,
        limit=limits.rate_limit,
        window_seconds=window,
    )


def _check_quota(owner: User, size: int, limits: Quotas, now: datetime) -> None:
    """413 `upload_quota_exceeded` when the account's uploads and this file together would
    hold more than `quota_bytes`. Retry-After only when unattached uploads expiring will
    make room (the seconds until enough of them have); attached ones stay with the case."""
    if limits.quota_bytes <= 0:
        return
    mine = Upload.objects.filter(owner=owner)
    used = int(mine.aggregate(total=Sum("size"))["total"] or 0)
    if used + size <= limits.quota_bytes:
        return
    extra: dict[str, Any] = {"quota_bytes": limits.quota_bytes, "used_bytes": used}
    if limits.unattached_max_age > timedelta(0):
        freed = 0
        expiring = unattached(mine).order_by("created_at").values_list("created_at", "size")
        for created_at, held in expiring.iterator():
            freed += held
            if used - freed + size <= limits.quota_bytes:
                expires_at = created_at + limits.unattached_max_age
                extra["retry_after"] = max(1, math.ceil((expires_at - now).total_seconds()))
                break
    raise PayloadTooLarge(
        _(
            "存储空间不足：每个账号最多保存 %(quota)s MB 的材料，已用 %(used)s MB，"
            "本文件 %(size)s MB"
        )
        % {"quota": _mb(limits.quota_bytes), "used": _mb(used), "size": _mb(size)},
        code="upload_quota_exceeded",
        **extra,
    )


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
        # Only a first request gets here (a replay is answered without it, and is not
        # counted again). One upload of an account at a time, so that two concurrent
        # requests cannot both pass the quotas with the last free place (the account's
        # row is the lock; SQLite serialises writing transactions anyway).
        User.objects.select_for_update().filter(pk=owner.pk).values_list("pk").first()
        now = timezone.now()
        limits = quotas()
        _check_rate(owner, limits, now)
        _check_quota(owner, counted, limits, now)
        upload = Upload(
            id=uuid.uuid4(),
            owner=owner,
            name=name,
            size=counted,
            content_type=kind.content_type,
            sha256=digest,
            created_at=now,
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


def delete_expired_uploads(*, now: datetime | None = None, actor: Actor = SWEEP_ACTOR) -> int:
    """Remove the uploads no case refers to that are older than
    YIWANG_UPLOAD_UNATTACHED_MAX_AGE_HOURS: the row (audited) and then its file.

    Each in its own transaction, re-checked under the row's lock: a case that attached
    the upload meanwhile keeps it. The file is deleted after the commit, so a rollback
    never leaves a row without its file; a failed file deletion is logged and left to
    `delete_orphan_files`. 0 hours switches the expiry off. Running it twice is harmless.
    """
    limits = quotas()
    if limits.unattached_max_age <= timedelta(0):
        return 0
    now = now or timezone.now()
    cutoff = now - limits.unattached_max_age
    candidates = list(
        unattached(Upload.objects.filter(created_at__lt=cutoff))
        .order_by("created_at")
        .values_list("pk", flat=True)
    )
    deleted = 0
    for pk in candidates:
        with transaction.atomic():
            upload = (
                unattached(Upload.objects.select_for_update().filter(pk=pk, created_at__lt=cutoff))
                .select_related("owner")
                .first()
            )
            if upload is None:
                continue  # attached (or removed) meanwhile
            name = upload.file.name
            record(
                "uploads.expired",
                upload,
                actor=actor,
                before={
                    "owner": upload.owner.username,
                    "name": mask_text(upload.name),
                    "size": upload.size,
                    "sha256": upload.sha256,
                    "created_at": upload.created_at,
                },
                after={"unattached_max_age_hours": limits.unattached_max_age / timedelta(hours=1)},
            )
            upload.delete()
            transaction.on_commit(functools.partial(_delete_stored, name))
        deleted += 1
    return deleted
