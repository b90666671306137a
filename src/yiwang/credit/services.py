"""The only writers of credit publicity records: one transaction each, audited inside it,
the enterprise notified after commit.

Departments publish disclosures (企业信息公示暂行条例 Art. 6-7); enterprises file annual
reports and immediate information (Art. 8-10); registration authorities decide the
lists (经营异常名录管理办法, 严重违法失信名单管理办法), and the sweeps here apply the
automatic rules. Dates come from `credit.rules`, counted in working days by
`common.workdays`. The bulk registry load is in `credit.loader`, the demo seed at the
end of this module.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.common.audit import record
from yiwang.common.errors import (
    Conflict,
    InvalidTransition,
    PermissionDenied,
    RateLimited,
    ValidationFailed,
)
from yiwang.common.validators import check_uscc
from yiwang.credit import rules, selectors
from yiwang.credit.choices import (
    CAUSES_BY_LIST,
    ApplicationStatus,
    DisclosureKind,
    DisclosureSource,
    EnterpriseStatus,
    EntryStatus,
    EventKind,
    ImmediateInfoKind,
    ListCause,
    ListKind,
    OperatingStatus,
    RemovalCause,
)
from yiwang.credit.conf import credit_setting
from yiwang.credit.models import (
    AnnualReport,
    AnnualReportRevision,
    Disclosure,
    DisclosureRevision,
    Enterprise,
    ImmediateInfo,
    ListEntry,
    ListEvent,
    RateCounter,
    RemovalApplication,
    SweepMark,
)
from yiwang.notify.services import notify
from yiwang.org.models import Department

logger = logging.getLogger("yiwang.credit")

#: The actor of the automatic list decisions, as the audit log names it.
SWEEP_ACTOR = "credit-sweep"


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _actor_user(actor: Any) -> User | None:
    return actor if isinstance(actor, User) else None


def _actor_label(actor: Any) -> str:
    if isinstance(actor, User):
        return actor.display_name or actor.username
    return str(actor or "system")


def _text(data: Mapping[str, Any], name: str, *, max_length: int, required: bool = True) -> str:
    value = str(data.get(name) or "").strip()
    if required and not value:
        raise ValidationFailed(f"{name} 不能为空", field=name)
    if len(value) > max_length:
        raise ValidationFailed(f"{name} 不能超过 {max_length} 个字", field=name)
    return value


def _money(
    data: Mapping[str, Any], name: str, *, required: bool = True, signed: bool = False
) -> Decimal | None:
    raw = data.get(name)
    if raw is None or raw == "":
        if required:
            raise ValidationFailed(f"{name} 不能为空", field=name)
        return None
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise ValidationFailed(f"{name} 不是数字：{raw!r}", field=name) from None
    if not value.is_finite() or abs(value) >= Decimal("1e14"):
        raise ValidationFailed(f"{name} 超出范围", field=name)
    if not signed and value < 0:
        raise ValidationFailed(f"{name} 不能为负数", field=name)
    return value.quantize(Decimal("0.0001"))


def _date(data: Mapping[str, Any], name: str, *, required: bool = True) -> date | None:
    raw = data.get(name)
    if raw is None or raw == "":
        if required:
            raise ValidationFailed(f"{name} 不能为空", field=name)
        return None
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise ValidationFailed(f"{name} 不是有效日期（YYYY-MM-DD）：{raw!r}", field=name) from None


def _state(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in fields}


# --------------------------------------------------------------------------- notices


_LOOK_UP: Any = object()


def _notify_enterprise(
    enterprise: Enterprise,
    subject: str,
    body: str,
    *,
    actor: Any,
    object_type: str,
    object_id: Any,
    user: Any = _LOOK_UP,
) -> None:
    """Tell the enterprise's account, in the deciding transaction (notify joins it and
    sends only after commit). An enterprise without an account is told by the publicity
    itself. `user`: the account if the caller looked it up already (sweeps do, in bulk)."""
    if user is _LOOK_UP:
        user = selectors.enterprise_account_user(enterprise.uscc)
    if user is None:
        return
    notify(
        user,
        subject=subject,
        body=body,
        object_type=object_type,
        object_id=str(object_id),
        actor=actor,
    )


# --------------------------------------------------------------------------- disclosures

DISCLOSURE_FIELDS = (
    "kind",
    "title",
    "document_no",
    "content",
    "result",
    "amount",
    "legal_basis",
    "decided_on",
    "valid_from",
    "valid_to",
)

#: What each kind must carry besides title, legal basis and date (the publicity
#: catalogues of 企业信息公示暂行条例 Art. 6-7 and the spot-check rules).
DISCLOSURE_REQUIRED: dict[str, tuple[str, ...]] = {
    DisclosureKind.LICENSE: ("document_no", "valid_from"),
    DisclosureKind.PENALTY: ("document_no", "result"),
    DisclosureKind.SPOT_CHECK: ("result",),
    DisclosureKind.CHATTEL_MORTGAGE: ("document_no",),
    DisclosureKind.EQUITY_PLEDGE: ("document_no",),
    DisclosureKind.IP_PLEDGE: ("document_no",),
    DisclosureKind.OTHER: (),
}


def clean_disclosure(data: Mapping[str, Any], *, today: date) -> dict[str, Any]:
    """The disclosure's fields checked against the rules of its kind."""
    kind = str(data.get("kind") or "")
    if kind not in DisclosureKind.values:
        raise ValidationFailed(f"未知的公示类别：{kind!r}", field="kind")
    cleaned: dict[str, Any] = {
        "kind": kind,
        "title": _text(data, "title", max_length=200),
        "document_no": _text(data, "document_no", max_length=100, required=False),
        "content": _text(data, "content", max_length=5000, required=False),
        "result": _text(data, "result", max_length=200, required=False),
        "amount": _money(data, "amount", required=False),
        "legal_basis": _text(data, "legal_basis", max_length=500),
        "decided_on": _date(data, "decided_on"),
        "valid_from": _date(data, "valid_from", required=False),
        "valid_to": _date(data, "valid_to", required=False),
    }
    for name in DISCLOSURE_REQUIRED[kind]:
        if cleaned[name] in ("", None):
            label = DisclosureKind(kind).label
            raise ValidationFailed(f"{label}信息必须填写 {name}", field=name)
    if cleaned["decided_on"] > today:
        raise ValidationFailed("决定日期不能晚于今天", field="decided_on")
    if (
        cleaned["valid_from"]
        and cleaned["valid_to"]
        and cleaned["valid_to"] < cleaned["valid_from"]
    ):
        raise ValidationFailed("有效期至不能早于有效期自", field="valid_to")
    return cleaned


def _disclosure_data(d: Disclosure) -> dict[str, Any]:
    data = _state(d, DISCLOSURE_FIELDS)
    return {k: (str(v) if isinstance(v, Decimal | date) else v) for k, v in data.items()}


def _require_department(
    actor: Any, department: Department, *, enterprise: Enterprise | None = None, lists: bool = False
) -> None:
    """Services check again what the API's lookup checked: the actor acts for the
    department (system actors, named by a string, act for whom they are given)."""
    if not isinstance(actor, User):
        return
    allowed = selectors.acting_authority(actor, department.code, enterprise=enterprise, lists=lists)
    if allowed.department.pk != department.pk:
        raise PermissionDenied("您不能以该部门的名义操作", code="not_your_department")


@transaction.atomic
def publish_disclosure(
    enterprise: Enterprise,
    data: Mapping[str, Any],
    *,
    department: Department,
    actor: Any,
    source: str = DisclosureSource.MANUAL,
    source_ref: str = "",
    idempotency_key: str = "",
    today: date | None = None,
) -> Disclosure:
    """A department publishes a record about an enterprise (version 1).

    The same `idempotency_key` (or `source_ref`) from the same department returns the
    record already published instead of a second one.
    """
    _require_department(actor, department)
    for key_field, key in (("idempotency_key", idempotency_key), ("source_ref", source_ref)):
        if key:
            existing = Disclosure.objects.filter(department=department, **{key_field: key}).first()
            if existing is not None:
                return existing
    cleaned = clean_disclosure(data, today=_today(today))
    disclosure = Disclosure.objects.create(
        enterprise=enterprise,
        department=department,
        source=source,
        source_ref=source_ref[:100],
        published_by=_actor_user(actor),
        idempotency_key=idempotency_key[:64],
        **cleaned,
    )
    record(
        "credit.disclosure_published",
        disclosure,
        actor=actor,
        after={
            "uscc": enterprise.uscc,
            "department": department.code,
            **_disclosure_data(disclosure),
        },
    )
    return disclosure


@transaction.atomic
def correct_disclosure(
    disclosure: Disclosure,
    data: Mapping[str, Any],
    *,
    reason: str,
    actor: Any,
    today: date | None = None,
) -> Disclosure:
    """A correction (信息更正): the record becomes the next version; the version it
    replaces is kept as a revision, with the reason and who replaced it."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("更正须说明理由", field="reason")
    locked = Disclosure.objects.select_for_update().get(pk=disclosure.pk)
    _require_department(actor, locked.department)
    if locked.withdrawn_at is not None:
        raise InvalidTransition("已撤回的信息不能更正", current_state="withdrawn")
    merged = {**_disclosure_data(locked), **dict(data)}
    cleaned = clean_disclosure(merged, today=_today(today))
    if cleaned["kind"] != locked.kind:
        raise ValidationFailed("更正不能改变信息类别；请撤回后重新公示", field="kind")
    before = _disclosure_data(locked)
    for name, value in cleaned.items():
        setattr(locked, name, value)
    after = _disclosure_data(locked)
    if after == before:
        raise ValidationFailed("更正内容与原信息相同", field="data")
    DisclosureRevision.objects.create(
        disclosure=locked,
        version=locked.version,
        data=before,
        reason=reason,
        changed_by=_actor_user(actor),
    )
    locked.version += 1
    locked.corrected_at = timezone.now()
    locked.save()
    record(
        "credit.disclosure_corrected",
        locked,
        actor=actor,
        before=before,
        after={**after, "version": locked.version, "reason": reason},
    )
    return locked


@transaction.atomic
def withdraw_disclosure(disclosure: Disclosure, *, reason: str, actor: Any) -> Disclosure:
    """Withdraw from publicity (e.g. a penalty annulled on review); kept with its reason."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("撤回须说明理由", field="reason")
    locked = Disclosure.objects.select_for_update().get(pk=disclosure.pk)
    _require_department(actor, locked.department)
    if locked.withdrawn_at is not None:
        raise InvalidTransition("该信息已撤回", current_state="withdrawn")
    locked.withdrawn_at = timezone.now()
    locked.withdrawal_reason = reason[:500]
    locked.save(update_fields=["withdrawn_at", "withdrawal_reason"])
    record(
        "credit.disclosure_withdrawn",
        locked,
        actor=actor,
        before={"withdrawn_at": None},
        after={"withdrawn_at": locked.withdrawn_at, "reason": reason},
    )
    return locked


# --------------------------------------------------------------------------- annual reports

REPORT_TEXT_FIELDS = {
    "address": 300,
    "postal_code": 6,
    "phone": 20,
    "email": 100,
    "website": 200,
}
REPORT_MONEY_FIELDS = (
    "total_assets",
    "total_liabilities",
    "owners_equity",
    "revenue",
    "main_business_revenue",
    "total_profit",
    "net_profit",
    "tax_paid",
)
REPORT_SIGNED = frozenset({"owners_equity", "total_profit", "net_profit"})
REPORT_FLAGS = (
    "has_external_investment",
    "has_equity_transfer",
    "provides_guarantee",
    "financials_public",
)
REPORT_FIELDS = (
    *REPORT_TEXT_FIELDS,
    "operating_status",
    "employees",
    *REPORT_FLAGS,
    "contributions",
    "investments",
    *REPORT_MONEY_FIELDS,
)
_POSTAL = re.compile(r"[0-9]{6}")
_PHONE = re.compile(r"[0-9+\-() ]{7,20}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
#: Balance-sheet identity tolerance, 万元 (reports round to two decimals).
BALANCE_TOLERANCE = Decimal("0.01")


def _clean_contributions(raw: Any) -> list[dict[str, Any]]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        raise ValidationFailed("出资信息应为列表", field="contributions")
    cleaned = []
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise ValidationFailed(f"第 {i + 1} 项出资信息格式不对", field="contributions")
        shareholder = str(item.get("shareholder") or "").strip()
        if not shareholder:
            raise ValidationFailed(f"第 {i + 1} 项出资缺少股东名称", field="contributions")
        subscribed = _money(item, "subscribed")
        paid = _money(item, "paid", required=False) or Decimal(0)
        assert subscribed is not None
        if paid > subscribed:
            raise ValidationFailed(
                f"股东 {shareholder} 的实缴出资额不能大于认缴出资额", field="contributions"
            )
        cleaned.append(
            {
                "shareholder": shareholder[:200],
                "subscribed": str(subscribed),
                "paid": str(paid),
                "method": str(item.get("method") or "货币")[:50],
            }
        )
    return cleaned


def _clean_investments(raw: Any) -> list[dict[str, str]]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        raise ValidationFailed("对外投资信息应为列表", field="investments")
    cleaned = []
    for i, item in enumerate(raw):
        name = str((item or {}).get("name") or "").strip() if isinstance(item, Mapping) else ""
        if not name:
            raise ValidationFailed(f"第 {i + 1} 项对外投资缺少企业名称", field="investments")
        uscc = str(item.get("uscc") or "").strip()
        if uscc:
            try:
                uscc = check_uscc(uscc)
            except ValidationFailed as exc:
                raise ValidationFailed(
                    f"对外投资 {name} 的统一社会信用代码不正确：{exc.detail}", field="investments"
                ) from None
        cleaned.append({"name": name[:200], "uscc": uscc})
    return cleaned


def clean_annual_report(data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of 企业信息公示暂行条例 Art. 9, with the consistency checks a report
    must pass: assets = liabilities + equity, main business revenue within revenue,
    net profit within total profit, paid-in within subscribed capital, and investment
    details exactly when investments are declared."""
    cleaned: dict[str, Any] = {}
    for name, size in REPORT_TEXT_FIELDS.items():
        cleaned[name] = _text(
            data, name, max_length=size, required=name not in ("email", "website")
        )
    if not _POSTAL.fullmatch(cleaned["postal_code"]):
        raise ValidationFailed("邮政编码应为 6 位数字", field="postal_code")
    if not _PHONE.fullmatch(cleaned["phone"]):
        raise ValidationFailed("联系电话格式不正确", field="phone")
    if cleaned["email"] and not _EMAIL.fullmatch(cleaned["email"]):
        raise ValidationFailed("电子邮箱格式不正确", field="email")
    status = str(data.get("operating_status") or "")
    if status not in OperatingStatus.values:
        raise ValidationFailed(f"未知的存续状态：{status!r}", field="operating_status")
    cleaned["operating_status"] = status
    try:
        employees = int(data.get("employees"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValidationFailed("从业人数应为整数", field="employees") from None
    if not 0 <= employees <= 10_000_000:
        raise ValidationFailed("从业人数超出范围", field="employees")
    cleaned["employees"] = employees
    for flag in REPORT_FLAGS:
        cleaned[flag] = bool(data.get(flag, False))
    for name in REPORT_MONEY_FIELDS:
        cleaned[name] = _money(data, name, signed=name in REPORT_SIGNED)
    if (
        abs(cleaned["total_assets"] - cleaned["total_liabilities"] - cleaned["owners_equity"])
        > BALANCE_TOLERANCE
    ):
        raise ValidationFailed("资产总额应等于负债总额与所有者权益合计之和", field="owners_equity")
    if cleaned["main_business_revenue"] > cleaned["revenue"]:
        raise ValidationFailed("主营业务收入不能大于营业总收入", field="main_business_revenue")
    if cleaned["net_profit"] > cleaned["total_profit"]:
        raise ValidationFailed("净利润不能大于利润总额", field="net_profit")
    cleaned["contributions"] = _clean_contributions(data.get("contributions"))
    cleaned["investments"] = _clean_investments(data.get("investments"))
    if cleaned["has_external_investment"] != bool(cleaned["investments"]):
        raise ValidationFailed(
            "声明有对外投资时须填写对外投资信息，未声明时不应填写", field="investments"
        )
    return cleaned


def report_data(report: AnnualReport) -> dict[str, Any]:
    data = _state(report, REPORT_FIELDS)
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in data.items()}


@transaction.atomic
def file_annual_report(
    enterprise: Enterprise,
    year: int,
    data: Mapping[str, Any],
    *,
    actor: Any,
    today: date | None = None,
    idempotency_key: str = "",
) -> AnnualReport:
    """File the annual report of `year` (1 January – 30 June of the next year; later is
    accepted and recorded as late: 企业信息公示暂行条例 Art. 8)."""
    today = _today(today)
    if idempotency_key:
        existing = AnnualReport.objects.filter(
            enterprise=enterprise, idempotency_key=idempotency_key[:64]
        ).first()
        if existing is not None:
            return existing
    if enterprise.status != EnterpriseStatus.ACTIVE:
        raise InvalidTransition(
            "该市场主体已不在存续状态，无需报送年报", current_state=enterprise.status
        )
    if not rules.report_year_fileable(enterprise.established_on, year, today):
        raise ValidationFailed(
            f"不能报送 {year} 年度报告：年报报送已结束的年度，且不早于成立年度 "
            f"{rules.first_report_year(enterprise.established_on)}",
            field="year",
        )
    cleaned = clean_annual_report(data)
    try:
        with transaction.atomic():
            report = AnnualReport.objects.create(
                enterprise=enterprise,
                year=year,
                filed_on=today,
                late=rules.report_is_late(year, today),
                filed_by=_actor_user(actor),
                idempotency_key=idempotency_key[:64],
                **cleaned,
            )
    except IntegrityError:
        raise Conflict(
            f"{year} 年度报告已报送；如需修改请提交更正", code="report_already_filed"
        ) from None
    record(
        "credit.annual_report_filed",
        report,
        actor=actor,
        after={"uscc": enterprise.uscc, "year": year, "late": report.late, "filed_on": today},
    )
    return report


@transaction.atomic
def correct_annual_report(
    report: AnnualReport, data: Mapping[str, Any], *, reason: str, actor: Any
) -> AnnualReport:
    """The enterprise corrects its report (年报修改): a new version, history kept; the
    filing date and lateness stay those of the first filing."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("修改须说明理由", field="reason")
    locked = AnnualReport.objects.select_for_update().get(pk=report.pk)
    before = report_data(locked)
    cleaned = clean_annual_report({**before, **dict(data)})
    for name, value in cleaned.items():
        setattr(locked, name, value)
    after = report_data(locked)
    if after == before:
        raise ValidationFailed("修改内容与原报告相同", field="data")
    AnnualReportRevision.objects.create(
        report=locked,
        version=locked.version,
        data=before,
        reason=reason,
        changed_by=_actor_user(actor),
    )
    locked.version += 1
    locked.save()
    record(
        "credit.annual_report_corrected",
        locked,
        actor=actor,
        before=before,
        after={**after, "version": locked.version, "reason": reason},
    )
    return locked


@transaction.atomic
def publish_immediate_info(
    enterprise: Enterprise,
    *,
    kind: str,
    changed_on: date,
    content: str,
    actor: Any,
    today: date | None = None,
    idempotency_key: str = "",
) -> ImmediateInfo:
    """Immediate information, due within 20 working days of the change (Art. 10);
    later is accepted and recorded as late."""
    today = _today(today)
    if idempotency_key:
        existing = ImmediateInfo.objects.filter(
            enterprise=enterprise, idempotency_key=idempotency_key[:64]
        ).first()
        if existing is not None:
            return existing
    if kind not in ImmediateInfoKind.values:
        raise ValidationFailed(f"未知的即时信息类别：{kind!r}", field="kind")
    if changed_on > today:
        raise ValidationFailed("信息形成日期不能晚于今天", field="changed_on")
    if changed_on < enterprise.established_on:
        raise ValidationFailed("信息形成日期不能早于成立日期", field="changed_on")
    content = _text({"content": content}, "content", max_length=5000)
    due = rules.immediate_info_due(changed_on)
    info = ImmediateInfo.objects.create(
        enterprise=enterprise,
        kind=kind,
        changed_on=changed_on,
        content=content,
        published_on=today,
        due_on=due,
        late=today > due,
        published_by=_actor_user(actor),
        idempotency_key=idempotency_key[:64],
    )
    record(
        "credit.immediate_info_published",
        info,
        actor=actor,
        after={
            "uscc": enterprise.uscc,
            "kind": kind,
            "changed_on": changed_on,
            "due_on": due,
            "late": info.late,
        },
    )
    return info


# --------------------------------------------------------------------------- the lists


def _add_event(
    entry: ListEntry,
    kind: str,
    *,
    on: date,
    actor: Any,
    department: Department | None,
    reason: str = "",
    reverses: ListEvent | None = None,
) -> ListEvent:
    return ListEvent.objects.create(
        entry=entry,
        kind=kind,
        on=on,
        actor=_actor_user(actor),
        actor_label=_actor_label(actor),
        department=department,
        reason=reason,
        reverses=reverses,
    )


def refresh_list_flags(enterprise_ids: Iterable[int]) -> None:
    """Mirror the active entries onto the enterprise rows (for search results)."""
    active = ListEntry.objects.filter(enterprise=OuterRef("pk"), status=EntryStatus.ACTIVE)
    Enterprise.objects.filter(pk__in=list(enterprise_ids)).update(
        abnormal=Exists(active.filter(list_kind=ListKind.ABNORMAL)),
        serious=Exists(active.filter(list_kind=ListKind.SERIOUS)),
        exposed=Exists(active.filter(list_kind=ListKind.EXPOSED)),
    )


def _entry_state(entry: ListEntry) -> dict[str, Any]:
    return {
        "uscc": entry.enterprise.uscc,
        "list": entry.list_kind,
        "cause": entry.cause,
        "report_year": entry.report_year,
        "status": entry.status,
        "listed_on": entry.listed_on,
        "removed_on": entry.removed_on,
        "reminder_on": entry.reminder_on,
        "department": entry.department.code if entry.department else "",
    }


@transaction.atomic
def list_enterprise(
    enterprise: Enterprise,
    *,
    list_kind: str,
    cause: str,
    reason: str,
    department: Department,
    actor: Any,
    report_year: int | None = None,
    today: date | None = None,
) -> ListEntry:
    """A registration authority lists an enterprise (abnormal list for the causes of
    经营异常名录管理办法 Art. 4, serious list, or exposure), with its reason."""
    today = _today(today)
    _require_department(actor, department, enterprise=enterprise, lists=True)
    if list_kind not in CAUSES_BY_LIST:
        raise ValidationFailed(f"未知的名单：{list_kind!r}", field="list")
    if cause not in CAUSES_BY_LIST[list_kind] or cause == ListCause.ABNORMAL_THREE_YEARS:
        raise ValidationFailed(
            f"{ListKind(list_kind).label}不接受该列入事由：{cause!r}", field="cause"
        )
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("列入须说明理由", field="reason")
    if cause == ListCause.NO_ANNUAL_REPORT:
        if report_year is None:
            raise ValidationFailed("须指明未报的年度", field="report_year")
        if not rules.report_year_fileable(enterprise.established_on, report_year, today):
            raise ValidationFailed(f"{report_year} 年度不是该企业应报年度", field="report_year")
        if today <= rules.report_deadline(report_year):
            raise ValidationFailed(f"{report_year} 年度报告的报送期限尚未届满", field="report_year")
        if AnnualReport.objects.filter(
            enterprise=enterprise, year=report_year, late=False
        ).exists():
            raise ValidationFailed(f"该企业已按期报送 {report_year} 年度报告", field="report_year")
    else:
        report_year = None
    locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if list_kind == ListKind.ABNORMAL and locked.status != EnterpriseStatus.ACTIVE:
        raise InvalidTransition(
            "非存续状态的市场主体不列入经营异常名录", current_state=locked.status
        )
    duplicate = ListEntry.objects.filter(
        enterprise=locked,
        list_kind=list_kind,
        cause=cause,
        report_year=report_year,
        status=EntryStatus.ACTIVE,
    )
    if duplicate.exists():
        raise Conflict("该企业已因同一事由在列", code="already_listed")
    entry = ListEntry.objects.create(
        enterprise=locked,
        list_kind=list_kind,
        cause=cause,
        report_year=report_year,
        reason=reason,
        listed_on=today,
        department=department,
    )
    _add_event(entry, EventKind.LISTED, on=today, actor=actor, department=department, reason=reason)
    refresh_list_flags([locked.pk])
    record("credit.listed", entry, actor=actor, after=_entry_state(entry))
    _notify_listing(entry, actor=actor)
    return entry


def _notify_listing(entry: ListEntry, *, actor: Any, user: Any = _LOOK_UP) -> None:
    label = ListKind(entry.list_kind).label
    _notify_enterprise(
        entry.enterprise,
        f"您的企业已被列入{label}",
        f"{entry.enterprise.name}于 {entry.listed_on} 被列入{label}。事由：{entry.get_cause_display()}。"
        f"理由：{entry.reason}。履行相关义务后可申请移出。",
        actor=actor,
        object_type="credit.listentry",
        object_id=entry.pk,
        user=user,
    )


def _remove(
    entry: ListEntry,
    *,
    cause: str,
    reason: str,
    actor: Any,
    department: Department | None,
    today: date,
) -> ListEntry:
    before = _entry_state(entry)
    entry.status = EntryStatus.REMOVED
    entry.removed_on = today
    entry.removal_cause = cause
    entry.removal_reason = reason
    entry.save(update_fields=["status", "removed_on", "removal_cause", "removal_reason"])
    _add_event(
        entry, EventKind.REMOVED, on=today, actor=actor, department=department, reason=reason
    )
    refresh_list_flags([entry.enterprise_id])
    record(
        "credit.removed",
        entry,
        actor=actor,
        before=before,
        after={**_entry_state(entry), "cause": cause, "reason": reason},
    )
    label = ListKind(entry.list_kind).label
    _notify_enterprise(
        entry.enterprise,
        f"您的企业已移出{label}",
        f"{entry.enterprise.name}于 {today} 移出{label}。理由：{reason}",
        actor=actor,
        object_type="credit.listentry",
        object_id=entry.pk,
    )
    return entry


def _locked_entry(entry: ListEntry) -> ListEntry:
    # `of`: lock the entry only; the joined department may be NULL (an outer join).
    return (
        ListEntry.objects.select_for_update(of=("self",))
        .select_related("enterprise", "department")
        .get(pk=entry.pk)
    )


@transaction.atomic
def remove_from_list(
    entry: ListEntry,
    *,
    cause: str,
    reason: str,
    department: Department,
    actor: Any,
    today: date | None = None,
) -> ListEntry:
    """A registration authority removes an entry: the cause cured, listed in error, or
    annulled on review. A pending removal application is decided with it."""
    today = _today(today)
    locked = _locked_entry(entry)
    _require_department(actor, department, enterprise=locked.enterprise, lists=True)
    if locked.status != EntryStatus.ACTIVE:
        raise InvalidTransition("该记录不在列，不能移出", current_state=locked.status)
    if cause not in RemovalCause.values:
        raise ValidationFailed(f"未知的移出原因：{cause!r}", field="cause")
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("移出须说明理由", field="reason")
    if (
        cause == RemovalCause.CURED
        and locked.cause == ListCause.NO_ANNUAL_REPORT
        and not selectors.entry_cause_cured(locked)
    ):
        raise ValidationFailed(f"该企业尚未补报 {locked.report_year} 年度报告", field="cause")
    _remove(locked, cause=cause, reason=reason, actor=actor, department=department, today=today)
    for application in RemovalApplication.objects.select_for_update().filter(
        entry=locked, status=ApplicationStatus.PENDING
    ):
        _close_application(application, approved=True, reason=reason, actor=actor)
    return locked


def _close_application(
    application: RemovalApplication, *, approved: bool, reason: str, actor: Any
) -> None:
    application.status = ApplicationStatus.APPROVED if approved else ApplicationStatus.REJECTED
    application.decided_at = timezone.now()
    application.decided_by_label = _actor_label(actor)
    application.decision_reason = reason
    application.save(update_fields=["status", "decided_at", "decided_by_label", "decision_reason"])


@transaction.atomic
def apply_for_removal(
    entry: ListEntry, *, statement: str, actor: Any, today: date | None = None
) -> RemovalApplication:
    """The enterprise applies to leave the abnormal list after curing the cause
    (经营异常名录管理办法 Art. 11-13); decided within the configured working days."""
    today = _today(today)
    locked = _locked_entry(entry)
    if locked.list_kind != ListKind.ABNORMAL or locked.status != EntryStatus.ACTIVE:
        raise InvalidTransition(
            "只有在列的经营异常名录记录可以申请移出", current_state=locked.status
        )
    statement = statement.strip()
    if not statement:
        raise ValidationFailed("请说明已履行的义务", field="statement")
    if locked.cause == ListCause.NO_ANNUAL_REPORT and not selectors.entry_cause_cured(locked):
        raise ValidationFailed(
            f"请先补报 {locked.report_year} 年度报告，再申请移出", field="statement"
        )
    if RemovalApplication.objects.filter(entry=locked, status=ApplicationStatus.PENDING).exists():
        raise Conflict("已有待决定的移出申请", code="application_pending")
    application = RemovalApplication.objects.create(
        entry=locked,
        statement=statement[:2000],
        applied_on=today,
        due_on=rules.removal_decision_due(today),
        applicant=_actor_user(actor),
    )
    _add_event(
        locked,
        EventKind.REMOVAL_APPLIED,
        on=today,
        actor=actor,
        department=None,
        reason=statement[:2000],
    )
    record(
        "credit.removal_applied",
        application,
        actor=actor,
        after={"entry": locked.pk, "uscc": locked.enterprise.uscc, "due_on": application.due_on},
    )
    return application


@transaction.atomic
def decide_removal(
    application: RemovalApplication,
    *,
    approve: bool,
    reason: str,
    department: Department | None,
    actor: Any,
    today: date | None = None,
) -> RemovalApplication:
    """The registration authority decides an application: removal, or a refusal with
    its reason (the entry stays)."""
    today = _today(today)
    locked = RemovalApplication.objects.select_for_update().get(pk=application.pk)
    entry = _locked_entry(locked.entry)
    if department is not None:
        _require_department(actor, department, enterprise=entry.enterprise, lists=True)
    if locked.status != ApplicationStatus.PENDING:
        raise InvalidTransition("该申请已决定", current_state=locked.status)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("决定须说明理由", field="reason")
    if approve:
        if entry.status != EntryStatus.ACTIVE:
            raise InvalidTransition("该记录已不在列", current_state=entry.status)
        if entry.cause == ListCause.NO_ANNUAL_REPORT and not selectors.entry_cause_cured(entry):
            raise ValidationFailed(f"该企业尚未补报 {entry.report_year} 年度报告", field="approve")
        _remove(
            entry,
            cause=RemovalCause.CURED,
            reason=reason,
            actor=actor,
            department=department or entry.department,
            today=today,
        )
    else:
        _add_event(
            entry,
            EventKind.REMOVAL_REJECTED,
            on=today,
            actor=actor,
            department=department,
            reason=reason,
        )
        _notify_enterprise(
            entry.enterprise,
            "移出经营异常名录的申请未获准许",
            f"{entry.enterprise.name}的移出申请不予准许。理由：{reason}",
            actor=actor,
            object_type="credit.removalapplication",
            object_id=locked.pk,
        )
    _close_application(locked, approved=approve, reason=reason, actor=actor)
    record(
        "credit.removal_decided",
        locked,
        actor=actor,
        before={"status": ApplicationStatus.PENDING},
        after={"status": locked.status, "reason": reason, "on_time": today <= locked.due_on},
    )
    return locked


REVERSIBLE = (EventKind.LISTED, EventKind.REMINDED, EventKind.REMOVED, EventKind.ESCALATED)


@transaction.atomic
def reverse_event(
    event: ListEvent, *, reason: str, department: Department, actor: Any, today: date | None = None
) -> ListEvent:
    """Undo a list move made in error, with a reason; the move and its reversal both stay
    in the history (the public sees the effective history).

    Only an entry's latest standing move can be reversed, so undoing is always the
    mirror of doing: a listing is revoked, a removal or an escalation puts the entry
    back on its list, a reminder is withdrawn.
    """
    today = _today(today)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("撤销须说明理由", field="reason")
    entry = _locked_entry(event.entry)
    _require_department(actor, department, enterprise=entry.enterprise, lists=True)
    event = ListEvent.objects.select_for_update().get(pk=event.pk)
    if event.kind == EventKind.LISTED and entry.escalated_from.exists():
        # The serious entry of an escalation: undoing its listing undoes the escalation.
        origin = entry.escalated_from.order_by("-id").first()
        assert origin is not None
        escalation = (
            origin.events.filter(kind=EventKind.ESCALATED, reversed_by__isnull=True)
            .order_by("-id")
            .first()
        )
        if escalation is None:
            raise InvalidTransition("找不到对应的转列事项", current_state=entry.status)
        return reverse_event(
            escalation, reason=reason, department=department, actor=actor, today=today
        )
    if event.kind not in REVERSIBLE:
        raise InvalidTransition("该事项不是名单决定，不能撤销", current_state=event.kind)
    if hasattr(event, "reversed_by"):
        raise InvalidTransition("该事项已撤销", current_state="reversed")
    latest = (
        entry.events.filter(kind__in=REVERSIBLE, reversed_by__isnull=True)
        .order_by("-at", "-id")
        .first()
    )
    if latest is None or latest.pk != event.pk:
        raise InvalidTransition("请先撤销该记录之后的事项", current_state=entry.status)
    before = _entry_state(entry)
    touched = [entry.enterprise_id]
    if event.kind == EventKind.LISTED:
        entry.status = EntryStatus.REVOKED
    elif event.kind == EventKind.REMINDED:
        entry.reminder_on = None
    elif event.kind == EventKind.REMOVED:
        if ListEntry.objects.filter(
            enterprise=entry.enterprise,
            list_kind=entry.list_kind,
            cause=entry.cause,
            report_year=entry.report_year,
            status=EntryStatus.ACTIVE,
        ).exists():
            raise Conflict("该企业已因同一事由重新在列", code="already_listed")
        entry.status = EntryStatus.ACTIVE
        entry.removed_on = None
        entry.removal_cause = ""
        entry.removal_reason = ""
    elif event.kind == EventKind.ESCALATED:
        serious = entry.escalated_to
        entry.status = EntryStatus.ACTIVE
        entry.escalated_to = None
        if serious is not None:
            serious = ListEntry.objects.select_for_update().get(pk=serious.pk)
            others = serious.escalated_from.exclude(pk=entry.pk).exists()
            if not others:
                if serious.status != EntryStatus.ACTIVE:
                    raise InvalidTransition(
                        "严重违法失信名单记录已有后续变动，请先撤销", current_state=serious.status
                    )
                serious.status = EntryStatus.REVOKED
                serious.save(update_fields=["status"])
                listed = serious.events.filter(kind=EventKind.LISTED).first()
                _add_event(
                    serious,
                    EventKind.REVERSED,
                    on=today,
                    actor=actor,
                    department=department,
                    reason=reason,
                    reverses=listed,
                )
    entry.save()
    reversal = _add_event(
        entry,
        EventKind.REVERSED,
        on=today,
        actor=actor,
        department=department,
        reason=reason,
        reverses=event,
    )
    refresh_list_flags(touched)
    record(
        "credit.reversed",
        entry,
        actor=actor,
        before=before,
        after={**_entry_state(entry), "reversed_event": event.pk, "reason": reason},
    )
    _notify_enterprise(
        entry.enterprise,
        f"{ListKind(entry.list_kind).label}决定已更正",
        f"{entry.enterprise.name}的“{event.get_kind_display()}”（{event.on}）已撤销。理由：{reason}",
        actor=actor,
        object_type="credit.listentry",
        object_id=entry.pk,
    )
    return reversal


# --------------------------------------------------------------------------- the sweeps


@dataclass
class SweepResult:
    listed: int = 0
    reminded: int = 0
    escalated: int = 0
    removed: int = 0
    overdue: int = 0
    report_year: int | None = None
    skipped: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (0, "", None)}


def list_missing_annual_reports(
    *, today: date | None = None, actor: Any = SWEEP_ACTOR, batch_size: int = 1000
) -> SweepResult:
    """Put every enterprise that did not report on time on the abnormal list
    (经营异常名录管理办法 Art. 6: within 10 working days after 30 June).

    The report year is the one whose period ended most recently. Idempotent: an
    enterprise already listed for that year (even if since removed or revoked) is not
    listed again, and once a year is swept completely a mark makes later runs return
    at once. Decisions made after the legal period are still made, and logged.
    """
    today = _today(today)
    year = rules.latest_closed_report_year(today)
    result = SweepResult(report_year=year)
    if year is None:
        result.skipped = "no closed report year"
        return result
    mark = f"abnormal:{year}"
    if SweepMark.objects.filter(name=mark).exists():
        result.skipped = "done"
        return result
    due = rules.listing_decision_due(year)
    authorities = selectors.registration_authorities()
    reports = AnnualReport.objects.filter(enterprise=OuterRef("pk"), year=year)
    if credit_setting("LIST_FILED_LATE_BEFORE_LISTING"):
        reports = reports.filter(late=False)
    prior = ListEntry.objects.filter(
        enterprise=OuterRef("pk"), cause=ListCause.NO_ANNUAL_REPORT, report_year=year
    )
    candidates = Enterprise.objects.filter(
        status=EnterpriseStatus.ACTIVE, established_on__lte=date(year, 12, 31)
    ).filter(~Exists(reports), ~Exists(prior))
    reason = f"未按照《企业信息公示暂行条例》规定的期限（{rules.report_deadline(year)} 前）公示 {year} 年度报告"
    last_id = 0
    while True:
        with transaction.atomic():
            batch = list(
                candidates.filter(pk__gt=last_id)
                .order_by("pk")
                .only("pk", "uscc", "name", "region_code")[:batch_size]
            )
            if not batch:
                break
            entries = ListEntry.objects.bulk_create(
                [
                    ListEntry(
                        enterprise=e,
                        list_kind=ListKind.ABNORMAL,
                        cause=ListCause.NO_ANNUAL_REPORT,
                        report_year=year,
                        reason=reason,
                        listed_on=today,
                        decision_due_on=due,
                        department=selectors.registration_authority_for(e.region_code, authorities),
                    )
                    for e in batch
                ]
            )
            ListEvent.objects.bulk_create(
                [
                    ListEvent(
                        entry=entry,
                        kind=EventKind.LISTED,
                        on=today,
                        actor_label=_actor_label(actor),
                        department=entry.department,
                        reason=reason,
                    )
                    for entry in entries
                ]
            )
            Enterprise.objects.filter(pk__in=[e.pk for e in batch]).update(abnormal=True)
            # One audit event per batch, naming every entry: the yearly sweep lists tens
            # of thousands at once.
            record(
                "credit.listed_missing_reports",
                actor=actor,
                object_type="credit.listentry",
                object_id=f"{entries[0].pk}-{entries[-1].pk}",
                after={
                    "report_year": year,
                    "listed_on": today,
                    "decision_due_on": due,
                    "entries": {str(x.pk): x.enterprise.uscc for x in entries},
                },
            )
            accounts = selectors.enterprise_account_users([e.uscc for e in batch])
            for entry in entries:
                _notify_listing(entry, actor=actor, user=accounts.get(entry.enterprise.uscc))
        result.listed += len(batch)
        last_id = batch[-1].pk
    if result.listed and today > due:
        logger.warning(
            "listed %s enterprises for the %s report on %s, after the legal decision date %s",
            result.listed,
            year,
            today,
            due,
        )
    SweepMark.objects.create(
        name=mark,
        completed_at=timezone.now(),
        detail={"listed": result.listed, "on": today.isoformat(), "due": due.isoformat()},
    )
    return result


def _escalation_candidates(today: date, *, reminder: bool) -> list[ListEntry]:
    # A generous date bound for the index, then the exact rule per entry.
    years = int(credit_setting("SERIOUS_AFTER_YEARS"))
    margin = (
        timedelta(days=int(credit_setting("SERIOUS_REMINDER_DAYS")) + 2)
        if reminder
        else timedelta(days=2)
    )
    bound = rules.add_years(today + margin, -years)
    qs = ListEntry.objects.filter(
        list_kind=ListKind.ABNORMAL, status=EntryStatus.ACTIVE, listed_on__lte=bound
    ).select_related("enterprise", "department")
    if reminder:
        qs = qs.filter(reminder_on__isnull=True)
    pending = RemovalApplication.objects.filter(
        entry=OuterRef("pk"), status=ApplicationStatus.PENDING
    )
    return list(qs.filter(~Exists(pending)).order_by("listed_on", "pk"))


def escalate_long_abnormal(*, today: date | None = None, actor: Any = SWEEP_ACTOR) -> SweepResult:
    """Three years on the abnormal list without cure: a public reminder in the last
    60 days, then the serious violation list within 10 working days (经营异常名录管理办法
    Art. 16). Entries whose cause is verifiably cured, or with a pending application,
    wait. Idempotent."""
    today = _today(today)
    result = SweepResult()
    for entry in _escalation_candidates(today, reminder=True):
        if not rules.reminder_due(entry.listed_on, today) or selectors.entry_cause_cured(entry):
            continue
        with transaction.atomic():
            locked = _locked_entry(entry)
            if locked.status != EntryStatus.ACTIVE or locked.reminder_on is not None:
                continue
            locked.reminder_on = today
            locked.save(update_fields=["reminder_on"])
            ends = rules.abnormal_term_ends(locked.listed_on)
            text = f"列入经营异常名录将于 {ends} 届满 {credit_setting('SERIOUS_AFTER_YEARS')} 年；届满仍未履行相关义务的，将列入严重违法失信名单"
            _add_event(
                locked,
                EventKind.REMINDED,
                on=today,
                actor=actor,
                department=locked.department,
                reason=text,
            )
            record(
                "credit.reminded",
                locked,
                actor=actor,
                after={**_entry_state(locked), "term_ends": ends},
            )
            _notify_enterprise(
                locked.enterprise,
                "经营异常名录届满提醒",
                f"{locked.enterprise.name}：{text}。",
                actor=actor,
                object_type="credit.listentry",
                object_id=locked.pk,
            )
        result.reminded += 1
    for entry in _escalation_candidates(today, reminder=False):
        if not rules.escalation_due(entry.listed_on, today) or selectors.entry_cause_cured(entry):
            continue
        with transaction.atomic():
            if _escalate(entry, today=today, actor=actor):
                result.escalated += 1
    return result


def _escalate(entry: ListEntry, *, today: date, actor: Any) -> bool:
    locked = _locked_entry(entry)
    if locked.status != EntryStatus.ACTIVE:
        return False
    due = rules.escalation_decision_due(locked.listed_on)
    years = credit_setting("SERIOUS_AFTER_YEARS")
    reason = f"自 {locked.listed_on} 列入经营异常名录届满 {years} 年仍未履行相关义务（{locked.get_cause_display()}）"
    serious = ListEntry.objects.filter(
        enterprise=locked.enterprise,
        list_kind=ListKind.SERIOUS,
        cause=ListCause.ABNORMAL_THREE_YEARS,
        status=EntryStatus.ACTIVE,
    ).first()
    if serious is None:
        serious = ListEntry.objects.create(
            enterprise=locked.enterprise,
            list_kind=ListKind.SERIOUS,
            cause=ListCause.ABNORMAL_THREE_YEARS,
            reason=reason,
            listed_on=today,
            decision_due_on=due,
            department=locked.department,
        )
        _add_event(
            serious,
            EventKind.LISTED,
            on=today,
            actor=actor,
            department=locked.department,
            reason=reason,
        )
    before = _entry_state(locked)
    locked.status = EntryStatus.ESCALATED
    locked.escalated_to = serious
    locked.save(update_fields=["status", "escalated_to"])
    _add_event(
        locked,
        EventKind.ESCALATED,
        on=today,
        actor=actor,
        department=locked.department,
        reason=reason,
    )
    refresh_list_flags([locked.enterprise_id])
    record(
        "credit.escalated",
        locked,
        actor=actor,
        before=before,
        after={**_entry_state(locked), "serious_entry": serious.pk, "decision_due_on": due},
    )
    if today > due:
        logger.warning(
            "entry %s escalated on %s, after the legal decision date %s", locked.pk, today, due
        )
    _notify_listing(serious, actor=actor)
    return True


def process_due_removal_applications(
    *, today: date | None = None, actor: Any = SWEEP_ACTOR
) -> SweepResult:
    """Applications whose decision day has come: where the system can verify the cure
    itself (the missing report is filed) and `AUTO_REMOVE_VERIFIED_WHEN_DUE` is on, the
    enterprise is removed — the authority's silence must not keep it listed; the rest
    are counted and logged as overdue for staff."""
    today = _today(today)
    result = SweepResult()
    due = RemovalApplication.objects.filter(
        status=ApplicationStatus.PENDING, due_on__lte=today
    ).select_related("entry__enterprise")
    for application in due.order_by("due_on", "pk"):
        if credit_setting("AUTO_REMOVE_VERIFIED_WHEN_DUE") and selectors.entry_cause_cured(
            application.entry
        ):
            decide_removal(
                application,
                approve=True,
                reason="已补报年度报告，经系统核验，依申请移出",
                department=None,
                actor=actor,
                today=today,
            )
            result.removed += 1
        elif application.due_on < today:
            result.overdue += 1
    if result.overdue:
        logger.warning("%s removal applications are past their decision date", result.overdue)
    return result


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
        raise RateLimited("访问过于频繁，请稍后再试", retry_after=retry)


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


# --------------------------------------------------------------------------- demo


def seed_demo_credit(*, actor: Any) -> int:
    """A few thousand Jilin market entities with disclosures, annual reports and the
    lists, plus the demo `enterprise` account's registry entry; idempotent (a second
    run creates nothing). Returns how many records it created. See credit.demo."""
    from yiwang.credit.demo import seed

    return seed(actor=actor)
