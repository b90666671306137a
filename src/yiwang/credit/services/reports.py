"""What enterprises publish themselves (企业信息公示暂行条例 Art. 8-10): annual reports
and immediate information, on time or recorded as late; corrections keep history."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from yiwang.accounts.actor import Actor
from yiwang.common import idempotency
from yiwang.common.audit import record
from yiwang.common.errors import (
    Conflict,
    InvalidTransition,
    ValidationFailed,
)
from yiwang.common.validators import check_uscc
from yiwang.credit import rules
from yiwang.credit.choices import (
    EnterpriseStatus,
    ImmediateInfoKind,
    OperatingStatus,
)
from yiwang.credit.models import (
    AnnualReport,
    Enterprise,
    ImmediateInfo,
)
from yiwang.credit.services._base import (
    _actor_user,
    _money,
    _state,
    _text,
    _today,
    correct_with_revision,
)

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
        raise ValidationFailed(
            _("出资信息应为列表"), field="contributions", code="contributions_not_list"
        )
    cleaned = []
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise ValidationFailed(
                _("第 %(n)s 项出资信息格式不对") % {"n": i + 1},
                field="contributions",
                code="contribution_malformed",
            )
        shareholder = str(item.get("shareholder") or "").strip()
        if not shareholder:
            raise ValidationFailed(
                _("第 %(n)s 项出资缺少股东名称") % {"n": i + 1},
                field="contributions",
                code="shareholder_required",
            )
        subscribed = _money(item, "subscribed")
        paid = _money(item, "paid", required=False) or Decimal(0)
        assert subscribed is not None
        if paid > subscribed:
            raise ValidationFailed(
                _("股东 %(shareholder)s 的实缴出资额不能大于认缴出资额")
                % {"shareholder": shareholder},
                field="contributions",
                code="paid_exceeds_subscribed",
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
        raise ValidationFailed(
            _("对外投资信息应为列表"), field="investments", code="investments_not_list"
        )
    cleaned = []
    for i, item in enumerate(raw):
        name = str((item or {}).get("name") or "").strip() if isinstance(item, Mapping) else ""
        if not name:
            raise ValidationFailed(
                _("第 %(n)s 项对外投资缺少企业名称") % {"n": i + 1},
                field="investments",
                code="investee_name_required",
            )
        uscc = str(item.get("uscc") or "").strip()
        if uscc:
            try:
                uscc = check_uscc(uscc)
            except ValidationFailed as exc:
                raise ValidationFailed(
                    _("对外投资 %(name)s 的统一社会信用代码不正确：%(detail)s")
                    % {"name": name, "detail": exc.detail},
                    field="investments",
                    code="investee_uscc_invalid",
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
        raise ValidationFailed(
            _("邮政编码应为 6 位数字"), field="postal_code", code="postal_code_invalid"
        )
    if not _PHONE.fullmatch(cleaned["phone"]):
        raise ValidationFailed(_("联系电话格式不正确"), field="phone", code="phone_invalid")
    if cleaned["email"] and not _EMAIL.fullmatch(cleaned["email"]):
        raise ValidationFailed(_("电子邮箱格式不正确"), field="email", code="email_invalid")
    status = str(data.get("operating_status") or "")
    if status not in OperatingStatus.values:
        raise ValidationFailed(
            _("未知的存续状态：%(status)r") % {"status": status},
            field="operating_status",
            code="unknown_operating_status",
        )
    cleaned["operating_status"] = status
    try:
        employees = int(data.get("employees"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValidationFailed(
            _("从业人数应为整数"), field="employees", code="employees_not_integer"
        ) from None
    if not 0 <= employees <= 10_000_000:
        raise ValidationFailed(
            _("从业人数超出范围"), field="employees", code="employees_out_of_range"
        )
    cleaned["employees"] = employees
    for flag in REPORT_FLAGS:
        cleaned[flag] = bool(data.get(flag, False))
    for name in REPORT_MONEY_FIELDS:
        cleaned[name] = _money(data, name, signed=name in REPORT_SIGNED)
    if (
        abs(cleaned["total_assets"] - cleaned["total_liabilities"] - cleaned["owners_equity"])
        > BALANCE_TOLERANCE
    ):
        raise ValidationFailed(
            _("资产总额应等于负债总额与所有者权益合计之和"),
            field="owners_equity",
            code="balance_sheet_mismatch",
        )
    if cleaned["main_business_revenue"] > cleaned["revenue"]:
        raise ValidationFailed(
            _("主营业务收入不能大于营业总收入"),
            field="main_business_revenue",
            code="revenue_inconsistent",
        )
    if cleaned["net_profit"] > cleaned["total_profit"]:
        raise ValidationFailed(
            _("净利润不能大于利润总额"), field="net_profit", code="profit_inconsistent"
        )
    cleaned["contributions"] = _clean_contributions(data.get("contributions"))
    cleaned["investments"] = _clean_investments(data.get("investments"))
    if cleaned["has_external_investment"] != bool(cleaned["investments"]):
        raise ValidationFailed(
            _("声明有对外投资时须填写对外投资信息，未声明时不应填写"),
            field="investments",
            code="investments_mismatch",
        )
    return cleaned


def report_data(report: AnnualReport) -> dict[str, Any]:
    data = _state(report, REPORT_FIELDS)
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in data.items()}


def file_annual_report(
    enterprise: Enterprise,
    year: int,
    data: Mapping[str, Any],
    *,
    actor: Actor,
    today: date | None = None,
    idempotency_key: str = "",
) -> AnnualReport:
    """File the annual report of `year` (1 January – 30 June of the next year; later is
    accepted and recorded as late: 企业信息公示暂行条例 Art. 8)."""
    return idempotency.create_once(
        "credit.file_annual_report",
        actor=actor,
        key=idempotency_key,
        body={"enterprise": enterprise.pk, "year": year, "data": dict(data)},
        model=AnnualReport,
        create=lambda: _file_annual_report(enterprise, year, data, actor=actor, today=today),
    )


@transaction.atomic
def _file_annual_report(
    enterprise: Enterprise,
    year: int,
    data: Mapping[str, Any],
    *,
    actor: Any,
    today: date | None = None,
) -> AnnualReport:
    today = _today(today)
    if enterprise.status != EnterpriseStatus.ACTIVE:
        raise InvalidTransition(
            _("该市场主体已不在存续状态，无需报送年报"),
            current_state=enterprise.status,
            code="enterprise_not_operating",
        )
    if not rules.report_year_fileable(enterprise.established_on, year, today):
        raise ValidationFailed(
            _("不能报送 %(year)s 年度报告：年报报送已结束的年度，且不早于成立年度 %(first_year)s")
            % {"year": year, "first_year": rules.first_report_year(enterprise.established_on)},
            field="year",
            code="report_year_not_fileable",
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
                **cleaned,
            )
    except IntegrityError:
        raise Conflict(
            _("%(year)s 年度报告已报送；如需修改请提交更正") % {"year": year},
            code="report_already_filed",
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
    report: AnnualReport, data: Mapping[str, Any], *, reason: str, actor: Actor
) -> AnnualReport:
    """The enterprise corrects its report (年报修改): a new version, history kept; the
    filing date and lateness stay those of the first filing."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(_("修改须说明理由"), field="reason", code="revision_reason_required")
    locked = AnnualReport.objects.select_for_update().get(pk=report.pk)
    cleaned = clean_annual_report({**report_data(locked), **dict(data)})
    return correct_with_revision(
        locked,
        cleaned,
        snapshot=report_data,
        reason=reason,
        actor=actor,
        event="credit.annual_report_corrected",
        unchanged=_("修改内容与原报告相同"),
    )


def publish_immediate_info(
    enterprise: Enterprise,
    *,
    kind: str,
    changed_on: date,
    content: str,
    actor: Actor,
    today: date | None = None,
    idempotency_key: str = "",
) -> ImmediateInfo:
    """Immediate information, due within 20 working days of the change (Art. 10);
    later is accepted and recorded as late."""
    return idempotency.create_once(
        "credit.publish_immediate_info",
        actor=actor,
        key=idempotency_key,
        body={
            "enterprise": enterprise.pk,
            "kind": kind,
            "changed_on": changed_on,
            "content": content,
        },
        model=ImmediateInfo,
        create=lambda: _publish_immediate_info(
            enterprise, kind=kind, changed_on=changed_on, content=content, actor=actor, today=today
        ),
    )


@transaction.atomic
def _publish_immediate_info(
    enterprise: Enterprise,
    *,
    kind: str,
    changed_on: date,
    content: str,
    actor: Any,
    today: date | None = None,
) -> ImmediateInfo:
    today = _today(today)
    if kind not in ImmediateInfoKind.values:
        raise ValidationFailed(
            _("未知的即时信息类别：%(kind)r") % {"kind": kind},
            field="kind",
            code="unknown_immediate_kind",
        )
    if changed_on > today:
        raise ValidationFailed(
            _("信息形成日期不能晚于今天"), field="changed_on", code="changed_in_future"
        )
    if changed_on < enterprise.established_on:
        raise ValidationFailed(
            _("信息形成日期不能早于成立日期"), field="changed_on", code="changed_before_established"
        )
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
