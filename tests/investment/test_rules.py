"""Category and level rules (investment/data/rules.json): each rule on both sides of
each threshold, the first match deciding, and the rule recorded on the project."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.investment.conftest import SYSTEM, project_fields
from yiwang.accounts.actor import Actor
from yiwang.common.errors import ValidationFailed
from yiwang.investment import rules as engine
from yiwang.investment.choices import Category, Level
from yiwang.investment.models import CategoryRule
from yiwang.investment.services import (
    _clean,
    decide,
    load_category_rules,
    register_project,
)
from yiwang.org.models import Region

pytestmark = pytest.mark.django_db

A, R, F = Category.APPROVAL, Category.RATIFICATION, Category.FILING
P, C, K = Level.PROVINCE, Level.CITY, Level.COUNTY


def _decide(region: str = "220102", **overrides: Any) -> tuple[str, str, str]:
    fields = project_fields(region=region, **overrides)
    industry = fields.pop("industry")
    fields.pop("region")
    decision = decide(Region.objects.get(code=region), industry, _clean(fields))
    return decision.category, decision.level, decision.rule.code


GOV = {"funding": "government", "government_investment": None}


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        # government investment (政府投资条例): 5 亿元 and 5000 万元 thresholds
        ({**GOV, "total_investment": Decimal("50000")}, (A, P, "government-large")),
        ({**GOV, "total_investment": Decimal("49999.99")}, (A, C, "government-medium")),
        ({**GOV, "total_investment": Decimal("5000")}, (A, C, "government-medium")),
        ({**GOV, "total_investment": Decimal("4999.99")}, (A, K, "government-small")),
        # a government share makes a mixed project government-invested; none does not
        (
            {"funding": "mixed", "government_investment": Decimal("0.01")},
            (A, K, "government-small"),
        ),
        ({"funding": "mixed", "government_investment": Decimal("0")}, (F, K, "filing")),
        # government money before the catalog: the first matching rule decides
        (
            {**GOV, "industry": "44", "total_investment": Decimal("60000")},
            (A, P, "government-large"),
        ),
        # the ratification catalog, with its 5 亿元 threshold
        ({"industry": "76", "total_investment": Decimal("50000")}, (R, P, "water-large")),
        ({"industry": "76", "total_investment": Decimal("49999.99")}, (R, C, "water")),
        ({"industry": "44", "total_investment": Decimal("50000")}, (R, P, "energy-large")),
        ({"industry": "44", "total_investment": Decimal("49999.99")}, (R, C, "energy")),
        ({"industry": "45", "total_investment": Decimal("50000")}, (R, P, "energy-large")),
        ({"industry": "45", "total_investment": Decimal("100")}, (R, C, "energy")),
        ({"industry": "53", "total_investment": Decimal("50000")}, (R, P, "transport-large")),
        ({"industry": "56", "total_investment": Decimal("49999.99")}, (R, C, "transport")),
        ({"industry": "54", "total_investment": Decimal("80000")}, (R, P, "transport-large")),
        ({"industry": "55", "total_investment": Decimal("10")}, (R, C, "transport")),
        # raw materials: the province whatever the size
        ({"industry": "31", "total_investment": Decimal("1")}, (R, P, "raw-materials")),
        ({"industry": "25", "total_investment": Decimal("90000")}, (R, P, "raw-materials")),
        ({"industry": "48", "total_investment": Decimal("50000")}, (R, P, "urban-large")),
        ({"industry": "78", "total_investment": Decimal("49999.99")}, (R, C, "urban")),
        # the rest is filed, at the level of its location
        ({"industry": "65", "total_investment": Decimal("90000")}, (F, K, "filing")),
        ({"industry": "26", "total_investment": Decimal("1")}, (F, K, "filing")),
    ],
)
def test_each_rule_on_both_sides_of_its_threshold(
    rules: dict[str, Any], overrides: dict[str, Any], expected: tuple[str, str, str]
) -> None:
    assert _decide(**overrides) == expected


@pytest.mark.parametrize(
    ("region", "level", "competent_region", "department"),
    [
        ("220102", K, "220102", "220100-development-reform"),  # no county DRC: the city's
        ("220100", C, "220100", "220100-development-reform"),
        ("220000", P, "220000", "220000-development-reform"),
        ("220202", K, "220202", "220000-development-reform"),  # 吉林市: none, the province's
    ],
)
def test_a_filing_is_at_the_level_of_its_location_and_its_nearest_authority(
    rules: dict[str, Any], region: str, level: str, competent_region: str, department: str
) -> None:
    fields = project_fields(region=region)
    fields.pop("region")
    industry = fields.pop("industry")
    decision = decide(Region.objects.get(code=region), industry, _clean(fields))
    assert (decision.category, decision.level) == (F, level)
    assert decision.competent_region is not None
    assert decision.competent_region.code == competent_region
    assert decision.competent_department is not None
    assert decision.competent_department.code == department


def test_a_province_level_ratification_goes_to_the_province_authority(
    rules: dict[str, Any],
) -> None:
    fields = project_fields(industry="44", total_investment=Decimal("50000"))
    fields.pop("region")
    industry = fields.pop("industry")
    decision = decide(Region.objects.get(code="220102"), industry, _clean(fields))
    assert decision.competent_region is not None
    assert decision.competent_region.code == "220000"
    assert decision.competent_department is not None
    assert decision.competent_department.code == "220000-development-reform"


def test_the_project_records_the_rule_that_decided(
    rules: dict[str, Any], enterprise: Actor
) -> None:
    project = register_project(**project_fields(industry="44"), actor=enterprise)
    assert (project.category, project.level) == (R, C)
    assert project.decided_by.code == "energy"
    assert project.code.split("-")[2:4] == ["44", "02"]  # industry, type 02 核准


def _row(code: str, priority: int, category: str, conditions: dict[str, Any]) -> Any:
    return engine.RuleRow(code, priority, category, "region", conditions)


def _facts(industry: str, total: str) -> engine.Facts:
    return engine.Facts(industry, Decimal(total), "enterprise", Decimal(0), "county")


def test_rules_are_data_the_priority_decides() -> None:
    facts = _facts("44", "100")
    first = _row("energy", 10, R, {"industries": ["44"]})
    rest = _row("filing", 20, F, {})
    assert engine.decide([rest, first], facts)[0].code == "energy"  # type: ignore[index]
    later = _row("energy", 30, R, {"industries": ["44"]})
    assert engine.decide([later, rest], facts)[0].code == "filing"  # type: ignore[index]
    assert engine.decide([later], _facts("65", "1")) is None


def test_min_total_is_inclusive_and_max_total_exclusive() -> None:
    band = {"min_total": 10, "max_total": 20}
    assert engine.matches(band, _facts("65", "10"))
    assert engine.matches(band, _facts("65", "19.99"))
    assert not engine.matches(band, _facts("65", "20"))
    assert not engine.matches(band, _facts("65", "9.99"))
    with pytest.raises(ValueError, match="unknown rule conditions"):
        engine.matches({"size": 1}, _facts("65", "1"))


def test_an_inactive_rule_decides_nothing(rules: dict[str, Any]) -> None:
    CategoryRule.objects.filter(code="energy").update(is_active=False)
    assert _decide(industry="44") == (F, K, "filing")


def test_loading_the_rules_twice_changes_nothing(rules: dict[str, Any]) -> None:
    assert CategoryRule.objects.count() == 13
    assert load_category_rules(actor=SYSTEM) == 0
    assert list(CategoryRule.objects.values_list("code", flat=True))[-1] == "filing"


def test_a_rule_with_an_unknown_condition_is_refused(rules: dict[str, Any], tmp_path: Any) -> None:
    bad = tmp_path / "rules.json"
    bad.write_text(
        '{"rules": [{"code": "x", "priority": 1, "name": "x", "category": "filing",'
        ' "level": "region", "conditions": {"size": 3}}]}',
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed) as refused:
        load_category_rules(bad, actor=SYSTEM)
    assert refused.value.code == "bad_category_rule"
