"""HTTP API of enterprise credit information publicity.

Public (no sign-in, rate-limited per address):
  GET  /public/enterprises?q=&page=          search by a part of the name or by USCC
  GET  /public/enterprises/{uscc}            everything public about one enterprise
Registration authorities and departments' credit staff (Permission.CREDIT_PUBLISH):
  GET  /credit/enterprises/{uscc}            the full record (withdrawn, revoked, reversals)
  POST /credit/enterprises/{uscc}/disclosures
  POST /credit/disclosures/{id}/corrections | /withdrawal
  POST /credit/enterprises/{uscc}/list-entries
  POST /credit/list-entries/{id}/removal
  POST /credit/list-events/{id}/reversal
  GET  /credit/removal-applications          POST /credit/removal-applications/{id}/decision
The enterprise's own account:
  GET  /enterprise/credit                    POST /enterprise/annual-reports
  GET|PUT /enterprise/annual-reports/{year}  POST /enterprise/immediate-info
  POST /enterprise/list-entries/{id}/removal-application
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Header, Query, Router, Status

from yiwang.accounts.actor import Actor, signed_in_actor
from yiwang.common import idempotency
from yiwang.common.http import client_address
from yiwang.credit import selectors, services
from yiwang.credit.choices import ApplicationStatus
from yiwang.credit.display import report_public
from yiwang.credit.models import (
    AnnualReport,
    Disclosure,
    Enterprise,
    ImmediateInfo,
    ListEntry,
    RemovalApplication,
)
from yiwang.credit.schemas import (
    AnnualReportCorrectionIn,
    AnnualReportFileIn,
    AnnualReportOut,
    AnnualReportPublic,
    ApplicationOut,
    DecisionIn,
    DisclosureCorrectionIn,
    DisclosureIn,
    DisclosureOut,
    EnterpriseDetail,
    EnterpriseItem,
    ImmediateInfoIn,
    ImmediateInfoOut,
    ListEntryOut,
    ListEventOut,
    ListingIn,
    OwnCreditOut,
    ReasonIn,
    RemovalApplicationIn,
    RemovalIn,
    ReportYearOut,
    RevisionOut,
    SearchOut,
)

router = Router(tags=["credit"])

#: The public pages are throttled per address (the schema: yiwang.api.openapi).
_THROTTLED = {
    "responses": {429: {"description": "访问过于频繁（rate_limited），Retry-After 为等待秒数"}}
}


def _actor(request: HttpRequest) -> Actor:
    """The request's actor (built once by the auth: token or session), signed in."""
    return signed_in_actor(request)


# --------------------------------------------------------------------------- shaping


def enterprise_item(e: Enterprise) -> EnterpriseItem:
    return EnterpriseItem(
        uscc=e.uscc,
        name=e.name,
        kind=e.kind,
        kind_label=e.get_kind_display(),
        status=e.status,
        status_label=e.get_status_display(),
        legal_representative=e.legal_representative,
        established_on=e.established_on,
        registration_authority=e.registration_authority,
        region_code=e.region_code,
        abnormal=e.abnormal,
        serious=e.serious,
    )


def disclosure_out(d: Disclosure, *, staff: bool = False) -> DisclosureOut:
    return DisclosureOut(
        id=d.pk,
        kind=d.kind,
        kind_label=d.get_kind_display(),
        title=d.title,
        document_no=d.document_no,
        content=d.content,
        result=d.result,
        amount=d.amount,
        legal_basis=d.legal_basis,
        decided_on=d.decided_on,
        valid_from=d.valid_from,
        valid_to=d.valid_to,
        department=d.department.name,
        department_code=d.department.code,
        source=d.source,
        published_at=d.published_at,
        version=d.version,
        corrected_at=d.corrected_at,
        revisions=[
            RevisionOut(version=r.version, changed_at=r.changed_at, reason=r.reason)
            for r in sorted(d.revisions.all(), key=lambda r: r.version)
        ],
        withdrawn_at=d.withdrawn_at if staff else None,
        withdrawal_reason=d.withdrawal_reason if staff else "",
    )


def immediate_out(i: ImmediateInfo) -> ImmediateInfoOut:
    return ImmediateInfoOut(
        id=i.pk,
        kind=i.kind,
        kind_label=i.get_kind_display(),
        changed_on=i.changed_on,
        published_on=i.published_on,
        due_on=i.due_on,
        late=i.late,
        content=i.content,
    )


def entry_out(e: ListEntry, *, staff: bool = False) -> ListEntryOut:
    events = getattr(e, "public_events", None)
    if events is None:
        events = list(e.events.select_related("department").order_by("at", "id"))
    return ListEntryOut(
        id=e.pk,
        list=e.list_kind,
        list_label=e.get_list_kind_display(),
        cause=e.cause,
        cause_label=e.get_cause_display(),
        report_year=e.report_year,
        reason=e.reason,
        listed_on=e.listed_on,
        department=e.department.name if e.department else "",
        status=e.status,
        status_label=e.get_status_display(),
        removed_on=e.removed_on,
        removal_reason=e.removal_reason,
        reminder_on=e.reminder_on,
        history=[
            ListEventOut(
                id=ev.pk,
                kind=ev.kind,
                kind_label=ev.get_kind_display(),
                on=ev.on,
                department=ev.department.name if ev.department else "",
                reason=ev.reason,
                actor=ev.actor_label if staff else "",
                reverses=ev.reverses_id if staff else None,
            )
            for ev in events
        ],
    )


def application_out(a: RemovalApplication, *, today: Any = None) -> ApplicationOut:
    today = today or timezone.localdate()
    return ApplicationOut(
        id=a.pk,
        entry_id=a.entry_id,
        uscc=a.entry.enterprise.uscc,
        name=a.entry.enterprise.name,
        cause=a.entry.cause,
        report_year=a.entry.report_year,
        statement=a.statement,
        applied_on=a.applied_on,
        due_on=a.due_on,
        overdue=a.status == ApplicationStatus.PENDING and today > a.due_on,
        status=a.status,
        decision_reason=a.decision_reason,
    )


def detail_out(record: selectors.PublicRecord) -> EnterpriseDetail:
    e = record.enterprise
    staff = record.staff_view
    return EnterpriseDetail(
        **enterprise_item(e).model_dump(),
        registered_capital=e.registered_capital,
        address=e.address,
        approved_on=e.approved_on,
        term_to=e.term_to,
        business_scope=e.business_scope,
        exposed=e.exposed,
        disclosures=[disclosure_out(d, staff=staff) for d in record.disclosures],
        annual_reports=[AnnualReportPublic(**report_public(r)) for r in record.annual_reports],
        immediate_info=[immediate_out(i) for i in record.immediate_info],
        lists=[entry_out(x, staff=staff) for x in record.entries],
        views=record.views,
    )


# --------------------------------------------------------------------------- public


@router.get(
    "/public/enterprises",
    response=SearchOut,
    auth=None,
    summary="按名称或统一社会信用代码查询企业",
    operation_id="searchEnterprises",
    openapi_extra=_THROTTLED,
)
def search(request: HttpRequest, q: str = "", page: int = 1) -> SearchOut:
    """`q`: 2+ characters of the name, taken literally (`%`, `_`, quotes are plain
    characters), or a whole USCC (a malformed one: 400 `invalid_uscc`). Matches are
    counted up to a cap; `total_capped` says there are more."""
    services.check_rate_limit("search", client_address(request))
    result = selectors.search_enterprises(q, page=page)
    return SearchOut(
        items=[enterprise_item(e) for e in result.items],
        total=result.total,
        total_capped=result.capped,
        total_estimate=result.estimate,
        page=result.page,
        page_size=result.page_size,
    )


@router.get(
    "/public/enterprises/{uscc}",
    response=EnterpriseDetail,
    auth=None,
    summary="企业信用信息公示",
    operation_id="getPublicEnterprise",
    openapi_extra=_THROTTLED,
)
def enterprise_detail(request: HttpRequest, uscc: str) -> EnterpriseDetail:
    """Registration, departments' disclosures, annual reports, immediate information and
    list history. 400 on a malformed USCC, 404 if not registered."""
    services.check_rate_limit("detail", client_address(request))
    record = selectors.public_record(uscc)
    services.record_view(record.enterprise)
    return detail_out(record)


# --------------------------------------------------------------------------- staff


@router.get(
    "/credit/enterprises/{uscc}",
    response=EnterpriseDetail,
    summary="企业信用档案（工作人员）",
    operation_id="getEnterpriseCreditRecord",
)
def staff_detail(request: HttpRequest, uscc: str) -> EnterpriseDetail:
    return detail_out(selectors.staff_record(_actor(request), uscc))


@router.post(
    "/credit/enterprises/{uscc}/disclosures",
    response={201: DisclosureOut},
    summary="部门公示行政许可、行政处罚、抽查检查结果等信息",
    operation_id="publishDisclosure",
)
def publish_disclosure(
    request: HttpRequest,
    uscc: str,
    body: DisclosureIn,
    idempotency_key: str = Header("", alias="Idempotency-Key"),
) -> Status:
    key = idempotency.parse_key(idempotency_key)
    actor = _actor(request)
    authority = selectors.acting_authority(actor, body.department)
    enterprise = selectors.get_enterprise(uscc)
    disclosure = services.publish_disclosure(
        enterprise,
        body.model_dump(exclude={"department", "source_ref"}),
        department=authority,
        actor=actor,
        source_ref=body.source_ref,
        idempotency_key=key,
    )
    return Status(201, disclosure_out(disclosure, staff=True))


@router.post(
    "/credit/disclosures/{disclosure_id}/corrections",
    response=DisclosureOut,
    summary="更正公示信息（保留历史版本）",
    operation_id="correctDisclosure",
)
def correct_disclosure(
    request: HttpRequest, disclosure_id: int, body: DisclosureCorrectionIn
) -> DisclosureOut:
    actor = _actor(request)
    disclosure, _ = selectors.disclosure_for_staff(actor, disclosure_id)
    changes = body.model_dump(exclude={"reason"}, exclude_unset=True)
    updated = services.correct_disclosure(disclosure, changes, reason=body.reason, actor=actor)
    return disclosure_out(updated, staff=True)


@router.post(
    "/credit/disclosures/{disclosure_id}/withdrawal",
    response=DisclosureOut,
    summary="撤回公示信息",
    operation_id="withdrawDisclosure",
)
def withdraw_disclosure(request: HttpRequest, disclosure_id: int, body: ReasonIn) -> DisclosureOut:
    actor = _actor(request)
    disclosure, _ = selectors.disclosure_for_staff(actor, disclosure_id)
    return disclosure_out(
        services.withdraw_disclosure(disclosure, reason=body.reason, actor=actor), staff=True
    )


@router.post(
    "/credit/enterprises/{uscc}/list-entries",
    response={201: ListEntryOut},
    summary="列入经营异常名录、严重违法失信名单或曝光（登记机关）",
    operation_id="addListEntry",
)
def list_enterprise(
    request: HttpRequest,
    uscc: str,
    body: ListingIn,
    idempotency_key: str = Header("", alias="Idempotency-Key"),
) -> Status:
    key = idempotency.parse_key(idempotency_key)
    actor = _actor(request)
    enterprise = selectors.get_enterprise(uscc)
    authority = selectors.acting_authority(
        actor, body.department, enterprise=enterprise, lists=True
    )
    entry = services.list_enterprise(
        enterprise,
        list_kind=body.list,
        cause=body.cause,
        reason=body.reason,
        report_year=body.report_year,
        department=authority,
        actor=actor,
        idempotency_key=key,
    )
    return Status(201, entry_out(entry, staff=True))


@router.post(
    "/credit/list-entries/{entry_id}/removal",
    response=ListEntryOut,
    summary="移出名单（登记机关）",
    operation_id="removeListEntry",
)
def remove_entry(request: HttpRequest, entry_id: int, body: RemovalIn) -> ListEntryOut:
    actor = _actor(request)
    entry, authority = selectors.entry_for_staff(actor, entry_id)
    if body.department and body.department != authority.code:
        authority = selectors.acting_authority(
            actor, body.department, enterprise=entry.enterprise, lists=True
        )
    entry = services.remove_from_list(
        entry, cause=body.cause, reason=body.reason, department=authority, actor=actor
    )
    return entry_out(entry, staff=True)


@router.post(
    "/credit/list-events/{event_id}/reversal",
    response=ListEntryOut,
    summary="撤销错误的名单决定（保留记录）",
    operation_id="reverseListEvent",
)
def reverse_event(request: HttpRequest, event_id: int, body: ReasonIn) -> ListEntryOut:
    actor = _actor(request)
    event, authority = selectors.event_for_staff(actor, event_id)
    if body.department and body.department != authority.code:
        authority = selectors.acting_authority(
            actor, body.department, enterprise=event.entry.enterprise, lists=True
        )
    reversal = services.reverse_event(event, reason=body.reason, department=authority, actor=actor)
    return entry_out(
        ListEntry.objects.select_related("department").get(pk=reversal.entry_id), staff=True
    )


@router.get(
    "/credit/removal-applications",
    response=list[ApplicationOut],
    summary="待决定的移出申请（登记机关）",
    operation_id="listRemovalApplications",
)
def removal_applications(
    request: HttpRequest, status: str = Query(ApplicationStatus.PENDING)
) -> list[ApplicationOut]:
    return [
        application_out(a) for a in selectors.applications_for_staff(_actor(request), status=status)
    ]


@router.post(
    "/credit/removal-applications/{application_id}/decision",
    response=ApplicationOut,
    summary="决定移出申请",
    operation_id="decideRemovalApplication",
)
def decide_application(
    request: HttpRequest, application_id: int, body: DecisionIn
) -> ApplicationOut:
    actor = _actor(request)
    application, authority = selectors.application_for_staff(actor, application_id)
    if body.department and body.department != authority.code:
        authority = selectors.acting_authority(
            actor, body.department, enterprise=application.entry.enterprise, lists=True
        )
    decided = services.decide_removal(
        application,
        approve=body.approve,
        reason=body.reason,
        department=authority,
        actor=actor,
    )
    return application_out(decided)


# --------------------------------------------------------------------------- the enterprise


def _own_report_out(report: AnnualReport) -> AnnualReportOut:
    return AnnualReportOut(**report_public(report, own=True), filed_at=report.filed_at)


@router.get(
    "/enterprise/credit",
    response=OwnCreditOut,
    summary="本企业的年报、名单与移出申请",
    operation_id="getOwnCredit",
)
def own_credit(request: HttpRequest) -> OwnCreditOut:
    actor = _actor(request)
    enterprise = selectors.own_enterprise(actor)
    today = timezone.localdate()
    entries = selectors.own_entries(enterprise)
    return OwnCreditOut(
        enterprise=enterprise_item(enterprise),
        report_years=[
            ReportYearOut(
                year=y.year,
                deadline=y.deadline,
                filed=y.report is not None,
                late=bool(y.report and y.report.late),
                overdue=y.report is None and today > y.deadline,
            )
            for y in selectors.report_years(enterprise, today=today)
        ],
        lists=[entry_out(e) for e in entries],
        applications=[
            application_out(a, today=today) for e in entries for a in e.applications.all()
        ],
    )


@router.get(
    "/enterprise/annual-reports/{year}",
    response=AnnualReportOut,
    summary="本企业某年度的年报",
    operation_id="getOwnAnnualReport",
)
def own_report(request: HttpRequest, year: int) -> AnnualReportOut:
    return _own_report_out(selectors.own_report(_actor(request), year))


@router.post(
    "/enterprise/annual-reports",
    response={201: AnnualReportOut},
    summary="报送年度报告",
    operation_id="fileAnnualReport",
)
def file_report(
    request: HttpRequest,
    body: AnnualReportFileIn,
    idempotency_key: str = Header("", alias="Idempotency-Key"),
) -> Status:
    """1 January – 30 June for the previous year; later is accepted and marked late.
    409 `report_already_filed` if that year is filed (correct it with PUT)."""
    key = idempotency.parse_key(idempotency_key)
    actor = _actor(request)
    enterprise = selectors.own_enterprise(actor)
    report = services.file_annual_report(
        enterprise,
        body.year,
        body.model_dump(mode="json", exclude={"year"}),
        actor=actor,
        idempotency_key=key,
    )
    return Status(201, _own_report_out(report))


@router.put(
    "/enterprise/annual-reports/{year}",
    response=AnnualReportOut,
    summary="修改年度报告（保留历史版本）",
    operation_id="correctAnnualReport",
)
def correct_report(
    request: HttpRequest, year: int, body: AnnualReportCorrectionIn
) -> AnnualReportOut:
    actor = _actor(request)
    report = selectors.own_report(actor, year)
    updated = services.correct_annual_report(
        report, body.model_dump(mode="json", exclude={"reason"}), reason=body.reason, actor=actor
    )
    return _own_report_out(updated)


@router.post(
    "/enterprise/immediate-info",
    response={201: ImmediateInfoOut},
    summary="公示即时信息",
    operation_id="publishImmediateInfo",
)
def publish_immediate(
    request: HttpRequest,
    body: ImmediateInfoIn,
    idempotency_key: str = Header("", alias="Idempotency-Key"),
) -> Status:
    """Due within 20 working days of the change; later is accepted and marked late."""
    key = idempotency.parse_key(idempotency_key)
    actor = _actor(request)
    info = services.publish_immediate_info(
        selectors.own_enterprise(actor),
        kind=body.kind,
        changed_on=body.changed_on,
        content=body.content,
        actor=actor,
        idempotency_key=key,
    )
    return Status(201, immediate_out(info))


@router.post(
    "/enterprise/list-entries/{entry_id}/removal-application",
    response={201: ApplicationOut},
    summary="申请移出经营异常名录",
    operation_id="applyForRemoval",
)
def apply_for_removal(
    request: HttpRequest,
    entry_id: int,
    body: RemovalApplicationIn,
    idempotency_key: str = Header("", alias="Idempotency-Key"),
) -> Status:
    key = idempotency.parse_key(idempotency_key)
    actor = _actor(request)
    entry = selectors.own_entry(actor, entry_id)
    application = services.apply_for_removal(
        entry, statement=body.statement, actor=actor, idempotency_key=key
    )
    return Status(201, application_out(application))
