"""Schemas of the feedback API (issue 12: POST /cases/{case_no}/evaluation,
GET /supervision/rectifications)."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Schema
from pydantic import Field

from yiwang.feedback.choices import COMMENT_MAX


class EvaluationIn(Schema):
    score: int = Field(
        description="评价等级：5 非常满意，4 满意，3 基本满意，2 不满意，1 非常不满意"
    )
    indicators: list[str] = Field(
        default_factory=list, max_length=20, description="评价指标编码（见 docs/feedback.md）"
    )
    comment: str = Field("", max_length=COMMENT_MAX * 2, description="评价内容（可不填）")


class EvaluationOut(Schema):
    case_no: str
    score: int
    score_label: str
    indicators: list[str]
    comment: str
    channel: str
    real_name: bool
    at: datetime
    rectification: bool = Field(description="是否已派发差评整改")


class RectificationOut(Schema):
    id: int
    case_no: str
    item_name: str
    department: str
    region: str
    region_name: str
    score: int
    indicators: list[str]
    comment: str
    real_name: bool
    excluded: bool = Field(description="申诉成立，差评不计入统计")
    status: str
    status_label: str
    opened_on: date
    deadline: date
    overdue: bool
    answer: str
    answered_at: datetime | None
    call_backs: int
    appeal_status: str | None


class RectificationListOut(Schema):
    items: list[RectificationOut]
    total: int
    total_capped: bool
    page: int
    page_size: int
