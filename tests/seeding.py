"""Seed once, isolate by transaction: the shared worlds of the tests (the Jilin org data,
the demo accounts, the calendar, the catalog…) are built once per group of tests instead
of once per test.

A *seed fixture* (`jilin`, `demo_users`, `world`…) is marked with `@provides("<step>")`
and starts with `ensure("<step>")`; the step's build function is registered with
`@step("<step>", after=...)`. Before the suite runs, `pytest_collection_modifyitems`
(tests/conftest.py) computes every test's group — the seed steps its fixtures reach — and
sorts the tests so that a group's tests run one after another. For the first test of a
group, `switch` rolls back the previous group's outer transaction, opens a new one and
builds the group's steps inside it; every test of the group then runs in its own
savepoint inside that transaction (pytest-django's ordinary `db` rollback), so it sees
exactly the data it saw when it seeded for itself, and whatever it writes disappears.

Transactional tests (`transaction=True`, `transactional_db`, `live_server`) commit and
flush the database; they run with no outer transaction. Their steps are built, committed,
for the first such test that wants them, and the database is then copied
(tests/dbsnapshot.py); every later test of the process that wants the same steps gets the
copy put back into its flushed database instead of a rebuild (`_Committed`). A test that
resets sequences builds its steps itself, as does any step a test reaches only at run time
(`request.getfixturevalue`): `ensure` falls back to building it, never to skipping it.
The rule for a new app: a fixture that builds shared reference data registers a `@step`
and marks itself `@provides`; a fixture that builds what one test changes stays plain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest

F = TypeVar("F", bound=Callable[..., Any])

#: Whether a test needs a real commit (its group is then always empty).
TRANSACTIONAL_FIXTURES = frozenset(
    {
        "transactional_db",
        "live_server",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
    }
)
DB_FIXTURES = TRANSACTIONAL_FIXTURES | {"db"}


@dataclass(frozen=True)
class Step:
    name: str
    build: Callable[[], None]
    after: tuple[str, ...]


STEPS: dict[str, Step] = {}


def step(name: str, *, after: Iterable[str] = ()) -> Callable[[Callable[[], None]], Step]:
    """Register `build` as the seed step `name` (built after the steps in `after`)."""

    def register(build: Callable[[], None]) -> Step:
        if name in STEPS and STEPS[name].build.__code__ is not build.__code__:
            raise ValueError(f"two seed steps named {name!r}")
        STEPS[name] = Step(name, build, tuple(after))
        return STEPS[name]

    return register


def provides(name: str) -> Callable[[F], F]:
    """Mark a fixture function as the one that provides the seed step `name`."""

    def mark(fixture_function: F) -> F:
        fixture_function._seed_step = name  # type: ignore[attr-defined]
        return fixture_function

    return mark


class _Outer:
    """The open outer transaction of this process and the steps built inside it."""

    def __init__(self) -> None:
        self.steps: tuple[str, ...] = ()
        self.atomic: Any = None
        self.blocker: Any = None
        self.builds = 0

    def switch(self, steps: tuple[str, ...]) -> None:
        if self.atomic is not None and self.steps == steps:
            return
        self.close()
        if not steps:
            return
        from django.db import transaction

        with self.blocker.unblock():
            atomic = transaction.atomic()
            atomic.__enter__()
            # Like TestCase's own class-level atomic: `atomic(durable=True)` in the code
            # under test must not count this block as an enclosing transaction.
            atomic._from_testcase = True
            self.atomic, self.steps = atomic, ()
            try:
                for name in steps:
                    STEPS[name].build()
                    self.steps += (name,)
            except BaseException:
                self.close()
                raise
            self.builds += 1
        _reset_process_caches()

    def close(self) -> None:
        if self.atomic is None:
            return
        from django.db import transaction

        atomic, self.atomic, self.steps = self.atomic, None, ()
        with self.blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
        _reset_process_caches()


OUTER = _Outer()


class _Committed:
    """The steps of the running transactional test, and a copy of the database for each
    set of steps built so far in this process."""

    def __init__(self) -> None:
        self.steps: tuple[str, ...] = ()
        self.snapshots: dict[tuple[str, ...], Any] = {}
        self.restores = 0

    def prepare(self, steps: tuple[str, ...], blocker: Any) -> None:
        self.steps = ()
        if not steps:
            return
        from tests import dbsnapshot

        with blocker.unblock():
            snapshot = self.snapshots.get(steps)
            if snapshot is None:
                for name in steps:
                    STEPS[name].build()
                self.snapshots[steps] = dbsnapshot.take()
            else:
                dbsnapshot.restore(snapshot)
                self.restores += 1
        self.steps = steps
        _reset_process_caches()

    def done(self) -> None:
        self.steps = ()


COMMITTED = _Committed()


def _reset_process_caches() -> None:
    from yiwang.common.revisions import reset_all
    from yiwang.common.workdays import reset_cache

    reset_cache()
    reset_all()


def ensure(name: str) -> None:
    """Build the seed step `name` unless this test's outer transaction already holds it."""
    if OUTER.atomic is not None and name in OUTER.steps:
        return
    if name in COMMITTED.steps:
        return
    STEPS[name].build()


# --------------------------------------------------------------------------- grouping


def _used_fixturedefs(item: pytest.Item) -> Iterable[Any]:
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return
    for fixture_name in item.fixturenames:  # type: ignore[attr-defined]
        defs = info.name2fixturedefs.get(fixture_name, ())
        # The last definition is the one in force; an override that requests its own
        # name also uses the one before it.
        for fixturedef in reversed(defs):
            yield fixturedef
            if fixture_name not in fixturedef.argnames:
                break


def uses_db(item: pytest.Item) -> bool:
    return item.get_closest_marker("django_db") is not None or bool(
        DB_FIXTURES & set(getattr(item, "fixturenames", ()))
    )


def is_transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and (
        marker.kwargs.get("transaction")
        or marker.kwargs.get("reset_sequences")
        or marker.kwargs.get("serialized_rollback")
        or (marker.args and marker.args[0])
    ):
        return True
    return bool(TRANSACTIONAL_FIXTURES & set(getattr(item, "fixturenames", ())))


def group_of(item: pytest.Item) -> tuple[str, ...]:
    """The seed steps the item's fixtures reach, in build order; () when the test commits."""
    if is_transactional(item):
        return ()
    return steps_of(item)


def committed_steps_of(item: pytest.Item) -> tuple[str, ...]:
    """The steps a transactional test gets from a copy of the database; () for any other
    test, and for one that resets sequences or reloads a serialized database (either would
    undo the copy's ids under it)."""
    if not is_transactional(item):
        return ()
    marker = item.get_closest_marker("django_db")
    kwargs = marker.kwargs if marker is not None else {}
    fixtures = set(getattr(item, "fixturenames", ()))
    if kwargs.get("reset_sequences") or kwargs.get("serialized_rollback"):
        return ()
    if {"django_db_reset_sequences", "django_db_serialized_rollback"} & fixtures:
        return ()
    return steps_of(item)


def steps_of(item: pytest.Item) -> tuple[str, ...]:
    """The seed steps the item's fixtures reach, in build order."""
    wanted: set[str] = set()
    for fixturedef in _used_fixturedefs(item):
        name = getattr(fixturedef.func, "_seed_step", None)
        if name is not None:
            wanted.add(name)
    # A step whose prerequisite this test provides otherwise (a module's own `jilin`,
    # say) is left to the test: the group holds only what the test's fixtures would
    # have built themselves, in full.
    while dropped := {n for n in wanted if not set(STEPS[n].after) <= wanted}:
        wanted -= dropped
    return _in_build_order(wanted)


def _in_build_order(wanted: set[str]) -> tuple[str, ...]:
    order: list[str] = []

    def visit(name: str) -> None:
        if name in order:
            return
        for before in STEPS[name].after:
            visit(before)
        order.append(name)

    # Registration order breaks ties, so the same set always builds the same way.
    for name in STEPS:
        if name in wanted:
            visit(name)
    return tuple(order)


GROUP_KEY = pytest.StashKey[tuple[str, ...]]()
COMMITTED_KEY = pytest.StashKey[tuple[str, ...]]()


def sort_by_group(items: list[pytest.Item]) -> None:
    """Run each group's tests together: stable, in the order each group first appears,
    with the tests that commit after all the others."""
    first_seen: dict[tuple[bool, tuple[str, ...]], int] = {}
    keys: dict[int, tuple[int, int]] = {}
    for index, item in enumerate(items):
        group = group_of(item)
        item.stash[GROUP_KEY] = group
        item.stash[COMMITTED_KEY] = committed_steps_of(item)
        key = (is_transactional(item) or not uses_db(item), group)
        first_seen.setdefault(key, index)
        keys[id(item)] = (int(key[0]), first_seen[key])
    items.sort(key=lambda item: keys[id(item)])
