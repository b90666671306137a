"""The dates of enterprise information publicity, as pure functions of the rules.

Sources (domain-rules "Enterprise information publicity"): 企业信息公示暂行条例
Art. 8 (annual report 1 January – 30 June), Art. 10 (immediate information within
20 working days); 经营异常名录管理办法 Art. 6 (listed within 10 working days after
the report period), Art. 11-13 (removal decided within a few working days of the
application); Art. 16 and 严重违法失信名单管理办法 (3 years on the list without cure:
a public reminder in the last 60 days, then the serious list within 10 working days).

Working days come only from `common.workdays` (行政许可法 Art. 82: the start day is not
counted). Years and days are counted as the Civil Code says (Art. 201-203): a period
starts the day after the event, and a period of years ends on the corresponding day of
the last year, or on the last day of that month if it has no such day (29 February).
Every number comes from `conf.credit_setting`.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from yiwang.common import workdays
from yiwang.credit.conf import credit_setting


def add_years(day: date, years: int) -> date:
    """The corresponding day `years` later (Civil Code Art. 202): 29 Feb -> 28 Feb."""
    year = day.year + years
    return date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))


def _workdays_after(day: date, n: int) -> date:
    return workdays.add(day, n).value


# --- annual reports -------------------------------------------------------------------


def report_deadline(report_year: int) -> date:
    """The last day to file the report of `report_year` on time: 30 June of the next year."""
    month, day = credit_setting("ANNUAL_REPORT_DEADLINE")
    return date(report_year + 1, month, day)


def report_is_late(report_year: int, filed_on: date) -> bool:
    """Filed after the deadline day (the deadline day itself is on time)."""
    return filed_on > report_deadline(report_year)


def first_report_year(established_on: date) -> int:
    """An enterprise founded in year Y files its first report, for Y, in Y+1."""
    return established_on.year


def report_year_fileable(established_on: date, report_year: int, today: date) -> bool:
    """A report can be filed for a completed year the enterprise existed in."""
    return first_report_year(established_on) <= report_year < today.year


def latest_closed_report_year(today: date) -> int | None:
    """The report year whose period has most recently ended by `today`, if any has.

    On 30 June 2026 the period of 2025 is still open, so the answer is 2024; from
    1 July 2026 it is 2025.
    """
    year = today.year - 1
    return year if today > report_deadline(year) else year - 1


def listing_decision_due(report_year: int) -> date:
    """By when the abnormal-list decision for a missing report must be made."""
    return _workdays_after(
        report_deadline(report_year), credit_setting("ABNORMAL_LISTING_WORKDAYS")
    )


# --- immediate information ------------------------------------------------------------


def immediate_info_due(changed_on: date) -> date:
    return _workdays_after(changed_on, credit_setting("IMMEDIATE_INFO_WORKDAYS"))


def immediate_info_is_late(changed_on: date, published_on: date) -> bool:
    return published_on > immediate_info_due(changed_on)


# --- removal ----------------------------------------------------------------------------


def removal_decision_due(applied_on: date) -> date:
    return _workdays_after(applied_on, credit_setting("REMOVAL_DECISION_WORKDAYS"))


# --- three years on the abnormal list ----------------------------------------------------


def abnormal_term_ends(listed_on: date) -> date:
    """The last day of the `SERIOUS_AFTER_YEARS` years that start the day after listing."""
    return add_years(listed_on, credit_setting("SERIOUS_AFTER_YEARS"))


def reminder_starts(listed_on: date) -> date:
    """The first of the last `SERIOUS_REMINDER_DAYS` days of the term."""
    return abnormal_term_ends(listed_on) - timedelta(
        days=credit_setting("SERIOUS_REMINDER_DAYS") - 1
    )


def reminder_due(listed_on: date, today: date) -> bool:
    return reminder_starts(listed_on) <= today <= abnormal_term_ends(listed_on)


def escalation_due(listed_on: date, today: date) -> bool:
    """The term has run out (today is after its last day) without cure."""
    return today > abnormal_term_ends(listed_on)


def escalation_decision_due(listed_on: date) -> date:
    """By when the move to the serious list must be made."""
    return _workdays_after(abnormal_term_ends(listed_on), credit_setting("SERIOUS_MOVE_WORKDAYS"))
