"""Cards: once per case and colour (a second sweep and a race change nothing), to the
responsible staff and the unit head through the outbox, escalation after N working
days on both sides of the term, the answer, scope, and the audit trail."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.supervision.conftest import WANGQING_ITEM, MakeCase
from yiwang.accounts.actor import Actor
from yiwang.accounts.models import StaffPost, User
from yiwang.common.audit import AuditEvent
from yiwang.common.errors import Conflict, NotFound, ValidationFailed
from yiwang.notify.models import Message
from yiwang.org.models import Post
from yiwang.supervision import cards, monitor
from yiwang.supervision.models import Card

pytestmark = pytest.mark.django_db

WED = date(2026, 9, 30)


@pytest.fixture
def head(world: Any) -> User:
    """A head of 南关区住建局 (post 220102-housing-head, role unit_head)."""
    user = User.objects.create(username="head-market", display_name="孙主任")
    StaffPost.objects.create(user=user, post=Post.objects.get(code="220102-housing-head"))
    return user


def _inbox(username: str) -> list[str]:
    return list(
        Message.objects.filter(recipient__username=username, object_type="supervision.card")
        .order_by("id")
        .values_list("subject", flat=True)
    )


def test_one_card_per_case_and_colour_and_a_second_sweep_changes_nothing(
    make_case: MakeCase, head: User
) -> None:
    red = make_case(
        date(2026, 9, 29),
        item="220102-SCJG-XK-001" if False else "220102-ZJ-XK-001",
        staff="reviewer-nanguan",
    )
    yellow = make_case(date(2026, 10, 8))
    make_case(date(2026, 10, 20))  # not near: no card
    first = cards.sweep_cards(on=WED)
    assert (first.issued["red"], first.issued["yellow"]) == (1, 1)
    assert set(Card.objects.values_list("case_id", "colour")) == {
        (red.pk, "red"),
        (yellow.pk, "yellow"),
    }
    again = cards.sweep_cards(on=WED)
    assert sum(again.issued.values()) == 0
    assert Card.objects.count() == 2
    # The yellow case turns red later: its red card comes, the yellow one stays.
    later = cards.sweep_cards(on=date(2026, 10, 9))
    assert later.issued["red"] == 1
    assert set(Card.objects.filter(case=yellow).values_list("colour", flat=True)) == {
        "yellow",
        "red",
    }
    assert AuditEvent.objects.filter(action="supervision.card_issued").count() == 3


def test_issue_card_is_race_safe(make_case: MakeCase) -> None:
    case = make_case(date(2026, 9, 29))
    assert cards.issue_card(case, "red", staff_id=None, on=WED) is not None
    assert cards.issue_card(case, "red", staff_id=None, on=WED) is None  # the loser of a race
    assert Card.objects.filter(case=case).count() == 1
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Card.objects.create(
            case=case,
            colour="red",
            region_id=case.region_id,
            department_id=case.department_id,
            case_status=case.status,
            due_on=WED,
            issued_on=WED,
            issued_at=case.submitted_at,
            escalate_on=WED,
        )


def test_the_card_goes_to_the_responsible_staff_and_the_unit_head(
    make_case: MakeCase, head: User
) -> None:
    make_case(date(2026, 9, 29), staff="reviewer-nanguan")
    cards.sweep_cards(on=WED)
    card = Card.objects.get()
    assert card.staff is not None
    assert card.staff.username == "reviewer-nanguan"
    assert len(_inbox("reviewer-nanguan")) == 1
    assert "红牌" in _inbox("reviewer-nanguan")[0]
    assert len(_inbox("head-market")) == 1
    assert _inbox("clerk-nanguan") == []  # the hall's clerk is not of the handling unit


def test_without_staff_or_head_the_units_staff_are_told(make_case: MakeCase) -> None:
    make_case(date(2026, 9, 29))  # nobody of the department acted, no head
    cards.sweep_cards(on=WED)
    assert Card.objects.get().staff is None
    assert len(_inbox("reviewer-nanguan")) == 1  # holds the department's reviewer post


@pytest.mark.parametrize(("days", "escalated"), [(2, False), (3, True)])
def test_escalation_after_n_working_days_on_both_sides(
    make_case: MakeCase, settings: Any, days: int, escalated: bool
) -> None:
    settings.YIWANG_CARD_ESCALATE_WORKDAYS = 3
    make_case(date(2026, 9, 29))
    cards.sweep_cards(on=WED)
    card = Card.objects.get()
    # Issued Wed Sep 30; working days after it: Oct 8, 9, 10 (make-up Saturday), 12.
    assert card.escalate_on == date(2026, 10, 10)
    on = {2: date(2026, 10, 10), 3: date(2026, 10, 12)}[days]
    report = cards.sweep_cards(on=on)
    assert report.escalated == int(escalated)
    card.refresh_from_db()
    assert (card.escalated_at is not None) == escalated
    # The nearest supervisor: 长春市's, not the province's.
    assert len(_inbox("supervisor-changchun")) == int(escalated)
    assert _inbox("supervisor-jilin") == []
    assert cards.sweep_cards(on=date(2026, 10, 20)).escalated == int(not escalated)
    assert len(_inbox("supervisor-changchun")) == 1


def test_a_case_outside_changchun_escalates_to_the_province(make_case: MakeCase) -> None:
    make_case(date(2026, 9, 29), item=WANGQING_ITEM)
    cards.sweep_cards(on=WED)
    cards.sweep_cards(on=date(2026, 10, 20))
    assert len(_inbox("supervisor-jilin")) == 1
    assert _inbox("supervisor-changchun") == []


def test_an_answered_card_is_not_escalated_and_is_answered_once(make_case: MakeCase) -> None:
    make_case(date(2026, 9, 29), staff="reviewer-nanguan")
    cards.sweep_cards(on=WED)
    card = Card.objects.get()
    reviewer = Actor.of(User.objects.get(username="reviewer-nanguan"))
    with pytest.raises(ValidationFailed) as empty:
        cards.answer_card(card.pk, "  ", actor=reviewer)
    assert empty.value.code == "explanation_required"
    with pytest.raises(ValidationFailed) as long:
        cards.answer_card(card.pk, "长" * 1001, actor=reviewer)
    assert long.value.code == "explanation_too_long"
    answered = cards.answer_card(card.pk, "申请人补充材料延误，已于当日办结。", actor=reviewer)
    assert answered.answered_by_id == reviewer.pk
    assert answered.answer.startswith("申请人")
    with pytest.raises(Conflict) as twice:
        cards.answer_card(card.pk, "再说明", actor=reviewer)
    assert twice.value.code == "card_already_answered"
    assert cards.sweep_cards(on=date(2026, 10, 20)).escalated == 0
    assert AuditEvent.objects.filter(action="supervision.card_answered").count() == 1


def test_only_the_unit_may_answer(make_case: MakeCase) -> None:
    make_case(date(2026, 9, 29), staff="reviewer-nanguan")
    cards.sweep_cards(on=WED)
    card = Card.objects.get()
    for outsider in ("clerk-wangqing", "citizen", "supervisor-jilin"):
        with pytest.raises(NotFound) as hidden:
            cards.answer_card(card.pk, "说明", actor=Actor.of(User.objects.get(username=outsider)))
        assert hidden.value.code == "card_not_found"


def test_cards_are_counted_per_unit_on_the_monitor_within_scope(make_case: MakeCase) -> None:
    nanguan = make_case(date(2026, 9, 29))
    make_case(date(2026, 9, 29), item=WANGQING_ITEM)
    cards.sweep_cards(on=WED)
    city = Actor.of(User.objects.get(username="supervisor-changchun"))
    view = monitor.overview(city, monitor.where_for(city), on=WED)
    assert (view.cards_open, view.cards_escalated) == (1, 0)
    assert {r.key: r.cards for r in view.children}["220102"] == 1
    assert {r.key: r.cards for r in view.by_department}[str(nanguan.department_id)] == 1
    province = Actor.of(User.objects.get(username="supervisor-jilin"))
    assert monitor.overview(province, monitor.where_for(province), on=WED).cards_open == 2


def test_the_task_runs_the_sweep(make_case: MakeCase) -> None:
    from yiwang.supervision.tasks import sweep_cards

    make_case(date(2026, 9, 29))
    result = sweep_cards.call("2026-09-30")
    assert result == {"issued": {"red": 1}, "escalated": 0}


def test_the_default_term_and_the_direct_escalation_on_both_sides(
    make_case: MakeCase, settings: Any
) -> None:
    del settings.YIWANG_CARD_ESCALATE_WORKDAYS
    assert cards.escalate_workdays() == 2
    make_case(date(2026, 9, 29))
    cards.sweep_cards(on=WED)
    card = Card.objects.get()
    assert card.escalate_on == date(2026, 10, 9)  # Oct 8, 9: the 2nd working day after
    assert cards.escalate_card(card, on=date(2026, 10, 9)) is False
    assert cards.escalate_card(card, on=date(2026, 10, 10)) is True
    assert cards.escalate_card(card, on=date(2026, 10, 12)) is False  # once
    event = AuditEvent.objects.get(action="supervision.card_escalated")
    assert event.after is not None
    assert event.after["to"] == ["supervisor-changchun"]


def test_an_intake_card_belongs_to_the_hall_a_review_card_to_the_department(
    make_case: MakeCase,
) -> None:
    from yiwang.cases.choices import CaseStatus

    waiting = make_case(date(2026, 9, 29), status=CaseStatus.SUBMITTED)
    reviewing = make_case(date(2026, 9, 29))
    cards.sweep_cards(on=WED)
    assert Card.objects.get(case=waiting).hall_id == waiting.hall_id is not None
    assert Card.objects.get(case=reviewing).hall_id is None
    assert len(_inbox("clerk-nanguan")) == 1  # the hall's clerk, for the waiting one


def test_an_explanation_of_exactly_the_maximum_is_accepted(make_case: MakeCase) -> None:
    make_case(date(2026, 9, 29), staff="reviewer-nanguan")
    cards.sweep_cards(on=WED)
    reviewer = Actor.of(User.objects.get(username="reviewer-nanguan"))
    answered = cards.answer_card(Card.objects.get().pk, "长" * 1000, actor=reviewer)
    assert len(answered.answer) == cards.ANSWER_MAX == 1000
