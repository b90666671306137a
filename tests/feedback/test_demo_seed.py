"""The demo's 好差评: a good rating, a bad one with its rectification open, one appeal
waiting for the supervisor; a second run makes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from yiwang.accounts.actor import Actor
from yiwang.cases.services import seed_demo_cases
from yiwang.feedback.demo import seed_demo_feedback
from yiwang.feedback.models import Appeal, Evaluation, Rectification

pytestmark = pytest.mark.django_db


def test_the_demo_ratings(world: dict[str, Any]) -> None:
    seed = Actor.system("seed")
    seed_demo_cases(actor=seed)
    assert seed_demo_feedback(actor=seed) == 3
    assert sorted(Evaluation.objects.values_list("score", flat=True)) == [1, 2, 5]
    assert list(Rectification.objects.order_by("pk").values_list("status", flat=True)) == [
        "open",
        "appealed",
    ]
    assert Appeal.objects.get().status == "pending"
    assert seed_demo_feedback(actor=seed) == 0
    assert Evaluation.objects.count() == 3
