"""Schemas of the cases API (interfaces.md: POST/GET /cases, actions, public lookup)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import BaseModel, Field

from yiwang.cases.choices import CaseAction


class MaterialIn(Schema):
    """One material: an uploaded file (`upload_id`) or one of the applicant's licenses
    from the library (`license_id`, 免提交) — one of the two."""

    material: str = Field(min_length=1, max_length=40, description="事项材料编码")
    upload_id: str | None = Field(
        None, min_length=1, max_length=64, description="POST /uploads 返回的 upload_id"
    )
    license_id: str | None = Field(
        None,
        min_length=1,
        max_length=120,
        description="电子证照标识（免提交）：申请人本人持有的、该材料可用类型的有效电子证照",
    )


class SubmitIn(Schema):
    item_code: str = Field(min_length=1, max_length=40)
    form: dict[str, Any] = Field(default_factory=dict)
    materials: list[MaterialIn] = Field(default_factory=list, max_length=100)
    delivery: str | None = Field(
        None, max_length=20, description="送达方式编码（事项的送达方式之一）"
    )
    on_behalf_of: str | None = Field(
        None,
        max_length=18,
        description="窗口/站点代办：申请人的公民身份号码或统一社会信用代码（仅受理人员可用）",
    )
    intake_region: str | None = Field(
        None, max_length=12, description="乡镇（街道）站点受理的事项：受理站点所在区划代码"
    )
    channel: Literal["online", "kiosk"] | None = None


class SubmittedOut(Schema):
    case_no: str
    status: str
    query_code: str = Field(
        description="查询码：仅在提交时显示一次，凭办件编号和查询码可公开查询状态"
    )


class MissingIn(Schema):
    material: str = Field(min_length=1, max_length=40)
    reason: str = Field("", max_length=300)


class ActionIn(Schema):
    action: CaseAction
    comment: str = Field("", max_length=2000)
    version: int | None = Field(None, description="乐观锁：期望的办件版本，不一致时返回 409")
    missing: list[MissingIn] | None = Field(
        None, description="request_supplement：全部需补正的材料"
    )
    materials: list[MaterialIn] | None = Field(None, description="resubmit：补正的材料")
    kind: str | None = Field(None, max_length=20, description="suspend：特别程序种类")
    method: str | None = Field(None, max_length=20, description="deliver：送达方式编码")
    tracking_no: str | None = Field(None, max_length=40, description="deliver（邮寄）：快递单号")
    carrier: str | None = Field(None, max_length=60, description="deliver（邮寄）：承运单位")
    result_text: str | None = Field(None, max_length=500, description="approve/issue：办理结果")


class TimelineOut(Schema):
    kind: str
    action: str
    from_status: str
    to_status: str
    unit: str
    actor: str
    comment: str
    data: dict[str, Any]
    at: datetime


class CaseMaterialOut(Schema):
    id: int = Field(description="GET /cases/{case_no}/materials/{id} 下载（申请人和经办人员）")
    material: str
    name: str
    upload_id: str = Field(description="上传文件；以电子证照提交的材料为空")
    file_name: str
    submitted_at: datetime
    superseded: bool
    license_id: str | None = Field(None, description="以电子证照提交（免提交）时的证照标识")
    license: dict[str, Any] | None = Field(
        None,
        description="提交时电子证照库核验的证照信息：type_code, type_name, version, license_no, "
        "holder_name, issuer_name, valid_from, valid_until, status, key_id, digest, verified_at",
    )


class SupplementNoticeOut(Schema):
    items: list[dict[str, Any]]
    comment: str
    issued_at: datetime
    answered_at: datetime | None


class SuspensionOut(Schema):
    kind: str
    kind_label: str
    reason: str
    started_on: date
    ended_on: date | None
    workdays: int | None


class ResultOut(Schema):
    decision: str
    text: str
    reason: str
    decided_at: datetime | None
    issued_at: datetime | None
    delivered_at: datetime | None
    delivery_method: str | None
    carrier: str
    tracking_no: str


class ApplicantOut(Schema):
    display_name: str
    kind: str
    id_number: str
    uscc: str
    phone: str


class CaseOut(Schema):
    case_no: str
    item_code: str
    item_name: str
    status: str
    status_label: str
    version: int
    channel: str
    department: str
    intake: str = Field(description="受理单位（大厅或乡镇站点）")
    current_step: str
    submitted_at: datetime
    accepted_at: datetime | None
    accepted_on: date | None
    deemed_accepted: bool
    promised_deadline: date | None
    legal_deadline: date | None
    issue_deadline: date | None
    due_on: date | None = Field(description="当前环节的期限")
    remaining_workdays: int | None
    legal_remaining_workdays: int | None
    overdue: bool
    near_due: bool
    mark: str = Field(description="red 红牌（超期）/ yellow 黄牌（临近到期）/ 空")
    provisional: bool
    paused_workdays: int
    extension_workdays: int
    extension_reason: str
    delivery: str | None
    applicant: ApplicantOut
    history: list[TimelineOut]
    result: ResultOut | None
    materials: list[CaseMaterialOut]
    supplement_notices: list[SupplementNoticeOut]
    suspensions: list[SuspensionOut]
    allowed_actions: list[str]


# Plain pydantic, not ninja's Schema: built from values by `api.list_cases`, twenty a
# page, where Schema's getter for ORM objects costs ten times the validation itself, and
# ninja validates the page again on the way out.
class CaseListItemOut(BaseModel):
    case_no: str
    item_code: str
    item_name: str
    status: str
    status_label: str
    department: str
    current_step: str
    submitted_at: datetime
    accepted_at: datetime | None
    promised_deadline: date | None
    legal_deadline: date | None
    due_on: date | None
    remaining_workdays: int | None
    overdue: bool
    near_due: bool
    mark: str
    provisional: bool


class CaseListOut(BaseModel):
    items: list[CaseListItemOut]
    total: int
    page: int
    page_size: int


class PublicCaseOut(Schema):
    case_no: str
    item_name: str
    status: str
    status_label: str
    submitted_at: datetime
    accepted_at: datetime | None
    decided_at: datetime | None
    closed_at: datetime | None
