"""HTTP API of investment projects (issue 13, items 1 and 2): register (赋码, and a 备案
project filed at once), list, read, and a filing's change and cancellation."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Header, Router, Status

from yiwang.accounts.actor import signed_in_actor
from yiwang.common import idempotency
from yiwang.investment import rules, selectors, services
from yiwang.investment.choices import Category, EventKind, Level, ProjectStatus
from yiwang.investment.models import Project
from yiwang.investment.schemas import (
    EventOut,
    FilingCancelIn,
    FilingChangeIn,
    ProjectIn,
    ProjectListOut,
    ProjectOut,
    RuleOut,
)

router = Router(tags=["investment"])


def project_out(project: Project, *, history: bool = False) -> ProjectOut:
    department = project.competent_department
    return ProjectOut(
        code=project.code,
        name=project.name,
        owner=project.owner_name,
        owner_code=project.owner_code,
        region=project.region_id,
        region_name=project.region.name,
        industry=project.industry,
        industry_name=rules.industries().get(project.industry, ""),
        content=project.content,
        total_investment=project.total_investment,
        funding=project.funding,
        government_investment=project.government_investment,
        planned_start=project.planned_start,
        planned_end=project.planned_end,
        category=project.category,
        category_label=str(Category(project.category).label),
        level=project.level,
        level_label=str(Level(project.level).label),
        competent_region=project.competent_region_id,
        competent_department=department.name if department is not None else None,
        decided_by=RuleOut(
            code=project.decided_by.code,
            name=project.decided_by.name,
            basis=project.decided_by.basis,
        ),
        status=project.status,
        status_label=str(ProjectStatus(project.status).label),
        version=project.version,
        certificate=project.certificate or None,
        created_at=project.created_at,
        filed_at=project.filed_at,
        history=(
            [
                EventOut(
                    version=e.version,
                    kind=e.kind,
                    kind_label=str(EventKind(e.kind).label),
                    at=e.at,
                    actor=e.actor,
                    reason=e.reason,
                    certificate=e.certificate,
                    snapshot=e.snapshot,
                )
                for e in selectors.history_of(project)
            ]
            if history
            else None
        ),
    )


@router.post(
    "/projects",
    response={201: ProjectOut},
    summary="登记投资项目并赋码（备案类项目可即时备案）",
    description="企业登记投资项目，按规则确定审批、核准或备案类别及管理层级，赋予项目代码。"
    "备案类项目带 `file: true` 时即来即办：当场备案并签发备案证明电子证照。"
    "带 Idempotency-Key 请求头时，同一个键重复提交返回同一个项目。",
    operation_id="registerProject",
)
def register(
    request: HttpRequest,
    body: ProjectIn,
    idempotency_key: idempotency.HeaderKey | None = Header(None, alias="Idempotency-Key"),  # noqa: B008
) -> Status:
    key = idempotency.parse_key(idempotency_key)
    actor = signed_in_actor(request)

    def create() -> Project:
        return services.register_project(
            name=body.name,
            region=body.region,
            industry=body.industry,
            content=body.content,
            total_investment=body.total_investment,
            funding=body.funding,
            government_investment=body.government_investment,
            planned_start=body.planned_start,
            planned_end=body.planned_end,
            file=body.file,
            actor=actor,
        )

    made = idempotency.create_once(
        "investment.register",
        actor=actor,
        key=key,
        body=body.model_dump(mode="json"),
        create=create,
        model=Project,
    )
    return Status(201, project_out(selectors.project_for(actor, made.code), history=True))


@router.get(
    "/projects",
    response=ProjectListOut,
    summary="投资项目列表（企业：本单位项目；投资主管部门：主管的项目）",
    operation_id="listProjects",
)
def list_projects(
    request: HttpRequest, status: str | None = None, category: str | None = None, page: int = 1
) -> ProjectListOut:
    result = selectors.projects_for(
        signed_in_actor(request), status=status or None, category=category or None, page=page
    )
    return ProjectListOut(
        items=[project_out(p) for p in result.rows],
        total=result.total,
        total_capped=result.total_capped,
        page=result.page,
        page_size=result.page_size,
    )


@router.get(
    "/projects/{project_code}",
    response=ProjectOut,
    summary="投资项目详情（含类别规则和历史版本）",
    operation_id="getProject",
)
def get_project(request: HttpRequest, project_code: str) -> ProjectOut:
    return project_out(selectors.project_for(signed_in_actor(request), project_code), history=True)


@router.post(
    "/projects/{project_code}/filing",
    response=ProjectOut,
    summary="备案（即来即办，当场签发备案证明）",
    operation_id="fileProject",
)
def file_project(request: HttpRequest, project_code: str) -> ProjectOut:
    actor = signed_in_actor(request)
    project = services.file_project(project_code, actor=actor)
    return project_out(selectors.project_for(actor, project.code), history=True)


@router.post(
    "/projects/{project_code}/filing/change",
    response=ProjectOut,
    summary="备案变更（新版本，原备案证明作废，历史保留）",
    operation_id="changeFiling",
)
def change_filing(request: HttpRequest, project_code: str, body: FilingChangeIn) -> ProjectOut:
    actor = signed_in_actor(request)
    changes = body.model_dump(exclude={"reason"}, exclude_none=True)
    project = services.change_filing(project_code, reason=body.reason, changes=changes, actor=actor)
    return project_out(selectors.project_for(actor, project.code), history=True)


@router.post(
    "/projects/{project_code}/filing/cancel",
    response=ProjectOut,
    summary="撤销备案（备案证明吊销，历史保留）",
    operation_id="cancelFiling",
)
def cancel_filing(request: HttpRequest, project_code: str, body: FilingCancelIn) -> ProjectOut:
    actor = signed_in_actor(request)
    project = services.cancel_filing(project_code, reason=body.reason, actor=actor)
    return project_out(selectors.project_for(actor, project.code), history=True)
