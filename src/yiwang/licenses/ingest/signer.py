"""Signing a batch of imported rows before it is written, in a pool of processes."""

from __future__ import annotations

import contextlib
import multiprocessing
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from yiwang.licenses.ingest.rows import Row
from yiwang.licenses.models import AuthorityKey, License, LicenseType
from yiwang.licenses.services.issuing import KEY_ACTOR
from yiwang.licenses.services.keys import ensure_authority_key, key_pair
from yiwang.licenses.services.sealing import sign_version
from yiwang.licenses.signing import KeyPair
from yiwang.org.models import Department

# --------------------------------------------------------------------------- signing


@dataclass(frozen=True)
class Signed:
    """A row's signature, as the issuing services make it (`sealing.sign_version`)."""

    digest: str
    signature: str
    key_id: int  # the AuthorityKey's primary key


def _sign_chunk(
    rows: list[Row],
    types: dict[int, LicenseType],
    issuers: dict[int, Department],
    keys: dict[int, tuple[AuthorityKey, KeyPair]],
    now: datetime,
) -> list[Signed]:
    """Sign rows without touching the database (it runs in the pool's processes):
    everything it needs comes with the call."""
    out = []
    for r in rows:
        lic = License(
            identifier=r.identifier,
            serial=r.serial,
            version=r.version,
            holder_kind=r.holder_kind,
            holder_code=r.holder_code,
            holder_name=r.holder_name,
            issued_on=r.issued_on,
            valid_from=r.valid_from,
            valid_until=r.valid_until,
            metadata=r.metadata,
        )
        key, pair = keys[r.issuer_id]
        sign_version(lic, types[r.type_id], issuers[r.issuer_id], key, pair, now)
        out.append(Signed(lic.digest, lic.signature, key.pk))
    return out


def _sign_star(args: tuple[Any, ...]) -> list[Signed]:
    return _sign_chunk(*args)


def _die_with_parent() -> None:
    """Pool initializer: a worker dies with the import (Linux PR_SET_PDEATHSIG). An
    import killed outright must not leave signing processes behind it."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class Signer:
    """Signs each batch before it is written, in `processes` forked processes (SM2 is
    CPU work in C: a process per core). The workers never open the database: the
    types, issuers and opened keys travel with each chunk. Keys are made (audited, by
    the system) on an issuer's first row, by the issuer's key that signs today."""

    #: Rows per task sent to a process: small enough to spread a batch evenly.
    CHUNK = 250

    def __init__(self, processes: int, today: date) -> None:
        self.today = today
        self.processes = max(1, processes)
        self.types: dict[int, LicenseType] = {}
        self.issuers: dict[int, Department] = {}
        self.keys: dict[int, tuple[AuthorityKey, KeyPair]] = {}
        self.pool: Any = None
        if self.processes > 1:
            self.pool = multiprocessing.get_context("fork").Pool(
                self.processes, initializer=_die_with_parent
            )

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool.join()
            self.pool = None

    def prepare(self, rows: list[Row]) -> None:
        """Read the batch's types and issuers, and their keys (made on first use)."""
        for type_id in {r.type_id for r in rows} - set(self.types):
            self.types[type_id] = LicenseType.objects.get(pk=type_id)
        for issuer_id in {r.issuer_id for r in rows} - set(self.keys):
            issuer = self.issuers[issuer_id] = Department.objects.get(pk=issuer_id)
            key = ensure_authority_key(issuer, actor=KEY_ACTOR, today=self.today)
            self.keys[issuer_id] = (key, key_pair(key))

    def sign(self, rows: list[Row], now: datetime) -> list[Signed]:
        return self.submit(rows, now)()

    def submit(self, rows: list[Row], now: datetime) -> Callable[[], list[Signed]]:
        """Start signing `rows`; the returned function waits for the signatures."""
        self.prepare(rows)
        if self.pool is None:
            done = _sign_chunk(rows, self.types, self.issuers, self.keys, now)
            return lambda: done
        chunks = [rows[i : i + self.CHUNK] for i in range(0, len(rows), self.CHUNK)]
        tasks = [(c, self.types, self.issuers, self.keys, now) for c in chunks]
        pending = self.pool.map_async(_sign_star, tasks)
        return lambda: [s for part in pending.get() for s in part]
