"""The README's first command, for real: `yiwang demo` on a fresh data dir serves the seeded
province, the API login works, the worker runs, and a second start seeds nothing."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

JILIN = json.loads(
    (Path(__file__).parents[1] / "src/yiwang/org/data/jilin.json").read_text(encoding="utf-8")
)
CITIES = [
    r["name"]
    for r in JILIN["regions"]
    if len(r["code"]) == 6 and r["code"].endswith("00") and not r["code"].endswith("0000")
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback only
        return str(response.read().decode("utf-8"))


def _start_demo(data_dir: Path, port: int) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YIWANG_", "DJANGO_"))}
    env["YIWANG_DATA_DIR"] = str(data_dir)
    return subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "yiwang.cli", "demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_for(url: str, proc: subprocess.Popen[str], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"demo exited early:\n{proc.stdout.read() if proc.stdout else ''}")
        try:
            _get(url)
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.3)
    raise AssertionError("demo did not start in time")


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.terminate()
    try:
        out, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out


def _wait_until_sealed(db: Path, seconds: float = 60) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            total, unsealed = conn.execute(
                "SELECT COUNT(*), SUM(chain_seq IS NULL) FROM common_auditevent"
            ).fetchone()
        if total and not unsealed:
            return int(total)
        time.sleep(0.5)
    raise AssertionError("the worker did not seal the audit events")


class Demo:
    """One `yiwang demo` on a fresh data dir, shared by this module's tests (a cold start
    migrates and seeds the whole province: the costliest process of the suite)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.base = f"http://127.0.0.1:{_free_port()}"
        self.proc = _start_demo(data_dir, int(self.base.rsplit(":", 1)[1]))
        self._output: str | None = None

    def output(self) -> str:
        """Stop the demo (once) and return everything it printed."""
        if self._output is None:
            self._output = _stop(self.proc)
        return self._output


# Both tests on one worker, in this order: the second reads what the first started.
pytestmark = pytest.mark.xdist_group("demo")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    started = Demo(tmp_path_factory.mktemp("demo-data-dir"))
    try:
        _wait_for(started.base + "/", started.proc)
        yield started
    finally:
        if started.proc.poll() is None:
            started.output()


def test_demo_serves_the_seeded_province_and_the_api(demo: Demo) -> None:
    base, data_dir = demo.base, demo.data_dir
    assert len(CITIES) == 9
    home = _get(base + "/")
    for city in CITIES:
        assert city in home
    directory = _get(base + "/directory/")
    counties = [
        r["name"] for r in JILIN["regions"] if len(r["code"]) == 6 and not r["code"].endswith("00")
    ]
    assert len(counties) == 60
    for county in counties:
        assert county in directory
    request = urllib.request.Request(  # noqa: S310 - loopback only
        base + "/api/v1/auth/login",
        data=json.dumps({"username": "citizen", "password": "yiwang-demo-2026"}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        body = json.load(response)
    assert body["token"].startswith("yw_")
    assert body["user"]["display_name"] == "张三"
    docs = _get(base + "/api/v1/docs")
    assert "swagger" in docs.lower()
    assert "cdn" not in docs.lower()  # served without internet
    # The past year's monthly rankings are published on first start (issue 12 item 5).
    ranking = json.loads(_get(base + "/api/v1/public/rankings?kind=region"))
    assert len(ranking["months"]) >= 11
    assert ranking["entries"][0]["rank"] == 1
    assert len(ranking["entries"][0]["trend"]) == 12
    assert (data_dir / "secret_key").exists()
    # The worker runs beside the web server: its scheduler seals the seed's audit events.
    assert _wait_until_sealed(data_dir / "yiwang.sqlite3") > 0

    out = demo.output()
    assert "clerk-nanguan" in out
    assert "yiwang-demo-2026" in out
    assert "Traceback" not in out


def test_a_second_start_seeds_nothing(demo: Demo) -> None:
    """The first start seeded (its output says what it created); seeding the same data dir
    again — what every later `yiwang demo` does first — creates nothing."""
    first = demo.output()
    assert "demo accounts created" in first
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YIWANG_", "DJANGO_"))}
    env["YIWANG_DATA_DIR"] = str(demo.data_dir)
    again = subprocess.run(
        [sys.executable, "-m", "yiwang.cli", "seed", "demo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert again.stdout.splitlines()[-1] == "nothing to create: already seeded"
    assert "Traceback" not in again.stdout + again.stderr
