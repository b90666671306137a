"""HTTP API of the cases app (paths as in shared/design/interfaces.md)."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest
from ninja import Header, Router, Status

from yiwang.accounts.actor import Actor, signed_in_actor
from yiwang.cases import selectors, services
from yiwang.cases.choices import CaseStatus, SpecialProcedure
from yiwang.cases.clock import ClockView
from yiwang.cases.models import Case
from yiwang.cases.schemas import (
    ActionIn,
    ApplicantOut,
    CaseListItemOut,
    CaseListOut,
    CaseMaterialOut,
    CaseOut,
    PublicCaseOut,
    ResultOut,
    SubmitIn,
    SubmittedOut,
    SupplementNoticeOut,
    SuspensionOut,
    TimelineOut,
)
from yiwang.common import idempotency
from yiwang.uploads.responses import attachment_response

router = Router(tags=["cases"])


def _actor(request: HttpRequest) -> Actor:
    """The request's actor (built once by the auth: token or session), signed in."""
    return signed_in_actor(request)


def _label(status: str) -> str:
    return str(CaseStatus(status).label)


def _intake(case: Case) -> str:
    if case.accepted_hall_id and case.accepted_hall:
        return case.accepted_hall.name
    if case.accepted_department_id and case.accepted_department:
        return case.accepted_department.name
    if case.intake_region_id and case.intake_region:
        return f"{case.intake_region.name}便民服务站"
    return case.hall.name if case.hall else case.department.name


def _clock_fields(case: Case, clock: ClockView) -> dict[str, Any]:
    return {
        "due_on": clock.due_on,
        "remaining_workdays": clock.remaining_workdays,
        "overdue": clock.overdue,
        "near_due": clock.near_due,
        "mark": clock.mark,
        "provisional": clock.provisional,
    }


def case_out(detail: selectors.CaseDetail) -> CaseOut:
    case, clock = detail.case, detail.clock
    ident = detail.applicant
    result = None
    if case.decision or case.refusal_reason or case.status == CaseStatus.REFUSED:
        result = ResultOut(
            decision=case.decision,
            text=case.result_text,
            reason=case.refusal_reason,
            decided_at=case.decided_at,
            issued_at=case.issued_at,
            delivered_at=case.delivered_at,
            delivery_method=case.delivered_method_id,
            carrier=case.carrier,
            tracking_no=case.tracking_no,
        )
    return CaseOut(
        case_no=case.case_no,
        item_code=case.item.code,
        item_name=case.item.name,
        status=case.status,
        status_label=_label(case.status),
        version=case.version,
        channel=case.channel,
        department=case.department.name,
        intake=_intake(case),
        current_step=case.current_step,
        submitted_at=case.submitted_at,
        accepted_at=case.accepted_at,
        accepted_on=case.accepted_on,
        deemed_accepted=case.deemed_accepted,
        promised_deadline=case.promised_deadline,
        legal_deadline=case.legal_deadline,
        issue_deadline=case.issue_deadline,
        legal_remaining_workdays=clock.legal_remaining_workdays,
        paused_workdays=case.paused_workdays,
        extension_workdays=case.extension_workdays,
        extension_reason=case.extension_reason,
        delivery=case.delivery_method_id,
        applicant=ApplicantOut(
            display_name=ident.display_name,
            kind=ident.kind,
            id_number=ident.id_number,
            uscc=ident.uscc,
            phone=ident.phone,
        ),
        history=[TimelineOut(**e.__dict__) for e in detail.timeline],
        result=result,
        materials=[
            CaseMaterialOut(
                id=m.pk,
                material=m.material_code,
                name=m.material_name,
                upload_id=str(m.upload_id) if m.upload_id else "",
                file_name=m.file_name,
                submitted_at=m.submitted_at,
                superseded=m.superseded,
                license_id=m.license_identifier or None,
                license=m.license_facts or None,
            )
            for m in detail.materials
        ],
        supplement_notices=[
            SupplementNoticeOut(
                items=n.items, comment=n.comment, issued_at=n.issued_at, answered_at=n.answered_at
            )
            for n in detail.supplement_notices
        ],
        suspensions=[
            SuspensionOut(
                kind=s.kind,
                kind_label=str(SpecialProcedure(s.kind).label),
                reason=s.reason,
                started_on=s.started_on,
                ended_on=s.ended_on,
                workdays=s.workdays,
            )
            for s in detail.suspensions
        ],
        allowed_actions=detail.allowed_actions,
        **_clock_fields(case, clock),
    )


@router.post(
    "/cases",
    response={201: SubmittedOut},
    summary="提交申请（办件）",
    description="申请人（自然人、法人）网上申报，或窗口/站点受理人员代办（on_behalf_of）。"
    "带 Idempotency-Key 请求头时，同一个键重复提交返回同一个办件。",
    operation_id="submitCase",
)
def submit(
    request: HttpRequest,
    body: SubmitIn,
    idempotency_key: idempotency.HeaderKey | None = Header(None, alias="Idempotency-Key"),  # noqa: B008
) -> Any:
    key = idempotency.parse_key(idempotency_key)
    submission = services.submit_case(
        actor=_actor(request),
        item_code=body.item_code,
        form=body.form,
        materials=[
            services.MaterialRef(m.material, m.upload_id or "", m.license_id or "")
            for m in body.materials
        ],
        delivery=body.delivery,
        idempotency_key=key,
        on_behalf_of=body.on_behalf_of,
        intake_region=body.intake_region,
        channel=body.channel,
    )
    out = SubmittedOut(
        case_no=submission.case.case_no,
        status=submission.case.status,
        query_code=submission.query_code,
    )
    return Status(201, out)


@router.get(
    "/cases", response=CaseListOut, summary="我的办件 / 工作台待办", operation_id="listCases"
)
def list_cases(
    request: HttpRequest,
    status: str | None = None,
    page: int = 1,
) -> CaseListOut:
    result = selectors.paginate(selectors.cases_for(_actor(request), status=status), page)
    return CaseListOut(
        items=[
            CaseListItemOut(
                case_no=case.case_no,
                item_code=case.item.code,
                item_name=case.item.name,
                status=case.status,
                status_label=_label(case.status),
                department=case.department.name,
                current_step=case.current_step,
                submitted_at=case.submitted_at,
                accepted_at=case.accepted_at,
                promised_deadline=case.promised_deadline,
                legal_deadline=case.legal_deadline,
                **_clock_fields(case, clock),
            )
            for case, clock in result.rows
        ],
        total=result.total,
        page=result.page,
        page_size=result.page_size,
    )


@router.get("/cases/{case_no}", response=CaseOut, summary="办件详情", operation_id="getCase")
def get_case(request: HttpRequest, case_no: str) -> CaseOut:
    return case_out(selectors.case_detail_for(_actor(request), case_no))


@router.get(
    "/cases/{case_no}/materials/{material_id}",
    summary="下载办件材料（申请人和经办人员）",
    openapi_extra={
        "responses": {
            200: {
                "description": "文件内容（附件下载）",
                "content": {
                    t: {"schema": {"type": "string", "format": "binary"}}
                    for t in ("application/pdf", "image/jpeg", "image/png")
                },
            }
        }
    },
    operation_id="downloadCaseMaterial",
)
def download_material(request: HttpRequest, case_no: str, material_id: int) -> FileResponse:
    material = selectors.get_case_material_for(_actor(request), case_no, material_id)
    assert material.upload is not None  # the selector refuses a license (no file)
    return attachment_response(material.upload)


@router.post(
    "/cases/{case_no}/actions", response=CaseOut, summary="办理操作", operation_id="actOnCase"
)
def act(request: HttpRequest, case_no: str, body: ActionIn) -> CaseOut:
    actor = _actor(request)
    params: dict[str, Any] = {}
    if body.missing is not None:
        params["missing"] = [m.model_dump() for m in body.missing]
    if body.materials is not None:
        params["materials"] = [m.model_dump() for m in body.materials]
    for name in ("kind", "method", "tracking_no", "carrier", "result_text"):
        value = getattr(body, name)
        if value is not None:
            params[name] = value
    services.perform_action(
        case_no,
        body.action,
        actor=actor,
        comment=body.comment,
        expected_version=body.version,
        **params,
    )
    return case_out(selectors.case_detail_for(actor, case_no))


@router.get(
    "/public/cases/{case_no}",
    response=PublicCaseOut,
    auth=None,
    summary="凭办件编号和查询码公开查询办件状态",
    operation_id="lookupPublicCase",
)
def public_lookup(request: HttpRequest, case_no: str, code: str = "") -> PublicCaseOut:
    found = selectors.public_case_status(case_no, code)
    return PublicCaseOut(status_label=_label(found.status), **found.__dict__)
