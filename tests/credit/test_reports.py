"""Annual reports and immediate information (企业信息公示暂行条例 Art. 8-10): filing,
lateness on both sides of the deadline, the consistency checks, corrections with history."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.credit.conftest import MakeEnterprise, report_data
from yiwang.accounts.actor import Actor
from yiwang.common.errors import Conflict, InvalidTransition, ValidationFailed
from yiwang.common.models import AuditEvent
from yiwang.credit import services
from yiwang.credit.models import AnnualReport

pytestmark = pytest.mark.usefixtures("calendar")


@pytest.mark.parametrize(
    ("filed_on", "late"), [(date(2026, 6, 30), False), (date(2026, 7, 1), True)]
)
def test_filing_on_and_after_the_deadline(
    make_enterprise: MakeEnterprise, filed_on: date, late: bool
) -> None:
    e = make_enterprise()
    report = services.file_annual_report(
        e, 2025, report_data(), actor=Actor.system("test"), today=filed_on
    )
    assert (report.filed_on, report.late, report.version) == (filed_on, late, 1)
    event = AuditEvent.objects.get(action="credit.annual_report_filed")
    assert event.after["late"] is late


def test_which_years_can_be_filed(make_enterprise: MakeEnterprise) -> None:
    e = make_enterprise(established_on="2025-03-01")
    with pytest.raises(ValidationFailed, match="不能报送 2024"):
        services.file_annual_report(
            e, 2024, report_data(), actor=Actor.system("t"), today=date(2026, 3, 1)
        )
    with pytest.raises(ValidationFailed, match="不能报送 2026"):  # the year is not over
        services.file_annual_report(
            e, 2026, report_data(), actor=Actor.system("t"), today=date(2026, 3, 1)
        )
    services.file_annual_report(
        e, 2025, report_data(), actor=Actor.system("t"), today=date(2026, 3, 1)
    )
    with pytest.raises(Conflict) as exc:
        services.file_annual_report(
            e, 2025, report_data(), actor=Actor.system("t"), today=date(2026, 3, 2)
        )
    assert exc.value.code == "report_already_filed"


def test_a_revoked_enterprise_files_nothing(make_enterprise: MakeEnterprise) -> None:
    e = make_enterprise(status="revoked")
    with pytest.raises(InvalidTransition):
        services.file_annual_report(
            e, 2025, report_data(), actor=Actor.system("t"), today=date(2026, 3, 1)
        )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"owners_equity": "500.00"}, "owners_equity"),  # 1000 != 400 + 500
        ({"main_business_revenue": "900"}, "main_business_revenue"),  # > revenue 800
        ({"net_profit": "120"}, "net_profit"),  # > total profit 100
        (
            {"contributions": [{"shareholder": "李四", "subscribed": "10", "paid": "20"}]},
            "contributions",
        ),
        ({"has_external_investment": True}, "investments"),  # declared, none listed
        ({"investments": [{"name": "吉林某公司"}]}, "investments"),  # listed, not declared
        (
            {
                "investments": [{"name": "X", "uscc": "91110000600037341X"}],
                "has_external_investment": True,
            },
            "investments",
        ),
        ({"postal_code": "1300"}, "postal_code"),
        ({"phone": "电话"}, "phone"),
        ({"email": "not-an-email"}, "email"),
        ({"employees": -1}, "employees"),
        ({"tax_paid": "-1"}, "tax_paid"),
        ({"revenue": "abc"}, "revenue"),
        ({"operating_status": "bankrupt"}, "operating_status"),
        ({"address": ""}, "address"),
    ],
)
def test_consistency_checks(
    make_enterprise: MakeEnterprise, overrides: dict[str, Any], field: str
) -> None:
    e = make_enterprise()
    with pytest.raises(ValidationFailed) as exc:
        services.file_annual_report(
            e, 2025, report_data(**overrides), actor=Actor.system("t"), today=date(2026, 3, 1)
        )
    assert exc.value.extra["field"] == field
    assert not AnnualReport.objects.exists()


def test_losses_and_negative_equity_are_allowed(make_enterprise: MakeEnterprise) -> None:
    data = report_data(
        total_assets="100",
        total_liabilities="150",
        owners_equity="-50",
        total_profit="-30",
        net_profit="-30",
    )
    report = services.file_annual_report(
        make_enterprise(), 2025, data, actor=Actor.system("t"), today=date(2026, 3, 1)
    )
    assert report.owners_equity < 0


def test_a_correction_keeps_the_replaced_version(make_enterprise: MakeEnterprise) -> None:
    report = services.file_annual_report(
        make_enterprise(), 2025, report_data(), actor=Actor.system("t"), today=date(2026, 3, 1)
    )
    corrected = services.correct_annual_report(
        report, {"employees": 15}, reason="从业人数填报有误", actor=Actor.system("t")
    )
    assert (corrected.version, corrected.employees, corrected.filed_on) == (2, 15, date(2026, 3, 1))
    [old] = corrected.revisions.all()
    assert (old.version, old.data["employees"], old.reason) == (1, 12, "从业人数填报有误")
    with pytest.raises(ValidationFailed, match="相同"):
        services.correct_annual_report(
            corrected, {"employees": 15}, reason="再改", actor=Actor.system("t")
        )
    with pytest.raises(ValidationFailed, match="理由"):
        services.correct_annual_report(
            corrected, {"employees": 16}, reason=" ", actor=Actor.system("t")
        )
    with pytest.raises(ValidationFailed):  # the same checks as filing
        services.correct_annual_report(
            corrected, {"net_profit": "500"}, reason="x", actor=Actor.system("t")
        )


@pytest.mark.parametrize(
    ("published_on", "late"), [(date(2026, 10, 30), False), (date(2026, 10, 31), True)]
)
def test_immediate_information_within_20_working_days(
    make_enterprise: MakeEnterprise, published_on: date, late: bool
) -> None:
    info = services.publish_immediate_info(
        make_enterprise(),
        kind="equity_change",
        changed_on=date(2026, 9, 28),
        content="股东张三将 30% 股权转让给王五",
        actor=Actor.system("t"),
        today=published_on,
    )
    assert (info.due_on, info.late) == (date(2026, 10, 30), late)


def test_immediate_information_checks(make_enterprise: MakeEnterprise) -> None:
    e = make_enterprise(established_on="2020-01-01")
    for kwargs, field in [
        ({"kind": "gossip"}, "kind"),
        ({"changed_on": date(2026, 12, 1)}, "changed_on"),
        ({"changed_on": date(2019, 1, 1)}, "changed_on"),
        ({"content": ""}, "content"),
    ]:
        args: dict[str, Any] = {
            "kind": "license",
            "changed_on": date(2026, 9, 1),
            "content": "x",
        } | kwargs
        with pytest.raises(ValidationFailed) as exc:
            services.publish_immediate_info(
                e, actor=Actor.system("t"), today=date(2026, 10, 1), **args
            )
        assert exc.value.extra["field"] == field


def test_idempotency_keys_return_the_first_record(make_enterprise: MakeEnterprise) -> None:
    e = make_enterprise()
    first = services.file_annual_report(
        e,
        2025,
        report_data(),
        actor=Actor.system("t"),
        today=date(2026, 3, 1),
        idempotency_key="k1",
    )
    again = services.file_annual_report(
        e,
        2025,
        report_data(),
        actor=Actor.system("t"),
        today=date(2026, 3, 1),
        idempotency_key="k1",
    )
    assert first.pk == again.pk
    a = services.publish_immediate_info(
        e,
        kind="license",
        changed_on=date(2026, 2, 1),
        content="x",
        actor=Actor.system("t"),
        today=date(2026, 3, 1),
        idempotency_key="k2",
    )
    b = services.publish_immediate_info(
        e,
        kind="license",
        changed_on=date(2026, 2, 1),
        content="x",
        actor=Actor.system("t"),
        today=date(2026, 3, 1),
        idempotency_key="k2",
    )
    assert a.pk == b.pk
