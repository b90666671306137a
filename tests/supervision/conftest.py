"""Fixtures of the supervision tests: the cases tests' world (org, demo accounts,
2025–2026 calendar, demo catalog) and frozen clock; open cases built directly with the
dates a monitor test needs (the monitor reads rows; how they came to be is the cases
app's business); the history world (history staff and applicants) built once per group."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests import seeding
from tests.cases.conftest import (  # noqa: F401 - fixtures shared with the cases tests
    FrozenClock,
    _seed_calendar,
    _seed_world,
    api,
    calendar,
    frozen,
    world,
)
from yiwang.accounts.models import User
from yiwang.cases.choices import CaseStatus, EventKind
from yiwang.cases.models import Case, CaseEvent
from yiwang.cases.responsible import refresh_responsible
from yiwang.catalog.models import ServiceItem

SHANGHAI = ZoneInfo("Asia/Shanghai")
NANGUAN_ITEM = "220102-ZJ-XK-001"  # 南关区 (长春市), hall-220102
WANGQING_ITEM = "222424-LY-XK-001"  # 汪清县 (延边州), not in 长春市
_numbers = itertools.count(1)

MakeCase = Callable[..., Case]


@pytest.fixture
def make_case(world: dict[str, Any]) -> MakeCase:  # noqa: F811
    citizen = User.objects.get(username="citizen")

    def make(
        due_on: date | None,
        *,
        status: str = CaseStatus.IN_REVIEW,
        item: str = NANGUAN_ITEM,
        limit: int | None = 5,
        suspended_on: date | None = None,
        provisional: bool = False,
        staff: str | None = None,
    ) -> Case:
        found = ServiceItem.objects.select_related("department").get(code=item)
        department = found.department
        now = datetime(2026, 9, 1, 10, tzinfo=SHANGHAI)
        case = Case.objects.create(
            case_no=f"T{next(_numbers):011d}",
            item=found,
            applicant=citizen,
            channel="online",
            status=status,
            department=department,
            region_id=department.region_id,
            hall_id=department.hall_id,
            submitted_at=now,
            arrived_on=now.date(),
            accepted_on=None if status == CaseStatus.SUBMITTED else now.date(),
            promised_limit_days=None if status == CaseStatus.SUBMITTED else limit,
            legal_limit_days=20,
            promised_deadline=due_on,
            due_on=due_on,
            suspended_on=suspended_on,
            deadlines_provisional=provisional,
            query_code_digest="0" * 64,
        )
        if staff:
            CaseEvent.objects.create(
                case=case,
                kind=EventKind.ACTION,
                action="start_review",
                to_status=status,
                actor=User.objects.get(username=staff),
                at=now,
            )
            refresh_responsible(case)  # as cases.services' record_event does
        return case

    return make


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
