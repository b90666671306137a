"""Issuing licenses: from a case's `issue` action, directly by the issuing department's
staff, and as a new version that supersedes the old one."""

from __future__ import annotations

import calendar
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts.actor import Actor, as_actor
from yiwang.accounts.models import Citizen, Enterprise, User
from yiwang.catalog.results import IssuedResult
from yiwang.common.audit import record
from yiwang.common.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from yiwang.common.permissions import Permission
from yiwang.common.validators import check_id_number, check_uscc, make_license_id
from yiwang.licenses.choices import ChangeKind, HolderKind, LicenseStatus
from yiwang.licenses.models import License, LicenseChange, LicenseSerial, LicenseType
from yiwang.licenses.selectors import holder_of_account
from yiwang.licenses.services.keys import ensure_authority_key, key_pair
from yiwang.licenses.services.sealing import sign_version
from yiwang.notify.services import notify
from yiwang.org.models import Department

#: The longest value of one metadata field (a route, a business scope).
METADATA_VALUE_MAX = 500
#: Key creation on first issue is the platform's act, not the issuing clerk's.
KEY_ACTOR = Actor.system("license-keys")
#: One number for every writer of the change feed (pg_advisory_xact_lock).
_FEED_LOCK = 0x59574C43  # "YWLC"


@dataclass(frozen=True)
class Holder:
    kind: str
    code: str
    name: str


def _check_holder(holder: Holder) -> Holder:
    kind = HolderKind(holder.kind) if holder.kind in HolderKind.values else None
    if kind is None:
        raise ValidationFailed(_("持证主体类型不正确"), code="bad_holder_kind")
    code = check_id_number(holder.code) if kind == HolderKind.PERSON else check_uscc(holder.code)
    name = " ".join(str(holder.name or "").split())
    if not name or len(name) > 200:
        raise ValidationFailed(_("请填写持证主体名称（不超过 200 字）"), code="bad_holder_name")
    return Holder(kind, code, name)


def account_of_holder(holder_kind: str, holder_code: str) -> User | None:
    if holder_kind == HolderKind.PERSON:
        citizen = Citizen.objects.filter(id_number=holder_code).select_related("user").first()
        return citizen.user if citizen else None
    enterprise = Enterprise.objects.filter(uscc=holder_code).select_related("user").first()
    return enterprise.user if enterprise else None


def _add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def validity_of(
    lic_type: LicenseType, issued_on: date, form: Mapping[str, Any]
) -> tuple[date, date | None]:
    """The validity period by the type's rule: N years/months/days from the issue date
    (the last day included: 1 year from 2026-05-01 runs to 2027-04-30), the dates of the
    application form, or no expiry."""
    rule = lic_type.validity or {}
    if "from_field" in rule:
        try:
            start = date.fromisoformat(str(form.get(rule["from_field"], "")))
            until = date.fromisoformat(str(form.get(rule["until_field"], "")))
        except ValueError:
            raise ValidationFailed(
                _("申请表中的有效期日期不正确"), code="bad_validity_dates"
            ) from None
        if until < start:
            raise ValidationFailed(_("有效期截止日期早于起始日期"), code="bad_validity_dates")
        return start, until
    if rule.get("years"):
        return issued_on, _add_months(issued_on, 12 * int(rule["years"])) - timedelta(days=1)
    if rule.get("months"):
        return issued_on, _add_months(issued_on, int(rule["months"])) - timedelta(days=1)
    if rule.get("days"):
        return issued_on, issued_on + timedelta(days=int(rule["days"]) - 1)
    return issued_on, None


def _clean_metadata(lic_type: LicenseType, values: Mapping[str, Any]) -> dict[str, str]:
    labels = lic_type.field_labels()
    unknown = sorted(set(values) - set(labels))
    if unknown:
        raise ValidationFailed(
            _("证照类型“%(type)s”没有这些照面信息项：%(names)s")
            % {"type": lic_type.name, "names": "、".join(unknown)},
            code="unknown_metadata_field",
            unknown=unknown,
        )
    out: dict[str, str] = {}
    for name in labels:
        if name not in values or values[name] is None:
            continue
        raw = values[name]
        if isinstance(raw, list | tuple):
            raw = "、".join(str(v) for v in raw)
        elif isinstance(raw, bool):
            raw = "是" if raw else "否"
        value = unicodedata.normalize("NFC", str(raw)).strip()
        if len(value) > METADATA_VALUE_MAX or not value.isprintable():
            raise ValidationFailed(
                _("照面信息“%(label)s”不能超过 %(max)s 字，且不能含控制字符")
                % {"label": labels[name], "max": METADATA_VALUE_MAX},
                code="bad_metadata_value",
                field=name,
            )
        if value:
            out[name] = value
    return out


def _next_serial(lic_type: LicenseType, issuer: Department, year: int) -> str:
    """The next license number `<year><8 digits>` of this type and issuer."""
    row = (
        LicenseSerial.objects.select_for_update()
        .filter(license_type=lic_type, issuer=issuer, year=year)
        .first()
    )
    if row is None:
        row = LicenseSerial.objects.create(license_type=lic_type, issuer=issuer, year=year)
        row = LicenseSerial.objects.select_for_update().get(pk=row.pk)
    row.last += 1
    row.save(update_fields=["last"])
    return f"{year}{row.last:08d}"


def record_change(lic: License, kind: str, now: datetime) -> None:
    """Append to the change feed. On PostgreSQL every writer first takes one
    transaction-level advisory lock, so feed ids are given in commit order and a
    follower reading `id > cursor` never skips a row committed later (decision 0019)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_FEED_LOCK])
    LicenseChange.objects.create(license=lic, identifier=lic.identifier, kind=kind, at=now)


def _require_issuer(actor: Actor, issuer: Department, permission: Permission) -> None:
    """The acting post must grant `permission` in the issuing department itself."""
    if actor.is_system:
        return
    if not any(p.department_id == issuer.pk for p in actor.posts_with(permission)):
        raise PermissionDenied(
            _("只有签发机关“%(issuer)s”的证照管理人员可以执行此操作") % {"issuer": issuer.name},
            code="not_license_issuer",
        )


def _make_version(
    *,
    lic_type: LicenseType,
    issuer: Department,
    holder: Holder,
    metadata: dict[str, str],
    serial: str,
    version: int,
    issued_on: date,
    valid_from: date,
    valid_until: date | None,
    source_case_id: int | None,
    actor: Actor,
    now: datetime,
) -> License:
    if not issuer.uscc:
        raise ValidationFailed(
            _("签发机关“%(issuer)s”没有统一社会信用代码，不能签发电子证照")
            % {"issuer": issuer.name},
            code="issuer_without_uscc",
        )
    key = ensure_authority_key(issuer, actor=KEY_ACTOR, today=issued_on)
    lic = License(
        identifier=make_license_id(lic_type.code, issuer.uscc, serial, version),
        license_type=lic_type,
        serial=serial,
        version=version,
        holder_kind=holder.kind,
        holder_code=holder.code,
        holder_name=holder.name,
        issuer=issuer,
        issued_on=issued_on,
        valid_from=valid_from,
        valid_until=valid_until,
        metadata=metadata,
        source_case_id=source_case_id,
        created_at=now,
    )
    sign_version(lic, lic_type, issuer, key, key_pair(key), now)
    lic.save(force_insert=True)
    record_change(lic, ChangeKind.ISSUED, now)
    return lic


def _tell_holder(
    lic: License, lic_type: LicenseType, subject: str, body: str, actor: Actor
) -> None:
    account = account_of_holder(lic.holder_kind, lic.holder_code)
    if account is not None:
        notify(
            account,
            subject=subject,
            body=body,
            # The message's object id holds 64 characters; an identifier is longer.
            object_type="license",
            object_id=str(lic.pk),
            actor=actor,
        )


def _issued_message(lic: License, lic_type: LicenseType) -> str:
    until = f"{lic.valid_until:%Y年%m月%d日}" if lic.valid_until else "长期"
    return (
        f"{lic.issuer.name}已向您签发电子证照“{lic_type.name}”（证照编号 {lic.serial}，"
        f"证照标识 {lic.identifier}），有效期{lic.valid_from:%Y年%m月%d日}至{until}。"
        "可在个人中心查看，并出示二维码供核验。"
    )


def _audit_issued(lic: License, actor: Actor, **extra: Any) -> None:
    record(
        "licenses.issued",
        lic,
        actor=actor,
        object_id=lic.identifier,
        after={
            "type": lic.license_type.code,
            "issuer": lic.issuer.code,
            "version": lic.version,
            "key_id": lic.key.key_id if lic.key else None,
            "digest": lic.digest,
            **extra,
        },
    )


def issue_license(
    *,
    type_code: str,
    issuer: Department,
    holder: Holder,
    metadata: Mapping[str, Any],
    actor: Actor,
    valid_from: date | None = None,
    valid_until: date | None = None,
    issued_on: date | None = None,
) -> License:
    """Issue a license directly (not from a case): staff of the issuing department whose
    post grants `unit:license:issue` (decision 0008), or the system (seed, import).
    Signed in the same transaction; the holder is told."""
    actor = as_actor(actor)
    _require_issuer(actor, issuer, Permission.LICENSE_ISSUE)
    lic_type = LicenseType.objects.filter(code=type_code, is_active=True).first()
    if lic_type is None:
        raise NotFound(
            _("证照类型 %(code)s 不存在") % {"code": type_code}, code="license_type_not_found"
        )
    holder = _check_holder(holder)
    clean = _clean_metadata(lic_type, metadata)
    now = timezone.now()
    day = issued_on or timezone.localdate()
    start: date
    until: date | None
    if "from_field" in (lic_type.validity or {}):  # the dates come with the application
        if valid_from is None or valid_until is None:
            raise ValidationFailed(_("请填写有效期起止日期"), code="validity_required")
        start, until = valid_from, valid_until
    else:
        start, until = validity_of(lic_type, valid_from or day, {})
        until = valid_until if valid_until is not None else until
    if until is not None and until < start:
        raise ValidationFailed(_("有效期截止日期早于起始日期"), code="bad_validity_dates")
    with transaction.atomic():
        lic = _make_version(
            lic_type=lic_type,
            issuer=issuer,
            holder=holder,
            metadata=clean,
            serial=_next_serial(lic_type, issuer, day.year),
            version=1,
            issued_on=day,
            valid_from=start,
            valid_until=until,
            source_case_id=None,
            actor=actor,
            now=now,
        )
        _audit_issued(lic, actor)
        _tell_holder(lic, lic_type, "电子证照已签发", _issued_message(lic, lic_type), actor)
    return lic


def issue_for_case(result: IssuedResult, actor: Actor) -> list[str]:
    """The case workflow's `issue` action (catalog.results): every active type the item
    yields is issued to the applicant and signed, in the case's transaction. The case
    workflow has authorised the actor already (`unit:case:issue` in the department)."""
    types = list(LicenseType.objects.filter(items__id=result.item_id, is_active=True))
    if not types:
        return []
    ref = holder_of_account(result.applicant_id)
    if ref is None:
        raise ValidationFailed(_("申请人不是自然人或法人账户，不能持有电子证照"), code="no_holder")
    holder = Holder(ref.kind, ref.code, ref.name)
    issuer = Department.objects.get(pk=result.department_id)
    made = []
    for lic_type in types:
        names = {str(f["name"]): str(f.get("form_field") or "") for f in lic_type.fields}
        values = {
            name: result.form[source]
            for name, source in names.items()
            if source and result.form.get(source) not in (None, "")
        }
        start, until = validity_of(lic_type, result.issued_on, result.form)
        lic = _make_version(
            lic_type=lic_type,
            issuer=issuer,
            holder=holder,
            metadata=_clean_metadata(lic_type, values),
            serial=_next_serial(lic_type, issuer, result.issued_on.year),
            version=1,
            issued_on=result.issued_on,
            valid_from=start,
            valid_until=until,
            source_case_id=result.case_id,
            actor=actor,
            now=result.issued_at,
        )
        _audit_issued(lic, actor, source_case=result.case_no)
        _tell_holder(lic, lic_type, "电子证照已签发", _issued_message(lic, lic_type), actor)
        made.append(lic.identifier)
    return made


#: The stored statuses from which a new version may be made.
_CURRENT = frozenset({LicenseStatus.VALID, LicenseStatus.SUSPENDED})


def new_version(
    identifier: str,
    *,
    actor: Actor,
    reason: str,
    metadata: Mapping[str, Any] | None = None,
    holder_name: str | None = None,
    valid_until: date | None = None,
) -> License:
    """A change to a license (变更): the next version with the changed facts, signed;
    the old version becomes `superseded` and points at the new one. Staff of the
    issuing department with `unit:license:issue`."""
    actor = as_actor(actor)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationFailed(_("请填写变更原因"), code="reason_required")
    now = timezone.now()
    with transaction.atomic():
        old = _locked(identifier, actor, Permission.LICENSE_ISSUE)
        if old.status not in _CURRENT:
            raise InvalidTransition(
                _("证照当前状态为“%(status)s”，不能变更")
                % {"status": LicenseStatus(old.status).label},
                current_state=old.status,
                code="license_not_current",
            )
        if old.version >= 999:
            raise ValidationFailed(_("证照版本已达上限 999"), code="version_limit")
        lic_type = old.license_type
        merged = {**(old.metadata or {}), **(metadata or {})}
        holder = _check_holder(
            Holder(old.holder_kind, old.holder_code, holder_name or old.holder_name)
        )
        until = valid_until if valid_until is not None else old.valid_until
        if until is not None and until < old.valid_from:
            raise ValidationFailed(_("有效期截止日期早于起始日期"), code="bad_validity_dates")
        new = _make_version(
            lic_type=lic_type,
            issuer=old.issuer,
            holder=holder,
            metadata=_clean_metadata(lic_type, merged),
            serial=old.serial,
            version=old.version + 1,
            issued_on=timezone.localdate(),
            valid_from=old.valid_from,
            valid_until=until,
            source_case_id=old.source_case_id,
            actor=actor,
            now=now,
        )
        before = {"status": old.status}
        old.status = LicenseStatus.SUPERSEDED
        old.status_reason = reason[:500]
        old.status_changed_at = now
        old.superseded_by = new
        old.save(update_fields=["status", "status_reason", "status_changed_at", "superseded_by"])
        record_change(old, ChangeKind.SUPERSEDED, now)
        record(
            "licenses.superseded",
            old,
            actor=actor,
            object_id=old.identifier,
            before=before,
            after={"status": old.status, "by": new.identifier, "reason": reason[:500]},
        )
        _audit_issued(new, actor, supersedes=old.identifier)
        _tell_holder(
            new,
            lic_type,
            "电子证照已变更",
            f"您的电子证照“{lic_type.name}”已变更为第 {new.version_text} 版（证照标识 "
            f"{new.identifier}），原版本不再有效。变更原因：{reason}。",
            actor,
        )
    return new


def _locked(identifier: str, actor: Actor, permission: Permission) -> License:
    """The license row, locked, for a writer holding `permission` in its issuer: 403
    when the actor holds it nowhere, 404 when the license is not one of theirs."""
    if not actor.is_system and not actor.posts_with(permission):
        raise PermissionDenied(
            _("只有签发机关的证照管理人员可以执行此操作"), code="not_license_issuer"
        )
    lic = (
        License.objects.select_for_update(of=("self",))
        .select_related("license_type", "issuer", "key")
        .filter(identifier=identifier)
        .first()
    )
    if lic is None or (
        not actor.is_system
        and not any(p.department_id == lic.issuer_id for p in actor.posts_with(permission))
    ):
        raise NotFound(_("电子证照不存在"), code="license_not_found")
    return lic
