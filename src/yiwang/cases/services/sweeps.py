"""Periodic sweeps (run by `cases.tasks`): deemed acceptance, deadlines counted again
once a holiday notice is published, idempotency key purge."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Prefetch

from yiwang.cases import clock
from yiwang.cases.choices import TERMINAL_STATUSES, CaseAction, CaseStatus, EventKind
from yiwang.cases.models import Case, Suspension
from yiwang.cases.services._common import (
    SYSTEM_ACTOR,
    SYSTEM_UNIT,
    _fmt,
    record_event,
    tell_applicant,
)
from yiwang.cases.services.engine import transition
from yiwang.common import idempotency
from yiwang.common.audit import record


def sweep_deemed_acceptance(*, on: date | None = None) -> list[str]:
    """Art. 32: a submission nobody accepted, refused or sent a supplement notice for
    within 5 working days of its arrival counts as accepted on the day it arrived.

    Deems the cases whose 5th working day after arrival is before `on` (default
    today): on the 5th working day itself the hall may still act, but not on the
    weekend or holiday after it — the window is over on the first calendar day after
    its last working day (`clock.acceptance_window_passed`), not only on the next
    working day. Each case in its own transaction, re-checked under the row lock;
    running it twice changes nothing.
    """
    day = on or clock.today()
    # 5 working days after arrival are at least 5 calendar days: older rows only.
    cutoff = day - timedelta(days=clock.ACCEPTANCE_WINDOW_WORKDAYS)
    candidates = list(
        Case.objects.filter(status=CaseStatus.SUBMITTED, arrived_on__lt=cutoff)
        .order_by("arrived_on", "id")
        .values_list("case_no", "arrived_on")
    )
    deemed = []
    for case_no, arrived_on in candidates:
        if not clock.acceptance_window_passed(arrived_on, day):
            continue
        with transaction.atomic():
            case = (
                Case.objects.select_for_update(of=("self",))
                .select_related(
                    "item", "department", "hall", "region", "intake_region", "applicant"
                )
                .get(case_no=case_no)
            )
            if case.status != CaseStatus.SUBMITTED or case.arrived_on != arrived_on:
                continue  # acted on meanwhile
            transition(case, CaseAction.ACCEPT, actor=SYSTEM_ACTOR, params={"deemed": True})
        deemed.append(case_no)
    return deemed


_RECOUNTED = (
    ("promised_deadline", "promised", "承诺办结日期"),
    ("legal_deadline", "legal", "法定办结日期"),
    ("issue_deadline", "issue", "制证送达期限"),
)


def recount_provisional_deadlines() -> list[str]:
    """Deadlines that reached into a year without a published holiday notice were
    counted on weekends only and marked provisional (domain-rules). Once the notice is
    entered, count them again: a holiday that falls before a deadline moves it later,
    a 调休 working day earlier. A moved deadline goes on the timeline and, while the case
    is open, to the applicant; the flag stays while a deadline still reaches into a year
    not yet published. Each case in its own transaction under the row lock; a case
    counted again on the same calendar does not change, so running it twice is harmless.

    The finished special procedures are counted again as well (Art. 45: their working
    days are not counted): one that ran into a year without a notice was counted on
    weekends only, so a holiday in it adds a day to every deadline, a 调休 day takes one.
    """
    changed = []
    # Counted first without a lock: while no notice was published, nothing moves and
    # nothing is written (most hours, for every such case).
    candidates = (
        Case.objects.filter(deadlines_provisional=True)
        .only(*_RECOUNT_FIELDS)
        .prefetch_related(_FINISHED_PROCEDURES)
    )
    for candidate in candidates.iterator(chunk_size=1000):
        if not _needs_recount(candidate, _count_again(candidate)):
            continue
        with transaction.atomic():
            case = (
                Case.objects.select_for_update(of=("self",))
                .select_related("item", "applicant")
                .prefetch_related(_FINISHED_PROCEDURES)
                .get(pk=candidate.pk)
            )
            counted = _count_again(case)
            if case.deadlines_provisional and _needs_recount(case, counted):
                _recount(case, counted)
                changed.append(case.case_no)
    return changed


_FINISHED_PROCEDURES = Prefetch(
    "suspensions",
    queryset=Suspension.objects.filter(ended_on__isnull=False).order_by("id"),
    to_attr="finished_procedures",
)


def _count_again(case: Case) -> clock.Recount:
    procedures = getattr(case, "finished_procedures", [])
    return clock.recount_deadlines(case, [(s.started_on, s.ended_on) for s in procedures])


_RECOUNT_FIELDS = (
    "case_no",
    "accepted_on",
    "promised_limit_days",
    "legal_limit_days",
    "paused_workdays",
    "extension_workdays",
    "decided_on",
    "promised_deadline",
    "legal_deadline",
    "issue_deadline",
    "deadlines_provisional",
)


def _moves(case: Case, counted: clock.Recount) -> dict[str, tuple[Any, Any, str]]:
    return {
        attr: (getattr(case, attr), getattr(counted, key), label)
        for attr, key, label in _RECOUNTED
        if getattr(counted, key) is not None and getattr(counted, key) != getattr(case, attr)
    }


def _paused_moves(case: Case, counted: clock.Recount) -> bool:
    return counted.paused is not None and counted.paused != case.paused_workdays


def _needs_recount(case: Case, counted: clock.Recount) -> bool:
    return bool(_moves(case, counted)) or _paused_moves(case, counted) or not counted.provisional


def _recount(case: Case, counted: clock.Recount) -> None:
    """Write the deadlines counted again to the locked case: audited; a moved one on the
    timeline and, while the case is open, in the applicant's messages."""
    moves = _moves(case, counted)
    before = {attr: old for attr, (old, _new, _label) in moves.items()}
    after = {attr: new for attr, (_old, new, _label) in moves.items()}
    for attr, new in after.items():
        setattr(case, attr, new)
    if _paused_moves(case, counted):
        before["paused_workdays"], after["paused_workdays"] = case.paused_workdays, counted.paused
        case.paused_workdays = counted.paused or 0
        procedures = getattr(case, "finished_procedures", [])
        for procedure, days in zip(procedures, counted.procedure_days, strict=True):
            if procedure.workdays != days:
                procedure.workdays = days
                procedure.save(update_fields=["workdays"])
    case.deadlines_provisional = counted.provisional
    case.due_on = clock.governing_deadline(case)
    case.save(update_fields=[*after, "deadlines_provisional", "due_on"])
    now = clock.now()
    record(
        "case.deadlines_recounted",
        None,
        actor=SYSTEM_ACTOR,
        object_type="cases.case",
        object_id=case.case_no,
        before={**before, "provisional": True},
        after={**after, "provisional": counted.provisional},
    )
    if not moves:
        return  # only the flag (or the paused days without a moved deadline)
    text = "；".join(f"{label}由{_fmt(old)}调整为{_fmt(new)}" for old, new, label in moves.values())
    if "paused_workdays" in after:
        text = (
            f"特别程序不计算的工作日由{before['paused_workdays']}天调整为"
            f"{after['paused_workdays']}天；{text}"
        )
    pending = "（仍有年度节假日安排尚未公布，日期可能再调整）" if counted.provisional else ""
    record_event(
        case,
        kind=EventKind.RECOUNT,
        action="",
        from_status=case.status,
        to_status=case.status,
        actor=None,
        unit=SYSTEM_UNIT,
        comment=f"按新公布的节假日安排重新计算期限：{text}{pending}",
        data={**after, "provisional": counted.provisional},
        at=now,
    )
    if case.status not in TERMINAL_STATUSES:
        tell_applicant(
            case,
            SYSTEM_ACTOR,
            "办理期限按节假日安排调整",
            f"国家公布了新的节假日安排，您申请的“{case.item.name}”（办件编号 {case.case_no}）"
            f"的{text}{pending}。",
        )


def purge_idempotency_keys(*, older_than: timedelta = idempotency.IDEMPOTENCY_TTL) -> int:
    """Forget Idempotency-Keys of every app (and the query codes kept for replays) after
    24 hours (`common.idempotency`)."""
    with transaction.atomic():
        deleted = idempotency.purge(before=clock.now() - older_than)
        if deleted:
            record(
                "case.idempotency_keys_purged",
                None,
                actor=SYSTEM_ACTOR,
                object_type="common.idempotencyrecord",
                object_id="",
                after={"deleted": deleted},
            )
    return deleted
