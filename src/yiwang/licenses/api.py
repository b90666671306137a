"""HTTP API of the e-license library (docs/licenses.md).

Public:            GET  /licenses/keys        POST /licenses/verify (rate-limited per address)
Holder / staff:    GET  /licenses             GET  /licenses/{identifier}
                   GET  /licenses/{identifier}/qr   GET /licenses/{identifier}/verifications
                   GET  /licenses/{identifier}/pdf (laid out by the portal: documents.py)
Issuer's staff:    POST /licenses             POST /licenses/{identifier}/versions
                   POST /licenses/{identifier}/revoke | suspend | reinstate
Exchange clients:  GET  /licenses/changes?since=
"""

from __future__ import annotations

import segno
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Header, Query, Router, Status

from yiwang.accounts.actor import Actor, Channel, request_actor, signed_in_actor
from yiwang.accounts.selectors import user_for_token
from yiwang.common import idempotency
from yiwang.common.errors import NotFound
from yiwang.common.http import client_address
from yiwang.common.permissions import Permission
from yiwang.common.personal import mask_id_number
from yiwang.licenses import documents, selectors, services
from yiwang.licenses.choices import HolderKind, StatusAction
from yiwang.licenses.models import License
from yiwang.licenses.schemas import (
    ChangeOut,
    ChangesOut,
    IssueIn,
    IssuerOut,
    KeyOut,
    KeysOut,
    LicenseListOut,
    LicenseOut,
    MetadataItemOut,
    NewVersionIn,
    QrOut,
    ReasonIn,
    VerificationOut,
    VerifiedLicenseOut,
    VerifyIn,
    VerifyOut,
)
from yiwang.org.models import Department

router = Router(tags=["licenses"])

_THROTTLED = {
    "responses": {429: {"description": "核验过于频繁（rate_limited），Retry-After 为等待秒数"}}
}


def _metadata(lic: License) -> list[MetadataItemOut]:
    labels = lic.license_type.field_labels()
    return [
        MetadataItemOut(name=name, label=labels.get(name, name), value=str(value))
        for name, value in (lic.metadata or {}).items()
    ]


def _sees_holder_code(actor: Actor, lic: License) -> bool:
    """The holder and the issuing department's staff see the ID number whole."""
    holder = selectors.holder_of_account(actor.pk)
    if holder is not None and (holder.kind, holder.code) == (lic.holder_kind, lic.holder_code):
        return True
    return any(p.department_id == lic.issuer_id for p in actor.posts_with(Permission.LICENSE_VIEW))


def _holder_code(actor: Actor | None, lic: License) -> str:
    if lic.holder_kind == HolderKind.ENTITY:
        return lic.holder_code  # a USCC is public
    if actor is not None and _sees_holder_code(actor, lic):
        return lic.holder_code
    return mask_id_number(lic.holder_code)


def license_out(lic: License, actor: Actor) -> LicenseOut:
    return LicenseOut(
        identifier=lic.identifier,
        version=lic.version_text,
        type_code=lic.license_type.code,
        type_name=lic.license_type.name,
        license_no=lic.serial,
        holder_kind=lic.holder_kind,
        holder_code=_holder_code(actor, lic),
        holder_name=lic.holder_name,
        issuer=IssuerOut(code=lic.issuer.code, name=lic.issuer.name, uscc=lic.issuer.uscc),
        issued_on=lic.issued_on,
        valid_from=lic.valid_from,
        valid_until=lic.valid_until,
        status=lic.status_on(timezone.localdate()),
        stored_status=lic.status,
        status_reason=lic.status_reason,
        signed=lic.signed_at is not None,
        signed_at=lic.signed_at,
        key_id=lic.key.key_id if lic.key else "",
        digest=lic.digest,
        seal_name=lic.seal_name,
        metadata=_metadata(lic),
        superseded_by=lic.superseded_by.identifier if lic.superseded_by else None,
        source_case=lic.source_case.case_no if lic.source_case else None,
    )


# --- public: keys and verification (declared before /licenses/{identifier}) ----------


def _caller(request: HttpRequest) -> Actor:
    """Who checks, on a public endpoint: the bearer token's account, or the session's
    when its CSRF token is good; anyone else (a bad token, a cross-site post) checks
    anonymously — never refused, only not recorded under a name they did not prove."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        user = user_for_token(header.removeprefix("Bearer ").strip())
        return Actor.of(user, Channel.TOKEN) if user is not None else Actor.anonymous()
    actor = request_actor(request)
    if (
        actor.is_authenticated
        and CsrfViewMiddleware(_no_view).process_view(request, _no_view, (), {}) is not None
    ):
        return Actor.anonymous()
    return actor


def _no_view(request: HttpRequest) -> HttpResponse:  # pragma: no cover - never called
    return HttpResponse()


@router.get(
    "/licenses/keys",
    response=KeysOut,
    auth=None,
    summary="签发机关公钥（离线核验用，可缓存）",
    operation_id="listLicenseKeys",
)
def list_keys(request: HttpRequest) -> KeysOut:
    return KeysOut(
        keys=[
            KeyOut(
                key_id=k.key_id,
                authority=k.department.code,
                authority_name=k.department.name,
                authority_uscc=k.department.uscc,
                algorithm=k.algorithm,
                public_key=k.public_key,
                valid_from=k.valid_from,
                valid_until=k.valid_until,
                retired=k.retired_at is not None,
            )
            for k in selectors.published_keys()
        ]
    )


@router.post(
    "/licenses/verify",
    response=VerifyOut,
    auth=None,
    summary="核验电子证照二维码载荷（公开，限频）",
    operation_id="verifyLicense",
    openapi_extra=_THROTTLED,
)
def verify(request: HttpRequest, body: VerifyIn) -> VerifyOut:
    actor = _caller(request)
    services.check_verify_rate(client_address(request), actor=actor)
    answer = services.verify_payload(body.payload)
    services.record_verification(
        answer,
        actor=actor,
        checked_at=body.checked_at,
        location=body.location,
        offline_result=body.offline_result,
    )
    lic = answer.license
    shown = None
    if lic is not None:
        officer = actor.has(Permission.LICENSE_VERIFY)
        shown = VerifiedLicenseOut(
            identifier=lic.identifier,
            version=lic.version_text,
            type_name=lic.license_type.name,
            holder_name=lic.holder_name,
            holder_code=_holder_code(actor, lic),
            issuer_name=lic.issuer.name,
            valid_from=lic.valid_from,
            valid_until=lic.valid_until,
            status=lic.status_on(timezone.localdate()),
            metadata=_metadata(lic) if officer else [],
        )
    return VerifyOut(
        result=answer.result,
        reason=answer.reason,
        authority_name=answer.authority_name,
        license=shown,
    )


# --- exchange clients -------------------------------------------------------------


@router.get(
    "/licenses/changes",
    response=ChangesOut,
    summary="证照变更流（仅限授权的数据交换客户端）",
    operation_id="listLicenseChanges",
)
def list_changes(
    request: HttpRequest, since: int = Query(0, ge=0), limit: int = Query(500, ge=1, le=1000)
) -> ChangesOut:
    page = selectors.changes_since(signed_in_actor(request), since, limit=limit)
    return ChangesOut(
        changes=[
            ChangeOut(
                cursor=c.id,
                identifier=c.identifier,
                kind=c.kind,
                at=c.at,
                type_code=c.license.license_type.code,
            )
            for c in page.rows
        ],
        next_cursor=page.next_cursor,
        more=page.more,
    )


# --- holder and staff ----------------------------------------------------------------


@router.get(
    "/licenses",
    response=LicenseListOut,
    summary="我的电子证照（持证者本人；工作人员：本部门签发的）",
    operation_id="listLicenses",
)
def list_licenses(
    request: HttpRequest, page: int = Query(1, ge=1, le=selectors.MAX_PAGE), status: str = ""
) -> LicenseListOut:
    actor = signed_in_actor(request)
    found = selectors.licenses_for(actor, page=page, status=status)
    return LicenseListOut(
        items=[license_out(lic, actor) for lic in found.rows],
        total=found.total,
        total_capped=found.total_capped,
        page=found.page,
        page_size=found.page_size,
    )


@router.post(
    "/licenses",
    response={201: LicenseOut},
    summary="直接签发电子证照（签发机关的证照管理人员）",
    operation_id="issueLicense",
)
def issue(
    request: HttpRequest,
    body: IssueIn,
    idempotency_key: idempotency.HeaderKey | None = Header(None, alias="Idempotency-Key"),  # noqa: B008
) -> Status:
    key = idempotency.parse_key(idempotency_key)
    actor = signed_in_actor(request)
    issuer = Department.objects.filter(code=body.issuer).first()
    if issuer is None:
        raise NotFound(
            _("签发机关 %(code)s 不存在") % {"code": body.issuer}, code="issuer_not_found"
        )

    def create() -> License:
        return services.issue_license(
            type_code=body.type_code,
            issuer=issuer,
            holder=services.Holder(body.holder.kind, body.holder.code, body.holder.name),
            metadata=body.metadata,
            valid_from=body.valid_from,
            valid_until=body.valid_until,
            actor=actor,
        )

    made = idempotency.create_once(
        "licenses.issue",
        actor=actor,
        key=key,
        body=body.model_dump(mode="json"),
        create=create,
        model=License,
    )
    return Status(201, license_out(selectors.license_for(actor, made.identifier), actor))


@router.get(
    "/licenses/{identifier}",
    response=LicenseOut,
    summary="电子证照详情",
    operation_id="getLicense",
)
def get_license(request: HttpRequest, identifier: str) -> LicenseOut:
    actor = signed_in_actor(request)
    return license_out(selectors.license_for(actor, identifier), actor)


@router.get(
    "/licenses/{identifier}/qr",
    response=QrOut,
    summary="电子证照二维码（载荷与 SVG）",
    operation_id="getLicenseQr",
)
def get_qr(request: HttpRequest, identifier: str) -> QrOut:
    lic = selectors.license_for(signed_in_actor(request), identifier)
    payload = services.payload_of(lic)
    svg = segno.make(payload, error="m", mode="byte").svg_inline(scale=4) if payload else ""
    return QrOut(identifier=lic.identifier, payload=payload, svg=svg)


@router.get(
    "/licenses/{identifier}/pdf",
    summary="下载电子证照 PDF（A4，自助打印）",
    operation_id="downloadLicensePdf",
    openapi_extra={
        "responses": {
            200: {
                "description": "A4 PDF（附件下载）",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            },
        }
    },
)
def download_pdf(request: HttpRequest, identifier: str) -> HttpResponse:
    """The holder's (and the issuer staff's) printable copy; anyone else: 404 as if it
    did not exist; not signed yet (bulk import): 404 `license_not_signed`."""
    lic = selectors.license_for(signed_in_actor(request), identifier)
    response = HttpResponse(documents.render_license_pdf(lic), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{documents.pdf_filename(lic)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@router.get(
    "/licenses/{identifier}/verifications",
    response=list[VerificationOut],
    summary="谁在何时核验了我的证照",
    operation_id="listLicenseVerifications",
)
def list_verifications(request: HttpRequest, identifier: str) -> list[VerificationOut]:
    rows = selectors.verifications_for(signed_in_actor(request), identifier)
    return [
        VerificationOut(
            checked_at=v.checked_at,
            result=v.result,
            offline_result=v.offline_result,
            channel=v.channel,
            verifier=v.verifier_label,
            location=v.location,
        )
        for v in rows
    ]


@router.post(
    "/licenses/{identifier}/versions",
    response={201: LicenseOut},
    summary="变更证照：签发新版本，原版本被取代",
    operation_id="createLicenseVersion",
)
def create_version(
    request: HttpRequest,
    identifier: str,
    body: NewVersionIn,
    idempotency_key: idempotency.HeaderKey | None = Header(None, alias="Idempotency-Key"),  # noqa: B008
) -> Status:
    key = idempotency.parse_key(idempotency_key)
    actor = signed_in_actor(request)
    identifier = selectors.parse_identifier(identifier)

    def create() -> License:
        return services.new_version(
            identifier,
            reason=body.reason,
            metadata=body.metadata,
            holder_name=body.holder_name,
            valid_until=body.valid_until,
            actor=actor,
        )

    made = idempotency.create_once(
        "licenses.new_version",
        actor=actor,
        key=key,
        body={"identifier": identifier, **body.model_dump(mode="json")},
        create=create,
        model=License,
    )
    return Status(201, license_out(selectors.license_for(actor, made.identifier), actor))


def _status_route(action: StatusAction, summary: str, operation_id: str) -> None:
    @router.post(
        f"/licenses/{{identifier}}/{action.value}",
        response=LicenseOut,
        summary=summary,
        operation_id=operation_id,
    )
    def change(request: HttpRequest, identifier: str, body: ReasonIn) -> LicenseOut:
        actor = signed_in_actor(request)
        identifier = selectors.parse_identifier(identifier)
        services.change_status(identifier, action, reason=body.reason, actor=actor)
        return license_out(selectors.license_for(actor, identifier), actor)

    change.__name__ = f"{action.value}_license"


_status_route(StatusAction.REVOKE, "吊销电子证照", "revokeLicense")
_status_route(StatusAction.SUSPEND, "暂停电子证照", "suspendLicense")
_status_route(StatusAction.REINSTATE, "恢复电子证照", "reinstateLicense")
