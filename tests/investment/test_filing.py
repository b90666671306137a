"""Filing (备案, 即来即办): the certificate is a signed e-license that verifies; a change
makes new versions of project and certificate with the history kept; a cancellation
revokes the certificate and keeps the project and its history."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.investment.conftest import project_fields
from yiwang.accounts.actor import Actor
from yiwang.common.errors import InvalidTransition, NotFound, ValidationFailed
from yiwang.common.models import AuditEvent
from yiwang.investment import services
from yiwang.investment.models import Project, ProjectEvent
from yiwang.licenses.models import License
from yiwang.licenses.services import payload_of, verify_payload

pytestmark = pytest.mark.django_db

FILING_TYPE = "11100000000013127D001"


def _verify(identifier: str) -> str:
    return verify_payload(payload_of(License.objects.get(identifier=identifier))).result


def _filed(enterprise: Actor, **overrides: Any) -> Project:
    return services.register_project(**project_fields(**overrides), file=True, actor=enterprise)


def test_filing_on_submission_issues_a_certificate_that_verifies(
    rules: dict[str, Any], enterprise: Actor
) -> None:
    project = _filed(enterprise)
    assert project.status == "filed"
    assert project.filed_at is not None
    lic = License.objects.get(identifier=project.certificate)
    assert lic.license_type.code == FILING_TYPE
    assert lic.license_type.name == "投资项目备案证明"
    assert lic.issuer.code == "220100-development-reform"
    assert (lic.holder_kind, lic.holder_code) == ("entity", "91220101MA17Y8K34M")
    assert lic.metadata["project_code"] == project.code
    assert lic.metadata["total_investment"] == "3000.00"
    assert _verify(project.certificate) == "valid"
    assert [e.kind for e in ProjectEvent.objects.filter(project=project)] == [
        "registered",
        "filed",
    ]
    actions = set(
        AuditEvent.objects.filter(object_id=project.code).values_list("action", flat=True)
    )
    assert actions == {"investment.registered", "investment.filed"}


def test_a_registered_filing_project_is_filed_later_at_once(
    rules: dict[str, Any], enterprise: Actor
) -> None:
    project = services.register_project(**project_fields(), actor=enterprise)
    assert (project.status, project.certificate) == ("registered", "")
    filed = services.file_project(project.code, actor=enterprise)
    assert filed.status == "filed"
    assert _verify(filed.certificate) == "valid"
    with pytest.raises(InvalidTransition) as twice:
        services.file_project(project.code, actor=enterprise)
    assert twice.value.code == "project_not_registered"


@pytest.mark.parametrize(
    "overrides",
    [
        {"industry": "44"},  # 核准
        {"funding": "government", "government_investment": None},  # 审批
    ],
)
def test_a_project_that_is_not_a_filing_cannot_be_filed_and_nothing_is_made(
    rules: dict[str, Any], enterprise: Actor, overrides: dict[str, Any]
) -> None:
    licenses = License.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        _filed(enterprise, **overrides)
    assert refused.value.code == "not_a_filing_project"
    assert not Project.objects.exists()
    assert License.objects.count() == licenses


def test_a_change_makes_new_versions_and_keeps_the_history(
    rules: dict[str, Any], enterprise: Actor
) -> None:
    project = _filed(enterprise)
    first = project.certificate
    changed = services.change_filing(
        project.code,
        reason="追加设备投资",
        changes={"total_investment": Decimal("4200"), "content": "新建研发楼并购置设备 300 台"},
        actor=enterprise,
    )
    assert (changed.version, changed.status) == (3, "filed")
    assert changed.total_investment == Decimal("4200")
    assert changed.certificate != first
    old, new = (
        License.objects.get(identifier=first),
        License.objects.get(identifier=changed.certificate),
    )
    assert old.status == "superseded"
    assert old.superseded_by_id == new.pk
    assert new.version == 2
    assert new.metadata["total_investment"] == "4200.00"
    assert _verify(first) == "superseded"
    assert _verify(changed.certificate) == "valid"
    events = list(ProjectEvent.objects.filter(project=project).order_by("id"))
    assert [(e.kind, e.version) for e in events] == [
        ("registered", 1),
        ("filed", 2),
        ("changed", 3),
    ]
    assert events[1].snapshot["total_investment"] == "3000.00"
    assert events[1].certificate == first
    assert events[2].snapshot["total_investment"] == "4200.00"
    assert events[2].reason == "追加设备投资"
    audit = AuditEvent.objects.get(object_id=project.code, action="investment.filing_changed")
    assert audit.before["total_investment"] == "3000.00"
    assert audit.after["total_investment"] == "4200.00"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"funding": "government"}, "category_changed"),  # now a 审批 project
        ({"total_investment": Decimal("3000")}, "nothing_changed"),
        ({"region": "220104"}, "unchangeable_field"),
        (
            {"planned_end": project_fields()["planned_start"].replace(year=2026)},
            "bad_planned_dates",
        ),
        ({"total_investment": Decimal("-1")}, "bad_total_investment"),
    ],
)
def test_a_change_that_breaks_a_rule_changes_nothing(
    rules: dict[str, Any], enterprise: Actor, changes: dict[str, Any], code: str
) -> None:
    project = _filed(enterprise)
    licenses = License.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        services.change_filing(project.code, reason="调整", changes=changes, actor=enterprise)
    assert refused.value.code == code
    project.refresh_from_db()
    assert (project.version, project.total_investment) == (2, Decimal("3000"))
    assert License.objects.count() == licenses
    assert _verify(project.certificate) == "valid"
    assert ProjectEvent.objects.filter(project=project).count() == 2


def test_a_cancellation_revokes_the_certificate_and_keeps_the_history(
    rules: dict[str, Any], enterprise: Actor
) -> None:
    project = _filed(enterprise)
    services.change_filing(
        project.code, reason="更名", changes={"name": "软件研发中心（一期）"}, actor=enterprise
    )
    cancelled = services.cancel_filing(project.code, reason="项目终止", actor=enterprise)
    assert (cancelled.status, cancelled.version) == ("cancelled", 4)
    assert License.objects.get(identifier=cancelled.certificate).status == "revoked"
    assert _verify(cancelled.certificate) == "revoked"
    assert [e.kind for e in ProjectEvent.objects.filter(project=project).order_by("id")] == [
        "registered",
        "filed",
        "changed",
        "cancelled",
    ]
    assert AuditEvent.objects.filter(
        object_id=project.code, action="investment.filing_cancelled"
    ).exists()
    for again in (
        lambda: services.cancel_filing(project.code, reason="再次", actor=enterprise),
        lambda: services.change_filing(
            project.code, reason="再变", changes={"name": "x"}, actor=enterprise
        ),
    ):
        with pytest.raises(InvalidTransition) as refused:
            again()
        assert refused.value.code == "project_not_filed"
        assert refused.value.current_state == "cancelled"


def test_a_cancellation_needs_a_reason(rules: dict[str, Any], enterprise: Actor) -> None:
    project = _filed(enterprise)
    with pytest.raises(ValidationFailed) as refused:
        services.cancel_filing(project.code, reason="  ", actor=enterprise)
    assert refused.value.code == "reason_required"
    assert Project.objects.get(pk=project.pk).status == "filed"


def test_only_the_owner_changes_or_cancels_a_filing(
    rules: dict[str, Any], enterprise: Actor, other_enterprise: Actor
) -> None:
    project = _filed(enterprise)
    lead = Actor.of(rules["lead-changchun-drc"])
    for actor in (other_enterprise, lead):
        with pytest.raises(NotFound) as hidden:
            services.cancel_filing(project.code, reason="撤销", actor=actor)
        assert hidden.value.code == "project_not_found"
        with pytest.raises(NotFound):
            services.change_filing(
                project.code, reason="改", changes={"name": "别人的"}, actor=actor
            )
    assert Project.objects.get(pk=project.pk).version == 2


def test_only_an_enterprise_registers_for_itself(rules: dict[str, Any]) -> None:
    from yiwang.common.errors import PermissionDenied

    for username in ("citizen", "reviewer-nanguan", "lead-changchun-drc"):
        with pytest.raises(PermissionDenied) as refused:
            services.register_project(**project_fields(), actor=Actor.of(rules[username]))
        assert refused.value.code == "enterprises_only"
    assert not Project.objects.exists()


def test_a_government_unit_registers_a_government_project(rules: dict[str, Any]) -> None:
    from yiwang.org.models import Department

    unit = Department.objects.get(code="220102-housing")
    project = services.register_project(
        **project_fields(funding="government", government_investment=None),
        owner_department=unit,
        actor=Actor.system("test"),
    )
    assert (project.category, project.owner_name) == ("approval", unit.name)
    assert project.government_investment == project.total_investment
