"""Fixtures of the supervision tests: the cases tests' world and frozen clock, and the
history world (history staff and applicants) built once per group."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests import seeding
from tests.cases.conftest import (  # noqa: F401 - fixtures shared with the cases tests
    FrozenClock,
    api,
    calendar,
    frozen,
    world,
)

#: The window the tests' history is drawn from: inside the published calendars (2025,
#: 2026), so that no deadline is provisional by accident.
START, END = date(2025, 3, 3), date(2026, 10, 30)


@seeding.step("supervision.people", after=("cases.world",))
def _seed_people() -> None:
    from yiwang.supervision.history.world import ensure_people

    ensure_people(END)


@pytest.fixture
@seeding.provides("supervision.people")
def people(world: dict[str, Any]) -> dict[str, Any]:  # noqa: F811 - the imported fixture
    """The cases world plus the history's staff and applicant pool."""
    seeding.ensure("supervision.people")
    return world


__all__ = ["FrozenClock"]
