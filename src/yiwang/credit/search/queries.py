"""The name search's reads, per database (a part of the selectors; see
credit.search.textindex for how names become index terms, docs/credit.md for the
measurements).

PostgreSQL holds two ways to find the first N names containing a term, and neither is
good for every term. A GIN index (pg_trgm for 3+ characters, the bigram index for 2)
must read the term's whole posting list before the first row comes back: cheap for a
rare term, ~0.25 µs per entry for a common one (a term in 1 name in 10 costs 250 ms at
9 million names). A sequential scan stops at the LIMIT: cheap for a common term,
hopeless for a rare one (the whole table). The planner's row estimates are good here —
the bigram index's element statistics, the name column's 1000-bucket histogram — but
its cost model weighs the two badly for this shape (it picks the index up to densities
where the scan is ten times faster). So `contains` asks the planner for its estimate,
prices both ways with the costs measured at 9 million names, and runs the cheaper one,
with the other switched off for that transaction. The estimate also gives the public an
approximate total when the exact count stops at the cap.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from yiwang.credit.models import Enterprise
from yiwang.credit.search import textindex

#: Microseconds per row a sequential scan tests, and per entry a GIN bitmap scan reads
#: (bench/credit.py at 9 million names, PostgreSQL 15, 2 cores, data cached).
SEQ_ROW_US = {"LIKE": 0.7, "ILIKE": 1.0}
GIN_ENTRY_US = {"trigram": 0.3, "bigram": 0.35}
#: How long the table's row count (for densities) is trusted.
ROW_COUNT_SECONDS = 300.0


@dataclass(frozen=True)
class Matches:
    rows: list[tuple[int, str]]  # (id, name), at most the limit asked for
    estimate: int | None  # the planner's estimate of all matches, if it has one
    strategy: str  # "scan" | "index" | "fts" | "orm", for the benchmark and the logs


def contains(term: str, *, limit: int) -> Matches:
    """Up to `limit` enterprises whose name contains `term`, case-insensitively, with
    every character (`%`, `_`, `\\`, quotes) taken literally."""
    if connection.vendor == "postgresql":
        return _postgres(term, limit)
    if connection.vendor == "sqlite":
        return Matches(_sqlite(term, limit), None, "fts")
    # Any other database: a scan (Django escapes the wildcards).
    rows = list(Enterprise.objects.filter(name__icontains=term).values_list("id", "name")[:limit])
    return Matches(rows, None, "orm")


def _cased(term: str) -> bool:
    return term.lower() != term.upper()


_row_count: tuple[float, float] = (0.0, 0.0)


def _table_rows(cursor: Any) -> float:
    """The table's row count as of its last ANALYZE (cached a while; a table never
    analysed, reltuples -1, is asked again next time)."""
    global _row_count
    checked, rows = _row_count
    if rows > 0 and time.monotonic() - checked < ROW_COUNT_SECONDS:
        return rows
    cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'credit_enterprise'::regclass")
    row = cursor.fetchone()
    rows = float(row[0]) if row and row[0] is not None else 0.0
    if rows > 0:
        _row_count = (time.monotonic(), rows)
    return max(rows, 1.0)


def _estimate(cursor: Any, where: str, params: list[Any]) -> int:
    cursor.execute(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM credit_enterprise WHERE {where}", params)  # noqa: S608 - where is one of two constants
    plan = cursor.fetchone()[0]
    if isinstance(plan, str):  # a driver that does not decode json
        import json

        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def _postgres(term: str, limit: int) -> Matches:
    # LIKE where case cannot matter (Chinese): the same answer as ILIKE, cheaper per row.
    op = "ILIKE" if _cased(term) else "LIKE"
    pattern = f"%{textindex.like_escape(term)}%"
    if len(term) >= 3:
        index_where, index_params, kind = f"name {op} %s", [pattern], "trigram"
        estimate_where, estimate_params = index_where, index_params
    else:
        estimate_where = "credit_bigrams(name) @> ARRAY[lower(%s)]::text[]"
        estimate_params = [term]
        index_where = f"{estimate_where} AND name {op} %s"
        index_params, kind = [term, pattern], "bigram"
    with transaction.atomic(), connection.cursor() as cursor:
        estimate = _estimate(cursor, estimate_where, estimate_params)
        rows = _table_rows(cursor)
        density = max(estimate, 1) / rows
        scan_us = min(rows, limit / density) * SEQ_ROW_US[op]
        index_us = estimate * GIN_ENTRY_US[kind]
        # Small LIMIT queries: starting parallel workers costs more than it saves.
        settings = "SET LOCAL max_parallel_workers_per_gather = 0"
        if scan_us < index_us:
            strategy, where, params = "scan", f"name {op} %s", [pattern]
            settings += "; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_indexscan = off"
        else:
            strategy, where, params = "index", index_where, index_params
        cursor.execute(settings)
        cursor.execute(
            f"SELECT id, name FROM credit_enterprise WHERE {where} LIMIT %s",  # noqa: S608 - constants
            [*params, limit],
        )
        found = [(int(r[0]), str(r[1])) for r in cursor.fetchall()]
    return Matches(found, estimate, strategy)


def _sqlite(term: str, limit: int) -> list[tuple[int, str]]:
    with connection.cursor() as cursor:
        if len(term) >= 3:
            cursor.execute(
                "SELECT rowid, name FROM credit_enterprise_trgm "
                "WHERE credit_enterprise_trgm MATCH %s LIMIT %s",
                [textindex.fts_phrase(term), limit],
            )
        else:
            cursor.execute(
                "SELECT id, name FROM credit_enterprise WHERE id IN ("
                " SELECT rowid FROM credit_enterprise_bigram"
                " WHERE credit_enterprise_bigram MATCH %s LIMIT %s)",
                [textindex.fts_phrase(textindex.bigram_token(term)), limit],
            )
        return [(int(r[0]), str(r[1])) for r in cursor.fetchall()]


def starting_with(term: str, *, limit: int) -> list[tuple[int, str]]:
    """Names equal to or starting with `term` (B-tree range scans), to rank them first
    even when the capped `contains` set happened not to include them."""
    exact = list(Enterprise.objects.filter(name=term).values_list("id", "name")[:limit])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # LIKE 'x%' uses the varchar_pattern_ops index Django creates beside `name`'s.
            cursor.execute(
                "SELECT id, name FROM credit_enterprise WHERE name LIKE %s LIMIT %s",
                [f"{textindex.like_escape(term)}%", limit],
            )
        elif connection.vendor == "sqlite":
            # BINARY collation compares UTF-8 bytes, i.e. code points: a range is a prefix.
            cursor.execute(
                "SELECT id, name FROM credit_enterprise WHERE name >= %s AND name < %s LIMIT %s",
                [term, term + "\U0010ffff", limit],
            )
        else:
            return exact
        return exact + [(int(r[0]), str(r[1])) for r in cursor.fetchall()]
