"""Benchmark of the license library's bulk import and signing job (issue 11 item 8).

Generates ROWS synthetic business licenses (营业执照; holders from the credit synthetic
registry: valid USCCs made by `common.validators.make_uscc`, Chinese company names),
then, on an empty license table:

  1. imports them with `yiwang licenses import FILE --no-sign` in a child process:
     rows/s, wall time, peak RSS and RSS samples over the run (flat or not);
  2. a plain `COPY` of the same rows (exported from the import) into a table with the
     same columns, indexes and constraints (`LIKE licenses_license INCLUDING ALL`):
     its time and the import/COPY ratio;
  3. signs them with `yiwang licenses sign --processes P` (child processes): signatures/s
     in total and per process, beside gmssl-pyx's lowest-level `sm2_sign_sm3_digest`
     of a precomputed digest measured in this run (one core), and the same path without
     the database (`sealing.sign_version`);
  4. verifies a sample offline (`verification.verify_offline` of payloads rebuilt from
     the rows) beside `sm2_verify_sm3_digest` of a precomputed digest; and checks
     that every license is signed;

and prints one JSON document on stdout (progress on stderr). Wall time until all are
verifiable = import + signing (the COPY baseline and the primitives are not counted).

    python bench/licenses.py --rows 50000           # development
    python bench/licenses.py                        # 2.6 million, database yw_h2

The database's licenses (and their feed, imports, keys) are deleted first: run it on a
bench database only.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgresql://yiwang@127.0.0.1:55433/yw_h2"
BUSINESS_LICENSE = "11100000032316376T001"  # 营业执照 (licenses/data/license_types.json)
ISSUERS = (
    "220000-market-regulation",
    "220100-market-regulation",
    "220102-market-regulation",
    "222424-market-regulation",
)
ENTITY_TYPES = {
    "llc": "有限责任公司",
    "joint_stock": "股份有限公司",
    "branch": "有限责任公司分公司",
    "foreign_invested": "有限责任公司（外商投资）",
    "sole_proprietorship": "个人独资企业",
    "partnership": "有限合伙企业",
    "cooperative": "农民专业合作社",
    "individual": "个体工商户",
}
HEADER = (
    "type_code", "license_no", "holder_kind", "holder_code", "holder_name", "issuer",
    "issued_on", "valid_from", "valid_until", "entity_type", "legal_representative",
    "registered_capital", "established_on", "address", "business_scope",
)  # fmt: skip
CHUNK = 200_000
SEED = 11


def log(message: str) -> None:
    print(f"[licenses bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- the file


def _chunk(workdir: str, index: int, start: int, stop: int) -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    from yiwang.credit.demo import synthetic

    path = Path(workdir) / f"part-{index:04d}-{start}-{stop}.csv"
    if path.exists():
        return str(path)
    part = path.with_suffix(".part")
    with part.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        for n in range(start, stop):
            e = synthetic.enterprise_row(n, seed=SEED, code_prefix="L")
            writer.writerow(
                (
                    BUSINESS_LICENSE,
                    e["uscc"],  # a business license's number is its holder's USCC
                    "entity",
                    e["uscc"],
                    e["name"],
                    ISSUERS[n % len(ISSUERS)],
                    e["approved_on"],
                    e["established_on"],
                    e["term_to"],
                    ENTITY_TYPES.get(e["kind"], "有限责任公司"),
                    e["legal_representative"],
                    f"{e['registered_capital']}万元",
                    e["established_on"],
                    e["address"],
                    e["business_scope"],
                )
            )
    part.rename(path)
    return str(path)


def generate(workdir: Path, rows: int, processes: int) -> Path:
    """The import file (CSV, header row), made in chunks by `processes` processes and
    reused when it exists."""
    target = workdir / f"licenses-{rows}.csv"
    if target.exists():
        return target
    log(f"generating {rows} licenses into {target}")
    started = time.monotonic()
    ranges = [(i, s, min(s + CHUNK, rows)) for i, s in enumerate(range(0, rows, CHUNK))]
    with ProcessPoolExecutor(max_workers=processes) as pool:
        parts = list(pool.map(_chunk, [str(workdir)] * len(ranges), *zip(*ranges, strict=True)))
    part = target.with_suffix(".part")
    with part.open("wb") as out:
        out.write((",".join(HEADER) + "\n").encode())
        for name in parts:
            with open(name, "rb") as fh:
                while block := fh.read(1 << 22):
                    out.write(block)
            os.unlink(name)
    part.rename(target)
    log(f"generated in {time.monotonic() - started:.0f} s ({target.stat().st_size >> 20} MB)")
    return target


# --------------------------------------------------------------------------- children


def _env(database_url: str, workdir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "YIWANG_DATABASE_URL": database_url,
        "YIWANG_DATA_DIR": os.environ.get("YIWANG_DATA_DIR", str(workdir / "data")),
        "YIWANG_ENV": os.environ.get("YIWANG_ENV", "demo"),
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
    }


def run_child(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run `yiwang ARGS` and measure it: wall time, peak RSS (wait4), RSS samples."""
    samples: list[int] = []
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "yiwang.cli", *args], env=env, stdout=subprocess.PIPE
    )

    def sample() -> None:
        status = Path(f"/proc/{proc.pid}/status")
        while proc.poll() is None:
            try:
                for line in status.read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        samples.append(int(line.split()[1]) // 1024)
            except OSError:
                break
            time.sleep(1.0)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    out = proc.stdout.read().decode() if proc.stdout else ""
    sampler.join(timeout=2)
    if proc.returncode != 0:
        raise SystemExit(f"yiwang {' '.join(args)} failed ({proc.returncode}): {out}")
    quarter = max(1, len(samples) // 4)
    return {
        "seconds": round(wall, 2),
        # The child and the processes it waited for (the signing pool): CPU it used.
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "rss_mb_first_quarter_max": max(samples[:quarter], default=0),
        "rss_mb_last_quarter_max": max(samples[-quarter:], default=0),
        "output": json.loads(out.strip().splitlines()[-1]) if out.strip() else None,
    }


# --------------------------------------------------------------------------- in process


def _setup_django(database_url: str, workdir: Path) -> None:
    for key, value in _env(database_url, workdir).items():
        os.environ[key] = value
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    import django

    django.setup()


def _prepare_database() -> None:
    from django.core.management import call_command
    from django.db import connection

    from yiwang.accounts.actor import Actor
    from yiwang.catalog.services import load_catalog_data
    from yiwang.licenses.services import load_license_types
    from yiwang.org.services import load_org_data

    log("migrating, org data, catalog, license types")
    call_command("migrate", verbosity=0, interactive=False)
    actor = Actor.system("bench")
    load_org_data(actor=actor)
    load_catalog_data(actor=actor)
    load_license_types(actor=actor)
    log("emptying the license library")
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE licenses_licensechange, licenses_verification, licenses_license,"
            " licenses_licenseimport, licenses_licenseserial, bench_license_copy CASCADE"
            if _table_exists("bench_license_copy")
            else "TRUNCATE licenses_licensechange, licenses_verification, licenses_license,"
            " licenses_licenseimport, licenses_licenseserial CASCADE"
        )
        cursor.execute("DELETE FROM licenses_authoritykey")


def _table_exists(name: str) -> bool:
    from django.db import connection

    return name in connection.introspection.table_names()


def _copy_baseline(workdir: Path) -> dict[str, Any]:
    """Export the imported rows (untimed) and COPY them into an empty table with the
    same columns, indexes and constraints (timed)."""
    from django.db import connection

    columns = (
        "identifier, license_type_id, serial, version, holder_kind, holder_code, holder_name,"
        " issuer_id, issued_on, valid_from, valid_until, metadata, status, status_reason,"
        " digest, signature, key_id, signed_at, created_at"
    )
    dump = workdir / "copy-baseline.tsv"
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_license_copy")
        cursor.execute("CREATE TABLE bench_license_copy (LIKE licenses_license INCLUDING ALL)")
        log("exporting the imported rows for the COPY baseline")
        with (
            dump.open("wb") as out,
            cursor.cursor.copy(
                f"COPY (SELECT {columns} FROM licenses_license ORDER BY id) TO STDOUT"  # noqa: S608
            ) as copy,
        ):
            for block in copy:
                out.write(block)
    log("plain COPY of the same rows")
    started = time.monotonic()
    statement = f"COPY bench_license_copy ({columns}) FROM STDIN"
    with (
        connection.cursor() as cursor,
        dump.open("rb") as fh,
        cursor.cursor.copy(statement) as copy,
    ):
        while block := fh.read(1 << 20):
            copy.write(block)
    seconds = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_license_copy")
        copied = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_license_copy")
    dump.unlink()
    return {"rows": copied, "seconds": round(seconds, 2)}


def _rate(fn: Any, seconds: float) -> float:
    count, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        for _ in range(50):
            fn()
        count += 50
    return count / elapsed


def _primitive_worker(seconds: float) -> float:
    from gmssl_pyx import sm2_key_generate, sm2_sign_sm3_digest

    _public, private = sm2_key_generate()
    digest = bytes(range(32))
    return _rate(lambda: sm2_sign_sm3_digest(private, digest), seconds)


def _parallel_primitive(processes: int) -> float:
    """`sm2_sign_sm3_digest` in `processes` processes at once: per process, as the
    signing processes run (the same contention for the cores)."""
    with ProcessPoolExecutor(max_workers=processes) as pool:
        rates = list(pool.map(_primitive_worker, [3.0] * processes))
    return sum(rates) / processes


def _primitives_and_paths(sample: int) -> dict[str, Any]:
    """One core: the lowest-level SM2 calls on a precomputed digest, and our paths."""
    from datetime import date

    from django.db.models import Max, Min
    from django.utils import timezone
    from gmssl_pyx import sm2_sign_sm3_digest, sm2_verify_sm3_digest

    from yiwang.licenses.models import License
    from yiwang.licenses.services import known_keys, payload_of
    from yiwang.licenses.services.keys import key_pair
    from yiwang.licenses.services.sealing import sign_version
    from yiwang.licenses.verification import verify_offline

    # An even spread over the table (ORDER BY random() would sort 2.6 million rows).
    low, high = License.objects.aggregate(low=Min("id"), high=Max("id")).values()
    step = max(1, (high - low + 1) // sample)
    rows = list(
        License.objects.select_related("license_type", "issuer", "key").filter(
            id__in=list(range(low, high + 1, step))[:sample]
        )
    )
    stored_keys = {r.issuer_id: r.key for r in rows if r.key is not None}
    pair = key_pair(next(iter(stored_keys.values())))
    digest = pair.digest_of(b"a precomputed message")
    der = bytes(sm2_sign_sm3_digest(pair.private, digest))
    public64 = pair.public[1:]
    # Interleaved rounds, best of each: the machine is shared, and a neighbour's burst
    # must not make one side look slower than the other.
    now = timezone.now()
    payloads = [payload_of(r) for r in rows]
    keys = known_keys()
    today = date.today()
    results: dict[str, int] = {}
    best = {"sign_p": 0.0, "verify_p": 0.0, "sign": 0.0, "verify": 0.0}
    rounds = 6
    step = max(1, len(rows) // rounds)  # rows per round
    for k in range(rounds):
        part = rows[k * step : (k + 1) * step]
        best["sign_p"] = max(
            best["sign_p"], _rate(lambda: sm2_sign_sm3_digest(pair.private, digest), 0.5)
        )
        started = time.perf_counter()
        for lic in part:
            key = stored_keys[lic.issuer_id]
            sign_version(lic, lic.license_type, lic.issuer, key, key_pair(key), now)
        best["sign"] = max(best["sign"], len(part) / (time.perf_counter() - started))
        best["verify_p"] = max(
            best["verify_p"], _rate(lambda: sm2_verify_sm3_digest(public64, digest, der), 0.5)
        )
        started = time.perf_counter()
        for payload in payloads[k * step : (k + 1) * step]:
            outcome = verify_offline(payload, keys, today)
            results[outcome.result] = results.get(outcome.result, 0) + 1
        best["verify"] = max(best["verify"], len(part) / (time.perf_counter() - started))
    sign_primitive, verify_primitive = best["sign_p"], best["verify_p"]
    sign_path, verify_path = best["sign"], best["verify"]
    return {
        "sign_primitive_per_s": round(sign_primitive),
        "verify_primitive_per_s": round(verify_primitive),
        "sign_version_no_db_per_s": round(sign_path),
        "verify_offline_per_s": round(verify_path),
        "verify_sample": sum(results.values()),
        "verify_sample_results": results,
    }


def _partial(workdir: Path, data: dict[str, Any]) -> None:
    """What is measured so far, in case the run is cut short."""
    (workdir / "result.partial.json").write_text(json.dumps(data, indent=2, default=str))


def _counts() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE signed_at IS NULL) FROM licenses_license"
        )
        total, unsigned = cursor.fetchone()
        cursor.execute("SELECT kind, count(*) FROM licenses_licensechange GROUP BY kind")
        feed = dict(cursor.fetchall())
    return {"licenses": total, "unsigned": unsigned, **{f"feed_{k}": v for k, v in feed.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--rows", type=int, default=2_600_000)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument(
        "--workdir", default=str(Path(tempfile.gettempdir()) / "yiwang-licenses-bench")
    )
    parser.add_argument("--verify-sample", type=int, default=20_000)
    parser.add_argument(
        "--variant",
        choices=["inline", "job"],
        default="inline",
        help="inline: the import signs each batch (the design); job: import unsigned, "
        "then the signing job (the alternative, for decision 0021)",
    )
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        raise SystemExit(
            "invalid: the benchmark runs on PostgreSQL (--database-url postgresql://…)"
        )
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    _setup_django(args.database_url, workdir)
    _prepare_database()
    from django.db import connections

    connections.close_all()
    path = generate(workdir, args.rows, args.processes)
    env = _env(args.database_url, workdir)
    if args.variant == "inline":
        log(f"importing {args.rows} rows, signing each batch in {args.processes} processes")
        imported = run_child(
            ["licenses", "import", str(path), "--batch-size", str(args.batch_size),
             "--processes", str(args.processes)],
            env,
        )  # fmt: skip
        log(f"imported and signed in {imported['seconds']} s; the COPY baseline")
        _partial(workdir, {"import": imported})
        copy = _copy_baseline(workdir)
        signed: dict[str, Any] = {
            "seconds": 0.0,
            "cpu_seconds": 0.0,
            "peak_rss_mb": 0.0,
            "output": {"signed": 0},
        }
    else:
        log(f"importing {args.rows} rows unsigned (--no-sign)")
        imported = run_child(
            ["licenses", "import", str(path), "--no-sign", "--batch-size", str(args.batch_size)],
            env,
        )
        log(f"imported in {imported['seconds']} s; the COPY baseline of the same rows")
        _partial(workdir, {"import": imported})
        copy = _copy_baseline(workdir)
        connections.close_all()
        log(f"signing job with {args.processes} processes")
        signed = run_child(["licenses", "sign", "--processes", str(args.processes)], env)
        log(f"signed in {signed['seconds']} s")
    _partial(workdir, {"import": imported, "copy": copy, "signed": signed})
    log("primitives and verification, one core")
    crypto = _primitives_and_paths(min(args.verify_sample, args.rows))
    crypto["sign_primitive_per_s_per_process_when_parallel"] = round(
        _parallel_primitive(args.processes)
    )
    counts = _counts()
    import_out: dict[str, Any] = imported["output"] or {}
    sign_out: dict[str, Any] = signed["output"] or {}
    if args.variant == "inline":
        sign_seconds, sign_count = imported["seconds"], import_out.get("inserted", 0)
    else:
        sign_seconds, sign_count = signed["seconds"], sign_out.get("signed", 0)
    per_core = sign_count / sign_seconds / args.processes
    wall = imported["seconds"] + signed["seconds"]
    result = {
        "rows": args.rows,
        "variant": args.variant,
        "file_mb": round(path.stat().st_size / 2**20, 1),
        "database": "postgresql",
        "cores": os.cpu_count(),
        "import": {
            "signs_inside": args.variant == "inline",
            "seconds": imported["seconds"],
            "rows_per_s": round(import_out.get("inserted", 0) / imported["seconds"]),
            "inserted": import_out.get("inserted"),
            "rejected": import_out.get("rejected"),
            "batches": import_out.get("batches"),
            "batch_size": args.batch_size,
            "cpu_seconds": imported["cpu_seconds"],
            "peak_rss_mb": imported["peak_rss_mb"],
            "rss_mb_first_quarter_max": imported["rss_mb_first_quarter_max"],
            "rss_mb_last_quarter_max": imported["rss_mb_last_quarter_max"],
        },
        "copy": {
            **copy,
            "rows_per_s": round(copy["rows"] / copy["seconds"]),
            "import_to_copy_ratio": round(imported["seconds"] / copy["seconds"], 2),
        },
        "signing": {
            "where": "inside the import" if args.variant == "inline" else "the signing job",
            "processes": args.processes,
            "seconds": round(sign_seconds, 2),
            "signed": sign_count,
            "per_s": round(sign_count / sign_seconds),
            "per_s_per_core": round(per_core),
            "client_cpu_us_per_license": round(
                1e6
                * (imported["cpu_seconds"] + signed.get("cpu_seconds", 0.0))
                / max(1, sign_count)
            ),
        },
        "crypto_one_core": crypto,
        "ratios": {
            "signing_per_core_to_primitive": round(per_core / crypto["sign_primitive_per_s"], 3),
            "signing_per_core_to_parallel_primitive": round(
                per_core / crypto["sign_primitive_per_s_per_process_when_parallel"], 3
            ),
            "sign_version_to_primitive": round(
                crypto["sign_version_no_db_per_s"] / crypto["sign_primitive_per_s"], 3
            ),
            "verify_offline_to_primitive": round(
                crypto["verify_offline_per_s"] / crypto["verify_primitive_per_s"], 3
            ),
        },
        "wall_until_all_verifiable_s": round(wall, 1),
        "counts": counts,
        "targets": {
            "import_within_10x_copy": imported["seconds"] <= 10 * copy["seconds"],
            "rss_under_500_mb": imported["peak_rss_mb"] < 500,
            "sign_at_least_70pct": per_core >= 0.7 * crypto["sign_primitive_per_s"],
            "verify_at_least_70pct": crypto["verify_offline_per_s"]
            >= 0.7 * crypto["verify_primitive_per_s"],
            "all_verifiable_within_600_s": counts["unsigned"] == 0 and wall <= 600,
        },
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
