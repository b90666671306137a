"""One row of a license import file: its columns, and the check against the library's
rules (`clean_row`). Every constraint of the license table is checked here, so a batch
never fails in the database because of one row."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from yiwang.common.errors import ValidationFailed
from yiwang.common.validators import check_id_number, check_license_id, check_uscc, make_license_id
from yiwang.licenses.choices import HolderKind
from yiwang.licenses.models import LicenseType
from yiwang.licenses.services.issuing import METADATA_VALUE_MAX
from yiwang.org.models import Department

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
_MAX_NAME = 200


class RowRejected(ValueError):
    """A bad row: the reason goes to the rejects file and the import carries on."""


# --------------------------------------------------------------------------- one row


@dataclass(frozen=True)
class TypeRef:
    """A license type as plain values: what a row is checked against and, in the
    import's pool processes, what its signature needs (no model crosses a process)."""

    pk: int
    code: str
    fields: frozenset[str]
    name: str = ""
    labels: tuple[tuple[str, str], ...] = ()
    qr_fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class IssuerRef:
    pk: int
    code: str
    uscc: str
    name: str = ""


@dataclass
class Context:
    """What a row is checked against, read once per import."""

    types: dict[str, TypeRef]
    issuers: dict[str, IssuerRef]  # by department code and by USCC
    today: date

    @classmethod
    def load(cls, today: date) -> Context:
        types = {
            t.code: TypeRef(
                t.pk,
                t.code,
                frozenset(str(f["name"]) for f in t.fields),
                t.name,
                tuple(t.field_labels().items()),
                tuple(str(name) for name in t.qr_fields or ()),
            )
            for t in LicenseType.objects.filter(is_active=True)
        }
        issuers: dict[str, IssuerRef] = {}
        for pk, code, uscc, name in Department.objects.values_list("pk", "code", "uscc", "name"):
            ref = IssuerRef(pk, code, uscc or "", name)
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
