"""`yiwang check`: identifier validation on the command line, and Django's
system checks still behind the same name.

Most cases run in-process; a few go through a real `yiwang` process to prove
the exit status, stdout and the absence of tracebacks end to end.
"""

from __future__ import annotations

import os
import subprocess
import sys
from io import BytesIO, StringIO, TextIOWrapper
from pathlib import Path

import pytest
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError

from yiwang.common.management.commands.check import Command

REPO_ROOT = Path(__file__).resolve().parents[2]

VALID = {
    "id": "11010519491231002X",
    "uscc": "91110000600037341L",
    "license-id": "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
    "project-code": "2023-330100-01-02-000001",
}


def run_argv(*args: str) -> tuple[int, str, str]:
    """Run `yiwang check ARGS` in-process the way the CLI does (run_from_argv)."""
    out, err = StringIO(), StringIO()
    code = 0
    try:
        Command(stdout=out, stderr=err).run_from_argv(["yiwang", "check", *args])
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def run_call_command(*args: str) -> tuple[int, str]:
    out = StringIO()
    code = 0
    try:
        call_command("check", *args, stdout=out)
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue()


def yiwang(*args: str | bytes, **env_extra: str) -> subprocess.CompletedProcess[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PYTHONPATH": str(REPO_ROOT),
        **env_extra,
    }
    return subprocess.run(  # noqa: S603 - fixed interpreter, test arguments
        [sys.executable, "-c", "from yiwang.cli import main; main()", "check", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )


def test_the_check_command_is_ours() -> None:
    assert get_commands()["check"] == "yiwang.common"


@pytest.mark.parametrize(("kind", "value"), VALID.items())
def test_valid_values_print_valid(kind: str, value: str) -> None:
    assert run_argv(kind, value) == (0, "valid\n", "")
    assert run_call_command(kind, value) == (0, "valid\n")


@pytest.mark.parametrize(
    ("kind", "value", "reason"),
    [
        ("id", "110105194912310021", "check character should be X, not 1"),
        ("id", "110105194902300021", "birth date 19490230 is not a real date"),
        ("id", "99010519491231002X", "address code 990105 is not in a known province (code 99)"),
        ("uscc", "91110000600037341K", "check character should be L, not K"),
        ("license-id", VALID["license-id"][:-1] + "V", "check character should be U, not V"),
        (
            "project-code",
            "2023-330100-01-02-00001",
            "does not match YYYY-RRRRRR-II-TT-NNNNNN (digits only)",
        ),
    ],
)
def test_invalid_values_print_the_reason_and_exit_1(kind: str, value: str, reason: str) -> None:
    assert run_argv(kind, value) == (1, f"invalid: {reason}\n", "")
    assert run_call_command(kind, value) == (1, f"invalid: {reason}\n")


def test_project_code_year_out_of_range() -> None:
    code, out, _ = run_argv("project-code", "1999-330100-01-02-000001")
    assert code == 1
    assert out.startswith("invalid: year 1999 is outside 2000..")


@pytest.mark.parametrize("kind", VALID)
@pytest.mark.parametrize(
    "value",
    ["", " ", "-5", "--deploy", "--help", "null", "😀" * 18, "\x00", "\udcff\udcfe", "中" * 24],
)
def test_garbage_is_invalid_not_an_error(kind: str, value: str) -> None:
    code, out, err = run_argv(kind, value)
    assert code == 1
    assert out.startswith("invalid: ")
    assert out.count("\n") == 1
    assert err == ""


@pytest.mark.parametrize("kind", VALID)
def test_missing_value(kind: str) -> None:
    assert run_argv(kind) == (1, "invalid: missing value\n", "")
    assert run_call_command(kind) == (1, "invalid: missing value\n")


def test_more_than_one_value_is_invalid() -> None:
    code, out, _ = run_argv("id", VALID["id"], "extra")
    assert code == 1
    assert out.startswith("invalid: expected one value, got 2")


def test_reason_is_escaped_for_the_output_encoding() -> None:
    raw = BytesIO()
    out = TextIOWrapper(raw, encoding="ascii")
    with pytest.raises(SystemExit) as exc_info:
        Command(stdout=out).run_from_argv(["yiwang", "check", "uscc", "中" * 18])
    assert exc_info.value.code == 1
    out.flush()
    assert raw.getvalue() == b"invalid: character 1 ('\\u4e2d') is not allowed" + (
        b" (0-9 and A-Z without I, O, Z, S, V)\n"
    )


def test_lowercase_x_is_accepted() -> None:
    assert run_argv("id", VALID["id"].lower()) == (0, "valid\n", "")


def test_other_arguments_go_to_django_system_checks() -> None:
    out = StringIO()
    call_command("check", "--list-tags", stdout=out)
    tags = out.getvalue().split()
    assert "models" in tags
    assert "urls" in tags
    with pytest.raises(CommandError, match='no system check with the "bogus" tag'):
        call_command("check", "--tag", "bogus")


def test_no_arguments_run_the_system_checks() -> None:
    out = StringIO()
    # One tag keeps the test independent of the rest of the project's checks.
    call_command("check", "--tag", "templates", stdout=out)
    assert "System check identified no issues" in out.getvalue()


def test_unknown_first_argument_is_an_app_label_for_django() -> None:
    with pytest.raises(LookupError, match="No installed app with label 'nosuchapp'"):
        call_command("check", "nosuchapp")


# --- end to end, through a real process (about a second each) ---------------


def test_process_valid() -> None:
    result = yiwang("id", VALID["id"])
    assert result.returncode == 0
    assert result.stdout == b"valid\n"
    assert b"Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "stdout"),
    [
        (["id"], b"invalid: missing value\n"),
        (["uscc", b"\xff\xfe"], None),  # undecodable bytes reach Python as surrogates
    ],
)
def test_process_invalid(args: list[str | bytes], stdout: bytes | None) -> None:
    result = yiwang(*args)
    assert result.returncode == 1
    assert result.stdout.startswith(b"invalid: ")
    if stdout is not None:
        assert result.stdout == stdout
    assert b"Traceback" not in result.stderr


def test_process_with_an_ascii_terminal_escapes_the_reason() -> None:
    result = yiwang("id", "11010519491231002中", PYTHONIOENCODING="ascii")
    assert result.returncode == 1
    assert result.stdout == b"invalid: character 18 ('\\u4e2d') must be a digit or X\n"
    assert b"Traceback" not in result.stderr


def test_process_delegates_to_system_checks() -> None:
    result = yiwang("--list-tags")
    assert result.returncode == 0
    assert b"models" in result.stdout.split()
    assert b"Traceback" not in result.stderr
