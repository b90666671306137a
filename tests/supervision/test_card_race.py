"""Two sweeps at the same moment issue one card (the unique constraint and
get_or_create's retry), and each message once."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.racing import race
from tests.supervision.conftest import MakeCase
from yiwang.notify.models import Message
from yiwang.supervision import cards
from yiwang.supervision.models import Card

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_sweeps_at_once_issue_one_card(make_case: MakeCase) -> None:
    case = make_case(date(2026, 9, 29), staff="reviewer-nanguan")
    results: list[Any] = race(2, lambda i, client: cards.sweep_cards(on=date(2026, 9, 30)))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r.issued["red"] for r in results) == 1
    assert Card.objects.filter(case=case).count() == 1
    assert Message.objects.filter(object_type="supervision.card").count() == 1
