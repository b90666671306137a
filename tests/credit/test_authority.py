"""Who decides the credit lists: a post whose role grants CREDIT_DECIDE_LISTS (data),
never a department code's suffix; the credit scope rules through restrict()."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.credit.conftest import MakeEnterprise
from yiwang.accounts.actor import SYSTEM, Actor, restrict
from yiwang.common.errors import PermissionDenied
from yiwang.common.permissions import Permission
from yiwang.credit import selectors, services
from yiwang.credit.models import Disclosure, ListEntry, RemovalApplication
from yiwang.org.models import Department, Post, Role

pytestmark = pytest.mark.django_db


def _staff(username: str, department: str, role: str) -> Actor:
    from yiwang.accounts.services import create_staff
    from yiwang.org.services import save_org_object

    post = save_org_object(
        Post(
            code=f"{department}-{role}",
            name="信用岗",
            role=Role.objects.get(code=role),
            department=Department.objects.get(code=department),
        ),
        actor=SYSTEM,
    )
    user = create_staff(
        username=username,
        password="x-long-password-1",
        display_name=username,
        posts=[post],
        actor=SYSTEM,
    )
    return Actor.of(user)


def test_the_list_right_is_held_through_a_post_not_a_code_suffix(
    jilin: None, make_enterprise: MakeEnterprise
) -> None:
    enterprise = make_enterprise(region="220102")
    # A market-regulation department (the old suffix), but a publisher's post: no lists.
    publisher = _staff("pub-nanguan", "220102-market-regulation", "credit_publisher")
    assert Permission.CREDIT_DECIDE_LISTS not in publisher.permissions
    with pytest.raises(PermissionDenied) as refused:
        selectors.acting_authority(publisher, enterprise=enterprise, lists=True)
    assert refused.value.code == "not_list_authority"
    # It still publishes for its department.
    assert selectors.acting_authority(publisher).code == "220102-market-regulation"
    # The registrar's role grants the lists, in whatever department the post is.
    registrar = _staff("reg-nanguan", "220102-civil-affairs", "credit_registrar")
    chosen = selectors.acting_authority(registrar, enterprise=enterprise, lists=True)
    assert chosen.code == "220102-civil-affairs"
    # Covering its own region only.
    with pytest.raises(PermissionDenied):
        selectors.acting_authority(
            registrar, enterprise=make_enterprise(region="222424"), lists=True
        )


def test_the_demo_accounts_keep_their_credit_rights(
    demo_users: dict[str, Any], make_enterprise: MakeEnterprise
) -> None:
    enterprise = make_enterprise(region="222424")
    market = selectors.acting_authority(
        Actor.of(demo_users["publisher-jilin-market"]), enterprise=enterprise, lists=True
    )
    assert market.code == "220000-market-regulation"  # the province covers every region
    admin = Actor.of(demo_users["admin"])
    assert selectors.acting_authority(admin).code == "220000-government-services"
    with pytest.raises(PermissionDenied):  # publishes, but is no registration authority
        selectors.acting_authority(admin, enterprise=enterprise, lists=True)
    for role in ("citizen", "clerk-nanguan", "supervisor-jilin"):
        with pytest.raises(PermissionDenied):
            selectors.acting_authority(Actor.of(demo_users[role]))


def test_credit_scope_rules_through_restrict(
    demo_users: dict[str, Any], make_enterprise: MakeEnterprise
) -> None:
    nanguan = make_enterprise(region="220102")
    market = Department.objects.get(code="220000-market-regulation")
    disclosure = services.publish_disclosure(
        nanguan,
        {
            "kind": "spot_check",
            "title": "双随机抽查",
            "result": "未发现问题",
            "legal_basis": "条例第十四条",
            "decided_on": "2026-05-01",
        },
        department=market,
        actor=SYSTEM,
        today=date(2026, 6, 1),
    )
    entry = services.list_enterprise(
        nanguan,
        list_kind="abnormal",
        cause="unreachable",
        reason="无法联系",
        department=market,
        actor=SYSTEM,
        today=date(2026, 9, 1),
    )
    services.apply_for_removal(entry, statement="已可联系", actor=SYSTEM, today=date(2026, 9, 2))

    def seen(model: Any, role: str, permission: Permission) -> list[int]:
        actor = Actor.of(demo_users[role])
        return list(restrict(model.objects.all(), actor, permission).values_list("pk", flat=True))

    publisher, lists = Permission.CREDIT_PUBLISH, Permission.CREDIT_DECIDE_LISTS
    assert seen(Disclosure, "publisher-jilin-market", publisher) == [disclosure.pk]
    assert seen(Disclosure, "admin", publisher) == []  # another department's
    assert seen(Disclosure, "citizen", publisher) == []
    assert seen(ListEntry, "publisher-jilin-market", lists) == [entry.pk]
    assert seen(ListEntry, "admin", lists) == []
    assert seen(RemovalApplication, "publisher-jilin-market", lists) == [
        a.pk for a in RemovalApplication.objects.all()
    ]
    assert seen(RemovalApplication, "supervisor-jilin", lists) == []
    assert len(seen(RemovalApplication, "publisher-jilin-market", lists)) == 1


def test_the_migration_keeps_the_rights_of_a_database_seeded_before(
    jilin: None, make_enterprise: MakeEnterprise
) -> None:
    """accounts 0004: a publisher's post in a market-regulation department decided the
    lists under the old suffix rule; after the migration it still does, through its
    role; a publisher elsewhere still does not."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("yiwang.accounts.migrations.0004_actor_permissions")
    market = _staff("pub-market", "220102-market-regulation", "credit_publisher")
    civil = _staff("pub-civil", "220102-civil-affairs", "credit_publisher")
    migration.forwards(apps, None)
    enterprise = make_enterprise(region="220102")
    market, civil = Actor.of(market.user), Actor.of(civil.user)
    assert selectors.acting_authority(market, enterprise=enterprise, lists=True).code == (
        "220102-market-regulation"
    )
    assert Post.objects.get(code="220102-market-regulation-credit_publisher").role_id == (
        "credit_registrar"
    )
    with pytest.raises(PermissionDenied):
        selectors.acting_authority(civil, enterprise=enterprise, lists=True)
    assert selectors.acting_authority(civil).code == "220102-civil-affairs"
