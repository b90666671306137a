"""Fixtures of the credit tests: the holiday calendar (the rules count working days),
registry entries made through the loader's upsert (the same path as a bulk load)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import transaction

from tests import seeding
from yiwang.accounts.actor import Actor
from yiwang.common.validators import make_uscc
from yiwang.credit.demo import synthetic
from yiwang.credit.ingest import cleaning, loader
from yiwang.credit.models import Enterprise

MakeEnterprise = Callable[..., Enterprise]
DEMO_USCC = "91220101MA17Y8K34M"
#: A penalty disclosure as a department publishes it through the API.
DISCLOSURE = {
    "kind": "penalty",
    "title": "虚假广告",
    "document_no": "吉市监处罚〔2026〕1号",
    "result": "罚款",
    "amount": "2",
    "legal_basis": "《中华人民共和国广告法》第五十五条",
    "decided_on": "2026-05-20",
}


@seeding.step("credit.calendar")
def _seed_calendar() -> None:
    from yiwang.common import workdays

    workdays.seed_from_chinesecalendar(actor=Actor.system("test"))


@pytest.fixture
@seeding.provides("credit.calendar")
def calendar(db: Any) -> None:
    """The State Council notices 2004–2026 (the rules' periods are working days)."""
    seeding.ensure("credit.calendar")


def build_enterprise(
    n: int, *, region: str = "220102", category: str = "1", **overrides: Any
) -> Enterprise:
    """Registry entry number `n`: a synthetic row with `overrides`, upserted as a load would."""
    row = synthetic.enterprise_row(n, seed=7, code_prefix="T")
    row |= {
        "uscc": make_uscc("9", category, region, synthetic.org_code("T", n)),
        "region_code": region,
        "status": "active",
        "established_on": "2018-05-10",
    }
    row |= {k: (v.isoformat() if isinstance(v, date) else v) for k, v in overrides.items()}
    cleaned = cleaning.clean_enterprise_row(row, today=date(2030, 1, 1))
    with transaction.atomic():
        loader.upsert_enterprises([(1, cleaned)])
    return Enterprise.objects.get(uscc=cleaned["uscc"])


@pytest.fixture
def make_enterprise(db: Any) -> MakeEnterprise:
    """`make(**overrides)`: the next registry entry of this test (build_enterprise)."""
    counter = iter(range(1, 10_000))

    def make(**overrides: Any) -> Enterprise:
        return build_enterprise(next(counter), **overrides)

    return make


@pytest.fixture
def demo_registry(demo_users: dict[str, Any], make_enterprise: MakeEnterprise) -> Enterprise:
    """The demo `enterprise` account's registry entry (its USCC is the account's)."""
    return make_enterprise(
        uscc=DEMO_USCC,
        name="长春一网示范科技有限公司",
        region="220101",
        established_on="2019-03-18",
    )


def report_data(**overrides: Any) -> dict[str, Any]:
    """A consistent annual report (assets = liabilities + equity, and so on)."""
    data: dict[str, Any] = {
        "address": "吉林省长春市南关区人民大街1号",
        "postal_code": "130022",
        "phone": "0431-88886666",
        "email": "office@example.cn",
        "operating_status": "operating",
        "employees": 12,
        "website": "",
        "has_external_investment": False,
        "has_equity_transfer": False,
        "provides_guarantee": False,
        "contributions": [{"shareholder": "李四", "subscribed": "500", "paid": "200"}],
        "investments": [],
        "financials_public": False,
        "total_assets": "1000.00",
        "total_liabilities": "400.00",
        "owners_equity": "600.00",
        "revenue": "800.00",
        "main_business_revenue": "750.00",
        "total_profit": "100.00",
        "net_profit": "75.00",
        "tax_paid": "20.00",
    }
    data.update(overrides)
    return data
