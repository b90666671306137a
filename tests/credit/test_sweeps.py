"""The automatic list decisions (经营异常名录管理办法 Art. 6, 16), on both sides of
30 June, the tenth working day after it, three years less 60 days, and three years."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import override_settings

from tests.credit.conftest import MakeEnterprise, report_data
from yiwang.accounts.actor import Actor
from yiwang.common.models import AuditEvent
from yiwang.credit import services, tasks
from yiwang.credit.choices import EntryStatus, EventKind, ListCause, ListKind
from yiwang.credit.models import Enterprise, ListEntry, SweepMark
from yiwang.notify.models import Message

pytestmark = pytest.mark.usefixtures("calendar", "jilin")
DAY = timedelta(days=1)


def _abnormal(e: Enterprise, year: int | None = None) -> list[ListEntry]:
    qs = ListEntry.objects.filter(enterprise=e, list_kind=ListKind.ABNORMAL)
    return list(qs.filter(report_year=year) if year else qs)


def _file(e: Enterprise, year: int, on: date) -> Any:
    return services.file_annual_report(e, year, report_data(), actor=Actor.system("test"), today=on)


# --------------------------------------------------------------------------- 30 June


def test_nobody_is_listed_on_30_june_everyone_missing_on_1_july(
    make_enterprise: MakeEnterprise,
) -> None:
    missing = make_enterprise(established_on="2025-03-01")
    on_time = make_enterprise(established_on="2025-03-01")
    _file(on_time, 2025, date(2026, 6, 30))

    first = services.list_missing_annual_reports(today=date(2026, 6, 30))
    assert first.report_year == 2024
    assert first.listed == 0
    assert _abnormal(missing) == []

    second = services.list_missing_annual_reports(today=date(2026, 7, 1))
    assert second.report_year == 2025
    assert second.listed == 1
    [entry] = _abnormal(missing, 2025)
    assert entry.cause == ListCause.NO_ANNUAL_REPORT
    assert entry.listed_on == date(2026, 7, 1)
    assert entry.decision_due_on == date(2026, 7, 14)
    assert "2025" in entry.reason
    assert entry.department is not None
    assert entry.department.code == "220102-market-regulation"
    assert _abnormal(on_time) == []
    missing.refresh_from_db()
    assert missing.abnormal is True
    assert [e.kind for e in entry.events.all()] == [EventKind.LISTED]


def test_filed_late_before_the_sweep_is_listed_unless_configured(
    make_enterprise: MakeEnterprise,
) -> None:
    late = make_enterprise(established_on="2025-03-01")
    _file(late, 2025, date(2026, 7, 1))
    with override_settings(YIWANG_CREDIT={"LIST_FILED_LATE_BEFORE_LISTING": False}):
        assert services.list_missing_annual_reports(today=date(2026, 7, 2)).listed == 0
    SweepMark.objects.all().delete()
    assert services.list_missing_annual_reports(today=date(2026, 7, 2)).listed == 1
    assert len(_abnormal(late, 2025)) == 1


@pytest.mark.parametrize(
    ("today", "warned"),
    [(date(2026, 7, 14), False), (date(2026, 7, 15), True)],  # the tenth working day, the eleventh
)
def test_the_tenth_working_day_after_30_june(
    make_enterprise: MakeEnterprise, caplog: pytest.LogCaptureFixture, today: date, warned: bool
) -> None:
    e = make_enterprise(established_on="2025-03-01")
    with caplog.at_level(logging.WARNING, logger="yiwang.credit"):
        result = services.list_missing_annual_reports(today=today)
    assert result.listed == 1  # made even when late: the rule's purpose still holds
    [entry] = _abnormal(e, 2025)
    assert entry.decision_due_on == date(2026, 7, 14)
    assert (entry.listed_on > entry.decision_due_on) is warned
    assert ("after the legal decision date" in caplog.text) is warned


def test_who_must_report(make_enterprise: MakeEnterprise) -> None:
    founded_2026 = make_enterprise(established_on="2026-01-05")
    revoked = make_enterprise(established_on="2020-01-05", status="revoked")
    cancelled = make_enterprise(established_on="2020-01-05", status="cancelled")
    founded_2025 = make_enterprise(established_on="2025-12-31")
    services.list_missing_annual_reports(today=date(2026, 7, 1))
    assert _abnormal(founded_2025, 2025)
    for e in (founded_2026, revoked, cancelled):
        assert _abnormal(e) == []


def test_the_sweep_is_idempotent(make_enterprise: MakeEnterprise) -> None:
    e = make_enterprise(established_on="2025-03-01")
    assert services.list_missing_annual_reports(today=date(2026, 7, 1)).listed == 1
    again = services.list_missing_annual_reports(today=date(2026, 7, 2))
    assert (again.listed, again.skipped) == (0, "done")
    # Even without the year's mark, an enterprise listed for that year once — and since
    # removed — is not listed again for it.
    [entry] = _abnormal(e, 2025)
    _file(e, 2025, date(2026, 7, 20))
    services.remove_from_list(
        entry,
        cause="cured",
        reason="已补报",
        department=entry.department,
        actor=Actor.system("test"),
        today=date(2026, 7, 21),
    )
    SweepMark.objects.all().delete()
    assert services.list_missing_annual_reports(today=date(2026, 7, 22)).listed == 0
    assert ListEntry.objects.filter(enterprise=e).count() == 1


def test_listing_is_audited_per_batch_and_the_enterprise_notified(
    demo_registry: Enterprise, make_enterprise: MakeEnterprise, demo_users: dict[str, Any]
) -> None:
    Enterprise.objects.filter(pk=demo_registry.pk).update(established_on=date(2025, 2, 1))
    others = [make_enterprise(established_on="2025-03-01") for _ in range(3)]
    result = services.list_missing_annual_reports(today=date(2026, 7, 3), batch_size=2)
    assert result.listed == 4
    batches = AuditEvent.objects.filter(action="credit.listed_missing_reports")
    assert batches.count() == 2
    listed = {u for ev in batches for u in ev.after["entries"].values()}
    assert listed == {demo_registry.uscc, *(o.uscc for o in others)}
    [message] = Message.objects.filter(recipient=demo_users["enterprise"])
    assert "经营异常名录" in message.subject


def test_a_county_without_its_own_authority_goes_to_the_city(
    make_enterprise: MakeEnterprise,
) -> None:
    e = make_enterprise(
        region="220105", established_on="2025-03-01"
    )  # 二道区: no department in the data
    services.list_missing_annual_reports(today=date(2026, 7, 1))
    [entry] = _abnormal(e)
    assert entry.department is not None
    assert entry.department.code == "220100-market-regulation"


# --------------------------------------------------------------------------- three years


@pytest.fixture
def listed_2023(make_enterprise: MakeEnterprise) -> ListEntry:
    """Listed on 5 July 2023 for the 2022 report: the term ends on 5 July 2026."""
    e = make_enterprise(established_on="2021-06-01")
    _file(e, 2021, date(2022, 5, 1))
    services.list_missing_annual_reports(today=date(2023, 7, 5))
    [entry] = _abnormal(e, 2022)
    return entry


def test_the_reminder_starts_60_days_before_three_years(listed_2023: ListEntry) -> None:
    assert services.escalate_long_abnormal(today=date(2026, 5, 6)).reminded == 0
    assert services.escalate_long_abnormal(today=date(2026, 5, 7)).reminded == 1
    assert services.escalate_long_abnormal(today=date(2026, 5, 8)).reminded == 0  # once
    listed_2023.refresh_from_db()
    assert listed_2023.reminder_on == date(2026, 5, 7)
    assert listed_2023.events.filter(kind=EventKind.REMINDED).count() == 1


def test_the_move_to_the_serious_list_after_three_years(
    listed_2023: ListEntry, caplog: pytest.LogCaptureFixture
) -> None:
    assert services.escalate_long_abnormal(today=date(2026, 7, 5)).escalated == 0  # last day
    with caplog.at_level(logging.WARNING, logger="yiwang.credit"):
        assert services.escalate_long_abnormal(today=date(2026, 7, 6)).escalated == 1
    assert "after the legal decision date" not in caplog.text
    assert services.escalate_long_abnormal(today=date(2026, 7, 7)).escalated == 0  # once
    listed_2023.refresh_from_db()
    assert listed_2023.status == EntryStatus.ESCALATED
    serious = listed_2023.escalated_to
    assert serious is not None
    assert (serious.list_kind, serious.cause, serious.listed_on) == (
        ListKind.SERIOUS,
        ListCause.ABNORMAL_THREE_YEARS,
        date(2026, 7, 6),
    )
    assert serious.decision_due_on == date(2026, 7, 17)
    enterprise = Enterprise.objects.get(pk=listed_2023.enterprise_id)
    assert (enterprise.abnormal, enterprise.serious) == (False, True)


def test_an_escalation_after_the_tenth_working_day_is_logged(
    listed_2023: ListEntry, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="yiwang.credit"):
        services.escalate_long_abnormal(today=date(2026, 7, 20))
    assert "after the legal decision date 2026-07-17" in caplog.text


def test_a_cured_or_applying_enterprise_is_not_escalated(listed_2023: ListEntry) -> None:
    e = listed_2023.enterprise
    _file(e, 2022, date(2026, 6, 1))  # cured late, has not applied
    result = services.escalate_long_abnormal(today=date(2026, 7, 6))
    assert (result.reminded, result.escalated) == (0, 0)
    services.apply_for_removal(
        listed_2023, statement="已补报", actor=Actor.system("test"), today=date(2026, 7, 6)
    )
    assert services.escalate_long_abnormal(today=date(2026, 7, 7)).escalated == 0


# --------------------------------------------------------------------------- removal applications


def test_a_verified_application_is_granted_on_its_decision_day(listed_2023: ListEntry) -> None:
    _file(listed_2023.enterprise, 2022, date(2026, 9, 29))
    application = services.apply_for_removal(
        listed_2023,
        statement="已补报 2022 年度报告",
        actor=Actor.system("test"),
        today=date(2026, 9, 30),
    )
    assert application.due_on == date(2026, 10, 13)
    assert services.process_due_removal_applications(today=date(2026, 10, 12)).removed == 0
    assert services.process_due_removal_applications(today=date(2026, 10, 13)).removed == 1
    listed_2023.refresh_from_db()
    assert (listed_2023.status, listed_2023.removed_on) == (EntryStatus.REMOVED, date(2026, 10, 13))
    with override_settings(YIWANG_CREDIT={"AUTO_REMOVE_VERIFIED_WHEN_DUE": False}):
        assert services.process_due_removal_applications(today=date(2026, 10, 20)).removed == 0


def test_an_unverifiable_application_waits_for_staff_and_is_reported_overdue(
    make_enterprise: MakeEnterprise, caplog: pytest.LogCaptureFixture
) -> None:
    e = make_enterprise()
    entry = services.list_enterprise(
        e,
        list_kind="abnormal",
        cause="unreachable",
        reason="住所无法联系",
        department=_department("220102-market-regulation"),
        actor=Actor.system("test"),
        today=date(2026, 9, 1),
    )
    services.apply_for_removal(
        entry, statement="已变更住所", actor=Actor.system("test"), today=date(2026, 9, 30)
    )
    assert services.process_due_removal_applications(today=date(2026, 10, 13)).overdue == 0
    with caplog.at_level(logging.WARNING, logger="yiwang.credit"):
        result = services.process_due_removal_applications(today=date(2026, 10, 14))
    assert (result.removed, result.overdue) == (0, 1)
    assert "past their decision date" in caplog.text


def test_the_periodic_task_runs_all_sweeps(make_enterprise: MakeEnterprise) -> None:
    make_enterprise(established_on="2025-03-01")
    result = tasks.run_list_sweeps.enqueue(today="2026-07-02").return_value
    assert result["abnormal"] == {"listed": 1, "report_year": 2025}
    again = tasks.run_list_sweeps.enqueue(today="2026-07-03").return_value
    assert again["abnormal"]["skipped"] == "done"


def _department(code: str) -> Any:
    from yiwang.org.models import Department

    return Department.objects.get(code=code)
