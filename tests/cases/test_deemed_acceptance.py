"""行政许可法 Art. 32: no supplement notice within 5 working days -> accepted on the day
the materials arrived. The sweep runs as a periodic task; it must be safe to repeat."""

from __future__ import annotations

import pytest

from tests.cases import items
from tests.cases.conftest import CaseApi, FrozenClock
from tests.problems import assert_problem as problem
from yiwang.cases import tasks
from yiwang.cases.models import Case, SupplementNotice
from yiwang.common.models import AuditEvent
from yiwang.notify.models import Message

pytestmark = pytest.mark.django_db


def _sweep(day: str) -> list[str]:
    result = tasks.sweep_deemed_acceptance.enqueue(today=day)  # immediate backend in tests
    accepted: list[str] = result.return_value["accepted"]
    return accepted


def test_a_submission_nobody_acted_on_is_accepted_on_the_day_it_arrived(
    api: CaseApi, frozen: FrozenClock
) -> None:
    frozen.set("2026-09-14")  # Monday; the 5th working day after is Sun Sep 20 (make-up day)
    case_no = api.apply("citizen", items.NANGUAN)["case_no"]
    other = api.apply("citizen", items.NANGUAN)["case_no"]
    frozen.set("2026-09-15")
    api.ok("clerk-nanguan", other, "accept")

    assert _sweep("2026-09-18") == []
    assert _sweep("2026-09-20") == []  # the 5th working day: the hall may still act today
    assert Case.objects.get(case_no=case_no).status == "submitted"

    frozen.set("2026-09-21")
    assert _sweep("2026-09-21") == [case_no]
    detail = api.detail("citizen", case_no)
    assert detail["status"] == "accepted"
    assert detail["deemed_accepted"] is True
    assert detail["accepted_on"] == "2026-09-14"  # the day the materials arrived
    assert detail["promised_deadline"] == "2026-09-20"
    # 20 working days after Sep 14: ..., Oct 8, 9, 10 (make-up Saturday), 12, ..., 16.
    assert detail["legal_deadline"] == "2026-10-16"
    last = detail["history"][-1]
    assert (last["kind"], last["action"], last["unit"]) == ("deemed_accept", "accept", "系统")
    assert "第三十二条" in last["comment"]
    event = AuditEvent.objects.get(object_id=case_no, action="case.accept")
    assert event.actor == "system"
    assert event.actor_id is None

    assert _sweep("2026-09-21") == []  # idempotent
    assert _sweep("2026-09-22") == []
    assert AuditEvent.objects.filter(object_id=case_no, action="case.accept").count() == 1
    assert Case.objects.get(case_no=other).deemed_accepted is False


def test_a_timely_supplement_notice_prevents_it_and_the_window_restarts_on_resubmission(
    api: CaseApi, frozen: FrozenClock
) -> None:
    frozen.set("2026-09-14")
    case_no = api.apply("citizen", items.NANGUAN)["case_no"]
    frozen.set("2026-09-18")
    api.ok(
        "clerk-nanguan", case_no, "request_supplement", missing=[{"material": "traffic-opinion"}]
    )
    assert _sweep("2026-10-30") == []  # waiting for the applicant: no deemed acceptance

    frozen.set("2026-09-29")
    upload = api.upload("citizen")
    api.ok(
        "citizen",
        case_no,
        "resubmit",
        materials=[{"material": "traffic-opinion", "upload_id": upload}],
    )
    # Sep 29 + 5 working days: 30, Oct 8, 9, 10 (make-up), 12.
    assert _sweep("2026-10-12") == []
    assert _sweep("2026-10-13") == [case_no]
    assert Case.objects.get(case_no=case_no).accepted_on.isoformat() == "2026-09-29"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("arrived", "last_day", "first_day_after", "next_working_day"),
    [
        # Fri Nov 6: Nov 9, 10, 11, 12, 13 (Fri) -> over on Sat Nov 14, not Mon Nov 16.
        ("2026-11-06", "2026-11-13", "2026-11-14", "2026-11-16"),
        # Mon Feb 9: 10, 11, 12, 13, 14 (make-up Sat) -> over on Feb 15, the first day of the
        # Spring Festival, not on Feb 24 when the hall reopens.
        ("2026-02-09", "2026-02-14", "2026-02-15", "2026-02-24"),
    ],
)
def test_the_window_is_over_on_the_first_day_after_its_last_working_day(
    api: CaseApi,
    frozen: FrozenClock,
    arrived: str,
    last_day: str,
    first_day_after: str,
    next_working_day: str,
) -> None:
    """行政许可法 Art. 32: no notice within 5 working days -> accepted. Once the 5th working
    day has passed the case is accepted, also over the weekend or holiday that follows,
    when its clock already shows it red (overdue) — not only from the next working day."""
    frozen.set(arrived)
    case_no = api.apply("citizen", items.NANGUAN)["case_no"]
    assert api.detail("clerk-nanguan", case_no)["due_on"] == last_day
    assert _sweep(last_day) == []
    frozen.set(first_day_after)
    assert api.detail("clerk-nanguan", case_no)["overdue"] is True
    assert _sweep(first_day_after) == [case_no]
    case = Case.objects.get(case_no=case_no)
    assert (case.status, case.accepted_on.isoformat()) == ("accepted", arrived)  # type: ignore[union-attr]
    assert _sweep(next_working_day) == []


def test_after_the_window_a_clerk_cannot_send_a_notice_and_an_acceptance_dates_back(
    api: CaseApi, frozen: FrozenClock
) -> None:
    """行政许可法 Art. 32: the notice is given on the spot or within 5 working days; after
    that the application counts as accepted on the day the materials arrived — also when a
    clerk gets to it before the periodic sweep (a worker down, the hour after midnight)."""
    frozen.set("2026-09-14")  # the window ends on Sun Sep 20 (a make-up working day)
    in_time = api.apply("citizen", items.NANGUAN)["case_no"]
    late = api.apply("citizen", items.NANGUAN)["case_no"]
    frozen.set("2026-09-20")
    api.ok("clerk-nanguan", in_time, "request_supplement", missing=[{"material": "id-card"}])

    frozen.set("2026-09-21")  # the sweep has not run yet
    body = problem(
        api.act("clerk-nanguan", late, "request_supplement", missing=[{"material": "id-card"}]),
        409,
        "acceptance_window_passed",
    )
    assert body["current_state"] == "submitted"
    assert not SupplementNotice.objects.filter(case__case_no=late).exists()

    accepted = api.ok("clerk-nanguan", late, "accept", comment="材料齐全")
    assert accepted["status"] == "accepted"
    assert (accepted["accepted_on"], accepted["deemed_accepted"]) == ("2026-09-14", True)
    assert accepted["promised_deadline"] == "2026-09-20"  # as the sweep would have set it
    assert accepted["legal_deadline"] == "2026-10-16"
    assert accepted["overdue"] is True
    last = accepted["history"][-1]
    assert last["kind"] == "action"
    assert last["comment"].startswith("材料齐全（")
    assert "第三十二条" in last["comment"]
    assert (
        "2026年09月14日视为受理" in Message.objects.get(object_id=late, subject="办件已受理").body
    )
