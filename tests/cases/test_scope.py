"""The cases scope rule through the one restrict() (accounts.actor): every demo role
sees exactly the cases the access table says, the system every case, nobody none; and
a supervisor's reach is per permission (the one reach rule)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cases import items
from tests.cases.conftest import CaseApi
from tests.cases.test_authorization import ROLES, SEES_FORESTRY, SEES_NANGUAN
from yiwang.accounts.actor import SYSTEM, Actor, Channel, restrict
from yiwang.cases.models import Case
from yiwang.cases.selectors import case_scope, cases_visible_to
from yiwang.common.permissions import Permission

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_cases(api: CaseApi) -> tuple[str, str]:
    nanguan = api.apply("citizen", items.NANGUAN)["case_no"]
    forestry = api.apply("citizen", items.FORESTRY, intake_region="222424102")["case_no"]
    return nanguan, forestry


def _seen(actor: Any) -> set[str]:
    return set(
        restrict(Case.objects.all(), actor, Permission.CASE_VIEW).values_list("case_no", flat=True)
    )


@pytest.mark.parametrize("role", ROLES)
def test_restrict_gives_each_demo_role_its_cases(
    world: dict[str, Any], two_cases: tuple[str, str], role: str
) -> None:
    nanguan, forestry = two_cases
    actor = Actor.of(world[role], Channel.SESSION)
    expected = {
        c for c, sees in ((nanguan, SEES_NANGUAN), (forestry, SEES_FORESTRY)) if role in sees
    }
    assert _seen(actor) == expected, role
    # The cases selectors are restrict() with the cases rule, nothing else.
    assert set(cases_visible_to(actor).values_list("case_no", flat=True)) == expected


def test_the_system_sees_every_case_and_nobody_none(two_cases: tuple[str, str]) -> None:
    assert _seen(SYSTEM) == set(two_cases)
    assert _seen(Actor.anonymous()) == set()


def test_an_applicant_is_scoped_by_the_case_view_permission_only(
    world: dict[str, Any], two_cases: tuple[str, str]
) -> None:
    citizen = Actor.of(world["citizen"])
    assert _seen(citizen) == set(two_cases)
    # Their own cases are a view, not a right to accept them.
    assert case_scope(citizen, Permission.CASE_ACCEPT) is not None
    accepted = restrict(Case.objects.all(), citizen, Permission.CASE_ACCEPT)
    assert not accepted.exists()


def test_a_region_below_post_reaches_the_region_only_with_the_permission(
    world: dict[str, Any], two_cases: tuple[str, str]
) -> None:
    """One supervisor rule: a ``region_below`` post exercises the permissions its role
    grants over the region below it — a supervision role without case viewing does not
    see the cases there (accounts once granted the reach whatever the permission)."""
    from yiwang.accounts.actor import supervised_region_paths
    from yiwang.org.models import Role
    from yiwang.org.services import save_org_object

    supervisor = world["supervisor-jilin"]
    role = Role.objects.get(code="supervisor")
    role.permissions = [p for p in role.permissions if p != Permission.CASE_VIEW]
    save_org_object(role, actor=SYSTEM)
    actor = Actor.of(supervisor)
    assert actor.paths_below(Permission.SUPERVISION_VIEW) == ["220000/"]
    assert actor.paths_below(Permission.CASE_VIEW) == []
    assert supervised_region_paths(supervisor) == ["220000/"]
    assert _seen(actor) == set()
