"""Issue 10.4: on PostgreSQL the web processes' role cannot UPDATE or DELETE audit rows,
and the worker's role may only fill in an event's seal (deploy/postgres-roles.sql)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction

from yiwang.accounts.actor import Actor
from yiwang.common.audit import record, seal_pending
from yiwang.common.models import AuditChainHead, AuditEvent

pytestmark = pytest.mark.django_db
ROLES_SQL = Path(__file__).resolve().parents[2] / "deploy" / "postgres-roles.sql"


@pytest.fixture
def roles() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL roles")
    with connection.cursor() as cursor:
        # Roles are cluster-wide: the test's transaction takes them back with the rest.
        cursor.execute(ROLES_SQL.read_text())


def _as(role: str, sql: str, params: list[object]) -> str:
    """Run `sql` as `role`; the error's SQLSTATE class, or "ok"."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL ROLE {role}")
            cursor.execute(sql, params)
            cursor.execute("RESET ROLE")
    except DatabaseError as exc:
        cause = exc.__cause__
        return str(getattr(cause, "sqlstate", "") or type(exc).__name__)
    return "ok"


def _events() -> tuple[AuditEvent, AuditEvent]:
    record("test.a", object_type="t", object_id=1, actor=Actor.system("t"), after={"n": 1})
    seal_pending()
    record("test.b", object_type="t", object_id=2, actor=Actor.system("t"), after={"n": 2})
    sealed = AuditEvent.objects.get(action="test.a")
    unsealed = AuditEvent.objects.get(action="test.b")
    return sealed, unsealed


DENIED = "42501"  # insufficient_privilege


def test_the_web_role_cannot_update_or_delete_audit_rows(roles: None) -> None:
    sealed, unsealed = _events()
    for target in (sealed, unsealed):
        update = "UPDATE common_auditevent SET action = 'forged' WHERE id = %s"
        assert _as("yiwang_web", update, [target.id]) == DENIED
        assert (
            _as("yiwang_web", "UPDATE common_auditevent SET hash = '' WHERE id = %s", [target.id])
            == DENIED
        )
        assert (
            _as("yiwang_web", "DELETE FROM common_auditevent WHERE id = %s", [target.id]) == DENIED
        )
    assert _as("yiwang_web", "TRUNCATE common_auditevent", []) == DENIED
    assert _as("yiwang_web", "UPDATE common_auditchainhead SET seq = 0", []) == DENIED
    # What the web does: append and read.
    insert = (
        "INSERT INTO common_auditevent (occurred_at, actor, action, object_type, object_id,"
        " prev_hash, hash) VALUES (now(), 'w', 'test.web', 't', '3', '', '')"
    )
    assert _as("yiwang_web", insert, []) == "ok"
    assert _as("yiwang_web", "SELECT count(*) FROM common_auditevent", []) == "ok"
    # And the rest of the data as usual.
    assert _as("yiwang_web", "UPDATE accounts_user SET last_login = now()", []) == "ok"


def test_the_worker_role_only_seals(roles: None) -> None:
    sealed, unsealed = _events()
    content = "UPDATE common_auditevent SET action = 'forged' WHERE id = %s"
    assert _as("yiwang_worker", content, [unsealed.id]) == DENIED  # column not granted
    assert (
        _as("yiwang_worker", "DELETE FROM common_auditevent WHERE id = %s", [unsealed.id]) == DENIED
    )
    reseal = "UPDATE common_auditevent SET hash = repeat('0', 64) WHERE id = %s"
    assert _as("yiwang_worker", reseal, [sealed.id]) == DENIED  # a sealed event is final
    # Sealing itself (the four seal columns of an unsealed event, the head) is allowed.
    seal = "UPDATE common_auditevent SET chain_seq = 2, prev_hash = 'p', hash = 'h', sealed_at = now() WHERE id = %s"
    assert _as("yiwang_worker", seal, [unsealed.id]) == "ok"
    assert _as("yiwang_worker", "UPDATE common_auditchainhead SET seq = 2", []) == "ok"


def test_a_sealed_event_is_final_even_for_a_superuser(roles: None) -> None:
    """Grants do not bind a superuser; the trigger does (anchoring catches the rest)."""
    sealed, _ = _events()
    assert AuditChainHead.objects.get(id=1).seq == 1
    with (
        pytest.raises(DatabaseError, match="is sealed and cannot change"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE common_auditevent SET action = 'x' WHERE id = %s", [sealed.id])
