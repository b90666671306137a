"""A copy of the whole test database in memory, put back in milliseconds: what lets the
tests that commit (browser, race and worker tests) seed their world once per process
instead of once per test (tests/seeding.py, decision 0012).

- SQLite: the database file is copied page by page with SQLite's online backup API, into
  an in-memory database and back (schema, triggers and the FTS5 search tables included).
- PostgreSQL: each non-empty table is copied out with `COPY … TO STDOUT (FORMAT binary)`;
  to restore, those tables are emptied (`TRUNCATE … CASCADE`: the flush after a test
  re-creates content types and permissions, which the copy holds too) and copied back in
  one transaction — foreign keys are deferred, so the order does not matter. Sequences are
  left alone: a flush does not restart them, so they are already past every copied id.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Snapshot:
    vendor: str
    sqlite: sqlite3.Connection | None = None
    tables: dict[str, bytes] = field(default_factory=dict)


def take() -> Snapshot:
    from django.db import connection

    connection.ensure_connection()
    if connection.vendor == "sqlite":
        copy = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(copy)
        return Snapshot("sqlite", sqlite=copy)
    if connection.vendor == "postgresql":
        snapshot = Snapshot("postgresql")
        raw = connection.connection.cursor()
        for table in _tables():
            with raw.copy(f"COPY {_quoted(table)} TO STDOUT (FORMAT binary)") as out:
                data = b"".join(bytes(block) for block in out)
            # An empty table's binary copy is its 19-byte header and 2-byte trailer only.
            if len(data) > 21:
                snapshot.tables[table] = data
        return snapshot
    # The project runs on these two databases only (ARCHITECTURE.md); another one is a
    # configuration error of the test run, said as such rather than copied wrongly.
    raise RuntimeError(f"tests/dbsnapshot.py copies SQLite or PostgreSQL, not {connection.vendor}")


def restore(snapshot: Snapshot) -> None:
    from django.db import connection, transaction

    connection.ensure_connection()
    if snapshot.sqlite is not None:
        snapshot.sqlite.backup(connection.connection)
        return
    with transaction.atomic():
        raw = connection.connection.cursor()
        if snapshot.tables:
            raw.execute(f"TRUNCATE {', '.join(map(_quoted, snapshot.tables))} CASCADE")
        for table, data in snapshot.tables.items():
            with raw.copy(f"COPY {_quoted(table)} FROM STDIN (FORMAT binary)") as into:
                into.write(data)


def _tables() -> list[str]:
    from django.db import connection

    return sorted(connection.introspection.django_table_names(only_existing=True))


def _quoted(table: str) -> Any:
    from django.db import connection

    return connection.ops.quote_name(table)
