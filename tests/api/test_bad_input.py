"""Input that once reached the API's catch-all handler (a 500 with a traceback in the log):
bodies over Django's in-memory limit and text that cannot be encoded as UTF-8."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tests.problems import assert_problem

pytestmark = pytest.mark.django_db


def _too_big() -> int:
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE) + 1


def _json_body() -> str:
    return '{"item_code": "' + "x" * _too_big() + '"}'


def _form_body() -> str:
    return "comment=" + "x" * _too_big()


@pytest.fixture
def token(demo_users: dict[str, Any], api_login: Callable[[str], str]) -> str:
    return api_login("citizen")


@pytest.fixture
def session(demo_users: dict[str, Any]) -> Client:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(demo_users["citizen"])
    browser.get("/")  # the CSRF cookie, as a page would set it
    return browser


BODIES = {
    "json": (_json_body, "application/json"),
    "form": (_form_body, "application/x-www-form-urlencoded"),
}
PATHS = ["/api/v1/cases", "/api/v1/auth/logout", "/api/v1/uploads"]


@pytest.mark.parametrize("kind", sorted(BODIES))
@pytest.mark.parametrize("path", PATHS)
def test_an_oversized_body_with_a_token_is_413(
    client: Client, token: str, kind: str, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    make, content_type = BODIES[kind]
    with caplog.at_level(logging.INFO):
        response = client.post(
            path, make(), content_type=content_type, HTTP_AUTHORIZATION=f"Bearer {token}"
        )
    body = assert_problem(response, 413, "payload_too_large")
    limit = int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    assert body["max_bytes"] == limit
    assert f"{limit:,}" in body["detail"]
    _assert_one_line_in_the_log(caplog)


@pytest.mark.parametrize("kind", sorted(BODIES))
@pytest.mark.parametrize("path", PATHS)
def test_an_oversized_body_with_a_session_is_413(
    session: Client, kind: str, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    make, content_type = BODIES[kind]
    csrf = session.cookies["csrftoken"].value
    with caplog.at_level(logging.INFO):
        response = session.post(path, make(), content_type=content_type, HTTP_X_CSRFTOKEN=csrf)
    assert_problem(response, 413, "payload_too_large")
    _assert_one_line_in_the_log(caplog)


def _assert_one_line_in_the_log(caplog: pytest.LogCaptureFixture) -> None:
    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(records) == 1, [r.getMessage() for r in records]
    assert records[0].exc_info is None  # no traceback
    assert "\n" not in records[0].getMessage()


def test_a_multipart_body_whose_fields_are_too_big_is_413_with_a_session(
    session: Client,
) -> None:
    """Its file parts do not count towards the limit, its other fields do: Django raises
    while the session's CSRF check reads the form."""
    csrf = session.cookies["csrftoken"].value
    response = session.post(
        "/api/v1/auth/logout", {"comment": "x" * _too_big()}, HTTP_X_CSRFTOKEN=csrf
    )
    assert_problem(response, 413, "payload_too_large")


def test_a_broken_multipart_body_with_a_session_is_400(session: Client) -> None:
    csrf = session.cookies["csrftoken"].value
    response = session.post(
        "/api/v1/auth/logout",
        b"--x\r\nContent-Disposition: form-data\r\n\r\nno name\r\n--x--\r\n" * 2,
        content_type="multipart/form-data",  # and no boundary
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert_problem(response, 400, "bad_request")


def test_a_body_under_the_limit_still_works(client: Client, token: str) -> None:
    response = client.post(
        "/api/v1/cases",
        {"item_code": "x" * 100},
        "application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code in {404, 422}, response.content  # reached the view


# A lone surrogate, as JSON writes it: no UTF-8 encoder takes it. CESU-8 bytes
# (ED A0 80) decode to the same str in Python's json module.
SURROGATE = "\\ud800"


def _submission(form: str) -> bytes:
    return ('{"item_code": "X", "materials": [], "form": ' + form + "}").encode()


@pytest.mark.parametrize(
    "body",
    [
        _submission('{"name": "' + SURROGATE + '"}'),  # a value of the free-form `form`
        _submission('{"' + SURROGATE + '": "x"}'),  # a key of it
        _submission('{"a": [{"b": ["ok", "x' + SURROGATE + 'y"]}]}'),  # deep inside
        _submission('{"name": "CESU"}').replace(b"CESU", b"\xed\xa0\x80"),
        ('{"item_code": "' + SURROGATE + '", "materials": [], "form": {}}').encode(),
    ],
    ids=["form-value", "form-key", "nested", "cesu8-bytes", "schema-field"],
)
def test_text_that_utf8_cannot_encode_is_refused_at_the_parser(
    client: Client, token: str, body: bytes
) -> None:
    response = client.post(
        "/api/v1/cases", body, "application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert_problem(response, 400, "invalid_text")


def test_a_surrogate_pair_is_ordinary_text(client: Client, token: str) -> None:
    """ "\\ud83d\\ude00" is one character (😀), encodable: the parser lets it through."""
    response = client.post(
        "/api/v1/cases",
        _submission('{"name": "\\ud83d\\ude00"}'),
        "application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code != 400, response.content
    assert response.json()["code"] != "invalid_text"


@pytest.mark.parametrize(
    ("language", "title", "detail"),
    [
        (None, "无权访问", "页面已过期或请求来源无法验证"),
        ("zh-hans", "无权访问", "页面已过期或请求来源无法验证"),
        ("en", "Access denied", "the request's origin could not be verified"),
    ],
)
def test_a_session_without_its_csrf_token_gets_the_house_problem_in_its_language(
    session: Client, language: str | None, title: str, detail: str
) -> None:
    headers = {} if language is None else {"HTTP_ACCEPT_LANGUAGE": language}
    response = session.post("/api/v1/auth/logout", **headers)  # type: ignore[arg-type]
    body = assert_problem(response, 403, "csrf_failed")
    assert body["title"] == title
    assert detail in body["detail"]
    assert "CSRF check Failed" not in response.content.decode()
    # and the session was not logged out: the same request with its token works
    csrf = session.cookies["csrftoken"].value
    assert session.post("/api/v1/auth/logout", HTTP_X_CSRFTOKEN=csrf).status_code == 204


def test_a_read_is_not_refused_for_a_body_it_never_reads(client: Client, token: str) -> None:
    """The document gives 413 to writes only; a GET's body is not read, so not judged."""
    response = client.generic(
        "GET",
        "/api/v1/auth/me",
        _json_body(),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200, response.content
