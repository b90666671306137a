"""The public site's counters: per-address rate limits and daily view aggregates."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.common.errors import (
    RateLimited,
)
from yiwang.credit.conf import credit_setting
from yiwang.credit.models import (
    Enterprise,
    RateCounter,
)
from yiwang.credit.services._base import (
    _today,
)

# --------------------------------------------------------------------------- the public site


def _keyed(scope: str, value: str) -> str:
    mac = hmac.new(settings.SECRET_KEY.encode(), f"credit:{scope}:{value}".encode(), hashlib.sha256)
    return mac.hexdigest()


def _upsert_increment(
    table: str, key_columns: tuple[str, str], key_values: list[Any], counter: str
) -> int:
    """INSERT ... ON CONFLICT DO UPDATE SET n = n + 1 RETURNING n: one statement, no race
    (PostgreSQL, and SQLite >= 3.35)."""
    a, b = key_columns
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({a}, {b}, {counter}) VALUES (%s, %s, 1) "  # noqa: S608 - names are constants
            f"ON CONFLICT ({a}, {b}) DO UPDATE SET {counter} = {table}.{counter} + 1 "
            f"RETURNING {counter}",
            key_values,
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def check_rate_limit(scope: str, address: str, *, now: datetime | None = None) -> None:
    """Count a public request from `address`; RateLimited (429, Retry-After) past the
    scope's limit in its fixed window. Counters live in the database, so every web
    process shares them; no address is stored in the clear. Not audited: a counter,
    not a record."""
    limit, seconds = credit_setting("RATE_LIMITS")[scope]
    now = now or timezone.now()
    epoch = int(now.timestamp())
    start = datetime.fromtimestamp(epoch - epoch % seconds, tz=UTC)
    hits = _upsert_increment(
        "credit_ratecounter",
        ("key", "window_start"),
        [_keyed(scope, address), connection.ops.adapt_datetimefield_value(start)],
        "hits",
    )
    if hits > limit:
        retry = max(1, int((start + timedelta(seconds=seconds) - now).total_seconds()) + 1)
        raise RateLimited(_("访问过于频繁，请稍后再试"), retry_after=retry, code="rate_limited")


def record_view(enterprise: Enterprise, *, day: date | None = None) -> None:
    """One more view of the enterprise's public page today: the aggregate, nothing else."""
    _upsert_increment(
        "credit_dailyviews",
        ("enterprise_id", "day"),
        [enterprise.pk, connection.ops.adapt_datefield_value(_today(day))],
        "views",
    )


def purge_rate_counters(
    *, now: datetime | None = None, keep: timedelta = timedelta(hours=1)
) -> int:
    now = now or timezone.now()
    deleted, _ = RateCounter.objects.filter(window_start__lt=now - keep).delete()
    return deleted
