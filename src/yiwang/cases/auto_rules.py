"""Automatic decision of instant items (即办件, e.g. 往来港澳通行证再次签注 at a kiosk).

An item's `auto_rules` is data — a list of ``{"check": NAME, ...}`` — evaluated here
by a small registry of named checks. A submission that passes every check is accepted,
approved and issued in the same request; one that fails any (or names a check this
registry does not know: fail closed) goes to manual review, the reasons recorded on
its timeline.

Checks that need outside data read it through one function each
(`hk_macao_pass_on_record`, `exit_restriction_on_record`), backed for now by reference
tables of this app (`TravelDocument`, `ExitRestriction`). An adapter to the
public-security exit-entry system replaces those two functions, not the checks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q

from yiwang.cases.models import ExitRestriction, TravelDocument

HK_MACAO_PERMIT = "hk_macao_pass"  # 往来港澳通行证


@dataclass(frozen=True)
class CheckContext:
    """What the checks may know about one submission."""

    applicant_id_number: str  # empty for enterprises
    applicant_region_path: str  # empty when unknown
    item_region_path: str
    on: date


@dataclass(frozen=True)
class CheckOutcome:
    check: str
    passed: bool
    reason: str


Check = Callable[[CheckContext, Mapping[str, Any]], CheckOutcome]
CHECKS: dict[str, Check] = {}


def check(name: str) -> Callable[[Check], Check]:
    def register(fn: Check) -> Check:
        CHECKS[name] = fn
        return fn

    return register


# --- outside data, one function each (replace with adapters) ------------------------


def hk_macao_pass_on_record(id_number: str, on: date) -> TravelDocument | None:
    """The holder's 往来港澳通行证 valid on `on`, if the exit-entry records have one."""
    return (
        TravelDocument.objects.filter(
            holder_id_number=id_number, kind=HK_MACAO_PERMIT, valid_until__gte=on
        )
        .order_by("-valid_until")
        .first()
    )


def exit_restriction_on_record(id_number: str, on: date) -> bool:
    """Whether an exit restriction (限制出境) is in force for the person on `on`."""
    return (
        ExitRestriction.objects.filter(holder_id_number=id_number, since__lte=on)
        .filter(Q(until__isnull=True) | Q(until__gte=on))
        .exists()
    )


# --- the checks ---------------------------------------------------------------------


@check("hk_macao_pass_valid")
def _hk_macao_pass_valid(ctx: CheckContext, rule: Mapping[str, Any]) -> CheckOutcome:
    name = "hk_macao_pass_valid"
    if not ctx.applicant_id_number:
        return CheckOutcome(name, False, "申请人不是自然人，无法核验往来港澳通行证")
    if hk_macao_pass_on_record(ctx.applicant_id_number, ctx.on) is None:
        return CheckOutcome(name, False, "未查询到申请人有效的往来港澳通行证")
    return CheckOutcome(name, True, "往来港澳通行证有效")


@check("no_exit_restriction")
def _no_exit_restriction(ctx: CheckContext, rule: Mapping[str, Any]) -> CheckOutcome:
    name = "no_exit_restriction"
    if not ctx.applicant_id_number:
        return CheckOutcome(name, False, "申请人不是自然人，无法核验出境限制")
    if exit_restriction_on_record(ctx.applicant_id_number, ctx.on):
        return CheckOutcome(name, False, "申请人存在限制出境记录，需人工审核")
    return CheckOutcome(name, True, "无限制出境记录")


@check("resident_of_region")
def _resident_of_region(ctx: CheckContext, rule: Mapping[str, Any]) -> CheckOutcome:
    name = "resident_of_region"
    if ctx.applicant_region_path and ctx.applicant_region_path.startswith(ctx.item_region_path):
        return CheckOutcome(name, True, "申请人户籍（居住地）在本辖区")
    return CheckOutcome(name, False, "申请人户籍（居住地）不在本辖区，需人工核实")


def evaluate(rules: Sequence[Mapping[str, Any]], ctx: CheckContext) -> list[CheckOutcome]:
    """Run every rule (not stopping at the first failure, so all reasons are told)."""
    outcomes = []
    for rule in rules:
        name = str(rule.get("check", ""))
        fn = CHECKS.get(name)
        if fn is None:
            outcomes.append(CheckOutcome(name, False, f"未知的自动审查规则“{name}”，转人工审核"))
        else:
            outcomes.append(fn(ctx, rule))
    return outcomes
