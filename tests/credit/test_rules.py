"""The publicity dates (企业信息公示暂行条例, 经营异常名录管理办法), counted by the
working-day engine over the State Council calendar, on both sides of every boundary."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import override_settings

from yiwang.credit import rules

pytestmark = pytest.mark.usefixtures("calendar")
DAY = timedelta(days=1)


@pytest.mark.parametrize(
    ("filed_on", "late"),
    [
        (date(2026, 1, 1), False),  # the period opens
        (date(2026, 6, 29), False),
        (date(2026, 6, 30), False),  # the last day is on time
        (date(2026, 7, 1), True),
        (date(2026, 12, 31), True),
    ],
)
def test_a_report_is_late_after_30_june_of_the_next_year(filed_on: date, late: bool) -> None:
    assert rules.report_deadline(2025) == date(2026, 6, 30)
    assert rules.report_is_late(2025, filed_on) is late


@pytest.mark.parametrize(
    ("today", "year"),
    [
        (date(2026, 6, 30), 2024),  # 2025's period still runs
        (date(2026, 7, 1), 2025),
        (date(2027, 1, 2), 2025),
        (date(2027, 7, 1), 2026),
    ],
)
def test_the_latest_closed_report_year(today: date, year: int) -> None:
    assert rules.latest_closed_report_year(today) == year


def test_an_enterprise_founded_this_year_reports_from_next_year() -> None:
    founded = date(2026, 3, 1)
    assert not rules.report_year_fileable(founded, 2025, date(2026, 11, 1))  # before it existed
    assert not rules.report_year_fileable(founded, 2026, date(2026, 11, 1))  # year not over
    assert rules.report_year_fileable(founded, 2026, date(2027, 1, 1))


@pytest.mark.parametrize(
    ("year", "due"),
    [
        (2025, date(2026, 7, 14)),  # 30 June 2026 is a Tuesday
        (2023, date(2024, 7, 12)),  # 30 June 2024 is a Sunday: counting starts 1 July
    ],
)
def test_listing_is_due_the_tenth_working_day_after_30_june(year: int, due: date) -> None:
    assert rules.listing_decision_due(year) == due


def test_periods_are_configurable() -> None:
    with override_settings(
        YIWANG_CREDIT={"ANNUAL_REPORT_DEADLINE": (5, 31), "ABNORMAL_LISTING_WORKDAYS": 5}
    ):
        assert rules.report_deadline(2025) == date(2026, 5, 31)
        assert rules.listing_decision_due(2025) == date(2026, 6, 5)  # 31 May is a Sunday
        assert rules.report_is_late(2025, date(2026, 6, 1))


@pytest.mark.parametrize(
    ("changed_on", "due"),
    [
        (date(2026, 9, 28), date(2026, 10, 30)),  # over National Day; 10 Oct is a make-up day
        (date(2026, 4, 20), date(2026, 5, 20)),  # over Labour Day; 9 May is a make-up day
    ],
)
def test_immediate_information_is_due_in_20_working_days(changed_on: date, due: date) -> None:
    assert rules.immediate_info_due(changed_on) == due
    assert not rules.immediate_info_is_late(changed_on, due)
    assert rules.immediate_info_is_late(changed_on, due + DAY)


def test_removal_is_decided_within_5_working_days() -> None:
    assert rules.removal_decision_due(date(2026, 9, 30)) == date(2026, 10, 13)
    with override_settings(YIWANG_CREDIT={"REMOVAL_DECISION_WORKDAYS": 3}):
        assert rules.removal_decision_due(date(2026, 9, 30)) == date(2026, 10, 10)  # make-up Sat


@pytest.mark.parametrize(
    ("listed_on", "ends", "reminder_from", "move_due"),
    [
        # Three years end on the corresponding day (Civil Code Art. 202); the last 60 days
        # are the reminder; the move is due 10 working days after the end.
        (date(2023, 7, 5), date(2026, 7, 5), date(2026, 5, 7), date(2026, 7, 17)),
        (date(2023, 9, 27), date(2026, 9, 27), date(2026, 7, 30), date(2026, 10, 15)),
        # 29 February has no corresponding day: the month's last day.
        (date(2024, 2, 29), date(2027, 2, 28), date(2026, 12, 31), None),
    ],
)
def test_three_years_on_the_abnormal_list(
    listed_on: date, ends: date, reminder_from: date, move_due: date | None
) -> None:
    assert rules.abnormal_term_ends(listed_on) == ends
    assert rules.reminder_starts(listed_on) == reminder_from
    assert (ends - reminder_from).days + 1 == 60  # the last 60 days, both ends counted
    assert not rules.reminder_due(listed_on, reminder_from - DAY)
    assert rules.reminder_due(listed_on, reminder_from)
    assert rules.reminder_due(listed_on, ends)
    assert not rules.escalation_due(listed_on, ends)
    assert rules.escalation_due(listed_on, ends + DAY)
    if move_due is not None:
        assert rules.escalation_decision_due(listed_on) == move_due


def test_three_year_period_is_configurable() -> None:
    with override_settings(YIWANG_CREDIT={"SERIOUS_AFTER_YEARS": 2, "SERIOUS_REMINDER_DAYS": 30}):
        assert rules.abnormal_term_ends(date(2024, 7, 5)) == date(2026, 7, 5)
        assert rules.reminder_starts(date(2024, 7, 5)) == date(2026, 6, 6)
