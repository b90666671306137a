"""Background tasks of the cases app; each is idempotent (safe to run twice).

Periodic (settings.YIWANG_PERIODIC_JOBS):
- ``yiwang.cases.tasks.sweep_deemed_acceptance`` — hourly (Art. 32 deemed acceptance);
- ``yiwang.cases.tasks.recount_provisional_deadlines`` — hourly (deadlines counted on
  weekends only, once the year's holiday notice is published);
- ``yiwang.cases.tasks.purge_idempotency_keys`` — hourly (keys older than 24 hours).
"""

from __future__ import annotations

from datetime import date

from django_tasks import task

from yiwang.cases import services


@task()
def sweep_deemed_acceptance(today: str | None = None) -> dict[str, object]:
    """Accept, dated the day they arrived, the submissions nobody acted on within 5
    working days (行政许可法 Art. 32). `today` (ISO date) is for tests and replays."""
    on = date.fromisoformat(today) if today else None
    accepted = services.sweep_deemed_acceptance(on=on)
    return {"accepted": accepted, "count": len(accepted)}


@task()
def recount_provisional_deadlines() -> dict[str, object]:
    """Count again the deadlines that waited for a year's holiday notice (domain-rules:
    provisional until the year is published); the moved ones are told to the applicant."""
    moved = services.recount_provisional_deadlines()
    return {"moved": moved, "count": len(moved)}


@task()
def purge_idempotency_keys() -> dict[str, int]:
    """Forget Idempotency-Keys older than 24 hours (and the query codes kept for replays)."""
    return {"deleted": services.purge_idempotency_keys()}
