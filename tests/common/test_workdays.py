"""The working-day engine (行政许可法 Art. 82; domain-rules "Holidays and make-up working days")."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import chinese_calendar
import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from hypothesis import example, given, settings
from hypothesis import strategies as st

from yiwang.accounts.actor import Actor
from yiwang.common import workdays
from yiwang.common.errors import ValidationFailed
from yiwang.common.models import AuditEvent, CalendarDay, CalendarYear
from yiwang.common.tasks import check_next_year_calendar

pytestmark = pytest.mark.django_db

ONE = timedelta(days=1)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    # Each test's database is rolled back afterwards; the per-process index must not
    # carry one test's calendar into the next.
    workdays.reset_cache()
    yield
    workdays.reset_cache()


@pytest.fixture
def calendar(db: Any) -> None:
    """The notices of 2004–2026, seeded through the service (~20 ms)."""
    workdays.seed_from_chinesecalendar(actor=Actor.system("test"))


# --- the domain-rules vectors --------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        (date(2026, 9, 28), 5, date(2026, 10, 10)),  # over National Day, onto the make-up Saturday
        (date(2026, 9, 30), 3, date(2026, 10, 10)),
        (date(2026, 9, 15), 20, date(2026, 10, 19)),  # Sep 20 (Sun) is a make-up day
        (date(2026, 2, 13), 1, date(2026, 2, 14)),  # Feb 14 (Sat) is a make-up day
    ],
)
def test_the_domain_rules_vectors(calendar: None, start: date, n: int, due: date) -> None:
    result = workdays.add(start, n)
    assert result.value == due
    assert result.provisional is False
    assert workdays.count(start, due).value == n


def test_2026_has_248_working_days(calendar: None) -> None:
    result = workdays.count(date(2025, 12, 31), date(2026, 12, 31))
    assert (result.value, result.provisional) == (248, False)


def test_the_engine_agrees_with_chinesecalendar_on_every_day_2004_to_2026(calendar: None) -> None:
    day, disagreements = date(2004, 1, 1), []
    while day <= date(2026, 12, 31):
        if workdays.is_workday(day) != chinese_calendar.is_workday(day):
            disagreements.append(day)
        day += ONE
    assert disagreements == []


def test_without_any_published_year_only_weekends_count(db: Any) -> None:
    assert workdays.is_workday(date(2026, 10, 1)) is True  # a Thursday: National Day unknown
    assert workdays.is_workday(date(2026, 10, 10)) is False  # a Saturday
    result = workdays.add(date(2026, 9, 28), 5)
    assert (result.value, result.provisional) == (date(2026, 10, 5), True)


# --- add and count: edges and the provisional flag --------------------------------------


def test_zero_days_is_the_start_itself_and_not_provisional(calendar: None) -> None:
    assert workdays.add(date(2026, 10, 3), 0) == workdays.WorkdayResult(date(2026, 10, 3), False)
    assert workdays.add(date(2030, 1, 5), 0) == workdays.WorkdayResult(date(2030, 1, 5), False)


def test_count_is_antisymmetric_and_zero_on_the_same_day(calendar: None) -> None:
    a, b = date(2026, 9, 15), date(2026, 10, 19)
    assert workdays.count(a, b).value == 20
    assert workdays.count(b, a).value == -20
    assert workdays.count(a, a) == workdays.WorkdayResult(0, False)


def test_negative_n_is_refused(calendar: None) -> None:
    with pytest.raises(ValidationFailed):
        workdays.add(date(2026, 1, 5), -1)


def test_crossing_into_an_unpublished_year_counts_weekends_only_and_is_provisional(
    calendar: None,
) -> None:
    # 9 working days left in 2026 after Dec 20; 2027 unpublished: Fri Jan 1 counts.
    result = workdays.add(date(2026, 12, 20), 30)
    assert (result.value, result.provisional) == (date(2027, 1, 29), True)
    assert workdays.count(date(2026, 12, 20), date(2027, 1, 29)) == workdays.WorkdayResult(30, True)
    # Inside 2026 only: not provisional, even when the start is the last day before 2027.
    assert workdays.add(date(2026, 12, 30), 1) == workdays.WorkdayResult(date(2026, 12, 31), False)
    assert workdays.add(date(2026, 12, 31), 1) == workdays.WorkdayResult(date(2027, 1, 1), True)
    # And before the first published year.
    assert workdays.add(date(2003, 12, 30), 2).provisional is True
    assert workdays.add(date(2003, 12, 31), 1) == workdays.WorkdayResult(date(2004, 1, 2), False)


def test_a_gap_year_between_published_ones_is_weekends_only_and_provisional(
    calendar: None,
) -> None:
    workdays.unpublish_year(2015, actor=Actor.system("test"))
    # 2015-10-01 (Thu) was National Day; with 2015 unpublished it is an ordinary Thursday.
    assert workdays.is_workday(date(2015, 10, 1)) is True
    assert workdays.add(date(2015, 9, 30), 1) == workdays.WorkdayResult(date(2015, 10, 1), True)
    # Spanning the whole gap: published 2014 and 2016 around an unpublished 2015.
    assert workdays.count(date(2014, 12, 31), date(2016, 1, 4)).provisional is True
    assert workdays.count(date(2016, 1, 4), date(2016, 3, 1)).provisional is False


def test_answers_come_from_the_cache_without_queries(
    calendar: None, django_assert_num_queries: Any
) -> None:
    workdays.add(date(2026, 1, 5), 1)  # builds the index
    with django_assert_num_queries(0):
        for n in range(1, 100):
            workdays.add(date(2026, 1, 5), n)
            workdays.count(date(2026, 1, 5), date(2026, 3, 1))


def test_the_index_is_rechecked_after_a_second_but_only_rebuilt_on_change(
    calendar: None, django_assert_num_queries: Any
) -> None:
    workdays.add(date(2026, 1, 5), 1)
    later = workdays.time.monotonic() + 2 * workdays.RECHECK_SECONDS
    with (
        mock.patch.object(workdays.time, "monotonic", return_value=later),
        django_assert_num_queries(2),  # the fingerprint: years and the day count; no rebuild
    ):
        workdays.add(date(2026, 1, 5), 1)
        workdays.add(date(2026, 1, 5), 2)


# --- the calendar changes: admin entries, other processes --------------------------------


def test_an_entered_2027_notice_changes_answers_immediately(calendar: None) -> None:
    before = workdays.add(date(2026, 12, 31), 1)
    assert (before.value, before.provisional) == (date(2027, 1, 1), True)

    workdays.publish_year(2027, "国办发明电〔2026〕1号", actor=Actor.system("test"))
    published = workdays.add(date(2026, 12, 31), 1)
    assert (published.value, published.provisional) == (date(2027, 1, 1), False)

    workdays.set_day(
        date(2027, 1, 1), is_workday=False, holiday_name="元旦", actor=Actor.system("test")
    )
    assert workdays.add(date(2026, 12, 31), 1) == workdays.WorkdayResult(date(2027, 1, 4), False)
    assert workdays.is_workday(date(2027, 1, 1)) is False

    workdays.clear_day(date(2027, 1, 1), actor=Actor.system("test"))
    assert workdays.add(date(2026, 12, 31), 1).value == date(2027, 1, 1)


def test_a_change_made_by_another_process_is_seen_within_a_second(calendar: None) -> None:
    workdays.publish_year(2027, "国办发明电〔2026〕1号", actor=Actor.system("test"))
    workdays.set_day(
        date(2027, 1, 1), is_workday=False, holiday_name="元旦", actor=Actor.system("test")
    )
    assert workdays.add(date(2026, 12, 31), 1).value == date(2027, 1, 4)

    # Another process edits an existing row (the day count does not change): this
    # process hears nothing, and only the fingerprint can tell it.
    with mock.patch.object(workdays, "_invalidate_after_write"):
        workdays.set_day(
            date(2027, 1, 1), is_workday=True, holiday_name="更正", actor=Actor.system("other")
        )
    assert workdays.add(date(2026, 12, 31), 1).value == date(2027, 1, 4)  # still trusted
    later = workdays.time.monotonic() + 2 * workdays.RECHECK_SECONDS
    with mock.patch.object(workdays.time, "monotonic", return_value=later):
        assert workdays.add(date(2026, 12, 31), 1).value == date(2027, 1, 1)


def test_unpublishing_a_year_makes_it_provisional_again(calendar: None) -> None:
    assert workdays.add(date(2026, 9, 30), 3).value == date(2026, 10, 10)
    workdays.unpublish_year(2026, actor=Actor.system("test"))
    result = workdays.add(date(2026, 9, 30), 3)
    assert (result.value, result.provisional) == (date(2026, 10, 5), True)
    assert CalendarDay.objects.filter(date__year=2026).exists()  # kept as a draft


# --- the writers: seed, set_day, publish_year, audit ---------------------------------------


def test_the_seed_stores_only_exceptions_with_chinese_names(calendar: None) -> None:
    rows = {d.date: (d.is_workday, d.holiday_name) for d in CalendarDay.objects.all()}
    assert rows[date(2026, 10, 1)] == (False, "国庆节")
    assert rows[date(2026, 10, 10)] == (True, "调休上班")
    assert rows[date(2026, 2, 16)] == (False, "春节")
    assert rows[date(2026, 4, 6)] == (False, "清明节")
    assert rows[date(2026, 1, 2)] == (False, "元旦")
    assert rows[date(2015, 9, 3)] == (False, "抗战胜利纪念日")
    assert date(2026, 10, 3) not in rows  # a Saturday holiday is the weekend default
    assert date(2026, 10, 12) not in rows  # an ordinary Monday
    assert all(work != (d.weekday() < 5) for d, (work, _) in rows.items())
    names = {name for _, name in rows.values()}
    assert names == {
        *("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"),
        *("抗战胜利纪念日", "调休上班"),
    }
    assert set(CalendarYear.objects.values_list("year", flat=True)) == set(range(2004, 2027))


def test_the_seed_is_idempotent(calendar: None) -> None:
    days, events = CalendarDay.objects.count(), AuditEvent.objects.count()
    assert days > 0
    assert AuditEvent.objects.filter(action="calendar.year.seed").count() == 23
    assert workdays.seed_from_chinesecalendar(actor=Actor.system("test")) == 0
    assert (CalendarDay.objects.count(), AuditEvent.objects.count()) == (days, events)


def test_the_seed_leaves_a_published_year_as_the_administrator_corrected_it(calendar: None) -> None:
    workdays.set_day(
        date(2026, 10, 12), is_workday=False, holiday_name="更正", actor=Actor.system("admin")
    )
    assert workdays.seed_from_chinesecalendar(range(2026, 2027), actor=Actor.system("test")) == 0
    assert CalendarDay.objects.get(date=date(2026, 10, 12)).holiday_name == "更正"


def test_the_seed_replaces_drafts_of_an_unpublished_year(db: Any) -> None:
    workdays.set_day(
        date(2026, 10, 12), is_workday=False, holiday_name="草稿", actor=Actor.system("admin")
    )
    written = workdays.seed_from_chinesecalendar(range(2026, 2027), actor=Actor.system("test"))
    assert not CalendarDay.objects.filter(date=date(2026, 10, 12)).exists()
    assert written == CalendarDay.objects.filter(date__year=2026).count() + 1
    event = AuditEvent.objects.get(action="calendar.year.seed")
    assert event.before == {
        "days": {"2026-10-12": {"date": "2026-10-12", "is_workday": False, "holiday_name": "草稿"}}
    }
    assert event.after is not None
    assert event.after["days"]["2026-10-10"] == [True, "调休上班"]


def test_the_seed_refuses_years_chinesecalendar_does_not_have(db: Any) -> None:
    with pytest.raises(ValidationFailed):
        workdays.seed_from_chinesecalendar(range(2026, 2028), actor=Actor.system("test"))
    assert not CalendarYear.objects.exists()


def test_set_day_and_publish_year_are_audited(db: Any) -> None:
    workdays.publish_year(2027, "国办发明电〔2026〕1号", actor=Actor.system("admin-zhang"))
    workdays.set_day(
        date(2027, 2, 8), is_workday=False, holiday_name="春节", actor=Actor.system("admin-zhang")
    )
    workdays.set_day(
        date(2027, 2, 8), is_workday=False, holiday_name="春节", actor=Actor.system("admin-zhang")
    )
    workdays.publish_year(
        2027, "国办发明电〔2026〕1号", actor=Actor.system("admin-zhang")
    )  # no change
    workdays.publish_year(2027, "国办发明电〔2026〕2号", actor=Actor.system("admin-li"))
    events = list(AuditEvent.objects.order_by("id"))
    assert [(e.action, e.object_type, e.object_id, e.actor) for e in events] == [
        ("calendar.year.publish", "common.calendaryear", "2027", "admin-zhang"),
        ("calendar.day.set", "common.calendarday", "2027-02-08", "admin-zhang"),
        ("calendar.year.publish", "common.calendaryear", "2027", "admin-li"),
    ]
    assert events[1].before is None
    assert events[1].after == {"date": "2027-02-08", "is_workday": False, "holiday_name": "春节"}
    assert events[2].before == {"year": 2027, "source": "国办发明电〔2026〕1号"}
    assert events[2].after == {"year": 2027, "source": "国办发明电〔2026〕2号"}


def test_clear_day_and_unpublish_year_are_audited(db: Any) -> None:
    workdays.publish_year(2027, "国办发明电〔2026〕1号", actor=Actor.system("a"))
    workdays.set_day(
        date(2027, 2, 8), is_workday=False, holiday_name="春节", actor=Actor.system("a")
    )
    assert workdays.clear_day(date(2027, 2, 8), actor=Actor.system("b")) is True
    assert workdays.clear_day(date(2027, 2, 8), actor=Actor.system("b")) is False
    assert workdays.unpublish_year(2027, actor=Actor.system("b")) is True
    actions = list(AuditEvent.objects.order_by("id").values_list("action", "actor"))
    assert actions[-2:] == [("calendar.day.clear", "b"), ("calendar.year.unpublish", "b")]


@pytest.mark.parametrize(
    ("day", "is_workday", "name"),
    [
        (date(2027, 2, 8), False, ""),  # a Monday off needs the holiday's name
        (date(2027, 2, 6), True, " "),  # a Saturday at work needs 调休上班
        (date(2027, 2, 8), False, "名" * 41),
        (date(2200, 1, 1), False, "元旦"),
    ],
)
def test_set_day_refuses_unclear_entries(db: Any, day: date, is_workday: bool, name: str) -> None:
    with pytest.raises(ValidationFailed):
        workdays.set_day(day, is_workday=is_workday, holiday_name=name, actor=Actor.system("a"))
    assert not CalendarDay.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("year", "source"), [(2027, ""), (2027, "   "), (20270, "通知"), (2027, "x" * 201)]
)
def test_publish_year_refuses_unclear_entries(db: Any, year: int, source: str) -> None:
    with pytest.raises(ValidationFailed):
        workdays.publish_year(year, source, actor=Actor.system("a"))
    assert not CalendarYear.objects.exists()


# --- the fast path agrees with a naive day-by-day count ---------------------------------------


def _naive_add(start: date, n: int, published: set[int]) -> tuple[date, bool]:
    day, left, provisional = start, n, False
    while left:
        day += ONE
        provisional = provisional or day.year not in published
        if workdays.is_workday(day):
            left -= 1
    return day, provisional


def _naive_count(a: date, b: date, published: set[int]) -> tuple[int, bool]:
    lo, hi = min(a, b), max(a, b)
    total, provisional, day = 0, False, lo
    while day < hi:
        day += ONE
        provisional = provisional or day.year not in published
        total += workdays.is_workday(day)
    return (total if b >= a else -total), provisional


_DATES = st.dates(min_value=date(2003, 1, 1), max_value=date(2028, 12, 31))


def test_add_and_count_agree_with_a_naive_count_across_published_and_unpublished_years(
    calendar: None,
) -> None:
    # 2003, 2027, 2028 are outside the published span; 2015 is made a gap inside it.
    workdays.unpublish_year(2015, actor=Actor.system("test"))
    published = set(CalendarYear.objects.values_list("year", flat=True))
    assert 2015 not in published
    assert {2014, 2016} <= published

    @settings(max_examples=300, deadline=None, database=None)
    @given(start=_DATES, n=st.integers(min_value=0, max_value=400))
    @example(start=date(2026, 12, 20), n=30)
    @example(start=date(2003, 12, 31), n=1)
    @example(start=date(2014, 12, 31), n=300)
    @example(start=date(2003, 1, 1), n=400)
    @example(start=date(2028, 12, 29), n=3)
    def check_add(start: date, n: int) -> None:
        result = workdays.add(start, n)
        if n == 0:
            assert (result.value, result.provisional) == (start, False)
        else:
            assert (result.value, result.provisional) == _naive_add(start, n, published)

    @settings(max_examples=300, deadline=None, database=None)
    @given(a=_DATES, delta=st.integers(min_value=-600, max_value=600))
    @example(a=date(2025, 12, 31), delta=365)
    @example(a=date(2014, 12, 31), delta=400)
    @example(a=date(2003, 12, 31), delta=1)
    def check_count(a: date, delta: int) -> None:
        b = a + timedelta(days=delta)
        result = workdays.count(a, b)
        assert (result.value, result.provisional) == _naive_count(a, b, published)

    check_add()
    check_count()


# --- next year's notice: status and the background check ------------------------------------


def test_next_year_calendar_status(calendar: None) -> None:
    assert workdays.next_year_calendar_status(date(2026, 6, 1)) == (2027, False)
    assert workdays.next_year_calendar_status(date(2025, 6, 1)) == (2026, True)


def test_the_check_warns_while_next_year_is_missing_and_urgently_from_november(
    calendar: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="yiwang.calendar"):
        summer = check_next_year_calendar.call(today="2026-06-01")
        november = check_next_year_calendar.call(today="2026-11-01")
    assert summer["published"] is False
    assert summer["urgent"] is False
    assert november == {
        "checked_on": "2026-11-01",
        "year": 2027,
        "published": False,
        "urgent": True,
        "current_year": 2026,
        "current_year_published": True,
    }
    warnings = [r for r in caplog.records if r.name == "yiwang.calendar"]
    assert [r.levelno for r in warnings] == [logging.WARNING, logging.WARNING]
    assert "2027" in warnings[0].getMessage()
    assert "URGENT" not in warnings[0].getMessage()
    assert warnings[1].getMessage().startswith("URGENT")

    caplog.clear()
    workdays.publish_year(2027, "国办发明电〔2026〕1号", actor=Actor.system("test"))
    with caplog.at_level(logging.WARNING, logger="yiwang.calendar"):
        done = check_next_year_calendar.call(today="2026-11-20")
    assert done["published"] is True
    assert done["urgent"] is False
    assert [r for r in caplog.records if r.name == "yiwang.calendar"] == []


def test_the_check_warns_when_even_the_current_year_is_missing(
    calendar: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="yiwang.calendar"):
        result = check_next_year_calendar.call(today="2027-03-01")
    assert result["current_year_published"] is False
    assert any("current year 2027" in r.getMessage() for r in caplog.records)


# --- the command line ------------------------------------------------------------------------


def _run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("workdays", *args, stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


@pytest.mark.parametrize(
    ("args", "output"),
    [
        (("add", "2026-09-28", "5"), "2026-10-10\n"),
        (("add", "2026-02-13", "1"), "2026-02-14\n"),
        (("add", "2026-10-03", "0"), "2026-10-03\n"),
        (("add", "2026-12-20", "30"), "2027-01-29 provisional\n"),
        (("count", "2025-12-31", "2026-12-31"), "248\n"),
        (("count", "2026-10-19", "2026-09-15"), "-20\n"),
        (("count", "2026-12-20", "2027-01-29"), "30 provisional\n"),
    ],
)
def test_the_workdays_command(calendar: None, args: tuple[str, ...], output: str) -> None:
    assert _run(*args) == (0, output)


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("add", "2026-02-30", "1"), "not a date"),
        (("add", "28.09.2026", "1"), "not a date"),
        (("add", "20260928", "1"), "not a date"),
        (("add", "2026-09-28", "x"), "not an integer"),
        (("add", "2026-09-28", "1.5"), "not an integer"),
        (("add", "2026-09-28", "-1"), "negative"),
        (("add", "2026-09-28", "99999999999"), "超出"),
        (("add", "2026-09-28"), "two arguments"),
        (("count", "2026-09-28"), "two arguments"),
        (("count", "2026-09-28", "2026-10-01", "2026-10-02"), "two arguments"),
        (("count", "2026-09-28", "tomorrow"), "not a date"),
        ((), "expected add or count"),
        (("subtract", "2026-09-28", "1"), "expected add or count"),
    ],
)
def test_the_workdays_command_refuses_bad_input(
    calendar: None, args: tuple[str, ...], reason: str
) -> None:
    code, out = _run(*args)
    assert code == 1
    assert out.startswith("invalid: ")
    assert reason in out
    assert out.count("\n") == 1


def test_an_unknown_option_is_invalid_too(db: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = _run("add", "--frobnicate", "2026-09-28", "1")
    assert code == 1
    captured = capsys.readouterr()
    assert captured.out.startswith("invalid: ")
    assert "Traceback" not in captured.out + captured.err


def test_the_seed_calendar_command(db: Any) -> None:
    first, second = io.StringIO(), io.StringIO()
    call_command("seed_calendar", stdout=first)
    call_command("seed_calendar", stdout=second)
    assert first.getvalue() == f"wrote {CalendarDay.objects.count()} calendar days\n"
    assert second.getvalue() == "wrote 0 calendar days\n"


# --- the admin: entering the 2027 notice ------------------------------------------------------


@pytest.fixture
def admin_client(admin_client: Any) -> Any:
    # WhiteNoise warns (an error here) when STATIC_ROOT does not exist yet, as in a fresh data dir.
    Path(django_settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    return admin_client


def test_an_administrator_enters_the_2027_notice_in_the_admin(
    calendar: None, admin_client: Any
) -> None:
    response = admin_client.post(
        "/admin/common/calendaryear/add/", {"year": "2027", "source": "国办发明电〔2026〕1号"}
    )
    assert response.status_code == 302, response.content.decode()
    response = admin_client.post(
        "/admin/common/calendarday/add/",
        {"date": "2027-01-01", "is_workday": "", "holiday_name": "元旦"},
    )
    assert response.status_code == 302, response.content.decode()
    assert workdays.add(date(2026, 12, 31), 1) == workdays.WorkdayResult(date(2027, 1, 4), False)
    actions = list(
        AuditEvent.objects.filter(actor=Actor.system("admin")).values_list("action", flat=True)
    )
    assert actions == ["calendar.year.publish", "calendar.day.set"]

    response = admin_client.post("/admin/common/calendarday/2027-01-01/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert workdays.add(date(2026, 12, 31), 1).value == date(2027, 1, 1)
    assert (
        AuditEvent.objects.filter(actor=Actor.system("admin"), action="calendar.day.clear").count()
        == 1
    )


def test_the_admin_explains_an_unnamed_holiday_and_writes_nothing(
    calendar: None, admin_client: Any
) -> None:
    response = admin_client.post(
        "/admin/common/calendarday/add/",
        {"date": "2027-02-08", "is_workday": "", "holiday_name": ""},
    )
    assert response.status_code == 200
    assert "须填写节假日名称" in response.content.decode()
    assert not CalendarDay.objects.filter(date=date(2027, 2, 8)).exists()
    assert not AuditEvent.objects.filter(actor=Actor.system("admin")).exists()


def test_the_admin_lists_and_filters_calendar_days(calendar: None, admin_client: Any) -> None:
    page = admin_client.get(
        "/admin/common/calendarday/", {"year": "2026", "is_workday__exact": "1"}
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert "调休上班" in text
    assert "国庆节" not in text
    found = admin_client.get("/admin/common/calendarday/", {"q": "抗战"})
    assert "2015" in found.content.decode()


def test_the_audit_log_is_read_only_in_the_admin(calendar: None, admin_client: Any) -> None:
    event = AuditEvent.objects.first()
    assert event is not None
    assert admin_client.get("/admin/common/auditevent/").status_code == 200
    assert admin_client.get("/admin/common/auditevent/add/").status_code == 403
    assert admin_client.get(f"/admin/common/auditevent/{event.pk}/delete/").status_code == 403
    admin_client.post(f"/admin/common/auditevent/{event.pk}/change/", {"action": "forged"})
    event.refresh_from_db()
    assert event.action == "calendar.year.seed"
