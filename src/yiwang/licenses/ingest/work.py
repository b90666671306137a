"""What the import's pool processes do with a chunk of raw records (decision 0021,
"Where the time goes"): parse, check (`clean_row`), canonical encoding, digest and
signature (`sealing.seal_facts`, the issuing services' bytes), and the row as the
database takes it — a line of COPY text on PostgreSQL, a plain tuple elsewhere.

The parent process only cuts the file into records, hands them out, and streams the
rows it gets back to the database; nothing it sends or receives is a model instance
(pickling those, and building them, was a third of the import's CPU). A process holds
what it needs from its start (`Work`, passed when the pool forks: types, issuers, the
CSV header); only the opened keys travel with each chunk, because an issuer's key is
made the first time one of its rows is seen."""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from yiwang.licenses.choices import HOLDER_CODE_TYPE, LicenseStatus
from yiwang.licenses.encoding import LicenseFacts
from yiwang.licenses.ingest.rows import ALIASES, Context, Row, RowRejected, TypeRef, clean_row
from yiwang.licenses.services.sealing import qr_pairs, seal_facts
from yiwang.licenses.signing import KeyPair

#: COPY text format (PostgreSQL "COPY ... FROM STDIN", text): a NULL is `\N`, and
#: backslash, tab, line feed and carriage return are escaped in a value (`_escape`).
_NULL = "\\N"
_VALID = str(LicenseStatus.VALID)
_CODE_TYPES = {str(kind): label for kind, label in HOLDER_CODE_TYPE.items()}


def _escape(text: str) -> str:
    """A value in COPY text format (str.replace: ~10x cheaper than a translate table
    when, as nearly always, there is nothing to escape)."""
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    if "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


#: The library's own numbers are `<year><8 digits>` (services.issuing): 12 digits.
_OWN_SERIAL_LEN = 12


@dataclass(frozen=True)
class SigningKey:
    """An issuer's key that signs today, as plain values (its AuthorityKey's pk for the
    row, the key id for the payload, the opened pair)."""

    pk: int
    key_id: str
    pair: KeyPair


@dataclass
class Work:
    """What a pool process holds for the whole import (given once, at fork)."""

    ctx: Context
    fmt: str  # csv | jsonl
    header: list[str]
    labels: dict[int, dict[str, str]] = field(default_factory=dict)  # type pk -> labels

    def __post_init__(self) -> None:
        self.types_by_pk: dict[int, TypeRef] = {t.pk: t for t in self.ctx.types.values()}
        self.labels = {t.pk: dict(t.labels) for t in self.ctx.types.values()}
        self.issuers_by_pk = {i.pk: i for i in self.ctx.issuers.values()}


@dataclass
class Chunk:
    """What a chunk gives back. `good`: (line, identifier, row) in file order, the row
    COPY text or a tuple of `writing.COLUMNS`; `bad`: (line, reason, the record or
    None); `keyless`: records whose issuer had no key in the chunk's keys (the parent
    makes it and sends them again), with the issuers; `serials`: the highest number of
    the library's own form per (type, issuer, year); `blank`: records that were empty."""

    good: list[tuple[int, str, Any]] = field(default_factory=list)
    bad: list[tuple[int, str, Any]] = field(default_factory=list)
    keyless: list[tuple[int, bytes]] = field(default_factory=list)
    keyless_issuers: set[int] = field(default_factory=set)
    serials: dict[tuple[int, int, int], int] = field(default_factory=dict)
    blank: int = 0


_WORK: Work | None = None


def init_process(work: Work) -> None:
    """Pool initializer: the import's fixed context, and death with the parent."""
    global _WORK
    _WORK = work
    _die_with_parent()


def _die_with_parent() -> None:
    """A worker dies with the import (Linux PR_SET_PDEATHSIG): an import killed outright
    must not leave signing processes behind it."""
    import contextlib
    import sys

    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def parse_record(work: Work, data: bytes) -> Mapping[str, Any] | str | None:
    """One record of the file: the mapping of its columns (aliases applied), the reason
    it is unreadable, or None when it is empty (skipped, as a blank line)."""
    if work.fmt == "csv":
        text = data.decode("utf-8", errors="replace")
        try:
            values = next(csv.reader([text]), [])
        except csv.Error as exc:  # a field past the csv module's size limit
            return f"not CSV: {exc}"
        if not values or values == [""]:
            return None
        if len(values) != len(work.header):
            return f"expected {len(work.header)} columns, got {len(values)}"
        return dict(zip(work.header, values, strict=True))
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
    if not text.strip():
        return None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"not JSON: {exc.msg}"
    if not isinstance(obj, dict):
        return "not a JSON object"
    return {ALIASES.get(str(k), str(k)): v for k, v in obj.items()}


def run_chunk(
    records: list[tuple[int, bytes]],
    keys: dict[int, SigningKey] | None,
    now: datetime,
    copy_text: bool,
    work: Work | None = None,
) -> Chunk:
    """Parse, check, sign (unless `keys` is None: an unsigned import) and encode a
    chunk of (line, record bytes). Runs in a pool process (or in the import's own,
    with one process); touches no database."""
    work = work or _WORK
    assert work is not None, "run_chunk outside an import's pool"
    out = Chunk()
    now_text = now.isoformat()
    for line, data in records:
        raw = parse_record(work, data)
        if raw is None:
            out.blank += 1
            continue
        if isinstance(raw, str):
            out.bad.append((line, raw, None))
            continue
        try:
            row = clean_row(raw, work.ctx)
        except RowRejected as exc:
            out.bad.append((line, str(exc), raw))
            continue
        key: SigningKey | None = None
        if keys is not None:
            key = keys.get(row.issuer_id)
            if key is None:
                out.keyless.append((line, data))
                out.keyless_issuers.add(row.issuer_id)
                continue
        digest = signature = ""
        if key is not None:
            digest, signature = _seal(work, row, key)
        serial = row.serial
        if len(serial) == _OWN_SERIAL_LEN and serial.isdigit() and serial.isascii():
            bucket = (row.type_id, row.issuer_id, int(serial[:4]))
            out.serials[bucket] = max(out.serials.get(bucket, 0), int(serial[4:]))
        if copy_text:
            encoded: Any = _copy_line(row, digest, signature, key, now_text)
        else:
            encoded = _values(row, digest, signature, key, now)
        out.good.append((line, row.identifier, encoded))
    return out


def run_task(args: tuple[Any, ...]) -> Chunk:
    return run_chunk(*args)


def _seal(work: Work, row: Row, key: SigningKey) -> tuple[str, str]:
    """`sealing.sign_version`'s bytes from the row's plain values."""
    lic_type = work.types_by_pk[row.type_id]
    issuer = work.issuers_by_pk[row.issuer_id]
    facts = LicenseFacts(
        identifier=row.identifier,
        version=f"{row.version:03d}",  # License.version_text
        type_code=lic_type.code,
        type_name=lic_type.name,
        license_no=row.serial,
        holder_kind=row.holder_kind,
        holder_code_type=_CODE_TYPES[row.holder_kind],
        holder_code=row.holder_code,
        holder_name=row.holder_name,
        issuer_code=issuer.uscc,
        issuer_name=issuer.name,
        issued_on=row.issued_on,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        metadata=row.metadata,
    )
    fields = qr_pairs(
        lic_type.name, row.holder_name, work.labels[row.type_id], lic_type.qr_fields, row.metadata
    )
    return seal_facts(facts, fields, key.key_id, key.pair)


def _copy_line(row: Row, digest: str, signature: str, key: SigningKey | None, now_text: str) -> str:
    """The row in COPY text format, in `writing.COLUMNS` order. Identifier, number,
    holder code, digest and signature are of their check alphabets (clean_row and the
    encoders make sure), so only the name and the metadata can need escaping."""
    return "\t".join(
        (
            row.identifier,
            str(row.type_id),
            row.serial,
            str(row.version),
            row.holder_kind,
            row.holder_code,
            _escape(row.holder_name),
            str(row.issuer_id),
            row.issued_on.isoformat(),
            row.valid_from.isoformat(),
            row.valid_until.isoformat() if row.valid_until else _NULL,
            _escape(json.dumps(row.metadata, ensure_ascii=False)),
            _VALID,
            "",
            digest,
            signature,
            str(key.pk) if key else _NULL,
            now_text if key else _NULL,
            now_text,
        )
    )


def _values(
    row: Row, digest: str, signature: str, key: SigningKey | None, now: datetime
) -> tuple[Any, ...]:
    """The row as plain values, in `writing.COLUMNS` order (the ORM path)."""
    return (
        row.identifier,
        row.type_id,
        row.serial,
        row.version,
        row.holder_kind,
        row.holder_code,
        row.holder_name,
        row.issuer_id,
        row.issued_on,
        row.valid_from,
        row.valid_until,
        row.metadata,
        _VALID,
        "",
        digest,
        signature,
        key.pk if key else None,
        now if key else None,
        now,
    )
