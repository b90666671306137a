"""Per-process caches kept honest by revision counters (`common.revisions`).

"Another process" is simulated by writing the `Revision` row with the ORM, as a writer
in another process would have, without calling `bump` here (which would also drop this
process's caches). Time is moved by replacing the clock the module reads, never by
sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from yiwang.common import revisions
from yiwang.common.models import Revision
from yiwang.common.revisions import RECHECK_SECONDS, RevisionCache, bump, reset_all

pytestmark = pytest.mark.django_db


class Clock:
    """`time.monotonic` as `yiwang.common.revisions` sees it, moved forward by the test."""

    def __init__(self) -> None:
        self._real = time.monotonic
        self.offset = 0.0

    def __call__(self) -> float:
        return self._real() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    # Only the revisions module's view of the clock moves: Django and the database
    # driver keep the real one.
    fake = Clock()
    monkeypatch.setattr(revisions, "time", SimpleNamespace(monotonic=fake))
    return fake


class Source:
    """Data a cache is built from, with a count of how often it was read."""

    def __init__(self, value: Any) -> None:
        self.value = value
        self.loads = 0

    def load(self) -> Any:
        self.loads += 1
        return self.value


def _write_elsewhere(name: str) -> None:
    """What another process's `bump(name)` leaves in the database, without this process
    hearing about it."""
    _, created = Revision.objects.get_or_create(name=name, defaults={"value": 1})
    if not created:
        Revision.objects.filter(name=name).update(value=F("value") + 1)


def test_a_value_is_loaded_once_and_then_served_from_the_cache(clock: Clock) -> None:
    cache: RevisionCache[dict[str, int]] = RevisionCache("test.alpha")
    source = Source({"n": 1})
    first = cache.get("k", source.load)
    with CaptureQueriesContext(connection) as queries:
        again = [cache.get("k", source.load) for _ in range(5)]
    assert source.loads == 1
    assert all(value is first for value in again)
    assert len(queries) == 0  # not even the revision check, within RECHECK_SECONDS

    other = Source({"n": 2})
    assert cache.get("other", other.load) == {"n": 2}
    assert other.loads == 1
    assert source.loads == 1


def test_the_periodic_check_keeps_values_when_no_counter_moved(clock: Clock) -> None:
    cache: RevisionCache[str] = RevisionCache("test.alpha", "test.beta")
    bump("test.alpha")  # one counter exists, the other does not: both cases compared
    source = Source("v")
    cache.get("k", source.load)
    clock.advance(RECHECK_SECONDS)
    with CaptureQueriesContext(connection) as queries:
        assert cache.get("k", source.load) == "v"
    assert len(queries) == 1  # the counters, and nothing else
    assert "common_revision" in queries[0]["sql"]
    assert source.loads == 1


def test_bump_drops_the_caches_that_depend_on_that_name_at_once(clock: Clock) -> None:
    alpha: RevisionCache[str] = RevisionCache("test.alpha")
    beta: RevisionCache[str] = RevisionCache("test.beta")
    both: RevisionCache[str] = RevisionCache("test.alpha", "test.beta")
    sources = {"alpha": Source("a1"), "beta": Source("b1"), "both": Source("ab1")}
    caches = {"alpha": alpha, "beta": beta, "both": both}
    for name, cache in caches.items():
        cache.get("k", sources[name].load)

    for source in sources.values():
        source.value = source.value[:-1] + "2"
    bump("test.alpha")  # no time passes

    assert alpha.get("k", sources["alpha"].load) == "a2"
    assert both.get("k", sources["both"].load) == "ab2"
    assert beta.get("k", sources["beta"].load) == "b1"  # depends on another name
    assert {name: s.loads for name, s in sources.items()} == {"alpha": 2, "beta": 1, "both": 2}


def test_bump_drops_the_writers_caches_again_when_its_transaction_commits(
    clock: Clock, django_capture_on_commit_callbacks: Any
) -> None:
    cache: RevisionCache[str] = RevisionCache("test.alpha")
    source = Source("old")
    cache.get("k", source.load)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        bump("test.alpha")
        source.value = "new"
        # Read again inside the writer's transaction: cached until the commit.
        assert cache.get("k", source.load) == "new"
        source.value = "newer"
        assert cache.get("k", source.load) == "new"
    assert cache.get("k", source.load) == "newer"
    assert source.loads == 3


@pytest.mark.parametrize("first_write", [True, False], ids=["row-created", "row-incremented"])
def test_a_change_made_by_another_process_is_seen_after_the_recheck_interval(
    clock: Clock, first_write: bool
) -> None:
    if not first_write:
        bump("test.alpha")
    cache: RevisionCache[str] = RevisionCache("test.alpha")
    source = Source("old")
    assert cache.get("k", source.load) == "old"

    source.value = "new"
    _write_elsewhere("test.alpha")
    assert cache.get("k", source.load) == "old"  # this process has not looked yet
    clock.advance(RECHECK_SECONDS / 2)
    assert cache.get("k", source.load) == "old"
    clock.advance(RECHECK_SECONDS / 2)
    assert cache.get("k", source.load) == "new"
    assert source.loads == 2
    # Seen once: the counters are now those of the database, no further reload.
    clock.advance(RECHECK_SECONDS)
    assert cache.get("k", source.load) == "new"
    assert source.loads == 2


def test_a_change_to_a_name_the_cache_does_not_depend_on_keeps_it(clock: Clock) -> None:
    cache: RevisionCache[str] = RevisionCache("test.alpha")
    source = Source("v")
    cache.get("k", source.load)
    _write_elsewhere("test.beta")
    clock.advance(RECHECK_SECONDS)
    cache.get("k", source.load)
    assert source.loads == 1


def test_a_load_that_raises_is_not_cached(clock: Clock) -> None:
    cache: RevisionCache[str] = RevisionCache("test.alpha")
    calls: list[str] = []

    def failing() -> str:
        calls.append("failing")
        raise LookupError("not there")

    def working() -> str:
        calls.append("working")
        return "found"

    for _ in range(2):
        with pytest.raises(LookupError):
            cache.get("k", failing)
    assert cache.get("k", working) == "found"
    assert cache.get("k", failing) == "found"  # now cached: the loader is not called
    assert calls == ["failing", "failing", "working"]
    assert list(cache._values) == ["k"]


def test_max_entries_bounds_the_cache_least_recently_used_first(clock: Clock) -> None:
    cache: RevisionCache[str] = RevisionCache("test.alpha", max_entries=2)
    loads: list[str] = []

    def loader(key: str) -> Callable[[], str]:
        def load() -> str:
            loads.append(key)
            return key.upper()

        return load

    assert cache.get("a", loader("a")) == "A"
    assert cache.get("b", loader("b")) == "B"
    assert cache.get("a", loader("a")) == "A"  # a is now the most recently used
    assert cache.get("c", loader("c")) == "C"  # b goes
    assert len(cache._values) == 2
    assert cache.get("a", loader("a")) == "A"
    assert loads == ["a", "b", "c"]
    assert cache.get("b", loader("b")) == "B"  # reloaded; c was the least recent
    assert loads == ["a", "b", "c", "b"]
    assert list(cache._values) == ["a", "b"]


def test_bump_creates_the_counter_then_increments_it() -> None:
    assert not Revision.objects.filter(name="test.alpha").exists()
    bump("test.alpha")
    assert Revision.objects.get(name="test.alpha").value == 1
    bump("test.alpha")
    bump("test.alpha")
    assert Revision.objects.get(name="test.alpha").value == 3
    assert not Revision.objects.filter(name="test.beta").exists()


def test_bump_is_part_of_the_writers_transaction() -> None:
    bump("test.alpha")

    def write_then_fail() -> None:
        with transaction.atomic():
            bump("test.alpha")
            bump("test.beta")
            raise LookupError("the write fails")

    with pytest.raises(LookupError):
        write_then_fail()
    assert Revision.objects.get(name="test.alpha").value == 1
    assert not Revision.objects.filter(name="test.beta").exists()


def test_reset_all_forgets_every_cache(clock: Clock) -> None:
    alpha: RevisionCache[str] = RevisionCache("test.alpha")
    beta: RevisionCache[str] = RevisionCache("test.beta")
    a, b = Source("a"), Source("b")
    alpha.get("k", a.load)
    beta.get("k", b.load)
    reset_all()
    alpha.get("k", a.load)
    beta.get("k", b.load)
    assert (a.loads, b.loads) == (2, 2)
