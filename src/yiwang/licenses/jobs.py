"""The signing job: makes every not-yet-signed license (a bulk import's) signed and so
individually verifiable offline (issue 11 item 8, decision 0021).

Resumable by construction: the work is "every row with `signed_at` null", taken in id
order a batch at a time; each batch is one transaction that signs its rows, writes
their digest, signature, key and time, puts them on the change feed as `signed` and
writes one audit event — a job killed at any moment loses at most its open batch, and
the next run starts from what is still unsigned. Running it twice signs nothing twice.

Several processes share the work on PostgreSQL: each takes its batch with
`FOR UPDATE SKIP LOCKED`, so no row is signed by two of them, and only the short write
at the end of a batch waits for the change-feed lock. The signature is exactly the one
the issuing services make (`services.sealing.sign_version`: the canonical metadata's
SM3, the QR payload, SM2 with Z_A once per key), by the issuer's key that signs today.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connection, connections, transaction
from django.utils import timezone
from tqdm import tqdm

from yiwang.accounts.actor import Actor, as_actor
from yiwang.common.audit import record
from yiwang.licenses.choices import ChangeKind
from yiwang.licenses.ingest import crash_hook, die_if
from yiwang.licenses.models import AuthorityKey, License, LicenseChange, LicenseType
from yiwang.licenses.services.issuing import _FEED_LOCK, KEY_ACTOR
from yiwang.licenses.services.keys import ensure_authority_key, key_pair
from yiwang.licenses.services.sealing import sign_version
from yiwang.org.models import Department

#: Rows per signing transaction: ~0.7 s of signing at ~3,000 signatures a second.
SIGN_BATCH = 2000
#: What one run of the periodic task signs at most (~20 s), so a worker that also
#: serves other tasks is not held for the whole of a bulk import.
PERIODIC_LIMIT = 50_000


@dataclass
class SignReport:
    signed: int = 0
    batches: int = 0
    seconds: float = 0.0
    processes: int = 1
    unsigned_left: int = 0
    #: Signing processes that did not finish (killed, crashed): their open batch was
    #: rolled back and is signed by the next run.
    failed_processes: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class _Signer:
    """The types, issuers and signing keys of one run, read once."""

    def __init__(self, today: date) -> None:
        self.today = today
        self.types: dict[int, LicenseType] = {}
        self.issuers: dict[int, Department] = {}
        self.keys: dict[int, AuthorityKey] = {}

    def sign(self, lic: License, now: datetime) -> None:
        lic_type = self.types.get(lic.license_type_id)
        if lic_type is None:
            lic_type = self.types[lic.license_type_id] = LicenseType.objects.get(
                pk=lic.license_type_id
            )
        issuer = self.issuers.get(lic.issuer_id)
        if issuer is None:
            issuer = self.issuers[lic.issuer_id] = Department.objects.get(pk=lic.issuer_id)
        key = self.keys.get(lic.issuer_id)
        if key is None:
            key = self.keys[lic.issuer_id] = ensure_authority_key(
                issuer, actor=KEY_ACTOR, today=self.today
            )
        sign_version(lic, lic_type, issuer, key, key_pair(key), now)


def _claim(batch_size: int) -> list[License]:
    qs = License.objects.filter(signed_at__isnull=True).order_by("id")
    if connection.vendor == "postgresql":
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return list(qs[:batch_size])


def _write_signed(rows: list[License], now: datetime) -> None:
    """Store the batch's signatures and put them on the change feed as `signed`."""
    if connection.vendor != "postgresql":
        License.objects.bulk_update(rows, ["digest", "signature", "key", "signed_at"])
        LicenseChange.objects.bulk_create(
            LicenseChange(license=r, identifier=r.identifier, kind=ChangeKind.SIGNED, at=now)
            for r in rows
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS licenses_sign_stage (id bigint, identifier text,"
            " digest text, signature text, key_id bigint) ON COMMIT DELETE ROWS"
        )
        with cursor.cursor.copy(
            "COPY licenses_sign_stage (id, identifier, digest, signature, key_id) FROM STDIN"
        ) as copy:
            for r in rows:
                copy.write_row((r.pk, r.identifier, r.digest, r.signature, r.key_id))
        cursor.execute(
            "UPDATE licenses_license l SET digest = s.digest, signature = s.signature,"
            " key_id = s.key_id, signed_at = %s FROM licenses_sign_stage s"
            " WHERE l.id = s.id AND l.signed_at IS NULL",
            [now],
        )
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_FEED_LOCK])
        cursor.execute(
            "INSERT INTO licenses_licensechange (license_id, identifier, kind, at)"
            " SELECT id, identifier, %s, %s FROM licenses_sign_stage ORDER BY id",
            [str(ChangeKind.SIGNED), now],
        )
        cursor.execute("TRUNCATE licenses_sign_stage")


def sign_pending(
    *,
    actor: Actor,
    batch_size: int = SIGN_BATCH,
    limit: int | None = None,
    progress: bool = False,
    today: date | None = None,
    counter: Any = None,
) -> SignReport:
    """Sign not-yet-signed licenses, a batch per transaction, until none is left (or
    `limit` are signed). One audit event per batch: the id range, how many, the keys."""
    actor = as_actor(actor)
    started = time.monotonic()
    signer = _Signer(today or timezone.localdate())
    report = SignReport()
    crash = crash_hook("SIGN")
    bar = tqdm(total=limit, unit="sig", file=sys.stderr, disable=not progress, desc="licenses sign")
    try:
        while limit is None or report.signed < limit:
            size = batch_size if limit is None else min(batch_size, limit - report.signed)
            with transaction.atomic():
                rows = _claim(size)
                if not rows:
                    break
                now = timezone.now()
                for lic in rows:
                    signer.sign(lic, now)
                _write_signed(rows, now)
                record(
                    "licenses.signed_batch",
                    None,
                    actor=actor,
                    object_type="licenses.license",
                    object_id=f"{rows[0].pk}-{rows[-1].pk}",
                    after={
                        "signed": len(rows),
                        "first_id": rows[0].pk,
                        "last_id": rows[-1].pk,
                        "keys": sorted({r.key.key_id for r in rows if r.key is not None}),
                    },
                )
                die_if(crash, "inside", report.batches + 1)
            report.signed += len(rows)
            report.batches += 1
            bar.update(len(rows))
            if counter is not None:
                with counter.get_lock():
                    counter.value += len(rows)
            die_if(crash, "after", report.batches)
    finally:
        bar.close()
    report.seconds = round(time.monotonic() - started, 3)
    return report


def _worker(kwargs: dict[str, Any], counter: Any, results: Any) -> None:
    """One signing process (forked): its own database connection, its share of rows."""
    report = sign_pending(counter=counter, **kwargs)
    results.put(report.as_dict())
    connections.close_all()


def sign_in_processes(
    *,
    actor: Actor,
    processes: int | None = None,
    batch_size: int = SIGN_BATCH,
    progress: bool = True,
    today: date | None = None,
) -> SignReport:
    """Sign everything unsigned with `processes` processes (default: one per core) —
    SM2 signing is CPU work in C, so a process per core is what makes 2.6 million fit in
    minutes. SQLite (one writer at a time) signs in this process."""
    actor = as_actor(actor)
    count = processes or os.cpu_count() or 1
    started = time.monotonic()
    if count <= 1 or connection.vendor != "postgresql":
        report = sign_pending(actor=actor, batch_size=batch_size, progress=progress, today=today)
        report.unsigned_left = License.objects.filter(signed_at__isnull=True).count()
        return report
    total = License.objects.filter(signed_at__isnull=True).count()
    # Each child opens its own connection: none may inherit this process's socket.
    connections.close_all()
    context = multiprocessing.get_context("fork")
    counter = context.Value("q", 0)
    results = context.Queue()
    kwargs = {"actor": actor, "batch_size": batch_size, "today": today}
    children = [
        context.Process(target=_worker, args=(kwargs, counter, results), daemon=True)
        for _ in range(count)
    ]
    for child in children:
        child.start()
    bar = tqdm(total=total, unit="sig", file=sys.stderr, disable=not progress, desc="licenses sign")
    try:
        while any(c.is_alive() for c in children):
            bar.update(counter.value - bar.n)
            time.sleep(0.5)
    finally:
        for child in children:
            child.join()
        bar.update(counter.value - bar.n)
        bar.close()
    finished = sum(1 for c in children if c.exitcode == 0)
    reports: list[dict[str, Any]] = []
    while len(reports) < finished:
        reports.append(results.get(timeout=10))
    report = SignReport(
        signed=sum(r["signed"] for r in reports),
        batches=sum(r["batches"] for r in reports),
        seconds=round(time.monotonic() - started, 3),
        processes=count,
        failed_processes=len(children) - finished,
    )
    report.unsigned_left = License.objects.filter(signed_at__isnull=True).count()
    return report


__all__ = [
    "NOT_SIGNED",
    "PERIODIC_LIMIT",
    "SIGN_BATCH",
    "SignReport",
    "StoredCheck",
    "check_stored",
    "sign_in_processes",
    "sign_pending",
]


@dataclass(frozen=True)
class StoredCheck:
    """What `yiwang licenses verify IDENTIFIER` says of one stored license."""

    identifier: str
    result: str  # a VerifyResult value, or "not_signed"
    reason: str = ""


#: The answer for a license the signing job has not reached yet (never `tampered`).
NOT_SIGNED = "not_signed"


def check_stored(identifier: str, *, today: date | None = None) -> StoredCheck | None:
    """Verify one license as an officer's page would, offline: its QR payload rebuilt
    from the row, checked against the published keys only; then the library's status
    (revoked, suspended, superseded) as the online check adds it. None when the library
    holds no such identifier; `not_signed` when the signing job has not reached it."""
    from yiwang.licenses.services import known_keys, payload_of, verify_payload
    from yiwang.licenses.verification import verify_offline

    lic = (
        License.objects.select_related("license_type", "key").filter(identifier=identifier).first()
    )
    if lic is None:
        return None
    if lic.signed_at is None:
        return StoredCheck(identifier, NOT_SIGNED, "the signing job has not reached it yet")
    day = today or timezone.localdate()
    payload = payload_of(lic)
    offline = verify_offline(payload, known_keys(), day)
    if offline.result != "valid":
        return StoredCheck(identifier, str(offline.result), offline.reason)
    online = verify_payload(payload, today=day)
    return StoredCheck(identifier, online.result, online.reason)
