"""Issue 10.4: the audit chain anchored outside the database (decision 0016).

Whoever can write the database can change an event and recompute every later hash and
the head; the chain alone then verifies. The signed checkpoints outside the database
(SM2, the platform's key, an append-only store) are what `yiwang audit verify` now
compares the chain with. Each attack below is one the chain alone lets through — the
tests say so (`verify_chain(anchored=False)` is what verify did before).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from yiwang.accounts.actor import Actor
from yiwang.common.anchoring import (
    CHECKPOINT_FILE,
    Checkpoint,
    checkpoint_store,
    generate_key_file,
    key_id_of,
    signing_key,
)
from yiwang.common.audit import event_digest, record, seal_pending, verify_chain
from yiwang.common.models import AuditChainHead, AuditEvent

pytestmark = pytest.mark.django_db
TABLE = AuditEvent._meta.db_table
HEAD_TABLE = AuditChainHead._meta.db_table
REPO_ROOT = Path(__file__).resolve().parents[2]


def _record_some(n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        record(
            "test.changed",
            object_type="test.thing",
            object_id=i,
            actor=Actor.system("t"),
            after={"n": i},
        )


def _verify() -> tuple[str, int]:
    out = io.StringIO()
    try:
        call_command("audit", "verify", stdout=out)
    except SystemExit as exc:
        return out.getvalue().strip(), int(exc.code or 0)
    return out.getvalue().strip(), 0


def _checkpoint_path() -> Path:
    return Path(settings.YIWANG_AUDIT_CHECKPOINT_DIR) / CHECKPOINT_FILE


def _rewrite_with_raw_sql(victim_seq: int) -> None:
    """The full attack: change one event, recompute its hash and every later one, move
    the head — all with raw SQL, as someone holding the database's password would."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET action = %s WHERE chain_seq = %s",  # noqa: S608 - our table
            ["test.forged", victim_seq],
        )
    prev = AuditEvent.objects.get(chain_seq=victim_seq).prev_hash
    for event in AuditEvent.objects.filter(chain_seq__gte=victim_seq).order_by("chain_seq"):
        digest = event_digest(event, prev)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {TABLE} SET prev_hash = %s, hash = %s WHERE id = %s",  # noqa: S608
                [prev, digest, event.id],
            )
        prev = digest
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {HEAD_TABLE} SET hash = %s WHERE id = 1", [prev])  # noqa: S608


def test_sealing_appends_a_checkpoint_signed_with_the_platform_key() -> None:
    _record_some(4)
    seal_pending()
    lines = _checkpoint_path().read_text().splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    head = AuditChainHead.objects.get(id=1)
    assert (data["seq"], data["hash"], data["count"]) == (4, head.hash, 4)
    key = signing_key()
    assert data["key_id"] == key.key_id == key_id_of(key.public_key)
    checkpoint = Checkpoint(**data)
    assert key.verifies(checkpoint.signed_bytes(), checkpoint.signature)
    # Any changed term breaks the signature.
    for field, value in [("seq", 5), ("hash", "0" * 64), ("count", 3), ("time", "2020-01-01")]:
        altered = Checkpoint(**{**data, field: value})
        assert not key.verifies(altered.signed_bytes(), altered.signature), field
    # The key is a file outside the database, readable by its owner only.
    assert Path(settings.YIWANG_AUDIT_KEY_FILE).stat().st_mode & 0o077 == 0
    assert _verify() == ("ok 4 events", 0)
    # Nothing new sealed: no new checkpoint.
    seal_pending()
    assert len(_checkpoint_path().read_text().splitlines()) == 1


def test_a_full_rewrite_with_raw_sql_is_detected() -> None:
    _record_some(6)
    seal_pending()
    _rewrite_with_raw_sql(victim_seq=3)
    assert verify_chain(anchored=False).ok  # the chain alone is fooled (the old verify)
    result = verify_chain()
    assert not result.ok
    assert result.reason.startswith("rewritten: the chain at seq 6 differs from the checkpoint")
    output, code = _verify()
    assert code == 1
    assert output.startswith(f"broken at {AuditEvent.objects.get(chain_seq=6).id}: rewritten")


def test_a_rewrite_is_found_at_the_earliest_signed_checkpoint_after_it() -> None:
    _record_some(3)
    seal_pending()
    _record_some(3, start=3)
    seal_pending()  # a second checkpoint, at seq 6
    _rewrite_with_raw_sql(victim_seq=2)
    result = verify_chain()
    assert not result.ok
    assert "at seq 3 differs" in result.reason
    # And the sealer refuses to sign a head that does not continue the checkpoints.
    _record_some(1, start=6)
    seal_pending()
    assert len(_checkpoint_path().read_text().splitlines()) == 2


def test_a_truncation_with_raw_sql_is_detected() -> None:
    _record_some(5)
    seal_pending()
    keep = AuditEvent.objects.get(chain_seq=3)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE chain_seq > 3")  # noqa: S608
        cursor.execute(
            f"UPDATE {HEAD_TABLE} SET seq = 3, hash = %s WHERE id = 1",  # noqa: S608
            [keep.hash],
        )
    assert verify_chain(anchored=False).ok  # the chain alone is fooled
    output, code = _verify()
    assert code == 1
    assert output.startswith("broken at chain head: truncated: the chain ends at seq 3")
    assert "has seq 5 (2 events missing)" in output


def test_a_deleted_checkpoint_file_is_reported_and_not_silently_restarted() -> None:
    _record_some(3)
    seal_pending()
    _checkpoint_path().unlink()
    output, code = _verify()
    assert code == 1
    assert output.startswith("broken at chain head: missing checkpoint: 3 sealed events")
    # New events are sealed, but the sealer does not start a new store over a chain it
    # cannot check: the deletion stays visible.
    _record_some(2, start=3)
    seal_pending()
    assert not _checkpoint_path().exists()
    assert _verify()[1] == 1


def test_a_checkpoint_forged_with_another_key_is_reported(tmp_path: Path) -> None:
    _record_some(2)
    seal_pending()
    other = tmp_path / "other.key"
    generate_key_file(other)
    content = json.loads(other.read_text())
    forged = Checkpoint(seq=9, hash="f" * 64, count=9, time="2030-01-01T00:00:00+00:00", key_id="")
    from gmssl_pyx import sm2_sign

    public = bytes.fromhex(content["public_key"])
    forged = Checkpoint(**{**forged.__dict__, "key_id": key_id_of(public)})
    signature = bytes(
        sm2_sign(bytes.fromhex(content["private_key"]), public, forged.signed_bytes())
    ).hex()
    line = json.dumps({**forged.__dict__, "signature": signature})
    with _checkpoint_path().open("a") as f:
        f.write(line + "\n")
    output, code = _verify()
    assert code == 1
    assert "checkpoint line 2 is signed by key" in output
    # Same key id, but a signature that is not the key's: also refused.
    lines = _checkpoint_path().read_text().splitlines()
    good = json.loads(lines[0])
    good["seq"] = 1
    _checkpoint_path().write_text(lines[0] + "\n" + json.dumps(good) + "\n")
    output, code = _verify()
    assert (code, output) == (
        1,
        "broken at chain head: checkpoint line 2: the signature does not verify (forged)",
    )


def test_events_after_the_last_checkpoint_are_counted(settings: Any) -> None:
    _record_some(2)
    seal_pending()
    settings.YIWANG_AUDIT_ANCHOR_SECONDS = 3600  # the next one is not due yet
    _record_some(3, start=2)
    seal_pending()
    assert _verify() == ("ok 5 events (3 after the last signed checkpoint)", 0)
    settings.YIWANG_AUDIT_ANCHOR_SECONDS = 0
    seal_pending()  # nothing to seal, but the tail is anchored once due
    assert _verify() == ("ok 5 events", 0)


def test_anchor_starts_the_checkpoints_of_a_chain_sealed_before_anchoring() -> None:
    _record_some(3)
    seal_pending()
    _checkpoint_path().unlink()  # as after an upgrade: a sealed chain, no checkpoints
    out = io.StringIO()
    call_command("audit", "anchor", stdout=out)
    assert out.getvalue().startswith("anchored 3 events in ")
    assert _verify() == ("ok 3 events", 0)
    out = io.StringIO()
    with pytest.raises(SystemExit) as refused:
        call_command("audit", "anchor", stdout=out)
    assert refused.value.code == 1
    assert out.getvalue().startswith("invalid: the store already holds checkpoints")


def test_the_store_is_the_configured_class() -> None:
    store = checkpoint_store()
    assert store.describe() == str(_checkpoint_path())
    assert store.last() is None
    assert store.read_all() == []


def test_production_refuses_to_start_without_the_audit_key(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YIWANG_", "DJANGO_"))}
    env.update(
        YIWANG_ENV="production",
        YIWANG_SECRET_KEY="x" * 50,
        YIWANG_DATA_DIR=str(tmp_path),
        PYTHONPATH=os.pathsep.join([str(REPO_ROOT / "src"), str(REPO_ROOT)]),
    )

    def run(**extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "yiwang.cli", "audit", "verify"],
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    missing = run()
    assert missing.returncode == 2
    assert missing.stderr == "invalid: YIWANG_AUDIT_KEY_FILE must be set in production\n"
    absent = run(YIWANG_AUDIT_KEY_FILE=str(tmp_path / "nope.key"))
    assert absent.returncode == 2
    assert "does not exist" in absent.stderr
    assert not (tmp_path / "audit-signing.key").exists()  # never generated in production


def test_a_key_file_appears_whole_or_not_at_all(tmp_path: Path, monkeypatch: Any) -> None:
    """Two sealers racing on a fresh data dir: one writes the key, the other must never
    read a half-written (empty) file — the key is linked into place once complete."""
    from yiwang import files

    path = tmp_path / "audit-signing.key"
    seen_while_writing: list[bool] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:  # the content is written, not yet in place
        seen_while_writing.append(path.exists())
        real_fsync(fd)

    monkeypatch.setattr(files.os, "fsync", fsync)
    generate_key_file(path)
    assert seen_while_writing == [False]
    assert json.loads(path.read_text(encoding="utf-8"))["algorithm"] == "SM2"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert [p.name for p in tmp_path.iterdir()] == ["audit-signing.key"]  # no temporary left
    first = path.read_text(encoding="utf-8")
    with pytest.raises(FileExistsError):  # the second writer loses, the first key stays
        generate_key_file(path)
    assert path.read_text(encoding="utf-8") == first
    assert [p.name for p in tmp_path.iterdir()] == ["audit-signing.key"]
    # The demo's other generated secrets go the same way, and a second reader keeps the first.
    secret = tmp_path / "secret_key"
    assert files.read_or_create(secret, "first") == "first"
    assert files.read_or_create(secret, "second") == "first"
    assert oct(secret.stat().st_mode & 0o777) == "0o600"
