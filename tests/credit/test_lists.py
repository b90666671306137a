"""Staff decisions on the lists and departments' disclosures, through the services:
who may decide, every move reversible with a reason, history kept, flags kept true,
the enterprise told."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.credit.conftest import MakeEnterprise, report_data
from yiwang.accounts.actor import Actor
from yiwang.common.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from yiwang.common.models import AuditEvent
from yiwang.credit import selectors, services
from yiwang.credit.choices import EntryStatus, EventKind, ListKind
from yiwang.credit.models import Enterprise, ListEntry
from yiwang.notify.models import Message
from yiwang.org.models import Department

pytestmark = pytest.mark.usefixtures("calendar", "demo_users")


@pytest.fixture
def publisher(demo_users: dict[str, Any]) -> Any:
    return demo_users["publisher-jilin-market"]


@pytest.fixture
def province_market(jilin: None) -> Department:
    return Department.objects.get(code="220000-market-regulation")


def _list(e: Enterprise, publisher: Any, dept: Department, **kwargs: Any) -> ListEntry:
    args = {"list_kind": "abnormal", "cause": "unreachable", "reason": "实地核查无法联系"} | kwargs
    return services.list_enterprise(
        e, department=dept, actor=publisher, today=date(2026, 9, 1), **args
    )


def _flags(e: Enterprise) -> tuple[bool, bool, bool]:
    e.refresh_from_db()
    return e.abnormal, e.serious, e.exposed


def test_the_registration_authority_lists_and_removes(
    make_enterprise: MakeEnterprise, publisher: Any, province_market: Department
) -> None:
    e = make_enterprise()
    entry = _list(e, publisher, province_market)
    assert _flags(e) == (True, False, False)
    with pytest.raises(Conflict):
        _list(e, publisher, province_market)
    removed = services.remove_from_list(
        entry,
        cause="cured",
        reason="已变更住所并可联系",
        department=province_market,
        actor=publisher,
        today=date(2026, 9, 10),
    )
    assert (removed.status, removed.removed_on) == (EntryStatus.REMOVED, date(2026, 9, 10))
    assert _flags(e) == (False, False, False)
    with pytest.raises(InvalidTransition):
        services.remove_from_list(
            entry, cause="cured", reason="again", department=province_market, actor=publisher
        )
    actions = list(
        AuditEvent.objects.filter(object_type="credit.listentry").values_list("action", flat=True)
    )
    assert actions == ["credit.listed", "credit.removed"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"cause": "abnormal_three_years", "list_kind": "serious"}, "cause"),  # only by the sweep
        ({"cause": "authority_decision"}, "cause"),  # not an abnormal-list cause
        ({"list_kind": "blacklist"}, "list"),
        ({"reason": "  "}, "reason"),
        ({"cause": "no_annual_report"}, "report_year"),
        ({"cause": "no_annual_report", "report_year": 2026}, "report_year"),  # not over
    ],
)
def test_listing_checks(
    make_enterprise: MakeEnterprise,
    publisher: Any,
    province_market: Department,
    kwargs: dict[str, Any],
    field: str,
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        _list(make_enterprise(), publisher, province_market, **kwargs)
    assert exc.value.extra["field"] == field


def test_a_missing_report_listed_by_hand_must_really_be_missing(
    make_enterprise: MakeEnterprise, publisher: Any, province_market: Department
) -> None:
    e = make_enterprise()
    services.file_annual_report(
        e, 2025, report_data(), actor=Actor.system("t"), today=date(2026, 6, 1)
    )
    with pytest.raises(ValidationFailed, match="已按期报送"):
        _list(e, publisher, province_market, cause="no_annual_report", report_year=2025)
    with pytest.raises(ValidationFailed, match="尚未届满"):
        services.list_enterprise(
            e,
            list_kind="abnormal",
            cause="no_annual_report",
            report_year=2025,
            reason="x",
            department=province_market,
            actor=publisher,
            today=date(2026, 6, 30),
        )


def test_only_a_registration_authority_of_the_region_decides(
    make_enterprise: MakeEnterprise, demo_users: dict[str, Any], jilin: None
) -> None:
    e = make_enterprise(region="222424")
    transport = Department.objects.get(code="220000-transport")
    nanguan = Department.objects.get(code="220102-market-regulation")
    for user, dept in [
        (demo_users["publisher-jilin-market"], transport),  # not their department
        (demo_users["admin"], Department.objects.get(code="220000-government-services")),
        (demo_users["clerk-nanguan"], nanguan),
        (demo_users["enterprise"], nanguan),
    ]:
        with pytest.raises(PermissionDenied):
            _list(e, user, dept)
    assert selectors.registration_authority_for("222424").code == "222424-market-regulation"  # type: ignore[union-attr]


def test_exposure_and_serious_listing_by_decision(
    make_enterprise: MakeEnterprise, publisher: Any, province_market: Department
) -> None:
    e = make_enterprise()
    _list(
        e,
        publisher,
        province_market,
        list_kind="serious",
        cause="serious_violation",
        reason="提交虚假材料取得登记",
    )
    _list(
        e,
        publisher,
        province_market,
        list_kind="exposed",
        cause="authority_decision",
        reason="典型案例曝光",
    )
    assert _flags(e) == (False, True, True)


def test_the_removal_application_flow(
    make_enterprise: MakeEnterprise, publisher: Any, province_market: Department
) -> None:
    e = make_enterprise(established_on="2025-01-10")
    services.list_missing_annual_reports(today=date(2026, 7, 1))
    entry = ListEntry.objects.get(enterprise=e)
    with pytest.raises(ValidationFailed, match="请先补报"):
        services.apply_for_removal(
            entry, statement="申请", actor=Actor.system("t"), today=date(2026, 7, 2)
        )
    report = services.file_annual_report(
        e, 2025, report_data(), actor=Actor.system("t"), today=date(2026, 7, 2)
    )
    assert report.late
    application = services.apply_for_removal(
        entry, statement="已补报", actor=Actor.system("t"), today=date(2026, 7, 2)
    )
    assert application.due_on == date(2026, 7, 9)
    with pytest.raises(Conflict):
        services.apply_for_removal(
            entry, statement="再次", actor=Actor.system("t"), today=date(2026, 7, 3)
        )
    assert [a.pk for a in selectors.applications_for_staff(publisher)] == [application.pk]
    refused = services.decide_removal(
        application,
        approve=False,
        reason="材料不全",
        department=province_market,
        actor=publisher,
        today=date(2026, 7, 3),
    )
    assert refused.status == "rejected"
    entry.refresh_from_db()
    assert entry.status == EntryStatus.ACTIVE
    second = services.apply_for_removal(
        entry, statement="补充材料", actor=Actor.system("t"), today=date(2026, 7, 6)
    )
    services.decide_removal(
        second,
        approve=True,
        reason="准予移出",
        department=province_market,
        actor=publisher,
        today=date(2026, 7, 7),
    )
    entry.refresh_from_db()
    assert (entry.status, entry.removal_cause) == (EntryStatus.REMOVED, "cured")
    with pytest.raises(InvalidTransition):
        services.decide_removal(
            second, approve=True, reason="x", department=province_market, actor=publisher
        )
    kinds = [ev.kind for ev in entry.events.order_by("id")]
    assert kinds == ["listed", "removal_applied", "removal_rejected", "removal_applied", "removed"]


def test_every_move_is_reversible_in_order(
    make_enterprise: MakeEnterprise, publisher: Any, province_market: Department
) -> None:
    e = make_enterprise()
    entry = _list(e, publisher, province_market)
    listed = entry.events.get(kind=EventKind.LISTED)
    services.remove_from_list(
        entry, cause="cured", reason="可联系", department=province_market, actor=publisher
    )
    removed = entry.events.get(kind=EventKind.REMOVED)
    with pytest.raises(InvalidTransition, match="之后的事项"):
        services.reverse_event(listed, reason="x", department=province_market, actor=publisher)
    with pytest.raises(ValidationFailed):
        services.reverse_event(removed, reason=" ", department=province_market, actor=publisher)
    services.reverse_event(
        removed, reason="移出依据不足", department=province_market, actor=publisher
    )
    entry.refresh_from_db()
    assert (entry.status, entry.removed_on) == (EntryStatus.ACTIVE, None)
    assert _flags(e) == (True, False, False)
    with pytest.raises(InvalidTransition, match="已撤销"):
        services.reverse_event(removed, reason="again", department=province_market, actor=publisher)
    services.reverse_event(
        listed, reason="列入对象错误", department=province_market, actor=publisher
    )
    entry.refresh_from_db()
    assert entry.status == EntryStatus.REVOKED
    assert _flags(e) == (False, False, False)
    # The public record shows nothing of an erroneous listing; staff see all of it.
    assert selectors.public_record(e.uscc).entries == []
    staff = selectors.staff_record(publisher, e.uscc)
    assert [ev.kind for ev in staff.entries[0].public_events] == [
        "listed",
        "removed",
        "reversed",
        "reversed",
    ]
    assert AuditEvent.objects.filter(action="credit.reversed").count() == 2


def test_reversing_an_escalation_restores_the_abnormal_entry(
    make_enterprise: MakeEnterprise, publisher: Any, province_market: Department
) -> None:
    e = make_enterprise(established_on="2021-06-01")
    services.file_annual_report(
        e, 2021, report_data(), actor=Actor.system("t"), today=date(2022, 5, 1)
    )
    services.list_missing_annual_reports(today=date(2023, 7, 5))
    services.escalate_long_abnormal(today=date(2026, 7, 6))
    abnormal = ListEntry.objects.get(enterprise=e, list_kind=ListKind.ABNORMAL)
    serious = ListEntry.objects.get(enterprise=e, list_kind=ListKind.SERIOUS)
    assert _flags(e) == (False, True, False)
    # Reversing the serious listing is reversing the escalation.
    services.reverse_event(
        serious.events.get(kind="listed"),
        reason="年报系统故障，实际已报送",
        department=province_market,
        actor=publisher,
    )
    abnormal.refresh_from_db()
    serious.refresh_from_db()
    assert (abnormal.status, abnormal.escalated_to, serious.status) == (
        EntryStatus.ACTIVE,
        None,
        EntryStatus.REVOKED,
    )
    assert _flags(e) == (True, False, False)


def test_the_enterprise_is_told_of_each_move(
    demo_registry: Enterprise,
    publisher: Any,
    province_market: Department,
    demo_users: dict[str, Any],
) -> None:
    entry = _list(demo_registry, publisher, province_market)
    services.remove_from_list(
        entry, cause="error", reason="列入有误", department=province_market, actor=publisher
    )
    subjects = list(
        Message.objects.filter(recipient=demo_users["enterprise"])
        .order_by("id")
        .values_list("subject", flat=True)
    )
    assert subjects == ["您的企业已被列入经营异常名录", "您的企业已移出经营异常名录"]


# --------------------------------------------------------------------------- disclosures


LICENSE = {
    "kind": "license",
    "title": "食品经营许可证",
    "document_no": "JY12201020001",
    "legal_basis": "《中华人民共和国食品安全法》",
    "decided_on": "2026-03-02",
    "valid_from": "2026-03-02",
    "valid_to": "2031-03-01",
}


def test_a_disclosure_is_corrected_with_history_and_withdrawn(
    make_enterprise: MakeEnterprise, publisher: Any, province_market: Department
) -> None:
    e = make_enterprise()
    d = services.publish_disclosure(
        e, LICENSE, department=province_market, actor=publisher, today=date(2026, 9, 1)
    )
    assert (d.version, d.published_by) == (1, publisher)
    d = services.correct_disclosure(
        d, {"valid_to": "2031-03-02"}, reason="有效期录入错误", actor=publisher
    )
    assert d.version == 2
    assert d.valid_to == date(2031, 3, 2)
    [v1] = d.revisions.all()
    assert (v1.version, v1.data["valid_to"], v1.reason) == (1, "2031-03-01", "有效期录入错误")
    with pytest.raises(ValidationFailed, match="类别"):
        services.correct_disclosure(
            d, {"kind": "penalty", "result": "罚款"}, reason="x", actor=publisher
        )
    services.withdraw_disclosure(d, reason="许可被依法撤销", actor=publisher)
    assert selectors.public_record(e.uscc).disclosures == []
    assert len(selectors.staff_record(publisher, e.uscc).disclosures) == 1
    with pytest.raises(InvalidTransition):
        services.correct_disclosure(d, {"title": "x"}, reason="x", actor=publisher)
    actions = list(
        AuditEvent.objects.filter(object_type="credit.disclosure").values_list("action", flat=True)
    )
    assert actions == [
        "credit.disclosure_published",
        "credit.disclosure_corrected",
        "credit.disclosure_withdrawn",
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "penalty", "result": ""}, "result"),
        ({"kind": "license", "valid_from": ""}, "valid_from"),
        ({"valid_to": "2020-01-01"}, "valid_to"),
        ({"decided_on": "2099-01-01"}, "decided_on"),
        ({"legal_basis": ""}, "legal_basis"),
        ({"kind": "rumour"}, "kind"),
        ({"amount": "-1"}, "amount"),
    ],
)
def test_disclosure_checks(
    make_enterprise: MakeEnterprise,
    publisher: Any,
    province_market: Department,
    changes: dict[str, Any],
    field: str,
) -> None:
    data = LICENSE | {"document_no": "X1"} | changes
    with pytest.raises(ValidationFailed) as exc:
        services.publish_disclosure(
            make_enterprise(),
            data,
            department=province_market,
            actor=publisher,
            today=date(2026, 9, 1),
        )
    assert exc.value.extra["field"] == field


def test_another_departments_disclosure_looks_absent(
    make_enterprise: MakeEnterprise, demo_users: dict[str, Any], province_market: Department
) -> None:
    publisher = demo_users["publisher-jilin-market"]
    d = services.publish_disclosure(
        make_enterprise(),
        LICENSE,
        department=province_market,
        actor=publisher,
        today=date(2026, 9, 1),
    )
    assert selectors.disclosure_for_staff(publisher, d.pk)[0] == d
    from yiwang.common.errors import NotFound

    with pytest.raises(NotFound):
        selectors.disclosure_for_staff(
            demo_users["admin"], d.pk
        )  # publishes for another department
    with pytest.raises(PermissionDenied):
        selectors.disclosure_for_staff(demo_users["citizen"], d.pk)


def test_a_county_authority_decides_for_its_county_only(
    make_enterprise: MakeEnterprise, jilin: None
) -> None:
    from yiwang.accounts.services import create_staff
    from yiwang.org.models import Post, Role
    from yiwang.org.services import save_org_object

    county = Department.objects.get(code="220102-market-regulation")
    post = save_org_object(
        Post(
            code="220102-market-credit-publisher",
            name="信用信息公示岗",
            # A registration authority's post: its role grants the list decisions.
            role=Role.objects.get(code="credit_registrar"),
            department=county,
        ),
        actor=Actor.system("test"),
    )
    clerk = create_staff(
        username="publisher-nanguan",
        password="x-long-password-1",
        display_name="南关公示员",
        posts=[post],
        actor=Actor.system("test"),
    )
    mine, other = make_enterprise(region="220102"), make_enterprise(region="222424")
    entry = _list(mine, clerk, county)
    with pytest.raises(PermissionDenied):
        _list(other, clerk, county)
    services.apply_for_removal(
        entry, statement="已可联系", actor=Actor.system("t"), today=date(2026, 9, 2)
    )
    elsewhere = services.list_enterprise(
        other,
        list_kind="abnormal",
        cause="unreachable",
        reason="x",
        department=Department.objects.get(code="222424-market-regulation"),
        actor=Actor.system("t"),
        today=date(2026, 9, 1),
    )
    services.apply_for_removal(
        elsewhere, statement="已可联系", actor=Actor.system("t"), today=date(2026, 9, 2)
    )
    assert [a.entry_id for a in selectors.applications_for_staff(clerk)] == [entry.pk]
    with pytest.raises(PermissionDenied):
        selectors.entry_for_staff(clerk, elsewhere.pk)
