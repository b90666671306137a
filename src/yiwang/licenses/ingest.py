"""Bulk import of licenses from another system (`yiwang licenses import FILE`; issue 11
item 8, docs/licenses.md "Bulk import", decision 0021).

The shape is credit's bulk loader (`credit.ingest.loader`), copied because the two apps
are peers: the file (CSV with a header row, or JSON lines) is read as a stream in
batches; each batch is one transaction that inserts its rows *and* advances the
import's checkpoint (`LicenseImport.byte_offset`), so an import killed at any moment
resumes after its last committed batch. Rows are keyed by their identifier — given in
the file or made from (type, issuer, license number, version) by the one identifier
function, `common.validators.make_license_id` — and a row already in the library is
counted `existing`, never written again: a second run imports nothing twice, and a
signed version is never rewritten by a later extract (a change is a new version,
`services.new_version`). A file imported completely is recognised by its fingerprint
and skipped unless `again=True`.

Bad rows go to a rejects file (JSON lines: line, reason, the row) while the rest loads;
the rejects file's size is part of the checkpoint, so a batch re-read after a crash is
not reported twice. One audit event per batch (what it inserted, up to which line), not
per row: the file is the row-level provenance, as in credit.

Imported licenses are **not yet signed** (`signed_at` null): signing 2.6 million
versions takes ~10x as long as inserting them, so it is the resumable signing job
(`licenses.jobs`) that makes them verifiable, in as many processes as there are cores.
Each imported row is on the change feed as `issued` (the job adds `signed`).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import multiprocessing
import os
import re
import sys
import time
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

from yiwang.accounts.actor import Actor, as_actor
from yiwang.common.audit import record
from yiwang.common.errors import ValidationFailed
from yiwang.common.validators import check_id_number, check_license_id, check_uscc, make_license_id
from yiwang.licenses.choices import ChangeKind, HolderKind, LicenseStatus
from yiwang.licenses.import_run import ImportStatus, LicenseImport
from yiwang.licenses.models import AuthorityKey, License, LicenseChange, LicenseSerial, LicenseType
from yiwang.licenses.services.issuing import _FEED_LOCK, KEY_ACTOR, METADATA_VALUE_MAX
from yiwang.licenses.services.keys import ensure_authority_key, key_pair
from yiwang.licenses.services.sealing import sign_version
from yiwang.licenses.signing import KeyPair
from yiwang.org.models import Department

#: Rows per transaction and checkpoint (`--batch-size`).
BATCH_SIZE = 5000
#: The common columns (docs/licenses.md); every other CSV column is a metadata field of
#: the row's type.
COMMON_COLUMNS = (
    "type_code",
    "license_no",
    "version",
    "identifier",
    "holder_kind",
    "holder_code",
    "holder_name",
    "issuer",
    "issued_on",
    "valid_from",
    "valid_until",
)
#: Chinese headers of the exchange templates and the other names systems use.
ALIASES = {
    "证照类型代码": "type_code",
    "证照编号": "license_no",
    "serial": "license_no",
    "版本": "version",
    "证照标识": "identifier",
    "持证主体类型": "holder_kind",
    "持证主体代码": "holder_code",
    "持证主体": "holder_name",
    "持证主体名称": "holder_name",
    "签发机关": "issuer",
    "签发机关代码": "issuer",
    "颁证日期": "issued_on",
    "有效期起始": "valid_from",
    "有效期截止": "valid_until",
}
HOLDER_KINDS = {
    "person": HolderKind.PERSON,
    "自然人": HolderKind.PERSON,
    "entity": HolderKind.ENTITY,
    "法人和其他组织": HolderKind.ENTITY,
    "法人": HolderKind.ENTITY,
}
#: A license number becomes a segment of the identifier: the check alphabet only.
_LICENSE_NO = re.compile(r"[0-9A-Z]{1,40}")
#: The numbers the library gives itself (`<year><8 digits>`, services.issuing): an
#: imported one moves the counter past it, so a later direct issue never collides.
_OWN_SERIAL = re.compile(r"([0-9]{4})([0-9]{8})")
_MAX_NAME = 200


class RowRejected(ValueError):
    """A bad row: the reason goes to the rejects file and the import carries on."""


# --------------------------------------------------------------------------- one row


@dataclass(frozen=True)
class TypeRef:
    pk: int
    code: str
    fields: frozenset[str]


@dataclass(frozen=True)
class IssuerRef:
    pk: int
    code: str
    uscc: str


@dataclass
class Context:
    """What a row is checked against, read once per import."""

    types: dict[str, TypeRef]
    issuers: dict[str, IssuerRef]  # by department code and by USCC
    today: date

    @classmethod
    def load(cls, today: date) -> Context:
        types = {
            t.code: TypeRef(t.pk, t.code, frozenset(str(f["name"]) for f in t.fields))
            for t in LicenseType.objects.filter(is_active=True)
        }
        issuers: dict[str, IssuerRef] = {}
        for pk, code, uscc in Department.objects.values_list("pk", "code", "uscc"):
            ref = IssuerRef(pk, code, uscc or "")
            issuers[code] = ref
            if uscc:
                issuers[uscc] = ref
        return cls(types, issuers, today)


@dataclass(frozen=True)
class Row:
    """A checked row, in the column order of `_COLUMNS`."""

    identifier: str
    type_id: int
    serial: str
    version: int
    holder_kind: str
    holder_code: str
    holder_name: str
    issuer_id: int
    issued_on: date
    valid_from: date
    valid_until: date | None
    metadata: dict[str, str]


def _text(raw: Mapping[str, Any], name: str) -> str:
    value = raw.get(name)
    return "" if value is None else str(value).strip()


def _date(raw: Mapping[str, Any], name: str, *, required: bool) -> date | None:
    text = _text(raw, name)
    if not text:
        if required:
            raise RowRejected(f"{name}: required")
        return None
    try:
        if len(text) == 8 and text.isdigit():
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        return date.fromisoformat(text)
    except ValueError:
        raise RowRejected(f"{name}: {text!r} is not a date (YYYY-MM-DD)") from None


def _metadata(raw: Mapping[str, Any], lic_type: TypeRef) -> dict[str, str]:
    """The type's metadata fields: a `metadata` object (JSON lines) or the columns
    that are not common ones. Empty values are dropped (a CSV of several types has
    every type's columns); a non-empty value of a field the type lacks rejects the row.
    The value rules are the issuing service's (NFC, printable, at most 500)."""
    given = raw.get("metadata")
    source: Mapping[str, Any]
    if isinstance(given, Mapping):
        source = given
    elif given not in (None, ""):
        raise RowRejected("metadata: not an object")
    else:
        source = {k: v for k, v in raw.items() if k not in COMMON_COLUMNS}
    out: dict[str, str] = {}
    for name, value in source.items():
        if value is None:
            continue
        text = unicodedata.normalize("NFC", str(value)).strip()
        if not text:
            continue
        if name not in lic_type.fields:
            raise RowRejected(f"metadata: type {lic_type.code} has no field {name!r}")
        if len(text) > METADATA_VALUE_MAX or not text.isprintable():
            raise RowRejected(f"metadata {name}: at most {METADATA_VALUE_MAX} printable characters")
        out[str(name)] = text
    return out


def clean_row(raw: Mapping[str, Any], ctx: Context) -> Row:
    """Check one row against the library's rules; RowRejected with the reason.

    Every constraint of the license table is checked here, so a batch never fails in
    the database because of one row."""
    identifier = _text(raw, "identifier")
    type_code = _text(raw, "type_code")
    issuer_text = _text(raw, "issuer")
    serial = _text(raw, "license_no").upper()
    version_text = _text(raw, "version")
    if identifier:
        try:
            check_license_id(identifier)
        except ValidationFailed as exc:
            raise RowRejected(f"identifier: {exc.detail}") from None
        id_type, id_issuer, id_serial, id_version, _check = identifier[15:].split(".")
        for name, given, expected in (
            ("type_code", type_code, id_type),
            ("license_no", serial, id_serial),
        ):
            if given and given != expected:
                raise RowRejected(f"{name}: {given!r} differs from the identifier's {expected!r}")
        if version_text and version_text.lstrip("0") != id_version.lstrip("0"):
            raise RowRejected(f"version: {version_text!r} differs from the identifier's")
        type_code, serial, version_text = id_type, id_serial, id_version
        issuer_text = issuer_text or id_issuer
    lic_type = ctx.types.get(type_code)
    if lic_type is None:
        raise RowRejected(f"type_code: {type_code!r} is not an active license type")
    issuer = ctx.issuers.get(issuer_text)
    if issuer is None:
        raise RowRejected(f"issuer: {issuer_text!r} is not a department code or USCC")
    if not issuer.uscc:
        raise RowRejected(f"issuer: {issuer.code} has no USCC and cannot issue licenses")
    if identifier and identifier.split(".")[-4] != issuer.uscc:
        raise RowRejected(f"issuer: {issuer.code} is not the identifier's issuer")
    if not _LICENSE_NO.fullmatch(serial):
        raise RowRejected("license_no: required, 1-40 characters of 0-9 and A-Z")
    try:
        version = int(version_text or "1")
    except ValueError:
        raise RowRejected(f"version: {version_text!r} is not a number") from None
    if not 1 <= version <= 999:
        raise RowRejected("version: 1 to 999")
    if not identifier:
        identifier = make_license_id(lic_type.code, issuer.uscc, serial, version)
    kind = HOLDER_KINDS.get(_text(raw, "holder_kind").lower())
    if kind is None:
        raise RowRejected("holder_kind: person or entity")
    try:
        code = (
            check_id_number(_text(raw, "holder_code"), today=ctx.today)
            if kind == HolderKind.PERSON
            else check_uscc(_text(raw, "holder_code"))
        )
    except ValidationFailed as exc:
        raise RowRejected(f"holder_code: {exc.detail}") from None
    name = " ".join(_text(raw, "holder_name").split())
    if not name or len(name) > _MAX_NAME or not name.isprintable():
        raise RowRejected(f"holder_name: required, at most {_MAX_NAME} printable characters")
    valid_from = _date(raw, "valid_from", required=True)
    assert valid_from is not None
    valid_until = _date(raw, "valid_until", required=False)
    if valid_until is not None and valid_until < valid_from:
        raise RowRejected("valid_until: before valid_from")
    issued_on = _date(raw, "issued_on", required=False) or valid_from
    return Row(
        identifier,
        lic_type.pk,
        serial,
        version,
        str(kind),
        code,
        name,
        issuer.pk,
        issued_on,
        valid_from,
        valid_until,
        _metadata(raw, lic_type),
    )


# --------------------------------------------------------------------------- reading


def fingerprint(path: Path) -> str:
    """The file's size and digests of its first and last megabyte (credit's rule:
    cheap on a multi-gigabyte extract, different for any re-exported file)."""
    size = path.stat().st_size
    digest = hashlib.sha256(str(size).encode())
    with path.open("rb") as fh:
        digest.update(fh.read(1 << 20))
        if size > 2 << 20:
            fh.seek(-(1 << 20), io.SEEK_END)
            digest.update(fh.read())
    return digest.hexdigest()


def detect_format(path: Path) -> str:
    return "csv" if path.suffix.lower() in (".csv", ".txt") else "jsonl"


class _LineReader:
    """Binary lines with the byte offset after each: the checkpoint of a record."""

    def __init__(self, fh: IO[bytes], line_no: int) -> None:
        self.fh = fh
        self.offset = fh.tell()
        self.line_no = line_no

    def __iter__(self) -> Iterator[str]:
        for raw in self.fh:
            self.offset += len(raw)
            self.line_no += 1
            yield raw.decode("utf-8", errors="replace")


def records(
    path: Path, fmt: str, start: int, start_line: int
) -> Iterator[tuple[int, int, Mapping[str, Any] | str]]:
    """(line number, offset after the record, the record or why it is unreadable)."""
    with path.open("rb") as fh:
        header: list[str] = []
        if fmt == "csv":
            first = fh.readline().decode("utf-8-sig", errors="replace")
            header = [ALIASES.get(h.strip(), h.strip()) for h in next(csv.reader([first]), [])]
            start, start_line = max(start, fh.tell()), max(start_line, 1)
        fh.seek(start)
        reader = _LineReader(fh, start_line)
        if fmt == "csv":
            rows = csv.reader(reader)
            while True:
                try:
                    values = next(rows)
                except StopIteration:
                    return
                except csv.Error as exc:  # a field past the csv module's size limit
                    yield reader.line_no, reader.offset, f"not CSV: {exc}"
                    continue
                if not values or values == [""]:
                    continue
                if len(values) != len(header):
                    yield (
                        reader.line_no,
                        reader.offset,
                        f"expected {len(header)} columns, got {len(values)}",
                    )
                else:
                    yield reader.line_no, reader.offset, dict(zip(header, values, strict=True))
        for line in reader:
            text = line.lstrip("\ufeff")
            if not text.strip():
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                yield reader.line_no, reader.offset, f"not JSON: {exc.msg}"
                continue
            if not isinstance(obj, dict):
                yield reader.line_no, reader.offset, "not a JSON object"
                continue
            yield (
                reader.line_no,
                reader.offset,
                {ALIASES.get(str(k), str(k)): v for k, v in obj.items()},
            )


# --------------------------------------------------------------------------- signing


@dataclass(frozen=True)
class Signed:
    """A row's signature, as the issuing services make it (`sealing.sign_version`)."""

    digest: str
    signature: str
    key_id: int  # the AuthorityKey's primary key


def _sign_chunk(
    rows: list[Row],
    types: dict[int, LicenseType],
    issuers: dict[int, Department],
    keys: dict[int, tuple[AuthorityKey, KeyPair]],
    now: datetime,
) -> list[Signed]:
    """Sign rows without touching the database (it runs in the pool's processes):
    everything it needs comes with the call."""
    out = []
    for r in rows:
        lic = License(
            identifier=r.identifier,
            serial=r.serial,
            version=r.version,
            holder_kind=r.holder_kind,
            holder_code=r.holder_code,
            holder_name=r.holder_name,
            issued_on=r.issued_on,
            valid_from=r.valid_from,
            valid_until=r.valid_until,
            metadata=r.metadata,
        )
        key, pair = keys[r.issuer_id]
        sign_version(lic, types[r.type_id], issuers[r.issuer_id], key, pair, now)
        out.append(Signed(lic.digest, lic.signature, key.pk))
    return out


def _sign_star(args: tuple[Any, ...]) -> list[Signed]:
    return _sign_chunk(*args)


def _die_with_parent() -> None:
    """Pool initializer: a worker dies with the import (Linux PR_SET_PDEATHSIG). An
    import killed outright must not leave signing processes behind it."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class Signer:
    """Signs each batch before it is written, in `processes` forked processes (SM2 is
    CPU work in C: a process per core). The workers never open the database: the
    types, issuers and opened keys travel with each chunk. Keys are made (audited, by
    the system) on an issuer's first row, by the issuer's key that signs today."""

    #: Rows per task sent to a process: small enough to spread a batch evenly.
    CHUNK = 250

    def __init__(self, processes: int, today: date) -> None:
        self.today = today
        self.processes = max(1, processes)
        self.types: dict[int, LicenseType] = {}
        self.issuers: dict[int, Department] = {}
        self.keys: dict[int, tuple[AuthorityKey, KeyPair]] = {}
        self.pool: Any = None
        if self.processes > 1:
            self.pool = multiprocessing.get_context("fork").Pool(
                self.processes, initializer=_die_with_parent
            )

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool.join()
            self.pool = None

    def prepare(self, rows: list[Row]) -> None:
        """Read the batch's types and issuers, and their keys (made on first use)."""
        for type_id in {r.type_id for r in rows} - set(self.types):
            self.types[type_id] = LicenseType.objects.get(pk=type_id)
        for issuer_id in {r.issuer_id for r in rows} - set(self.keys):
            issuer = self.issuers[issuer_id] = Department.objects.get(pk=issuer_id)
            key = ensure_authority_key(issuer, actor=KEY_ACTOR, today=self.today)
            self.keys[issuer_id] = (key, key_pair(key))

    def sign(self, rows: list[Row], now: datetime) -> list[Signed]:
        return self.submit(rows, now)()

    def submit(self, rows: list[Row], now: datetime) -> Callable[[], list[Signed]]:
        """Start signing `rows`; the returned function waits for the signatures."""
        self.prepare(rows)
        if self.pool is None:
            done = _sign_chunk(rows, self.types, self.issuers, self.keys, now)
            return lambda: done
        chunks = [rows[i : i + self.CHUNK] for i in range(0, len(rows), self.CHUNK)]
        tasks = [(c, self.types, self.issuers, self.keys, now) for c in chunks]
        pending = self.pool.map_async(_sign_star, tasks)
        return lambda: [s for part in pending.get() for s in part]


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


# --------------------------------------------------------------------------- the import


@dataclass
class ImportReport:
    run_id: int
    file: str
    inserted: int
    existing: int
    rejected: int
    lines: int
    batches: int
    seconds: float
    unsigned: int = 0
    resumed_from_line: int = 0
    already_imported: bool = False
    rejects_file: str = ""

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class _Batch:
    rows: list[Row] = field(default_factory=list)
    bad: list[tuple[int, str, Any]] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)  # identifier -> line, in the batch

    def __len__(self) -> int:
        return len(self.rows) + len(self.bad)


@dataclass
class _Queued:
    """A batch read and being signed: what its commit needs."""

    batch: _Batch
    new: list[Row]
    pending: Any  # () -> list[Signed], or None when nothing is signed
    now: datetime
    offset: int
    line_no: int


def _crash_hook(name: str) -> tuple[str, int] | None:
    """`YIWANG_TEST_CRASH_<NAME>=after:N|inside:N`: the process dies (os._exit, no
    clean-up, as a kill would) after its N-th committed batch, or inside batch N after
    its writes and before its commit. For the crash tests only."""
    text = os.environ.get(f"YIWANG_TEST_CRASH_{name}", "")
    where, _sep, count = text.partition(":")
    if where in ("after", "inside") and count.isdigit():
        return where, int(count)
    return None


def _die_if(hook: tuple[str, int] | None, where: str, batch_no: int) -> None:
    if hook is not None and hook == (where, batch_no):
        sys.stderr.flush()
        os._exit(137)


def import_file(
    path: str | Path,
    *,
    actor: Actor,
    fmt: str | None = None,
    batch_size: int | None = None,
    rejects_path: str | Path | None = None,
    again: bool = False,
    progress: bool = True,
    today: date | None = None,
    sign: bool = True,
    processes: int | None = None,
) -> ImportReport:
    """Import a license file (docs/licenses.md "Bulk import"); resumable, idempotent.

    With `sign` (the default) each batch is signed before it is written, in
    `processes` processes (default: one per core; one on SQLite), so every license is
    verifiable the moment its batch commits. `sign=False` imports them unsigned
    (`signed_at` null, "not yet signed") for the signing job (`licenses.jobs`)."""
    actor = as_actor(actor)
    path = Path(path)
    fmt = fmt or detect_format(path)
    if fmt not in ("csv", "jsonl"):
        raise ValidationFailed(
            _("未知的文件格式：%(fmt)s（应为 csv 或 jsonl）") % {"fmt": fmt},
            field="format",
            code="unknown_import_format",
        )
    if not path.is_file():
        raise ValidationFailed(
            _("文件不存在：%(path)s") % {"path": str(path)}, field="file", code="no_such_file"
        )
    batch_size = max(1, batch_size or BATCH_SIZE)
    ctx = Context.load(today or timezone.localdate())
    if not ctx.types:
        raise ValidationFailed(
            _("尚未加载证照类型，请先运行 yiwang seed demo 或加载证照类型数据"),
            code="no_license_types",
        )
    rejects = Path(rejects_path) if rejects_path else path.with_name(path.name + ".rejects.jsonl")
    started = time.monotonic()
    print_ = fingerprint(path)
    done = (
        LicenseImport.objects.filter(fingerprint=print_, status=ImportStatus.DONE)
        .order_by("-pk")
        .first()
    )
    if done is not None and not again:
        return ImportReport(
            done.pk, str(path), 0, 0, 0, 0, 0, 0.0, already_imported=True, rejects_file=""
        )
    run = (
        LicenseImport.objects.filter(fingerprint=print_, status=ImportStatus.RUNNING)
        .order_by("-pk")
        .first()
    )
    if run is None:
        with transaction.atomic():
            run = LicenseImport.objects.create(
                fingerprint=print_, file_name=str(path)[:500], actor_label=actor.label[:150]
            )
            record(
                "licenses.import_started",
                run,
                actor=actor,
                after={"file": str(path), "fingerprint": print_},
            )
        rejects.unlink(missing_ok=True)
    resumed_from = int(run.line_no)
    # What the last committed batch left: a batch re-read after a crash adds its
    # rejects again, so the file is cut back to the checkpoint first.
    if rejects.exists() and rejects.stat().st_size > run.rejects_offset:
        with rejects.open("r+b") as fh:
            fh.truncate(run.rejects_offset)
    crash = _crash_hook("IMPORT")
    if processes is None:
        processes = (os.cpu_count() or 1) if connection.vendor == "postgresql" else 1
    signer = Signer(processes, ctx.today) if sign else None
    bar = tqdm(
        total=path.stat().st_size,
        initial=run.byte_offset,
        unit="B",
        unit_scale=True,
        file=sys.stderr,
        disable=not progress,
        desc="licenses import",
    )
    batch = _Batch()
    lines = 0
    last_offset, last_line = int(run.byte_offset), int(run.line_no)
    queued_offset = last_offset
    batches_now = 0

    def submit(full: _Batch, offset: int, line_no: int) -> _Queued:
        """Start signing a batch (the pool works while the next batch is read)."""
        held = set(
            License.objects.filter(identifier__in=[r.identifier for r in full.rows]).values_list(
                "identifier", flat=True
            )
        )
        new = [r for r in full.rows if r.identifier not in held]
        now = timezone.now()
        pending = signer.submit(new, now) if signer is not None and new else None
        return _Queued(full, new, pending, now, offset, line_no)

    def commit(queued: _Queued) -> None:
        """Write a signed batch and its checkpoint in one transaction."""
        nonlocal batches_now
        full, now = queued.batch, queued.now
        signatures = queued.pending() if queued.pending is not None else None
        with transaction.atomic():
            inserted = insert_rows(queued.new, now, signatures)
            rejects_size = _write_rejects(rejects, full.bad, run.rejects_offset)
            existing = len(full.rows) - inserted
            number = run.batches + 1
            LicenseImport.objects.filter(pk=run.pk).update(
                byte_offset=queued.offset,
                line_no=queued.line_no,
                batches=number,
                inserted=run.inserted + inserted,
                existing=run.existing + existing,
                rejected=run.rejected + len(full.bad),
                rejects_offset=rejects_size,
                updated_at=now,
            )
            record(
                "licenses.import_batch",
                run,
                actor=actor,
                after={
                    "batch": number,
                    "to_line": queued.line_no,
                    "inserted": inserted,
                    "existing": existing,
                    "rejected": len(full.bad),
                    "signed": bool(signatures),
                },
            )
            _die_if(crash, "inside", batches_now + 1)
        run.refresh_from_db()
        bar.update(queued.offset - bar.n)
        bar.set_postfix(
            inserted=run.inserted, existing=run.existing, rejected=run.rejected, refresh=False
        )
        batches_now += 1
        _die_if(crash, "after", batches_now)

    in_flight: _Queued | None = None
    try:
        for line, offset, item in records(path, fmt, int(run.byte_offset), int(run.line_no)):
            lines += 1
            if isinstance(item, str):
                batch.bad.append((line, item, None))
            else:
                try:
                    row = clean_row(item, ctx)
                except RowRejected as exc:
                    batch.bad.append((line, str(exc), item))
                else:
                    first = batch.lines.setdefault(row.identifier, line)
                    if first != line:
                        batch.bad.append((line, f"duplicate of line {first}", item))
                    else:
                        batch.rows.append(row)
            last_offset, last_line = offset, line
            if len(batch) >= batch_size:
                # One batch in flight: batch N is signed while N+1 is read, and written
                # (in file order, so the checkpoint only moves forward) before N+1 is.
                queued = submit(batch, last_offset, last_line)
                if in_flight is not None:
                    commit(in_flight)
                in_flight, batch, queued_offset = queued, _Batch(), last_offset
        if len(batch) or last_offset != queued_offset:
            queued = submit(batch, last_offset, last_line)
            if in_flight is not None:
                commit(in_flight)
            in_flight = queued
        if in_flight is not None:
            commit(in_flight)
            in_flight = None
        with transaction.atomic():
            LicenseImport.objects.filter(pk=run.pk).update(
                status=ImportStatus.DONE, finished_at=timezone.now()
            )
            run.refresh_from_db()
            record(
                "licenses.import_finished",
                run,
                actor=actor,
                after={
                    "inserted": run.inserted,
                    "existing": run.existing,
                    "rejected": run.rejected,
                },
            )
    finally:
        bar.close()
        if signer is not None:
            signer.close()
    return ImportReport(
        run.pk,
        str(path),
        int(run.inserted),
        int(run.existing),
        int(run.rejected),
        lines,
        int(run.batches),
        round(time.monotonic() - started, 3),
        unsigned=License.objects.filter(signed_at__isnull=True).count(),
        resumed_from_line=resumed_from,
        rejects_file=str(rejects) if run.rejected else "",
    )


def _write_rejects(rejects: Path, bad: list[tuple[int, str, Any]], committed: int) -> int:
    """Append the batch's bad rows (JSON lines: line, reason, row) and return the
    file's new size, which the batch's checkpoint records. Flushed to disk before the
    batch commits: a crash after the commit never loses them, one before it is cut
    back on resume."""
    if not bad:
        return committed
    with rejects.open("ab") as out:
        for line, reason, row in bad:
            out.write(
                (
                    json.dumps(
                        {"line": line, "reason": reason, "row": row},
                        ensure_ascii=False,
                        default=str,
                    )
                    + "\n"
                ).encode("utf-8")
            )
        out.flush()
        os.fsync(out.fileno())
        return out.tell()
