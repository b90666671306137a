"""Schemas of the investment API (issue 13: POST/GET /projects, GET /projects/{code},
the filing's change and cancellation)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from ninja import Schema
from pydantic import ConfigDict, Field


class ProjectIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=400, description="项目名称")
    region: str = Field(max_length=12, description="建设地点的区划代码（省、市或县级）")
    industry: str = Field(max_length=2, description="行业代码（GB/T 4754 大类，两位）")
    content: str = Field(max_length=1000, description="建设规模及内容")
    total_investment: Decimal = Field(description="总投资（万元）")
    funding: str = Field(description="资金来源：government、enterprise 或 mixed")
    government_investment: Decimal | None = Field(
        None, description="其中政府投资（万元）；共同投资项目必填"
    )
    planned_start: date = Field(description="计划开工日期")
    planned_end: date = Field(description="计划竣工日期")
    file: bool = Field(False, description="备案类项目是否立即备案（即来即办）")


class FilingChangeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=1000, description="变更原因")
    name: str | None = Field(None, max_length=400)
    content: str | None = Field(None, max_length=1000)
    total_investment: Decimal | None = None
    funding: str | None = None
    government_investment: Decimal | None = None
    planned_start: date | None = None
    planned_end: date | None = None


class FilingCancelIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=1000, description="撤销原因")


class RuleOut(Schema):
    code: str
    name: str
    basis: str


class EventOut(Schema):
    version: int
    kind: str
    kind_label: str
    at: datetime
    actor: str
    reason: str
    certificate: str
    snapshot: dict[str, object]


class ProjectOut(Schema):
    code: str
    name: str
    owner: str
    owner_code: str
    region: str
    region_name: str
    industry: str
    industry_name: str
    content: str
    total_investment: Decimal
    funding: str
    government_investment: Decimal
    planned_start: date
    planned_end: date
    category: str
    category_label: str
    level: str
    level_label: str
    competent_region: str | None
    competent_department: str | None
    decided_by: RuleOut = Field(description="决定项目类别和管理层级的规则")
    status: str
    status_label: str
    version: int
    certificate: str | None = Field(description="备案证明的电子证照标识")
    created_at: datetime
    filed_at: datetime | None
    history: list[EventOut] | None = None


class ProjectListOut(Schema):
    items: list[ProjectOut]
    total: int
    total_capped: bool
    page: int
    page_size: int
