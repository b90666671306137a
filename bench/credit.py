"""Benchmark of enterprise credit publicity at province scale (issue 4).

Loads COUNT synthetic Jilin market entities (realistic names with region prefixes,
valid USCCs; yiwang.credit.demo.synthetic) and about one departmental disclosure each,
through the real bulk loader (yiwang.credit.ingest.loader), then measures the p50/p95
latency of

  * name search for 2-, 3- and 4-character terms (the selector the API calls),
    beside a plain `ILIKE '%term%'` scan of the same query with the name indexes
    switched off (the baseline),
  * USCC lookup,
  * the enterprise page (GET /api/v1/public/enterprises/{uscc}, and the HTML page),

and prints one JSON document on stdout (progress goes to stderr).

    python bench/credit.py --database-url postgresql://user@host:port/db --count 9000000
    python bench/credit.py --database-url sqlite:////tmp/credit-bench.sqlite3 --count 1000000

Resumable and idempotent: data files are generated in chunks into --workdir and
reused; each chunk is one loader run, which resumes after a crash and is skipped once
loaded. Run it again to re-measure without reloading. Terms are substrings of names
drawn at random from the table, so common terms (长春, 有限公司) come up as often as
people would type them.

On PostgreSQL an initial load into an empty table drops the two GIN name indexes and
builds them after the rows are in (the usual bulk-load practice); the JSON reports
the row load and the index build separately. --keep-indexes loads with them in place.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from yiwang.accounts.actor import Actor

CHUNK = 500_000
SEED = 4
ENTERPRISE_FIELDS = (
    "uscc", "name", "kind", "legal_representative", "registered_capital", "address", "region_code",
    "registration_authority", "established_on", "approved_on", "term_to", "status", "business_scope",
)  # fmt: skip
DEPARTMENTS = (
    "220000-market-regulation",
    "220100-market-regulation",
    "220102-market-regulation",
    "222424-market-regulation",
    "220000-transport",
    "220102-housing",
    "222424-forestry",
)
PG_INDEXES = {
    "credit_enterprise_name_trgm": "CREATE INDEX IF NOT EXISTS credit_enterprise_name_trgm "
    "ON credit_enterprise USING gin (name gin_trgm_ops)",
    "credit_enterprise_name_bigram": "CREATE INDEX IF NOT EXISTS credit_enterprise_name_bigram "
    "ON credit_enterprise USING gin (credit_bigrams(name))",
}


def log(message: str) -> None:
    print(f"[credit bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- data files


def _generate_chunk(
    workdir: str, index: int, start: int, stop: int, disclosures_per: float
) -> tuple[str, str]:
    """Write one chunk's registry CSV and disclosures JSONL (atomically: .part, rename)."""
    from yiwang.credit.demo import synthetic

    registry = Path(workdir) / f"enterprises-{index:03d}-{start}-{stop}.csv"
    disclosures = Path(workdir) / f"disclosures-{index:03d}-{start}-{stop}.jsonl"
    if registry.exists() and disclosures.exists():
        return str(registry), str(disclosures)
    rng = random.Random(SEED * 1_000 + index)
    part_r, part_d = registry.with_suffix(".part"), disclosures.with_suffix(".part")
    with (
        part_r.open("w", encoding="utf-8", newline="") as fr,
        part_d.open("w", encoding="utf-8") as fd,
    ):
        writer = csv.writer(fr)
        writer.writerow(ENTERPRISE_FIELDS)
        n_disclosure = start * 2
        for n in range(start, stop):
            row = synthetic.enterprise_row(n, seed=SEED, code_prefix="B")
            writer.writerow([row[f] for f in ENTERPRISE_FIELDS])
            # Poisson-ish: 0, 1, 2 or 3 records, averaging `disclosures_per`.
            k = int(disclosures_per) + (rng.random() < disclosures_per % 1)
            for _ in range(k):
                record = synthetic.disclosure_row(
                    n_disclosure, row["uscc"], list(DEPARTMENTS), seed=SEED
                )
                fd.write(json.dumps(record, ensure_ascii=False) + "\n")
                n_disclosure += 1
    part_r.rename(registry)
    part_d.rename(disclosures)
    return str(registry), str(disclosures)


def _chunks(count: int) -> list[tuple[int, int, int]]:
    return [(i, start, min(start + CHUNK, count)) for i, start in enumerate(range(0, count, CHUNK))]


# --------------------------------------------------------------------------- database


def _setup_django(database_url: str, workdir: Path) -> None:
    os.environ["YIWANG_DATABASE_URL"] = database_url
    os.environ.setdefault("YIWANG_DATA_DIR", str(workdir / "data"))
    os.environ.setdefault("YIWANG_ENV", "demo")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    import django

    django.setup()
    from django.conf import settings

    # Measure the queries, not the anti-scraping limit.
    settings.YIWANG_CREDIT = {"RATE_LIMITS": {"search": (10**9, 60), "detail": (10**9, 60)}}
    settings.ALLOWED_HOSTS = ["*"]
    settings.LOGGING_CONFIG = None


def _vendor() -> str:
    from django.db import connection

    return str(connection.vendor)


def _scalar(sql: str, params: list[Any] | None = None) -> Any:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        row = cursor.fetchone()
    return row[0] if row else None


def _execute(sql: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)


def _prepare_database() -> None:
    from django.core.management import call_command

    from yiwang.org.services import load_org_data

    log("migrating")
    call_command("migrate", verbosity=0, interactive=False)
    load_org_data(actor=Actor.system("bench"))


def _load(
    workdir: Path, count: int, disclosures_per: float, keep_indexes: bool, batch_size: int
) -> dict[str, Any]:
    """Generate (one chunk ahead, in a second process) and load every chunk."""
    from yiwang.credit.ingest.loader import load_file
    from yiwang.credit.models import Enterprise

    vendor = _vendor()
    defer = vendor == "postgresql" and not keep_indexes and not Enterprise.objects.exists()
    timings: dict[str, Any] = {"deferred_indexes": defer}
    if defer:
        log("empty table: dropping the GIN name indexes until the rows are in")
        for name in PG_INDEXES:
            _execute(f"DROP INDEX IF EXISTS {name}")
    if vendor == "postgresql":
        # One commit per batch: no need to wait for the WAL flush of each in a benchmark.
        _execute("SET synchronous_commit = off")
    chunks = _chunks(count)
    started = time.monotonic()
    rows_seconds = disclosure_seconds = generation_wait = 0.0
    totals = {
        "inserted": 0,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "disclosures": 0,
        "already_loaded_chunks": 0,
    }
    with ProcessPoolExecutor(max_workers=1) as pool:
        pending: Future[tuple[str, str]] | None = None
        for position, (index, start, stop) in enumerate(chunks):
            current = pending or pool.submit(
                _generate_chunk, str(workdir), index, start, stop, disclosures_per
            )
            if position + 1 < len(chunks):
                nxt = chunks[position + 1]
                pending = pool.submit(
                    _generate_chunk, str(workdir), nxt[0], nxt[1], nxt[2], disclosures_per
                )
            t = time.monotonic()
            registry, disclosures = current.result()
            generation_wait += time.monotonic() - t
            log(f"chunk {index + 1}/{len(chunks)}: rows {start:,}-{stop:,}")
            t = time.monotonic()
            report = load_file(
                registry, actor=Actor.system("bench"), batch_size=batch_size, progress=True
            )
            rows_seconds += time.monotonic() - t
            totals["already_loaded_chunks"] += report.already_loaded
            for key in ("inserted", "updated", "unchanged", "rejected"):
                totals[key] += getattr(report, key)
            t = time.monotonic()
            d = load_file(
                disclosures,
                kind="disclosures",
                actor=Actor.system("bench"),
                batch_size=batch_size,
                progress=True,
            )
            disclosure_seconds += time.monotonic() - t
            totals["disclosures"] += d.inserted
    timings["waiting_for_generated_files_seconds"] = round(generation_wait, 1)
    timings["rows_seconds"] = round(rows_seconds, 1)
    timings["disclosures_seconds"] = round(disclosure_seconds, 1)
    t = time.monotonic()
    if vendor == "postgresql":
        log("building the GIN name indexes (if missing) and analysing")
        _execute("SET maintenance_work_mem = '1GB'")
        for sql in PG_INDEXES.values():
            _execute(sql)
        _execute("ANALYZE credit_enterprise")
        _execute("ANALYZE credit_disclosure")
    else:
        log("analysing")
        _execute("ANALYZE")
    timings["index_and_analyse_seconds"] = round(time.monotonic() - t, 1)
    timings["total_seconds"] = round(time.monotonic() - started, 1)
    timings["this_run"] = totals
    return timings


def _recorded_load_seconds() -> float:
    """Load time as the checkpoint table recorded it, across resumed runs."""
    from yiwang.credit.models import LoadRun

    total = 0.0
    for run in LoadRun.objects.filter(status="done"):
        if run.finished_at:
            total += (run.finished_at - run.started_at).total_seconds()
    return round(total, 1)


# --------------------------------------------------------------------------- measuring


def _stats(samples: list[float]) -> dict[str, Any]:
    ordered = sorted(samples)

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))], 2)

    return {
        "n": len(ordered),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "mean_ms": round(statistics.fmean(ordered), 2),
        "max_ms": round(ordered[-1], 2),
    }


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    result = fn()
    return (time.perf_counter() - t) * 1000, result


def _sample_rows(n: int, rng: random.Random) -> list[tuple[str, str]]:
    """(uscc, name) of `n` enterprises drawn uniformly by id."""
    from django.db import connection

    lo, hi = (
        _scalar("SELECT min(id) FROM credit_enterprise"),
        _scalar("SELECT max(id) FROM credit_enterprise"),
    )
    found: list[tuple[str, str]] = []
    with connection.cursor() as cursor:
        while len(found) < n:
            ids = [rng.randint(lo, hi) for _ in range(min(500, 2 * (n - len(found))))]
            placeholders = ", ".join(["%s"] * len(ids))  # only placeholders, values bound
            sql = f"SELECT uscc, name FROM credit_enterprise WHERE id IN ({placeholders})"  # noqa: S608
            cursor.execute(sql, ids)
            found.extend((str(u), str(nm)) for u, nm in cursor.fetchall())
    return found[:n]


def _terms(rows: list[tuple[str, str]], length: int, rng: random.Random) -> list[str]:
    terms = []
    for _, name in rows:
        if len(name) >= length:
            start = rng.randrange(len(name) - length + 1)
            terms.append(name[start : start + length])
    return terms


def _baseline(term: str, limit: int) -> int:
    """The same query as a plain ILIKE/LIKE scan, the name indexes unused."""
    from django.db import connection, transaction

    from yiwang.credit.search.textindex import like_escape

    pattern = f"%{like_escape(term)}%"
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute("SET LOCAL enable_indexonlyscan = off")
            cursor.execute(
                "SELECT id, name FROM credit_enterprise WHERE name ILIKE %s LIMIT %s",
                [pattern, limit],
            )
        else:
            cursor.execute(
                "SELECT id, name FROM credit_enterprise WHERE name LIKE %s ESCAPE '\\' LIMIT %s",
                [pattern, limit],
            )
        return len(cursor.fetchall())


def _measure(queries: int, baseline_queries: int, rng: random.Random) -> dict[str, Any]:
    from django.test import Client

    from yiwang.credit import selectors
    from yiwang.credit.conf import credit_setting
    from yiwang.credit.search import queries as search

    cap = int(credit_setting("SEARCH_CAP"))
    rows = _sample_rows(queries * 3 + 200, rng)
    # Warm the caches the way a running site has them warm.
    for uscc, name in rows[-200:]:
        selectors.search_enterprises(name[:3])
        selectors.get_enterprise(uscc)
    results: dict[str, Any] = {"name_search": {}}
    for length in (2, 3, 4):
        terms = _terms(rows[:queries], length, rng)
        samples, capped, totals = [], 0, []
        strategies: dict[str, int] = {}
        for term in terms:
            ms, page = _timed(lambda term=term: selectors.search_enterprises(term))
            samples.append(ms)
            capped += page.capped
            totals.append(page.total)
            used = search.contains(term, limit=cap + 1).strategy
            strategies[used] = strategies.get(used, 0) + 1
        base = [
            _timed(lambda term=term: _baseline(term, cap + 1))[0]
            for term in terms[:baseline_queries]
        ]
        results["name_search"][f"{length}_chars"] = {
            **_stats(samples),
            "capped_share": round(capped / len(terms), 3),
            "median_total": int(statistics.median(totals)),
            "strategies": strategies,
            "examples": terms[:5],
            "baseline_ilike_scan": _stats(base),
        }
        log(
            f"{length}-character terms: p95 {results['name_search'][f'{length}_chars']['p95_ms']} ms"
        )
    usccs = [u for u, _ in rows[queries : 2 * queries]]
    results["uscc_lookup"] = _stats(
        [_timed(lambda u=u: selectors.get_enterprise(u))[0] for u in usccs]
    )
    results["uscc_search"] = _stats(
        [_timed(lambda u=u: selectors.search_enterprises(u))[0] for u in usccs]
    )
    client = Client()
    pages = [u for u, _ in rows[2 * queries : 3 * queries]]
    results["enterprise_page_api"] = _stats(
        [_timed(lambda u=u: client.get(f"/api/v1/public/enterprises/{u}"))[0] for u in pages]
    )
    results["enterprise_page_html"] = _stats(
        [_timed(lambda u=u: client.get(f"/credit/enterprises/{u}/"))[0] for u in pages]
    )
    return results


def _sizes() -> dict[str, Any]:
    from yiwang.credit.models import Disclosure, Enterprise

    sizes: dict[str, Any] = {
        "enterprises": Enterprise.objects.count(),
        "disclosures": Disclosure.objects.count(),
    }
    if _vendor() == "postgresql":
        for name in ("credit_enterprise", "credit_disclosure", *PG_INDEXES):
            sizes[f"{name}_mb"] = round(
                _scalar("SELECT pg_total_relation_size(%s)", [name]) / 2**20
            )
        sizes["server_version"] = _scalar("SHOW server_version")
    else:
        sizes["sqlite_version"] = _scalar("SELECT sqlite_version()")
        sizes["database_file_mb"] = round(
            _scalar("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")
            / 2**20
        )
    return sizes


@contextmanager
def _quiet_logs() -> Iterator[None]:
    import logging

    previous = logging.root.manager.disable
    logging.disable(logging.INFO)
    try:
        yield
    finally:
        logging.disable(previous)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True, help="postgresql://... or sqlite:////path")
    parser.add_argument(
        "--count", type=int, default=9_000_000, help="market entities (default 9,000,000)"
    )
    parser.add_argument(
        "--disclosures-per", type=float, default=1.0, help="disclosures per entity on average"
    )
    parser.add_argument("--queries", type=int, default=300, help="timed queries per kind")
    parser.add_argument(
        "--baseline-queries", type=int, default=30, help="timed baseline scans per term length"
    )
    parser.add_argument(
        "--workdir", default=str(Path(tempfile.gettempdir()) / "yiwang-credit-bench")
    )
    parser.add_argument("--batch-size", type=int, default=5000, help="rows per loader transaction")
    parser.add_argument(
        "--keep-indexes", action="store_true", help="load with the GIN indexes in place"
    )
    parser.add_argument("--skip-load", action="store_true", help="measure what is loaded")
    args = parser.parse_args()

    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    _setup_django(args.database_url, workdir)
    with _quiet_logs():
        _prepare_database()
        load = (
            None
            if args.skip_load
            else _load(
                workdir, args.count, args.disclosures_per, args.keep_indexes, args.batch_size
            )
        )
        log("measuring")
        measured = _measure(args.queries, args.baseline_queries, random.Random(SEED))
    out = {
        "benchmark": "credit",
        "database": _vendor(),
        "count": args.count,
        "cpus": os.cpu_count(),
        "sizes": _sizes(),
        "load": load,
        "load_seconds_recorded": _recorded_load_seconds(),
        **measured,
        "targets": {
            "name_search_p95_ms": 50,
            "uscc_lookup_p95_ms": 5,
            "met": {
                "name_search": all(v["p95_ms"] < 50 for v in measured["name_search"].values()),
                "uscc_lookup": measured["uscc_lookup"]["p95_ms"] < 5,
            },
        },
    }
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
