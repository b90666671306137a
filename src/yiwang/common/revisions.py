"""Per-process caches of reference data, kept honest by revision counters.

Reference data (the catalog, the org tree) is read on every application but written a
few times a day, always through its app's services. Those writers call `bump(name)` in
their transaction; a `RevisionCache` compares the counters it depends on with the
database at most once per `RECHECK_SECONDS` and drops everything when one moved. So
every web process sees an administrator's change within about a second, without any
messaging between processes, and a request pays nothing most of the time.

A writer also drops this process's caches at once (and again on commit), so its own
next read is already new — the same contract as `common.workdays`.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import F

from yiwang.common.models import Revision

RECHECK_SECONDS = 1.0

V = TypeVar("V")

_caches: list[RevisionCache[object]] = []


def bump(name: str) -> None:
    """Mark the data `name` as changed (call inside the writer's transaction)."""
    with transaction.atomic():
        if not Revision.objects.filter(name=name).update(value=F("value") + 1):
            try:
                with transaction.atomic():
                    Revision.objects.create(name=name, value=1)
            except IntegrityError:  # a concurrent first writer
                Revision.objects.filter(name=name).update(value=F("value") + 1)
    _drop_local(name)
    transaction.on_commit(lambda: _drop_local(name))


def _drop_local(name: str) -> None:
    for cache in list(_caches):
        if name in cache.names:
            cache.reset()


def reset_all() -> None:
    """Forget every cache in this process (for tests: each starts with a new database)."""
    for cache in list(_caches):
        cache.reset()


class RevisionCache(Generic[V]):
    """Values computed from the data named by `names`, by key, for this process.

    Values are shared between requests (and threads): never modify one you got. At most
    `max_entries` are kept; the least recently used goes first.
    """

    def __init__(self, *names: str, max_entries: int = 1000) -> None:
        self.names = frozenset(names)
        self.max_entries = max_entries
        self._values: OrderedDict[Hashable, V] = OrderedDict()
        self._seen: dict[str, int] | None = None
        self._checked_at = float("-inf")
        self._lock = threading.Lock()
        _caches.append(self)  # type: ignore[arg-type]

    def get(self, key: Hashable, load: Callable[[], V]) -> V:
        """The cached value for `key`, or `load()` (not cached when it raises)."""
        if time.monotonic() - self._checked_at >= RECHECK_SECONDS:
            self._recheck()
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = load()
        with self._lock:
            self._values[key] = value
            if len(self._values) > self.max_entries:
                self._values.popitem(last=False)
        return value

    def _recheck(self) -> None:
        # Counters first, then data: a write in between leaves a value newer than the
        # counters it was checked against, which only costs one extra reload.
        seen = dict(Revision.objects.filter(name__in=self.names).values_list("name", "value"))
        with self._lock:
            if seen != self._seen:
                self._values.clear()
                self._seen = seen
            self._checked_at = time.monotonic()

    def reset(self) -> None:
        with self._lock:
            self._values.clear()
            self._seen = None
            self._checked_at = float("-inf")
