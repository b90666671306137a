"""Background tasks of notify. Each is idempotent: running it twice does no harm."""

from __future__ import annotations

from datetime import datetime

from django_tasks import task

from yiwang.notify.dispatch import dispatch_deliveries

#: One run works through at most this many batches; the periodic job does the rest.
MAX_BATCHES = 20


@task()
def dispatch_pending(limit: int = 50, now: str | None = None) -> dict[str, int]:
    """Send the due outbox deliveries (at most once each), batch after batch.

    Enqueued by `notify()` when a message is committed, and scheduled periodically so
    retries fall due and nothing missed by an enqueue waits for long. `now` (ISO
    datetime) is for tests; by default the current time.
    """
    at = datetime.fromisoformat(now) if now else None
    totals: dict[str, int] = {}
    for _ in range(MAX_BATCHES):
        report = dispatch_deliveries(limit=limit, now=at)
        for key, value in report.as_dict().items():
            totals[key] = totals.get(key, 0) + value
        if report.claimed < limit or report.released:
            break
    return totals
