"""Periodic jobs: a table of what is due, claimed atomically, enqueued as tasks.

The jobs themselves are data (settings.YIWANG_PERIODIC_JOBS: name -> task path and
interval), so adding a sweep needs no change here. Any number of workers may run
the scheduler: a run is claimed by `UPDATE ... WHERE next_run_at <= now`, which
exactly one of them wins.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from yiwang.common.models import PeriodicJobState

logger = logging.getLogger("yiwang.scheduler")


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: str
    every: timedelta


def configured_jobs() -> list[PeriodicJob]:
    jobs: dict[str, dict[str, Any]] = settings.YIWANG_PERIODIC_JOBS
    return [
        PeriodicJob(name, str(spec["task"]), timedelta(seconds=float(spec["every_seconds"])))
        for name, spec in jobs.items()
    ]


def enqueue_due(now: Any = None) -> list[str]:
    """Enqueue every job whose time has come; returns the names enqueued."""
    now = now or timezone.now()
    enqueued = []
    for job in configured_jobs():
        PeriodicJobState.objects.get_or_create(name=job.name, defaults={"next_run_at": now})
        with transaction.atomic():
            claimed = PeriodicJobState.objects.filter(name=job.name, next_run_at__lte=now).update(
                next_run_at=now + job.every, last_enqueued_at=now
            )
            if claimed:
                # Enqueued in the same transaction as the claim: both happen or neither.
                import_string(job.task).enqueue()
                enqueued.append(job.name)
    return enqueued


def run_forever(stop: threading.Event, tick: float = 1.0) -> None:
    """The scheduler loop the worker runs in a thread until `stop` is set."""
    while not stop.is_set():
        try:
            names = enqueue_due()
            if names:
                logger.info("enqueued %s", ", ".join(names))
        except Exception:
            # A database hiccup must not kill the loop; the next tick tries again.
            logger.exception("scheduler tick failed")
        finally:
            close_old_connections()
        stop.wait(tick)
