"""Cleaning of ingested rows: a registry or disclosure row, as a file gives it (English
or Chinese column names, labels or codes, text everywhere), checked and normalised into
the values the loader writes — or `RowRejected` with the reason for the rejects file.

Pure: no queries, no writes. A disclosure row is checked by the same rules as one a
department publishes by hand (`credit.services.clean_disclosure`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from yiwang.common.errors import ValidationFailed
from yiwang.common.validators import check_uscc
from yiwang.credit.choices import DisclosureKind, EnterpriseKind, EnterpriseStatus
from yiwang.credit.conf import credit_setting
from yiwang.credit.services.disclosures import DISCLOSURE_FIELDS, clean_disclosure

ENTERPRISE_FIELDS = (
    "uscc",
    "name",
    "kind",
    "legal_representative",
    "registered_capital",
    "address",
    "region_code",
    "registration_authority",
    "established_on",
    "approved_on",
    "term_to",
    "status",
    "business_scope",
)

#: Column names of registry extracts in Chinese, accepted beside the English ones.
ALIASES = {
    "统一社会信用代码": "uscc",
    "名称": "name",
    "企业名称": "name",
    "类型": "kind",
    "企业类型": "kind",
    "法定代表人": "legal_representative",
    "负责人": "legal_representative",
    "注册资本": "registered_capital",
    "住所": "address",
    "区划代码": "region_code",
    "登记机关": "registration_authority",
    "成立日期": "established_on",
    "核准日期": "approved_on",
    "营业期限至": "term_to",
    "登记状态": "status",
    "经营范围": "business_scope",
    "公示部门": "department",
    "类别": "kind",
    "事项名称": "title",
    "文书号": "document_no",
    "内容": "content",
    "结果": "result",
    "金额": "amount",
    "法律依据": "legal_basis",
    "决定日期": "decided_on",
    "有效期自": "valid_from",
    "有效期至": "valid_to",
    "来源编号": "source_ref",
}
_KIND_BY_LABEL = {label: value for value, label in EnterpriseKind.choices}
_STATUS_BY_LABEL = {label: value for value, label in EnterpriseStatus.choices} | {
    "存续": EnterpriseStatus.ACTIVE,
    "在营": EnterpriseStatus.ACTIVE,
    "开业": EnterpriseStatus.ACTIVE,
    "在业": EnterpriseStatus.ACTIVE,
}
_DISCLOSURE_KIND_BY_LABEL = {label: value for value, label in DisclosureKind.choices}


_KINDS = frozenset(EnterpriseKind.values)
_STATUSES = frozenset(EnterpriseStatus.values)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class RowRejected(Exception):
    """A row that cannot be loaded; the reason goes to the rejects file."""


def _field(row: Mapping[str, Any], name: str) -> str:
    value = row.get(name)
    return "" if value is None else str(value).strip()


def _opt_date(row: Mapping[str, Any], name: str) -> date | None:
    raw = _field(row, name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw.replace("/", "-"))
    except ValueError:
        raise RowRejected(f"{name}: not a date (YYYY-MM-DD): {raw!r}") from None


def _opt_money(row: Mapping[str, Any], name: str) -> Decimal | None:
    raw = _field(row, name).replace(",", "")
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except ArithmeticError:
        raise RowRejected(f"{name}: not a number: {raw!r}") from None
    if not value.is_finite() or value < 0 or value >= Decimal("1e14"):
        raise RowRejected(f"{name}: out of range: {raw!r}")
    return value.quantize(Decimal("0.0001"))


def _bounded(row: Mapping[str, Any], name: str, size: int, *, required: bool = False) -> str:
    value = _field(row, name)
    if required and not value:
        raise RowRejected(f"{name}: missing")
    if len(value) > size:
        raise RowRejected(f"{name}: longer than {size} characters")
    if _CONTROL.search(value):
        raise RowRejected(f"{name}: contains control characters")
    return value


def clean_enterprise_row(row: Mapping[str, Any], *, today: date) -> dict[str, Any]:
    """A registry row checked and normalised, or RowRejected with the reason."""
    try:
        uscc = check_uscc(_field(row, "uscc"), allow_list=credit_setting("USCC_ALLOW_LIST"))
    except ValidationFailed as exc:
        raise RowRejected(f"uscc: {exc.detail}") from None
    kind = _field(row, "kind")
    kind = _KIND_BY_LABEL.get(kind, kind)
    if kind not in _KINDS:
        raise RowRejected(f"kind: unknown {kind!r}")
    status = _field(row, "status") or EnterpriseStatus.ACTIVE
    status = _STATUS_BY_LABEL.get(status, status)
    if status not in _STATUSES:
        raise RowRejected(f"status: unknown {status!r}")
    region = _field(row, "region_code") or uscc[2:8]
    if len(region) != 6 or not region.isascii() or not region.isdigit():
        raise RowRejected(f"region_code: not a 6-digit code: {region!r}")
    established = _opt_date(row, "established_on")
    if established is None:
        raise RowRejected("established_on: missing")
    if established > today:
        raise RowRejected("established_on: in the future")
    return {
        "uscc": uscc,
        "name": _bounded(row, "name", 200, required=True),
        "kind": kind,
        "legal_representative": _bounded(row, "legal_representative", 100, required=True),
        "registered_capital": _opt_money(row, "registered_capital"),
        "address": _bounded(row, "address", 300),
        "region_code": region,
        "registration_authority": _bounded(row, "registration_authority", 100),
        "established_on": established,
        "approved_on": _opt_date(row, "approved_on"),
        "term_to": _opt_date(row, "term_to"),
        "status": status,
        "business_scope": _bounded(row, "business_scope", 4000),
    }


# --------------------------------------------------------------------------- disclosures

#: The disclosure fields a load row carries: the service's own list (one copy).
DISCLOSURE_DATA = DISCLOSURE_FIELDS


def clean_disclosure_row(row: Mapping[str, Any], *, today: date) -> dict[str, Any]:
    """A department's record, checked by the same rules as one published by hand."""
    try:
        uscc = check_uscc(_field(row, "uscc"), allow_list=credit_setting("USCC_ALLOW_LIST"))
    except ValidationFailed as exc:
        raise RowRejected(f"uscc: {exc.detail}") from None
    source_ref = _bounded(row, "source_ref", 100, required=True)
    department = _bounded(row, "department", 40, required=True)
    kind = _field(row, "kind")
    data = {name: row.get(name) for name in DISCLOSURE_DATA}
    data["kind"] = _DISCLOSURE_KIND_BY_LABEL.get(kind, kind)
    try:
        cleaned = clean_disclosure(data, today=today)
    except ValidationFailed as exc:
        raise RowRejected(f"{exc.extra.get('field', '')}: {exc.detail}") from None
    return {"uscc": uscc, "department": department, "source_ref": source_ref, **cleaned}
