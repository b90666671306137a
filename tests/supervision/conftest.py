"""Fixtures of the monitor and card tests: the cases tests' world (org, demo accounts,
2025–2026 calendar, demo catalog) and open cases built directly with the dates a test
needs (the monitor reads rows; how they came to be is the cases app's business)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.cases.conftest import _seed_calendar, _seed_world, calendar, frozen, world  # noqa: F401
from yiwang.accounts.models import User
from yiwang.cases.choices import CaseStatus, EventKind
from yiwang.cases.models import Case, CaseEvent
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
        return case

    return make
