"""`audit.batch()`: the events one service call records, written in one INSERT at the end."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from yiwang.accounts.actor import Actor
from yiwang.common import audit
from yiwang.common.audit import batch, record, seal_pending, verify_chain
from yiwang.common.models import AuditEvent

pytestmark = pytest.mark.django_db

AUDIT_TABLE = AuditEvent._meta.db_table


class Boom(Exception):
    pass


def _record(action: str, n: int = 0) -> AuditEvent:
    return record(
        action,
        actor=Actor.system("tester"),
        object_type="test.thing",
        object_id=n,
        before={"n": n},
        after={"n": n + 1, "名称": "南关区"},
    )


def _fail_in_batch(*actions: str) -> None:
    with batch():
        for action in actions:
            _record(action)
        raise Boom


def _fail_in_service(*actions: str) -> None:
    with transaction.atomic(), batch():
        for action in actions:
            _record(action)
        raise Boom


def _actions() -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))


def _inserts(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("INSERT")
    ]


def test_events_are_written_in_one_insert_when_the_block_ends() -> None:
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        with batch():
            with CaptureQueriesContext(connection) as recording:
                for n in range(3):
                    _record(f"test.batched{n}", n)
            assert len(recording) == 0
            assert not AuditEvent.objects.exists()  # nothing yet
        assert _actions() == ["test.batched0", "test.batched1", "test.batched2"]
    inserts = _inserts(queries)
    assert len(inserts) == 1
    assert AUDIT_TABLE in inserts[0]


def test_a_batched_event_is_stored_as_an_unbatched_one_is() -> None:
    plain = _record("test.same", 7)
    with transaction.atomic(), batch():
        _record("test.same", 7)
    stored = list(
        AuditEvent.objects.order_by("pk").values(
            "actor_id", "actor", "action", "object_type", "object_id", "before", "after"
        )
    )
    assert len(stored) == 2
    assert stored[0] == stored[1]
    assert stored[1]["after"] == {"n": 8, "名称": "南关区"}
    batched = AuditEvent.objects.order_by("pk").last()
    assert batched is not None
    assert batched.occurred_at >= plain.occurred_at
    assert batched.chain_seq is None
    assert batched.hash == ""


def test_an_error_inside_the_block_writes_none_of_its_events() -> None:
    # The transaction around the batch survives (the error is caught inside it), so
    # only batch() itself can keep the events out.
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries, pytest.raises(Boom):
            _fail_in_batch("test.lost1", "test.lost2")
        assert len(queries) == 0
    assert not AuditEvent.objects.exists()
    # And the batch is over: the next event is written at once.
    _record("test.after")
    assert _actions() == ["test.after"]


def test_an_error_inside_a_service_transaction_writes_nothing() -> None:
    with pytest.raises(Boom):
        _fail_in_service("test.lost")
    assert not AuditEvent.objects.exists()


def test_a_batch_inside_a_batch_is_written_once_at_the_outer_end() -> None:
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        with batch():
            _record("test.outer1")
            with batch():
                _record("test.inner")
            assert len(queries) == 0  # the inner end writes nothing
            _record("test.outer2")
        assert len(_inserts(queries)) == 1
    assert _actions() == ["test.outer1", "test.inner", "test.outer2"]


def test_a_batch_ends_with_its_block_so_later_events_are_written_at_once() -> None:
    with transaction.atomic():
        with batch():
            _record("test.batched")
        with CaptureQueriesContext(connection) as queries:
            _record("test.alone")
        assert len(_inserts(queries)) == 1
        assert _actions() == ["test.batched", "test.alone"]
    assert audit._batch.get() is None


def test_an_unbatched_event_in_a_rolled_back_savepoint_is_not_kept() -> None:
    # The contract the batched test below holds batch() to.
    with transaction.atomic():
        _record("test.kept")
        try:
            with transaction.atomic():
                _record("test.rolled_back")
                raise Boom
        except Boom:
            pass
    assert _actions() == ["test.kept"]


def test_a_batched_event_in_a_rolled_back_savepoint_is_not_kept() -> None:
    with transaction.atomic(), batch():
        _record("test.kept")
        try:
            with transaction.atomic():
                _record("test.rolled_back")
                raise Boom
        except Boom:
            pass
    assert _actions() == ["test.kept"]


@pytest.mark.django_db(transaction=True)
def test_batch_outside_a_transaction_is_refused() -> None:
    assert not connection.in_atomic_block
    with pytest.raises(RuntimeError, match="must run inside"), batch():
        _record("test.never")  # pragma: no cover - not reached
    assert audit._batch.get() is None
    assert not AuditEvent.objects.exists()


def test_batched_events_are_sealed_and_verified_like_any_other() -> None:
    _record("test.plain0")
    with transaction.atomic(), batch():
        for n in range(3):
            _record(f"test.batched{n}", n)
    _record("test.plain1")
    with transaction.atomic(), batch():
        _record("test.batched3", 3)

    assert seal_pending() == 6
    chain: list[Any] = list(
        AuditEvent.objects.order_by("chain_seq").values_list("chain_seq", "action")
    )
    assert chain == list(
        enumerate(
            [
                "test.plain0",
                "test.batched0",
                "test.batched1",
                "test.batched2",
                "test.plain1",
                "test.batched3",
            ],
            start=1,
        )
    )
    result = verify_chain()
    assert result.ok, result.reason
    assert (result.sealed, result.unsealed) == (6, 0)

    # A batched event is really in the chain: changing it breaks verification there.
    tampered = AuditEvent.objects.get(action="test.batched1")
    AuditEvent.objects.filter(pk=tampered.pk).update(after={"n": 999})
    broken = verify_chain()
    assert not broken.ok
    assert broken.broken_at == tampered.pk
