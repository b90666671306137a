"""The demo seed: realistic, with the lists as the rules made them, and idempotent."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from tests.credit.conftest import DEMO_USCC
from yiwang.accounts.actor import Actor
from yiwang.credit import rules, selectors
from yiwang.credit.demo import seed_demo_credit
from yiwang.credit.models import AnnualReport, Disclosure, Enterprise, ListEntry

pytestmark = pytest.mark.usefixtures("calendar")


def test_the_demo_seed(demo_users: dict[str, Any]) -> None:
    created = seed_demo_credit(actor=Actor.system("seed"))
    assert created > 10_000
    assert seed_demo_credit(actor=Actor.system("seed")) == 0  # a second run creates nothing

    assert 3000 <= Enterprise.objects.count() <= 5000
    assert Disclosure.objects.count() > 2000
    assert AnnualReport.objects.count() > 8000
    demo = Enterprise.objects.get(uscc=DEMO_USCC)
    assert demo.name == "长春一网示范科技有限公司"
    closed = rules.latest_closed_report_year(timezone.localdate())
    # The demo account has its latest closed year left to file, and is listed for it.
    assert ListEntry.objects.filter(enterprise=demo, report_year=closed, status="active").exists()
    assert selectors.own_enterprise(demo_users["enterprise"]) == demo
    names = list(Enterprise.objects.order_by("pk").values_list("name", flat=True)[:200])
    assert sum(n.startswith(("长春", "吉林", "延边")) for n in names) > 40
    for kind in ("abnormal", "serious", "exposed"):
        assert ListEntry.objects.filter(list_kind=kind, status="active").exists(), kind
    assert selectors.search_enterprises("一网示范").items[0].uscc == DEMO_USCC
