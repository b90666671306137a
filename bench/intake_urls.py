"""Yiwang's URLs plus two reference views for bench/intake.py:

* `bench/floor` — a minimal view doing a single INSERT: the framework floor;
* `bench/write-set` — the rows one submission writes (Idempotency-Key, case, materials,
  timeline entry, message, audit events, and its case number), copied from the first case
  with hand-written SQL, no checks and no ORM: what *any* implementation of this write set
  costs on this machine, the ceiling for `POST /cases`.
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
    no = case["case_no"]
    return {
        "case": case,
        "materials": _rows(
            cursor, "SELECT * FROM cases_casematerial WHERE case_id = %s", [case["id"]]
        ),
        "event": _rows(cursor, "SELECT * FROM cases_caseevent WHERE case_id = %s", [case["id"]])[0],
        "message": _rows(cursor, "SELECT * FROM notify_message WHERE object_id = %s", [no])[0],
        "audit": _rows(cursor, "SELECT * FROM common_auditevent WHERE object_id = %s", [no])[:2],
        "key": _rows(cursor, "SELECT * FROM cases_idempotencykey WHERE case_id = %s", [case["id"]])[
            0
        ],
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
            "cases_idempotencykey",
            [_without_id(t["key"], case_id=pk, key=uuid.uuid4().hex)],
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


urlpatterns = [path("bench/floor", floor), path("bench/write-set", write_set), *yiwang_urls]
