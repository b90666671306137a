"""Background tasks of the kernel. Each is idempotent: running it twice does no harm.

The periodic ones are scheduled by `common.scheduler` from settings.YIWANG_PERIODIC_JOBS.
"""

from __future__ import annotations

import logging
from datetime import date

from django.utils import timezone
from django_tasks import task

from yiwang.common.audit import seal_pending
from yiwang.common.workdays import next_year_calendar_status

calendar_logger = logging.getLogger("yiwang.calendar")

#: From this month on, next year's notice is due (the State Council publishes it in
#: late October or November) and a missing one is urgent.
URGENT_FROM_MONTH = 11


@task()
def check_next_year_calendar(today: str | None = None) -> dict[str, object]:
    """Warn administrators while next year's holiday notice has not been entered.

    domain-rules: a year with no published calendar is counted on weekends only
    and every deadline in it is provisional, "and warn administrators until the
    year is entered". The current year is checked as well: if it is missing,
    deadlines being set today are already provisional. Reads only; logs a
    WARNING on "yiwang.calendar" for each missing year.
    `today` (ISO date) is for tests; by default the local date.
    """
    day = date.fromisoformat(today) if today else timezone.localdate()
    year, published = next_year_calendar_status(day)
    this_year, this_published = next_year_calendar_status(date(day.year - 1, 1, 1))
    urgent = not published and day.month >= URGENT_FROM_MONTH
    if not this_published:
        calendar_logger.warning(
            "URGENT: the holiday calendar of the current year %s has not been entered; "
            "deadlines are counted on weekends only and marked provisional",
            this_year,
        )
    if not published:
        calendar_logger.warning(
            "%sthe holiday calendar of %s has not been entered yet; enter the State Council "
            "notice in the admin (公共内核 › 已发布的年度日历) — until then deadlines in %s "
            "count weekends only and are marked provisional",
            "URGENT: " if urgent else "",
            year,
            year,
        )
    return {
        "checked_on": day.isoformat(),
        "year": year,
        "published": published,
        "urgent": urgent,
        "current_year": this_year,
        "current_year_published": this_published,
    }


@task()
def seal_audit_chain() -> dict[str, int]:
    """Seal pending audit events into the SM3 chain (see `common.audit.seal_pending`)."""
    return {"sealed": seal_pending()}
