"""The transition table itself: complete, consistent, and what the engine enforces."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cases import items
from tests.cases.conftest import CaseApi, FrozenClock
from tests.problems import assert_problem as problem
from yiwang.cases.choices import TERMINAL_STATUSES, CaseAction, CaseStatus
from yiwang.cases.transitions import SYSTEM, TRANSITIONS, WHO_BY_ACTION, transitions_from
from yiwang.notify.models import Message


def test_every_action_and_status_of_the_contract_is_in_the_table() -> None:
    assert {row.action for row in TRANSITIONS} == set(CaseAction)
    used = {row.source for row in TRANSITIONS} | {row.target for row in TRANSITIONS}
    used |= {row.target_when_tracked for row in TRANSITIONS if row.target_when_tracked}
    assert used == set(CaseStatus)


def test_terminal_states_have_no_way_out_and_every_other_state_has_one() -> None:
    for status in CaseStatus:
        if status in TERMINAL_STATUSES:
            assert transitions_from(status) == [], status
        else:
            assert transitions_from(status), status


def test_every_state_is_reachable_from_submission() -> None:
    seen, todo = {CaseStatus.SUBMITTED}, [CaseStatus.SUBMITTED]
    while todo:
        for row in transitions_from(todo.pop()):
            for target in filter(None, (row.target, row.target_when_tracked)):
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
    assert seen == set(CaseStatus)


def test_the_system_only_accepts_decides_favourably_issues_and_delivers() -> None:
    system_actions = {row.action for row in TRANSITIONS if SYSTEM in row.who}
    assert system_actions == {"accept", "approve", "issue", "deliver"}
    assert SYSTEM not in WHO_BY_ACTION[CaseAction.DENY]
    assert SYSTEM not in WHO_BY_ACTION[CaseAction.REFUSE]


def test_an_applicant_can_withdraw_until_the_decision() -> None:
    withdrawable = {row.source for row in TRANSITIONS if row.action == CaseAction.WITHDRAW}
    assert withdrawable == {
        "submitted",
        "supplement_requested",
        "accepted",
        "in_review",
        "suspended",
    }


@pytest.mark.django_db
def test_unknown_actions_stale_versions_and_wrong_states(api: CaseApi, frozen: FrozenClock) -> None:
    case_no = api.apply("citizen", items.NANGUAN)["case_no"]
    problem(api.act("clerk-nanguan", case_no, "approve_everything"), 422, "validation_failed")
    problem(api.act("clerk-nanguan", case_no, "accept", version=7), 409, "stale_version")
    accepted = api.ok("clerk-nanguan", case_no, "accept", version=1)
    assert accepted["version"] == 2
    body = problem(api.act("clerk-nanguan", case_no, "accept"), 409, "invalid_transition")
    assert body["current_state"] == "accepted"
    assert "已受理" in body["detail"]
    problem(api.act("reviewer-nanguan", case_no, "issue"), 409, "invalid_transition")
    problem(api.act("citizen", case_no, "approve"), 403, "action_not_allowed")


@pytest.mark.django_db
def test_deadlines_in_a_year_without_a_calendar_are_provisional(
    api: CaseApi, frozen: FrozenClock
) -> None:
    frozen.set("2026-12-21")  # 20 working days later is in 2027, which has no notice yet
    case_no = api.apply("citizen", items.NANGUAN)["case_no"]
    accepted = api.ok("clerk-nanguan", case_no, "accept")
    assert accepted["promised_deadline"] == "2026-12-28"
    # Weekends only in 2027 (New Year's Day not yet known): Dec 22..31 are 8, Jan 1..18: 12.
    assert accepted["legal_deadline"] == "2027-01-18"
    assert accepted["provisional"] is True
    told = Message.objects.get(object_id=case_no, subject="办件已受理").body
    assert "节假日安排尚未公布，日期可能调整" in told


#: interfaces.md, word for word.
CONTRACT_ACTIONS = [
    "accept",
    "request_supplement",
    "resubmit",
    "refuse",
    "forward",
    "approve",
    "deny",
    "return",
    "suspend",
    "resume",
    "extend",
    "issue",
    "deliver",
    "withdraw",
]
CONTRACT_STATUSES = [
    "submitted",
    "supplement_requested",
    "refused",
    "accepted",
    "in_review",
    "suspended",
    "approved",
    "denied",
    "issued",
    "delivered",
    "completed",
    "withdrawn",
]


@pytest.mark.django_db
def test_the_api_publishes_the_contract(client: Any) -> None:
    assert sorted(CaseAction.values) == sorted(CONTRACT_ACTIONS)
    assert sorted(CaseStatus.values) == sorted(CONTRACT_STATUSES)
    spec = client.get("/api/v1/openapi.json").json()
    paths = spec["paths"]
    assert {"post", "get"} <= set(paths["/api/v1/cases"])
    assert "Idempotency-Key" in [p["name"] for p in paths["/api/v1/cases"]["post"]["parameters"]]
    assert "get" in paths["/api/v1/cases/{case_no}"]
    assert "post" in paths["/api/v1/cases/{case_no}/actions"]
    assert "security" not in paths["/api/v1/public/cases/{case_no}"]["get"]  # no login needed
    action_in = spec["components"]["schemas"]["ActionIn"]["properties"]["action"]
    ref = action_in.get("$ref", "")
    enum = (
        spec["components"]["schemas"][ref.rsplit("/", 1)[1]]["enum"] if ref else action_in["enum"]
    )
    assert sorted(enum) == sorted(CONTRACT_ACTIONS)
    case_out = spec["components"]["schemas"]["CaseOut"]["properties"]
    for name in [
        "case_no",
        "item_code",
        "status",
        "submitted_at",
        "accepted_at",
        "promised_deadline",
        "legal_deadline",
        "remaining_workdays",
        "overdue",
        "history",
        "result",
    ]:
        assert name in case_out, name
