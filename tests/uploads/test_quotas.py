"""Per-account upload quotas (issue 10.5): a rate (429 `upload_rate_limited`, Retry-After)
and the bytes held (413 `upload_quota_exceeded`), and the expiry of uploads no case refers to."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from tests.problems import assert_problem
from tests.uploads import samples
from tests.uploads.conftest import stored_files
from yiwang.common.errors import PayloadTooLarge, RateLimited
from yiwang.common.models import AuditEvent
from yiwang.uploads import services
from yiwang.uploads.models import Upload
from yiwang.uploads.services import delete_expired_uploads, store_upload
from yiwang.uploads.tasks import sweep_orphan_files

pytestmark = pytest.mark.django_db

URL = "/api/v1/uploads"


def _file(data: bytes | None = None, name: str = "材料.pdf") -> Any:
    return SimpleUploadedFile(name, samples.pdf() if data is None else data, "application/pdf")


def _age(upload: Upload, **delta: float) -> None:
    Upload.objects.filter(pk=upload.pk).update(created_at=timezone.now() - timedelta(**delta))


@pytest.fixture
def limits(settings: Any) -> Any:
    settings.YIWANG_UPLOAD_RATE_LIMIT = 3
    settings.YIWANG_UPLOAD_RATE_WINDOW_SECONDS = 60
    settings.YIWANG_UPLOAD_QUOTA_BYTES = 0
    settings.YIWANG_UPLOAD_UNATTACHED_MAX_AGE_HOURS = 24
    return settings


def test_the_defaults(settings: Any) -> None:
    for name in (
        "YIWANG_UPLOAD_RATE_LIMIT",
        "YIWANG_UPLOAD_RATE_WINDOW_SECONDS",
        "YIWANG_UPLOAD_QUOTA_BYTES",
        "YIWANG_UPLOAD_UNATTACHED_MAX_AGE_HOURS",
    ):
        delattr(settings, name)
    assert services.quotas() == services.Quotas(
        rate_limit=60,
        rate_window=timedelta(hours=1),
        quota_bytes=500 * 1024 * 1024,
        unattached_max_age=timedelta(days=7),
    )


# --- the rate ------------------------------------------------------------------------


def test_the_limit_is_reached_at_exactly_n_uploads_in_the_window(
    limits: Any, media: Path, demo_users: dict[str, Any]
) -> None:
    owner = demo_users["citizen"]
    first = [store_upload(_file(), owner=owner) for _ in range(3)]  # the 3rd is allowed
    for upload, seconds in zip(first, (50, 40, 30), strict=True):
        _age(upload, seconds=seconds)
    with pytest.raises(RateLimited) as exc_info:
        store_upload(_file(samples.png(), "b.png"), owner=owner)
    exc = exc_info.value
    assert (exc.code, exc.status) == ("upload_rate_limited", 429)
    # The oldest of the three leaves the 60 s window in 10 s.
    assert exc.retry_after == 10
    assert exc.extra["limit"] == 3
    assert exc.extra["window_seconds"] == 60
    assert "1 分钟内最多上传 3 个文件" in exc.detail
    assert Upload.objects.count() == 3
    assert len(stored_files(media)) == 3  # the refused file was never written


def test_an_upload_that_left_the_window_frees_a_place(
    limits: Any, media: Path, demo_users: dict[str, Any]
) -> None:
    owner = demo_users["citizen"]
    oldest, *_ = [store_upload(_file(), owner=owner) for _ in range(3)]
    _age(oldest, seconds=61)
    store_upload(_file(), owner=owner)  # the window holds two now
    with pytest.raises(RateLimited):
        store_upload(_file(), owner=owner)


def test_the_limit_is_per_account(limits: Any, media: Path, demo_users: dict[str, Any]) -> None:
    owner = demo_users["citizen"]
    other = next(u for name, u in demo_users.items() if name != "citizen")
    for _ in range(3):
        store_upload(_file(), owner=owner)
    assert store_upload(_file(), owner=other).owner == other
    with pytest.raises(RateLimited):
        store_upload(_file(), owner=owner)


def test_a_retry_with_the_same_idempotency_key_is_not_counted_again(
    limits: Any, media: Path, demo_users: dict[str, Any]
) -> None:
    owner = demo_users["citizen"]
    uploads = [store_upload(_file(), owner=owner, idempotency_key=f"k{i}") for i in range(3)]
    assert store_upload(_file(), owner=owner, idempotency_key="k2") == uploads[2]


def test_zero_switches_the_rate_off(limits: Any, media: Path, demo_users: dict[str, Any]) -> None:
    limits.YIWANG_UPLOAD_RATE_LIMIT = 0
    for _ in range(5):
        store_upload(_file(), owner=demo_users["citizen"])
    assert Upload.objects.count() == 5


def test_the_api_answers_429_problem_json_with_retry_after(
    limits: Any,
    client: Client,
    media: Path,
    demo_users: dict[str, Any],
    api_login: Callable[[str], str],
) -> None:
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_login('citizen')}"}
    for _ in range(3):
        assert client.post(URL, {"file": _file()}, **auth).status_code == 201  # type: ignore[arg-type]
    response = client.post(URL, {"file": _file()}, **auth)  # type: ignore[arg-type]
    body = assert_problem(response, 429, "upload_rate_limited")
    assert (body["code"], body["status"]) == ("upload_rate_limited", 429)
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["Retry-After"] == str(body["retry_after"])


# --- the bytes held ---------------------------------------------------------------------


def test_the_quota_holds_exactly_and_refuses_one_byte_more(
    limits: Any, media: Path, demo_users: dict[str, Any]
) -> None:
    owner = demo_users["citizen"]
    limits.YIWANG_UPLOAD_RATE_LIMIT = 0
    limits.YIWANG_UPLOAD_QUOTA_BYTES = 3000
    store_upload(_file(samples.pdf(1000)), owner=owner)
    store_upload(_file(samples.pdf(2000)), owner=owner)  # 3000 of 3000: still allowed
    with pytest.raises(PayloadTooLarge) as exc_info:
        store_upload(_file(samples.pdf(400)), owner=owner)
    exc = exc_info.value
    assert (exc.code, exc.status) == ("upload_quota_exceeded", 413)
    assert (exc.extra["quota_bytes"], exc.extra["used_bytes"]) == (3000, 3000)
    # Neither is attached: the first expires in 24 hours and then 400 bytes fit.
    assert 24 * 3600 - 5 <= exc.extra["retry_after"] <= 24 * 3600
    assert Upload.objects.count() == 2
    assert len(stored_files(media)) == 2


def test_the_quota_counts_every_upload_of_the_account_and_only_its_own(
    limits: Any, media: Path, demo_users: dict[str, Any]
) -> None:
    owner = demo_users["citizen"]
    other = next(u for name, u in demo_users.items() if name != "citizen")
    limits.YIWANG_UPLOAD_RATE_LIMIT = 0
    limits.YIWANG_UPLOAD_QUOTA_BYTES = 2500
    store_upload(_file(samples.pdf(1000)), owner=other)
    store_upload(_file(samples.pdf(1000)), owner=owner)
    store_upload(_file(samples.pdf(1000)), owner=owner)
    assert store_upload(_file(samples.pdf(1000)), owner=other).owner == other
    with pytest.raises(PayloadTooLarge) as exc_info:
        store_upload(_file(samples.pdf(1000)), owner=owner)
    assert exc_info.value.extra["used_bytes"] == 2000


def test_retry_after_is_when_enough_unattached_uploads_have_expired(
    limits: Any, media: Path, demo_users: dict[str, Any]
) -> None:
    owner = demo_users["citizen"]
    limits.YIWANG_UPLOAD_RATE_LIMIT = 0
    limits.YIWANG_UPLOAD_QUOTA_BYTES = 3000
    small = store_upload(_file(samples.pdf(300)), owner=owner)
    large = store_upload(_file(samples.pdf(2000)), owner=owner)
    _age(small, hours=20)  # expires in 4 hours, frees 300 bytes: 1500 more do not fit yet
    _age(large, hours=18)  # expires in 6 hours: then they do
    with pytest.raises(PayloadTooLarge) as exc_info:
        store_upload(_file(samples.pdf(1500)), owner=owner)
    assert 6 * 3600 - 5 <= exc_info.value.extra["retry_after"] <= 6 * 3600


def test_without_expiry_a_full_quota_gives_no_retry_after(
    limits: Any, media: Path, demo_users: dict[str, Any]
) -> None:
    owner = demo_users["citizen"]
    limits.YIWANG_UPLOAD_RATE_LIMIT = 0
    limits.YIWANG_UPLOAD_QUOTA_BYTES = 1500
    limits.YIWANG_UPLOAD_UNATTACHED_MAX_AGE_HOURS = 0
    store_upload(_file(samples.pdf(1000)), owner=owner)
    with pytest.raises(PayloadTooLarge) as exc_info:
        store_upload(_file(samples.pdf(1000)), owner=owner)
    assert "retry_after" not in exc_info.value.extra


def test_the_api_answers_413_upload_quota_exceeded(
    limits: Any,
    client: Client,
    media: Path,
    demo_users: dict[str, Any],
    api_login: Callable[[str], str],
) -> None:
    limits.YIWANG_UPLOAD_QUOTA_BYTES = 1500
    limits.YIWANG_UPLOAD_UNATTACHED_MAX_AGE_HOURS = 0
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_login('citizen')}"}
    first = client.post(URL, {"file": _file(samples.pdf(1000))}, **auth)  # type: ignore[arg-type]
    assert first.status_code == 201
    response = client.post(URL, {"file": _file(samples.pdf(1000))}, **auth)  # type: ignore[arg-type]
    body = assert_problem(response, 413, "upload_quota_exceeded")
    assert (body["code"], body["quota_bytes"], body["used_bytes"]) == (
        "upload_quota_exceeded",
        1500,
        1000,
    )
    assert not response.has_header("Retry-After")


# --- expiry of unattached uploads --------------------------------------------------------


def test_the_sweep_removes_unattached_uploads_past_their_age_file_and_row(
    limits: Any, media: Path, demo_users: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    owner = demo_users["citizen"]
    old = store_upload(_file(), owner=owner)
    young = store_upload(_file(samples.png(), "b.png"), owner=owner)
    _age(old, hours=24, seconds=1)
    _age(young, hours=23, minutes=59)
    old_path = media / old.file.name

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = sweep_orphan_files.enqueue()
    assert len(callbacks) == 1  # the file goes once the row's deletion is committed
    assert result.return_value == {"deleted": 0, "expired": 1}
    assert list(Upload.objects.all()) == [young]
    assert not old_path.exists()
    assert stored_files(media) == [media / young.file.name]
    event = AuditEvent.objects.get(action="uploads.expired")
    assert (event.object_type, event.object_id, event.actor) == (
        "uploads.upload",
        str(old.pk),
        "upload-sweep",
    )
    before: Any = event.before
    assert (before["owner"], before["size"], before["sha256"]) == ("citizen", old.size, old.sha256)
    assert delete_expired_uploads() == 0  # idempotent


def test_zero_hours_switches_the_expiry_off(
    limits: Any, media: Path, demo_users: dict[str, Any]
) -> None:
    limits.YIWANG_UPLOAD_UNATTACHED_MAX_AGE_HOURS = 0
    old = store_upload(_file(), owner=demo_users["citizen"])
    _age(old, days=400)
    assert delete_expired_uploads() == 0
    assert Upload.objects.get() == old


def test_a_rolled_back_expiry_keeps_the_file(
    limits: Any,
    media: Path,
    demo_users: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    old = store_upload(_file(), owner=demo_users["citizen"])
    _age(old, days=2)

    def broken_record(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(services, "record", broken_record)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        delete_expired_uploads()
    assert Upload.objects.get() == old
    assert (media / old.file.name).exists()


def test_the_document_names_429_for_uploads(client: Client) -> None:
    operation = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/uploads"]["post"]
    assert {"413", "429"} <= set(operation["responses"])
    assert "upload_rate_limited" in operation["responses"]["429"]["description"]
