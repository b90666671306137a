"""A lean INSERT for the rows the busiest paths write.

A submission writes a handful of rows nobody needs a database-assigned id of right away
(its materials, its timeline entry, its audit events, the case itself once its id is
reserved). `insert_rows` writes them with the column values Django's ORM would write —
each field's `pre_save` and `get_db_prep_save`, so JSON, dates and foreign keys are
adapted exactly the same way on SQLite and PostgreSQL — but without the query compiler
around them, which is most of the Python time of `bulk_create` for a few rows.

No model signals are sent (Yiwang uses none). An instance keeps the id it had, or gets
the new one with `returning_ids=True` (one more column to read back, no extra query).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from django.db import connections, router
from django.db.models import Field, Model


@cache
def _columns(model: type[Model], with_pk: bool, alias: str) -> tuple[tuple[Field, ...], str]:
    meta = model._meta
    fields = tuple(
        f
        for f in meta.concrete_fields
        if not getattr(f, "generated", False) and (with_pk or f is not meta.auto_field)
    )
    quote = connections[alias].ops.quote_name
    return fields, ", ".join(quote(f.column) for f in fields)


def insert_rows(objs: Sequence[Model], *, returning_ids: bool = False) -> None:
    """INSERT instances of one model in one statement, in order.

    Every instance must have its related objects saved (or their ids reserved) and, if
    one has its primary key set, all must.
    """
    if not objs:
        return
    model = type(objs[0])
    with_pk = objs[0].pk is not None
    if any(type(o) is not model or (o.pk is not None) != with_pk for o in objs):
        raise ValueError("insert_rows: one model, and ids set on all rows or on none")
    alias = router.db_for_write(model)
    connection = connections[alias]
    fields, columns = _columns(model, with_pk, alias)
    quote = connection.ops.quote_name
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES "  # noqa: S608
        + ", ".join([row] * len(objs))
    )
    returning = returning_ids and not with_pk
    if returning:
        sql += f" RETURNING {quote(model._meta.pk.column)}"
    params = [
        f.get_db_prep_save(f.pre_save(obj, True), connection=connection)
        for obj in objs
        for f in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if returning:
            for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
                obj.pk = pk
    for obj in objs:
        obj._state.adding = False
        obj._state.db = alias
