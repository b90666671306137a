"""Identifiers made by the library pass the check (and any one changed character fails
it); the license types file is checked before loading; production needs the master key."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yiwang.accounts.actor import Actor
from yiwang.common.errors import ValidationFailed
from yiwang.common.validators import check_license_id, license_check_char, make_license_id
from yiwang.licenses.services import load_license_types
from yiwang.licenses.services.types import DEFAULT_TYPES_FILE

REPO_ROOT = Path(__file__).resolve().parents[2]
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def test_the_domain_vector() -> None:
    body = "11100000000013338W01111430000006122244L20230000403001"
    assert license_check_char(body) == "U"
    assert (
        make_license_id("11100000000013338W011", "11430000006122244L", "20230000403", 1)
        == "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U"
    )


@settings(max_examples=200, deadline=None)
@given(
    serial=st.text(alphabet="0123456789", min_size=1, max_size=16),
    version=st.integers(1, 999),
    position=st.integers(0, 1000),
    replacement=st.sampled_from(ALPHABET),
)
def test_every_made_identifier_checks_and_any_changed_character_fails(
    serial: str, version: int, position: int, replacement: str
) -> None:
    identifier = make_license_id("111000000603213830002", "11220000696864412B", serial, version)
    assert check_license_id(identifier) == identifier
    # Change one character of the serial or the version: the check character catches it
    # (MOD 37,36 detects every single substitution).
    head, serial_part, version_part, check = identifier.rsplit(".", 3)
    target = serial_part + "." + version_part
    index = position % len(target)
    if target[index] == "." or target[index] == replacement:
        return
    changed = target[:index] + replacement + target[index + 1 :]
    with pytest.raises(ValidationFailed):
        check_license_id(f"{head}.{changed}.{check}")


@pytest.fixture
def types_file(tmp_path: Path) -> Any:
    def write(**change: Any) -> Path:
        data = json.loads(DEFAULT_TYPES_FILE.read_text(encoding="utf-8"))
        data["types"][0].update(change)
        path = tmp_path / "types.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        return path

    return write


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        {"code": "short"},
        {"code": "11100000032316376t001"},
        {"qr_fields": ["nope"]},
        {"validity": {"weeks": 2}},
        {"fields": [{"name": "a", "label": "甲"}, {"name": "a", "label": "乙"}]},
        {"items": ["NO-SUCH-ITEM"]},
    ],
)
def test_a_bad_types_file_loads_nothing(
    license_types: dict[str, Any], types_file: Any, change: dict[str, Any]
) -> None:
    from yiwang.licenses.models import LicenseType

    before = list(LicenseType.objects.values_list("code", "name", "validity"))
    with pytest.raises(ValidationFailed):
        load_license_types(types_file(**change), actor=Actor.system("test"))
    assert list(LicenseType.objects.values_list("code", "name", "validity")) == before


@pytest.mark.django_db
def test_loading_the_types_twice_changes_nothing(license_types: dict[str, Any]) -> None:
    assert load_license_types(actor=Actor.system("test")) == 0


def _production(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    from yiwang.common.anchoring import generate_key_file

    key = tmp_path / "audit.key"
    if not key.exists():
        generate_key_file(key)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YIWANG_", "DJANGO_"))}
    env.update(
        YIWANG_ENV="production",
        YIWANG_SECRET_KEY="k7Qd-" + "x9Ty2mZpLr4W" * 5,
        YIWANG_AUDIT_KEY_FILE=str(key),
        YIWANG_DATA_DIR=str(tmp_path),
        YIWANG_ALLOWED_HOSTS="zwfw.jl.gov.cn",
        PYTHONPATH=os.pathsep.join([str(REPO_ROOT / "src"), str(REPO_ROOT)]),
        **extra,
    )
    return subprocess.run(
        [sys.executable, "-m", "yiwang.cli", "check", "id", "11010519491231002X"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_refuses_to_start_without_the_master_key(tmp_path: Path) -> None:
    missing = _production(tmp_path)
    assert missing.returncode == 2
    assert missing.stderr == "invalid: YIWANG_LICENSE_MASTER_KEY must be set in production\n"
    assert not (tmp_path / "license-master.key").exists()  # never generated in production
    bad = _production(tmp_path, YIWANG_LICENSE_MASTER_KEY="not-hex")
    assert "32 hex characters" in bad.stderr
    good = _production(tmp_path, YIWANG_LICENSE_MASTER_KEY="00112233445566778899aabbccddeeff")
    assert (good.returncode, good.stdout) == (0, "valid\n")
