"""Writing, sealing and verifying the audit log (ARCHITECTURE: every write audited).

`record()` is called by services inside their transaction. It only INSERTs, so
concurrent transactions never wait for each other here. Inside `batch()` the events of
one service call are kept and written in one INSERT at the end of the block (a
submission records several: fewer round trips on the busiest path). `seal_pending()` (a
periodic task, and run before `verify`) takes the unsealed events in id order
and links them into the SM3 chain under one short lock on the chain head, and anchors
the new head outside the database: a checkpoint signed with the platform's SM2 key
(`common.anchoring`, decision 0016), which `verify_chain` checks the chain against.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, cast

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from gmssl_pyx import sm3_hash

from yiwang.common.anchoring import Checkpoint, checkpoint_store, make_checkpoint, signing_key
from yiwang.common.db import insert_rows
from yiwang.common.models import AuditChainHead, AuditEvent

GENESIS = "0" * 64
SEAL_BATCH = 2000
logger = logging.getLogger("yiwang.audit")


class AuditActor(Protocol):
    """Who acts, as the audit log records it: `accounts.actor.Actor` (the kernel imports
    no app, so it names only what it needs)."""

    @property
    def audit_identity(self) -> tuple[int | None, str]: ...


@dataclass(frozen=True)
class KernelActor:
    """The system acting from inside the kernel (a `common` management command), where
    `accounts.actor.Actor.system(reason)` cannot be imported; recorded by its reason."""

    reason: str

    @property
    def audit_identity(self) -> tuple[int | None, str]:
        return None, self.reason


#: What the audit log can name: an actor, or an account acting for itself.
Auditable = AuditActor | AbstractBaseUser


def audit_actor_of(request: HttpRequest) -> Auditable:
    """The request's actor for the kernel's and org's admin pages: the `request.actor`
    that accounts' ActorMiddleware sets (the kernel cannot name its type); the account
    itself for a request that did not pass the middleware (built by hand)."""
    actor = getattr(request, "actor", None)
    if actor is None:
        return cast(AbstractBaseUser, request.user)
    return cast(AuditActor, actor)


def _actor_fields(actor: AuditActor | AbstractBaseUser | Any) -> tuple[int | None, str]:
    """(account id, actor text): the username of an account, the reason of a system
    actor ("seed", "sweep", "system"). A bare string or None is refused: the system
    acts as `Actor.system(reason)`."""
    identity = getattr(actor, "audit_identity", None)
    if identity is not None:
        return identity
    if isinstance(actor, AbstractBaseUser):
        # An account acting for itself where no request's actor is at hand (the owner
        # of an upload, the reader of a message, a test): its username.
        return actor.pk, str(actor.get_username())
    raise TypeError(f"an Actor is required, not {type(actor).__name__}")


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
    actor: Auditable,
    object_type: str | None = None,
    object_id: str | int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event. Call inside the service's transaction.

    `obj` may be a model instance (its type and pk are taken) or None with
    explicit `object_type`/`object_id`. `actor` is an `accounts.actor.Actor`: an
    account (recorded by username) or `Actor.system(reason)` (recorded by reason).
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


def _hash_at(seq: int, head: AuditChainHead) -> str | None:
    if seq == head.seq:
        return head.hash
    if seq == 0:
        return GENESIS
    return AuditEvent.objects.filter(chain_seq=seq).values_list("hash", flat=True).first()


def _anchor(head: AuditChainHead, *, fresh: bool, now: datetime, force: bool = False) -> bool:
    """Append a signed checkpoint of `head` (locked by the caller) if one is due.

    Only a chain that continues the last checkpoint is anchored: the sealer must never
    sign a head that was rewritten or cut off under it, nor start over after the
    checkpoints were deleted — `fresh` (the chain was empty when this batch began) or
    `force` (`yiwang audit anchor`, after a verify) may start a store that has none.
    """
    store = checkpoint_store()
    last = store.last()
    if last is None:
        if not (fresh or force or head.seq == 0):
            logger.error(
                "audit chain not anchored: %s holds no checkpoint for a chain of %s events "
                "(restore it, or run `yiwang audit anchor` once after an upgrade)",
                store.describe(),
                head.seq,
            )
            return False
    else:
        if last.seq == head.seq and last.hash == head.hash:
            return False  # nothing new
        if last.seq > head.seq or _hash_at(last.seq, head) != last.hash:
            logger.error(
                "audit chain not anchored: it does not continue the checkpoint of seq %s "
                "(run `yiwang audit verify`)",
                last.seq,
            )
            return False
        interval = timedelta(seconds=settings.YIWANG_AUDIT_ANCHOR_SECONDS)
        if not force and now - last.signed_at < interval:
            return False
    if head.seq == 0:
        return False
    store.append(make_checkpoint(head.seq, head.hash, head.seq, now.astimezone(UTC)))
    return True


def anchor_head() -> bool:
    """`yiwang audit anchor`: sign the current head now (the first checkpoint of a chain
    sealed before anchoring existed). Call after `verify_chain` says the links hold."""
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
        return _anchor(head, fresh=False, now=timezone.now(), force=True)


def seal_pending(limit: int | None = None) -> int:
    """Seal unsealed events into the chain, oldest id first, and anchor the new head
    (a signed checkpoint outside the database, at most every YIWANG_AUDIT_ANCHOR_SECONDS);
    returns how many were sealed.

    Safe to run concurrently and repeatedly: the chain head row is locked, so a
    second sealer waits and then finds nothing left to do. The checkpoint is written
    under the same lock, so checkpoints are appended in chain order.
    """
    sealed = 0
    signing_key()  # a missing or unreadable key fails here, before anything is sealed
    while limit is None or sealed < limit:
        batch = SEAL_BATCH if limit is None else min(SEAL_BATCH, limit - sealed)
        with transaction.atomic():
            head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
            events = list(AuditEvent.objects.filter(chain_seq__isnull=True).order_by("id")[:batch])
            now = timezone.now()
            if not events:
                _anchor(head, fresh=False, now=now)  # a tail left unanchored by the interval
                break
            fresh = head.seq == 0
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
            _anchor(head, fresh=fresh, now=now)
            sealed += len(events)
    return sealed


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    sealed: int
    unsealed: int
    broken_at: int | None = None
    reason: str = ""
    unanchored: int = 0  # sealed events after the last checkpoint
    checkpoints: int = 0


def _checkpoints() -> tuple[dict[int, Checkpoint], str | None]:
    """The signed checkpoints by seq, or the reason they cannot be trusted."""
    store = checkpoint_store()
    key = signing_key()
    by_seq: dict[int, Checkpoint] = {}
    for n, entry in enumerate(store.read_all(), start=1):
        if not isinstance(entry, Checkpoint):
            return by_seq, f"checkpoint line {n} of {store.describe()} is not a checkpoint"
        if entry.key_id != key.key_id:
            return (
                by_seq,
                f"checkpoint line {n} is signed by key {entry.key_id}, "
                f"not the platform's key {key.key_id}",
            )
        if not key.verifies(entry.signed_bytes(), entry.signature):
            return by_seq, f"checkpoint line {n}: the signature does not verify (forged)"
        known = by_seq.get(entry.seq)
        if known is not None and known.hash != entry.hash:
            return by_seq, f"two signed checkpoints of seq {entry.seq} disagree"
        by_seq[entry.seq] = entry
    return by_seq, None


def verify_chain(*, anchored: bool = True) -> VerifyResult:
    """Recompute every sealed link in chain order and compare it with the signed
    checkpoints; report the first break: a changed event, a rewritten chain (its hash
    at a signed seq differs), a truncated one (a signed seq beyond its end), a missing
    checkpoint store, or a checkpoint that is not validly signed. `anchored=False` checks
    the links alone (`yiwang audit anchor`, before the first checkpoint)."""
    checkpoints, problem = _checkpoints() if anchored else ({}, None)
    if problem is not None:
        return VerifyResult(False, 0, 0, None, problem)
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
        signed = checkpoints.get(event.chain_seq)
        if signed is not None and signed.hash != event.hash:
            return VerifyResult(
                False,
                count,
                0,
                event.id,
                f"rewritten: the chain at seq {signed.seq} differs from the checkpoint "
                f"signed {signed.time}",
            )
        prev = event.hash
        expected_seq += 1
        count += 1
    last = checkpoints[max(checkpoints)] if checkpoints else None
    if last is not None and last.seq > count:
        return VerifyResult(
            False,
            count,
            0,
            None,
            f"truncated: the chain ends at seq {count}, a checkpoint signed {last.time} "
            f"has seq {last.seq} ({last.seq - count} events missing)",
        )
    if last is None and count and anchored:
        return VerifyResult(
            False,
            count,
            0,
            None,
            f"missing checkpoint: {count} sealed events and no signed checkpoint "
            f"in {checkpoint_store().describe()}",
        )
    head = AuditChainHead.objects.filter(id=1).first()
    if head is not None and (head.seq != count or head.hash != prev):
        return VerifyResult(
            False, count, 0, None, "chain head does not match the last sealed event"
        )
    unsealed = AuditEvent.objects.filter(chain_seq__isnull=True).count()
    unanchored = count - (last.seq if last is not None else 0)
    return VerifyResult(True, count, unsealed, unanchored=unanchored, checkpoints=len(checkpoints))
