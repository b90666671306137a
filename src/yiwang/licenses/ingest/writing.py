"""Writing a batch of checked (and signed) rows: COPY on PostgreSQL, bulk_create
elsewhere; the change feed; the issuers' serial counters."""

from __future__ import annotations

import json
import re
from datetime import datetime

from django.db import connection

from yiwang.licenses.choices import ChangeKind, LicenseStatus
from yiwang.licenses.ingest.rows import Row
from yiwang.licenses.ingest.signer import Signed
from yiwang.licenses.models import License, LicenseChange, LicenseSerial
from yiwang.licenses.services.issuing import _FEED_LOCK

#: The numbers the library gives itself (`<year><8 digits>`, services.issuing): an
#: imported one moves the counter past it, so a later direct issue never collides.
_OWN_SERIAL = re.compile(r"([0-9]{4})([0-9]{8})")


# --------------------------------------------------------------------------- writing


#: The columns an import writes (everything else keeps its default: unsigned, no key,
#: no source case).
_COLUMNS = (
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


def insert_rows(rows: list[Row], now: datetime, signed: list[Signed] | None = None) -> int:
    """Insert the rows not yet in the library (signed when `signed` holds their
    signatures, in the same order) and put each on the change feed as `issued`; the
    number inserted. Call inside the batch's transaction.

    PostgreSQL: COPY into a temporary staging table, then one INSERT ... ON CONFLICT
    DO NOTHING whose RETURNING feeds the change feed in the same statement; the feed
    lock first (decision 0019: feed ids in commit order). Elsewhere: bulk_create after
    reading which identifiers exist (SQLite serialises writers anyway)."""
    if not rows:
        return 0
    if connection.vendor == "postgresql":
        inserted = _insert_by_copy(rows, now, signed)
    else:
        inserted = _insert_by_orm(rows, now, signed)
    _advance_serials(rows)
    return inserted


def _insert_by_copy(rows: list[Row], now: datetime, signed: list[Signed] | None) -> int:
    columns = ", ".join(_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS licenses_import_stage ON COMMIT DELETE ROWS AS "  # noqa: S608 - constant names
            f"SELECT {columns} FROM licenses_license WITH NO DATA"
        )
        status = str(LicenseStatus.VALID)
        unsigned = Signed("", "", None)  # type: ignore[arg-type]
        with cursor.cursor.copy(f"COPY licenses_import_stage ({columns}) FROM STDIN") as copy:
            for i, r in enumerate(rows):
                sig = signed[i] if signed else unsigned
                copy.write_row(
                    (
                        r.identifier,
                        r.type_id,
                        r.serial,
                        r.version,
                        r.holder_kind,
                        r.holder_code,
                        r.holder_name,
                        r.issuer_id,
                        r.issued_on,
                        r.valid_from,
                        r.valid_until,
                        json.dumps(r.metadata, ensure_ascii=False),
                        status,
                        "",
                        sig.digest,
                        sig.signature,
                        sig.key_id,
                        now if signed else None,
                        now,
                    )
                )
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


def _insert_by_orm(rows: list[Row], now: datetime, signed: list[Signed] | None) -> int:
    existing = set(
        License.objects.filter(identifier__in=[r.identifier for r in rows]).values_list(
            "identifier", flat=True
        )
    )
    new = [
        License(
            identifier=r.identifier,
            license_type_id=r.type_id,
            serial=r.serial,
            version=r.version,
            holder_kind=r.holder_kind,
            holder_code=r.holder_code,
            holder_name=r.holder_name,
            issuer_id=r.issuer_id,
            issued_on=r.issued_on,
            valid_from=r.valid_from,
            valid_until=r.valid_until,
            metadata=r.metadata,
            digest=signed[i].digest if signed else "",
            signature=signed[i].signature if signed else "",
            key_id=signed[i].key_id if signed else None,
            signed_at=now if signed else None,
            created_at=now,
        )
        for i, r in enumerate(rows)
        if r.identifier not in existing
    ]
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


def _advance_serials(rows: list[Row]) -> None:
    """Move each (type, issuer, year) counter past the imported numbers of the library's
    own form, so `issue_license` never makes a number an import already holds."""
    highest: dict[tuple[int, int, int], int] = {}
    for r in rows:
        match = _OWN_SERIAL.fullmatch(r.serial)
        if match:
            key = (r.type_id, r.issuer_id, int(match[1]))
            highest[key] = max(highest.get(key, 0), int(match[2]))
    if not highest:
        return
    bigger = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    table = LicenseSerial._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (license_type_id, issuer_id, year, last) "  # noqa: S608 - constant names
            "VALUES (%s, %s, %s, %s) ON CONFLICT (license_type_id, issuer_id, year) "
            f"DO UPDATE SET last = {bigger}({table}.last, excluded.last)",
            [(*key, last) for key, last in highest.items()],
        )
