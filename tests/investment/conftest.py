"""Fixtures of the investment tests: the cases world (org, demo accounts, calendar,
catalog), the license types and the category rules, seeded once per group."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tests import seeding
from tests.cases.conftest import api, calendar, frozen, world  # noqa: F401
from tests.licenses.conftest import license_types  # noqa: F401
from yiwang.accounts.actor import Actor
from yiwang.accounts.models import User

SYSTEM = Actor.system("test")


@seeding.step("investment.rules", after=("licenses.types",))
def _seed_rules() -> None:
    from yiwang.investment.services import load_category_rules

    load_category_rules(actor=SYSTEM)


@pytest.fixture
@seeding.provides("investment.rules")
def rules(license_types: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    """The demo accounts, with the license types and the category rules loaded."""
    seeding.ensure("investment.rules")
    return license_types


@pytest.fixture
def enterprise(rules: dict[str, Any]) -> Actor:
    return Actor.of(User.objects.get(username="enterprise"))


@pytest.fixture
def other_enterprise(rules: dict[str, Any]) -> Actor:
    from yiwang.accounts.services import register_enterprise
    from yiwang.common.validators import make_uscc

    user = register_enterprise(
        username="enterprise-2",
        password="yiwang-demo-2026",
        uscc=make_uscc("9", "1", "220104", "MA17Y8K3"),
        name="长春另一家科技有限公司",
        legal_representative="王五",
        actor=SYSTEM,
    )
    return Actor.of(user)


def project_fields(**overrides: Any) -> dict[str, Any]:
    """A 备案 project of a software company in 南关区 (a county-level district)."""
    fields: dict[str, Any] = {
        "name": "软件研发中心建设项目",
        "region": "220102",
        "industry": "65",
        "content": "新建研发楼 1 栋 12000 平方米，购置研发设备 200 台（套）。",
        "total_investment": Decimal("3000"),
        "funding": "enterprise",
        "planned_start": date(2027, 3, 1),
        "planned_end": date(2028, 6, 30),
    }
    fields.update(overrides)
    return fields


def project_body(**overrides: Any) -> dict[str, Any]:
    """The same project as the API takes it (JSON)."""
    body = {
        k: (str(v) if isinstance(v, Decimal | date) else v)
        for k, v in project_fields(**overrides).items()
    }
    return body
