"""domain-rules: a deadline that reaches into a year whose holiday notice is not yet
published is counted on weekends only and marked provisional. Once the notice is
entered, the hourly recount moves it (行政许可法 Art. 82: limits in working days), tells
the applicant, and does nothing more on later runs."""

from __future__ import annotations

from datetime import date

import pytest

from tests.cases import items
from tests.cases.conftest import CaseApi, FrozenClock
from yiwang.accounts.actor import Actor
from yiwang.cases import tasks
from yiwang.cases.models import Case
from yiwang.catalog.models import ServiceItem
from yiwang.common import workdays
from yiwang.common.models import AuditEvent
from yiwang.notify.models import Message

pytestmark = pytest.mark.django_db

SUBJECT = "办理期限按节假日安排调整"


def _recount() -> list[str]:
    result = tasks.recount_provisional_deadlines.enqueue()  # immediate backend in tests
    moved: list[str] = result.return_value["moved"]
    return moved


def _publish_2027_new_year() -> None:
    workdays.set_day(
        date(2027, 1, 1), is_workday=False, holiday_name="元旦", actor=Actor.system("test")
    )
    workdays.publish_year(2027, "国办发明电〔2026〕1号", actor=Actor.system("test"))


def test_a_published_holiday_moves_a_provisional_deadline_once(
    api: CaseApi, frozen: FrozenClock
) -> None:
    frozen.set("2026-12-21")  # Monday
    case_no = api.apply("citizen", items.NANGUAN)["case_no"]
    accepted = api.ok("clerk-nanguan", case_no, "accept")
    # Promised 5: Dec 22-25, 28 (all of 2026, published). Legal 20: 8 days in December,
    # then 2027 on weekends only: Jan 1, 4-8, 11-15, 18.
    assert accepted["promised_deadline"] == "2026-12-28"
    assert accepted["legal_deadline"] == "2027-01-18"
    assert Case.objects.get(case_no=case_no).deadlines_provisional is True
    # The catalog changes afterwards; the case keeps the limits it was accepted under.
    ServiceItem.objects.filter(code=items.NANGUAN).update(legal_limit_days=15)

    audit_before = AuditEvent.objects.count()
    assert _recount() == []  # no notice yet: nothing moves, nothing is written
    assert AuditEvent.objects.count() == audit_before

    _publish_2027_new_year()
    assert _recount() == [case_no]
    case = Case.objects.get(case_no=case_no)
    assert case.legal_deadline == date(2027, 1, 19)  # 元旦 is not a working day
    assert case.promised_deadline == date(2026, 12, 28)
    assert case.deadlines_provisional is False
    detail = api.detail("citizen", case_no)
    assert detail["legal_deadline"] == "2027-01-19"
    last = detail["history"][-1]
    assert (last["kind"], last["unit"]) == ("recount", "系统")
    assert "法定办结日期由2027年01月18日调整为2027年01月19日" in last["comment"]
    message = Message.objects.get(object_id=case_no, subject=SUBJECT)
    assert message.recipient.username == "citizen"
    assert "2027年01月19日" in message.body
    event = AuditEvent.objects.get(object_id=case_no, action="case.deadlines_recounted")
    assert event.before == {"legal_deadline": "2027-01-18", "provisional": True}
    assert event.after == {"legal_deadline": "2027-01-19", "provisional": False}

    assert _recount() == []  # idempotent
    assert AuditEvent.objects.filter(action="case.deadlines_recounted").count() == 1
    assert Message.objects.filter(subject=SUBJECT).count() == 1


def test_an_extension_is_counted_again_as_if_counted_from_acceptance(
    api: CaseApi, frozen: FrozenClock
) -> None:
    frozen.set("2026-12-21")
    case_no = api.apply("citizen", items.NANGUAN)["case_no"]
    api.ok("clerk-nanguan", case_no, "accept")
    frozen.set("2026-12-22")
    extended = api.ok("reviewer-nanguan", case_no, "extend", comment="需征求相关部门意见")
    assert extended["legal_deadline"] == "2027-02-01"  # Jan 18 + 10 on weekends only

    _publish_2027_new_year()
    assert _recount() == [case_no]
    # 30 working days after Dec 21 without Jan 1: 8 in December, Jan 4 ... Feb 2.
    assert Case.objects.get(case_no=case_no).legal_deadline == date(2027, 2, 2)


def test_a_deadline_still_in_an_unpublished_year_stays_provisional(
    api: CaseApi, frozen: FrozenClock
) -> None:
    frozen.set("2026-12-21")
    case_no = api.apply("citizen", items.NANGUAN)["case_no"]
    api.ok("clerk-nanguan", case_no, "accept")
    # The notice's days entered, but the year not yet published: still weekends only.
    workdays.set_day(
        date(2027, 1, 1), is_workday=False, holiday_name="元旦", actor=Actor.system("test")
    )
    assert _recount() == []
    case = Case.objects.get(case_no=case_no)
    assert (case.legal_deadline, case.deadlines_provisional) == (date(2027, 1, 18), True)


def test_a_special_procedure_that_ran_into_an_unpublished_year_is_counted_again(
    api: CaseApi, frozen: FrozenClock
) -> None:
    from yiwang.cases.models import Suspension

    frozen.set("2026-12-21")  # Monday
    case_no = api.apply("citizen", items.NANGUAN)["case_no"]
    api.ok("clerk-nanguan", case_no, "accept")  # promised 2026-12-28, legal 2027-01-18
    frozen.set("2026-12-23")
    api.ok("reviewer-nanguan", case_no, "suspend", kind="expert_review", comment="专家评审")
    frozen.set("2027-01-06")
    resumed = api.ok("reviewer-nanguan", case_no, "resume")
    # (Dec 23, Jan 6] on weekends only: Dec 24-25, 28-31, Jan 1, 4-6 = 10 working days.
    case = Case.objects.get(case_no=case_no)
    assert case.paused_workdays == 10
    assert resumed["promised_deadline"] == "2027-01-11"  # 15 after Dec 21, weekends only
    assert resumed["legal_deadline"] == "2027-02-01"  # 30 after Dec 21

    _publish_2027_new_year()
    _recount()
    case = Case.objects.get(case_no=case_no)
    # 元旦 fell inside the procedure: it paused 9 working days, not 10. The deadlines are
    # 5 + 9 and 20 + 9 working days after Dec 21 without Jan 1 — the same days as before;
    # counting the old 10 paused days on the new calendar would have moved both a day later.
    assert case.paused_workdays == 9
    assert Suspension.objects.get(case=case).workdays == 9
    assert case.promised_deadline == date(2027, 1, 11)
    assert case.legal_deadline == date(2027, 2, 1)
    assert case.deadlines_provisional is False
    event = AuditEvent.objects.get(object_id=case_no, action="case.deadlines_recounted")
    assert event.before == {"paused_workdays": 10, "provisional": True}
    assert event.after == {"paused_workdays": 9, "provisional": False}
    assert _recount() == []  # idempotent
