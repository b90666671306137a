"""Real-name identities, posts -> roles -> permissions, and masking of personal data."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from yiwang.accounts.actor import Actor, permissions_of, supervised_region_paths
from yiwang.accounts.selectors import identity_for
from yiwang.accounts.services import ensure_demo_accounts, register_citizen, register_enterprise
from yiwang.common.errors import Conflict, ValidationFailed
from yiwang.common.logging import MaskPersonalData
from yiwang.common.models import AuditEvent
from yiwang.common.permissions import Permission

pytestmark = pytest.mark.django_db


def test_demo_accounts_are_idempotent(demo_users: dict[str, Any]) -> None:
    assert {
        "citizen",
        "enterprise",
        "clerk-nanguan",
        "reviewer-nanguan",
        "supervisor-jilin",
        "admin",
    } <= set(demo_users)
    assert ensure_demo_accounts("yiwang-demo-2026", actor=Actor.system("test")) == []


def test_citizen_registration_requires_a_valid_id_number(jilin: None) -> None:
    with pytest.raises(ValidationFailed):
        register_citizen(
            username="x",
            password="long-enough-pw",
            real_name="李四",
            id_number="220102198806151016",
            actor=Actor.system("test"),
        )
    from yiwang.accounts.models import User

    assert not User.objects.filter(username="x").exists()  # nothing half-written


def test_one_id_number_one_account(demo_users: dict[str, Any]) -> None:
    with pytest.raises(Conflict):
        register_citizen(
            username="zhangsan2",
            password="long-enough-pw",
            real_name="张三",
            id_number="220102198806151015",
            actor=Actor.system("test"),
        )


def test_enterprise_registration_requires_a_valid_uscc(jilin: None) -> None:
    with pytest.raises(ValidationFailed):
        register_enterprise(
            username="co",
            password="long-enough-pw",
            uscc="91220101MA17Y8K34N",
            name="长春某某有限公司",
            legal_representative="王五",
            actor=Actor.system("test"),
        )


def test_roles_grant_permissions_by_post(demo_users: dict[str, Any]) -> None:
    clerk = permissions_of(demo_users["clerk-nanguan"])
    reviewer = permissions_of(demo_users["reviewer-nanguan"])
    supervisor = permissions_of(demo_users["supervisor-jilin"])
    assert Permission.CASE_ACCEPT in clerk
    assert Permission.CASE_DECIDE not in clerk
    assert Permission.CASE_DECIDE in reviewer
    assert Permission.CASE_ACCEPT not in reviewer
    assert Permission.SUPERVISION_VIEW in supervisor
    assert Permission.CASE_DECIDE not in supervisor
    assert permissions_of(demo_users["citizen"]) == set()
    assert permissions_of(demo_users["admin"]) == set(Permission)


def test_supervisor_sees_the_province_and_below(demo_users: dict[str, Any]) -> None:
    assert supervised_region_paths(demo_users["supervisor-jilin"]) == ["220000/"]
    assert supervised_region_paths(demo_users["clerk-nanguan"]) == []


def test_identity_is_masked_except_for_its_owner_and_handling_staff(
    demo_users: dict[str, Any],
) -> None:
    citizen, clerk = demo_users["citizen"], demo_users["clerk-nanguan"]
    own = identity_for(citizen, viewer=citizen)
    assert own.id_number == "220102198806151015"
    assert own.phone == "13804310001"
    other = identity_for(citizen, viewer=clerk)
    assert other.id_number == "220102********1015"
    assert other.phone == "138****0001"
    handling = identity_for(citizen, viewer=clerk, handling=True)
    assert handling.id_number == "220102198806151015"


def test_audit_events_hold_no_id_or_phone_number(demo_users: dict[str, Any]) -> None:
    for after in AuditEvent.objects.values_list("after", flat=True):
        text = str(after)
        assert "220102198806151015" not in text
        assert "13804310001" not in text


def test_log_records_are_masked() -> None:
    record = logging.LogRecord(
        "x",
        logging.INFO,
        __file__,
        1,
        "citizen %s phone %s",
        ("220102198806151015", "13804310001"),
        None,
    )
    MaskPersonalData().filter(record)
    assert record.getMessage() == "citizen 220102********1015 phone 138****0001"
