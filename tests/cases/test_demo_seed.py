"""The demo's reference data and cases: created through the services, once."""

from __future__ import annotations

from typing import Any

import pytest

from yiwang.accounts.actor import Actor
from yiwang.cases.models import Case, TravelDocument
from yiwang.cases.services import seed_demo_cases, seed_demo_reference_data

pytestmark = pytest.mark.django_db


def test_the_demo_seed_creates_its_cases_once(world: dict[str, Any]) -> None:
    assert seed_demo_reference_data(actor=Actor.system("test")) == 0  # the world fixture seeded it
    assert TravelDocument.objects.filter(holder_id_number="220102198806151015").exists()

    created = seed_demo_cases(actor=Actor.system("seed"))
    statuses = dict(Case.objects.filter(case_no__in=created).values_list("item__code", "status"))
    assert len(created) == 4
    assert sorted(Case.objects.filter(case_no__in=created).values_list("status", flat=True)) == [
        "completed",
        "in_review",
        "submitted",
        "submitted",
    ]
    assert statuses["222424-LY-XK-001"] == "submitted"
    assert seed_demo_cases(actor=Actor.system("seed")) == []
    assert Case.objects.count() == 4
