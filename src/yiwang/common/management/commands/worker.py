"""`yiwang worker`: the background task worker plus the periodic-job scheduler."""

from __future__ import annotations

import threading
from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from yiwang.common.scheduler import run_forever


class Command(DbWorkerCommand):
    help = "Run background tasks (django-tasks-db) and enqueue the periodic jobs when due."

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        scheduler = threading.Thread(
            target=run_forever, args=(stop,), name="scheduler", daemon=True
        )
        scheduler.start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
            scheduler.join(timeout=5)
