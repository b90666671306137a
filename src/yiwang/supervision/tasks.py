"""Background tasks of supervision; each is idempotent (safe to run twice).

Periodic (settings.YIWANG_PERIODIC_JOBS):
- ``yiwang.supervision.tasks.refresh_statistics`` — every 5 minutes: fold the case
  events and ratings since the last run into the statistics rollup (decision 0024).
"""

from __future__ import annotations

from django_tasks import task

from yiwang.supervision.statistics.rollup import refresh


@task()
def refresh_statistics() -> dict[str, int]:
    """Bring the daily rollup up to date with the cases (facts that changed)."""
    return {"changed": refresh()}
