"""The working-day engine's edges, without a database (issue 10.8's surviving mutants): an
unpublished year between published ones, the first and last day of the published span,
and the limits of what an administrator may enter."""

from __future__ import annotations

from datetime import date

import pytest

from yiwang.common import workdays
from yiwang.common.errors import ValidationFailed


def _install(monkeypatch: pytest.MonkeyPatch, years: dict[int, dict[date, bool]]) -> None:
    monkeypatch.setattr(workdays._cache, "index", workdays._Index(years))
    monkeypatch.setattr(workdays._cache, "checked_at", float("inf"))  # never re-checked


def _notice(year: int) -> dict[date, bool]:
    return {d: work for d, (work, _) in workdays.chinesecalendar_exceptions()[year].items()}


@pytest.fixture
def gap_2027(monkeypatch: pytest.MonkeyPatch) -> None:
    """2026 published, then 2028 entered before 2027 (New Year's Day 2028 a holiday)."""
    _install(monkeypatch, {2026: _notice(2026), 2028: {date(2028, 1, 3): False}})


def test_a_gap_year_counts_weekends_only_and_is_provisional(gap_2027: None) -> None:
    assert workdays.count(date(2027, 3, 1), date(2027, 3, 8)) == workdays.WorkdayResult(5, True)
    assert workdays.is_workday(date(2027, 1, 1)) is True  # a Friday, no notice yet
    assert workdays.published_years() == frozenset({2026, 2028})


def test_the_gap_begins_on_its_first_day(gap_2027: None) -> None:
    assert workdays.count(date(2026, 12, 30), date(2026, 12, 31)) == workdays.WorkdayResult(
        1, False
    )
    assert workdays.count(date(2026, 12, 31), date(2027, 1, 1)) == workdays.WorkdayResult(1, True)
    assert workdays.add(date(2026, 12, 30), 1) == workdays.WorkdayResult(date(2026, 12, 31), False)
    assert workdays.add(date(2026, 12, 30), 2) == workdays.WorkdayResult(date(2027, 1, 1), True)


def test_the_gap_ends_on_its_last_day(gap_2027: None) -> None:
    # (2027-12-31, 2028-01-04] holds only days of 2028: published, not provisional.
    assert workdays.count(date(2027, 12, 31), date(2028, 1, 4)) == workdays.WorkdayResult(
        1, False
    )  # Jan 3 is the entered holiday, Jan 4 works
    assert workdays.count(date(2027, 12, 30), date(2028, 1, 4)) == workdays.WorkdayResult(2, True)
    # Backwards too: count(b, a) is minus count(a, b), with the same flag.
    assert workdays.count(date(2028, 1, 4), date(2027, 12, 31)) == workdays.WorkdayResult(-1, False)
    assert workdays.add(date(2027, 12, 31), 1) == workdays.WorkdayResult(date(2028, 1, 4), False)


def test_a_span_across_the_gap_counts_each_year_by_its_rule(gap_2027: None) -> None:
    # 2026 from Dec 1: 23 working days; 2027: 261 weekdays; 2028 to Jan 4: 1.
    result = workdays.count(date(2026, 11, 30), date(2028, 1, 4))
    assert result == workdays.WorkdayResult(23 + 261 + 1, True)
    assert workdays.add(date(2026, 11, 30), 23 + 261 + 1) == workdays.WorkdayResult(
        date(2028, 1, 4), True
    )


@pytest.fixture
def only_2026(monkeypatch: pytest.MonkeyPatch) -> None:
    _install(monkeypatch, {2026: _notice(2026)})


def test_the_first_day_of_the_span_is_published(only_2026: None) -> None:
    # 2026: Jan 1-3 off, Sunday Jan 4 a make-up working day.
    assert workdays.is_workday(date(2026, 1, 1)) is False
    assert workdays.is_workday(date(2025, 12, 31)) is True
    assert workdays.count(date(2025, 12, 31), date(2026, 1, 5)) == workdays.WorkdayResult(2, False)
    assert workdays.count(date(2025, 12, 30), date(2026, 1, 5)) == workdays.WorkdayResult(3, True)
    assert workdays.add(date(2025, 12, 31), 1) == workdays.WorkdayResult(date(2026, 1, 4), False)
    assert workdays.add(date(2025, 12, 30), 1) == workdays.WorkdayResult(date(2025, 12, 31), True)


def test_the_last_day_of_the_span_is_published(only_2026: None) -> None:
    assert workdays.count(date(2026, 12, 30), date(2026, 12, 31)) == workdays.WorkdayResult(
        1, False
    )
    assert workdays.count(date(2026, 12, 31), date(2027, 1, 1)) == workdays.WorkdayResult(1, True)
    assert workdays.add(date(2026, 12, 31), 1) == workdays.WorkdayResult(date(2027, 1, 1), True)
    assert workdays.add(date(2026, 12, 30), 1) == workdays.WorkdayResult(date(2026, 12, 31), False)


def test_before_the_span_only_weekends_count(only_2026: None) -> None:
    # 2025's National Day is not entered: Sep 29 - Oct 8 are 8 weekdays.
    assert workdays.count(date(2025, 9, 28), date(2025, 10, 8)) == workdays.WorkdayResult(8, True)
    assert workdays.add(date(2025, 12, 26), 1) == workdays.WorkdayResult(date(2025, 12, 29), True)


# --- what an administrator may enter ------------------------------------------------------


@pytest.mark.parametrize("year", [1949, 2100])
def test_the_year_range_includes_its_ends(year: int) -> None:
    assert workdays.validate_year(year, " 国办发明电〔2026〕1号 ") == "国办发明电〔2026〕1号"
    assert workdays.validate_day(date(year, 6, 1), is_workday=True, holiday_name="") == ""


@pytest.mark.parametrize("year", [1948, 2101])
def test_a_year_outside_the_range_is_refused(year: int) -> None:
    with pytest.raises(ValidationFailed) as exc_info:
        workdays.validate_year(year, "国办发明电")
    assert exc_info.value.detail == f"年份须在 1949–2100 之间：{year}"
    with pytest.raises(ValidationFailed) as exc_info:
        workdays.validate_day(date(year, 6, 1), is_workday=True, holiday_name="")
    assert exc_info.value.detail == f"年份须在 1949–2100 之间：{year}-06-01"


def test_the_source_is_required_and_at_most_200_characters() -> None:
    assert workdays.validate_year(2027, "源" * 200) == "源" * 200
    with pytest.raises(ValidationFailed) as exc_info:
        workdays.validate_year(2027, "源" * 201)
    assert exc_info.value.detail == "来源不能超过 200 个字"
    for blank in ("", "   ", None):
        with pytest.raises(ValidationFailed) as exc_info:
            workdays.validate_year(2027, blank)  # type: ignore[arg-type]
        assert exc_info.value.detail.startswith("请填写来源")


def test_the_name_is_at_most_40_characters() -> None:
    day = date(2027, 1, 1)  # a Friday
    assert workdays.validate_day(day, is_workday=False, holiday_name=" " + "元" * 40) == "元" * 40
    with pytest.raises(ValidationFailed) as exc_info:
        workdays.validate_day(day, is_workday=False, holiday_name="元" * 41)
    assert exc_info.value.detail == "名称不能超过 40 个字"


@pytest.mark.parametrize(
    ("day", "is_workday", "name", "reason"),
    [
        (date(2027, 1, 2), True, "", "2027-01-02 是周末，设为工作日须填写名称（如“调休上班”）"),
        (date(2027, 1, 1), False, " ", "2027-01-01 是周一至周五，设为休息日须填写节假日名称"),
    ],
)
def test_a_day_departing_from_the_weekend_rule_must_be_named(
    day: date, is_workday: bool, name: str, reason: str
) -> None:
    with pytest.raises(ValidationFailed) as exc_info:
        workdays.validate_day(day, is_workday=is_workday, holiday_name=name)
    assert exc_info.value.detail == reason


@pytest.mark.parametrize(
    ("day", "is_workday"), [(date(2027, 1, 2), False), (date(2027, 1, 1), True)]
)
def test_a_day_following_the_weekend_rule_needs_no_name(day: date, is_workday: bool) -> None:
    assert workdays.validate_day(day, is_workday=is_workday, holiday_name="") == ""
