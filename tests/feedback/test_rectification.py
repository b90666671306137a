"""The rectification workflow (feedback.transitions + engine): every row's who, the
call-back a real-name rating needs before closing, the overdue sweep on both sides of
the deadline, the appeal upheld (the rating leaves the statistics, the row stays) or
rejected, and the scope of every list (unit, city and province supervisor, applicant)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tests.cases.conftest import CaseApi, FrozenClock
from tests.feedback.conftest import complete_nanguan, completed_endorsement
from tests.problems import assert_problem
from yiwang.cases import clock
from yiwang.common.errors import DomainError
from yiwang.feedback.choices import RectificationAction as A
from yiwang.feedback.choices import RectificationStatus as S
from yiwang.feedback.models import Evaluation, Rectification
from yiwang.feedback.selectors import evaluation_of_case, rectifications_for
from yiwang.feedback.services import (
    act_on_rectification,
    record_call_back,
    sweep_overdue_rectifications,
)
from yiwang.feedback.transitions import TERMINAL, TRANSITIONS, Relation

pytestmark = pytest.mark.django_db


def _bad(api: CaseApi, case_no: str) -> Rectification:
    response = api.client.post(
        f"/api/v1/cases/{case_no}/evaluation",
        {"score": 1, "indicators": ["attitude"]},
        content_type="application/json",
        **api.headers("citizen"),  # type: ignore[arg-type]
    )
    assert response.status_code == 201, response.content
    return Rectification.objects.get(evaluation__case__case_no=case_no)


def _code(call: Any) -> str:
    with pytest.raises(DomainError) as refused:
        call()
    return refused.value.code


def test_every_state_is_reachable_and_every_row_has_one_who() -> None:
    reached = {S.OPEN}
    grew = True
    while grew:
        grew = False
        for row in TRANSITIONS:
            if row.source in reached and row.target not in reached:
                reached.add(row.target)
                grew = True
    assert reached == set(S)
    assert {S.CLOSED, S.DISMISSED} == TERMINAL
    assert not [r for r in TRANSITIONS if r.source in TERMINAL]
    whos = {(r.source, r.action): r.who.relation for r in TRANSITIONS}
    assert whos[(S.OPEN, A.ANSWER)] == Relation.UNIT
    assert whos[(S.ANSWERED, A.ACCEPT)] == Relation.SUPERVISOR
    assert whos[(S.OPEN, A.MARK_OVERDUE)] == Relation.SYSTEM
    assert whos[(S.APPEALED, A.UPHOLD)] == Relation.SUPERVISOR


def test_answer_call_back_and_close(api: CaseApi, nanguan_case: str, world: dict[str, Any]) -> None:
    task = _bad(api, nanguan_case)
    unit, supervisor = world["reviewer-nanguan"], world["supervisor-jilin"]
    # The supervisor cannot answer for the unit; the unit cannot close its own task.
    assert _code(
        lambda: act_on_rectification(task.pk, "answer", actor=supervisor, comment="x")
    ) == ("action_not_allowed")
    assert _code(lambda: act_on_rectification(task.pk, "answer", actor=unit)) == "comment_required"
    act_on_rectification(task.pk, "answer", actor=unit, comment="已整改")
    assert _code(lambda: act_on_rectification(task.pk, "accept", actor=unit)) == (
        "action_not_allowed"
    )
    # A real-name bad rating needs a call-back first.
    assert _code(lambda: act_on_rectification(task.pk, "accept", actor=supervisor)) == (
        "call_back_required"
    )
    now = clock.now()
    assert (
        _code(
            lambda: record_call_back(
                task.pk, called_at=now + timedelta(hours=1), outcome="x", satisfied=True, actor=unit
            )
        )
        == "call_back_in_future"
    )
    record_call_back(task.pk, called_at=now, outcome="申请人认可", satisfied=True, actor=unit)
    closed = act_on_rectification(task.pk, "accept", actor=supervisor, comment="同意办结")
    assert (closed.status, closed.closed_by_id) == (S.CLOSED, supervisor.pk)
    assert _code(
        lambda: act_on_rectification(task.pk, "return", actor=supervisor, comment="x")
    ) == ("invalid_transition")


def test_an_anonymous_rating_closes_without_a_call_back(
    api: CaseApi, nanguan_case: str, world: dict[str, Any]
) -> None:
    task = _bad(api, nanguan_case)
    Evaluation.objects.filter(pk=task.evaluation_id).update(real_name=False)
    act_on_rectification(task.pk, "answer", actor=world["reviewer-nanguan"], comment="已整改")
    closed = act_on_rectification(task.pk, "accept", actor=world["supervisor-jilin"])
    assert closed.status == S.CLOSED


def test_a_returned_answer_goes_back_open_or_overdue(
    api: CaseApi, frozen: FrozenClock, world: dict[str, Any]
) -> None:
    task = _bad(api, complete_nanguan(api, frozen, day="2026-12-11"))  # due Fri 18 Dec
    unit, supervisor = world["reviewer-nanguan"], world["supervisor-jilin"]
    act_on_rectification(task.pk, "answer", actor=unit, comment="已整改")
    frozen.set("2026-12-18")
    returned = act_on_rectification(task.pk, "return", actor=supervisor, comment="不充分")
    assert returned.status == S.OPEN
    act_on_rectification(task.pk, "answer", actor=unit, comment="再整改")
    frozen.set("2026-12-19")
    returned = act_on_rectification(task.pk, "return", actor=supervisor, comment="仍不充分")
    assert (returned.status, returned.overdue) == (S.OVERDUE, True)


def test_the_sweep_marks_overdue_the_day_after_the_deadline_once(
    api: CaseApi, frozen: FrozenClock
) -> None:
    task = _bad(api, complete_nanguan(api, frozen, day="2026-12-11"))
    assert task.deadline == date(2026, 12, 18)
    assert sweep_overdue_rectifications(today=date(2026, 12, 18)) == []  # the last day
    assert sweep_overdue_rectifications(today=date(2026, 12, 19)) == [task.pk]
    assert sweep_overdue_rectifications(today=date(2026, 12, 19)) == []
    task.refresh_from_db()
    assert (task.status, task.overdue) == (S.OVERDUE, True)


def test_an_upheld_appeal_excludes_the_rating_and_keeps_the_row(
    api: CaseApi, nanguan_case: str, world: dict[str, Any]
) -> None:
    task = _bad(api, nanguan_case)
    unit, supervisor = world["reviewer-nanguan"], world["supervisor-jilin"]
    assert _code(lambda: act_on_rectification(task.pk, "appeal", actor=unit)) == "comment_required"
    act_on_rectification(task.pk, "appeal", actor=unit, comment="申请人与窗口发生纠纷后恶意差评")
    assert _code(lambda: act_on_rectification(task.pk, "uphold", actor=unit, comment="x")) == (
        "action_not_allowed"
    )
    done = act_on_rectification(task.pk, "uphold", actor=supervisor, comment="经核实属恶意差评")
    assert done.status == S.DISMISSED
    evaluation = Evaluation.objects.get(pk=task.evaluation_id)
    assert (evaluation.excluded, evaluation.score) == (True, 1)
    assert done.appeals.get().status == "upheld"


def test_a_rejected_appeal_returns_the_task_and_cannot_be_repeated(
    api: CaseApi, nanguan_case: str, world: dict[str, Any]
) -> None:
    task = _bad(api, nanguan_case)
    unit, supervisor = world["reviewer-nanguan"], world["supervisor-jilin"]
    act_on_rectification(task.pk, "appeal", actor=unit, comment="恶意差评")
    back = act_on_rectification(task.pk, "reject", actor=supervisor, comment="理由不成立")
    assert back.status == S.OPEN
    assert Evaluation.objects.get(pk=task.evaluation_id).excluded is False
    assert back.appeals.get().status == "rejected"
    assert _code(lambda: act_on_rectification(task.pk, "appeal", actor=unit, comment="再申诉")) == (
        "already_appealed"
    )


def test_the_scope_of_every_list(
    api: CaseApi, frozen: FrozenClock, world: dict[str, Any], city_supervisor: Any
) -> None:
    nanguan = _bad(api, complete_nanguan(api, frozen))
    province = _bad(api, completed_endorsement(api, frozen))  # 220000 public security

    def seen(actor: Any, **filters: Any) -> set[int]:
        return set(rectifications_for(actor, **filters).values_list("pk", flat=True))

    assert seen(world["reviewer-nanguan"]) == {nanguan.pk}
    assert seen(world["reviewer-jilin-public-security"]) == {province.pk}
    assert seen(world["supervisor-jilin"]) == {nanguan.pk, province.pk}
    assert seen(world["supervisor-jilin"], region="220100") == {nanguan.pk}
    assert seen(city_supervisor) == {nanguan.pk}  # 南关区 is below 长春市; the province not
    assert seen(city_supervisor, region="220000") == {nanguan.pk}  # a filter never widens
    for nobody in ("citizen", "enterprise", "clerk-nanguan", "reviewer-jilin-transport"):
        assert seen(world[nobody]) == set(), nobody
    assert seen(world["admin"]) == {nanguan.pk, province.pk}
    # A city supervisor cannot act on the province's task: it does not exist for them.
    assert (
        _code(
            lambda: act_on_rectification(province.pk, "return", actor=city_supervisor, comment="x")
        )
        == "rectification_not_found"
    )
    # The applicant sees their own rating, not another's.
    case = nanguan.evaluation.case
    assert evaluation_of_case(world["citizen"], case.pk) is not None
    assert evaluation_of_case(world["enterprise"], case.pk) is None


def test_the_rectifications_api(api: CaseApi, frozen: FrozenClock, world: dict[str, Any]) -> None:
    nanguan = _bad(api, complete_nanguan(api, frozen))
    _bad(api, completed_endorsement(api, frozen))
    mine = api.get("reviewer-nanguan", "/supervision/rectifications").json()
    assert mine["total"] == 1
    row = mine["items"][0]
    assert (row["id"], row["status"], row["score"], row["region"]) == (
        nanguan.pk,
        "open",
        1,
        "220102",
    )
    assert row["deadline"] == nanguan.deadline.isoformat()
    everything = api.get("supervisor-jilin", "/supervision/rectifications").json()
    assert everything["total"] == 2
    city = api.get("supervisor-jilin", "/supervision/rectifications", region="220100").json()
    assert [r["id"] for r in city["items"]] == [nanguan.pk]
    closed = api.get("supervisor-jilin", "/supervision/rectifications", status="closed").json()
    assert closed["total"] == 0
    assert api.get("citizen", "/supervision/rectifications").json()["total"] == 0
    assert_problem(
        api.get("supervisor-jilin", "/supervision/rectifications", status="nope"),
        422,
        "unknown_status",
    )
    assert_problem(
        api.get("supervisor-jilin", "/supervision/rectifications", region="999999"),
        422,
        "unknown_region",
    )
    assert_problem(
        api.get("supervisor-jilin", "/supervision/rectifications", page=0), 422, "bad_page"
    )
    assert_problem(api.get(None, "/supervision/rectifications"), 401, "not_authenticated")


def test_the_audit_trail(api: CaseApi, nanguan_case: str, world: dict[str, Any]) -> None:
    from yiwang.common.models import AuditEvent

    task = _bad(api, nanguan_case)
    act_on_rectification(task.pk, "answer", actor=world["reviewer-nanguan"], comment="已整改")
    actions = list(
        AuditEvent.objects.filter(object_type="feedback.rectification", object_id=str(task.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["feedback.rectification.open", "feedback.rectification.answer"]


def test_the_default_deadline_is_5_working_days(settings: Any) -> None:
    from yiwang.feedback.services.rating import (
        DEFAULT_RECTIFICATION_WORKDAYS,
        rectification_workdays,
    )

    assert DEFAULT_RECTIFICATION_WORKDAYS == 5
    assert rectification_workdays() == 5
    del settings.YIWANG_RECTIFICATION_WORKDAYS
    assert rectification_workdays() == 5


def test_only_an_upheld_appeal_takes_a_rating_out_of_the_counted_ones(
    api: CaseApi, frozen: FrozenClock, world: dict[str, Any]
) -> None:
    from yiwang.feedback.selectors import counted_evaluations

    upheld = _bad(api, complete_nanguan(api, frozen))
    rejected = _bad(api, complete_nanguan(api, frozen))
    unit, supervisor = world["reviewer-nanguan"], world["supervisor-jilin"]
    for task in (upheld, rejected):
        act_on_rectification(task.pk, "appeal", actor=unit, comment="恶意差评")
    act_on_rectification(upheld.pk, "uphold", actor=supervisor, comment="属实")
    act_on_rectification(rejected.pk, "reject", actor=supervisor, comment="不属实")
    counted = set(counted_evaluations().values_list("pk", flat=True))
    assert counted == {rejected.evaluation_id}
    assert Evaluation.objects.count() == 2  # the excluded row is kept


def test_rectification_refusals_in_english(
    api: CaseApi, nanguan_case: str, world: dict[str, Any]
) -> None:
    from django.utils import translation

    task = _bad(api, nanguan_case)
    act_on_rectification(task.pk, "answer", actor=world["reviewer-nanguan"], comment="已整改")
    with translation.override("en"), pytest.raises(DomainError) as refused:
        act_on_rectification(task.pk, "accept", actor=world["supervisor-jilin"])
    assert refused.value.detail == (
        "A real-name bad rating needs a call-back record before it can be closed"
    )


def test_texts_versions_and_call_back_rights(
    api: CaseApi, nanguan_case: str, world: dict[str, Any]
) -> None:
    from yiwang.feedback.services import may_call_back
    from yiwang.feedback.services.rectification import TEXT_MAX

    task = _bad(api, nanguan_case)
    unit, supervisor = world["reviewer-nanguan"], world["supervisor-jilin"]
    assert TEXT_MAX == 2000
    too_long = "改" * (TEXT_MAX + 1)
    assert _code(lambda: act_on_rectification(task.pk, "answer", actor=unit, comment=too_long)) == (
        "comment_too_long"
    )
    answered = act_on_rectification(task.pk, "answer", actor=unit, comment="改" * TEXT_MAX)
    assert answered.version == 2
    assert (
        _code(lambda: act_on_rectification(task.pk, "return", actor=supervisor, expected_version=1))
        == "stale_version"
    )
    assert _code(lambda: act_on_rectification(task.pk, "return", actor=supervisor)) == (
        "comment_required"
    )
    now = clock.now()
    assert (
        _code(
            lambda: record_call_back(
                task.pk, called_at=now, outcome=" ", satisfied=True, actor=unit
            )
        )
        == "comment_required"
    )
    assert may_call_back(unit, answered)
    assert may_call_back(supervisor, answered)
    assert not may_call_back(world["citizen"], answered)
    record_call_back(task.pk, called_at=now, outcome="认可", satisfied=True, actor=supervisor)
    closed = act_on_rectification(task.pk, "accept", actor=supervisor, expected_version=2)
    assert closed.version == 3
    assert not may_call_back(unit, closed)
    assert (
        _code(
            lambda: record_call_back(
                task.pk, called_at=now, outcome="再访", satisfied=True, actor=unit
            )
        )
        == "invalid_transition"
    )


def test_a_decision_on_an_appeal_needs_its_reasons(
    api: CaseApi, nanguan_case: str, world: dict[str, Any]
) -> None:
    task = _bad(api, nanguan_case)
    act_on_rectification(task.pk, "appeal", actor=world["reviewer-nanguan"], comment="恶意")
    for action in ("uphold", "reject"):
        assert (
            _code(
                lambda action=action: act_on_rectification(
                    task.pk, action, actor=world["supervisor-jilin"]
                )
            )
            == "comment_required"
        )


def test_an_upheld_appeal_leaves_the_statistics_at_the_next_refresh(
    api: CaseApi, frozen: FrozenClock, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rollup counts a rating until its appeal is upheld; the refresh after the
    decision takes it out (the decision makes no new id for the watermark to pass)."""
    from django.db.models import Sum

    from yiwang.supervision.models import StatsDaily
    from yiwang.supervision.statistics import rollup
    from yiwang.supervision.statistics.rollup import refresh

    # Without the re-read overlap, only what is past the watermark (or decided) is read.
    monkeypatch.setattr(rollup, "OVERLAP", 0)

    def rated() -> tuple[int, int]:
        sums = StatsDaily.objects.aggregate(rated=Sum("rated"), low=Sum("score1"))
        return sums["rated"] or 0, sums["low"] or 0

    task = _bad(api, complete_nanguan(api, frozen))
    refresh()
    assert rated() == (1, 1)
    unit, supervisor = world["reviewer-nanguan"], world["supervisor-jilin"]
    act_on_rectification(task.pk, "appeal", actor=unit, comment="恶意差评")
    refresh()
    assert rated() == (1, 1)  # filed, not decided: still counted
    act_on_rectification(task.pk, "uphold", actor=supervisor, comment="属实")
    refresh()
    assert rated() == (0, 0)
