"""The audit log: append-only events sealed into an SM3 hash chain, and its verification."""

from __future__ import annotations

import datetime
import io
import itertools
import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from gmssl_pyx import sm3_hash

from yiwang.accounts.actor import SYSTEM, Actor
from yiwang.common.audit import GENESIS, event_digest, record, seal_pending, verify_chain
from yiwang.common.models import AuditChainHead, AuditEvent

pytestmark = pytest.mark.django_db


def _record_some(n: int) -> list[AuditEvent]:
    return [
        record(
            "test.changed",
            object_type="test.thing",
            object_id=i,
            actor=Actor.system("tester"),
            before={"n": i},
            after={"n": i + 1, "名称": "南关区"},
        )
        for i in range(n)
    ]


def _verify(*args: str) -> tuple[str, int]:
    out = io.StringIO()
    try:
        call_command("audit", "verify", *args, stdout=out)
    except SystemExit as exc:
        return out.getvalue().strip(), int(exc.code or 0)
    return out.getvalue().strip(), 0


def test_sm3_is_the_standard_digest() -> None:
    # GB/T 32905-2016, appendix A, example 1.
    expected = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert bytes(sm3_hash(b"abc")).hex() == expected


def test_record_appends_unsealed_then_sealing_links_each_to_its_predecessor() -> None:
    events = _record_some(5)
    assert all(e.chain_seq is None and e.hash == "" for e in events)
    assert seal_pending() == 5
    sealed = list(AuditEvent.objects.order_by("chain_seq"))
    assert [e.chain_seq for e in sealed] == [1, 2, 3, 4, 5]
    assert sealed[0].prev_hash == GENESIS
    for prev, event in itertools.pairwise(sealed):
        assert event.prev_hash == prev.hash
        assert len(event.hash) == 64
    head = AuditChainHead.objects.get()
    assert (head.seq, head.hash) == (5, sealed[-1].hash)
    assert seal_pending() == 0  # a second run finds nothing to do


def test_verify_reports_ok_with_the_count() -> None:
    _record_some(3)
    assert _verify() == ("ok 3 events", 0)
    _record_some(2)
    assert _verify() == ("ok 5 events", 0)


def test_verify_without_sealing_reports_what_is_not_yet_sealed() -> None:
    _record_some(2)
    seal_pending()
    _record_some(3)
    assert _verify("--no-seal") == ("ok 2 events (3 not yet sealed)", 0)


def test_editing_a_stored_event_with_raw_sql_is_found() -> None:
    events = _record_some(6)
    seal_pending()
    victim = events[3]
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET action = %s WHERE id = %s",  # noqa: S608 - table name is ours
            ["test.forged", victim.id],
        )
    assert _verify() == (f"broken at {victim.id}: content does not match its hash", 1)


def test_deleting_an_event_is_found() -> None:
    events = _record_some(4)
    seal_pending()
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [events[1].id])  # noqa: S608
    result = verify_chain()
    assert not result.ok
    assert result.broken_at == events[2].id
    assert "sequence gap" in result.reason


def test_rehashing_a_forged_event_still_breaks_the_next_link() -> None:
    events = _record_some(3)
    seal_pending()
    forged = AuditEvent.objects.get(id=events[0].id)
    forged.after = {"n": 999}
    forged.hash = event_digest(forged, forged.prev_hash)
    AuditEvent.objects.filter(id=forged.id).update(after=forged.after, hash=forged.hash)
    result = verify_chain()
    assert not result.ok
    assert result.broken_at == events[1].id
    assert result.reason == "previous-hash link does not match"


def test_values_are_normalised_to_json_and_system_actor_named() -> None:
    event = record(
        "test.dates",
        object_type="t",
        object_id="1",
        actor=SYSTEM,
        after={"when": datetime.date(2026, 10, 10)},
    )
    event.refresh_from_db()
    assert event.after == {"when": "2026-10-10"}
    assert event.actor == "system"
    seal_pending()
    assert verify_chain().ok  # what was hashed is what is stored


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_and_sealers_produce_one_unbroken_chain() -> None:
    """Writers never wait on the chain head; two sealers racing seal each event exactly once."""
    errors: list[BaseException] = []

    def run(fn: object, times: int) -> None:
        try:
            for _ in range(times):
                fn()  # type: ignore[operator]
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    def write_one() -> None:
        with transaction.atomic():
            _record_some(1)

    threads = [threading.Thread(target=run, args=(write_one, 20)) for _ in range(3)]
    threads += [threading.Thread(target=run, args=(seal_pending, 10)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    seal_pending()
    result = verify_chain()
    assert result.ok, result
    assert result.sealed == 60
    assert sorted(AuditEvent.objects.values_list("chain_seq", flat=True)) == list(range(1, 61))
