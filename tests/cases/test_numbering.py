"""Case numbers (cases.services.numbering): where the counter is advanced on each database,
and what that means when a submission fails after it was numbered."""

from __future__ import annotations

import gc
import threading
import time
from datetime import date

import pytest
from django.db import connection, transaction

from tests.cases import items
from tests.cases.conftest import CaseApi
from yiwang.cases.models import Case, CaseNumberCounter
from yiwang.cases.services import numbering

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 26)
postgres_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="the counter connection is PostgreSQL's"
)
sqlite_only = pytest.mark.skipif(
    "connection.vendor != 'sqlite'", reason="SQLite keeps the counter in the transaction"
)


class Boom(Exception):
    pass


def _numbered_then_failed() -> str:
    """A submission's transaction that takes a number and then fails."""
    taken: list[str] = []

    def submit() -> None:
        with transaction.atomic():
            taken.append(numbering.next_case_no("220102", DAY))
            raise Boom

    with pytest.raises(Boom):
        submit()
    return taken[0]


def test_numbers_run_per_region_and_day() -> None:
    assert numbering.next_case_no("220102", DAY) == "220102-20261126-000001"
    assert numbering.next_case_no("220102", DAY) == "220102-20261126-000002"
    assert numbering.next_case_no("220104", DAY) == "220104-20261126-000001"
    assert numbering.next_case_no("220102", date(2026, 11, 27)) == "220102-20261127-000001"


@sqlite_only
def test_on_sqlite_a_failed_submission_gives_its_number_back() -> None:
    assert _numbered_then_failed() == "220102-20261126-000001"
    assert numbering.next_case_no("220102", DAY) == "220102-20261126-000001"


@postgres_only
def test_on_postgresql_a_failed_submission_leaves_a_gap_never_a_duplicate() -> None:
    assert _numbered_then_failed() == "220102-20261126-000001"
    # Committed on the counter connection: the rollback did not take it back.
    assert CaseNumberCounter.objects.get(region_code="220102", day=DAY).last == 1
    assert numbering.next_case_no("220102", DAY) == "220102-20261126-000002"


@postgres_only
def test_the_counter_connection_commits_without_waiting_for_the_disk() -> None:
    numbering.next_case_no("220102", DAY)
    conn = numbering._counter.conn
    assert conn is not None
    assert conn.autocommit
    assert conn.execute("SHOW synchronous_commit").fetchone()[0] == "off"
    # ... and it is another session than the request's own.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (own_pid,) = cursor.fetchone()
    assert conn.info.backend_pid != own_pid


@postgres_only
def test_a_counter_connection_the_server_dropped_is_replaced() -> None:
    numbering.next_case_no("220102", DAY)
    dropped = numbering._counter.conn.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [dropped])
    assert numbering.next_case_no("220102", DAY) == "220102-20261126-000002"
    assert numbering._counter.conn.info.backend_pid != dropped


@postgres_only
def test_on_postgresql_reserved_case_ids_come_from_the_sequence() -> None:
    first, second = numbering.reserve_case_pk(), numbering.reserve_case_pk()
    assert second > first
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value FROM cases_case_id_seq")
        assert cursor.fetchone()[0] == second


@sqlite_only
def test_on_sqlite_the_reserved_case_id_is_the_next_one(api: CaseApi) -> None:
    assert numbering.reserve_case_pk() == 1
    case_no = api.apply("citizen", items.NANGUAN)["case_no"]
    assert Case.objects.get(case_no=case_no).pk == 1
    assert numbering.reserve_case_pk() == 2


@postgres_only
def test_a_thread_that_ends_closes_its_counter_connection() -> None:
    """Request threads come and go (a threaded server, the live server of the browser
    tests): each one's counter connection must go with it, not wait for the server."""
    pids: list[int] = []

    def request() -> None:
        numbering.next_case_no("220102", DAY)
        pids.append(numbering._counter.conn.info.backend_pid)

    worker = threading.Thread(target=request)
    worker.start()
    worker.join(timeout=30)
    del worker
    gc.collect()
    with connection.cursor() as cursor:
        for _ in range(50):  # the server notices the closed socket at once, or nearly
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pids[0]])
            if cursor.fetchone()[0] == 0:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the ended thread's counter connection is still open")
