"""`Case.responsible` (cases.responsible): kept by every event the services record, equal
to the rule evaluated afresh, and what the monitor's staff load and the cards read."""

from __future__ import annotations

import pytest

from tests.cases import items
from tests.cases.conftest import CaseApi, FrozenClock
from yiwang.accounts.models import User
from yiwang.cases.models import Case, CaseEvent
from yiwang.cases.responsible import responsible_expression

pytestmark = pytest.mark.django_db


def _stored_and_rule(case_no: str) -> tuple[str | None, str | None]:
    row = (
        Case.objects.filter(case_no=case_no)
        .annotate(rule=responsible_expression(CaseEvent.objects.all()))
        .values("responsible_id", "rule")
        .get()
    )
    names = dict(User.objects.values_list("pk", "username"))
    return names.get(row["responsible_id"]), names.get(row["rule"])


def test_each_stage_answers_to_the_staff_of_its_unit(api: CaseApi, frozen: FrozenClock) -> None:
    frozen.set("2026-09-14")
    case_no = api.apply("citizen", items.NANGUAN)["case_no"]
    # the applicant is never responsible; nobody of the hall has acted yet
    assert _stored_and_rule(case_no) == (None, None)
    api.ok(
        "clerk-nanguan",
        case_no,
        "request_supplement",
        comment="请补齐",
        missing=[{"material": "id-card", "reason": "身份证已过期"}],
    )
    assert _stored_and_rule(case_no) == ("clerk-nanguan", "clerk-nanguan")
    api.ok(
        "citizen",
        case_no,
        "resubmit",
        materials=[{"material": "id-card", "upload_id": api.upload("citizen")}],
    )
    # back with the hall: the applicant's resubmission leaves the clerk answering
    assert _stored_and_rule(case_no) == ("clerk-nanguan", "clerk-nanguan")
    api.ok("clerk-nanguan", case_no, "accept", comment="材料齐全")
    # accepted: the department's stage, nobody of it has acted yet
    assert _stored_and_rule(case_no) == (None, None)
    api.ok("reviewer-nanguan", case_no, "approve", comment="符合条件")
    assert _stored_and_rule(case_no) == ("reviewer-nanguan", "reviewer-nanguan")
