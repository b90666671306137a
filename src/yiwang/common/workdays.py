"""The working-day engine and the only writers of the calendar tables.

Rules (domain-rules "Time limits", "Holidays and make-up working days"):

- 行政许可法 Art. 82: all periods are working days, and the start day is not
  counted — a case accepted on day D with N working days is due on the N-th
  working day after D.
- A working day is Monday–Friday, except the holidays of the State Council's
  yearly notice, plus the notice's make-up working days (调休上班) on weekends.
- A year with no published notice (no `CalendarYear` row) is counted on
  weekends only, and every answer that depends on a day of such a year is
  *provisional*.

How it is fast: the published span (1 January of the first published year to
31 December of the last) is turned into a cumulative index — `cum[i]` is the
number of working days from the span's start up to day i, `workdays[k]` the
k-th working day of the span — so `count` is two array lookups and `add` is
one. Outside the span (and in unpublished gap years inside it, which the
index fills with the weekend rule) the weekend-only count has a closed form.
Both pieces together are one cumulative function C(day) over all dates;
`count(a, b) = C(b) - C(a)` and `add(d, n)` is the first day with
C = C(d) + n, so spans crossing from a published into an unpublished year are
stitched without special cases. Nothing loops over days per call.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.common.audit import Auditable, record
from yiwang.common.errors import ValidationFailed
from yiwang.common.models import CalendarDay, CalendarYear

logger = logging.getLogger("yiwang.calendar")

V = TypeVar("V", date, int)

#: How long a process trusts its index before asking the database whether the
#: calendar changed (see `_current_index`).
RECHECK_SECONDS = 1.0

#: Years an administrator may enter; outside this a typo is far likelier than a notice.
MIN_YEAR, MAX_YEAR = 1949, 2100

#: chinesecalendar's English holiday names -> the names of the State Council notice.
HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}
MAKEUP_WORKDAY_NAME = "调休上班"
SEED_SOURCE = "chinesecalendar 1.11.0（国务院办公厅历年部分节假日安排的通知）"


@dataclass(frozen=True, slots=True)
class WorkdayResult(Generic[V]):
    """An answer of the engine: a date (`add`) or a number of days (`count`).

    `provisional` is True when a day the answer depends on lies in a year whose
    holiday notice has not been entered: the answer then counts that year's
    weekends only and may move once the notice is published.
    """

    value: V
    provisional: bool


# --- the closed form for the weekend-only rule ---------------------------------
# Proleptic ordinal 1 (0001-01-01) is a Monday, so day o is Mon-Fri iff 1 <= o % 7 <= 5.


def _weekdays_upto(o: int) -> int:
    """Number of Mon-Fri days with ordinal in [1, o] (o >= 0)."""
    return 5 * (o // 7) + min(o % 7, 5)


def _nth_weekday(t: int) -> int:
    """The ordinal of the t-th Mon-Fri day counted from ordinal 1 (t >= 1)."""
    return 7 * ((t - 1) // 5) + (t - 1) % 5 + 1


_MAX_ORDINAL = date.max.toordinal()


class _Index:
    """The cumulative working-day function C(o) and its inverse, for one calendar state."""

    __slots__ = ("base", "cum", "hi", "is_work", "lo", "total", "unpublished", "workdays", "years")

    def __init__(self, published: dict[int, dict[date, bool]]) -> None:
        self.years = frozenset(published)
        if not published:
            # No span: C(o) is the weekend-only count everywhere.
            self.lo, self.hi = 1, 0
            self.base = self.total = 0
            self.cum: list[int] = [0]
            self.workdays: list[date] = []
            self.is_work = b""
            self.unpublished: list[int] | None = None
            return
        first, last = min(published), max(published)
        self.lo = date(first, 1, 1).toordinal()
        self.hi = date(last, 12, 31).toordinal()
        self.base = _weekdays_upto(self.lo - 1)
        overrides: dict[int, bool] = {}
        for days in published.values():
            for day, work in days.items():
                overrides[day.toordinal()] = work
        size = self.hi - self.lo + 1
        is_work = bytearray(size)
        # cum[i] = working days in [lo, lo + i - 1]; cum[0] = 0 so that o = lo - 1 needs no branch.
        cum = [0] * (size + 1)
        workdays: list[date] = []
        running = 0
        for i in range(size):
            o = self.lo + i
            work = overrides.get(o, 1 <= o % 7 <= 5)
            if work:
                is_work[i] = 1
                running += 1
                workdays.append(date.fromordinal(o))
            cum[i + 1] = running
        self.cum, self.workdays, self.is_work = cum, workdays, bytes(is_work)
        self.total = running
        gaps = [y for y in range(first, last + 1) if y not in published]
        if gaps:
            # unpublished[i] = days of unpublished years in [lo, lo + i - 1].
            gap_days = bytearray(size)
            for y in gaps:
                a, b = date(y, 1, 1).toordinal() - self.lo, date(y, 12, 31).toordinal() - self.lo
                gap_days[a : b + 1] = b"\x01" * (b - a + 1)
            unpublished = [0] * (size + 1)
            acc = 0
            for i in range(size):
                acc += gap_days[i]
                unpublished[i + 1] = acc
            self.unpublished = unpublished
        else:
            self.unpublished = None

    def c(self, o: int) -> int:
        """C(o): working days from ordinal 1 to o under the stored calendar."""
        if o < self.lo:
            return _weekdays_upto(o)
        if o <= self.hi:
            return self.base + self.cum[o - self.lo + 1]
        return self.base + self.total + _weekdays_upto(o) - _weekdays_upto(self.hi)

    def nth(self, t: int) -> tuple[int, date | None]:
        """The smallest ordinal o with C(o) >= t, and its date when the index holds it."""
        if t <= self.base:
            return _nth_weekday(t), None
        k = t - self.base
        if k <= self.total:
            d = self.workdays[k - 1]
            return d.toordinal(), d
        return _nth_weekday(k - self.total + _weekdays_upto(self.hi)), None

    def touches_unpublished(self, x: int, y: int) -> bool:
        """Whether the days (x, y] (x < y) include a day of an unpublished year."""
        if x + 1 < self.lo or y > self.hi:
            return True
        if self.unpublished is None:
            return False
        return self.unpublished[y - self.lo + 1] - self.unpublished[x - self.lo + 1] > 0

    def is_workday(self, o: int) -> bool:
        if self.lo <= o <= self.hi:
            return self.is_work[o - self.lo] == 1
        return 1 <= o % 7 <= 5


# --- the per-process cache --------------------------------------------------------


class _Cache:
    index: _Index | None = None
    fingerprint: object = None
    checked_at = float("-inf")


_cache = _Cache()
_lock = threading.Lock()


def _fingerprint() -> object:
    """What changes whenever the calendar does.

    Every writer below saves the affected `CalendarYear` (bumping its
    `updated_at`) or adds/removes rows, so the list of (year, updated_at) plus
    the number of day rows differs after any write. The full list rather than
    MAX(updated_at) is compared so that deleting a year, or a writer host whose
    clock lags behind, is still noticed. It is ~25 rows, read at most once per
    `RECHECK_SECONDS` per process.
    """
    years = tuple(CalendarYear.objects.order_by("year").values_list("year", "updated_at"))
    return years, CalendarDay.objects.count()


def _load() -> _Index:
    years = list(CalendarYear.objects.values_list("year", flat=True))
    published: dict[int, dict[date, bool]] = {y: {} for y in years}
    rows = CalendarDay.objects.filter(date__year__in=years).values_list("date", "is_workday")
    for day, work in rows:
        published[day.year][day] = work
    return _Index(published)


def _current_index() -> _Index:
    """The index for the calendar as it is now, give or take `RECHECK_SECONDS`.

    Correct across processes without any messaging: each process compares the
    database's fingerprint with the one its index was built from at most once a
    second, so an administrator's change in one web process is seen by every
    other within about a second. A writer in this process also drops the index
    at once (and again on commit), so its own next answer is already new.
    """
    index = _cache.index
    if index is not None and time.monotonic() - _cache.checked_at < RECHECK_SECONDS:
        return index
    with _lock:
        now = time.monotonic()
        if _cache.index is not None and now - _cache.checked_at < RECHECK_SECONDS:
            return _cache.index
        # Fingerprint first, then the data: a write in between leaves the index newer
        # than its fingerprint, which only causes one extra rebuild at the next check.
        fingerprint = _fingerprint()
        if _cache.index is None or fingerprint != _cache.fingerprint:
            _cache.index = _load()
            _cache.fingerprint = fingerprint
        _cache.checked_at = now
        return _cache.index


def reset_cache() -> None:
    """Forget the index; the next call rebuilds it. For writers and tests."""
    with _lock:
        _cache.index = None
        _cache.fingerprint = None
        _cache.checked_at = float("-inf")


def _invalidate_after_write() -> None:
    reset_cache()
    # Also after commit: a reader in this process may have rebuilt from the
    # database between our write and the commit.
    transaction.on_commit(reset_cache)


# --- the public engine ------------------------------------------------------------


def is_workday(d: date) -> bool:
    """Whether `d` is a working day (an unpublished year: Monday to Friday)."""
    return _current_index().is_workday(d.toordinal())


def add(start: date, n: int) -> WorkdayResult[date]:
    """The N-th working day after `start`; `start` itself is not counted (Art. 82).

    `add(d, 0)` is `d` itself, whether or not `d` is a working day, and is never
    provisional (no day's status is used). For n >= 1 the result is always a
    working day, and is provisional when a day in (start, result] falls in a
    year without a published notice.
    """
    if n < 0:
        raise ValidationFailed(_("工作日数不能为负数：%(n)s") % {"n": n}, code="negative_workdays")
    if n == 0:
        return WorkdayResult(start, False)
    index = _current_index()
    s = start.toordinal()
    o, d = index.nth(index.c(s) + n)
    if d is None:
        if o > _MAX_ORDINAL:
            raise ValidationFailed(_("结果超出可表示的日期范围"), code="date_out_of_range")
        d = date.fromordinal(o)
    return WorkdayResult(d, index.touches_unpublished(s, o))


def count(a: date, b: date) -> WorkdayResult[int]:
    """Working days in (a, b] — the start day not counted, the end day counted.

    When b < a the answer is minus the working days in (b, a], so that
    `count(a, add(a, n).value).value == n` and count(a, b) == -count(b, a).
    Provisional when a day in that interval falls in an unpublished year.
    """
    index = _current_index()
    x, y = a.toordinal(), b.toordinal()
    if x == y:
        return WorkdayResult(0, False)
    if y < x:
        return WorkdayResult(index.c(y) - index.c(x), index.touches_unpublished(y, x))
    return WorkdayResult(index.c(y) - index.c(x), index.touches_unpublished(x, y))


def published_years() -> frozenset[int]:
    """The years whose notice has been entered (as of the cached index)."""
    return _current_index().years


def next_year_calendar_status(today: date) -> tuple[int, bool]:
    """(next year, whether its notice has been entered). Read from the database, not the cache."""
    year = today.year + 1
    return year, CalendarYear.objects.filter(year=year).exists()


# --- the writers (the only code that writes calendar rows) --------------------------


def _weekend_default(d: date) -> bool:
    return d.weekday() < 5


def validate_day(d: date, *, is_workday: bool, holiday_name: str) -> str:
    """Check one day's entry; returns the cleaned name or raises `ValidationFailed`.

    A day that departs from the weekend rule must be named (the holiday, or
    调休上班), so that the admin list shows what each exception is for.
    """
    name = (holiday_name or "").strip()
    if not MIN_YEAR <= d.year <= MAX_YEAR:
        raise ValidationFailed(
            _("年份须在 %(min_year)s–%(max_year)s 之间：%(date)s")
            % {"min_year": MIN_YEAR, "max_year": MAX_YEAR, "date": d.isoformat()},
            code="year_out_of_range",
        )
    max_length = CalendarDay._meta.get_field("holiday_name").max_length or 40
    if len(name) > max_length:
        raise ValidationFailed(
            _("名称不能超过 %(max_length)s 个字") % {"max_length": max_length},
            code="holiday_name_too_long",
        )
    if not name and is_workday != _weekend_default(d):
        if is_workday:
            raise ValidationFailed(
                _("%(date)s 是周末，设为工作日须填写名称（如“%(name)s”）")
                % {"date": d.isoformat(), "name": MAKEUP_WORKDAY_NAME},
                code="workday_name_required",
            )
        raise ValidationFailed(
            _("%(date)s 是周一至周五，设为休息日须填写节假日名称") % {"date": d.isoformat()},
            code="holiday_name_required",
        )
    return name


def _day_state(day: CalendarDay | None) -> dict[str, Any] | None:
    if day is None:
        return None
    return {
        "date": day.date.isoformat(),
        "is_workday": day.is_workday,
        "holiday_name": day.holiday_name,
    }


def _touch_year(year: int) -> None:
    # Bumps the fingerprint every process compares (see `_fingerprint`).
    CalendarYear.objects.filter(year=year).update(updated_at=timezone.now())


def set_day(d: date, *, is_workday: bool, holiday_name: str, actor: Auditable) -> CalendarDay:
    """Enter one day of a notice (a holiday or a make-up working day). Audited.

    Setting a day to what it already is writes and records nothing.
    """
    name = validate_day(d, is_workday=is_workday, holiday_name=holiday_name)
    with transaction.atomic():
        day = CalendarDay.objects.select_for_update().filter(date=d).first()
        before = _day_state(day)
        if day is not None and day.is_workday == is_workday and day.holiday_name == name:
            return day
        if day is None:
            day = CalendarDay.objects.create(date=d, is_workday=is_workday, holiday_name=name)
        else:
            day.is_workday, day.holiday_name = is_workday, name
            day.save(update_fields=["is_workday", "holiday_name"])
        _touch_year(d.year)
        record("calendar.day.set", day, actor=actor, before=before, after=_day_state(day))
        _invalidate_after_write()
    return day


def clear_day(d: date, *, actor: Auditable) -> bool:
    """Remove a day's entry, so that it follows the weekend rule again. Audited.

    Returns whether there was an entry to remove.
    """
    with transaction.atomic():
        day = CalendarDay.objects.select_for_update().filter(date=d).first()
        if day is None:
            return False
        before = _day_state(day)
        record("calendar.day.clear", day, actor=actor, before=before, after=None)
        day.delete()
        _touch_year(d.year)
        _invalidate_after_write()
    return True


def _year_state(year: CalendarYear | None) -> dict[str, Any] | None:
    if year is None:
        return None
    return {"year": year.year, "source": year.source}


def validate_year(year: int, source: str) -> str:
    """Check a year's publication; returns the cleaned source or raises `ValidationFailed`."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationFailed(
            _("年份须在 %(min_year)s–%(max_year)s 之间：%(year)s")
            % {"min_year": MIN_YEAR, "max_year": MAX_YEAR, "year": year},
            code="year_out_of_range",
        )
    text = (source or "").strip()
    if not text:
        raise ValidationFailed(
            _("请填写来源（国务院办公厅通知的文号）"), code="calendar_source_required"
        )
    max_length = CalendarYear._meta.get_field("source").max_length or 200
    if len(text) > max_length:
        raise ValidationFailed(
            _("来源不能超过 %(max_length)s 个字") % {"max_length": max_length},
            code="calendar_source_too_long",
        )
    return text


def publish_year(year: int, source: str, *, actor: Auditable) -> CalendarYear:
    """Mark a year's notice as entered: from now on its days count as published. Audited.

    Enter the year's days with `set_day` before or after; each change is seen at
    once. Publishing again with the same source writes and records nothing.
    """
    text = validate_year(year, source)
    with transaction.atomic():
        row = CalendarYear.objects.select_for_update().filter(year=year).first()
        before = _year_state(row)
        if row is not None and row.source == text:
            return row
        if row is None:
            row = CalendarYear.objects.create(year=year, source=text)
        else:
            row.source = text
            row.save(update_fields=["source", "updated_at"])
        record("calendar.year.publish", row, actor=actor, before=before, after=_year_state(row))
        _invalidate_after_write()
    return row


def unpublish_year(year: int, *, actor: Auditable) -> bool:
    """Withdraw a year's publication; its day entries stay as a draft. Audited."""
    with transaction.atomic():
        row = CalendarYear.objects.select_for_update().filter(year=year).first()
        if row is None:
            return False
        record("calendar.year.unpublish", row, actor=actor, before=_year_state(row), after=None)
        row.delete()
        _invalidate_after_write()
    return True


@functools.cache
def chinesecalendar_exceptions() -> dict[int, dict[date, tuple[bool, str]]]:
    """chinesecalendar's days that depart from the weekend rule, by year, with Chinese names.

    Read from its tables directly (its `is_workday` and `get_holiday_detail`
    re-scan the holiday table on every call); its `is_workday` means: a listed
    make-up day works, a listed holiday rests, any other day follows Mon-Fri —
    the same rule as ours. Computed once per process; do not mutate.
    """
    import chinese_calendar  # imported here: only the seed needs it

    result: dict[int, dict[date, tuple[bool, str]]] = {}
    for d in chinese_calendar.holidays:
        if d in chinese_calendar.workdays or d.weekday() >= 5:
            continue
        english = chinese_calendar.holidays[d]  # what get_holiday_detail(d) returns
        if english not in HOLIDAY_NAMES_ZH:
            raise RuntimeError(
                f"chinesecalendar has a holiday name we do not map: {english!r} ({d})"
            )
        result.setdefault(d.year, {})[d] = (False, HOLIDAY_NAMES_ZH[english])
    for d in chinese_calendar.workdays:
        if d.weekday() >= 5:
            result.setdefault(d.year, {})[d] = (True, MAKEUP_WORKDAY_NAME)
    return result


def chinesecalendar_years() -> range:
    import chinese_calendar  # imported here: only the seed needs it

    return range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)


def seed_from_chinesecalendar(years: Iterable[int] = range(2004, 2027), *, actor: Auditable) -> int:
    """Enter the notices of `years` from chinesecalendar 1.11.0; returns the day rows written.

    Only days that depart from the weekend rule are stored (~15 a year). A year
    already published — by an earlier seed or by an administrator — is left
    alone, so a second run writes and records nothing and an administrator's
    correction is never overwritten. Each year is one transaction with one
    audit event listing its days.
    """
    wanted = sorted(set(years))
    supported = chinesecalendar_years()
    outside = [y for y in wanted if y not in supported]
    if outside:
        raise ValidationFailed(
            _("chinesecalendar 只有 %(start)s–%(last)s 年的数据，不含：%(outside)s")
            % {"start": supported.start, "last": supported.stop - 1, "outside": outside},
            code="calendar_years_unsupported",
        )
    published = set(CalendarYear.objects.filter(year__in=wanted).values_list("year", flat=True))
    todo = [y for y in wanted if y not in published]
    if not todo:
        return 0
    exceptions = chinesecalendar_exceptions()
    written = 0
    for year in todo:
        with transaction.atomic():
            row, created = CalendarYear.objects.get_or_create(
                year=year, defaults={"source": SEED_SOURCE}
            )
            if not created:
                continue  # published meanwhile by another process
            days = exceptions.get(year, {})
            # Drafts typed for this year before it was published give way to the notice.
            existing = {
                day.date: day
                for day in CalendarDay.objects.select_for_update().filter(date__year=year)
            }
            stale = [d for d in existing if d not in days]
            CalendarDay.objects.filter(date__in=stale).delete()
            new, changed = [], []
            for d, (work, name) in sorted(days.items()):
                old = existing.get(d)
                if old is None:
                    new.append(CalendarDay(date=d, is_workday=work, holiday_name=name))
                elif (old.is_workday, old.holiday_name) != (work, name):
                    old.is_workday, old.holiday_name = work, name
                    changed.append(old)
            CalendarDay.objects.bulk_create(new)
            CalendarDay.objects.bulk_update(changed, ["is_workday", "holiday_name"])
            written += len(new) + len(changed) + len(stale)
            record(
                "calendar.year.seed",
                row,
                actor=actor,
                before={"days": {d.isoformat(): _day_state(existing[d]) for d in sorted(existing)}}
                if existing
                else None,
                after={
                    "source": SEED_SOURCE,
                    "days": {
                        d.isoformat(): [work, name] for d, (work, name) in sorted(days.items())
                    },
                },
            )
            _invalidate_after_write()
    logger.info("seeded the calendar of %s from chinesecalendar: %s day rows", todo, written)
    return written
