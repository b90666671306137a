"""The bytes that are hashed and signed: the canonical metadata encoding of a license
version and the QR payload (docs/licenses.md documents both byte for byte; the QR
payload is the shared spec of the officer's page). Pure: no database, no clock.

Canonical metadata: RFC 8785 (JSON Canonicalization Scheme) of one JSON object whose
values are all strings (the type-specific metadata one nested object of strings): keys
sorted, no whitespace, UTF-8, only `"`, `\\` and the control characters escaped. For
objects of ASCII keys and string values that is exactly Python's
`json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)`, which is what
`canonical_metadata` produces (a test pins the bytes).

QR payload (text, UTF-8, fields separated by `~`):
`YWL1~{identifier}~{version}~{key_id}~{digest}~{valid_from}~{valid_until}~{fields}~{signature}`
with the signature over the UTF-8 bytes before the last `~`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from gmssl_pyx import sm3_hash

from yiwang.common.errors import ValidationFailed
from yiwang.common.validators import check_license_id

CANONICAL_FORMAT = "yiwang-license-metadata/1"
PAYLOAD_PREFIX = "YWL1"
SEPARATOR = "~"
#: Longer than any payload we make (a QR code holds ~2,900 bytes at level L); a bigger
#: text is refused before it is parsed.
PAYLOAD_MAX_CHARS = 2000
_METADATA_KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")
_HEX16 = re.compile(r"[0-9a-f]{16}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_VERSION = re.compile(r"[0-9]{3}")
_YMD = re.compile(r"[0-9]{8}")
#: Removed from labels and values of the payload's `fields`: the separators and every
#: line break `str.splitlines` knows.
_FIELD_STRIP = dict.fromkeys(map(ord, "~;=\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"))
#: Any of `_FIELD_STRIP`: most values have none, and a search is ~10x cheaper than the
#: translate it spares (the bulk import makes 2.6 million payloads).
_FIELD_STRIP_ANY = re.compile("[~;=\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


@dataclass(frozen=True)
class LicenseFacts:
    """What one license version asserts: the common metadata of GB/T 36904 practice
    and the type-specific fields. Dates as `date`; everything else text."""

    identifier: str
    version: str
    type_code: str
    type_name: str
    license_no: str
    holder_kind: str
    holder_code_type: str
    holder_code: str
    holder_name: str
    issuer_code: str
    issuer_name: str
    issued_on: date
    valid_from: date
    valid_until: date | None
    metadata: Mapping[str, str] = field(default_factory=dict)


def canonical_metadata(facts: LicenseFacts) -> bytes:
    """The canonical encoding of a version's metadata (RFC 8785 JCS; module docstring)."""
    for key, value in facts.metadata.items():
        if not _METADATA_KEY.fullmatch(key) or not isinstance(value, str):
            raise ValueError(f"metadata {key!r}: ASCII names and text values only")
    obj = {
        "format": CANONICAL_FORMAT,
        "identifier": facts.identifier,
        "version": facts.version,
        "type_code": facts.type_code,
        "type_name": facts.type_name,
        "license_no": facts.license_no,
        "holder_kind": facts.holder_kind,
        "holder_code_type": facts.holder_code_type,
        "holder_code": facts.holder_code,
        "holder_name": facts.holder_name,
        "issuer_code": facts.issuer_code,
        "issuer_name": facts.issuer_name,
        "issued_on": facts.issued_on.isoformat(),
        "valid_from": facts.valid_from.isoformat(),
        "valid_until": facts.valid_until.isoformat() if facts.valid_until else "",
        "metadata": dict(facts.metadata),
    }
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def sm3_hex(data: bytes) -> str:
    return bytes(sm3_hash(data)).hex()


def clean_field(text: str) -> str:
    """A label or value of the payload's `fields`, without `~ ; =` and line breaks."""
    text = str(text)
    if _FIELD_STRIP_ANY.search(text):
        text = text.translate(_FIELD_STRIP)
    return text.strip()


def encode_fields(pairs: Iterable[tuple[str, str]]) -> str:
    out = []
    for label, value in pairs:
        label, value = clean_field(label), clean_field(value)
        if label:
            out.append(f"{label}={value}")
    return ";".join(out)


def _ymd(day: date | None) -> str:
    if not day:
        return ""
    if day.year >= 1000:  # the same 8 digits as %Y%m%d, without strftime's cost
        return day.isoformat().replace("-", "")
    return f"{day:%Y%m%d}"


@dataclass(frozen=True)
class Payload:
    identifier: str
    version: str
    key_id: str
    digest: str
    valid_from: date
    valid_until: date | None
    fields: tuple[tuple[str, str], ...]
    signature: bytes
    #: The signed bytes: the payload's UTF-8 up to, not including, the last `~`.
    message: bytes


def unsigned_payload(
    *,
    identifier: str,
    version: str,
    key_id: str,
    digest: str,
    valid_from: date,
    valid_until: date | None,
    fields: Iterable[tuple[str, str]],
) -> str:
    """The payload without its signature: what is signed (as UTF-8)."""
    return SEPARATOR.join(
        [
            PAYLOAD_PREFIX,
            identifier,
            version,
            key_id,
            digest,
            _ymd(valid_from),
            _ymd(valid_until),
            encode_fields(fields),
        ]
    )


def with_signature(unsigned: str, signature_b64url: str) -> str:
    return f"{unsigned}{SEPARATOR}{signature_b64url}"


class PayloadError(ValueError):
    """Not a payload of ours: the reason, for the log and the answer's `reason`."""


def _date(text: str, name: str) -> date:
    if not _YMD.fullmatch(text):
        raise PayloadError(f"{name} is not YYYYMMDD")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise PayloadError(f"{name} is not a real date") from None


def parse_payload(text: object) -> Payload:
    """Parse a payload, strictly; PayloadError on anything but a well-formed one. The
    signature is not checked here (`licenses.verification`)."""
    from yiwang.licenses.signing import unb64url

    if not isinstance(text, str):
        raise PayloadError("not text")
    if len(text) > PAYLOAD_MAX_CHARS:
        raise PayloadError("too long")
    text = text.strip()
    parts = text.split(SEPARATOR)
    if len(parts) != 9:
        raise PayloadError(f"expected 9 fields separated by ~, got {len(parts)}")
    prefix, identifier, version, key_id, digest, valid_from, valid_until, fields, sig = parts
    if prefix != PAYLOAD_PREFIX:
        raise PayloadError("not a YWL1 payload")
    try:
        check_license_id(identifier)
    except ValidationFailed as exc:
        raise PayloadError(f"identifier: {exc.detail}") from None
    if not _VERSION.fullmatch(version) or identifier.split(".")[-2] != version:
        raise PayloadError("version does not match the identifier")
    if not _HEX16.fullmatch(key_id):
        raise PayloadError("key id is not 16 lowercase hex characters")
    if not _HEX64.fullmatch(digest):
        raise PayloadError("digest is not 64 lowercase hex characters")
    start = _date(valid_from, "valid_from")
    until = _date(valid_until, "valid_until") if valid_until else None
    if until is not None and until < start:
        raise PayloadError("valid_until is before valid_from")
    pairs: list[tuple[str, str]] = []
    for item in fields.split(";") if fields else []:
        label, eq, value = item.partition("=")
        if not eq or not label:
            raise PayloadError("fields are not label=value pairs")
        pairs.append((label, value))
    try:
        signature = unb64url(sig)
    except ValueError:
        raise PayloadError("signature is not base64url") from None
    message = text[: text.rindex(SEPARATOR)].encode("utf-8")
    return Payload(
        identifier, version, key_id, digest, start, until, tuple(pairs), signature, message
    )
