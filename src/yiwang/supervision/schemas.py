"""Shapes of the supervision API (monitor, cards, stars)."""

from __future__ import annotations

from datetime import date

from ninja import Field, Schema


class RegionOut(Schema):
    code: str
    name: str
    level: str


class BreakdownOut(Schema):
    key: str
    name: str
    open: int
    red: int
    yellow: int
    cards: int


class OverviewOut(Schema):
    region: RegionOut
    hall: str | None
    department: str | None
    as_of: date
    open: int
    red: int
    yellow: int
    provisional: int
    suspended: int
    on_time_share: float | None
    cards_issued: int
    cards_unanswered: int
    cards_escalated: int
    children_level: str
    period: dict[str, int | float | None] | None = Field(
        None,
        description="The region's figures over the period from the statistics rollup "
        "(accepted, completed, on time, average working days, ratios to the promised and "
        "legal limits, satisfaction …; decision 0024); absent for a hall or department.",
    )
    by_status: list[BreakdownOut]
    children: list[BreakdownOut]
    by_department: list[BreakdownOut]
    by_item: list[BreakdownOut]
    staff: list[BreakdownOut]


class SupervisedCaseOut(Schema):
    case_no: str
    item_name: str
    department: str
    hall: str | None
    region: str
    status: str
    status_label: str
    colour: str
    due_on: date | None
    remaining_workdays: int | None
    provisional: bool
    applicant: str  # masked
    responsible: str | None


class SupervisedCaseListOut(Schema):
    items: list[SupervisedCaseOut]
    total: int
    total_capped: bool
    page: int
    page_size: int


class StarCountsOut(Schema):
    key: str
    name: str
    total: int
    five: int
    four: int
    three: int
    five_star_share: float | None


class StarItemOut(Schema):
    code: str
    name: str
    department: str
    visits: int
    stars: int


class StarsOut(Schema):
    province: StarCountsOut
    halls: list[StarCountsOut]
    hall: StarCountsOut | None = None
    departments: list[StarCountsOut] = []
    items: list[StarItemOut] = []


class RankingRevisionOut(Schema):
    revision: int
    published_at: str
    reason: str


class TrendPointOut(Schema):
    month: str
    score: float | None


class RankingEntryOut(Schema):
    rank: int | None = Field(description="名次；样本不足（当月办结件数少于下限）时为空")
    previous_rank: int | None = Field(description="上月名次（最新版次）")
    key: str
    name: str
    region: str
    score: float | None
    figures: dict[str, object] = Field(description="各项比率、得分、扣分及办件数")
    trend: list[TrendPointOut]


class RankingOut(Schema):
    month: str
    kind: str
    revision: int
    latest_revision: int
    published_at: str
    reason: str
    formula: dict[str, object]
    revisions: list[RankingRevisionOut]
    months: list[str]
    entries: list[RankingEntryOut]
