"""Demo data of investment projects (`yiwang seed demo`, idempotent): the category
rules, and one filed 备案 project of the demo enterprise with its certificate."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from yiwang.accounts.actor import Actor
from yiwang.accounts.models import User
from yiwang.investment.models import Project
from yiwang.investment.services import load_category_rules, register_project

DEMO_PROJECT = {
    "name": "长春一网示范科技有限公司政务云数据中心扩建项目",
    "region": "220102",
    "industry": "65",
    "content": "扩建机房 2000 平方米，新增机柜 300 台及配套供配电、制冷和消防设施。",
    "total_investment": Decimal("8600.00"),
    "funding": "enterprise",
    "planned_start": date(2027, 4, 1),
    "planned_end": date(2028, 9, 30),
}


def seed_demo_investment(*, actor: Actor) -> int:
    """The rules, and the demo enterprise's filed project; what was created (0 again)."""
    created = load_category_rules(actor=actor)
    enterprise = User.objects.filter(username="enterprise").first()
    if enterprise is None:
        return created
    if Project.objects.filter(owner_user=enterprise, name=DEMO_PROJECT["name"]).exists():
        return created
    # Registered and filed as the enterprise does it online (即来即办).
    register_project(**DEMO_PROJECT, file=True, actor=Actor.of(enterprise))  # type: ignore[arg-type]
    return created + 1


__all__ = ["DEMO_PROJECT", "seed_demo_investment"]
