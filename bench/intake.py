"""Intake throughput: concurrent HTTP clients (wrk) against gunicorn (2 workers) on PostgreSQL.

Measures requests/s and p50/p99 latency for: submitting an application (POST /api/v1/cases,
a fresh Idempotency-Key each), a staff inbox (GET /api/v1/cases as clerk-nanguan), the
public case lookup, and references: the floor — a minimal Django view doing one INSERT —
and the write set — minimal views writing the rows of one submission with hand-written SQL,
one statement per table and all in one statement (bench/intake_urls.py). Prints one JSON
object. Target on a 2-core machine: >= 300 submissions/s,
p99 < 150 ms, and at least half the floor's rate.

    python bench/intake.py [--database-url URL] [--duration 20] [--connections 16]

Without --database-url it starts a throwaway PostgreSQL 15 (bench/pgtemp.py). Needs `wrk`
(Debian package) on PATH.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from pgtemp import temporary_postgres  # noqa: E402

ITEM = "220102-ZJ-XK-001"  # 临时占用城市道路审批, 南关区, promised 5 / legal 20
PASSWORD = "yiwang-demo-2026"  # noqa: S105 - the published demo password
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http(
    method: str, url: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
) -> Any:
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback only
        return json.loads(response.read() or b"null")


def multipart(field: str, filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
            f"Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


TICK = os.sysconf("SC_CLK_TCK")


def _process_cpu() -> dict[int, tuple[str, int, float]]:
    """Every process's (name, parent, CPU seconds user + system), from /proc."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue  # ended meanwhile
        fields = stat[stat.rindex(")") + 2 :].split()
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        found[int(entry)] = (name, int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK)
    return found


def _machine_cpu_seconds() -> float:
    """Busy CPU time of the whole machine (every core, every process, the kernel's own work)."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = (
        int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:9]
    )
    return (user + nice + system + irq + softirq + steal) / TICK


class CpuMeter:
    """Where a run's CPU went, in ms per request: web workers, PostgreSQL, wrk, the rest.

    The floor ratio is a question of CPU on a machine that runs everything; this makes the
    answer visible instead of inferred.
    """

    def __init__(self, gunicorn_pid: int) -> None:
        self.gunicorn = {gunicorn_pid}

    def snapshot(self) -> dict[str, Any]:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return {
            "processes": _process_cpu(),
            "wrk": children.ru_utime + children.ru_stime,
            "machine": _machine_cpu_seconds(),
        }

    def per_request(
        self, before: dict[str, Any], after: dict[str, Any], requests: int
    ) -> dict[str, float]:
        """A process that ended during the run is not seen at its end: its share, and the
        kernel's own work, are what remains in `other`."""
        spent = {"web": 0.0, "postgres": 0.0}
        for pid, (name, parent, cpu) in after["processes"].items():
            group = (
                "web"
                if self.gunicorn & {pid, parent}
                else "postgres"
                if name == "postgres"
                else None
            )
            if group:
                spent[group] += cpu - before["processes"].get(pid, (name, parent, 0.0))[2]
        spent["wrk"] = after["wrk"] - before["wrk"]
        spent["machine"] = after["machine"] - before["machine"]
        spent["other"] = spent["machine"] - spent["web"] - spent["postgres"] - spent["wrk"]
        return {f"{k}_ms": round(v * 1000 / max(requests, 1), 3) for k, v in spent.items()}


def wrk(url: str, *, script: str | None, duration: int, connections: int) -> dict[str, Any]:
    """Run wrk and parse its throughput, latency percentiles and error counts."""
    args = [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    if script:
        args += ["-s", script]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout

    def ms(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not match:
            raise RuntimeError(f"no {label}% latency in wrk output:\n{out}")
        value, unit = float(match.group(1)), match.group(2)
        return round(value / 1000 if unit == "us" else value * 1000 if unit == "s" else value, 2)

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "requests": total,
        "requests_per_s": round(rps, 1),
        "p50_ms": ms("50"),
        "p99_ms": ms("99"),
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": sum(int(g) for g in errors.groups()) if errors else 0,
    }


def lua(
    path: Path, *, method: str, body: str = "", headers: dict[str, str], unique_key: bool
) -> str:
    lines = [
        "local counter = 0",
        "local threads_made = 0",
        "function setup(thread) threads_made = threads_made + 1; thread:set('tid', threads_made) end",
        f"wrk.method = {json.dumps(method)}",
        f"wrk.body = {json.dumps(body, ensure_ascii=False)}",
    ]
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    if unique_key:
        run = uuid.uuid4().hex[:8]
        lines += [
            "request = function()",
            "  counter = counter + 1",
            f'  wrk.headers["Idempotency-Key"] = "{run}-" .. tid .. "-" .. counter',
            "  return wrk.format()",
            "end",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url")
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("invalid: wrk is not installed (apt-get install wrk)")

    with ExitStack() as stack:
        url = args.database_url or stack.enter_context(temporary_postgres())
        data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="yiwang-intake-")))
        env = {
            **os.environ,
            "YIWANG_DATABASE_URL": url,
            "YIWANG_DATA_DIR": str(data_dir),
            "YIWANG_ENV": "demo",
            "YIWANG_SECRET_KEY": "bench-" + uuid.uuid4().hex,
            "YIWANG_ALLOWED_HOSTS": "127.0.0.1,localhost",
        }
        yiwang = [sys.executable, "-m", "yiwang.cli"]
        log("migrating and seeding the demo data ...")
        subprocess.run([*yiwang, "migrate", "-v0"], env=env, check=True)
        subprocess.run([*yiwang, "seed", "demo"], env=env, check=True, capture_output=True)
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS bench_floor (id bigserial PRIMARY KEY, payload text,"
                " created_at timestamptz DEFAULT now())"
            )

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        gunicorn = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "yiwang.wsgi:application",
                "--workers",
                str(args.workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--pythonpath",
                str(HERE),
                "--log-level",
                "warning",
            ],
            env={**env, "DJANGO_SETTINGS_MODULE": "intake_site"},
        )
        stack.callback(gunicorn.wait, 30)
        stack.callback(gunicorn.terminate)
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/api/v1/openapi.json", timeout=5).close()  # noqa: S310
                break
            except OSError:
                if time.monotonic() > deadline:
                    sys.exit("invalid: gunicorn did not start")
                time.sleep(0.5)

        def login(username: str) -> str:
            body = json.dumps({"username": username, "password": PASSWORD}).encode()
            return str(
                http(
                    "POST",
                    base + "/api/v1/auth/login",
                    body=body,
                    headers={"Content-Type": "application/json"},
                )["token"]
            )

        citizen, clerk = login("citizen"), login("clerk-nanguan")
        item = http("GET", base + f"/api/v1/items/{ITEM}")

        def upload() -> str:
            body, ctype = multipart("file", "application.pdf", PDF)
            return str(
                http(
                    "POST",
                    base + "/api/v1/uploads",
                    body=body,
                    headers={"Authorization": f"Bearer {citizen}", "Content-Type": ctype},
                )["upload_id"]
            )

        submission = {
            "item_code": ITEM,
            "form": {
                "purpose": "房屋装修",
                "location": "长春市南关区人民大街 1 号",
                "area_m2": 12,
                "date_from": "2026-12-01",
                "date_to": "2026-12-10",
            },
            "materials": [
                # one file per material, as people upload them
                {"material": m["code"], "upload_id": upload()}
                for m in item["materials"]
                if m["required"]
            ],
            "delivery": "window",
        }
        submit_body = json.dumps(submission, ensure_ascii=False)
        first = http(
            "POST",
            base + "/api/v1/cases",
            body=submit_body.encode(),
            headers={
                "Authorization": f"Bearer {citizen}",
                "Content-Type": "application/json",
                "Idempotency-Key": uuid.uuid4().hex,
            },
        )
        scripts = data_dir
        meter = CpuMeter(gunicorn.pid)
        runs: dict[str, dict[str, Any]] = {}
        plan = [
            (
                "floor_insert",
                base + "/bench/floor",
                lua(
                    scripts / "floor.lua",
                    method="POST",
                    body="x",
                    headers={"Content-Type": "text/plain"},
                    unique_key=False,
                ),
            ),
            (
                "submit",
                base + "/api/v1/cases",
                lua(
                    scripts / "submit.lua",
                    method="POST",
                    body=submit_body,
                    headers={
                        "Authorization": f"Bearer {citizen}",
                        "Content-Type": "application/json",
                    },
                    unique_key=True,
                ),
            ),
            (
                "staff_inbox",
                base + "/api/v1/cases?status=submitted",
                lua(
                    scripts / "inbox.lua",
                    method="GET",
                    headers={"Authorization": f"Bearer {clerk}"},
                    unique_key=False,
                ),
            ),
            (
                "public_lookup",
                base + f"/api/v1/public/cases/{first['case_no']}?code={first['query_code']}",
                None,
            ),
            (
                "write_set_sql",
                base + "/bench/write-set",
                lua(
                    scripts / "write_set.lua",
                    method="POST",
                    body="",
                    headers={},
                    unique_key=False,
                ),
            ),
            (
                "write_set_one_statement",
                base + "/bench/write-set-one-statement",
                lua(
                    scripts / "write_set.lua",
                    method="POST",
                    body="",
                    headers={},
                    unique_key=False,
                ),
            ),
        ]
        for name, target, script in plan:
            log(f"wrk {name}: {args.connections} connections for {args.duration}s ...")
            before = meter.snapshot()
            runs[name] = wrk(
                target, script=script, duration=args.duration, connections=args.connections
            )
            runs[name]["cpu_per_request"] = meter.per_request(
                before, meter.snapshot(), runs[name]["requests"]
            )
            log(f"  {runs[name]}")

    floor_rps = runs["floor_insert"]["requests_per_s"]
    submit = runs["submit"]
    print(
        json.dumps(
            {
                "machine": {
                    "cores": os.cpu_count(),
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                },
                "setup": {
                    "gunicorn_workers": args.workers,
                    "wrk_connections": args.connections,
                    "duration_s": args.duration,
                    "database": "postgresql",
                },
                "results": runs,
                "submit_vs_floor": round(submit["requests_per_s"] / floor_rps, 3)
                if floor_rps
                else None,
                # The same rows by hand-written SQL, no checks: the ceiling of any
                # implementation of what a submission must write (bench/intake_urls.py).
                "submit_vs_write_set_sql": round(
                    submit["requests_per_s"] / runs["write_set_sql"]["requests_per_s"], 3
                ),
                "write_set_sql_vs_floor": round(
                    runs["write_set_sql"]["requests_per_s"] / floor_rps, 3
                ),
                "write_set_one_statement_vs_floor": round(
                    runs["write_set_one_statement"]["requests_per_s"] / floor_rps, 3
                ),
                "targets": {
                    "submissions_per_s>=300": submit["requests_per_s"] >= 300,
                    "submit_p99_ms<150": submit["p99_ms"] < 150,
                    "submit>=half_floor": submit["requests_per_s"] >= floor_rps / 2,
                },
            },
            ensure_ascii=False,
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
