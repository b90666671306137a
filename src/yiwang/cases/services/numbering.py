"""Case numbers: `<region>-<yyyymmdd>-<nnnnnn>`, unique under any concurrency.

A per-(region, day) counter row advanced by one upsert. Where it is advanced decides how
much one region's submissions wait for each other:

* PostgreSQL: on a connection of its own, in a transaction of its own, committed without
  waiting for the disk (`synchronous_commit = off`). The row is locked for one statement
  instead of the whole submission — in particular not across the submission's commit,
  which waits for the disk. That is safe: the counter's commit record comes before, in
  the one write-ahead log, the commit of any submission that uses the number, and a
  synchronous commit flushes the log up to its own record; so a crash can only lose
  numbers that no committed case carries, and a number is never given twice.
  A submission that fails after taking its number leaves a gap. Retries of one
  Idempotency-Key do not: the key is claimed before the number is taken.
* SQLite: the IMMEDIATE transaction already serialises every writer, so the counter is
  advanced inside the submission's transaction and given back if it rolls back.
"""

from __future__ import annotations

import contextlib
import threading
from datetime import date
from typing import Any

from django.db import connection

from yiwang.cases.models import Case, CaseNumberCounter


def reserve_case_pk() -> int:
    """The id the new case will have, so that the rows pointing at it (materials,
    timeline entry, Idempotency-Key) can be written before it. PostgreSQL: the id
    sequence; SQLite: the next id, safe as the IMMEDIATE transaction is the only writer."""
    table = Case._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
        else:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608
        (pk,) = cursor.fetchone()
    return int(pk)


def format_case_no(region_code: str, day: date, number: int) -> str:
    """The case number of the `number`-th case of a region and day."""
    return f"{region_code}-{day:%Y%m%d}-{number:06d}"


def next_case_nos(region_code: str, day: date, count: int) -> list[str]:
    """`count` consecutive numbers of one region and day in one upsert of the same
    counter row (bulk writers: the history seed). Inside the caller's transaction, so a
    rolled-back batch gives its numbers back on both databases; the row stays locked
    until it commits (a bulk writer, not the submission path)."""
    table = connection.ops.quote_name(CaseNumberCounter._meta.db_table)
    sql = (
        f"INSERT INTO {table} (region_code, day, last) VALUES (%s, %s, %s) "  # noqa: S608
        f"ON CONFLICT (region_code, day) DO UPDATE SET last = {table}.last + %s RETURNING last"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [region_code, day, count, count])
        (last,) = cursor.fetchone()
    return [format_case_no(region_code, day, n) for n in range(last - count + 1, last + 1)]


def next_case_no(region_code: str, day: date) -> str:
    table = connection.ops.quote_name(CaseNumberCounter._meta.db_table)
    sql = (
        f"INSERT INTO {table} (region_code, day, last) VALUES (%s, %s, 1) "  # noqa: S608
        f"ON CONFLICT (region_code, day) DO UPDATE SET last = {table}.last + 1 RETURNING last"
    )
    if connection.vendor == "postgresql":
        number = _on_counter_connection(sql, [region_code, day])
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, [region_code, day])
            (number,) = cursor.fetchone()
    return format_case_no(region_code, day, number)


class _Held:
    """A counter connection and the database it is for. Closed when its thread ends (the
    thread's locals go, and this with them), so request threads that come and go (a
    threaded server, tests) leave no connection behind."""

    def __init__(self, conn: Any, target: tuple[Any, ...]) -> None:
        self.conn, self.target = conn, target

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()


class _CounterConnection(threading.local):
    """One counter connection per thread (like Django's own), for the database the
    thread's default connection points at."""

    held: _Held | None = None

    @property
    def conn(self) -> Any:
        return self.held.conn if self.held is not None else None


_counter = _CounterConnection()
#: Django's connection parameters that are not libpq's.
_NOT_LIBPQ = frozenset({"cursor_factory", "context", "prepare_threshold"})


def _on_counter_connection(sql: str, params: list[Any]) -> int:
    import psycopg

    for attempt in (1, 2):
        conn = _counter_connection()
        try:
            row = conn.execute(sql, params).fetchone()
            return int(row[0])
        except psycopg.OperationalError:
            # A connection the server dropped (restart, failover): one fresh try.
            close_counter_connection()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _counter_connection() -> Any:
    import psycopg

    params = connection.get_connection_params()
    target = tuple(sorted((k, str(v)) for k, v in params.items() if k not in _NOT_LIBPQ))
    held = _counter.held
    if held is None or held.conn.closed or held.target != target:
        close_counter_connection()
        conn = psycopg.connect(
            **{k: v for k, v in params.items() if k not in _NOT_LIBPQ}, autocommit=True
        )
        conn.execute("SET synchronous_commit = off")
        _counter.held = held = _Held(conn, target)
    return held.conn


def close_counter_connection() -> None:
    """Close this thread's counter connection, if any (it reopens when next needed)."""
    if _counter.held is not None:
        _counter.held.conn.close()
    _counter.held = None
