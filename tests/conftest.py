"""Fixtures shared by every app's tests: the Jilin org data and the demo accounts,
created through the same services the seed uses — once per group of tests, each test
isolated by its transaction (tests/seeding.py)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from tests import seeding
from yiwang.accounts.actor import Actor

DEMO_PASSWORD = "yiwang-demo-2026"

# Where PYTHONDONTWRITEBYTECODE is set (this project's CI image sets it), every process of
# a run — each xdist worker, every `yiwang` subprocess — would compile every module again,
# and pytest would re-rewrite every test module's asserts: ~6 s of CPU a worker on a cold
# checkout (decision 0012). The caches are git-ignored; the suite writes them.
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the xdist_group marks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each seed group's tests one after another; the browser tests on one worker
    (one Chromium, one live server; `--dist loadgroup` in pyproject.toml)."""
    for item in items:
        if item.get_closest_marker("browser") is not None:
            item.add_marker(pytest.mark.xdist_group("browser"))
    seeding.sort_by_group(items)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Close the previous group's outer transaction before this test's fixtures, when the
    test is not of that group: a session fixture set up now (Playwright's, whose greenlets
    give Django's connection handler another context) must not start inside it."""
    group = item.stash.get(seeding.GROUP_KEY, None)
    if group is not None and seeding.OUTER.steps != group:
        seeding.OUTER.close()


@pytest.fixture(scope="session")
def _seed_outer(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Any]:
    """The outer transaction that holds the current group's seed, per process (worker)."""
    seeding.OUTER.blocker = django_db_blocker
    yield seeding.OUTER
    seeding.OUTER.close()


@pytest.fixture
def _seed_switch(request: pytest.FixtureRequest, _seed_outer: Any) -> Iterator[None]:
    node = request.node
    group = node.stash.get(seeding.GROUP_KEY, None)
    if group is None:  # collected by a path that skipped the sorting hook
        group = seeding.group_of(node)  # type: ignore[arg-type]
    _seed_outer.switch(group)
    committed = node.stash.get(seeding.COMMITTED_KEY, None)
    if committed is None:
        committed = seeding.committed_steps_of(node)  # type: ignore[arg-type]
    seeding.COMMITTED.prepare(committed, _seed_outer.blocker)
    yield
    seeding.COMMITTED.done()


@pytest.fixture
def _django_db_helper(_seed_switch: None, _django_db_helper: None) -> None:
    """pytest-django's database set-up, once this test's group seed is in place (the
    test's own transaction is then a savepoint inside the group's)."""
    return _django_db_helper


@seeding.step("jilin")
def _seed_jilin() -> None:
    from yiwang.org.services import load_org_data

    load_org_data(actor=Actor.system("test"))


@seeding.step("demo_users", after=("jilin",))
def _seed_demo_users() -> None:
    from yiwang.accounts.services import ensure_demo_accounts

    ensure_demo_accounts(DEMO_PASSWORD, actor=Actor.system("test"))


@pytest.fixture
@seeding.provides("jilin")
def jilin(db: Any) -> None:
    seeding.ensure("jilin")


@pytest.fixture
@seeding.provides("demo_users")
def demo_users(jilin: None) -> dict[str, Any]:
    from yiwang.accounts.models import User

    seeding.ensure("demo_users")
    return {u.username: u for u in User.objects.filter(is_demo=True)}


@pytest.fixture
def api_login(client: Client) -> Callable[[str], str]:
    """Log in through the API and return the bearer token."""

    def login(username: str, password: str = DEMO_PASSWORD) -> str:
        response = client.post(
            "/api/v1/auth/login",
            {"username": username, "password": password},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        return str(response.json()["token"])

    return login


@pytest.fixture(autouse=True)
def _fresh_case_numbers(request: pytest.FixtureRequest) -> Any:
    """On PostgreSQL case numbers are taken on a connection of their own and committed at
    once (cases.services.numbering), by whichever thread submitted: a test's rollback
    does not take them back, so every test that used the database clears them."""
    yield
    from django.db import connection

    uses_db = request.node.get_closest_marker("django_db") is not None or bool(
        {"db", "transactional_db", "live_server"} & set(request.fixturenames)
    )
    if connection.vendor != "postgresql" or not uses_db:
        return
    from yiwang.cases.services import numbering

    numbering._counter_connection().execute("DELETE FROM cases_casenumbercounter")
    numbering.close_counter_connection()


@pytest.fixture(autouse=True)
def _fresh_audit_checkpoints() -> Any:
    """The audit chain's signed checkpoints live outside the database (decision 0016):
    each test's database starts empty, so must its checkpoint store."""
    yield
    from django.conf import settings

    from yiwang.common.anchoring import CHECKPOINT_FILE

    (settings.YIWANG_AUDIT_CHECKPOINT_DIR / CHECKPOINT_FILE).unlink(missing_ok=True)


@pytest.fixture(autouse=True)
def _fresh_workday_index() -> Any:
    """The working-day index and the reference-data caches are per process; each test's
    database starts anew."""
    from yiwang.common.revisions import reset_all
    from yiwang.common.workdays import reset_cache

    reset_cache()
    reset_all()
    yield
    reset_cache()
    reset_all()


@pytest.fixture(autouse=True)
def _default_language() -> Any:
    """LocaleMiddleware activates the request's language and leaves it active in the
    thread; a service called directly after an English request would word its errors in
    English. Each test starts and ends in the default language (zh-hans)."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def frozen_revisions(monkeypatch: pytest.MonkeyPatch) -> None:
    """The per-process caches (revision counters, the workday index's fingerprint)
    re-check once and then never again in this test, so a count of queries does not
    depend on how long the test took (on a loaded machine, more than a second)."""
    from types import SimpleNamespace

    from yiwang.common import revisions, workdays

    frozen = SimpleNamespace(monotonic=lambda: 0.0)
    monkeypatch.setattr(revisions, "time", frozen)
    monkeypatch.setattr(workdays, "time", frozen)
