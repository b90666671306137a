"""Periodic sweeps (run by `cases.tasks`): deemed acceptance, idempotency key purge."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction

from yiwang.cases import clock
from yiwang.cases.choices import CaseAction, CaseStatus
from yiwang.cases.models import Case, IdempotencyKey
from yiwang.cases.services._common import IDEMPOTENCY_TTL, SYSTEM_ACTOR
from yiwang.cases.services.engine import _transition
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
            _transition(case, CaseAction.ACCEPT, actor=SYSTEM_ACTOR, params={"deemed": True})
        deemed.append(case_no)
    return deemed


def purge_idempotency_keys(*, older_than: timedelta = IDEMPOTENCY_TTL) -> int:
    """Forget Idempotency-Keys (and the query codes kept for replays) after 24 hours."""
    cutoff = clock.now() - older_than
    with transaction.atomic():
        deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
        if deleted:
            record(
                "case.idempotency_keys_purged",
                None,
                actor=SYSTEM_ACTOR,
                object_type="cases.idempotencykey",
                object_id="",
                after={"deleted": deleted},
            )
    return deleted
