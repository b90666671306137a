"""The demo's supervision part: late and near-due cases in 南关区, cards from one sweep,
idempotent."""

from __future__ import annotations

from typing import Any

import pytest

from yiwang.accounts.actor import Actor
from yiwang.accounts.models import User
from yiwang.supervision import monitor
from yiwang.supervision.demo import seed_demo_supervision
from yiwang.supervision.models import Card

pytestmark = pytest.mark.django_db


def test_the_demo_has_red_and_yellow_cases_and_their_cards(world: Any) -> None:
    seed = Actor.system("test")
    made = seed_demo_supervision(actor=seed)
    assert made == 8  # four cases, four cards
    colours = sorted(Card.objects.values_list("colour", flat=True))
    assert colours == ["red", "red", "yellow", "yellow"]
    city = Actor.of(User.objects.get(username="supervisor-changchun"))
    view = monitor.overview(city, monitor.where_for(city, region="220102"))
    assert (view.red, view.yellow) >= (2, 2)
    assert seed_demo_supervision(actor=seed) == 0
    assert Card.objects.count() == 4
