"""The API answers in the request's language, errors included (issue 9, "What must hold").

Chinese without an Accept-Language header (LANGUAGE_CODE zh-hans), English with
`Accept-Language: en`; the code, status and extension members do not depend on it.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.problems import assert_problem

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    body = assert_problem(response, status, code)
    assert "Accept-Language" in response.get("Vary", "")  # caches keep the two apart
    return body


def test_a_domain_error_raised_by_a_selector_in_chinese_and_in_english(client: Client) -> None:
    url = "/api/v1/items?region=229999"  # well formed, names no region
    chinese = _problem(client.get(url), 404, "not_found")
    english = _problem(client.get(url, **ENGLISH), 404, "not_found")
    assert (chinese["title"], chinese["detail"]) == ("未找到", "区划 229999 不存在")
    assert (english["title"], english["detail"]) == ("Not found", "Region 229999 does not exist")


def test_a_refusal_of_the_json_parser_in_both_languages(client: Client) -> None:
    def login(**headers: str) -> dict[str, Any]:
        response = client.post(
            "/api/v1/auth/login", b'{"username": NaN}', "application/json", **headers
        )
        return _problem(response, 400, "bad_json")

    assert (login()["title"], login()["detail"]) == (
        "请求格式错误",
        "请求体不是合法的 JSON：不支持 NaN",
    )
    english = login(**ENGLISH)
    assert (english["title"], english["detail"]) == (
        "Malformed request",
        "The request body is not valid JSON: NaN is not supported",
    )


def test_the_mapped_errors_of_the_api_edge_in_both_languages(client: Client) -> None:
    chinese = _problem(client.get("/api/v1/auth/me"), 401, "not_authenticated")
    english = _problem(client.get("/api/v1/auth/me", **ENGLISH), 401, "not_authenticated")
    assert chinese["title"] == "需要登录"
    assert english["title"] == "Sign-in required"
    assert english["detail"] != chinese["detail"]


def test_an_unknown_language_falls_back_to_chinese(client: Client) -> None:
    body = _problem(
        client.get("/api/v1/items?region=229999", HTTP_ACCEPT_LANGUAGE="fr"), 404, "not_found"
    )
    assert (body["title"], body["detail"]) == ("未找到", "区划 229999 不存在")
