"""`yiwang seed history --cases N`: the bulk path (decision 0024).

Per batch, in one transaction: plan and play the batch's cases (`plan`), reserve their
ids and case numbers (the numbering rule of `cases.services.numbering`, one counter
upsert per region and day), write cases, timeline entries, special procedures and
ratings — COPY on PostgreSQL, batched INSERTs elsewhere — their statistics facts and
rollup rows, one audit event recording the batch, and the checkpoint (`HistoryRun`).
A crash loses at most the open batch; the rerun starts after the checkpoint.
"""

from __future__ import annotations

import json
import time as _time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

from yiwang.accounts.actor import Actor
from yiwang.cases import clock
from yiwang.cases.models import Case, CaseEvent, Suspension
from yiwang.cases.selectors import query_code_digest
from yiwang.cases.services.numbering import next_case_nos
from yiwang.common import audit
from yiwang.common.errors import ValidationFailed
from yiwang.feedback.models import CallBack, Evaluation, Rectification
from yiwang.supervision.history.plan import Played, item_weights, play, scenario
from yiwang.supervision.history.world import ensure_people, load_world
from yiwang.supervision.models import CaseFact, HistoryRun
from yiwang.supervision.statistics.facts import FACT_FIELDS, delta, fact_of
from yiwang.supervision.statistics.rollup import advance_watermark_past, apply_delta, refresh

BATCH = 5000
ACTOR = Actor.system("history-seed")


@dataclass
class HistoryReport:
    seed: int
    requested: int
    created: int
    done: int
    rows: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return round(self.rows / self.seconds, 1) if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "requested": self.requested,
            "created": self.created,
            "cases": self.done,
            "rows": self.rows,
            "seconds": round(self.seconds, 2),
            "rows_per_second": self.rows_per_second,
            "cases_per_second": round(self.created / self.seconds, 1) if self.seconds else 0.0,
        }


def seed_history(
    cases: int,
    *,
    years: int = 2,
    seed: int = 1,
    batch_size: int = BATCH,
    progress: bool = True,
    say: Callable[[str], None] | None = None,
) -> HistoryReport:
    """Make the seed's cases 0..cases-1 exist (those below the checkpoint are kept)."""
    if cases < 0 or years < 1 or batch_size < 1:
        raise ValidationFailed(_("办件数不能为负，年数和每批件数至少为 1"), code="bad_history_args")
    today = clock.today()
    run = HistoryRun.objects.filter(seed=seed).first()
    if run is None:
        run = HistoryRun.objects.create(
            seed=seed, years=years, start=_years_before(today, years), end=today
        )
    elif run.years != years:
        raise ValidationFailed(
            _("随机种子 %(seed)s 的历史数据是按 %(years)s 年生成的，不能换用其他年数")
            % {"seed": seed, "years": run.years},
            code="history_years_differ",
        )
    began = _time.monotonic()
    report = HistoryReport(seed, cases, 0, run.done, 0, 0.0)
    if run.done >= cases:
        return report
    ensure_people(today)
    world = load_world(run.start)
    if not world.items:
        raise ValidationFailed(
            "no item with staff to act on it: seed the demo first", code="no_items"
        )
    weights = item_weights(world)
    refresh()  # the rollup is up to date before the history's own rows go in
    until = min(
        clock.now(), datetime.combine(run.end, datetime.max.time(), tzinfo=clock.now().tzinfo)
    )
    bar = tqdm(total=cases, initial=run.done, unit="case", disable=not progress, desc="history")
    try:
        for first in range(run.done, cases, batch_size):
            last = min(cases, first + batch_size)
            plans = [
                scenario(i, seed=seed, world=world, weights=weights, start=run.start, end=run.end)
                for i in range(first, last)
            ]
            with transaction.atomic(), audit.batch():
                rows = _write_batch(plans, until)
                run.done = last
                run.save(update_fields=["done", "updated_at"])
                audit.record(
                    "history.seeded",
                    None,
                    actor=ACTOR,
                    object_type="supervision.historyrun",
                    object_id=seed,
                    after={"from_index": first, "to_index": last, "rows": rows},
                )
            report.created += last - first
            report.rows += rows
            bar.update(last - first)
    finally:
        bar.close()
    report.done = run.done
    report.seconds = _time.monotonic() - began
    if say:
        say(json.dumps(report.as_dict()))
    return report


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _reserve_ids(count: int) -> list[int]:
    table = Case._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [int(r[0]) for r in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
        (top,) = cursor.fetchone()
    return list(range(int(top) + 1, int(top) + 1 + count))


def _write_batch(plans: Sequence[Any], until: datetime) -> int:
    ids = _reserve_ids(len(plans))
    by_day: dict[tuple[str, date], list[int]] = defaultdict(list)
    for n, s in enumerate(plans):
        by_day[(s.item.region_id, timezone.localtime(s.submitted_at).date())].append(n)
    numbers: list[str] = [""] * len(plans)
    for (region, day), members in sorted(by_day.items()):
        for n, case_no in zip(members, next_case_nos(region, day, len(members)), strict=True):
            numbers[n] = case_no
    played: list[Played] = [
        play(
            s,
            case_id=ids[n],
            case_no=numbers[n],
            query_code_digest=query_code_digest(numbers[n], s.query_code),
            until=until,
        )
        for n, s in enumerate(plans)
    ]
    cases = [p.case for p in played]
    events = [e for p in played for e in p.events]
    suspensions = [x for p in played for x in p.suspensions]
    evaluations = [p.evaluation for p in played if p.evaluation is not None]
    facts = [
        fact_of(
            {**p.case, "visits": s.item.visits},
            (p.evaluation["at"], p.evaluation["score"]) if p.evaluation else None,
        )
        for p, s in zip(played, plans, strict=True)
    ]
    write(Case, cases, with_id=True)
    write(CaseEvent, events)
    write(Suspension, suspensions)
    write(Evaluation, evaluations)
    _write_rectifications(played)
    write(CaseFact, facts, with_id=True)
    apply_delta(delta((None, f) for f in facts))
    top_event = CaseEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    top_eval = Evaluation.objects.order_by("-id").values_list("id", flat=True).first() or 0
    advance_watermark_past(top_event, top_eval)
    tasks = sum(1 for p in played if p.rectification) + sum(1 for p in played if p.call_back)
    return len(cases) + len(events) + len(suspensions) + len(evaluations) + len(facts) + tasks


def _write_rectifications(played: list[Played]) -> None:
    """The bad ratings' rectifications and their call-backs, linked to the rows just
    written (COPY gives no ids back: they are read by their unique keys)."""
    tasks = [p for p in played if p.rectification is not None]
    if not tasks:
        return
    rated = dict(
        Evaluation.objects.filter(case_id__in=[p.case["id"] for p in tasks]).values_list(
            "case_id", "id"
        )
    )
    write(
        Rectification,
        [{**p.rectification, "evaluation_id": rated[p.case["id"]]} for p in tasks],  # type: ignore[dict-item]
    )
    called = [p for p in tasks if p.call_back is not None]
    if not called:
        return
    task_of = dict(
        Rectification.objects.filter(
            evaluation_id__in=[rated[p.case["id"]] for p in called]
        ).values_list("evaluation_id", "id")
    )
    write(
        CallBack,
        [
            {**p.call_back, "rectification_id": task_of[rated[p.case["id"]]]}  # type: ignore[dict-item]
            for p in called
        ],
    )


def _columns(model: type[Model], with_id: bool) -> list[tuple[str, str, Any]]:
    """(column, attname, field) of the concrete fields, the id only when given."""
    meta = model._meta
    return [(f.column, f.attname, f) for f in meta.concrete_fields if with_id or f is not meta.pk]


def write(model: type[Model], rows: list[dict[str, Any]], *, with_id: bool = False) -> None:
    """Insert plain rows (attname -> value): COPY on PostgreSQL, batched INSERTs
    elsewhere (the values adapted by each field, as the ORM would)."""
    if not rows:
        return
    columns = _columns(model, with_id)
    if model is CaseFact:
        columns = [c for c in columns if c[1] in FACT_FIELDS]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c, _, _ in columns)
    if connection.vendor == "postgresql":
        json_fields = {a for _, a, f in columns if f.get_internal_type() == "JSONField"}
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(
                    [
                        json.dumps(row[a], ensure_ascii=False) if a in json_fields else row[a]
                        for _, a, _ in columns
                    ]
                )
        return
    sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
    params = [
        [f.get_db_prep_save(row[a], connection=connection) for _, a, f in columns] for row in rows
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(params), 500):
            cursor.executemany(sql, params[start : start + 500])


__all__ = ["HistoryReport", "seed_history"]
