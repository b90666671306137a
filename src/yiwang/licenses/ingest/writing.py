"""Writing a batch of checked (and signed) rows: COPY on PostgreSQL, bulk_create
elsewhere; the change feed; the issuers' serial counters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection

from yiwang.licenses.choices import ChangeKind
from yiwang.licenses.models import License, LicenseChange, LicenseSerial
from yiwang.licenses.services.issuing import _FEED_LOCK

# --------------------------------------------------------------------------- writing


#: The columns an import writes, in the order of the rows the pool processes make
#: (`work._copy_line`, `work._values`); everything else keeps its default (no source
#: case).
COLUMNS = (
    "identifier",
    "license_type_id",
    "serial",
    "version",
    "holder_kind",
    "holder_code",
    "holder_name",
    "issuer_id",
    "issued_on",
    "valid_from",
    "valid_until",
    "metadata",
    "status",
    "status_reason",
    "digest",
    "signature",
    "key_id",
    "signed_at",
    "created_at",
)
_COLUMNS = COLUMNS


def insert_rows(
    rows: list[Any], now: datetime, serials: dict[tuple[int, int, int], int] | None = None
) -> int:
    """Insert the rows not yet in the library and put each on the change feed as
    `issued`; the number inserted. `rows` are what the pool processes made
    (`work.run_chunk`): lines of COPY text on PostgreSQL, tuples of `COLUMNS`
    elsewhere, signed or not. Call inside the batch's transaction.

    PostgreSQL: the ready lines are streamed by COPY into a temporary staging table,
    then one INSERT ... ON CONFLICT DO NOTHING whose RETURNING feeds the change feed in
    the same statement; the feed lock first (decision 0019: feed ids in commit order).
    A row whose identifier the library holds (an overlapping re-export, `--again`) is
    dropped by the ON CONFLICT and counted `existing` by the caller. Elsewhere:
    bulk_create after reading which identifiers exist (SQLite serialises writers)."""
    if not rows:
        return 0
    if connection.vendor == "postgresql":
        inserted = _insert_by_copy(rows, now)
    else:
        inserted = _insert_by_orm(rows, now)
    if serials:
        _advance_serials(serials)
    return inserted


def _insert_by_copy(lines: list[str], now: datetime) -> int:
    columns = ", ".join(COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS licenses_import_stage ON COMMIT DELETE ROWS AS "  # noqa: S608 - constant names
            f"SELECT {columns} FROM licenses_license WITH NO DATA"
        )
        data = ("\n".join(lines) + "\n").encode("utf-8")
        with cursor.cursor.copy(f"COPY licenses_import_stage ({columns}) FROM STDIN") as copy:
            for start in range(0, len(data), 1 << 20):
                copy.write(data[start : start + (1 << 20)])
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_FEED_LOCK])
        cursor.execute(
            f"WITH ins AS (INSERT INTO licenses_license ({columns}) "  # noqa: S608 - constant names
            f"SELECT {columns} FROM licenses_import_stage ON CONFLICT DO NOTHING "
            "RETURNING id, identifier) "
            "INSERT INTO licenses_licensechange (license_id, identifier, kind, at) "
            "SELECT id, identifier, %s, %s FROM ins ORDER BY id",
            [str(ChangeKind.ISSUED), now],
        )
        inserted = cursor.rowcount
        cursor.execute("TRUNCATE licenses_import_stage")
    return int(inserted)


def _insert_by_orm(rows: list[tuple[Any, ...]], now: datetime) -> int:
    existing = set(
        License.objects.filter(identifier__in=[r[0] for r in rows]).values_list(
            "identifier", flat=True
        )
    )
    new = [License(**dict(zip(COLUMNS, r, strict=True))) for r in rows if r[0] not in existing]
    License.objects.bulk_create(new)
    ids = dict(
        License.objects.filter(identifier__in=[n.identifier for n in new]).values_list(
            "identifier", "pk"
        )
    )
    LicenseChange.objects.bulk_create(
        LicenseChange(
            license_id=ids[n.identifier], identifier=n.identifier, kind=ChangeKind.ISSUED, at=now
        )
        for n in new
    )
    return len(new)


def _advance_serials(highest: dict[tuple[int, int, int], int]) -> None:
    """Move each (type, issuer, year) counter past the imported numbers of the library's
    own form (`<year><8 digits>`, services.issuing; the pool processes find them), so
    `issue_license` never makes a number an import already holds."""
    bigger = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    table = LicenseSerial._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (license_type_id, issuer_id, year, last) "  # noqa: S608 - constant names
            "VALUES (%s, %s, %s, %s) ON CONFLICT (license_type_id, issuer_id, year) "
            f"DO UPDATE SET last = {bigger}({table}.last, excluded.last)",
            [(*key, last) for key, last in highest.items()],
        )
