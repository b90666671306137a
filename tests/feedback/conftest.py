"""Fixtures of the feedback tests: the cases tests' world (calendar, catalog, demo
accounts, frozen clock, the cases API), completed cases to rate, a city supervisor."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cases import items
from tests.cases.conftest import (  # noqa: F401  (fixtures shared with the cases tests)
    CaseApi,
    FrozenClock,
    api,
    calendar,
    frozen,
    other_citizen,
    world,
)
from yiwang.accounts.actor import Actor

DEMO_PASSWORD = "yiwang-demo-2026"


def complete_nanguan(api: CaseApi, frozen: FrozenClock, day: str = "2026-09-15") -> str:  # noqa: F811
    """A 南关区 market-regulation case taken through the whole workflow to completed."""
    frozen.set(day)
    case_no = api.apply("citizen", items.NANGUAN)["case_no"]
    api.ok("clerk-nanguan", case_no, "accept", comment="材料齐全")
    api.ok("reviewer-nanguan", case_no, "approve", comment="符合条件")
    api.ok("reviewer-nanguan", case_no, "issue")
    done = api.ok("clerk-nanguan", case_no, "deliver", method="window")
    assert done["status"] == "completed"
    return case_no


def completed_endorsement(api: CaseApi, frozen: FrozenClock, day: str = "2026-11-26") -> str:  # noqa: F811
    """A province public-security case (the kiosk's instant item): completed at once."""
    frozen.set(day)
    created = api.apply("citizen", items.ENDORSE, channel="kiosk")
    assert created["status"] == "completed"
    return str(created["case_no"])


@pytest.fixture
def nanguan_case(api: CaseApi, frozen: FrozenClock) -> str:  # noqa: F811
    return complete_nanguan(api, frozen)


@pytest.fixture
def city_supervisor(world: dict[str, Any]) -> Any:  # noqa: F811
    """A 长春市 supervisor (post 220100-supervisor): 南关区 is below, the province is not."""
    from yiwang.accounts.services import create_staff
    from yiwang.org.models import Post

    return create_staff(
        username="supervisor-cc-test",
        password=DEMO_PASSWORD,
        display_name="长春市效能监察（测试）",
        posts=[Post.objects.get(code="220100-supervisor")],
        actor=Actor.system("test"),
    )
