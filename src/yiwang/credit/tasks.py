"""Background tasks of credit publicity. Each is idempotent: running it twice does no harm.

Periodic (settings.YIWANG_PERIODIC_JOBS):
  yiwang.credit.tasks.run_list_sweeps       every 6 hours: the abnormal-list sweep after
      30 June (within the 10 working days), the three-year reminder and escalation, and
      removal applications whose decision day has come. Cheap when there is nothing to
      do: a completed year is marked and skipped.
  yiwang.credit.tasks.purge_rate_counters   hourly: drop expired per-address counters.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django_tasks import task

from yiwang.credit import services


@task()
def list_missing_annual_reports(today: str | None = None) -> dict[str, Any]:
    """经营异常名录管理办法 Art. 6 (see services.list_missing_annual_reports)."""
    day = date.fromisoformat(today) if today else None
    return services.list_missing_annual_reports(today=day).as_dict()


@task()
def escalate_long_abnormal(today: str | None = None) -> dict[str, Any]:
    """Three years on the abnormal list: reminder, then the serious list."""
    day = date.fromisoformat(today) if today else None
    return services.escalate_long_abnormal(today=day).as_dict()


@task()
def process_due_removal_applications(today: str | None = None) -> dict[str, Any]:
    day = date.fromisoformat(today) if today else None
    return services.process_due_removal_applications(today=day).as_dict()


@task()
def run_list_sweeps(today: str | None = None) -> dict[str, Any]:
    """All three list sweeps in their order; each commits its own work."""
    day = date.fromisoformat(today) if today else None
    return {
        "abnormal": services.list_missing_annual_reports(today=day).as_dict(),
        "escalation": services.escalate_long_abnormal(today=day).as_dict(),
        "applications": services.process_due_removal_applications(today=day).as_dict(),
    }


@task()
def purge_rate_counters() -> dict[str, int]:
    return {"deleted": services.purge_rate_counters()}
