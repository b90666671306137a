"""The per-process cache of a staff member's posts (`accounts.selectors.posts_of`): asked on
every staff request, so read once; a change of a role, post or unit (org services) or of
an account (accounts services) is seen at once by the process that made it."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yiwang.accounts.actor import Actor, permissions_of
from yiwang.accounts.selectors import posts_of
from yiwang.common.permissions import Permission
from yiwang.org import services as org_services

pytestmark = pytest.mark.django_db


def test_posts_are_read_once_per_process(demo_users: dict[str, Any]) -> None:
    clerk = demo_users["clerk-nanguan"]
    first = posts_of(clerk)
    assert [p.code for p in first] == ["220102-hall-window"]
    with CaptureQueriesContext(connection) as queries:
        again = posts_of(clerk)
        assert again[0].role.code == first[0].role.code
        assert again[0].hall is not None
        assert again[0].hall.region.code == "220102"
    assert len(queries) == 0


def test_each_request_gets_its_own_posts(demo_users: dict[str, Any]) -> None:
    """Copies of a frozen snapshot (issue 9.5): a change one caller makes to the posts it
    got is not what the next caller reads."""
    clerk = demo_users["clerk-nanguan"]
    first = posts_of(clerk)
    first[0].role.permissions = []
    first[0].code = "changed"
    again = posts_of(clerk)
    assert again[0] is not first[0]
    assert again[0].code == "220102-hall-window"
    assert Permission.CASE_ACCEPT in again[0].role.permissions


def test_a_role_change_through_org_services_is_seen_at_once(demo_users: dict[str, Any]) -> None:
    clerk = demo_users["clerk-nanguan"]
    assert Permission.CASE_ACCEPT in permissions_of(clerk)
    role = posts_of(clerk)[0].role
    fresh_role = type(role).objects.get(pk=role.pk)  # cached instances are never mutated
    fresh_role.permissions = [p for p in fresh_role.permissions if p != Permission.CASE_ACCEPT]
    org_services.save_org_object(fresh_role, actor=Actor.system("test"))
    assert Permission.CASE_ACCEPT not in permissions_of(clerk)


def test_applicants_hold_no_posts_and_ask_nothing(demo_users: dict[str, Any]) -> None:
    with CaptureQueriesContext(connection) as queries:
        assert posts_of(demo_users["citizen"]) == []
    assert len(queries) == 0
