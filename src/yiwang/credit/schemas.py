"""Schemas of the credit publicity API (shapes only; the rules are in services)."""

from __future__ import annotations

import builtins
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Schema
from pydantic import Field

# --------------------------------------------------------------------------- public


class EnterpriseItem(Schema):
    uscc: str
    name: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    legal_representative: str
    established_on: date
    registration_authority: str
    region_code: str
    abnormal: bool = Field(description="在经营异常名录")
    serious: bool = Field(description="在严重违法失信名单")


class SearchOut(Schema):
    items: list[EnterpriseItem]
    total: int = Field(description="匹配数；超过上限时为上限（见 total_capped）")
    total_capped: bool = Field(description="匹配数超过上限，total 只是下限；请输入更完整的名称")
    total_estimate: int | None = Field(
        None, description="超过上限时，数据库对全部匹配数的估计（近似值）；否则为空"
    )
    page: int
    page_size: int


class RevisionOut(Schema):
    version: int
    changed_at: datetime
    reason: str


class DisclosureOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    document_no: str
    content: str
    result: str
    amount: Decimal | None
    legal_basis: str
    decided_on: date
    valid_from: date | None
    valid_to: date | None
    department: str
    department_code: str
    source: str
    published_at: datetime
    version: int
    corrected_at: datetime | None
    revisions: list[RevisionOut]
    withdrawn_at: datetime | None = None
    withdrawal_reason: str = ""


class AnnualReportPublic(Schema):
    year: int
    filed_on: date
    late: bool
    version: int
    address: str
    postal_code: str
    phone: str
    email: str
    operating_status: str
    operating_status_label: str
    employees: int
    website: str
    has_external_investment: bool
    has_equity_transfer: bool
    provides_guarantee: bool
    contributions: list[dict[str, Any]]
    investments: list[dict[str, Any]]
    financials_public: bool
    financials: dict[str, Decimal] | None = Field(description="资产状况信息；企业选择不公示时为空")


class ImmediateInfoOut(Schema):
    id: int
    kind: str
    kind_label: str
    changed_on: date
    published_on: date
    due_on: date
    late: bool
    content: str


class ListEventOut(Schema):
    id: int
    kind: str
    kind_label: str
    on: date
    department: str
    reason: str
    actor: str = ""
    reverses: int | None = None


class ListEntryOut(Schema):
    id: int
    list: str
    list_label: str
    cause: str
    cause_label: str
    report_year: int | None
    reason: str
    listed_on: date
    department: str
    status: str
    status_label: str
    removed_on: date | None
    removal_reason: str
    reminder_on: date | None
    history: builtins.list[ListEventOut]


class EnterpriseDetail(EnterpriseItem):
    registered_capital: Decimal | None
    address: str
    approved_on: date | None
    term_to: date | None
    business_scope: str
    exposed: bool
    disclosures: list[DisclosureOut]
    annual_reports: list[AnnualReportPublic]
    immediate_info: list[ImmediateInfoOut]
    lists: list[ListEntryOut]
    views: int = Field(description="公示页累计浏览次数（按日汇总，不记录访问者）")


# --------------------------------------------------------------------------- staff


class DisclosureIn(Schema):
    kind: str = Field(
        description="license | penalty | spot_check | chattel_mortgage | equity_pledge | ip_pledge | other"
    )
    title: str
    document_no: str = ""
    content: str = ""
    result: str = ""
    amount: Decimal | None = None
    legal_basis: str
    decided_on: date
    valid_from: date | None = None
    valid_to: date | None = None
    source_ref: str = Field("", description="该记录在部门业务系统中的编号（可选，用于去重）")
    department: str = Field("", description="以哪个部门的名义公示（在多个部门任职时必填）")


class DisclosureCorrectionIn(Schema):
    reason: str
    title: str | None = None
    document_no: str | None = None
    content: str | None = None
    result: str | None = None
    amount: Decimal | None = None
    legal_basis: str | None = None
    decided_on: date | None = None
    valid_from: date | None = None
    valid_to: date | None = None


class ReasonIn(Schema):
    reason: str
    department: str = ""


class ListingIn(Schema):
    list: str = Field(description="abnormal | serious | exposed")
    cause: str
    reason: str
    report_year: int | None = None
    department: str = ""


class RemovalIn(Schema):
    cause: str = Field(description="cured | error | court")
    reason: str
    department: str = ""


class DecisionIn(Schema):
    approve: bool
    reason: str
    department: str = ""


class ApplicationOut(Schema):
    id: int
    entry_id: int
    uscc: str
    name: str
    cause: str
    report_year: int | None
    statement: str
    applied_on: date
    due_on: date
    overdue: bool
    status: str
    decision_reason: str


# --------------------------------------------------------------------------- the enterprise


class Contribution(Schema):
    shareholder: str
    subscribed: Decimal
    paid: Decimal = Decimal(0)
    method: str = "货币"


class Investment(Schema):
    name: str
    uscc: str = ""


class AnnualReportIn(Schema):
    address: str
    postal_code: str
    phone: str
    email: str = ""
    operating_status: str = Field(description="operating | suspended | liquidating")
    employees: int
    website: str = ""
    has_external_investment: bool = False
    has_equity_transfer: bool = False
    provides_guarantee: bool = False
    contributions: list[Contribution] = []
    investments: list[Investment] = []
    financials_public: bool = False
    total_assets: Decimal
    total_liabilities: Decimal
    owners_equity: Decimal
    revenue: Decimal
    main_business_revenue: Decimal
    total_profit: Decimal
    net_profit: Decimal
    tax_paid: Decimal


class AnnualReportFileIn(AnnualReportIn):
    year: int


class AnnualReportCorrectionIn(AnnualReportIn):
    reason: str


class AnnualReportOut(AnnualReportPublic):
    financials: dict[str, Decimal] | None = None
    filed_at: datetime


class ReportYearOut(Schema):
    year: int
    deadline: date
    filed: bool
    late: bool
    overdue: bool


class ImmediateInfoIn(Schema):
    kind: str = Field(
        description="capital_contribution | equity_change | license | ip_pledge | penalty | other"
    )
    changed_on: date
    content: str


class RemovalApplicationIn(Schema):
    statement: str


class OwnCreditOut(Schema):
    enterprise: EnterpriseItem
    report_years: list[ReportYearOut]
    lists: list[ListEntryOut]
    applications: list[ApplicationOut]
