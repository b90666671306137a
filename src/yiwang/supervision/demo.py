"""The demo's part of supervision: a few late and near-due cases in 南关区 and one card
sweep, so the monitor and the cards page have something on first start. Idempotent."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Min

from yiwang.accounts.actor import Actor
from yiwang.accounts.models import User
from yiwang.cases.clock import today
from yiwang.cases.models import Case
from yiwang.cases.services import MaterialRef, perform_action, submit_case
from yiwang.catalog.selectors import get_active_item
from yiwang.common import workdays
from yiwang.common.audit import record
from yiwang.supervision.cards import sweep_cards
from yiwang.supervision.models import Card, StatsDaily
from yiwang.supervision.rankings import publish_past_months
from yiwang.uploads.models import Upload
from yiwang.uploads.services import store_upload

ITEM = "220102-ZJ-XK-001"  # 临时占用城市道路审批 (南关区), promised 5 working days
_PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
#: Working days each case's promised deadline lies before today (negative: after it):
#: two red, one due today and one due tomorrow (yellow: 1 day of a 5-day limit).
LATE = (3, 1, 0, -1)


def seed_demo_supervision(*, actor: Actor) -> int:
    """Four cases of the demo citizen at the 南关区 hall, dated back so that two are
    overdue (红牌) and two near due (黄牌), then one card sweep. Returns what was made;
    0 once any card exists."""
    users = {
        u.username: u
        for u in User.objects.filter(username__in=("citizen", "clerk-nanguan", "reviewer-nanguan"))
    }
    if len(users) < 3 or Card.objects.exists():
        return 0
    made = 0
    item = get_active_item(ITEM)
    for back in LATE:
        materials = [
            MaterialRef(
                m.code,
                str(
                    _upload(users["citizen"], m.name).pk,
                ),
            )
            for m in item.materials.all()
            if m.required
        ]
        case = submit_case(
            actor=Actor.of(users["citizen"]),
            item_code=ITEM,
            form={
                "purpose": "房屋装修",
                "location": "南关区大经路 9 号",
                "area_m2": 30,
                "date_from": "2026-12-20",
                "date_to": "2026-12-31",
            },
            materials=materials,
        ).case
        perform_action(case.case_no, "accept", actor=Actor.of(users["clerk-nanguan"]))
        perform_action(case.case_no, "forward", actor=Actor.of(users["clerk-nanguan"]))
        _date_back(case.case_no, back, actor)
        made += 1
    made += sum(sweep_cards().issued.values())
    return made


def _upload(owner: User, name: str) -> Upload:

    return store_upload(SimpleUploadedFile(f"{name}.pdf", _PDF, "application/pdf"), owner=owner)


def _date_back(case_no: str, workdays_before_today: int, actor: Actor) -> None:
    """Move an accepted case's dates back as if it had been accepted earlier, so that
    its promised deadline lies `workdays_before_today` working days before today (the
    history generator's way of making the past; the demo only)."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(case_no=case_no)
        due = today()
        step = timedelta(days=-1 if workdays_before_today > 0 else 1)
        for _ in range(abs(workdays_before_today)):
            due += step
            while not workdays.is_workday(due):
                due += step
        shift = case.promised_deadline - due if case.promised_deadline else timedelta(0)
        for name in ("arrived_on", "accepted_on", "promised_deadline", "legal_deadline", "due_on"):
            value = getattr(case, name)
            if value is not None:
                setattr(case, name, value - shift)
        for name in ("submitted_at", "accepted_at"):
            value = getattr(case, name)
            if value is not None:
                setattr(case, name, value - shift)
        case.save()
        record(
            "supervision.demo_dated_back",
            case,
            actor=actor,
            after={"due_on": str(case.due_on), "shift_days": shift.days},
        )


def seed_demo_rankings(*, actor: Actor) -> int:
    """The monthly rankings of every finished month the demo history covers, so that the
    public ranking page shows a month, its chart and a year's trend on first start.
    Returns how many were published (0 on a rerun: a published month is left alone)."""
    first = StatsDaily.objects.aggregate(first=Min("day"))["first"]
    if first is None:
        return 0
    months, month, current = [], first.replace(day=1), today().replace(day=1)
    while month < current:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return publish_past_months(months, actor=actor)
