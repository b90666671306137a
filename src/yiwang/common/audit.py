"""Writing, sealing and verifying the audit log (ARCHITECTURE: every write audited).

`record()` is called by services inside their transaction. It only INSERTs, so
concurrent transactions never wait for each other here. Inside `batch()` the events of
one service call are kept and written in one INSERT at the end of the block (a
submission records several: fewer round trips on the busiest path). `seal_pending()` (a
periodic task, and run before `verify`) takes the unsealed events in id order
and links them into the SM3 chain under one short lock on the chain head.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db import transaction
from django.utils import timezone
from gmssl_pyx import sm3_hash

from yiwang.common.db import insert_rows
from yiwang.common.models import AuditChainHead, AuditEvent

GENESIS = "0" * 64
SEAL_BATCH = 2000


def _actor_fields(actor: Any) -> tuple[int | None, str]:
    if actor is None:
        return None, "system"
    if isinstance(actor, str):
        return None, actor
    return getattr(actor, "pk", None), str(getattr(actor, "username", actor))


@dataclass(frozen=True)
class _Batch:
    events: list[AuditEvent]
    savepoints: int  # how deep in savepoints the batch began


_batch: ContextVar[_Batch | None] = ContextVar("audit_batch", default=None)


def _savepoints(connection: Any) -> int:
    return sum(1 for sid in connection.savepoint_ids if sid)


@contextmanager
def batch() -> Iterator[None]:
    """Write the events recorded in this block in one INSERT when it ends without an
    error (an error writes none: the transaction around it is rolled back anyway).

    Use inside the service's transaction, around everything that records; a batch
    inside a batch adds to the outer one.
    """
    if _batch.get() is not None:
        yield
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("audit.batch() must run inside the service's transaction")
    events: list[AuditEvent] = []
    token = _batch.set(_Batch(events, _savepoints(connection)))
    try:
        yield
    finally:
        _batch.reset(token)
    insert_rows(events)


def record(
    action: str,
    obj: Any = None,
    *,
    actor: Any,
    object_type: str | None = None,
    object_id: str | int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event. Call inside the service's transaction.

    `obj` may be a model instance (its type and pk are taken) or None with
    explicit `object_type`/`object_id`. `actor` is a user, a string naming a
    system actor (e.g. "seed", "sweep"), or None for "system".
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = obj.pk if object_id is None else object_id
    actor_id, actor_label = _actor_fields(actor)
    event = AuditEvent(
        occurred_at=timezone.now(),
        actor_id=actor_id,
        actor=actor_label,
        action=action,
        object_type=object_type or "",
        object_id=str(object_id if object_id is not None else ""),
        before=_jsonable(before),
        after=_jsonable(after),
    )
    pending = _batch.get()
    # Inside a savepoint opened within the batch the event is written at once: if that
    # savepoint is rolled back (and the error caught), the event goes with it.
    if pending is not None and _savepoints(transaction.get_connection()) == pending.savepoints:
        pending.events.append(event)
    else:
        event.save(force_insert=True)
    return event


def _jsonable(value: dict[str, Any] | None) -> Any:
    if value is None:
        return None
    # Dates, Decimals and the like become strings once, so the stored JSON and the
    # hashed JSON are the same text on SQLite and PostgreSQL.
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def event_digest(event: AuditEvent, prev_hash: str) -> str:
    """SM3 over the predecessor's hash and a canonical JSON of the event's content."""
    content = {
        "seq": event.chain_seq,
        "id": event.id,
        "occurred_at": event.occurred_at.astimezone(UTC).isoformat(),
        "actor_id": event.actor_id,
        "actor": event.actor,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "before": event.before,
        "after": event.after,
        "prev": prev_hash,
    }
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return bytes(sm3_hash(text.encode("utf-8"))).hex()


def seal_pending(limit: int | None = None) -> int:
    """Seal unsealed events into the chain, oldest id first; returns how many.

    Safe to run concurrently and repeatedly: the chain head row is locked, so a
    second sealer waits and then finds nothing left to do.
    """
    sealed = 0
    while limit is None or sealed < limit:
        batch = SEAL_BATCH if limit is None else min(SEAL_BATCH, limit - sealed)
        with transaction.atomic():
            head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
            events = list(AuditEvent.objects.filter(chain_seq__isnull=True).order_by("id")[:batch])
            if not events:
                break
            now = timezone.now()
            seq, prev = head.seq, head.hash
            for event in events:
                seq += 1
                event.chain_seq = seq
                event.prev_hash = prev
                event.hash = event_digest(event, prev)
                event.sealed_at = now
                prev = event.hash
            AuditEvent.objects.bulk_update(
                events, ["chain_seq", "prev_hash", "hash", "sealed_at"], batch_size=500
            )
            head.seq, head.hash = seq, prev
            head.save(update_fields=["seq", "hash"])
            sealed += len(events)
    return sealed


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    sealed: int
    unsealed: int
    broken_at: int | None = None
    reason: str = ""


def verify_chain() -> VerifyResult:
    """Recompute every sealed link in chain order; report the first break."""
    prev, expected_seq = GENESIS, 1
    count = 0
    events = AuditEvent.objects.filter(chain_seq__isnull=False).order_by("chain_seq")
    for event in events.iterator(chunk_size=2000):
        if event.chain_seq != expected_seq:
            return VerifyResult(
                False,
                count,
                0,
                event.id,
                f"sequence gap: expected {expected_seq}, found {event.chain_seq}",
            )
        if event.prev_hash != prev:
            return VerifyResult(False, count, 0, event.id, "previous-hash link does not match")
        if event_digest(event, prev) != event.hash:
            return VerifyResult(False, count, 0, event.id, "content does not match its hash")
        prev = event.hash
        expected_seq += 1
        count += 1
    head = AuditChainHead.objects.filter(id=1).first()
    if head is not None and (head.seq != count or head.hash != prev):
        return VerifyResult(
            False, count, 0, None, "chain head does not match the last sealed event"
        )
    unsealed = AuditEvent.objects.filter(chain_seq__isnull=True).count()
    return VerifyResult(True, count, unsealed)
