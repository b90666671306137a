"""Issue 10.2: every `yiwang` command on an empty data dir answers with one line saying
what to run and exit 2 — never a traceback (decision 0014).

The commands are enumerated from Django's registry, not listed here, so a command added
later is covered too. One real process loads Django and forks a child per command: each
child is a fresh `yiwang` process as far as the command can tell (nothing has touched
the database before it), at a fraction of the cost of a cold start per command.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from yiwang.cli import NO_DATABASE_COMMANDS

REPO_ROOT = Path(__file__).resolve().parents[2]

# One worker runs the module, so the module-scoped probe (a process forking ~45 commands)
# runs once, not once per worker.
pytestmark = pytest.mark.xdist_group("cli_empty_db")

# Runs in the child interpreter: fork one `yiwang NAME ...` per command, collect each
# one's exit status and output, print them as JSON.
PROBE = r"""
import json, os, sys, tempfile
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "yiwang.settings"
django.setup()
from django.core.management import get_commands
from yiwang.cli import _requires_database

def run(argv):
    out = tempfile.TemporaryFile()
    pid = os.fork()
    if pid == 0:
        import signal
        signal.alarm(60)  # a command that waits for input must not hang the suite
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(out.fileno(), 1)
        os.dup2(out.fileno(), 2)
        code = 0
        try:
            from yiwang.cli import main
            main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:
            import traceback
            traceback.print_exc()
            code = 99
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    out.seek(0)
    return os.waitstatus_to_exitcode(status), out.read().decode("utf-8", "replace")

results = {}
for name, app in sorted(get_commands().items()):
    # Only the commands that need the database run bare: the others (shell, test,
    # testserver...) would do their real work; they run with --help only.
    needs = _requires_database(name)
    results[name] = {
        "app": app,
        "needs_database": needs,
        "bare": run(["yiwang", name]) if needs else None,
        "help": run(["yiwang", name, "--help"]),
    }
results[""] = {
    "app": "", "needs_database": False, "bare": run(["yiwang"]), "help": run(["yiwang", "help"])
}
print(json.dumps(results))
"""


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YIWANG_", "DJANGO_"))}
    env.update(
        YIWANG_DATA_DIR=str(data_dir),
        YIWANG_ENV="demo",
        PYTHONPATH=os.pathsep.join([str(REPO_ROOT / "src"), str(REPO_ROOT)]),
    )
    return env


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    data_dir = tmp_path_factory.mktemp("empty-data-dir")
    done = subprocess.run(  # noqa: S603 - our interpreter, a fixed script
        [sys.executable, "-c", PROBE],
        cwd=data_dir,
        env=_env(data_dir),
        capture_output=True,
        timeout=300,
        check=True,
    )
    results: dict[str, dict[str, Any]] = json.loads(done.stdout)
    return results


def test_every_project_command_is_probed(outcomes: dict[str, dict[str, Any]]) -> None:
    project = {name for name, o in outcomes.items() if str(o["app"]).startswith("yiwang.")}
    # The enumeration really found the project's commands (a guard against probing nothing).
    assert {"audit", "workdays", "seed", "demo", "check", "worker"} <= project
    assert len(outcomes) > 30  # Django's own commands are probed too


def test_commands_needing_the_database_say_what_to_run_and_exit_2(
    outcomes: dict[str, dict[str, Any]],
) -> None:
    refused = {}
    for name, o in outcomes.items():
        if not o["needs_database"]:
            continue
        code, output = o["bare"]
        refused[name] = (code, output)
        assert code == 2, (name, output)
        assert output.count("\n") == 1, (name, output)
        assert output.startswith("invalid: the database is not set up yet: run `yiwang migrate`")
        assert "`yiwang demo`" in output
    assert {"audit", "workdays", "seed", "seed_calendar", "load_catalog", "credit_load"} <= set(
        refused
    )
    assert {"createsuperuser", "dumpdata", "runserver", "worker"} <= set(refused)


@pytest.mark.parametrize("form", ["bare", "help"])
def test_no_command_prints_a_traceback(outcomes: dict[str, dict[str, Any]], form: str) -> None:
    for name, o in outcomes.items():
        if o[form] is None:
            continue
        code, output = o[form]
        assert "Traceback" not in output, (name, form, output)
        assert code != 99, (name, form, output)


def test_help_works_without_a_database(outcomes: dict[str, dict[str, Any]]) -> None:
    for name, o in outcomes.items():
        code, output = o["help"]
        assert code == 0, (name, output)
        assert "usage: yiwang" in output.lower() or "Available subcommands" in output, name


def test_only_the_commands_that_set_up_or_never_touch_the_data_are_exempt(
    outcomes: dict[str, dict[str, Any]],
) -> None:
    exempt = {name for name, o in outcomes.items() if name and not o["needs_database"]}
    assert exempt <= NO_DATABASE_COMMANDS
    assert {"migrate", "demo", "check", "makemigrations", "help"} & exempt == {
        "migrate",
        "demo",
        "check",
        "makemigrations",
    }
    # The bare `yiwang` lists the commands and is not refused.
    code, output = outcomes[""]["bare"]
    assert code == 0
    assert "not set up yet" not in output


def _yiwang(data_dir: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our interpreter, test arguments
        [sys.executable, "-m", "yiwang.cli", *args],
        cwd=data_dir,
        env={**_env(data_dir), **extra},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_end_to_end_empty_then_migrated(tmp_path: Path) -> None:
    """A cold process each: refused on the empty dir; after `yiwang migrate` it runs; an
    identifier check never needed the database."""
    refused = _yiwang(tmp_path, "workdays", "add", "2026-01-05", "3")
    assert refused.returncode == 2
    assert refused.stdout == ""
    assert refused.stderr.startswith("invalid: the database is not set up yet")
    assert refused.stderr.count("\n") == 1
    assert _yiwang(tmp_path, "check", "id", "11010519491231002X").stdout == "valid\n"
    assert _yiwang(tmp_path, "migrate", "-v", "0").returncode == 0
    verified = _yiwang(tmp_path, "audit", "verify")
    assert (verified.returncode, verified.stdout) == (0, "ok 0 events\n")


def test_an_unreachable_database_is_one_line_too(tmp_path: Path) -> None:
    done = _yiwang(
        tmp_path, "audit", "verify", YIWANG_DATABASE_URL="postgresql://nobody@127.0.0.1:1/none"
    )
    assert done.returncode == 2
    assert done.stderr.startswith("invalid: cannot open the database (")
    assert "YIWANG_DATABASE_URL" in done.stderr
    assert done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr + done.stdout
