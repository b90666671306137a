"""Every term of the case clock (行政许可法 Art. 32, 42, 44, 45, 82; domain-rules "Time
limits"), pinned one by one: paused days, the extension, the issue limit, the provisional
flags, the remaining days and the 黄牌 threshold. No database: the working-day index is
built from chinesecalendar's 2025 and 2026 notices and installed in the engine's cache,
and the cases are unsaved rows."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from yiwang.cases import clock
from yiwang.cases.choices import CaseStatus, DeadlineMark
from yiwang.cases.models import Case
from yiwang.common import workdays


@pytest.fixture(autouse=True)
def published_2025_2026(monkeypatch: pytest.MonkeyPatch) -> None:
    """2025 and 2026 published, 2027 not: what the cases tests' calendar fixture enters."""
    exceptions = workdays.chinesecalendar_exceptions()
    published = {y: {d: work for d, (work, _) in exceptions[y].items()} for y in (2025, 2026)}
    monkeypatch.setattr(workdays._cache, "index", workdays._Index(published))
    monkeypatch.setattr(workdays._cache, "checked_at", float("inf"))  # never re-checked


def _case(**fields: Any) -> Case:
    defaults: dict[str, Any] = {
        "status": CaseStatus.IN_REVIEW,
        "arrived_on": date(2026, 11, 2),  # Monday; no holiday until 2027
        "accepted_on": date(2026, 11, 2),
        "promised_limit_days": 5,
        "legal_limit_days": 20,
        "paused_workdays": 0,
        "extension_workdays": 0,
    }
    return Case(**{**defaults, **fields})


def test_the_constants_of_the_law() -> None:
    assert clock.ACCEPTANCE_WINDOW_WORKDAYS == 5  # Art. 32
    assert clock.EXTENSION_WORKDAYS == 10  # Art. 42
    assert clock.ISSUE_LIMIT_WORKDAYS == 10  # Art. 44


# --- deadlines on acceptance ---------------------------------------------------------------


def test_deadlines_on_acceptance_count_the_start_day_out() -> None:
    d = clock.deadlines_on_acceptance(
        accepted_on=date(2026, 11, 2), promised_days=5, legal_days=20, instant=False
    )
    assert d == clock.Deadlines(date(2026, 11, 9), date(2026, 11, 30), False, 5, 20)
    # Across National Day: Sep 16-18, the 调休 Sunday Sep 20, Sep 21.
    d = clock.deadlines_on_acceptance(
        accepted_on=date(2026, 9, 15), promised_days=5, legal_days=20, instant=False
    )
    assert d.promised == date(2026, 9, 21)


def test_an_instant_item_is_due_on_its_acceptance_day_but_keeps_its_legal_limit() -> None:
    d = clock.deadlines_on_acceptance(
        accepted_on=date(2026, 11, 2), promised_days=5, legal_days=20, instant=True
    )
    assert d == clock.Deadlines(date(2026, 11, 2), date(2026, 11, 30), False, 0, 20)


@pytest.mark.parametrize(
    ("promised_days", "legal_days", "provisional"),
    [(5, 20, True), (1, 20, True), (1, 1, False)],
)
def test_either_deadline_in_an_unpublished_year_makes_them_provisional(
    promised_days: int, legal_days: int, provisional: bool
) -> None:
    # Accepted Thursday 2026-12-24: 1 working day is Dec 25; 5 reach Dec 31; 20 reach 2027.
    d = clock.deadlines_on_acceptance(
        accepted_on=date(2026, 12, 24),
        promised_days=promised_days,
        legal_days=legal_days,
        instant=False,
    )
    assert d.provisional is provisional


# --- the recount --------------------------------------------------------------------------


def test_paused_days_and_the_extension_are_added_to_the_limits() -> None:
    r = clock.recount_deadlines(_case(paused_workdays=3, extension_workdays=10))
    assert r.promised == date(2026, 11, 12)  # 5 + 3 after Nov 2
    assert r.legal == date(2026, 12, 17)  # 20 + 3 + 10 after Nov 2
    assert (r.issue, r.provisional, r.paused) == (None, False, None)


def test_the_extension_moves_only_the_legal_deadline() -> None:
    r = clock.recount_deadlines(_case(extension_workdays=10))
    assert r.promised == date(2026, 11, 9)
    assert r.legal == date(2026, 12, 14)


def test_an_item_accepted_without_a_promised_limit_counts_zero_promised_days() -> None:
    r = clock.recount_deadlines(_case(promised_limit_days=None, paused_workdays=0))
    assert r.promised == date(2026, 11, 2)
    r = clock.recount_deadlines(_case(promised_limit_days=None, paused_workdays=2))
    assert r.promised == date(2026, 11, 4)


@pytest.mark.parametrize(
    "fields", [{"accepted_on": None}, {"legal_limit_days": None}], ids=["unaccepted", "no_limit"]
)
def test_without_acceptance_or_limit_nothing_is_recounted(fields: dict[str, Any]) -> None:
    r = clock.recount_deadlines(_case(**fields))
    assert (r.promised, r.legal, r.issue, r.provisional) == (None, None, None, False)


def test_the_issue_deadline_is_10_working_days_after_the_decision() -> None:
    r = clock.recount_deadlines(
        _case(decided_on=date(2026, 9, 28), issue_deadline=date(2000, 1, 1))
    )
    # Sep 28 (Mon): Sep 29, 30, then National Day to Oct 7; Oct 8, 9, the 调休 Saturday
    # Oct 10, Oct 12-16.
    assert r.issue == workdays.add(date(2026, 9, 28), 10).value == date(2026, 10, 16)
    assert r.provisional is False


@pytest.mark.parametrize(
    "fields",
    [{"decided_on": date(2026, 9, 28)}, {"issue_deadline": date(2026, 10, 16)}],
    ids=["no_issue_deadline", "not_decided"],
)
def test_the_issue_deadline_needs_both_a_decision_and_an_issue_deadline(
    fields: dict[str, Any],
) -> None:
    assert clock.recount_deadlines(_case(**fields)).issue is None


def test_an_issue_deadline_in_an_unpublished_year_alone_makes_the_recount_provisional() -> None:
    r = clock.recount_deadlines(
        _case(
            accepted_on=date(2026, 11, 2),
            decided_on=date(2026, 12, 28),
            issue_deadline=date(2027, 1, 11),
        )
    )
    assert r.legal is not None
    assert r.legal < date(2026, 12, 31)  # both limits in 2026
    assert r.issue == date(2027, 1, 11)
    assert r.provisional is True


def test_the_limits_in_an_unpublished_year_make_it_provisional() -> None:
    r = clock.recount_deadlines(_case(accepted_on=date(2026, 12, 21)))
    assert (r.promised, r.legal) == (date(2026, 12, 28), date(2027, 1, 18))
    assert r.provisional is True


def test_finished_procedures_are_counted_again_and_replace_the_stored_days() -> None:
    procedures = [(date(2026, 9, 28), date(2026, 10, 9)), (date(2026, 10, 12), date(2026, 10, 14))]
    r = clock.recount_deadlines(_case(paused_workdays=99), procedures)
    # (Sep 28, Oct 9]: Sep 29, 30, Oct 8, 9 = 4 (National Day); (Oct 12, 14]: 2.
    assert (r.paused, r.procedure_days) == (6, (4, 2))
    assert r.promised == date(2026, 11, 17)  # 5 + 6 after Nov 2
    assert r.legal == date(2026, 12, 8)  # 20 + 6
    assert r.provisional is False


def test_a_procedure_in_an_unpublished_year_is_provisional_and_never_negative() -> None:
    days, provisional = clock.paused_days([(date(2026, 12, 30), date(2027, 1, 4))])
    assert (days, provisional) == ((3,), True)  # Dec 31, Jan 1, Jan 4 on weekends only
    assert clock.paused_days([(date(2026, 9, 16), date(2026, 9, 15))]) == ((0,), False)
    r = clock.recount_deadlines(_case(), [(date(2026, 12, 30), date(2027, 1, 4))])
    assert r.provisional is True


# --- acceptance window and governing deadline -----------------------------------------------


def test_the_acceptance_window_is_over_the_calendar_day_after_its_5th_working_day() -> None:
    arrived = date(2026, 9, 14)  # Monday: the 5th working day is the 调休 Sunday Sep 20
    assert clock.acceptance_deadline(arrived).value == date(2026, 9, 20)
    assert clock.acceptance_window_passed(arrived, date(2026, 9, 20)) is False
    assert clock.acceptance_window_passed(arrived, date(2026, 9, 21)) is True


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (CaseStatus.SUBMITTED, date(2026, 11, 9)),
        (CaseStatus.ACCEPTED, date(2026, 9, 22)),
        (CaseStatus.IN_REVIEW, date(2026, 9, 22)),
        (CaseStatus.SUSPENDED, date(2026, 9, 22)),
        (CaseStatus.APPROVED, date(2026, 10, 16)),
        (CaseStatus.ISSUED, date(2026, 10, 16)),
        (CaseStatus.SUPPLEMENT_REQUESTED, None),
    ],
)
def test_the_governing_deadline_of_each_stage(status: str, expected: date | None) -> None:
    case = _case(
        status=status, promised_deadline=date(2026, 9, 22), issue_deadline=date(2026, 10, 16)
    )
    assert clock.governing_deadline(case) == expected


# --- the 黄牌 threshold ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("limit", "threshold"),
    [(0, 1), (1, 1), (5, 1), (6, 2), (10, 2), (20, 4), (21, 5), (30, 6), (45, 9)],
)
def test_near_due_is_a_fifth_of_the_limit_rounded_up_and_at_least_one(
    limit: int, threshold: int
) -> None:
    # 30: a fifth is exactly 6 (a sixth would be 5); 21: 4.2 rounds up to 5.
    assert clock.near_due_threshold(limit) == threshold


@pytest.mark.parametrize(
    ("status", "fields", "limit"),
    [
        (CaseStatus.SUBMITTED, {}, 5),
        (CaseStatus.APPROVED, {}, 10),
        (CaseStatus.ISSUED, {}, 10),
        (CaseStatus.IN_REVIEW, {"promised_limit_days": 30}, 30),
        (CaseStatus.ACCEPTED, {"promised_limit_days": 0}, 0),
    ],
)
def test_the_stage_limit(status: str, fields: dict[str, Any], limit: int) -> None:
    assert clock._stage_limit(_case(status=status, **fields)) == limit


# --- the view of one day ----------------------------------------------------------------------


def _in_review(due: date, limit: int = 30, **fields: Any) -> Case:
    fields.setdefault("status", CaseStatus.IN_REVIEW)
    return _case(
        promised_limit_days=limit,
        promised_deadline=due,
        legal_deadline=fields.pop("legal_deadline", date(2026, 12, 31)),
        due_on=due,
        **fields,
    )


def test_remaining_days_and_the_yellow_mark_of_a_30_day_limit() -> None:
    due = date(2026, 11, 30)  # Monday
    # Nov 19 (Thu): Nov 20, 23-27, 30 = 7 left; Nov 20 (Fri): 6 left, a fifth of 30.
    for on, days_left, mark in (
        (date(2026, 11, 19), 7, DeadlineMark.NONE),
        (date(2026, 11, 20), 6, DeadlineMark.YELLOW),
    ):
        view = clock.clock_view(_in_review(due), on)
        assert (view.remaining_workdays, view.mark) == (days_left, mark)
        assert view.overdue is False


def test_the_yellow_threshold_is_the_setting_on_both_sides(settings: Any) -> None:
    """YIWANG_NEAR_DUE (issue 12): the case page's mark follows the configured rule, the
    same one the supervision monitor compares in SQL (cases.clock.near_due_before)."""
    due = date(2026, 11, 30)  # Monday; Nov 20 (Fri) leaves 6 working days, Nov 19 7
    settings.YIWANG_NEAR_DUE = {"min_workdays": 7, "percent": 0}
    assert clock.near_due_threshold(30) == 7
    assert clock.clock_view(_in_review(due), date(2026, 11, 19)).near_due is True
    assert clock.clock_view(_in_review(due), date(2026, 11, 18)).near_due is False  # 8 left
    assert clock.near_due_before(date(2026, 11, 19), 30) == date(2026, 12, 1)
    settings.YIWANG_NEAR_DUE = {"percent": 10}  # min_workdays keeps its default of 1
    assert clock.near_due_threshold(30) == 3
    assert clock.clock_view(_in_review(due), date(2026, 11, 25)).near_due is True  # 3 left
    assert clock.clock_view(_in_review(due), date(2026, 11, 24)).near_due is False  # 4 left


def test_the_due_day_itself_is_in_time_the_day_after_is_red() -> None:
    due = date(2026, 11, 30)
    on_due = clock.clock_view(_in_review(due), due)
    assert (on_due.remaining_workdays, on_due.overdue, on_due.near_due) == (0, False, True)
    assert on_due.mark == DeadlineMark.YELLOW
    late = clock.clock_view(_in_review(due), date(2026, 12, 1))
    assert (late.remaining_workdays, late.overdue, late.near_due) == (-1, True, False)
    assert late.mark == DeadlineMark.RED


def test_a_suspended_case_counts_from_the_day_its_procedure_started() -> None:
    due = date(2026, 11, 30)
    case = _in_review(due, status=CaseStatus.SUSPENDED, suspended_on=date(2026, 11, 2))
    view = clock.clock_view(case, date(2026, 12, 20))  # long past the due day: stands still
    assert view.remaining_workdays == workdays.count(date(2026, 11, 2), due).value == 20
    assert view.overdue is False
    assert (
        view.legal_remaining_workdays == workdays.count(date(2026, 11, 2), date(2026, 12, 31)).value
    )


def test_suspended_on_counts_only_while_suspended() -> None:
    # A stale start day on a case no longer suspended does not stop its clock.
    case = _in_review(date(2026, 11, 30), suspended_on=None)
    view = clock.clock_view(case, date(2026, 12, 1))
    assert view.overdue is True


def test_legal_remaining_only_while_the_decision_is_pending() -> None:
    for status in (CaseStatus.ACCEPTED, CaseStatus.IN_REVIEW, CaseStatus.SUSPENDED):
        view = clock.clock_view(_in_review(date(2026, 11, 30), status=status), date(2026, 12, 29))
        assert view.legal_remaining_workdays == 2  # Dec 30, 31
    approved = _in_review(date(2026, 11, 30), status=CaseStatus.APPROVED)
    assert clock.clock_view(approved, date(2026, 12, 29)).legal_remaining_workdays is None
    no_legal = _in_review(date(2026, 11, 30), legal_deadline=None)
    assert clock.clock_view(no_legal, date(2026, 12, 29)).legal_remaining_workdays is None


def test_a_legal_deadline_in_an_unpublished_year_makes_the_view_provisional() -> None:
    case = _in_review(date(2026, 11, 30), legal_deadline=date(2027, 1, 18))
    view = clock.clock_view(case, date(2026, 11, 2))
    assert view.provisional is True
    assert clock.clock_view(_in_review(date(2026, 11, 30)), date(2026, 11, 2)).provisional is False


def test_a_due_day_in_an_unpublished_year_makes_the_view_provisional() -> None:
    case = _in_review(date(2027, 1, 11), legal_deadline=date(2026, 12, 31))
    assert clock.clock_view(case, date(2026, 12, 21)).provisional is True


def test_the_stored_flag_makes_the_view_provisional() -> None:
    case = _in_review(date(2026, 11, 30), deadlines_provisional=True)
    assert clock.clock_view(case, date(2026, 11, 2)).provisional is True


def test_a_closed_case_is_late_when_decided_after_its_promised_deadline() -> None:
    base = {"status": CaseStatus.COMPLETED, "due_on": None, "promised_deadline": date(2026, 9, 22)}
    late = clock.clock_view(_case(**base, decided_on=date(2026, 9, 23)), date(2026, 10, 1))
    assert (late.due_on, late.remaining_workdays, late.overdue, late.near_due) == (
        None,
        None,
        True,
        False,
    )
    assert late.mark == DeadlineMark.RED
    on_time = clock.clock_view(_case(**base, decided_on=date(2026, 9, 22)), date(2026, 10, 1))
    assert (on_time.overdue, on_time.mark) == (False, DeadlineMark.NONE)
    undecided = clock.clock_view(_case(**base, decided_on=None), date(2026, 10, 1))
    assert undecided.overdue is False
    no_deadline = {**base, "promised_deadline": None}
    assert clock.clock_view(_case(**no_deadline, decided_on=date(2026, 9, 23))).overdue is False


# --- the arrival day (a local rule, YIWANG_ARRIVAL_RULE) ---------------------------------------


def _at(day: str, hour: int, minute: int = 0) -> Any:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    d = date.fromisoformat(day)
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.parametrize(
    ("at", "arrives"),
    [
        (_at("2026-11-07", 10), date(2026, 11, 7)),  # Saturday
        (_at("2026-11-06", 22), date(2026, 11, 6)),  # Friday night
        (_at("2026-10-01", 9), date(2026, 10, 1)),  # National Day
    ],
)
def test_by_default_an_application_arrives_the_calendar_day_it_is_received(
    settings: Any, at: Any, arrives: date
) -> None:
    del settings.YIWANG_ARRIVAL_RULE  # the default when nothing is configured
    assert clock.arrival_day(at) == arrives
    settings.YIWANG_ARRIVAL_RULE = "calendar_day"
    assert clock.arrival_day(at) == arrives


@pytest.mark.parametrize(
    ("at", "arrives"),
    [
        (_at("2026-11-06", 16, 59), date(2026, 11, 6)),  # Friday, before closing
        (_at("2026-11-06", 17, 0), date(2026, 11, 9)),  # Friday at closing: Monday
        (_at("2026-11-07", 10), date(2026, 11, 9)),  # Saturday: Monday
        (_at("2026-11-08", 23, 59), date(2026, 11, 9)),  # Sunday night: Monday
        (_at("2026-10-01", 9), date(2026, 10, 8)),  # National Day: the first day after it
        (_at("2026-09-30", 18), date(2026, 10, 8)),  # the evening before it
        (_at("2026-09-20", 10), date(2026, 9, 20)),  # a 调休 Sunday is a working day
        (_at("2026-11-05", 1), date(2026, 11, 5)),  # a working day's early hours: that day
    ],
)
def test_next_workday_rule_moves_holidays_and_after_hours_to_the_next_working_day(
    settings: Any, at: Any, arrives: date
) -> None:
    settings.YIWANG_ARRIVAL_RULE = "next_workday"
    settings.YIWANG_OFFICE_CLOSES = "17:00"
    assert clock.arrival_day(at) == arrives


def test_the_closing_time_is_configurable(settings: Any) -> None:
    settings.YIWANG_ARRIVAL_RULE = "next_workday"
    settings.YIWANG_OFFICE_CLOSES = "17:30"
    assert clock.arrival_day(_at("2026-11-06", 17, 15)) == date(2026, 11, 6)
    assert clock.arrival_day(_at("2026-11-06", 17, 30)) == date(2026, 11, 9)


def test_an_unknown_arrival_rule_is_a_configuration_error(settings: Any) -> None:
    from django.core.exceptions import ImproperlyConfigured

    settings.YIWANG_ARRIVAL_RULE = "next_day"
    with pytest.raises(ImproperlyConfigured):
        clock.arrival_day(_at("2026-11-07", 10))
