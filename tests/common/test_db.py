"""`common.db.insert_rows`: the lean INSERT writes what the ORM would have written."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext

from yiwang.accounts.actor import Actor
from yiwang.cases.models import Case, CaseEvent
from yiwang.catalog.models import ProcessStep, ServiceItem
from yiwang.common.db import insert_rows
from yiwang.common.models import AuditEvent, Revision

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: Not UTC and with microseconds: both must survive the round trip.
AT = datetime(2026, 9, 15, 10, 30, 15, 123456, tzinfo=SHANGHAI)
#: JSON that a careless adaptation would change: non-ASCII text, nested nulls, floats,
#: booleans, characters SQL and the DB-API treat specially.
DATA: dict[str, Any] = {
    "材料": ["居民身份证", None],
    "n": 3,
    "ratio": 1.5,
    "ok": True,
    "nested": {"empty": [], "none": None},
    "quote": 'it\'s 100% "%s" \\ ;--',
}


@pytest.fixture
def world(demo_users: dict[str, Any]) -> dict[str, Any]:
    from yiwang.catalog.services import load_catalog_data

    load_catalog_data(actor=Actor.system("test"))
    return demo_users


@pytest.fixture
def case(world: dict[str, Any]) -> Case:
    item = ServiceItem.objects.get(code="220000-JT-XK-002")
    return Case.objects.create(
        case_no="220000-20260915-000001",
        item=item,
        applicant=world["citizen"],
        channel="online",
        department=item.department,
        region=item.region,
        submitted_at=AT,
        arrived_on=date(2026, 9, 15),
        query_code_digest="0" * 64,
    )


def _stored(model: type[Model], pk: Any) -> tuple[Any, ...]:
    """The row as the database holds it (every column but the primary key), read without
    the ORM's conversions."""
    meta = model._meta
    quote = connection.ops.quote_name
    columns = [f.column for f in meta.concrete_fields if not f.primary_key]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(meta.db_table)} "  # noqa: S608
            f"WHERE {quote(meta.pk.column)} = %s",
            [pk],
        )
        row = cursor.fetchone()
    assert row is not None
    return tuple(row)


def _loaded(obj: Model) -> dict[str, Any]:
    """The row as the ORM reads it back, without the primary key."""
    meta = obj._meta
    values = (
        type(obj)
        ._default_manager.filter(pk=obj.pk)
        .values(*(f.attname for f in meta.concrete_fields if not f.primary_key))
    )
    return dict(values.get())


def _audit_event(action: str = "test.lean", **overrides: Any) -> AuditEvent:
    values: dict[str, Any] = {
        "occurred_at": AT,
        "actor_id": 42,
        "actor": "张三",
        "action": action,
        "object_type": "cases.case",
        "object_id": "220000-20260915-000001",
        "before": None,
        "after": DATA,
    }
    values.update(overrides)
    return AuditEvent(**values)


def test_audit_events_read_back_as_the_orm_writes_them() -> None:
    # JSON (SQL NULL and an object), a datetime, and columns named by SQL keywords
    # (`action`, `before`, `after`).
    by_orm = _audit_event()
    by_orm.save(force_insert=True)
    lean = _audit_event()
    insert_rows([lean])

    lean_row = AuditEvent.objects.exclude(pk=by_orm.pk).get()
    assert _stored(AuditEvent, lean_row.pk) == _stored(AuditEvent, by_orm.pk)
    assert _loaded(lean_row) == _loaded(by_orm)
    assert lean_row.after == DATA
    assert lean_row.before is None
    assert lean_row.occurred_at == AT
    assert AuditEvent.objects.filter(before__isnull=True).count() == 2
    assert AuditEvent.objects.filter(after__nested__empty=[]).count() == 2
    assert AuditEvent.objects.filter(occurred_at=AT).count() == 2


def test_case_events_with_foreign_keys_read_back_as_the_orm_writes_them(
    case: Case, world: dict[str, Any]
) -> None:
    for actor in (world["reviewer-jilin-transport"], None):
        values: dict[str, Any] = {
            "case": case,
            "kind": "status",
            "action": "accept",
            "from_status": "submitted",
            "to_status": "accepted",
            "actor": actor,
            "unit": "南关区政务服务中心",
            "comment": "同意受理 100% %s",
            "data": DATA,
            "at": AT,
        }
        by_orm = CaseEvent.objects.create(**values)
        lean = CaseEvent(**values)
        insert_rows([lean])
        lean_row = CaseEvent.objects.filter(actor=actor).exclude(pk=by_orm.pk).get()
        assert _stored(CaseEvent, lean_row.pk) == _stored(CaseEvent, by_orm.pk)
        assert _loaded(lean_row) == _loaded(by_orm)
        assert lean_row.case_id == case.pk
        assert lean_row.actor_id == (actor.pk if actor is not None else None)
        assert lean_row.data == DATA
        assert lean_row.at == AT
    assert list(case.events.values_list("data", flat=True)) == [DATA] * 4


def test_a_reserved_word_column_is_quoted(world: dict[str, Any]) -> None:
    # `order` is reserved in SQLite and PostgreSQL alike.
    item = ServiceItem.objects.get(code="220000-JT-XK-002")
    by_orm = ProcessStep.objects.create(
        item=item, order=90, code="extra-orm", name="附加环节", role_id="reviewer", share_percent=5
    )
    lean = ProcessStep(
        item=item, order=91, code="extra-lean", name="附加环节", role_id="reviewer", share_percent=5
    )
    insert_rows([lean])
    lean_row = ProcessStep.objects.get(item=item, code="extra-lean")
    assert lean_row.order == 91
    assert _loaded(lean_row) | {"order": 90, "code": "extra-orm"} == _loaded(by_orm)


def test_several_rows_in_one_statement_keep_their_order() -> None:
    events = [_audit_event(f"test.row{i}", after={"i": i}) for i in range(6)]
    with CaptureQueriesContext(connection) as queries:
        insert_rows(events)
    assert len(queries) == 1
    assert queries[0]["sql"].lstrip().upper().startswith("INSERT")
    rows = list(AuditEvent.objects.order_by("pk").values_list("pk", "action", "after"))
    assert [(action, after) for _, action, after in rows] == [
        (f"test.row{i}", {"i": i}) for i in range(6)
    ]
    pks = [pk for pk, _, _ in rows]
    assert pks == sorted(set(pks))
    # Nothing is returned without asking: the instances keep no id...
    assert all(e.pk is None for e in events)
    # ...but know they are stored.
    assert all(not e._state.adding and e._state.db == "default" for e in events)


def test_returning_ids_gives_each_instance_its_own_id_in_order() -> None:
    events = [_audit_event(f"test.row{i}") for i in range(4)]
    with CaptureQueriesContext(connection) as queries:
        insert_rows(events, returning_ids=True)
    assert len(queries) == 1
    assert all(e.pk is not None for e in events)
    assert [AuditEvent.objects.get(pk=e.pk).action for e in events] == [e.action for e in events]
    assert [e.pk for e in events] == sorted({e.pk for e in events})


def test_preset_primary_keys_are_kept() -> None:
    pks = [900_000_001, 900_000_007]
    events = [_audit_event(f"test.preset{pk}", id=pk) for pk in pks]
    insert_rows(events, returning_ids=True)  # a preset id is not replaced
    assert [e.pk for e in events] == pks
    assert list(AuditEvent.objects.order_by("pk").values_list("pk", "action")) == [
        (pk, f"test.preset{pk}") for pk in pks
    ]

    revision = Revision(name="test.lean", value=7)  # a primary key that is not an id
    insert_rows([revision])
    assert Revision.objects.get(name="test.lean").value == 7


@pytest.mark.parametrize(
    "objs",
    [
        pytest.param(lambda: [_audit_event(id=900_000_001), Revision(name="x")], id="two-models"),
        pytest.param(
            lambda: [_audit_event(id=900_000_001), _audit_event()], id="preset-then-unset"
        ),
        pytest.param(
            lambda: [_audit_event(), _audit_event(id=900_000_001)], id="unset-then-preset"
        ),
        pytest.param(
            lambda: [_audit_event(), _audit_event(), CaseEvent(kind="status", at=AT)],
            id="another-model-last",
        ),
    ],
)
def test_mixed_rows_raise_and_write_nothing(objs: Any) -> None:
    rows = objs()
    with CaptureQueriesContext(connection) as queries, pytest.raises(ValueError, match="one model"):
        insert_rows(rows)
    assert len(queries) == 0
    assert not AuditEvent.objects.exists()
    assert not Revision.objects.filter(name="x").exists()
    assert not CaseEvent.objects.exists()


def test_an_empty_list_issues_no_query() -> None:
    with CaptureQueriesContext(connection) as queries:
        insert_rows([])
        insert_rows([], returning_ids=True)
    assert len(queries) == 0
