"""Issue 11 "What must hold": a crash in the middle of an import (the process really
dies: `os._exit` from the crash hook, no clean-up, as a kill would) and a rerun leave
exactly the rows of the file, none twice — signed, each verifying — and the rejects
file holds each bad row once. The signing job killed inside a batch resumes.

The imports run as `yiwang` child processes against a database they can open: the test
database itself on PostgreSQL (these tests commit, `transaction=True`), a scratch file
on SQLite (the test database there lives in memory)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.licenses.test_import import business, permit, rejects_of, write_csv

# One worker runs the module, so its migrated template (a cold `yiwang migrate`) is made once.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("licenses_crash")]
REPO_ROOT = Path(__file__).resolve().parents[2]

SETUP = """
import django; django.setup()
from yiwang.accounts.actor import Actor
from yiwang.catalog.services import load_catalog_data
from yiwang.licenses.services import load_license_types
from yiwang.org.services import load_org_data
actor = Actor.system("test")
load_org_data(actor=actor); load_catalog_data(actor=actor); load_license_types(actor=actor)
"""

# What the library holds after a run, as JSON: every identifier (duplicates would
# show), unsigned rows, the change feed, and each license checked offline.
STATS = """
import json, django; django.setup()
from datetime import date
from collections import Counter
from yiwang.licenses.models import License, LicenseChange, LicenseImport
from yiwang.licenses.services import known_keys, payload_of
from yiwang.licenses.verification import verify_offline
keys = known_keys()
rows = list(License.objects.select_related("license_type", "key").order_by("id"))
print(json.dumps({
    "holders": [lic.holder_code for lic in rows],
    "identifiers": [lic.identifier for lic in rows],
    "unsigned": sum(1 for lic in rows if lic.signed_at is None),
    "feed": sorted(Counter(LicenseChange.objects.values_list("kind", flat=True)).items()),
    "verdicts": dict(Counter(
        verify_offline(payload_of(lic), keys, date(2026, 6, 1)).result
        for lic in rows if lic.signed_at is not None
    )),
    "runs": list(LicenseImport.objects.values_list("status", "batches", "inserted", "rejected")),
}))
"""


@pytest.fixture(scope="module")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """One migrated and seeded SQLite file for the module, copied per test."""
    if connection.vendor != "sqlite":
        return None
    path = tmp_path_factory.mktemp("licenses-db") / "template.sqlite3"
    env = _env(f"sqlite:///{path}", path.parent)
    _run(["-m", "yiwang.cli", "migrate", "-v0"], env)
    _run(["-c", SETUP], env)
    return path


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgresql://{auth}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def _env(url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "YIWANG_DATABASE_URL": url,
        "YIWANG_DATA_DIR": str(data_dir),
        "YIWANG_ENV": "demo",
        "DJANGO_SETTINGS_MODULE": "yiwang.settings",
        "PYTHONPATH": f"{REPO_ROOT / 'src'}{os.pathsep}{REPO_ROOT}",
        **extra,
    }


def _run(args: list[str], env: dict[str, str], *, expect: int = 0) -> str:
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=REPO_ROOT,
    )
    assert done.returncode == expect, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def scratch(tmp_path: Path, _sqlite_template: Path | None) -> dict[str, Any]:
    """A database a child process can open, with the org data, catalog and types."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    if _sqlite_template is not None:
        db = tmp_path / "db.sqlite3"
        shutil.copy(_sqlite_template, db)
        url = f"sqlite:///{db}"
        # The master key of the template's data dir seals no key yet: a fresh one is fine.
    else:
        url = _database_url()
        _run(["-c", SETUP], _env(url, data_dir))
    return {"url": url, "data_dir": data_dir}


def _cli(scratch: dict[str, Any], *args: str, expect: int = 0, **extra: str) -> str:
    return _run(
        ["-m", "yiwang.cli", "licenses", *args, "--quiet"],
        _env(scratch["url"], scratch["data_dir"], **extra),
        expect=expect,
    )


def _stats(scratch: dict[str, Any]) -> dict[str, Any]:
    out = _run(["-c", STATS], _env(scratch["url"], scratch["data_dir"]))
    return dict(json.loads(out))


def _file(tmp_path: Path) -> tuple[Path, list[str]]:
    """23 good rows and 3 bad ones (lines 4, 13 and 21) in batches of 5 records."""
    rows: list[dict[str, str] | str] = []
    good: list[str] = []
    for n in range(1, 24):
        row = permit(n) if n % 4 == 0 else business(n)
        rows.append(row)
        good.append(row["holder_code"])
        if n in (2, 10, 17):
            rows.append(business(100 + n, holder_kind="nobody"))
    return write_csv(tmp_path / "licenses.csv", rows), good


BAD = [(4, "holder_kind: person or entity"), (13, "holder_kind: person or entity"),
       (21, "holder_kind: person or entity")]  # fmt: skip


@pytest.mark.parametrize(
    ("crash", "processes", "committed"),
    [
        ("inside:3", "2", 10),  # dies with batch 3 written but not committed
        ("after:2", "1", 10),  # dies right after batch 2 committed
    ],
    ids=["killed-inside-a-batch-pool", "killed-between-batches"],
)
def test_a_killed_import_and_a_rerun_hold_each_row_of_the_file_once(
    tmp_path: Path, scratch: dict[str, Any], crash: str, processes: str, committed: int
) -> None:
    path, good = _file(tmp_path)
    args = ("import", str(path), "--batch-size", "5", "--processes", processes)
    _cli(scratch, *args, expect=137, YIWANG_TEST_CRASH_IMPORT=crash)
    after_crash = _stats(scratch)
    # Records 1-10 are in (two batches of five, one bad row among them), nothing after.
    assert after_crash["holders"] == good[:9]
    assert after_crash["runs"] == [["running", 2, 9, 1]]
    assert rejects_of(path.with_name(path.name + ".rejects.jsonl"))[:1] == BAD[:1]

    report = json.loads(_cli(scratch, *args))
    assert report["resumed_from_line"] == committed + 1  # the header is line 1
    assert (report["inserted"], report["rejected"], report["unsigned"]) == (23, 3, 0)
    final = _stats(scratch)
    assert final["holders"] == good  # every row of the file, in file order
    assert len(set(final["identifiers"])) == len(final["identifiers"]) == 23
    assert final["unsigned"] == 0
    assert final["verdicts"] == {"valid": 23}
    assert final["feed"] == [["issued", 23]]  # the rolled-back batch left no feed entry
    assert final["runs"] == [["done", 6, 23, 3]]
    # The bad row of the batch that died is reported once, not twice.
    assert rejects_of(path.with_name(path.name + ".rejects.jsonl")) == BAD

    # And a third run imports nothing.
    assert _cli(scratch, *args).startswith("already imported (run ")
    assert _stats(scratch)["identifiers"] == final["identifiers"]


def test_a_killed_signing_job_resumes_and_signs_each_license_once(
    tmp_path: Path, scratch: dict[str, Any]
) -> None:
    path, good = _file(tmp_path)
    report = json.loads(_cli(scratch, "import", str(path), "--no-sign"))
    assert (report["inserted"], report["unsigned"]) == (23, 23)
    _cli(
        scratch,
        "sign",
        "--batch-size",
        "4",
        "--processes",
        "1",
        expect=137,
        YIWANG_TEST_CRASH_SIGN="inside:3",
    )
    halfway = _stats(scratch)
    assert halfway["unsigned"] == 23 - 8  # two batches of four committed, the third not
    assert halfway["feed"] == [["issued", 23], ["signed", 8]]
    signed = json.loads(_cli(scratch, "sign", "--batch-size", "4"))
    assert (signed["signed"], signed["unsigned_left"], signed["failed_processes"]) == (15, 0, 0)
    final = _stats(scratch)
    assert final["unsigned"] == 0
    assert final["verdicts"] == {"valid": 23}
    assert final["feed"] == [["issued", 23], ["signed", 23]]  # each signed once
    assert final["holders"] == good
