"""Racing requests in threads, for the tests that prove one winner (concurrency,
idempotency): each thread has its own client and database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test import Client

from yiwang.cases.services.numbering import close_counter_connection


def race(n: int, work: Callable[[int, Client], Any]) -> list[Any]:
    """Run `work` in n threads released at the same moment; each has its own client and
    database connection. Returns the results in thread order."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        client = Client()
        try:
            barrier.wait(timeout=30)
            results[i] = work(i, client)
        except Exception as exc:  # reported by the assertions below
            results[i] = exc
        finally:
            connection.close()
            close_counter_connection()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results
