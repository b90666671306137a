"""The API's shared behaviour: OpenAPI and docs offline, problem+json for every error."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from tests.problems import assert_problem as _assert_problem

pytestmark = pytest.mark.django_db


def test_openapi_describes_the_login_contract(client: Client) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    login = spec["paths"]["/api/v1/auth/login"]["post"]
    schema_ref = login["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = spec["components"]["schemas"][schema_ref.rsplit("/", 1)[1]]
    assert set(schema["required"]) == {"username", "password"}


def test_docs_are_served_from_our_own_static_files(client: Client) -> None:
    page = client.get("/api/v1/docs").content.decode()
    scripts = re.findall(r'src="([^"]+)"', page) + re.findall(r'href="([^"]+\.css)"', page)
    assert scripts, page
    for url in scripts:
        assert url.startswith("/static/"), url  # no CDN: the docs work without internet
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content)  # type: ignore[attr-defined]
        response.close()


def test_unknown_api_path_is_problem_json(client: Client) -> None:
    _assert_problem(client.get("/api/v1/no-such-thing"), 404, "not_found")


def test_unknown_web_path_is_a_chinese_page(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_session_post_without_csrf_is_refused_with_problem_json(
    demo_users: dict[str, Any],
) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(demo_users["citizen"])
    _assert_problem(browser.post("/api/v1/auth/logout"), 403, "csrf_failed")


def test_a_post_with_no_credentials_at_all_is_401_not_a_csrf_refusal() -> None:
    anonymous = Client(enforce_csrf_checks=True)  # as a real client: CSRF is checked
    _assert_problem(
        anonymous.post("/api/v1/cases", {}, "application/json"), 401, "not_authenticated"
    )
    _assert_problem(anonymous.post("/api/v1/auth/logout"), 401, "not_authenticated")


def test_session_get_is_authenticated(demo_users: dict[str, Any]) -> None:
    browser = Client()
    browser.force_login(demo_users["clerk-nanguan"])
    assert browser.get("/api/v1/auth/me").json()["username"] == "clerk-nanguan"


def test_wrong_method_is_not_a_500(client: Client) -> None:
    response = client.get("/api/v1/auth/login")
    _assert_problem(response, 405, "method_not_allowed")
    assert response["Allow"] == "POST"
    assert response.json()["allowed"] == ["POST"]
