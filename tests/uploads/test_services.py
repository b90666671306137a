"""store_upload: by content, within the limit, all or nothing, audited; and the selectors."""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.db import transaction

from tests.uploads import samples
from tests.uploads.conftest import stored_files
from yiwang.common import idempotency
from yiwang.common.errors import (
    Conflict,
    NotAuthenticated,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from yiwang.common.models import AuditEvent
from yiwang.uploads import services
from yiwang.uploads.models import Upload
from yiwang.uploads.selectors import get_upload_for, open_upload, uploads_for
from yiwang.uploads.services import delete_orphan_files, store_upload
from yiwang.uploads.tasks import sweep_orphan_files

pytestmark = pytest.mark.django_db


def _file(data: bytes, name: str = "材料.pdf", content_type: str = "text/html") -> Any:
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_a_pdf_is_stored_under_a_generated_path_with_its_checked_type(
    media: Path, demo_users: dict[str, Any]
) -> None:
    data = samples.pdf()
    upload = store_upload(_file(data, "张三 身份证明.pdf"), owner=demo_users["citizen"])
    assert upload.content_type == "application/pdf"  # not the client's text/html
    assert (upload.name, upload.size) == ("张三 身份证明.pdf", len(data))
    assert upload.sha256 == hashlib.sha256(data).hexdigest()
    assert upload.file.name == f"uploads/{upload.created_at:%Y/%m}/{upload.id}"
    (on_disk,) = stored_files(media)
    assert on_disk.read_bytes() == data
    assert "身份证明" not in str(on_disk)
    event = AuditEvent.objects.get(action="uploads.stored")
    assert (event.object_id, event.actor) == (str(upload.id), "citizen")
    after: Any = event.after
    assert after["sha256"] == upload.sha256


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (samples.png(), "scan.png", "image/png"),
        (samples.jpeg(), "IMG_0001.JPG", "image/jpeg"),
        (samples.pdf(), "no-extension", "application/pdf"),
    ],
)
def test_each_accepted_kind(
    media: Path, demo_users: dict[str, Any], data: bytes, name: str, content_type: str
) -> None:
    upload = store_upload(
        _file(data, name, "application/octet-stream"), owner=demo_users["citizen"]
    )
    assert upload.content_type == content_type


def test_a_large_file_spooled_to_disk_is_stored_byte_identical(
    media: Path, demo_users: dict[str, Any]
) -> None:
    data = samples.pdf(size=3 * 1024 * 1024)  # above FILE_UPLOAD_MAX_MEMORY_SIZE
    received = TemporaryUploadedFile("big.pdf", "application/pdf", len(data), None)
    received.write(data)
    received.seek(0)
    try:
        upload = store_upload(received, owner=demo_users["citizen"])
    finally:
        received.close()
    with open_upload(upload) as stored:
        assert stored.read() == data


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (samples.png(), "营业执照.pdf"),  # a forged .pdf holding a PNG
        (b"%PDF-1.4 this is plain text, no end marker", "申请表.pdf"),  # a .pdf that is no PDF
        (b"just some text\n", "说明.pdf"),
        (samples.pdf(), "photo.jpg"),
        (b"", "empty.pdf"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "logo.png"),
    ],
)
def test_refused_content_stores_nothing(
    media: Path, demo_users: dict[str, Any], data: bytes, name: str
) -> None:
    with pytest.raises(UnsupportedMediaType) as refused:
        store_upload(_file(data, name, "application/pdf"), owner=demo_users["citizen"])
    assert (refused.value.status, refused.value.code) == (415, "unsupported_media_type")
    assert stored_files(media) == []
    assert Upload.objects.count() == 0
    assert not AuditEvent.objects.filter(action="uploads.stored").exists()


def test_exactly_the_limit_is_accepted_one_byte_more_is_413(
    media: Path, demo_users: dict[str, Any], settings: Any
) -> None:
    settings.YIWANG_UPLOAD_MAX_BYTES = 4096
    at_limit = store_upload(_file(samples.pdf(size=4096)), owner=demo_users["citizen"])
    assert at_limit.size == 4096
    with pytest.raises(PayloadTooLarge) as too_large:
        store_upload(_file(samples.pdf(size=4097)), owner=demo_users["citizen"])
    assert (too_large.value.status, too_large.value.code) == (413, "payload_too_large")
    assert too_large.value.extra["max_bytes"] == 4096
    assert len(stored_files(media)) == Upload.objects.count() == 1


def test_the_default_limit_is_10_mib(settings: Any) -> None:
    del settings.YIWANG_UPLOAD_MAX_BYTES
    assert services.max_upload_bytes() == 10 * 1024 * 1024


def test_a_failure_after_the_file_was_written_removes_it(
    media: Path, demo_users: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_audit(*args: Any, **kwargs: Any) -> None:
        assert stored_files(media), "the file was written before the audit record"
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(services, "record", broken_audit)
    with pytest.raises(RuntimeError):
        store_upload(_file(samples.pdf()), owner=demo_users["citizen"])
    assert stored_files(media) == []
    assert Upload.objects.count() == 0


def test_only_an_active_signed_in_owner_can_upload(media: Path, demo_users: dict[str, Any]) -> None:
    citizen = demo_users["citizen"]
    citizen.is_active = False
    for owner in (AnonymousUser(), None, citizen):
        with pytest.raises(NotAuthenticated):
            store_upload(_file(samples.pdf()), owner=owner)  # type: ignore[arg-type]
    assert stored_files(media) == []


def test_an_idempotency_key_returns_the_first_upload_and_refuses_other_content(
    media: Path, demo_users: dict[str, Any]
) -> None:
    citizen = demo_users["citizen"]
    first = store_upload(_file(samples.pdf()), owner=citizen, idempotency_key="k-1")
    again = store_upload(_file(samples.pdf()), owner=citizen, idempotency_key="k-1")
    assert again.id == first.id
    with pytest.raises(Conflict) as conflict:
        store_upload(_file(samples.png(), "a.png"), owner=citizen, idempotency_key="k-1")
    assert conflict.value.code == "idempotency_key_reused"
    # Keys are per owner: another person's same key is another upload.
    other = store_upload(
        _file(samples.pdf()), owner=demo_users["enterprise"], idempotency_key="k-1"
    )
    assert other.id != first.id
    assert len(stored_files(media)) == Upload.objects.count() == 2


def test_losing_an_idempotency_race_returns_the_winners_upload_and_keeps_one_file(
    media: Path, demo_users: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    citizen = demo_users["citizen"]
    winner = store_upload(_file(samples.pdf()), owner=citizen, idempotency_key="race")
    real = idempotency._earlier
    calls: list[str] = []

    def not_yet_visible(claim: Any) -> Any:
        # The first look happens before the winner's commit is visible; the unique
        # constraint then catches the duplicate.
        calls.append(claim.key)
        return None if len(calls) == 1 else real(claim)

    monkeypatch.setattr(idempotency, "_earlier", not_yet_visible)
    loser = store_upload(_file(samples.pdf()), owner=citizen, idempotency_key="race")
    assert loser.id == winner.id
    assert len(calls) == 2
    assert stored_files(media) == [media / winner.file.name]
    assert AuditEvent.objects.filter(action="uploads.stored").count() == 1


def test_the_owner_gets_it_and_nobody_else(media: Path, demo_users: dict[str, Any]) -> None:
    upload = store_upload(_file(samples.png(), "a.png"), owner=demo_users["citizen"])
    assert get_upload_for(demo_users["citizen"], str(upload.id)) == upload
    assert get_upload_for(demo_users["citizen"], upload.id) == upload
    cases: list[tuple[Any, Any]] = [
        (demo_users["enterprise"], upload.id),
        (demo_users["clerk-nanguan"], upload.id),
        (demo_users["admin"], upload.id),
        (AnonymousUser(), upload.id),
        (demo_users["citizen"], uuid.uuid4()),
        (demo_users["citizen"], "not-a-uuid"),
        (demo_users["citizen"], "../../etc/passwd"),
    ]
    for actor, upload_id in cases:
        with pytest.raises(NotFound):
            get_upload_for(actor, upload_id)


def test_many_at_once_only_the_owners_in_one_query(media: Path, demo_users: dict[str, Any]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    citizen, enterprise = demo_users["citizen"], demo_users["enterprise"]
    mine = [store_upload(_file(samples.pdf()), owner=citizen) for _ in range(3)]
    theirs = store_upload(_file(samples.pdf()), owner=enterprise)
    asked = [str(u.id) for u in mine] + [
        mine[0].id,
        str(theirs.id),
        "not-a-uuid",
        str(uuid.uuid4()),
    ]
    with CaptureQueriesContext(connection) as queries:
        found = uploads_for(citizen, asked)
    assert len(queries) == 1
    assert found == {str(u.id): u for u in mine}
    assert uploads_for(AnonymousUser(), [str(u.id) for u in mine]) == {}
    assert uploads_for(citizen, ["not-a-uuid"]) == {}


def _age(path: Path, seconds: int) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_the_sweep_deletes_files_left_by_a_rolled_back_transaction(
    media: Path, demo_users: dict[str, Any]
) -> None:
    kept = store_upload(_file(samples.pdf()), owner=demo_users["citizen"])

    def intake_that_fails() -> None:
        with transaction.atomic():
            store_upload(_file(samples.png(), "b.png"), owner=demo_users["citizen"])
            raise RuntimeError("the case intake failed after the upload")

    with pytest.raises(RuntimeError):
        intake_that_fails()
    assert Upload.objects.get() == kept
    files = stored_files(media)
    assert len(files) == 2
    orphan = next(p for p in files if p.name != str(kept.id))

    assert delete_orphan_files() == 0  # too young: its transaction might still be running
    for path in files:
        _age(path, 2 * 3600)
    result = sweep_orphan_files.enqueue()
    assert result.return_value == {"deleted": 1, "expired": 0}
    assert stored_files(media) == [media / kept.file.name]
    assert not orphan.exists()
    assert AuditEvent.objects.filter(action="uploads.orphan_deleted").count() == 1
    assert delete_orphan_files() == 0  # idempotent


def test_the_sweep_with_no_uploads_folder_does_nothing(media: Path) -> None:
    assert delete_orphan_files() == 0
