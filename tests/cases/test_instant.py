"""Instant items (即办件): decided the day they are accepted; with automatic rules (the
kiosk's 往来港澳通行证再次签注, the online 居住证明) decided in the submitting request,
or sent to manual review with the reasons on the timeline."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.cases import items
from tests.cases.conftest import OTHER_CITIZEN_ID, CaseApi, FrozenClock
from yiwang.accounts.actor import Actor
from yiwang.cases.auto_rules import CheckContext, evaluate
from yiwang.cases.services import record_exit_restriction, record_travel_document
from yiwang.notify.models import Message

pytestmark = pytest.mark.django_db

ZHANG_SAN = "220102198806151015"


def test_a_kiosk_endorsement_that_passes_is_decided_in_the_same_request(
    api: CaseApi, frozen: FrozenClock
) -> None:
    frozen.set("2026-11-26")
    created = api.apply("citizen", items.ENDORSE, channel="kiosk")
    assert created["status"] == "completed"
    assert created["case_no"].startswith("220000-20261126-")
    detail = api.detail("citizen", created["case_no"])
    assert detail["channel"] == "kiosk"
    assert detail["delivery"] == "self_print"  # the item's only delivery method
    assert detail["accepted_on"] == "2026-11-26"
    assert detail["promised_deadline"] == "2026-11-26"  # decided on the day of acceptance
    assert detail["result"]["decision"] == "approved"
    assert detail["result"]["text"] == "往来港澳通行证签注"
    steps = [(e["kind"], e["action"], e["to_status"]) for e in detail["history"]]
    assert steps == [
        ("submit", "", "submitted"),
        ("auto_check", "", "submitted"),
        ("action", "accept", "accepted"),
        ("action", "approve", "approved"),
        ("action", "issue", "issued"),
        ("action", "deliver", "completed"),
    ]
    assert detail["history"][1]["data"]["passed"] is True
    subjects = list(
        Message.objects.filter(object_id=created["case_no"]).values_list("subject", flat=True)
    )
    assert subjects == ["申请已自动审批通过"]


def test_an_exit_restriction_sends_it_to_manual_review_with_the_reason(
    api: CaseApi, frozen: FrozenClock
) -> None:
    frozen.set("2026-11-26")
    record_exit_restriction(
        holder_id_number=ZHANG_SAN,
        authority="某市公安局",
        since=date(2026, 1, 1),
        actor=Actor.system("test"),
    )
    created = api.apply("citizen", items.ENDORSE, channel="kiosk")
    assert created["status"] == "submitted"
    detail = api.detail("citizen", created["case_no"])
    check = detail["history"][-1]
    assert check["kind"] == "auto_check"
    assert check["data"]["passed"] is False
    assert "限制出境" in check["comment"]
    assert "转人工审核" in check["comment"]
    assert detail["due_on"] == "2026-12-03"  # a clerk decides within the acceptance window
    message = Message.objects.get(object_id=created["case_no"])
    assert message.subject == "申请转人工审核"
    assert "限制出境" in message.body

    # The manual review: the province centre's window and the public security reviewer.
    case_no = created["case_no"]
    inbox = api.get("clerk-jilin", "/cases", status="submitted").json()["items"]
    assert [c["case_no"] for c in inbox] == [case_no]
    assert case_no not in {
        c["case_no"] for c in api.get("clerk-nanguan", "/cases", status="all").json()["items"]
    }
    api.ok("clerk-jilin", case_no, "accept", comment="人工核查")
    denied = api.ok("reviewer-jilin-public-security", case_no, "deny", comment="申请人被限制出境")
    assert denied["status"] == "denied"


def test_no_valid_pass_on_record_fails_with_its_reason(api: CaseApi, other_citizen: Any) -> None:
    created = api.apply("lisi", items.ENDORSE)
    assert created["status"] == "submitted"
    comment = api.detail("lisi", created["case_no"])["history"][-1]["comment"]
    assert "未查询到申请人有效的往来港澳通行证" in comment

    record_travel_document(
        holder_id_number=OTHER_CITIZEN_ID,
        kind="hk_macao_pass",
        number="CA2610099",
        valid_until=date(2020, 1, 1),  # expired
        actor=Actor.system("test"),
    )
    assert api.apply("lisi", items.ENDORSE)["status"] == "submitted"
    record_travel_document(
        holder_id_number=OTHER_CITIZEN_ID,
        kind="hk_macao_pass",
        number="CA2610099",
        valid_until=date(2031, 1, 1),  # renewed
        actor=Actor.system("test"),
    )
    assert api.apply("lisi", items.ENDORSE)["status"] == "completed"


def test_an_online_residence_proof_for_a_resident_is_issued_at_once(
    api: CaseApi, other_citizen: Any
) -> None:
    assert api.apply("citizen", items.RESIDENCE)["status"] == "completed"  # 南关区 is in 长春市
    # 李四 has no registered residence in 长春市: a police station checks by hand.
    created = api.apply("lisi", items.RESIDENCE)
    assert created["status"] == "submitted"
    comment = api.detail("lisi", created["case_no"])["history"][-1]["comment"]
    assert "不在本辖区" in comment


def test_an_instant_item_without_rules_is_decided_by_staff_the_same_day(
    api: CaseApi, frozen: FrozenClock
) -> None:
    frozen.set("2026-11-26")
    case_no = api.apply("citizen", items.EMPLOYMENT_CARD)["case_no"]
    assert api.detail("citizen", case_no)["status"] == "submitted"
    accepted = api.ok("clerk-nanguan", case_no, "accept")
    assert accepted["promised_deadline"] == "2026-11-26"
    assert accepted["legal_deadline"] == "2026-11-26"  # legal limit 0 working days
    assert accepted["remaining_workdays"] == 0
    assert accepted["near_due"] is True  # due today
    frozen.set("2026-11-27")
    late = api.detail("citizen", case_no)
    assert (late["overdue"], late["mark"]) == (True, "red")


def test_rules_fail_closed_and_report_every_reason() -> None:
    ctx = CheckContext(
        applicant_id_number="",
        applicant_region_path="",
        item_region_path="220000/",
        on=date(2026, 11, 26),
    )
    outcomes = evaluate(
        [
            {"check": "no_such_check"},
            {"check": "hk_macao_pass_valid"},
            {"check": "resident_of_region"},
        ],
        ctx,
    )
    assert [o.passed for o in outcomes] == [False, False, False]
    assert "未知的自动审查规则" in outcomes[0].reason
    resident = evaluate(
        [{"check": "resident_of_region"}],
        CheckContext("", "220000/220100/220102/", "220000/220100/", date(2026, 11, 26)),
    )
    assert resident[0].passed
