"""One Idempotency-Key mechanism for every create endpoint of every app (decision 0009).

A client that may retry a create request sends `Idempotency-Key: <key>`. The same actor
and key then always get the same answer, however many retries race:

- **The key** is checked once, by `parse_key`, at the edge (the API endpoint, the web
  form): 1 to `IDEMPOTENCY_KEY_MAX` visible ASCII characters after trimming spaces; an
  over-long or malformed key is 422 `bad_idempotency_key`, never truncated.
- **The fingerprint** is a SHA-256 of a canonical JSON of (operation, actor, body): the
  same key with another body, or on another create endpoint, is 409
  `idempotency_key_reused`, never a silent replay of something else.
- **Races** are decided by the (actor, key) unique index of `IdempotencyRecord`. The
  operation claims the key with one `INSERT … ON CONFLICT DO NOTHING` before it writes
  anything else (for cases: before the case is numbered). A concurrent first use with the
  same key waits on that index (PostgreSQL) or on the IMMEDIATE transaction (SQLite) until
  the first commits, then writes nothing and is answered with what the first made.
- **Replays** are answered from what the record keeps (`object_id`, `data`), for 24 hours;
  `purge` (run hourly by the cases sweep) forgets older keys.

An operation plugs in with `create_once(operation, actor=…, key=…, body=…, create=…,
model=…)` when it makes one row and a retry gets that row again (credit), or with the
general `run(operation, actor=…, key=…, body=…, create=…, replay=…)`: `create(claim)`
calls `claim.take(object_id=…)` before its first write (or `take()` then
`claim.attach(object_id)` when the id is only known after the insert); `replay(record)`
rebuilds the first answer (cases keep the query code in `data`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, TypeVar
from uuid import UUID

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import WithJsonSchema

from yiwang.common.errors import Conflict, ValidationFailed
from yiwang.common.models import IdempotencyRecord
from yiwang.common.models.idempotency import IDEMPOTENCY_KEY_MAX

__all__ = [
    "IDEMPOTENCY_KEY_MAX",
    "IDEMPOTENCY_TTL",
    "BadIdempotencyKey",
    "Claim",
    "HeaderKey",
    "KeyReused",
    "actor_ref",
    "canonical_json",
    "create_once",
    "fingerprint",
    "parse_key",
    "purge",
    "run",
]

T = TypeVar("T")

#: How long a key is remembered (and a case's query code kept for its replay).
IDEMPOTENCY_TTL = timedelta(hours=24)

# Visible ASCII, spaces allowed inside (the value has been trimmed already).
_KEY = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?", re.ASCII)

#: The header's type in an endpoint signature: documented with its limit, checked by
#: `parse_key` (so that a bad key is `bad_idempotency_key`, not a generic 422).
HeaderKey = Annotated[str, WithJsonSchema({"maxLength": IDEMPOTENCY_KEY_MAX, "type": "string"})]


class BadIdempotencyKey(ValidationFailed):
    code = "bad_idempotency_key"
    title = "Idempotency-Key 不符合要求"


class KeyReused(Conflict):
    code = "idempotency_key_reused"
    title = "Idempotency-Key 已用于另一个请求"


class _KeyTaken(Exception):
    """Another request with the same actor and key committed first."""


def parse_key(value: str | None) -> str:
    """The Idempotency-Key as sent, trimmed; "" when there is none.

    Longer than IDEMPOTENCY_KEY_MAX, or holding anything but visible ASCII (and inner
    spaces): BadIdempotencyKey (422). A key is never shortened: two different long keys
    must not become one.
    """
    key = (value or "").strip()
    if not key:
        return ""
    if len(key) > IDEMPOTENCY_KEY_MAX:
        raise BadIdempotencyKey(
            _("Idempotency-Key 不能超过 %(idempotency_key_max)s 个字符")
            % {"idempotency_key_max": IDEMPOTENCY_KEY_MAX},
            code="bad_idempotency_key",
            max_length=IDEMPOTENCY_KEY_MAX,
        )
    if not _KEY.fullmatch(key):
        raise BadIdempotencyKey(
            _("Idempotency-Key 只能由可见的 ASCII 字符组成"), code="bad_idempotency_key"
        )
    return key


def actor_ref(actor: Any) -> str:
    """Whose keys these are: `user:<pk>` for a person (or an actor object carrying one in
    `.user`), else the system actor's name."""
    for candidate in (actor, getattr(actor, "user", None)):
        pk = getattr(candidate, "pk", None)
        if pk is not None and getattr(candidate, "is_authenticated", False):
            return f"user:{pk}"
    return f"system:{actor}"[:64]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal | UUID):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    pk = getattr(value, "pk", None)
    if pk is not None:  # a model instance: who it is, not how it is loaded
        return f"{type(value).__name__}:{pk}"
    return str(value)


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no spaces, ASCII only: equal bodies give equal bytes. ASCII escapes
    (\\uXXXX) also carry strings UTF-8 cannot encode (a lone surrogate) without raising."""
    text = json.dumps(
        value, sort_keys=True, ensure_ascii=True, separators=(",", ":"), default=_plain
    )
    return text.encode("ascii")


def fingerprint(operation: str, actor: str, body: Any) -> str:
    return hashlib.sha256(canonical_json([operation, actor, body])).hexdigest()


@dataclasses.dataclass
class Claim:
    """A key about to be used by one operation; `take` it before the first write."""

    operation: str
    actor: str
    key: str
    fingerprint: str
    at: datetime
    taken: bool = False

    def take(self, *, object_id: str = "", data: dict[str, Any] | None = None) -> None:
        """INSERT the record, or stop: one statement on the (actor, key) unique index.

        If a concurrent request holds the key, PostgreSQL waits here for it to commit
        (or roll back); SQLite's IMMEDIATE transaction has serialised the two already.
        A taken key raises _KeyTaken, which rolls back everything `run` opened.
        """
        table = connection.ops.quote_name(IdempotencyRecord._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} "  # noqa: S608 - the table name is ours
                "(actor, key, operation, fingerprint, object_id, data, created_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (actor, key) DO NOTHING RETURNING id",
                [
                    self.actor,
                    self.key,
                    self.operation,
                    self.fingerprint,
                    object_id,
                    json.dumps(data or {}, ensure_ascii=True),
                    connection.ops.adapt_datetimefield_value(self.at),
                ],
            )
            if cursor.fetchone() is None:
                raise _KeyTaken
        self.taken = True

    def attach(self, object_id: Any) -> None:
        """What the operation made, when its id was only known after the insert."""
        IdempotencyRecord.objects.filter(actor=self.actor, key=self.key).update(
            object_id=str(object_id)
        )


def _earlier(claim: Claim) -> IdempotencyRecord | None:
    found = IdempotencyRecord.objects.filter(actor=claim.actor, key=claim.key).first()
    if found is not None and found.fingerprint != claim.fingerprint:
        raise KeyReused(
            _("该 Idempotency-Key 已用于另一个不同的请求"), code="idempotency_key_reused"
        )
    return found


def run(
    operation: str,
    *,
    actor: Any,
    key: str | None,
    body: Any,
    create: Callable[[Claim | None], T],
    replay: Callable[[IdempotencyRecord], T],
    look_first: bool = True,
    now: datetime | None = None,
) -> T:
    """`create` in a transaction, once per (actor, key); a retry gets `replay(record)`.

    Without a key, `create(None)` simply runs in a transaction. With one, `create` gets a
    Claim and must `take` it before its first write. `look_first=False` skips the read
    before the attempt (the busiest path, POST /cases, claims at once and reads only when
    the key turns out taken).
    """
    key = parse_key(key)
    if not key:
        with transaction.atomic():
            return create(None)
    who = actor_ref(actor)
    claim = Claim(operation, who, key, fingerprint(operation, who, body), now or timezone.now())
    if look_first:
        found = _earlier(claim)
        if found is not None:
            return replay(found)
    try:
        with transaction.atomic():
            made = create(claim)
            if not claim.taken:  # a writer that forgot its key would not be idempotent
                raise RuntimeError(f"{operation}: the Idempotency-Key was never claimed")
            return made
    except _KeyTaken:
        found = _earlier(claim)
        if found is None:  # pragma: no cover - the unique index said it exists
            raise Conflict(_("请求冲突，请重试"), code="idempotency_conflict") from None
        return replay(found)


M = TypeVar("M", bound=Model)


def create_once(
    operation: str,
    *,
    actor: Any,
    key: str | None,
    body: Any,
    create: Callable[[], M],
    model: type[M],
) -> M:
    """`run` for the common case: `create()` makes one row of `model`, and a retry gets
    that row again. The key is claimed before `create` writes anything; the row's id is
    attached to the record once known (one UPDATE)."""

    def attempt(claim: Claim | None) -> M:
        if claim is None:
            return create()
        claim.take()
        made = create()
        claim.attach(made.pk)
        return made

    def again(record: IdempotencyRecord) -> M:
        return model._default_manager.get(pk=record.object_id)

    return run(operation, actor=actor, key=key, body=body, create=attempt, replay=again)


def purge(*, before: datetime) -> int:
    """Forget the keys recorded before `before`; how many."""
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=before).delete()
    return deleted
