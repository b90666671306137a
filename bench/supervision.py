"""Benchmark of the supervision statistics at province scale (issue 12).

Generates --cases cases of history through the real bulk path (`yiwang seed history`,
resumable: a rerun with the same count adds nothing), then measures p50/p95 of

  * the province overview (the rollup's `overview`, the figures lane M's overview
    endpoint shows — the lead wires that endpoint to it at merge),
  * a city drill-down (长春市: its overview and its figures by county),
  * the monthly statistics by department over the whole history,
  * a year's CSV export by item and day (the streamed generator, consumed),

each beside the same figures computed in the same run by plain aggregate queries over
the case table (the baseline: `cases_case` joined to its item, its region and its
rating, and to a working-day index of the calendar to count working days), and checks
that every figure equals the baseline's. Prints one JSON document on stdout.

    python bench/supervision.py --database-url postgresql://yiwang@127.0.0.1:55433/yw_h2 --cases 1000000
"""

# ruff: noqa: S608 - the SQL is built from constant fragments; values are parameters
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any


def _setup(database_url: str) -> None:
    os.environ["YIWANG_DATABASE_URL"] = database_url
    os.environ.setdefault("YIWANG_ENV", "demo")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    import django

    django.setup()


def _timed(fn: Callable[[], Any], runs: int) -> tuple[dict[str, float], Any]:
    times, result = [], None
    for _ in range(runs):
        began = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(p95, 2),
        "runs": runs,
    }, result


# --------------------------------------------------------------------------- the baseline


def _calendar_index() -> None:
    """A temporary table: for each day of the history, the number of working days up to
    it (common.workdays), so `n(b) - n(a)` is the working days in (a, b] (Art. 82)."""
    from django.db import connection

    from yiwang.common import workdays

    with connection.cursor() as cursor:
        cursor.execute("SELECT min(accepted_on), max(decided_on) FROM cases_case")
        first, last = cursor.fetchone()
        cursor.execute("DROP TABLE IF EXISTS bench_workday")
        cursor.execute("CREATE TEMP TABLE bench_workday (d date PRIMARY KEY, n integer NOT NULL)")
        rows, n, day = [], 0, first - timedelta(days=1)
        while day <= last + timedelta(days=1):
            n += int(workdays.is_workday(day))
            rows.append((day, n))
            day += timedelta(days=1)
        cursor.executemany("INSERT INTO bench_workday VALUES (%s, %s)", rows)
        cursor.execute("ANALYZE bench_workday")


_CLOSED_DAY = "(c.closed_at AT TIME ZONE 'Asia/Shanghai')::date"
_RATED_DAY = "(e.at AT TIME ZONE 'Asia/Shanghai')::date"


def _baseline_parts(
    where: str,
    params: list[Any],
    group: str,
    trunc: str | None,
    days: tuple[date, date] | None = None,
) -> dict[tuple[Any, ...], Counter[str]]:
    """The figures over the case table, grouped by (`trunc` of the day, `group`); each
    part's own day (accepted, closed, rated) within `days` if given."""
    from django.db import connection

    def within(expr: str) -> str:
        return f" AND {expr} BETWEEN %s AND %s" if days else ""

    def bucket(expr: str) -> str:
        return f"date_trunc('{trunc}', {expr})::date" if trunc else "NULL::date"

    out: dict[tuple[Any, ...], Counter[str]] = defaultdict(Counter)
    dim = group or "NULL"
    queries = [
        (
            f"SELECT {bucket('c.accepted_on')}, {dim}, count(*), "
            "count(*) FILTER (WHERE c.channel = 'online'), "
            "count(*) FILTER (WHERE i.visits = 0), count(*) FILTER (WHERE i.visits = 1), "
            "count(*) FILTER (WHERE i.visits >= 2) "
            "FROM cases_case c JOIN catalog_serviceitem i ON i.id = c.item_id "
            f"JOIN org_region r ON r.code = c.region_id WHERE c.accepted_on IS NOT NULL AND {where}"
            + within("c.accepted_on")
            + " GROUP BY 1, 2",
            ("accepted", "online", "star5", "star4", "star3"),
        ),
        (
            f"SELECT {bucket(_CLOSED_DAY)}, {dim}, count(*), "
            "count(*) FILTER (WHERE c.status = 'completed'), count(*) FILTER (WHERE c.status = 'denied'), "
            "count(*) FILTER (WHERE c.decided_on <= c.promised_deadline), "
            "count(*) FILTER (WHERE c.decided_on < c.promised_deadline), "
            "count(*) FILTER (WHERE c.paused_workdays > 0), count(*) FILTER (WHERE c.extension_workdays > 0), "
            "sum(GREATEST(0, wd.n - wa.n - c.paused_workdays)), sum(c.promised_limit_days), sum(c.legal_limit_days) "
            "FROM cases_case c JOIN org_region r ON r.code = c.region_id "
            "JOIN bench_workday wa ON wa.d = c.accepted_on JOIN bench_workday wd ON wd.d = c.decided_on "
            f"WHERE c.status IN ('completed', 'denied') AND {where}"
            + within(_CLOSED_DAY)
            + " GROUP BY 1, 2",
            (
                "completed",
                "approved",
                "denied",
                "on_time",
                "ahead",
                "suspended",
                "extended",
                "used_days",
                "promised_days",
                "legal_days",
            ),
        ),
        (
            f"SELECT {bucket(_CLOSED_DAY)}, {dim}, count(*) FILTER (WHERE c.status = 'refused'), "
            "count(*) FILTER (WHERE c.status = 'withdrawn') "
            "FROM cases_case c JOIN org_region r ON r.code = c.region_id "
            f"WHERE c.status IN ('refused', 'withdrawn') AND {where}"
            + within(_CLOSED_DAY)
            + " GROUP BY 1, 2",
            ("refused", "withdrawn"),
        ),
        (
            f"SELECT {bucket(_RATED_DAY)}, {dim}, count(*), "
            + ", ".join(f"count(*) FILTER (WHERE e.score = {n})" for n in range(1, 6))
            + " FROM feedback_evaluation e JOIN cases_case c ON c.id = e.case_id "
            f"JOIN org_region r ON r.code = c.region_id WHERE {where}"
            + within(_RATED_DAY)
            + " GROUP BY 1, 2",
            ("rated", "score1", "score2", "score3", "score4", "score5"),
        ),
    ]
    with connection.cursor() as cursor:
        for sql, names in queries:
            cursor.execute(sql, params + (list(days) if days else []))
            for row in cursor.fetchall():
                key = (row[0], row[1])
                for name, value in zip(names, row[2:], strict=True):
                    out[key][name] += int(value or 0)
    return out


def _baseline_overview(path: str) -> dict[str, int]:
    parts = _baseline_parts("r.path LIKE %s", [path + "%"], "", None)
    total: Counter[str] = Counter()
    for counters in parts.values():
        total.update(counters)
    return dict(+total)


def _counters(figures: dict[str, Any]) -> dict[str, int]:
    from yiwang.supervision.models import COUNTERS

    return {c: int(figures[c]) for c in COUNTERS if figures[c]}


def _endpoint(runs: int, checks: dict[str, bool]) -> dict[str, Any]:
    """p50/p95 of the whole overview request (province, a city, a county), with the
    open-case figures checked against a direct count over the case table."""
    from django.test import Client

    from yiwang.cases.choices import TERMINAL_STATUSES
    from yiwang.cases.models import Case
    from yiwang.portal.demo import DEMO_PASSWORD

    client = Client()
    token = client.post(
        "/api/v1/auth/login",
        {"username": "supervisor-jilin", "password": DEMO_PASSWORD},
        content_type="application/json",
    ).json()["token"]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    out: dict[str, Any] = {}
    for name, region, path in (
        ("province", "", "220000/"),
        ("city", "220100", "220000/220100/"),
        ("county", "220102", "220000/220100/220102/"),
    ):
        url = "/api/v1/supervision/overview" + (f"?region={region}" if region else "")
        client.get(url, **headers)  # warm: the first request loads the URLconf
        timing, response = _timed(lambda url=url: client.get(url, **headers), runs)
        body = response.json()
        direct = (
            Case.objects.exclude(status__in=TERMINAL_STATUSES)
            .filter(region__path__startswith=path)
            .count()
        )
        checks[f"overview_endpoint_{name}"] = (
            response.status_code == 200
            and body["open"] == direct
            and sum(row["open"] for row in body["staff"]) == direct
            and sum(row["open"] for row in body["by_status"]) == direct
        )
        out[name] = {**timing, "open": body["open"], "red": body["red"], "yellow": body["yellow"]}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30, help="timed runs of each rollup query")
    parser.add_argument("--baseline-runs", type=int, default=3, help="timed runs of each baseline")
    args = parser.parse_args()
    _setup(args.database_url)
    from django.db import connection

    from yiwang.accounts.actor import Actor
    from yiwang.accounts.models import User
    from yiwang.cases.models import Case
    from yiwang.supervision.history import seed_history
    from yiwang.supervision.statistics import export, queries
    from yiwang.supervision.statistics.rollup import refresh

    if connection.vendor != "postgresql":
        sys.exit("invalid: the benchmark runs on PostgreSQL")
    print("seeding history...", file=sys.stderr)
    seeded = seed_history(args.cases, years=2, seed=1, batch_size=10_000, progress=True)
    refresh()
    cases = Case.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    admin = Actor.of(User.objects.get(username="supervisor-jilin"))
    _calendar_index()
    result: dict[str, Any] = {
        "cases": cases,
        "history": seeded.as_dict(),
        "rollup_rows": int(queries.StatsDaily.objects.count()),
    }
    checks: dict[str, bool] = {}

    # the province overview
    timing, head = _timed(lambda: queries.overview(admin), args.runs)
    base_timing, base = _timed(lambda: _baseline_overview("220000/"), args.baseline_runs)
    checks["province_overview"] = _counters(head) == base
    result["province_overview"] = {
        "rollup": timing,
        "baseline": base_timing,
        "figures": {
            k: head[k]
            for k in (
                "accepted",
                "completed",
                "avg_workdays",
                "shorter_than_legal",
                "ahead_rate",
                "on_time_rate",
                "satisfaction",
            )
        },
    }

    # a city drill-down: 长春市, its overview and its counties
    def city() -> Any:
        return queries.overview(admin, region="220100"), queries.statistics(
            admin, by="region", period="year", region="220100"
        )

    timing, (city_head, city_table) = _timed(city, args.runs)
    base_timing, city_base = _timed(
        lambda: _baseline_overview("220000/220100/"), args.baseline_runs
    )
    checks["city_drilldown"] = _counters(city_head) == city_base and sum(
        r.figures["accepted"] for r in city_table.rows
    ) == city_base.get("accepted", 0)
    result["city_drilldown"] = {"rollup": timing, "baseline": base_timing}

    # the monthly statistics by department
    timing, table = _timed(
        lambda: queries.statistics(admin, by="department", period="month"), args.runs
    )
    base_timing, parts = _timed(
        lambda: _baseline_parts("r.path LIKE %s", ["220000/%"], "c.department_id", "month"),
        args.baseline_runs,
    )
    mine = {(r.period, r.key): _counters(r.figures) for r in table.rows}
    theirs = {(f"{k[0]:%Y-%m}", str(k[1])): dict(+v) for k, v in parts.items() if any(v.values())}
    checks["monthly_by_department"] = {k: v for k, v in mine.items() if v} == theirs
    result["monthly_by_department"] = {
        "rollup": timing,
        "baseline": base_timing,
        "rows": len(table.rows),
    }

    # a year's CSV export by item and day
    year_from, year_to = date(2026, 1, 1), date(2026, 12, 31)

    def export_year() -> tuple[int, int]:
        t = queries.statistics(admin, by="item", period="day", date_from=year_from, date_to=year_to)
        size = sum(len(line) for line in export.csv_lines(t))
        return size, len(t.rows)

    def baseline_year() -> Any:
        return _baseline_parts(
            "r.path LIKE %s", ["220000/%"], "c.item_id", "day", (year_from, year_to)
        )

    timing, (size, rows) = _timed(export_year, max(3, args.runs // 5))
    base_timing, year_base = _timed(baseline_year, args.baseline_runs)
    t = queries.statistics(admin, by="item", period="day", date_from=year_from, date_to=year_to)
    mine = {(r.period, r.key): _counters(r.figures) for r in t.rows}
    theirs = {
        (k[0].isoformat(), str(k[1])): dict(+v) for k, v in year_base.items() if any(v.values())
    }
    checks["year_csv_export"] = {k: v for k, v in mine.items() if v} == theirs
    result["year_csv_export"] = {
        "rollup": timing,
        "baseline": base_timing,
        "rows": rows,
        "bytes": size,
    }

    # the live monitor's endpoint as a client calls it: GET /api/v1/supervision/overview
    # (the monitor's one GROUP BY over the open cases, the cards, the period figures)
    result["overview_endpoint"] = _endpoint(args.runs, checks)

    for name in ("province_overview", "city_drilldown", "monthly_by_department", "year_csv_export"):
        r = result[name]
        r["ratio_p50"] = (
            round(r["baseline"]["p50_ms"] / r["rollup"]["p50_ms"], 1)
            if r["rollup"]["p50_ms"]
            else None
        )
    result["equal_to_baseline"] = checks
    result["all_equal"] = all(checks.values())
    result["target_province_overview_p95_under_100ms"] = (
        result["province_overview"]["rollup"]["p95_ms"] < 100
        and result["overview_endpoint"]["province"]["p95_ms"] < 100
    )
    print(json.dumps(result, ensure_ascii=False, indent=2, default=str))


if __name__ == "__main__":
    main()
