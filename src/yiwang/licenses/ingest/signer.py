"""The import's pool of processes: each chunk of raw records is parsed, checked, signed
and encoded there (`ingest.work`); the parent keeps the keys (made on an issuer's first
row, audited) and writes what comes back."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from yiwang.licenses.ingest.work import Chunk, SigningKey, Work, init_process, run_chunk, run_task
from yiwang.licenses.services.issuing import KEY_ACTOR
from yiwang.licenses.services.keys import ensure_authority_key, key_pair
from yiwang.org.models import Department


class Signer:
    """Runs `work.run_chunk` over a batch of records in `processes` forked processes
    (SM2 is CPU work in C: a process per core), or in this process with one. The
    workers never open the database: the import's context is theirs from the fork, and
    the opened keys travel with each chunk (a few small values). With `sign=False` the
    rows are only checked and encoded (an unsigned import)."""

    #: Records per task sent to a process: small enough to spread a batch evenly.
    CHUNK = 250

    def __init__(self, processes: int, today: date, work: Work, *, sign: bool = True) -> None:
        self.today = today
        self.work = work
        self.sign = sign
        self.processes = max(1, processes)
        self.keys: dict[int, SigningKey] = {}
        self.pool: Any = None
        if self.processes > 1:
            self.pool = multiprocessing.get_context("fork").Pool(
                self.processes, initializer=init_process, initargs=(work,)
            )

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool.join()
            self.pool = None

    def make_keys(self, issuer_ids: set[int]) -> None:
        """The key each issuer signs with today (made on first use, audited, by the
        system), opened once."""
        for issuer_id in sorted(issuer_ids - set(self.keys)):
            issuer = Department.objects.get(pk=issuer_id)
            key = ensure_authority_key(issuer, actor=KEY_ACTOR, today=self.today)
            self.keys[issuer_id] = SigningKey(key.pk, key.key_id, key_pair(key))

    def submit(
        self, records: list[tuple[int, bytes]], now: datetime, copy_text: bool
    ) -> Callable[[], list[Chunk]]:
        """Start on `records`; the returned function waits for the chunks, in order."""
        keys = dict(self.keys) if self.sign else None
        if self.pool is None:
            done = [run_chunk(records, keys, now, copy_text, self.work)]
            return lambda: done
        tasks = [
            (records[i : i + self.CHUNK], keys, now, copy_text)
            for i in range(0, len(records), self.CHUNK)
        ]
        pending = self.pool.map_async(run_task, tasks)
        return lambda: list(pending.get())

    def run(self, records: list[tuple[int, bytes]], now: datetime, copy_text: bool) -> list[Chunk]:
        return self.submit(records, now, copy_text)()
