"""HTTP API of the feedback app (issue 12's API list): rate a case; the rectification
tasks of a unit or a supervisor's regions."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Header, Router, Status

from yiwang.accounts.actor import signed_in_actor
from yiwang.cases.models import Case
from yiwang.common import idempotency
from yiwang.feedback import selectors, services
from yiwang.feedback.choices import AppealStatus, RatingChannel, RectificationStatus, Score
from yiwang.feedback.models import Evaluation, Rectification
from yiwang.feedback.schemas import (
    EvaluationIn,
    EvaluationOut,
    RectificationListOut,
    RectificationOut,
)

router = Router(tags=["feedback"])


def evaluation_out(evaluation: Evaluation, case_no: str) -> EvaluationOut:
    return EvaluationOut(
        case_no=case_no,
        score=evaluation.score,
        score_label=str(Score(evaluation.score).label),
        indicators=list(evaluation.indicators),
        comment=evaluation.comment,
        channel=evaluation.channel,
        real_name=evaluation.real_name,
        at=evaluation.at,
        rectification=Rectification.objects.filter(evaluation_id=evaluation.pk).exists(),
    )


@router.post(
    "/cases/{case_no}/evaluation",
    response={201: EvaluationOut},
    summary="评价办件（好差评，一事一评）",
    description="申请人在办件办结（含不予许可、不予受理）后评价一次；工作人员不能评价。"
    "差评（≤2）自动派发整改。带 Idempotency-Key 请求头时，同一个键重复提交返回同一条评价。",
    operation_id="rateCase",
)
def rate(
    request: HttpRequest,
    case_no: str,
    body: EvaluationIn,
    idempotency_key: idempotency.HeaderKey | None = Header(None, alias="Idempotency-Key"),  # noqa: B008
) -> Any:
    key = idempotency.parse_key(idempotency_key)
    evaluation = services.rate_case(
        case_no,
        score=body.score,
        indicators=body.indicators,
        comment=body.comment,
        channel=RatingChannel.API,
        actor=signed_in_actor(request),
        idempotency_key=key,
    )
    number = Case.objects.filter(pk=evaluation.case_id).values_list("case_no", flat=True).get()
    return Status(201, evaluation_out(evaluation, number))


def rectification_out(task: Rectification) -> RectificationOut:
    evaluation = task.evaluation
    appeals = list(task.appeals.all())
    return RectificationOut(
        id=task.pk,
        case_no=evaluation.case.case_no,
        item_name=evaluation.case.item.name,
        department=task.department.name,
        region=task.region.code,
        region_name=task.region.name,
        score=evaluation.score,
        indicators=list(evaluation.indicators),
        comment=evaluation.comment,
        real_name=evaluation.real_name,
        excluded=evaluation.excluded,
        status=task.status,
        status_label=str(RectificationStatus(task.status).label),
        opened_on=task.opened_on,
        deadline=task.deadline,
        overdue=task.overdue,
        answer=task.answer,
        answered_at=task.answered_at,
        call_backs=len(task.call_backs.all()),
        appeal_status=str(AppealStatus(appeals[-1].status)) if appeals else None,
    )


@router.get(
    "/supervision/rectifications",
    response=RectificationListOut,
    summary="差评整改任务（责任单位：本单位；效能监察：辖区）",
    operation_id="listRectifications",
)
def list_rectifications(
    request: HttpRequest, status: str | None = None, region: str | None = None, page: int = 1
) -> RectificationListOut:
    qs = selectors.rectifications_for(
        signed_in_actor(request), status=status or None, region=region or None
    ).prefetch_related("appeals", "call_backs")
    result = selectors.paginate(qs, page)
    return RectificationListOut(
        items=[rectification_out(t) for t in result.rows],
        total=result.total,
        total_capped=result.total_capped,
        page=result.page,
        page_size=result.page_size,
    )
