"""Races, with real threads and real transactions (SQLite file DB or PostgreSQL):
two clerks accepting at once, 50 retries of one submission, concurrent case numbers."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.test import Client

from tests.cases import items
from tests.cases.conftest import CaseApi
from tests.racing import race
from yiwang.accounts.actor import Actor
from yiwang.cases.models import Case, CaseEvent, CaseNumberCounter
from yiwang.common.models import AuditEvent
from yiwang.common.models import IdempotencyRecord as IdempotencyKey
from yiwang.notify.models import Message

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def second_clerk(world: dict[str, Any]) -> None:
    from yiwang.accounts.services import create_staff
    from yiwang.org.selectors import posts_by_code

    create_staff(
        username="clerk-nanguan-2",
        password="yiwang-demo-2026",
        display_name="李娜",
        posts=posts_by_code(["220102-hall-window"]),
        actor=Actor.system("test"),
    )


def test_two_clerks_accepting_at_once_one_wins_one_gets_409(
    api: CaseApi, second_clerk: None
) -> None:
    case_no = api.apply("citizen", items.NANGUAN)["case_no"]
    headers = [api.headers("clerk-nanguan"), api.headers("clerk-nanguan-2")]

    def accept(i: int, client: Client) -> Any:
        return client.post(
            f"/api/v1/cases/{case_no}/actions",
            {"action": "accept"},
            content_type="application/json",
            **headers[i],  # type: ignore[arg-type]
        )

    responses = race(2, accept)
    assert sorted(r.status_code for r in responses) == [200, 409], responses
    loser = next(r for r in responses if r.status_code == 409).json()
    assert loser["code"] == "invalid_transition"
    assert loser["current_state"] == "accepted"
    assert CaseEvent.objects.filter(case__case_no=case_no, action="accept").count() == 1
    assert AuditEvent.objects.filter(object_id=case_no, action="case.accept").count() == 1
    assert Message.objects.filter(object_id=case_no, subject="办件已受理").count() == 1
    assert Case.objects.get(case_no=case_no).version == 2


def test_fifty_retries_of_one_submission_make_one_case(api: CaseApi) -> None:
    body = {
        "item_code": items.NANGUAN,
        "form": items.form_for(items.NANGUAN),
        "materials": api.materials_for("citizen", items.NANGUAN),
    }
    headers = {**api.headers("citizen"), "HTTP_IDEMPOTENCY_KEY": "kiosk-retry-7f3a"}

    def submit(i: int, client: Client) -> Any:
        return client.post("/api/v1/cases", body, content_type="application/json", **headers)  # type: ignore[arg-type]

    responses = race(50, submit)
    assert Counter(getattr(r, "status_code", r) for r in responses) == {201: 50}, responses
    answers = {(r.json()["case_no"], r.json()["query_code"]) for r in responses}
    assert len(answers) == 1
    assert Case.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1
    # The losers rolled back whole: their case numbers were given back, no gap.
    assert CaseNumberCounter.objects.get().last == 1
    ((case_no, _),) = answers
    assert Message.objects.filter(object_id=case_no).count() == 1
    assert AuditEvent.objects.filter(object_id=case_no, action="case.submitted").count() == 1


def test_concurrent_submissions_get_unique_consecutive_numbers(api: CaseApi) -> None:
    body = {
        "item_code": items.NANGUAN,
        "form": items.form_for(items.NANGUAN),
        "materials": api.materials_for("citizen", items.NANGUAN),
    }
    headers = api.headers("citizen")

    def submit(i: int, client: Client) -> Any:
        return client.post(
            "/api/v1/cases",
            body,
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=f"key-{i}",
            **headers,  # type: ignore[arg-type]
        )

    n = 20
    responses = race(n, submit)
    assert [getattr(r, "status_code", r) for r in responses] == [201] * n, responses
    numbers = sorted(r.json()["case_no"] for r in responses)
    assert len(set(numbers)) == n
    assert [int(no.rsplit("-", 1)[1]) for no in numbers] == list(range(1, n + 1))
