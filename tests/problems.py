"""The one check of an API error answer (RFC 9457 problem+json, CONVENTIONS.md)."""

from __future__ import annotations

from typing import Any


def assert_problem(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is a problem+json of this HTTP status (and stable `code`, when given),
    with a title and no traceback; returns the body for further checks."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status, body
    if code is not None:
        assert body["code"] == code, body
    assert body["title"], body
    assert "Traceback" not in response.content.decode()
    return body
