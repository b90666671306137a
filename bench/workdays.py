"""Benchmark: the working-day engine against chinesecalendar's own `find_workday`.

    python bench/workdays.py [--pairs 100000] [--seed 1]

Sets up a throwaway SQLite database, seeds the 2004–2026 calendar through the
service, draws random (date, n) pairs whose answer stays within 2026
(chinesecalendar 1.11.0 raises beyond it), times both and compares them.
Prints one JSON object on stdout; progress goes to stderr.

Semantics (read from chinesecalendar's source): our `add(d, n)` is the n-th
working day after d, d not counted (行政许可法 Art. 82). `find_workday(n, d)`
(n >= 0) first moves to the first working day on or after d and then n working
days further. That is the same day as ours only when d is itself a working day;
from a holiday or weekend it lands one working day later (`add(d, n + 1)`), and
`find_workday(0, d)` is d only when d works. So the JSON reports two checks:
`mismatches` over the pairs with the same semantics (n >= 1 and d a working day
per chinesecalendar), and `mapped_mismatches` over all pairs, comparing
`find_workday(n, d)` with `add(d, n if d works else n + 1)`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from datetime import date, timedelta

from tqdm import tqdm

FIRST, LAST = date(2004, 1, 1), date(2026, 12, 31)
MAX_N = 60


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="yiwang-bench-") as data_dir:
        os.environ["DJANGO_SETTINGS_MODULE"] = "yiwang.settings"
        os.environ["YIWANG_ENV"] = "test"
        os.environ["YIWANG_DATA_DIR"] = data_dir
        os.environ.pop("YIWANG_DATABASE_URL", None)
        result = run(options.pairs, options.seed)
    print(json.dumps(result, ensure_ascii=False))


def run(pairs: int, seed: int) -> dict[str, object]:
    import chinese_calendar
    import django
    from django.core.management import call_command

    django.setup()
    from yiwang.accounts.actor import Actor
    from yiwang.common import workdays

    print("migrating and seeding the calendar ...", file=sys.stderr)
    call_command("migrate", verbosity=0)
    seeded = workdays.seed_from_chinesecalendar(actor=Actor.system("bench"))

    # Working days left in 2026 after each day of its last quarter, so that no drawn
    # answer leaves chinesecalendar's range (counted with chinesecalendar itself;
    # from a non-working day find_workday goes one working day further).
    tail_start = date(2026, 9, 1)
    left_in_2026: dict[date, int] = {}
    remaining = 0
    day = LAST
    while day >= tail_start:
        left_in_2026[day] = remaining
        remaining += chinese_calendar.is_workday(day)
        day -= timedelta(days=1)

    rng = random.Random(seed)
    span = (LAST - FIRST).days
    drawn: list[tuple[date, int]] = []
    while len(drawn) < pairs:
        start = FIRST + timedelta(days=rng.randint(0, span))
        left = left_in_2026.get(start, MAX_N + 1)
        if not chinese_calendar.is_workday(start):
            left -= 1
        n = rng.randint(0, min(MAX_N, left))
        drawn.append((start, n))

    add = workdays.add
    add(FIRST, 1)  # build the index outside the timing, as a running process has it
    ours: list[date] = []
    t0 = time.perf_counter()
    for start, n in drawn:
        ours.append(add(start, n).value)
    engine_seconds = time.perf_counter() - t0

    find_workday = chinese_calendar.find_workday
    theirs: list[date] = []
    t0 = time.perf_counter()
    for start, n in tqdm(drawn, desc="chinesecalendar", file=sys.stderr, mininterval=1.0):
        theirs.append(find_workday(n, start))
    cc_seconds = time.perf_counter() - t0

    compared = mismatches = mapped_mismatches = 0
    examples: list[str] = []
    for (start, n), a, b in zip(drawn, ours, theirs, strict=True):
        works = chinese_calendar.is_workday(start)
        if n >= 1 and works:
            compared += 1
            if a != b:
                mismatches += 1
                if len(examples) < 5:
                    examples.append(f"{start} + {n}: ours {a}, chinesecalendar {b}")
        if add(start, n if works else n + 1).value != b:
            mapped_mismatches += 1
            if len(examples) < 5:
                examples.append(f"mapped {start} + {n}: chinesecalendar {b}")

    return {
        "pairs": pairs,
        "seed": seed,
        "compared": compared,
        "compared_where": "n >= 1 and the start a working day: there find_workday(n, d) means "
        "ours; from a non-working day find_workday(n, d) == add(d, n + 1), and "
        "find_workday(0, d) is the next working day on or after d",
        "mismatches": mismatches,
        "mapped_compared": pairs,
        "mapped_mismatches": mapped_mismatches,
        "mismatch_examples": examples,
        "engine_seconds": round(engine_seconds, 4),
        "chinesecalendar_seconds": round(cc_seconds, 4),
        "ratio": round(cc_seconds / engine_seconds, 1) if engine_seconds else None,
        "engine_microseconds_per_call": round(engine_seconds / pairs * 1e6, 3),
        "calendar_days_seeded": seeded,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


if __name__ == "__main__":
    main()
