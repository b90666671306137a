"""Whole lifecycles through the HTTP API, as the people of a hall would run them.

Dates are fixed (the cases clock is frozen) and the expected deadlines are worked out
by hand from the State Council's 2026 notice (domain-rules.md), not by the engine:
Sep 20 (Sun) is a make-up working day, Sep 25 (Mid-Autumn) and Oct 1–7 (National Day)
are holidays, Oct 10 (Sat) is a make-up working day.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.cases import items
from tests.cases.conftest import CaseApi, FrozenClock
from tests.problems import assert_problem as problem
from yiwang.common.models import AuditEvent
from yiwang.notify.models import Message

pytestmark = pytest.mark.django_db


def _actions(detail: dict[str, Any]) -> list[str]:
    return [e["action"] or e["kind"] for e in detail["history"]]


def test_the_nanguan_flow_from_application_to_completion(api: CaseApi, frozen: FrozenClock) -> None:
    frozen.set("2026-09-14")  # Monday
    created = api.apply("citizen", items.NANGUAN)
    case_no = created["case_no"]
    assert re.fullmatch(r"220102-20260914-\d{6}", case_no)
    assert created["status"] == "submitted"
    assert re.fullmatch(r"[A-Z2-9]{10}", created["query_code"])

    inbox = api.get("clerk-nanguan", "/cases").json()
    assert case_no in [c["case_no"] for c in inbox["items"]]
    seen = api.detail("clerk-nanguan", case_no)
    assert {"accept", "request_supplement", "refuse"} <= set(seen["allowed_actions"])
    assert seen["due_on"] == "2026-09-20"  # Art. 32: 15, 16, 17, 18, 20 (a make-up Sunday)
    assert seen["applicant"]["id_number"] == "220102198806151015"  # handling staff: in full

    frozen.set("2026-09-15")  # Tuesday
    accepted = api.ok("clerk-nanguan", case_no, "accept", comment="材料齐全，予以受理")
    assert accepted["status"] == "accepted"
    assert accepted["accepted_on"] == "2026-09-15"
    # Art. 82: the start day is not counted. Promised 5: Sep 16, 17, 18, 20 (make-up), 21.
    assert accepted["promised_deadline"] == "2026-09-21"
    # Legal 20 working days after Sep 15 (domain-rules vector).
    assert accepted["legal_deadline"] == "2026-10-19"
    assert accepted["remaining_workdays"] == 5
    assert (accepted["overdue"], accepted["near_due"], accepted["provisional"]) == (
        False,
        False,
        False,
    )
    assert accepted["current_step"] == "审查（现场勘查）"

    frozen.set("2026-09-18")
    reviewing = api.detail("reviewer-nanguan", case_no)
    assert reviewing["remaining_workdays"] == 2  # Sep 20 and 21
    assert "approve" in reviewing["allowed_actions"]
    approved = api.ok("reviewer-nanguan", case_no, "approve", comment="符合条件")
    assert approved["status"] == "approved"
    assert approved["current_step"] == "决定"  # the reviewer's last step: the document
    # Art. 44: 10 working days after Sep 18: 20, 21, 22, 23, 24, 28, 29, 30, Oct 8, 9.
    assert approved["issue_deadline"] == "2026-10-09"
    assert approved["result"]["decision"] == "approved"

    issued = api.ok("reviewer-nanguan", case_no, "issue")
    assert issued["status"] == "issued"
    assert issued["current_step"] == "已制证"  # to be handed over, not "受理" again
    done = api.ok("clerk-nanguan", case_no, "deliver", method="window")
    assert done["status"] == "completed"
    assert done["allowed_actions"] == []

    mine = api.detail("citizen", case_no)
    assert mine["status"] == "completed"
    assert _actions(mine) == ["submit", "accept", "approve", "issue", "deliver"]
    assert [e["to_status"] for e in mine["history"]] == [
        "submitted",
        "accepted",
        "approved",
        "issued",
        "completed",
    ]
    assert all(e["actor"] == "" for e in mine["history"])  # staff names are not shown
    assert mine["history"][1]["unit"] == "长春市南关区政务服务中心"
    assert mine["overdue"] is False  # decided before the promised deadline
    assert [c["case_no"] for c in api.get("citizen", "/cases").json()["items"]] == [case_no]

    public = api.get(None, f"/public/cases/{case_no}", code=created["query_code"]).json()
    assert public["status"] == "completed"
    assert public["item_name"] == "临时占用城市道路审批"

    # Every change of state told to the applicant and audited.
    subjects = list(
        Message.objects.filter(object_id=case_no).order_by("id").values_list("subject", flat=True)
    )
    assert subjects == ["申请已提交", "办件已受理", "申请已获准予", "办理结果已制作", "办件已办结"]
    assert set(
        Message.objects.filter(object_id=case_no).values_list("recipient__username", flat=True)
    ) == {"citizen"}
    audited = list(
        AuditEvent.objects.filter(object_type="cases.case", object_id=case_no)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert audited == [
        "case.submitted",
        "case.accept",
        "case.approve",
        "case.issue",
        "case.deliver",
    ]


def test_township_station_accepts_the_county_decides_and_the_result_goes_by_post(
    api: CaseApi, frozen: FrozenClock
) -> None:
    frozen.set("2026-09-14")
    created = api.apply("citizen", items.FORESTRY, intake_region="222424102")
    case_no = created["case_no"]
    assert case_no.startswith("222424-20260914-")

    # The station sees it; the county forestry bureau sees it but cannot accept it.
    assert case_no in [
        c["case_no"] for c in api.get("clerk-tianqiaoling", "/cases").json()["items"]
    ]
    assert "accept" not in api.detail("reviewer-wangqing-forestry", case_no)["allowed_actions"]
    problem(api.act("reviewer-wangqing-forestry", case_no, "accept"), 403, "action_not_allowed")

    frozen.set("2026-09-15")
    api.ok("clerk-tianqiaoling", case_no, "accept")
    forwarded = api.ok("clerk-tianqiaoling", case_no, "forward", comment="材料齐全，转县林业局")
    assert forwarded["status"] == "in_review"
    assert forwarded["intake"] == "汪清县天桥岭镇便民服务中心"

    frozen.set("2026-09-16")
    api.ok("reviewer-wangqing-forestry", case_no, "approve", result_text="植物检疫证书")
    api.ok("reviewer-wangqing-forestry", case_no, "issue")
    problem(
        api.act("clerk-tianqiaoling", case_no, "deliver", method="post"), 422, "tracking_required"
    )
    for tracking_no, carrier in (("\x01\x02", ""), ("1190012345678", "EMS\x1b")):
        garbled = api.act(
            "clerk-tianqiaoling",
            case_no,
            "deliver",
            method="post",
            tracking_no=tracking_no,
            carrier=carrier,
        )
        problem(garbled, 422, "bad_tracking_no")
    assert api.detail("citizen", case_no)["status"] == "issued"
    posted = api.ok(
        "clerk-tianqiaoling",
        case_no,
        "deliver",
        method="post",
        carrier="中国邮政速递物流（EMS）",
        tracking_no="1190012345678",
    )
    assert posted["status"] == "delivered"
    assert posted["result"]["tracking_no"] == "1190012345678"
    assert posted["result"]["carrier"] == "中国邮政速递物流（EMS）"
    assert posted["result"]["delivery_method"] == "post"
    received = api.ok("clerk-tianqiaoling", case_no, "deliver", comment="回执已返回")
    assert received["status"] == "completed"

    timeline = api.detail("citizen", case_no)["history"]
    hand_offs = [(e["action"] or e["kind"], e["unit"]) for e in timeline]
    assert hand_offs == [
        ("submit", "申请人（网上申报）"),
        ("accept", "汪清县天桥岭镇便民服务中心"),
        ("forward", "汪清县天桥岭镇便民服务中心"),
        ("approve", "汪清县林业局"),
        ("issue", "汪清县林业局"),
        ("deliver", "汪清县天桥岭镇便民服务中心"),
        ("deliver", "汪清县天桥岭镇便民服务中心"),
    ]
    forward = timeline[2]
    assert forward["data"]["to_unit"] == "汪清县林业局"
    assert timeline[5]["data"]["tracking_no"] == "1190012345678"
    bodies = "".join(Message.objects.filter(object_id=case_no).values_list("body", flat=True))
    assert "转报汪清县林业局审查" in bodies
    assert "快递单号 1190012345678" in bodies


def test_a_supplement_notice_lists_everything_missing_at_once(
    api: CaseApi, frozen: FrozenClock
) -> None:
    frozen.set("2026-09-14")
    case_no = api.apply("citizen", items.NANGUAN)["case_no"]
    frozen.set("2026-09-16")
    problem(api.act("clerk-nanguan", case_no, "request_supplement"), 422, "missing_required")
    problem(
        api.act("clerk-nanguan", case_no, "request_supplement", missing=[{"material": "nope"}]),
        422,
        "unknown_material",
    )
    noticed = api.ok(
        "clerk-nanguan",
        case_no,
        "request_supplement",
        comment="请一次补齐",
        missing=[
            {"material": "id-card", "reason": "身份证已过期"},
            {"material": "traffic-opinion", "reason": "占用路段影响交通，需交管部门意见"},
        ],
    )
    assert noticed["status"] == "supplement_requested"
    assert noticed["remaining_workdays"] is None  # the applicant's turn: no clock running
    (notice,) = noticed["supplement_notices"]
    assert [(i["material"], i["name"]) for i in notice["items"]] == [
        ("id-card", "申请人居民身份证（法人为营业执照）"),
        ("traffic-opinion", "公安机关交通管理部门意见"),
    ]
    message = Message.objects.filter(object_id=case_no, subject="请补正申请材料").get()
    assert "申请人居民身份证（法人为营业执照）（身份证已过期）" in message.body
    assert "公安机关交通管理部门意见（占用路段影响交通，需交管部门意见）" in message.body

    # The clerk cannot resubmit; the applicant must bring every listed material.
    problem(api.act("clerk-nanguan", case_no, "resubmit"), 403)
    partial = [{"material": "id-card", "upload_id": api.upload("citizen")}]
    body = problem(
        api.act("citizen", case_no, "resubmit", materials=partial), 422, "materials_missing"
    )
    assert body["missing"] == [{"material": "traffic-opinion", "name": "公安机关交通管理部门意见"}]

    frozen.set("2026-09-22")
    full = [*partial, {"material": "traffic-opinion", "upload_id": api.upload("citizen")}]
    resubmitted = api.ok("citizen", case_no, "resubmit", materials=full)
    assert resubmitted["status"] == "submitted"
    assert resubmitted["supplement_notices"][0]["answered_at"] is not None
    # Art. 32 again from the day the supplement arrived: Sep 23, 24, 28, 29, 30.
    assert resubmitted["due_on"] == "2026-09-30"
    current = [m for m in resubmitted["materials"] if not m["superseded"]]
    assert sorted(m["material"] for m in current) == [
        "application",
        "id-card",
        "restoration-commitment",
        "site-plan",
        "traffic-opinion",
    ]
    assert sum(m["superseded"] for m in resubmitted["materials"]) == 1

    accepted = api.ok("clerk-nanguan", case_no, "accept")
    assert accepted["accepted_on"] == "2026-09-22"


def test_a_second_notice_may_not_raise_what_the_first_one_left_out(
    api: CaseApi, frozen: FrozenClock
) -> None:
    """一次性告知 (行政许可法 Art. 32): everything to supplement in the first notice. After
    the resubmission a new notice may only concern what was handed in since (a listed
    material still defective, or one the applicant replaced), not a material that lay
    there unchanged when the first notice was given."""
    frozen.set("2026-09-14")
    case_no = api.apply("citizen", items.NANGUAN)["case_no"]
    frozen.set("2026-09-16")
    api.ok("clerk-nanguan", case_no, "request_supplement", missing=[{"material": "id-card"}])
    frozen.set("2026-09-22")
    resubmitted = [
        {"material": "id-card", "upload_id": api.upload("citizen")},
        {"material": "site-plan", "upload_id": api.upload("citizen")},  # replaced unasked
    ]
    api.ok("citizen", case_no, "resubmit", materials=resubmitted)

    frozen.set("2026-09-23")
    body = problem(
        api.act(
            "clerk-nanguan",
            case_no,
            "request_supplement",
            missing=[{"material": "id-card"}, {"material": "application"}],
        ),
        422,
        "not_in_first_notice",
    )
    assert body["materials"] == ["application"]
    again = api.ok(
        "clerk-nanguan",
        case_no,
        "request_supplement",
        missing=[
            {"material": "id-card", "reason": "照片页不清晰"},
            {"material": "site-plan", "reason": "未标注占用范围"},
        ],
    )
    assert again["status"] == "supplement_requested"
    assert len(again["supplement_notices"]) == 2


def test_special_procedures_pause_the_clock_and_shift_the_deadlines(
    api: CaseApi, frozen: FrozenClock
) -> None:
    frozen.set("2026-09-14")
    case_no = api.apply("citizen", items.NANGUAN)["case_no"]
    frozen.set("2026-09-15")
    api.ok("clerk-nanguan", case_no, "accept")  # promised Sep 21, legal Oct 19
    frozen.set("2026-09-16")
    problem(
        api.act("reviewer-nanguan", case_no, "suspend", comment="现场核查"),
        422,
        "bad_procedure_kind",
    )
    problem(
        api.act("reviewer-nanguan", case_no, "suspend", kind="inspection"), 422, "comment_required"
    )
    suspended = api.ok(
        "reviewer-nanguan", case_no, "suspend", kind="inspection", comment="委托检验机构检验"
    )
    assert suspended["status"] == "suspended"
    assert suspended["remaining_workdays"] == 4  # Sep 17, 18, 20 (make-up), 21

    frozen.set("2026-09-24")  # a week later the clock has not moved
    assert api.detail("citizen", case_no)["remaining_workdays"] == 4
    assert api.detail("citizen", case_no)["overdue"] is False
    problem(api.act("clerk-nanguan", case_no, "approve"), 403)
    problem(api.act("reviewer-nanguan", case_no, "approve"), 409, "invalid_transition")

    resumed = api.ok("reviewer-nanguan", case_no, "resume", comment="检验合格")
    assert resumed["status"] == "in_review"
    # Not counted (Art. 45): the working days in (Sep 16, Sep 24] = 17, 18, 20, 21, 22, 23, 24.
    assert resumed["paused_workdays"] == 7
    assert resumed["suspensions"] == [
        {
            "kind": "inspection",
            "kind_label": "检验",
            "reason": "委托检验机构检验",
            "started_on": "2026-09-16",
            "ended_on": "2026-09-24",
            "workdays": 7,
        }
    ]
    # Sep 21 + 7 working days: 22, 23, 24, 28, 29, 30, Oct 8.
    assert resumed["promised_deadline"] == "2026-10-08"
    # Oct 19 + 7: 20, 21, 22, 23, 26, 27, 28.
    assert resumed["legal_deadline"] == "2026-10-28"
    assert resumed["remaining_workdays"] == 4  # as before the procedure
    message = Message.objects.get(object_id=case_no, subject="特别程序已结束，恢复计时")
    assert "2026年10月08日" in message.body


def test_extension_adds_ten_working_days_to_the_legal_limit_once(
    api: CaseApi, frozen: FrozenClock
) -> None:
    frozen.set("2026-09-14")
    case_no = api.apply("citizen", items.NANGUAN)["case_no"]
    frozen.set("2026-09-15")
    api.ok("clerk-nanguan", case_no, "accept")
    problem(api.act("reviewer-nanguan", case_no, "extend"), 422, "comment_required")
    problem(api.act("clerk-nanguan", case_no, "extend", comment="x"), 403)
    extended = api.ok("reviewer-nanguan", case_no, "extend", comment="需征求相关部门意见")
    # Oct 19 + 10: 20, 21, 22, 23, 26, 27, 28, 29, 30, Nov 2.
    assert extended["legal_deadline"] == "2026-11-02"
    assert extended["promised_deadline"] == "2026-09-21"  # the hall's promise stands
    assert (extended["extension_workdays"], extended["extension_reason"]) == (
        10,
        "需征求相关部门意见",
    )
    again = problem(
        api.act("reviewer-nanguan", case_no, "extend", comment="再延"), 409, "already_extended"
    )
    assert again["current_state"] == "accepted"
    message = Message.objects.get(object_id=case_no, subject="办理期限延长")
    assert "需征求相关部门意见" in message.body


def test_an_extension_is_decided_while_the_legal_limit_still_runs(
    api: CaseApi, frozen: FrozenClock
) -> None:
    """行政许可法 Art. 42: 二十日内不能作出决定的 ... 可以延长十日 — within the limit, not
    after it has run out (that would turn a missed legal deadline into a kept one)."""
    frozen.set("2026-09-15")
    late = api.apply("citizen", items.NANGUAN)["case_no"]
    on_the_day = api.apply("citizen", items.NANGUAN)["case_no"]
    api.ok("clerk-nanguan", late, "accept")  # legal Oct 19
    api.ok("clerk-nanguan", on_the_day, "accept")
    frozen.set("2026-10-19")  # the last day of the legal limit: still possible
    extended = api.ok("reviewer-nanguan", on_the_day, "extend", comment="需征求相关部门意见")
    assert extended["legal_deadline"] == "2026-11-02"
    frozen.set("2026-10-20")
    assert api.detail("reviewer-nanguan", late)["legal_remaining_workdays"] == -1
    body = problem(
        api.act("reviewer-nanguan", late, "extend", comment="需征求相关部门意见"),
        409,
        "legal_limit_passed",
    )
    assert body["current_state"] == "accepted"
    after = api.detail("reviewer-nanguan", late)
    assert (after["legal_deadline"], after["extension_workdays"]) == ("2026-10-19", 0)


def test_overdue_and_near_due_marks(api: CaseApi, frozen: FrozenClock) -> None:
    frozen.set("2026-09-14")
    case_no = api.apply("citizen", items.NANGUAN)["case_no"]
    frozen.set("2026-09-15")
    api.ok("clerk-nanguan", case_no, "accept")  # promised Sep 21
    frozen.set("2026-09-20")  # a make-up working day: one day left
    d = api.detail("clerk-nanguan", case_no)
    assert (d["remaining_workdays"], d["near_due"], d["overdue"], d["mark"]) == (
        1,
        True,
        False,
        "yellow",
    )
    frozen.set("2026-09-21")
    d = api.detail("clerk-nanguan", case_no)
    assert (d["remaining_workdays"], d["near_due"], d["overdue"]) == (0, True, False)
    frozen.set("2026-09-22")
    listed = api.get("clerk-nanguan", "/cases").json()["items"]
    row = next(c for c in listed if c["case_no"] == case_no)
    assert (row["remaining_workdays"], row["overdue"], row["mark"]) == (-1, True, "red")


def test_refusal_denial_return_and_withdrawal(api: CaseApi, frozen: FrozenClock) -> None:
    frozen.set("2026-09-14")
    refused = api.apply("citizen", items.NANGUAN)["case_no"]
    problem(api.act("clerk-nanguan", refused, "refuse"), 422, "comment_required")
    out = api.ok("clerk-nanguan", refused, "refuse", comment="不属于本机关职权范围")
    assert out["status"] == "refused"
    assert out["result"]["reason"] == "不属于本机关职权范围"

    denied = api.apply("citizen", items.NANGUAN)["case_no"]
    api.ok("clerk-nanguan", denied, "accept")
    api.ok("clerk-nanguan", denied, "forward")
    back = api.ok("reviewer-nanguan", denied, "return", comment="请核对占用位置平面示意图")
    assert back["status"] == "accepted"
    assert [e["comment"] for e in api.detail("citizen", denied)["history"]][-1] == ""  # internal
    api.ok("clerk-nanguan", denied, "forward")
    out = api.ok("reviewer-nanguan", denied, "deny", comment="占用路段为城市主干道，不予占用")
    assert (out["status"], out["result"]["decision"]) == ("denied", "denied")
    assert "行政复议" in Message.objects.get(object_id=denied, subject="申请不予许可").body

    withdrawn = api.apply("citizen", items.NANGUAN)["case_no"]
    api.ok("clerk-nanguan", withdrawn, "accept")
    out = api.ok("citizen", withdrawn, "withdraw", comment="不再需要")
    assert out["status"] == "withdrawn"
    body = problem(api.act("citizen", withdrawn, "withdraw"), 409, "invalid_transition")
    assert body["current_state"] == "withdrawn"
