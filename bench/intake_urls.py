"""Yiwang's URLs plus two reference views for bench/intake.py:

* `bench/floor` — a minimal view doing a single INSERT: the framework floor;
* `bench/write-set` — the rows one submission writes (Idempotency-Key, case, materials,
  timeline entry, message, audit events, and its case number), copied from the latest case
  with hand-written SQL, one statement per table, no checks and no ORM;
* `bench/write-set-one-statement` — the same rows in one PostgreSQL statement
  (data-modifying CTEs): the fewest round trips any implementation could make.
Together: what this write set costs on this machine, the ceiling for `POST /cases`.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from psycopg.types.json import Jsonb

from yiwang.cases.services.numbering import next_case_no
from yiwang.urls import handler400, handler403, handler404, handler500  # noqa: F401
from yiwang.urls import urlpatterns as yiwang_urls


@csrf_exempt
def floor(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_floor (payload) VALUES (%s)", [request.body.decode()])
    return HttpResponse(status=201)


_template: dict[str, Any] = {}


def _rows(cursor: Any, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor.execute(sql, params)
    names = [d.name for d in cursor.description]
    return [
        {n: Jsonb(v) if isinstance(v, dict | list) else v for n, v in zip(names, row, strict=True)}
        for row in cursor.fetchall()
    ]


def _load_template(cursor: Any) -> dict[str, Any]:
    (case,) = _rows(cursor, "SELECT * FROM cases_case ORDER BY id DESC LIMIT 1", [])
    pk, no = case["id"], case["case_no"]
    message = _rows(cursor, "SELECT * FROM notify_message WHERE object_id = %s", [no])[0]
    # The submission's two audit events: the case's, and its message's.
    audit = _rows(
        cursor,
        "SELECT * FROM common_auditevent WHERE object_id = %s"
        " OR (object_type = 'notify.message' AND object_id = %s) ORDER BY id LIMIT 2",
        [no, str(message["id"])],
    )
    return {
        "case": case,
        "materials": _rows(cursor, "SELECT * FROM cases_casematerial WHERE case_id = %s", [pk]),
        "event": _rows(cursor, "SELECT * FROM cases_caseevent WHERE case_id = %s", [pk])[0],
        "message": message,
        "audit": (audit * 2)[:2],
        "key": _rows(
            cursor,
            "SELECT * FROM common_idempotencyrecord WHERE operation = 'cases.submit'"
            " AND object_id = %s",
            [str(pk)],
        )[0],
    }


def _insert(cursor: Any, table: str, rows: list[dict[str, Any]], returning: str = "") -> Any:
    columns = list(rows[0])
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    cursor.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES "  # noqa: S608 - bench only
        + ", ".join([row] * len(rows))
        + (f" RETURNING {returning}" if returning else ""),
        [r[c] for r in rows for c in columns],
    )
    return cursor.fetchone()[0] if returning else None


def _without_id(row: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "id"} | changes


@csrf_exempt
def write_set(request: HttpRequest) -> HttpResponse:
    with transaction.atomic(), connection.cursor() as cursor:
        if "t" not in _template:
            _template["t"] = _load_template(cursor)
        t = _template["t"]
        case = t["case"]
        cursor.execute(
            "SELECT id FROM uploads_upload WHERE id = %s AND owner_id = %s",
            [t["materials"][0]["upload_id"], case["applicant_id"]],
        )
        cursor.execute("SELECT nextval(pg_get_serial_sequence('cases_case', 'id'))")
        (pk,) = cursor.fetchone()
        _insert(
            cursor,
            "common_idempotencyrecord",
            [_without_id(t["key"], object_id=str(pk), key=uuid.uuid4().hex)],
            "id",
        )
        _insert(cursor, "cases_casematerial", [_without_id(m, case_id=pk) for m in t["materials"]])
        _insert(cursor, "cases_caseevent", [_without_id(t["event"], case_id=pk)])
        no = next_case_no(case["region_id"], case["arrived_on"])
        _insert(cursor, "cases_case", [case | {"id": pk, "case_no": no}])
        _insert(cursor, "notify_message", [_without_id(t["message"], object_id=no)], "id")
        unsealed = {"chain_seq": None, "prev_hash": "", "hash": "", "sealed_at": None}
        _insert(
            cursor,
            "common_auditevent",
            [_without_id(a, object_id=no, **unsealed) for a in t["audit"]],
        )
    return HttpResponse(status=201)


def _typed(cursor: Any, table: str, row: dict[str, Any], skip: set[str]) -> tuple[list[str], str]:
    """Columns of `row` except `skip`, and a select list of typed placeholders for them."""
    cursor.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s",
        [table],
    )
    types = dict(cursor.fetchall())
    columns = [c for c in row if c not in skip]
    return columns, ", ".join(f"%s::{types[c]}" for c in columns)


def _one_statement(cursor: Any, t: dict[str, Any]) -> str:
    skip = {"id", "case_id"}
    case_cols, case_sel = _typed(cursor, "cases_case", t["case"], {"id"})
    key_cols, key_sel = _typed(cursor, "common_idempotencyrecord", t["key"], {"id", "object_id"})
    mat_cols, mat_sel = _typed(cursor, "cases_casematerial", t["materials"][0], skip)
    ev_cols, ev_sel = _typed(cursor, "cases_caseevent", t["event"], skip)
    msg_cols, msg_sel = _typed(cursor, "notify_message", t["message"], {"id"})
    au_cols, au_sel = _typed(cursor, "common_auditevent", t["audit"][0], {"id"})
    materials = ", ".join([f"({mat_sel})"] * len(t["materials"]))
    audits = " UNION ALL ".join([f"SELECT {au_sel}"] * len(t["audit"]))
    return (
        "WITH up AS (SELECT 1 FROM uploads_upload WHERE id = %s AND owner_id = %s), "  # noqa: S608
        f"c AS (INSERT INTO cases_case ({', '.join(case_cols)}) SELECT {case_sel} FROM up"
        " RETURNING id), "
        f"k AS (INSERT INTO common_idempotencyrecord ({', '.join(key_cols)}, object_id)"
        f" SELECT {key_sel}, c.id::text FROM c), "
        f"m AS (INSERT INTO cases_casematerial ({', '.join(mat_cols)}, case_id)"
        f" SELECT v.*, c.id FROM c, (VALUES {materials}) AS v), "
        f"e AS (INSERT INTO cases_caseevent ({', '.join(ev_cols)}, case_id)"
        f" SELECT {ev_sel}, c.id FROM c), "
        f"g AS (INSERT INTO notify_message ({', '.join(msg_cols)}) SELECT {msg_sel} FROM c), "
        f"a AS (INSERT INTO common_auditevent ({', '.join(au_cols)}) {audits}) "
        "SELECT id FROM c"
    )


@csrf_exempt
def write_set_one_statement(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:  # autocommit: one statement, one transaction
        if "t" not in _template:
            _template["t"] = _load_template(cursor)
        t = _template["t"]
        if "sql" not in _template:
            _template["sql"] = _one_statement(cursor, t)
        case = t["case"]
        no = next_case_no(case["region_id"], case["arrived_on"])
        unsealed = {"chain_seq": None, "prev_hash": "", "hash": "", "sealed_at": None}

        def values(row: dict[str, Any], skip: set[str], **changes: Any) -> list[Any]:
            return [v for k, v in (row | changes).items() if k not in skip]

        params = [
            t["materials"][0]["upload_id"],
            case["applicant_id"],
            *values(case, {"id"}, case_no=no),
            *values(t["key"], {"id", "object_id"}, key=uuid.uuid4().hex),
            *[p for m in t["materials"] for p in values(m, {"id", "case_id"})],
            *values(t["event"], {"id", "case_id"}),
            *values(t["message"], {"id"}, object_id=no),
            *[p for a in t["audit"] for p in values(a, {"id"}, object_id=no, **unsealed)],
        ]
        cursor.execute(_template["sql"], params)
        if cursor.fetchone() is None:
            return HttpResponse(status=422)
    return HttpResponse(status=201)


urlpatterns = [
    path("bench/floor", floor),
    path("bench/write-set", write_set),
    path("bench/write-set-one-statement", write_set_one_statement),
    *yiwang_urls,
]
