"""The category and level of a project, decided by rules held as data.

The rules are rows of `CategoryRule` (seeded from investment/data/rules.json), read in
priority order; the first whose conditions all hold decides — 审批 for government
investment (政府投资条例), 核准 for what the ratification catalog lists (政府核准的投资
项目目录), 备案 for the rest (企业投资项目核准和备案管理条例 Art. 3). The engine knows
only the condition names below; amounts and industries are data.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from yiwang.investment.choices import BY_REGION, Funding, Level

RULES_FILE = Path(__file__).resolve().parent / "data" / "rules.json"

#: The conditions a rule may name (docs/investment.md).
CONDITIONS = frozenset({"government_invested", "industries", "min_total", "max_total"})


@dataclass(frozen=True)
class Facts:
    """What the rules look at."""

    industry: str
    total_investment: Decimal
    funding: str
    government_investment: Decimal
    region_level: str  # org RegionLevel of the project's location


@dataclass(frozen=True)
class RuleRow:
    code: str
    priority: int
    category: str
    level: str
    conditions: Mapping[str, Any]


def government_invested(facts: Facts) -> bool:
    """政府投资条例 Art. 2: a project with government funds (fully, or a share of a
    mixed one)."""
    if facts.funding == Funding.GOVERNMENT:
        return True
    return facts.funding == Funding.MIXED and facts.government_investment > 0


def matches(conditions: Mapping[str, Any], facts: Facts) -> bool:
    """Whether every condition of a rule holds (an empty rule always holds)."""
    unknown = set(conditions) - CONDITIONS
    if unknown:
        raise ValueError(f"unknown rule conditions: {sorted(unknown)}")
    if "government_invested" in conditions and (
        bool(conditions["government_invested"]) != government_invested(facts)
    ):
        return False
    if "industries" in conditions and facts.industry not in conditions["industries"]:
        return False
    if "min_total" in conditions and facts.total_investment < Decimal(str(conditions["min_total"])):
        return False
    return not (
        "max_total" in conditions
        and facts.total_investment >= Decimal(str(conditions["max_total"]))
    )


def level_of_region(region_level: str) -> str:
    """The authority level of a location: its province, its city, else its county
    (a township's project is its county's)."""
    if region_level == "province":
        return Level.PROVINCE
    if region_level == "city":
        return Level.CITY
    return Level.COUNTY


def decide(rules: Iterable[RuleRow], facts: Facts) -> tuple[RuleRow, str, str] | None:
    """(rule, category, level) of the first matching rule by priority, or None."""
    for rule in sorted(rules, key=lambda r: r.priority):
        if matches(rule.conditions, facts):
            level = level_of_region(facts.region_level) if rule.level == BY_REGION else rule.level
            return rule, rule.category, level
    return None


@cache
def reference() -> dict[str, Any]:
    """The reference data of the rules file (industries, project types, authorities,
    the filing certificate's license type), read once per process."""
    data: dict[str, Any] = json.loads(RULES_FILE.read_text(encoding="utf-8"))
    return data


def industries() -> dict[str, str]:
    return dict(reference()["industries"])


def project_type_of(category: str) -> str:
    return str(reference()["project_types"][category])


def authority_of(region_path_codes: list[str]) -> str | None:
    """The department code of the investment authority for a region, given the region
    and its ancestors nearest first."""
    authorities: dict[str, str] = reference()["authorities"]
    for code in region_path_codes:
        if code in authorities:
            return authorities[code]
    return None


def filing_license_type() -> str:
    return str(reference()["filing_license_type"])
