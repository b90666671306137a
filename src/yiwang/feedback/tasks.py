"""Background tasks of the feedback app; each is idempotent.

Periodic (settings.YIWANG_PERIODIC_JOBS):
- ``yiwang.feedback.tasks.sweep_overdue_rectifications`` — hourly: a rectification
  task still open after its deadline is marked overdue.
- ``yiwang.feedback.tasks.purge_rating_links`` — daily: the rows of rating links
  expired more than YIWANG_RATING_LINK_KEEP_DAYS ago are forgotten.
"""

from __future__ import annotations

from datetime import date

from django_tasks import task

from yiwang.feedback import services


@task()
def sweep_overdue_rectifications(today: str | None = None) -> dict[str, object]:
    on = date.fromisoformat(today) if today else None
    marked = services.sweep_overdue_rectifications(today=on)
    return {"marked": marked, "count": len(marked)}


@task()
def purge_rating_links() -> dict[str, object]:
    return {"deleted": services.purge_rating_links()}
