"""Background tasks of supervision; each is idempotent (safe to run twice).

Periodic (settings.YIWANG_PERIODIC_JOBS):
- ``yiwang.supervision.tasks.sweep_cards`` — hourly (黄牌/红牌 and their escalation).
- ``yiwang.supervision.tasks.refresh_statistics`` — every 5 minutes: fold the case
  events and ratings since the last run into the statistics rollup (decision 0024).
- ``yiwang.supervision.tasks.publish_rankings`` — hourly: on and after the publication
  day, the month before's ranking, once (supervision.rankings).
"""

from __future__ import annotations

from datetime import date

from django_tasks import task

from yiwang.supervision import cards, rankings
from yiwang.supervision.statistics.rollup import refresh


@task()
def sweep_cards(today: str | None = None) -> dict[str, object]:
    """Issue the missing yellow and red cards and escalate the unanswered ones.
    `today` (ISO date) is for tests and replays."""
    on = date.fromisoformat(today) if today else None
    report = cards.sweep_cards(on=on)
    return {"issued": dict(report.issued), "escalated": report.escalated}


@task()
def refresh_statistics() -> dict[str, int]:
    """Bring the daily rollup up to date with the cases (facts that changed)."""
    return {"changed": refresh()}


@task()
def publish_rankings(today: str | None = None) -> dict[str, list[str]]:
    """Publish last month's rankings when the day has come (nothing once published)."""
    on = date.fromisoformat(today) if today else None
    return {"published": [str(r) for r in rankings.publish_due_rankings(on)]}
