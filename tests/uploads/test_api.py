"""POST /uploads and GET /uploads/{id}: status codes, problem+json, nothing stored on refusal."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.test import Client

from tests.problems import assert_problem as _problem
from tests.uploads import samples
from tests.uploads.conftest import stored_files
from yiwang.uploads.models import Upload

pytestmark = pytest.mark.django_db

URL = "/api/v1/uploads"


def _auth(token: str) -> dict[str, Any]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _file(data: bytes, name: str = "申请表.pdf", content_type: str = "application/pdf") -> Any:
    return SimpleUploadedFile(name, data, content_type=content_type)


def _download(client: Client, upload_id: str, **headers: Any) -> tuple[Any, bytes]:
    response = client.get(f"{URL}/{upload_id}", **headers)
    # Reading the stream to its end closes the file (the test client's closing wrapper);
    # closing the response again would also close the test's database connection.
    streaming = response.streaming_content if response.streaming else []  # type: ignore[attr-defined]
    content = b"".join(streaming)
    return response, content


def test_upload_and_download_by_the_owner(
    client: Client, media: Path, demo_users: dict[str, Any], api_login: Callable[[str], str]
) -> None:
    token = api_login("citizen")
    data = samples.png()
    response = client.post(
        URL, {"file": _file(data, "户口本 首页.png", "text/plain")}, **_auth(token)
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body == {
        "upload_id": body["upload_id"],
        "name": "户口本 首页.png",
        "size": len(data),
        "content_type": "image/png",
    }
    assert Upload.objects.get().owner == demo_users["citizen"]

    got, content = _download(client, body["upload_id"], **_auth(token))
    assert got.status_code == 200
    assert content == data
    assert got["Content-Type"] == "image/png"
    assert got["X-Content-Type-Options"] == "nosniff"
    assert got["Content-Length"] == str(len(data))
    assert got["Cache-Control"] == "private, no-store"
    disposition = got["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''%E6%88%B7%E5%8F%A3%E6%9C%AC%20%E9%A6%96%E9%A1%B5.png" in disposition


def test_others_get_404_and_anonymous_401(
    client: Client, media: Path, demo_users: dict[str, Any], api_login: Callable[[str], str]
) -> None:
    owner = api_login("citizen")
    upload_id = client.post(URL, {"file": _file(samples.pdf())}, **_auth(owner)).json()["upload_id"]
    for username in (
        "enterprise",
        "clerk-nanguan",
        "reviewer-nanguan",
        "supervisor-jilin",
        "admin",
    ):
        response, content = _download(client, upload_id, **_auth(api_login(username)))
        _problem(response, 404, "not_found")
        assert content == b""
    response, _ = _download(client, upload_id)
    _problem(response, 401, "not_authenticated")
    for bad in (str(uuid.uuid4()), "not-a-uuid", "..%2F..%2Fsecret_key"):
        response, _ = _download(client, bad, **_auth(owner))
        _problem(response, 404, "not_found")


def test_the_owner_downloads_through_the_web_session_too(
    media: Path, demo_users: dict[str, Any], api_login: Callable[[str], str]
) -> None:
    api = Client()
    upload_id = api.post(
        URL, {"file": _file(samples.jpeg(), "a.jpg")}, **_auth(api_login("citizen"))
    ).json()["upload_id"]
    browser = Client()
    browser.force_login(demo_users["citizen"])
    response, content = _download(browser, upload_id)
    assert (response.status_code, content) == (200, samples.jpeg())
    browser.force_login(demo_users["enterprise"])
    response, _ = _download(browser, upload_id)
    assert response.status_code == 404


def test_anonymous_upload_is_401_and_stores_nothing(client: Client, media: Path) -> None:
    _problem(client.post(URL, {"file": _file(samples.pdf())}), 401, "not_authenticated")
    assert stored_files(media) == []
    assert Upload.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (samples.png(), "营业执照.pdf"),  # a forged .pdf holding a PNG
        (b"%PDF-1.7\nnot really a pdf\n", "申请表.pdf"),
        (b"MZ\x90\x00 an executable", "setup.pdf"),
    ],
)
def test_forged_or_wrong_type_is_415_and_nothing_on_disk(
    client: Client,
    media: Path,
    demo_users: dict[str, Any],
    api_login: Callable[[str], str],
    data: bytes,
    name: str,
) -> None:
    response = client.post(URL, {"file": _file(data, name)}, **_auth(api_login("citizen")))
    _problem(response, 415, "unsupported_media_type")
    assert stored_files(media) == []
    assert Upload.objects.count() == 0


def test_the_size_limit_exact_is_201_one_more_byte_is_413(
    client: Client,
    media: Path,
    demo_users: dict[str, Any],
    api_login: Callable[[str], str],
    settings: Any,
) -> None:
    settings.YIWANG_UPLOAD_MAX_BYTES = 64 * 1024
    token = api_login("citizen")
    ok = client.post(URL, {"file": _file(samples.pdf(size=64 * 1024))}, **_auth(token))
    assert (ok.status_code, ok.json()["size"]) == (201, 64 * 1024)
    too_big = client.post(URL, {"file": _file(samples.pdf(size=64 * 1024 + 1))}, **_auth(token))
    assert _problem(too_big, 413, "payload_too_large")["max_bytes"] == 64 * 1024
    assert len(stored_files(media)) == Upload.objects.count() == 1


def test_a_20_mb_file_is_413_without_being_spooled_in_full(
    client: Client,
    media: Path,
    demo_users: dict[str, Any],
    api_login: Callable[[str], str],
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
    tmp_path: Path,
) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(spool)
    spooled: list[int] = []
    original = TemporaryFileUploadHandler.receive_data_chunk

    def counting(self: Any, raw_data: bytes, start: int) -> Any:
        spooled.append(start + len(raw_data))
        return original(self, raw_data, start)

    monkeypatch.setattr(TemporaryFileUploadHandler, "receive_data_chunk", counting)
    big = samples.pdf(size=20 * 1024 * 1024)
    response = client.post(URL, {"file": _file(big)}, **_auth(api_login("citizen")))
    _problem(response, 413, "payload_too_large")
    # Reading stopped at the limit (10 MiB by default), give or take one 64 KiB chunk.
    assert max(spooled) <= 10 * 1024 * 1024 + 64 * 1024
    assert list(spool.iterdir()) == []  # the partial temporary file is gone
    assert stored_files(media) == []
    assert Upload.objects.count() == 0


def test_a_too_large_file_over_a_csrf_checked_session_is_413_too(
    media: Path, demo_users: dict[str, Any], settings: Any
) -> None:
    settings.YIWANG_UPLOAD_MAX_BYTES = 1024 * 1024
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(demo_users["citizen"])
    browser.cookies["csrftoken"] = token = "b" * 32
    big = samples.pdf(size=3 * 1024 * 1024)
    response = browser.post(URL, {"file": _file(big)}, HTTP_X_CSRFTOKEN=token)
    _problem(response, 413, "payload_too_large")
    ok = browser.post(URL, {"file": _file(samples.pdf())}, HTTP_X_CSRFTOKEN=token)
    assert ok.status_code == 201
    _problem(browser.post(URL, {"file": _file(samples.pdf())}), 403, "csrf_failed")


@pytest.mark.parametrize("session", [False, True])
def test_an_oversized_form_field_is_413_not_500(
    media: Path,
    demo_users: dict[str, Any],
    api_login: Callable[[str], str],
    session: bool,
) -> None:
    # DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) covers the non-file fields; Django raises
    # RequestDataTooBig while parsing, before the view runs.
    client = Client(enforce_csrf_checks=session)
    headers: dict[str, Any] = {}
    if session:
        client.force_login(demo_users["citizen"])
        client.cookies["csrftoken"] = token = "c" * 32
        headers["HTTP_X_CSRFTOKEN"] = token
    else:
        headers = _auth(api_login("citizen"))
    payload = {"file": _file(samples.pdf()), "note": "x" * (3 * 1024 * 1024)}
    _problem(client.post(URL, payload, **headers), 413, "payload_too_large")
    assert stored_files(media) == []


def test_no_file_is_422(
    client: Client, media: Path, demo_users: dict[str, Any], api_login: Callable[[str], str]
) -> None:
    token = api_login("citizen")
    body = _problem(client.post(URL, {"other": "x"}, **_auth(token)), 422, "validation_failed")
    assert body["errors"] == [{"loc": ["body", "file"], "msg": "Field required"}]
    _problem(
        client.post(URL, {"a": 1}, content_type="application/json", **_auth(token)),
        422,
        "validation_failed",
    )
    _problem(
        client.post(URL, {"document": _file(samples.pdf())}, **_auth(token)),
        422,
        "validation_failed",
    )


def test_a_malformed_multipart_body_is_400(
    client: Client, media: Path, demo_users: dict[str, Any], api_login: Callable[[str], str]
) -> None:
    response = client.post(
        URL,
        data=b"--x\r\nnot a part",
        content_type="multipart/form-data",  # no boundary
        **_auth(api_login("citizen")),
    )
    _problem(response, 400, "bad_request")


def test_the_same_idempotency_key_returns_the_same_upload(
    client: Client, media: Path, demo_users: dict[str, Any], api_login: Callable[[str], str]
) -> None:
    headers = {**_auth(api_login("citizen")), "HTTP_IDEMPOTENCY_KEY": "upload-7f3a"}
    first = client.post(URL, {"file": _file(samples.pdf())}, **headers)
    second = client.post(URL, {"file": _file(samples.pdf())}, **headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json() == second.json()
    assert len(stored_files(media)) == 1
    other = client.post(URL, {"file": _file(samples.png(), "x.png")}, **headers)
    _problem(other, 409, "idempotency_key_reused")
    assert len(stored_files(media)) == 1
    long_key = {**headers, "HTTP_IDEMPOTENCY_KEY": "k" * 101}
    _problem(
        client.post(URL, {"file": _file(samples.pdf())}, **long_key), 422, "bad_idempotency_key"
    )


def test_openapi_documents_the_multipart_field(client: Client) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    post = spec["paths"]["/api/v1/uploads"]["post"]
    schema = post["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert schema["required"] == ["file"]
    assert schema["properties"]["file"]["format"] == "binary"
    assert "201" in post["responses"]
    assert "get" in spec["paths"]["/api/v1/uploads/{upload_id}"]
