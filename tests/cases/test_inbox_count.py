"""The case list's total is a bounded count (issue 10.8): exact up to the cap, then the cap
with `total_capped`, read with a LIMIT so its cost does not grow with the inbox."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.cases import items
from tests.cases.conftest import CaseApi
from yiwang.accounts.models import User
from yiwang.cases import selectors

pytestmark = pytest.mark.django_db


def _inbox(username: str) -> selectors.Page:
    return selectors.paginate(selectors.inbox_for(User.objects.get(username=username)), 1)


def test_the_total_is_exact_up_to_the_cap_and_capped_beyond(
    api: CaseApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(3):
        api.apply("citizen", items.NANGUAN)
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    page = _inbox("clerk-nanguan")
    assert (page.total, page.total_capped, len(page.rows)) == (3, False, 3)
    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    page = _inbox("clerk-nanguan")
    assert (page.total, page.total_capped) == (2, True)
    assert len(page.rows) == 3  # the rows are not capped, only the count
    body: Any = api.get("clerk-nanguan", "/cases").json()
    assert body["total"] == 2


def test_the_count_reads_at_most_cap_plus_one_rows(api: CaseApi) -> None:
    api.apply("citizen", items.NANGUAN)
    with CaptureQueriesContext(connection) as queries:
        _inbox("clerk-nanguan")
    (count,) = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert f"LIMIT {selectors.COUNT_CAP + 1}" in count
    assert "ORDER BY" not in count.upper()
