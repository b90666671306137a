"""The OpenAPI document types every error and names every operation (issue 10, item 7).

One rule set (`yiwang.api.openapi.error_statuses`) decides which error statuses each
operation documents; these tests pin each term of it against the live document."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PROBLEM = {"schema": {"$ref": "#/components/schemas/Problem"}}
WRITES = {"post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def spec(django_db_blocker: Any) -> dict[str, Any]:
    with django_db_blocker.unblock():
        document: dict[str, Any] = Client().get("/api/v1/openapi.json").json()
    return document


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
    ]


def test_the_document_has_operations(spec: dict[str, Any]) -> None:
    assert len(_operations(spec)) >= 32


def test_the_problem_schema_is_defined_once(spec: dict[str, Any]) -> None:
    problem = spec["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "code", "detail"}
    assert problem["properties"]["code"]["type"] == "string"
    assert problem["properties"]["errors"]["items"]["required"] == ["loc", "msg"]


def test_every_operation_types_each_of_its_errors_as_problem_json(spec: dict[str, Any]) -> None:
    for method, path, operation in _operations(spec):
        errors = {int(s): r for s, r in operation["responses"].items() if int(s) >= 400}
        assert 400 in errors, (method, path)
        for status, response in errors.items():
            assert response["description"], (method, path, status)
            assert response["content"] == {"application/problem+json": PROBLEM}, (
                method,
                path,
                status,
            )
        # the success answer is untouched
        assert any(200 <= int(s) < 300 for s in operation["responses"]), (method, path)


def test_each_term_of_the_rule(spec: dict[str, Any]) -> None:
    for method, path, operation in _operations(spec):
        statuses = {int(s) for s in operation["responses"]}
        where = (method, path, sorted(statuses))
        secured = bool(operation.get("security"))
        if secured:
            assert {401, 403} <= statuses, where
        names_objects = operation.get("requestBody") or any(
            p["in"] in {"path", "query"} for p in operation.get("parameters", [])
        )
        assert (404 in statuses) == bool(names_objects), where
        if method in WRITES:
            assert {409, 413} <= statuses, where
        else:
            assert not {409, 413} & statuses, where
        if operation.get("parameters") or operation.get("requestBody"):
            assert 422 in statuses, where
        multipart = "multipart/form-data" in operation.get("requestBody", {}).get("content", {})
        assert (415 in statuses) == multipart, where


def test_anonymous_reads_do_not_claim_credentials_errors(spec: dict[str, Any]) -> None:
    items = spec["paths"]["/api/v1/items"]["get"]
    assert not {"401", "403", "409", "413"} & {str(s) for s in items["responses"]}
    assert "404" in {str(s) for s in items["responses"]}  # a region filter that does not exist
    me = spec["paths"]["/api/v1/auth/me"]["get"]
    assert set(map(str, me["responses"])) == {"200", "400", "401", "403"}


def test_what_a_decoration_declares_is_documented_with_the_schema(spec: dict[str, Any]) -> None:
    login = spec["paths"]["/api/v1/auth/login"]["post"]["responses"]
    assert {"401", "403", "429"} <= set(map(str, login))
    assert "invalid_credentials" in login["401"]["description"]
    assert login["429"]["content"] == {"application/problem+json": PROBLEM}
    for path in ("/api/v1/public/enterprises", "/api/v1/public/enterprises/{uscc}"):
        assert "429" in spec["paths"][path]["get"]["responses"], path


def test_every_operation_has_a_stable_readable_operation_id(spec: dict[str, Any]) -> None:
    ids = [operation.get("operationId", "") for _, _, operation in _operations(spec)]
    for operation_id in ids:
        # lowerCamelCase, not ninja's default "<module>_<function>" (yiwang_cases_api_submit)
        assert re.fullmatch(r"[a-z]+(?:[A-Z][a-z]+)*", operation_id), operation_id
    assert len(set(ids)) == len(ids)
    by_route = {(m, p): o["operationId"] for m, p, o in _operations(spec)}
    assert by_route[("post", "/api/v1/cases")] == "submitCase"
    assert by_route[("get", "/api/v1/items")] == "listItems"
    assert by_route[("post", "/api/v1/auth/login")] == "login"


def test_every_operation_has_one_tag_of_its_app_and_each_tag_is_described(
    spec: dict[str, Any],
) -> None:
    described = {t["name"]: t["description"] for t in spec["tags"]}
    assert set(described) == {
        "auth",
        "catalog",
        "uploads",
        "cases",
        "credit",
        "licenses",
        "messages",
        "supervision",
        "feedback",
        "investment",
    }
    for method, path, operation in _operations(spec):
        assert len(operation["tags"]) == 1, (method, path)
        assert operation["tags"][0] in described, (method, path)
