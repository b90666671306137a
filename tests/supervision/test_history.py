"""The history seed writes exactly the rows the cases services write (issue 12, item 1).

A sample of scenarios — one of each path the history takes (refused, withdrawn before
and during review, deemed acceptance by the sweep, township intake forwarded, special
procedure, extension, denial, delivery by post with its receipt, window and kiosk
channels, an instant item) — is run through `submit_case` / `perform_action` /
`sweep_deemed_acceptance` with a frozen clock at each step's time; the same scenarios
are played by the bulk path (`plan.play`) and the rows compared field by field. The
ids of the case are given to the bulk path, the query code's digest is taken from the
service's case (the code is random there); the timeline entries' ids differ by
definition. Also: the seed itself (SQLite here, PostgreSQL in the PG run) is resumable
and idempotent, numbers its cases by the numbering rule and keeps the audit chain whole.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.cases.conftest import PDF, FrozenClock
from tests.supervision.conftest import END, START
from yiwang.accounts.actor import Actor
from yiwang.accounts.models import User
from yiwang.cases.choices import CaseAction, Channel
from yiwang.cases.models import Case, CaseEvent, Suspension
from yiwang.cases.services import perform_action, submit_case, sweep_deemed_acceptance
from yiwang.feedback.models import CallBack, Rectification
from yiwang.feedback.services import act_on_rectification, rate_case, record_call_back
from yiwang.supervision.history.plan import (
    CALLED_BACK,
    RECTIFIED,
    Scenario,
    item_weights,
    play,
    scenario,
)
from yiwang.supervision.history.world import World, load_world

FAR = datetime(2030, 1, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
EVENT_FIELDS = (
    "kind",
    "action",
    "from_status",
    "to_status",
    "actor_id",
    "unit",
    "comment",
    "data",
    "at",
)
SUSPENSION_FIELDS = ("kind", "reason", "started_on", "ended_on", "workdays")
RECTIFICATION_FIELDS = tuple(
    f.attname
    for f in Rectification._meta.concrete_fields
    if f.attname not in ("id", "evaluation_id")
)
CALL_FIELDS = ("called_by_id", "called_at", "outcome", "satisfied", "recorded_at")


def _features(s: Scenario) -> set[str]:
    actions = [step.action for step in s.steps]
    out = {f"channel:{s.channel}"}
    if s.item.instant:
        out.add("instant")
    if s.intake_region_id:
        out.add("township")
    for step in s.steps:
        if step.action == CaseAction.ACCEPT and step.by is None:
            out.add("deemed")
    for a in (CaseAction.REFUSE, CaseAction.SUSPEND, CaseAction.EXTEND, CaseAction.DENY):
        if a in actions:
            out.add(str(a))
    if CaseAction.WITHDRAW in actions:
        out.add("withdraw-late" if CaseAction.ACCEPT in actions else "withdraw-early")
    if actions.count(CaseAction.DELIVER) == 2:
        out.add("post")
    if s.rating:
        out.add("rated")
    if s.rectification:
        out.add("put-right")
    return out


WANTED = {
    "refuse",
    "withdraw-early",
    "withdraw-late",
    "deemed",
    "township",
    "suspend",
    "extend",
    "deny",
    "post",
    "instant",
    "channel:window",
    "channel:kiosk",
    "channel:online",
    "put-right",
}


def _sample(world: World) -> list[Scenario]:
    weights = item_weights(world)
    chosen: list[Scenario] = []
    missing = set(WANTED)
    for index in range(20_000):
        s = scenario(index, seed=7, world=world, weights=weights, start=START, end=END)
        if s.item.makes_license:
            continue  # the services would also sign an e-license (not generated: docs)
        new = _features(s) & missing
        if new:
            chosen.append(s)
            missing -= new
        if not missing:
            break
    assert not missing, f"no scenario for {missing}"
    return chosen


def _identifier(user: User) -> str:
    citizen = getattr(user, "citizen", None)
    return citizen.id_number if citizen is not None else user.enterprise.uscc


def _run_services(s: Scenario, frozen: FrozenClock) -> Case:
    applicant = User.objects.get(pk=s.applicant_id)
    actor = User.objects.get(pk=s.clerk.user_id) if s.clerk else applicant
    frozen.now = s.submitted_at
    from yiwang.uploads.services import store_upload

    materials = [
        {
            "material": code,
            "upload_id": str(
                store_upload(
                    SimpleUploadedFile(f"{code}.pdf", PDF, content_type="application/pdf"),
                    owner=actor,
                ).pk
            ),
        }
        for code in s.item.materials
    ]
    submission = submit_case(
        actor=Actor.of(actor),
        item_code=s.item.code,
        form=dict(s.item.form),
        materials=materials,
        delivery=s.method.code if s.method else None,
        on_behalf_of=_identifier(applicant) if s.clerk else None,
        intake_region=s.intake_region_id,
        channel="kiosk" if s.channel == Channel.KIOSK else None,
    )
    case_no = submission.case.case_no
    for step in s.steps:
        frozen.now = step.at
        if step.by is None and not step.applicant:
            assert sweep_deemed_acceptance() == [case_no]
            continue
        who = applicant if step.applicant else User.objects.get(pk=step.by.user_id)  # type: ignore[union-attr]
        perform_action(
            case_no, step.action, actor=Actor.of(who), comment=step.comment, **dict(step.params)
        )
    if s.rectification is not None:
        _put_right_through_services(s, case_no, applicant, frozen)
    return Case.objects.get(case_no=case_no)


def _put_right_through_services(
    s: Scenario, case_no: str, applicant: User, frozen: FrozenClock
) -> None:
    """The bad rating, the unit's call-back and answer, the supervisor's acceptance."""
    assert s.rating is not None
    assert s.rectification is not None
    rated_at, score, _channel = s.rating
    frozen.now = rated_at
    rated = rate_case(
        case_no,
        score=score,
        indicators=["timeliness"],
        channel="web",
        actor=Actor.of(applicant),
    )
    task = Rectification.objects.get(evaluation=rated)
    answered_at, by, closed_at = s.rectification
    unit = Actor.of(User.objects.get(pk=by))
    frozen.now = answered_at
    record_call_back(
        task.pk,
        called_at=answered_at - timedelta(minutes=30),
        outcome=CALLED_BACK,
        satisfied=True,
        actor=unit,
    )
    act_on_rectification(task.pk, "answer", actor=unit, comment=RECTIFIED)
    frozen.now = closed_at
    assert s.item.decider is not None
    act_on_rectification(task.pk, "accept", actor=Actor.of(User.objects.get(pk=s.item.decider)))


def _rows(model: Any, case: Case, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    return list(model.objects.filter(case=case).order_by("id").values(*fields))


@pytest.mark.django_db
def test_bulk_rows_equal_what_the_services_write(people: Any, frozen: FrozenClock) -> None:
    world = load_world(START)
    sample = _sample(world)
    assert len(sample) >= 6
    for s in sample:
        case = _run_services(s, frozen)
        played = play(
            s,
            case_id=case.pk,
            case_no=case.case_no,
            query_code_digest=case.query_code_digest,
            until=FAR,
        )
        service_case: dict[str, Any] = dict(Case.objects.filter(pk=case.pk).values()[0])
        assert set(service_case) == set(played.case)
        differing = {
            k: (service_case[k], played.case[k])
            for k in service_case
            if service_case[k] != played.case[k]
        }
        assert differing == {}, (s.item.code, _features(s))
        assert _rows(CaseEvent, case, EVENT_FIELDS) == [
            {k: e[k] for k in EVENT_FIELDS} for e in played.events
        ], (s.item.code, _features(s))
        assert _rows(Suspension, case, SUSPENSION_FIELDS) == [
            {k: x[k] for k in SUSPENSION_FIELDS} for x in played.suspensions
        ]
        tasks = list(
            Rectification.objects.filter(evaluation__case=case).values(*RECTIFICATION_FIELDS)
        )
        assert tasks == (
            [{k: played.rectification[k] for k in RECTIFICATION_FIELDS}]
            if played.rectification
            else []
        ), (s.item.code, _features(s))
        calls = list(
            CallBack.objects.filter(rectification__evaluation__case=case).values(*CALL_FIELDS)
        )
        assert calls == (
            [{k: played.call_back[k] for k in CALL_FIELDS}] if played.call_back else []
        )
    assert any(p for p in sample if p.rectification), "no bad rating put right in the sample"


@pytest.mark.django_db
def test_the_seed_is_resumable_idempotent_numbered_and_audited(
    people: Any, frozen: FrozenClock
) -> None:
    import re

    from yiwang.common.audit import seal_pending, verify_chain
    from yiwang.common.models import AuditEvent
    from yiwang.feedback.models import Evaluation
    from yiwang.supervision.history import seed_history
    from yiwang.supervision.models import CaseFact, HistoryRun

    frozen.set("2026-10-30", 18)
    before = Case.objects.count()
    first = seed_history(250, years=1, seed=3, batch_size=100, progress=False)
    assert (first.created, first.done) == (250, 250)
    assert Case.objects.count() == before + 250
    again = seed_history(250, years=1, seed=3, batch_size=100, progress=False)
    assert again.created == 0
    assert Case.objects.count() == before + 250
    more = seed_history(320, years=1, seed=3, batch_size=100, progress=False)
    assert more.created == 70
    assert HistoryRun.objects.get(seed=3).done == 320
    history = Case.objects.filter(applicant__username__startswith="hist-")
    assert history.count() == 320
    numbers = list(history.values_list("case_no", "region_id", "submitted_at"))
    for case_no, region, submitted in numbers:
        day = submitted.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y%m%d")
        assert re.fullmatch(rf"{region}-{day}-\d{{6}}", case_no), case_no
    assert len({n for n, _, _ in numbers}) == 320
    # every event written, facts for every case, ratings on most completed cases
    assert CaseEvent.objects.filter(case__in=history).count() > 320 * 4
    assert CaseFact.objects.filter(case_id__in=history.values("id")).count() == 320
    completed = history.filter(status="completed").count()
    rated = Evaluation.objects.filter(case__in=history).count()
    assert 0.7 * completed <= rated <= completed
    # one audit event per batch (4 batches), and the chain verifies
    assert AuditEvent.objects.filter(action="history.seeded").count() == 4
    seal_pending()
    assert verify_chain().ok
    # a seed with another --years is refused, not mixed
    from yiwang.common.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        seed_history(400, years=2, seed=3, progress=False)
