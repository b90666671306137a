"""Maintaining the rollup (decision 0024).

`refresh()` (a periodic task, and after the history seed) reads the case events and
evaluations past the watermark, recounts the fact of each case they touch, and adds
the difference between its old and new fact to the daily rollup — in one transaction
with the watermark, so a crash repeats a run and never counts twice. Because the
difference of an unchanged fact is zero, re-reading an event is harmless: each run
starts `OVERLAP` events below the watermark, so an event whose id was taken before but
committed after the last run (ids are given out before commit) is still seen.
`rebuild()` recounts everything from the case table (after a restore, or to check).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from yiwang.cases.models import Case, CaseEvent
from yiwang.feedback.models import Evaluation
from yiwang.supervision.models import COUNTERS, CaseFact, RollupState, StatsDaily, StatsMonthly
from yiwang.supervision.statistics.facts import (
    CASE_COLUMNS,
    FACT_FIELDS,
    Key,
    delta,
    fact_of,
    rating_counted,
)

#: Events re-read below the watermark on every run (see the module docstring).
OVERLAP = 5000  #: Cases recounted per transaction.
CHUNK = 2000

_KEY_COLUMNS = ("day", "region_id", "department_id", "item_id", "channel")


def apply_delta(change: Mapping[Key, Mapping[str, int]]) -> None:
    """Add counter changes to the daily rows and to their months' rows (created when
    missing). Inside the caller's transaction."""
    if not change:
        return
    months: dict[Key, Counter[str]] = defaultdict(Counter)
    for (day, region, department, item, channel), counters in change.items():
        months[(day.replace(day=1), region, department, item, channel)].update(counters)
    _add(StatsDaily, change)
    _add(StatsMonthly, months)


def _add(model: type[Any], change: Mapping[Key, Mapping[str, int]]) -> None:
    table = model._meta.db_table
    columns = (*_KEY_COLUMNS, *COUNTERS)
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in COUNTERS)
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - constant names
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({', '.join(_KEY_COLUMNS)}) DO UPDATE SET {updates}"
    )
    rows: list[Any] = [
        (*key, *(counters.get(c, 0) for c in COUNTERS)) for key, counters in sorted(change.items())
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def sum_months_from_days(daily: type[Any] = StatsDaily, monthly: type[Any] = StatsMonthly) -> int:
    """Rewrite the monthly rows as the sums of the daily rows (the migration that added
    them; after a bulk load that wrote the daily rows only)."""
    monthly.objects.all().delete()
    rows = (
        daily.objects.annotate(month=TruncMonth("day"))
        .values("month", *_KEY_COLUMNS[1:])
        .annotate(**{c: Sum(c) for c in COUNTERS})
        .order_by()
    )
    batch: list[Any] = []
    made = 0
    for row in rows.iterator(chunk_size=5000):
        month = row.pop("month")
        batch.append(monthly(day=month.date() if isinstance(month, datetime) else month, **row))
        if len(batch) >= 5000:
            monthly.objects.bulk_create(batch)
            made, batch = made + len(batch), []
    monthly.objects.bulk_create(batch)
    return made + len(batch)


def _ratings(case_ids: Iterable[int]) -> dict[int, tuple[datetime, int]]:
    return {
        e.case_id: (e.at, e.score)
        for e in Evaluation.objects.filter(case_id__in=list(case_ids))
        if rating_counted(e)
    }


def current_facts(case_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The facts of these cases as the case table has them now."""
    ids = list(case_ids)
    rows = Case.objects.filter(id__in=ids).values(*CASE_COLUMNS, "item__visits")
    ratings = _ratings(ids)
    facts = {}
    for row in rows:
        row["visits"] = row.pop("item__visits")
        facts[row["id"]] = fact_of(row, ratings.get(row["id"]))
    return facts


def recount_cases(case_ids: Iterable[int]) -> int:
    """Bring the facts of these cases and the rollup up to date; how many facts changed.
    Inside the caller's transaction."""
    ids = sorted(set(case_ids))
    changed = 0
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        new = current_facts(part)
        old = {
            f["case_id"]: f for f in CaseFact.objects.filter(case_id__in=part).values(*FACT_FIELDS)
        }
        pairs = [(old.get(i), new.get(i)) for i in part if old.get(i) != new.get(i)]
        if not pairs:
            continue
        apply_delta(delta(pairs))
        gone = [o["case_id"] for o, n in pairs if n is None and o is not None]
        if gone:
            CaseFact.objects.filter(case_id__in=gone).delete()
        write_facts([n for _, n in pairs if n is not None], replace=True)
        changed += len(pairs)
    return changed


def write_facts(facts: list[dict[str, Any]], *, replace: bool) -> None:
    if not facts:
        return
    objs = [CaseFact(**f) for f in facts]
    if replace:
        CaseFact.objects.bulk_create(
            objs,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["case_id"],
            update_fields=[f for f in FACT_FIELDS if f != "case_id"],
        )
    else:
        CaseFact.objects.bulk_create(objs, batch_size=1000)


def refresh(*, step: int = 50_000) -> int:
    """Fold the case events and evaluations since the last run into the rollup, `step`
    ids per transaction; returns how many facts changed. Safe to run concurrently (the
    watermark row is locked)."""
    changed = 0
    first = True
    while True:
        with transaction.atomic():
            state, _ = RollupState.objects.select_for_update().get_or_create(id=1)
            top_event = CaseEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
            top_eval = Evaluation.objects.order_by("-id").values_list("id", flat=True).first() or 0
            upto_event = min(top_event, state.event_id + step)
            upto_eval = min(top_eval, state.evaluation_id + step)
            ids = _case_ids(CaseEvent, state.event_id - OVERLAP, upto_event)
            ids |= _case_ids(Evaluation, state.evaluation_id - OVERLAP, upto_eval)
            if first:
                ids |= _excluded_but_counted()
                first = False
            changed += recount_cases(ids)
            state.event_id = max(state.event_id, upto_event)
            state.evaluation_id = max(state.evaluation_id, upto_eval)
            state.refreshed_at = timezone.now()
            state.save()
            done = upto_event >= top_event and upto_eval >= top_eval
        if done:
            return changed


def _case_ids(model: Any, after: int, upto: int) -> set[int]:
    after = max(0, after)
    if upto <= after:
        return set()
    return set(
        model.objects.filter(id__gt=after, id__lte=upto)
        .values_list("case_id", flat=True)
        .distinct()
    )


def _excluded_but_counted() -> set[int]:
    """Cases whose rating the facts still count although it was excluded since (an
    appeal upheld as malicious updates the evaluation's row: no new id passes the
    watermark). Excluded ratings are few; a partial index finds them."""
    excluded = Evaluation.objects.filter(excluded=True).values("case_id")
    return set(
        CaseFact.objects.filter(case_id__in=excluded, score__isnull=False).values_list(
            "case_id", flat=True
        )
    )


def advance_watermark_past(event_id: int, evaluation_id: int) -> None:
    """After the history seed wrote the facts and rollup rows of its own cases in the
    same transaction: move the watermark over its events (the refresh would only find
    those facts unchanged). The seed runs `refresh()` first; a live event committed
    during the seed below its ids is still re-read within `OVERLAP`."""
    with transaction.atomic():
        state, _ = RollupState.objects.select_for_update().get_or_create(id=1)
        state.event_id = max(state.event_id, event_id)
        state.evaluation_id = max(state.evaluation_id, evaluation_id)
        state.save()


def rebuild() -> int:
    """Recount every case from scratch: empty the facts and the rollup, recount all."""
    with transaction.atomic():
        state, _ = RollupState.objects.select_for_update().get_or_create(id=1)
        StatsDaily.objects.all().delete()
        StatsMonthly.objects.all().delete()
        CaseFact.objects.all().delete()
        top_event = CaseEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        top_eval = Evaluation.objects.order_by("-id").values_list("id", flat=True).first() or 0
        ids = list(Case.objects.order_by("id").values_list("id", flat=True))
        changed = recount_cases(ids)
        state.event_id, state.evaluation_id = top_event, top_eval
        state.refreshed_at = timezone.now()
        state.save()
    return changed
