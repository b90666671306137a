"""A throwaway PostgreSQL 15 for benchmarks: initdb into a temp dir as an unprivileged
user, listen on 127.0.0.1 only, stop and remove on exit. Mirrors what .ci/run does."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PGBIN = Path(os.environ.get("YIWANG_PGBIN", "/usr/lib/postgresql/15/bin"))
PG_USER = "yiwangci"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_pg(args: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return args
    if subprocess.run(["id", PG_USER], capture_output=True, check=False).returncode != 0:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", PG_USER],
            check=True,
        )
    return ["runuser", "-u", PG_USER, "--", *args]


@contextmanager
def temporary_postgres(*, tuned_for_bulk: bool = False) -> Iterator[str]:
    """Yield a database URL; the server is stopped and its files removed afterwards."""
    workdir = Path(tempfile.mkdtemp(prefix="yiwang-bench-pg-"))
    if os.geteuid() == 0:
        _as_pg(["true"])  # creates the user if needed
        shutil.chown(workdir, PG_USER)
    data, port = workdir / "data", _free_port()
    options = [
        "-c listen_addresses=127.0.0.1",
        f"-p {port}",
        f"-k {workdir}",
        "-c shared_buffers=1GB",
        "-c max_connections=200",
        "-c work_mem=32MB",
        "-c maintenance_work_mem=1GB",
        # A production-sized WAL budget: with the default 1GB a benchmark writing tens of
        # thousands of cases checkpoints in the middle of a measurement.
        "-c max_wal_size=8GB",
        "-c checkpoint_timeout=15min",
    ]
    if tuned_for_bulk:
        # Bulk loads only: durability traded for speed, never for real data.
        options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
    subprocess.run(
        _as_pg(
            [
                str(PGBIN / "initdb"),
                "-D",
                str(data),
                "-U",
                "yiwang",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        ),
        check=True,
        capture_output=True,
    )
    subprocess.run(
        _as_pg(
            [
                str(PGBIN / "pg_ctl"),
                "-D",
                str(data),
                "-w",
                "-l",
                str(workdir / "log"),
                "-o",
                " ".join(options),
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    try:
        subprocess.run(
            _as_pg(
                [
                    str(PGBIN / "createdb"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(port),
                    "-U",
                    "yiwang",
                    "yiwang",
                ]
            ),
            check=True,
            capture_output=True,
        )
        print(f"temporary PostgreSQL on 127.0.0.1:{port}", file=sys.stderr)
        yield f"postgresql://yiwang@127.0.0.1:{port}/yiwang"
    finally:
        subprocess.run(
            _as_pg([str(PGBIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
            check=False,
            capture_output=True,
        )
        shutil.rmtree(workdir, ignore_errors=True)
