"""The legal clock of a case, in working days (行政许可法 Art. 32, 42, 44, 45, 82).

Deadlines are stored on the case when they are set (acceptance, decision) and shifted
when the law shifts them (special procedures, extension). Everything that depends on
*today* — remaining working days, near-due (黄牌), overdue (红牌) — is computed on
read by `clock_view`, from `common.workdays` only, so it is never stale and costs no
query (the working-day index is cached per process).

`now()` is the one place the cases app reads the time; tests replace it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from yiwang.cases.choices import CaseStatus, DeadlineMark
from yiwang.common import workdays

if TYPE_CHECKING:
    from yiwang.cases.models import Case

#: Art. 32: a notice to supplement must be given within 5 working days of arrival,
#: or the application counts as accepted on the day the materials arrived.
ACCEPTANCE_WINDOW_WORKDAYS = 5
#: Art. 42: the legal limit may be extended once by 10 working days.
EXTENSION_WORKDAYS = 10
#: Art. 44: the certificate is issued or delivered within 10 working days of the decision.
ISSUE_LIMIT_WORKDAYS = 10


def now() -> datetime:
    return timezone.now()


def today() -> date:
    return timezone.localdate(now())


#: YIWANG_ARRIVAL_RULE: "calendar_day" (the default) — materials arrive the calendar day
#: they are received, also on a holiday or after hours; "next_workday" — received on a
#: day that is not a working day, or on a working day from YIWANG_OFFICE_CLOSES on, they
#: arrive on the next working day (a local rule some provinces have; 行政许可法 is silent).
ARRIVAL_RULES = ("calendar_day", "next_workday")


def arrival_day(at: datetime) -> date:
    """The day an application (or a supplement) counts as arrived: the Art. 32 window and
    deemed acceptance run from it, the start day not counted (Art. 82). See ARRIVAL_RULES."""
    local = timezone.localtime(at)
    rule = str(getattr(settings, "YIWANG_ARRIVAL_RULE", "calendar_day"))
    if rule == "calendar_day":
        return local.date()
    if rule != "next_workday":
        raise ImproperlyConfigured(f"YIWANG_ARRIVAL_RULE must be one of {ARRIVAL_RULES}: {rule!r}")
    closes = time.fromisoformat(str(getattr(settings, "YIWANG_OFFICE_CLOSES", "17:00")))
    if workdays.is_workday(local.date()) and local.time() < closes:
        return local.date()
    return workdays.add(local.date(), 1).value


@dataclass(frozen=True)
class Deadlines:
    promised: date
    legal: date
    provisional: bool
    promised_days: int  # the limits counted, in working days
    legal_days: int


def deadlines_on_acceptance(
    *, accepted_on: date, promised_days: int, legal_days: int, instant: bool
) -> Deadlines:
    """Art. 42/82: the N-th working day after the acceptance date (the start day not
    counted). An instant item (即办件) is decided on the day of acceptance, so its
    promised deadline is the acceptance date itself; its legal limit still stands."""
    promised_days = 0 if instant else promised_days
    promised = workdays.add(accepted_on, promised_days)
    legal = workdays.add(accepted_on, legal_days)
    return Deadlines(
        promised.value,
        legal.value,
        promised.provisional or legal.provisional,
        promised_days,
        legal_days,
    )


@dataclass(frozen=True)
class Recount:
    promised: date | None
    legal: date | None
    issue: date | None
    provisional: bool
    #: The working days of the finished special procedures, counted again (None when
    #: they were not given, and the case's `paused_workdays` was used as it is).
    paused: int | None = None
    #: The same, per procedure, in the order given.
    procedure_days: tuple[int, ...] = ()


def paused_days(periods: Iterable[tuple[date, date]]) -> tuple[tuple[int, ...], bool]:
    """Art. 45: the working days in (start, end] of each finished special procedure, on
    today's calendar, and whether any of them is provisional (as `_end_suspension` counts
    them when a procedure ends)."""
    days: list[int] = []
    provisional = False
    for started_on, ended_on in periods:
        counted = workdays.count(started_on, ended_on)
        days.append(max(0, counted.value))
        provisional = provisional or counted.provisional
    return tuple(days), provisional


def recount_deadlines(case: Case, procedures: Iterable[tuple[date, date]] | None = None) -> Recount:
    """The case's deadlines counted again on today's calendar, from what fixed them: the
    acceptance date and the limits accepted under, the working days of finished special
    procedures (Art. 45) and the extension (Art. 42), the decision date (Art. 44).

    Moving a deadline by N working days from a working day lands where counting all of
    them from the start does, so this equals the deadlines set step by step — counted
    with the holiday notices published since. `procedures` are the (start, end) days of
    the finished special procedures: their working days are counted again too (a
    procedure that ran into a year without a notice was counted on weekends only).
    Without them the stored `paused_workdays` is used as it is.
    """
    promised = legal = issue = None
    provisional = False
    paused_again: int | None = None
    per_procedure: tuple[int, ...] = ()
    if procedures is not None:
        per_procedure, provisional = paused_days(procedures)
        paused_again = sum(per_procedure)
    if case.accepted_on is not None and case.legal_limit_days is not None:
        paused = case.paused_workdays if paused_again is None else paused_again
        p = workdays.add(case.accepted_on, (case.promised_limit_days or 0) + paused)
        lg = workdays.add(
            case.accepted_on, case.legal_limit_days + paused + case.extension_workdays
        )
        promised, legal = p.value, lg.value
        provisional = provisional or p.provisional or lg.provisional
    if case.decided_on is not None and case.issue_deadline is not None:
        i = workdays.add(case.decided_on, ISSUE_LIMIT_WORKDAYS)
        issue, provisional = i.value, provisional or i.provisional
    return Recount(promised, legal, issue, provisional, paused_again, per_procedure)


def acceptance_deadline(arrived_on: date) -> workdays.WorkdayResult[date]:
    """Art. 32: the last working day on which a supplement notice can still be given."""
    return workdays.add(arrived_on, ACCEPTANCE_WINDOW_WORKDAYS)


def acceptance_window_passed(arrived_on: date, on: date) -> bool:
    """行政许可法 Art. 32: whether the 5 working days for a supplement notice are over on
    `on` — from the first calendar day after the 5th working day, so also on the weekend
    or holiday that follows it. From then on the application counts as accepted on the
    day its materials arrived, whoever acts first (the sweep or a clerk)."""
    return on > acceptance_deadline(arrived_on).value


def governing_deadline(case: Case) -> date | None:
    """The deadline the case's current stage is measured against (stored as `due_on`):
    the acceptance window before acceptance, the promised limit until the decision,
    the issue limit (Art. 44) until the result leaves; none when nobody in the hall
    has to act (supplement requested, in the post, closed)."""
    status = case.status
    if status == CaseStatus.SUBMITTED:
        return acceptance_deadline(case.arrived_on).value
    if status in (CaseStatus.ACCEPTED, CaseStatus.IN_REVIEW, CaseStatus.SUSPENDED):
        return case.promised_deadline
    if status in (CaseStatus.APPROVED, CaseStatus.ISSUED):
        return case.issue_deadline
    return None


def _stage_limit(case: Case) -> int:
    if case.status not in (CaseStatus.SUBMITTED, CaseStatus.APPROVED, CaseStatus.ISSUED) and (
        case.promised_limit_days is None
    ):
        return int(case.item.promised_limit_days)
    return stage_limit(case.status, case.promised_limit_days, 0)


#: YIWANG_NEAR_DUE = {"min_workdays": 1, "percent": 20}: the 黄牌 (near-due) rule of
#: issue 12 — yellow when at most `percent` % of the stage's limit (rounded up) or at
#: most `min_workdays` working days remain, whichever is more. The one place the rule
#: lives: the case pages (`clock_view`) and the supervision monitor and cards
#: (`near_due_before`) both read it here.
NEAR_DUE_DEFAULT = {"min_workdays": 1, "percent": 20}


def _near_due_setting() -> tuple[int, int]:
    raw = getattr(settings, "YIWANG_NEAR_DUE", None) or {}
    if not isinstance(raw, dict):
        raise ImproperlyConfigured("YIWANG_NEAR_DUE must be a dict")
    merged = {**NEAR_DUE_DEFAULT, **raw}
    try:
        least, percent = int(merged["min_workdays"]), int(merged["percent"])
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured(f"YIWANG_NEAR_DUE must hold integers: {raw!r}") from exc
    if least < 0 or not 0 <= percent <= 100:
        raise ImproperlyConfigured(f"YIWANG_NEAR_DUE out of range: {raw!r}")
    return least, percent


def near_due_threshold(limit_days: int) -> int:
    """黄牌 rule (issue 12, YIWANG_NEAR_DUE): near due when at most `percent` % of the
    stage's limit remains, rounded up, or at most `min_workdays` — by default a fifth
    and at least the last day: 1 day of a 5-day limit, 4 of a 20-day limit, the due day
    itself for instant items."""
    least, percent = _near_due_setting()
    return max(least, math.ceil(limit_days * percent / 100))


def near_due_before(on: date, limit_days: int) -> date:
    """The first due date that is NOT yet near due on `on` for a stage of `limit_days`:
    a case due on d (d >= on) is yellow iff d < near_due_before(on, limit) — the same
    rule as `clock_view` (remaining = working days in (on, d] <= threshold), as a date,
    so the monitor can compare `due_on` in SQL."""
    return workdays.add(on, near_due_threshold(limit_days) + 1).value


def stage_limit(status: str, promised_limit_days: int | None, item_promised_days: int) -> int:
    """The limit (working days) the stage of a case in `status` is measured against:
    the acceptance window, the issue limit, else the promised limit accepted under."""
    if status == CaseStatus.SUBMITTED:
        return ACCEPTANCE_WINDOW_WORKDAYS
    if status in (CaseStatus.APPROVED, CaseStatus.ISSUED):
        return ISSUE_LIMIT_WORKDAYS
    if promised_limit_days is not None:  # the limit the case was accepted under
        return promised_limit_days
    return item_promised_days


@dataclass(frozen=True)
class ClockView:
    """The clock of one case as of one day."""

    due_on: date | None
    remaining_workdays: int | None
    overdue: bool
    near_due: bool
    provisional: bool
    legal_remaining_workdays: int | None

    @property
    def mark(self) -> str:
        if self.overdue:
            return DeadlineMark.RED
        if self.near_due:
            return DeadlineMark.YELLOW
        return DeadlineMark.NONE


def clock_view(case: Case, on: date | None = None) -> ClockView:
    """Remaining working days, 黄牌 and 红牌 of a case as of `on` (default today).

    While a special procedure runs the clock stands still: the remaining days are
    those left on the day it started. A closed case is overdue when it was decided
    after its promised deadline. `provisional` when a deadline or the count depends
    on a year without a published holiday calendar.
    """
    day = on or today()
    provisional = case.deadlines_provisional
    due = case.due_on
    legal_remaining: int | None = None
    if case.legal_deadline and case.status in (
        CaseStatus.ACCEPTED,
        CaseStatus.IN_REVIEW,
        CaseStatus.SUSPENDED,
    ):
        since = case.suspended_on or day
        legal = workdays.count(since, case.legal_deadline)
        legal_remaining = legal.value
        provisional = provisional or legal.provisional
    if due is None:
        late = bool(
            case.decided_on and case.promised_deadline and case.decided_on > case.promised_deadline
        )
        return ClockView(None, None, late, False, provisional, legal_remaining)
    since = case.suspended_on if case.status == CaseStatus.SUSPENDED and case.suspended_on else day
    remaining = workdays.count(since, due)
    overdue = since > due  # the due day itself is still in time
    near = not overdue and remaining.value <= near_due_threshold(_stage_limit(case))
    return ClockView(
        due,
        remaining.value,
        overdue,
        near,
        provisional or remaining.provisional,
        legal_remaining,
    )
