"""One Actor per request (accounts.actor): built for each channel — web session, kiosk,
API token, system — once per request, carrying the account, posts, permissions and
region scope; the audit log records the same actor text as before; and restrict()
refuses a model without a scope rule."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from yiwang.accounts.actor import (
    SYSTEM,
    Actor,
    ActorMiddleware,
    Channel,
    actor_for_request,
    as_actor,
    restrict,
)
from yiwang.accounts.models import ApiToken
from yiwang.api.auth import BearerToken
from yiwang.common.audit import record
from yiwang.common.models import AuditEvent
from yiwang.common.permissions import Permission

pytestmark = pytest.mark.django_db


def _through_middleware(request: HttpRequest) -> Any:
    seen: dict[str, Any] = {}

    def view(req: HttpRequest) -> HttpResponse:
        seen["actor"] = req.actor  # type: ignore[attr-defined]
        seen["again"] = actor_for_request(req)
        return HttpResponse()

    ActorMiddleware(view)(request)
    return seen


def test_a_web_session_gives_a_session_actor_with_posts_and_permissions(
    demo_users: dict[str, Any],
) -> None:
    request = RequestFactory().get("/workbench/")
    request.user = demo_users["clerk-nanguan"]
    seen = _through_middleware(request)
    actor = seen["actor"]
    assert actor.kind == Channel.SESSION
    assert actor.user == demo_users["clerk-nanguan"]
    assert actor.label == "clerk-nanguan"
    assert [p.code for p in actor.posts] == ["220102-hall-window"]
    assert actor.permissions == {
        Permission.CASE_VIEW,
        Permission.CASE_ACCEPT,
        Permission.CASE_DELIVER,
    }
    assert actor.is_staff
    assert not actor.is_applicant
    assert not actor.platform
    assert actor.paths_below(Permission.CASE_VIEW) == []  # a unit post reaches no region
    # Built once: the request's actor is the same object however often it is asked.
    assert seen["again"] is actor_for_request(request)


def test_a_kiosk_page_gives_a_kiosk_actor(demo_users: dict[str, Any]) -> None:
    request = RequestFactory().get("/kiosk/220000-GA-XK-001/")
    request.user = demo_users["citizen"]
    actor = _through_middleware(request)["actor"]
    assert actor.kind == Channel.KIOSK
    assert actor.is_applicant
    assert actor.posts == ()
    assert actor.permissions == frozenset()


def test_nobody_signed_in_is_the_anonymous_actor() -> None:
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    actor = _through_middleware(request)["actor"]
    assert actor.kind == Channel.ANONYMOUS
    assert not actor.is_authenticated
    assert actor.pk is None
    assert not actor.is_staff


def test_an_api_token_gives_a_token_actor_that_the_session_does_not_replace(
    demo_users: dict[str, Any], api_login: Any
) -> None:
    raw = api_login("supervisor-jilin")
    request = RequestFactory().get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer {raw}")
    user = BearerToken().authenticate(request, raw)
    assert user == demo_users["supervisor-jilin"]
    actor = actor_for_request(request)
    assert actor.kind == Channel.TOKEN
    assert actor is request.actor  # type: ignore[attr-defined]
    # The supervisor's reach: the province and every region below, per permission.
    assert actor.paths_below(Permission.CASE_VIEW) == ["220000/"]
    assert actor.paths_below(Permission.SUPERVISION_VIEW) == ["220000/"]
    assert actor.paths_below(Permission.CASE_ACCEPT) == []
    assert ApiToken.objects.filter(user=user).exists()


def test_the_api_reads_the_request_actor_once_per_request(
    client: Client, api_login: Any, demo_users: dict[str, Any]
) -> None:
    raw = api_login("clerk-nanguan")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    client.get("/api/v1/auth/me", **auth)  # type: ignore[arg-type]  # warm the caches
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/v1/auth/me", **auth).json()  # type: ignore[arg-type]
    assert body["permissions"] == sorted(
        [Permission.CASE_VIEW, Permission.CASE_ACCEPT, Permission.CASE_DELIVER]
    )
    # Token and posts come from the per-process caches: the actor costs no query.
    assert len(queries) == 0, [q["sql"] for q in queries.captured_queries]


def test_the_system_actor_is_a_real_object_recorded_by_its_reason() -> None:
    seed = Actor.system("seed")
    assert seed.is_system
    assert seed.kind == Channel.SYSTEM
    assert seed.user is None
    assert SYSTEM.label == "system"
    event = record("test.system", object_type="t", object_id="1", actor=seed)
    event = AuditEvent.objects.get(pk=event.pk)
    assert (event.actor, event.actor_id) == ("seed", None)
    with pytest.raises(ValueError, match="reason"):
        Actor.system("")


def test_an_account_is_recorded_by_its_username_as_before(demo_users: dict[str, Any]) -> None:
    admin = demo_users["admin"]
    for actor in (Actor.of(admin, Channel.SESSION), admin):  # an Actor, or the bare account
        event = record("test.user", object_type="t", object_id="1", actor=actor)
        event = AuditEvent.objects.get(pk=event.pk)
        assert (event.actor, event.actor_id) == ("admin", admin.pk)


@pytest.mark.parametrize("bare", ["system", "test", None])
def test_a_bare_string_or_none_is_no_actor(bare: Any) -> None:
    with pytest.raises(TypeError):
        as_actor(bare)
    with pytest.raises(TypeError):
        record("test.bare", object_type="t", object_id="1", actor=bare)


def test_restrict_refuses_a_model_without_a_scope_rule(demo_users: dict[str, Any]) -> None:
    with pytest.raises(ImproperlyConfigured, match="scope rule"):
        restrict(ApiToken.objects.all(), Actor.of(demo_users["admin"]), Permission.CASE_VIEW)
    # The system is not asked for a rule: it sees every row.
    assert restrict(ApiToken.objects.all(), SYSTEM, Permission.CASE_VIEW).count() == 0


def test_an_inactive_account_acts_as_nobody(demo_users: dict[str, Any]) -> None:
    clerk = demo_users["clerk-nanguan"]
    clerk.is_active = False
    actor = Actor.of(clerk)
    assert actor.kind == Channel.ANONYMOUS
    assert actor.permissions == frozenset()
