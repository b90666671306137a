"""一事一评 under concurrency: ratings of one case sent at once (API and the signed link)
make one Evaluation; the others are told 409 `already_rated` / `rating_link_used`
(on PostgreSQL the case row lock orders them; the OneToOne is the last guard)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from tests.cases.conftest import CaseApi
from tests.racing import race
from yiwang.common.errors import DomainError
from yiwang.feedback.models import Evaluation, Rectification
from yiwang.feedback.services import rate_by_link
from yiwang.notify.models import Message

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_ratings_of_one_case_make_one(api: CaseApi, nanguan_case: str) -> None:
    headers = api.headers("citizen")

    def attempt(i: int, client: Client) -> Any:
        return client.post(
            f"/api/v1/cases/{nanguan_case}/evaluation",
            {"score": 1 + i % 5, "comment": f"第 {i} 次"},
            content_type="application/json",
            **headers,  # type: ignore[arg-type]
        )

    responses = race(4, attempt)
    codes = sorted(getattr(r, "status_code", 0) for r in responses)
    assert codes == [201, 409, 409, 409], responses
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"already_rated"}
    assert Evaluation.objects.filter(case__case_no=nanguan_case).count() == 1
    assert Rectification.objects.count() <= 1


def test_a_link_used_twice_at_once_rates_once(api: CaseApi, nanguan_case: str) -> None:
    body = Message.objects.get(object_id=nanguan_case, subject="办件已办结").body
    match = re.search(r"/rate/([^/\s]+)/", body)
    assert match is not None
    token = match.group(1)

    def attempt(i: int, client: Client) -> Any:
        try:
            return rate_by_link(token, score=5).pk
        except DomainError as refused:
            return refused.code

    results = race(3, attempt)
    assert sorted(map(str, results)) == sorted(
        [str(Evaluation.objects.get().pk), "rating_link_used", "rating_link_used"]
    ), results
