"""好差评 rating rules (feedback.services.rating; domain-rules §好差评): only the applicant,
never staff, only an ended case, once per case, the levels and indicators, the comment
limit, and a bad rating (≤ 2) opening a rectification — a 3 does not."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.cases.conftest import CaseApi, FrozenClock
from tests.feedback.conftest import complete_nanguan
from tests.problems import assert_problem
from yiwang.common.errors import DomainError
from yiwang.common.models import AuditEvent
from yiwang.feedback.choices import BAD_RATING_AT_MOST, COMMENT_MAX, Indicator, RatingChannel
from yiwang.feedback.models import Evaluation, Rectification
from yiwang.feedback.services import rate_case

pytestmark = pytest.mark.django_db


def _rate(api: CaseApi, user: str | None, case_no: str, **body: Any) -> Any:
    payload = {"score": 5, "indicators": [], "comment": ""} | body
    return api.client.post(
        f"/api/v1/cases/{case_no}/evaluation",
        payload,
        content_type="application/json",
        **api.headers(user),  # type: ignore[arg-type]
    )


def test_the_pinned_constants() -> None:
    assert BAD_RATING_AT_MOST == 2
    assert COMMENT_MAX == 500
    assert list(Indicator.values) == [
        "guide",
        "attitude",
        "timeliness",
        "process",
        "fees",
        "ability",
        "integrity",
        "result",
    ]


def test_the_applicant_rates_a_completed_case_once(api: CaseApi, nanguan_case: str) -> None:
    first = _rate(api, "citizen", nanguan_case, score=4, indicators=["attitude", "timeliness"])
    assert first.status_code == 201, first.content
    body = first.json()
    assert (body["case_no"], body["score"], body["score_label"]) == (nanguan_case, 4, "满意")
    assert body["indicators"] == ["attitude", "timeliness"]
    assert (body["channel"], body["real_name"], body["rectification"]) == ("api", True, False)
    evaluation = Evaluation.objects.get(case__case_no=nanguan_case)
    assert evaluation.rated_by.username == "citizen"
    assert AuditEvent.objects.filter(action="feedback.rate", object_id=str(evaluation.pk)).exists()
    # 一事一评: a second rating, through any channel, is refused with a clear code.
    assert_problem(
        _rate(api, "citizen", nanguan_case, score=1, comment="再评"), 409, "already_rated"
    )
    assert Evaluation.objects.filter(case__case_no=nanguan_case).count() == 1


@pytest.mark.parametrize("user", ["clerk-nanguan", "reviewer-nanguan", "supervisor-jilin", "admin"])
def test_staff_can_never_rate(api: CaseApi, nanguan_case: str, user: str) -> None:
    assert_problem(_rate(api, user, nanguan_case), 403, "staff_cannot_rate")
    assert not Evaluation.objects.exists()


def test_the_clerk_who_applied_for_the_citizen_cannot_rate_it(
    api: CaseApi, frozen: FrozenClock
) -> None:
    # 代办: the clerk acts as the applicant in the workflow, but as staff never rates.
    from tests.cases import items

    frozen.set("2026-09-15")
    case_no = api.apply("clerk-nanguan", items.NANGUAN, on_behalf_of="220102198806151015")[
        "case_no"
    ]
    api.ok("clerk-nanguan", case_no, "accept", comment="材料齐全")
    api.ok("reviewer-nanguan", case_no, "approve", comment="符合条件")
    api.ok("reviewer-nanguan", case_no, "issue")
    api.ok("clerk-nanguan", case_no, "deliver", method="window")
    assert_problem(_rate(api, "clerk-nanguan", case_no), 403, "staff_cannot_rate")
    assert _rate(api, "citizen", case_no).status_code == 201  # the applicant still may


def test_another_applicant_cannot_see_let_alone_rate(
    api: CaseApi, nanguan_case: str, other_citizen: Any
) -> None:
    with pytest.raises(DomainError) as refused:
        rate_case(nanguan_case, score=5, channel=RatingChannel.WEB, actor=other_citizen)
    assert refused.value.code == "case_not_found"
    assert_problem(_rate(api, None, nanguan_case), 401, "not_authenticated")


def test_an_open_case_cannot_be_rated_yet(api: CaseApi, frozen: FrozenClock) -> None:
    from tests.cases import items

    frozen.set("2026-09-15")
    case_no = api.apply("citizen", items.NANGUAN)["case_no"]
    response = _rate(api, "citizen", case_no)
    assert_problem(response, 409, "case_not_rateable")
    assert response.json()["current_state"] == "submitted"


def test_a_refused_case_can_be_rated_a_withdrawn_one_cannot(
    api: CaseApi, frozen: FrozenClock
) -> None:
    from tests.cases import items

    frozen.set("2026-09-15")
    refused = api.apply("citizen", items.NANGUAN)["case_no"]
    api.ok("clerk-nanguan", refused, "refuse", comment="不属于本机关职权范围")
    assert _rate(api, "citizen", refused, score=3).status_code == 201
    withdrawn = api.apply("citizen", items.NANGUAN)["case_no"]
    api.ok("citizen", withdrawn, "withdraw")
    assert_problem(_rate(api, "citizen", withdrawn), 409, "case_not_rateable")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"score": 0}, "bad_score"),
        ({"score": 6}, "bad_score"),
        ({"indicators": ["speed"]}, "unknown_indicator"),
        ({"comment": "好" * (COMMENT_MAX + 1)}, "comment_too_long"),
        ({"score": 2}, "bad_rating_reason_required"),
    ],
)
def test_bad_input_is_refused_with_its_code(
    api: CaseApi, nanguan_case: str, body: dict[str, Any], code: str
) -> None:
    assert_problem(_rate(api, "citizen", nanguan_case, **body), 422, code)
    assert not Evaluation.objects.exists()


def test_the_comment_limit_is_inclusive(api: CaseApi, nanguan_case: str) -> None:
    response = _rate(api, "citizen", nanguan_case, comment="好" * COMMENT_MAX)
    assert response.status_code == 201, response.content


def test_english_messages(api: CaseApi, nanguan_case: str) -> None:
    response = api.client.post(
        f"/api/v1/cases/{nanguan_case}/evaluation",
        {"score": 5},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **api.headers("clerk-nanguan"),  # type: ignore[arg-type]
    )
    assert_problem(response, 403, "staff_cannot_rate")
    assert response.json()["detail"] == "Staff cannot rate a case"


def test_score_3_opens_no_rectification_2_does(api: CaseApi, frozen: FrozenClock) -> None:
    three = complete_nanguan(api, frozen)
    assert _rate(api, "citizen", three, score=3).json()["rectification"] is False
    two = complete_nanguan(api, frozen)
    body = _rate(api, "citizen", two, score=2, indicators=["timeliness"]).json()
    assert body["rectification"] is True
    assert list(Rectification.objects.values_list("evaluation__case__case_no", flat=True)) == [two]


@pytest.mark.parametrize(
    ("rated_on", "deadline"),
    [
        # 5 working days, the rating day not counted: Thu 24 Sep → (Mid-Autumn 25-27 Sep)
        # 28, 29, 30 Sep, (National Day 1-7 Oct) 8, 9 Oct.
        ("2026-09-24", date(2026, 10, 9)),
        # Fri 11 Dec across a weekend: 14, 15, 16, 17, 18 Dec.
        ("2026-12-11", date(2026, 12, 18)),
        # Rated on Saturday 12 Dec: Monday is day 1 → Friday 18 Dec.
        ("2026-12-12", date(2026, 12, 18)),
    ],
)
def test_a_bad_rating_opens_a_rectification_due_in_working_days(
    api: CaseApi, frozen: FrozenClock, rated_on: str, deadline: date
) -> None:
    case_no = complete_nanguan(api, frozen)
    frozen.set(rated_on)
    response = _rate(api, "citizen", case_no, score=1, comment="等了很久")
    assert response.status_code == 201, response.content
    task = Rectification.objects.get()
    assert task.deadline == deadline
    assert task.opened_on == date.fromisoformat(rated_on)
    assert task.status == "open"
    assert task.department.code == "220102-housing"  # the case's department
    assert task.region_id == "220102"


def test_the_unit_is_told_of_a_new_rectification(api: CaseApi, frozen: FrozenClock) -> None:
    from yiwang.notify.models import Message

    case_no = complete_nanguan(api, frozen)
    frozen.set("2026-12-11")
    _rate(api, "citizen", case_no, score=2, comment="等了很久")
    task = Rectification.objects.get()
    told = Message.objects.filter(object_type="feedback.rectification", object_id=str(task.pk))
    # the department's reviewer (unit:feedback:rectify at 220102-housing); not the hall
    # clerk, not the supervisors, not the applicant
    assert sorted(told.values_list("recipient__username", flat=True)) == ["reviewer-nanguan"]
    (message,) = told
    assert case_no in message.subject
    assert "2026-12-18" in message.body  # the deadline: 5 working days


def test_the_deadline_setting_is_honoured(api: CaseApi, frozen: FrozenClock, settings: Any) -> None:
    settings.YIWANG_RECTIFICATION_WORKDAYS = 15
    case_no = complete_nanguan(api, frozen)
    frozen.set("2026-12-11")
    _rate(api, "citizen", case_no, score=2, comment="态度差")
    # 15 working days after Fri 11 Dec 2026: 14-18, 21-25, 28-31 Dec and Fri 1 Jan 2027
    # — 2027 has no published calendar, so weekends only: provisional.
    task = Rectification.objects.get()
    assert task.deadline == date(2027, 1, 1)
    assert task.deadline_provisional is True
