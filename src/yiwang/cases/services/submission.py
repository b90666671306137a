"""Submitting an application (POST /cases) in two steps: `check_application` (every
check, no write) and `persist_application` (the writes, in the order the intake
optimisation needs); idempotency through `common.idempotency`; the automatic decision of
instant items."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from yiwang.accounts.actor import Actor, PostGrant, as_actor
from yiwang.accounts.choices import UserKind
from yiwang.accounts.selectors import applicant_by_identifier, identity_for
from yiwang.cases import clock
from yiwang.cases.auto_rules import CheckContext, evaluate
from yiwang.cases.choices import CaseAction, CaseStatus, Channel, EventKind
from yiwang.cases.intake import (
    STATION_LEVELS,
    check_form,
    intake_stations,
    serves,
    takes_in_at_stations,
)
from yiwang.cases.models import Case
from yiwang.cases.selectors import acting_posts, query_code_digest
from yiwang.cases.services._common import (
    APPLICANT_UNIT,
    QUERY_CODE_ALPHABET,
    QUERY_CODE_LENGTH,
    SELF_SERVICE_DELIVERY,
    SYSTEM_ACTOR,
    SYSTEM_UNIT,
    MaterialRef,
    add_materials,
    check_license_refs,
    check_materials,
    find_delivery_method,
    intake_unit_label,
    material_ref,
    only_delivery_method,
    record_event,
    tell_applicant,
)
from yiwang.cases.services.engine import current_step, transition
from yiwang.cases.services.numbering import next_case_no, reserve_case_pk
from yiwang.cases.transitions import Relation, Who
from yiwang.catalog.choices import CaseType, ServiceObject
from yiwang.catalog.license_materials import LicenseMaterial
from yiwang.catalog.models import DeliveryMethod, ServiceItem
from yiwang.catalog.selectors import get_active_item
from yiwang.common import audit, idempotency
from yiwang.common.audit import record
from yiwang.common.db import insert_rows
from yiwang.common.errors import NotFound, PermissionDenied, ValidationFailed
from yiwang.common.models import IdempotencyRecord
from yiwang.common.permissions import Permission
from yiwang.org.models import Region
from yiwang.org.selectors import get_region

#: The operation's name in the idempotency records (part of the fingerprint).
SUBMIT = "cases.submit"


@dataclass(frozen=True)
class Submission:
    case: Case
    query_code: str  # shown once to the applicant
    replayed: bool  # the same Idempotency-Key answered again


@dataclass(frozen=True)
class Application:
    """An application that passed every check (`check_application`) and may be written
    as it stands: who applies, through which channel and post, for which item, with
    which form, materials, uploads and delivery method, taken in where."""

    actor: Actor
    item: ServiceItem
    applicant: Any
    channel: Channel
    clerk_post: PostGrant | None  # the post of a clerk submitting for the applicant
    intake: Region | None  # the township station, for items taken in at one
    form: dict[str, Any]
    refs: tuple[MaterialRef, ...]
    item_materials: Mapping[str, Any]
    uploads: Mapping[str, Any]
    #: Materials satisfied by the applicant's licenses, as the library verified them.
    licenses: Mapping[str, LicenseMaterial]
    method: DeliveryMethod | None


def submit_case(
    *,
    actor: Actor,
    item_code: str,
    form: Mapping[str, Any] | None = None,
    materials: Sequence[MaterialRef | Mapping[str, Any]] = (),
    delivery: str | None = None,
    idempotency_key: str | None = None,
    on_behalf_of: str | None = None,
    intake_region: str | None = None,
    channel: str | None = None,
) -> Submission:
    """Submit an application (POST /cases).

    The applicant is the actor (citizen or enterprise), or — for a clerk at a window or
    station submitting for someone (代办) — the citizen or enterprise whose ID number or
    USCC is `on_behalf_of`. With an `idempotency_key` the same key from the same user
    always answers with the same case, however many retries race (one case;
    `common.idempotency`). An instant item with automatic rules is decided in the same
    transaction.
    """
    actor = as_actor(actor)
    if not actor.is_authenticated:
        raise PermissionDenied(_("请先登录"), code="sign_in_required")
    refs = tuple(material_ref(m) for m in materials)
    body = [item_code, form, refs, delivery, on_behalf_of, intake_region, channel]

    def create(claim: idempotency.Claim | None) -> Submission:
        with audit.batch():
            application = check_application(
                actor=actor,
                item_code=item_code,
                form=dict(form or {}),
                refs=refs,
                delivery=delivery,
                on_behalf_of=on_behalf_of,
                intake_code=intake_region,
                channel=channel,
            )
            return persist_application(application, claim)

    return idempotency.run(
        SUBMIT,
        actor=actor,
        key=idempotency_key,
        body=body,
        create=create,
        replay=_replay,
        # The busiest write of the platform: claim at once, read only for a retry.
        look_first=False,
        now=clock.now(),
    )


def _replay(record: IdempotencyRecord) -> Submission:
    case = Case.objects.get(pk=int(record.object_id))
    return Submission(case, str(record.data.get("query_code", "")), replayed=True)


def check_application(
    *,
    actor: Actor,
    item_code: str,
    form: dict[str, Any],
    refs: Sequence[MaterialRef],
    delivery: str | None,
    on_behalf_of: str | None,
    intake_code: str | None,
    channel: str | None,
) -> Application:
    """Every check of an application, in the order its errors are reported; reads only,
    writes nothing. Raises the first DomainError; returns what `persist_application`
    writes."""
    item = get_active_item(item_code)
    viewer = actor
    applicant, chosen_channel = _applicant_and_channel(actor, on_behalf_of, channel)
    _check_service_object(item, applicant)
    intake = _intake_region(item, intake_code, viewer, applicant)
    clerk_post = None
    if applicant.pk != actor.pk:
        clerk_post = _clerk_may_take_in(viewer, item, intake)
    check_form(item, form)
    item_materials = {m.code: m for m in item.materials.all()}
    uploads = check_materials(actor, item_materials, refs, all_required=True)
    licenses = check_license_refs(applicant.pk, item_materials, refs, clock.today())
    method = find_delivery_method(item, delivery) if delivery else only_delivery_method(item)
    return Application(
        actor=actor,
        item=item,
        applicant=applicant,
        channel=chosen_channel,
        clerk_post=clerk_post,
        intake=intake,
        form=form,
        refs=tuple(refs),
        item_materials=item_materials,
        uploads=uploads,
        licenses=licenses,
        method=method,
    )


def persist_application(app: Application, claim: idempotency.Claim | None) -> Submission:
    """Write a checked application; this function owns the write order of the intake
    path (decisions 0003, 0006):

    1. reserve the case's id, so the rows that point at it go in before it (foreign keys
       are checked at commit);
    2. claim the Idempotency-Key, so that a retry racing us stops here, before anything
       else is written or numbered;
    3. insert the materials and the first timeline entry;
    4. take the case number last — only a failure of the database itself can then leave
       a gap — and insert the case, its audit event and the applicant's message.
    """
    actor, item = app.actor, app.item
    now = clock.now()
    today = clock.today()
    query_code = "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(QUERY_CODE_LENGTH))
    case = Case(
        pk=reserve_case_pk(),
        item=item,
        applicant=app.applicant,
        on_behalf_by=actor.user if app.clerk_post else None,
        channel=app.channel,
        status=CaseStatus.SUBMITTED,
        form=app.form,
        delivery_method=app.method,
        department=item.department,
        region=item.region,
        hall=item.department.hall,
        intake_region=app.intake,
        submitted_at=now,
        arrived_on=clock.arrival_day(now),  # the calendar day, or the next working day
    )
    case.due_on = clock.governing_deadline(case)
    case.current_step = current_step(case)
    if claim is not None:
        claim.take(object_id=str(case.pk), data={"query_code": query_code})
    add_materials(case, app.item_materials, app.refs, app.uploads, now, app.licenses)
    unit = (
        app.clerk_post.unit_name if app.clerk_post else f"{APPLICANT_UNIT}（{app.channel.label}）"
    )
    record_event(
        case,
        kind=EventKind.SUBMIT,
        action="",
        from_status="",
        to_status=CaseStatus.SUBMITTED,
        actor=actor,
        unit=unit,
        comment="",
        data={
            "materials": sorted({r.material for r in app.refs}),
            **(
                {"licenses": {m: v.license_id for m, v in app.licenses.items()}}
                if app.licenses
                else {}
            ),
        },
        at=now,
    )
    case_no = case.case_no = next_case_no(item.region_id, today)
    case.query_code_digest = query_code_digest(case_no, query_code)
    insert_rows([case])
    record(
        "case.submitted",
        None,
        actor=actor,
        object_type="cases.case",
        object_id=case_no,
        after={"item": item.code, "status": case.status, "channel": app.channel},
    )
    automatic = item.case_type == CaseType.INSTANT and bool(item.auto_rules)
    if automatic:
        _auto_decide(case, actor)
    else:
        where = intake_unit_label(case)
        tell_applicant(
            case,
            actor,
            "申请已提交",
            f"您申请的“{item.name}”已提交，办件编号 {case_no}。{where}将在 "
            f"{clock.ACCEPTANCE_WINDOW_WORKDAYS} 个工作日内作出受理决定或一次性告知需补正的材料。",
        )
    return Submission(case, query_code, replayed=False)


def _applicant_and_channel(
    actor: Actor, on_behalf_of: str | None, channel: str | None
) -> tuple[Any, Channel]:
    if actor.user is None:
        raise PermissionDenied(_("请先登录"), code="sign_in_required")
    if on_behalf_of:
        if not actor.posts_with(Permission.CASE_ACCEPT):
            raise PermissionDenied(_("只有窗口或站点的受理人员可以代办申请"), code="not_a_clerk")
        return _applicant_by_identifier(on_behalf_of), Channel.WINDOW
    if actor.user.kind not in (UserKind.CITIZEN, UserKind.ENTERPRISE):
        raise PermissionDenied(
            _("工作人员不能以本人名义申请；代办时请填写申请人的身份号码或统一社会信用代码"),
            code="staff_cannot_apply",
        )
    if channel == Channel.KIOSK:
        return actor.user, Channel.KIOSK
    return actor.user, Channel.ONLINE


def _applicant_by_identifier(value: str) -> Any:
    """The citizen (ID number) or enterprise (USCC) a clerk submits for."""
    user = applicant_by_identifier(value)
    if user is None:
        raise ValidationFailed(
            _("未找到该身份号码或统一社会信用代码对应的已实名用户"), code="applicant_not_found"
        )
    return user


def _check_service_object(item: ServiceItem, applicant: Any) -> None:
    if item.service_object == ServiceObject.CITIZEN and applicant.kind != UserKind.CITIZEN:
        raise ValidationFailed(_("本事项仅面向自然人"), code="wrong_applicant_kind")
    if item.service_object == ServiceObject.ENTERPRISE and applicant.kind != UserKind.ENTERPRISE:
        raise ValidationFailed(_("本事项仅面向法人"), code="wrong_applicant_kind")


def _intake_region(
    item: ServiceItem, code: str | None, viewer: Actor, applicant: Any
) -> Region | None:
    """For an item accepted at a township station: the township (or village) it goes to —
    as asked, else the clerk's own station, else the applicant's home township."""
    if not takes_in_at_stations(item):
        return None
    if code:
        try:
            region = get_region(code)
        except NotFound:
            region = None
        if not serves(region, item):
            raise ValidationFailed(
                _("受理站点 %(code)s 不在%(name)s的乡镇（街道）范围内")
                % {"code": code, "name": item.region.name},
                code="bad_intake_region",
                allowed=[r.code for r in intake_stations(item)],
            )
        return region
    for post in viewer.posts_with(Permission.CASE_ACCEPT):
        if post.region_level in STATION_LEVELS and post.region_path.startswith(item.region.path):
            return get_region(post.region_id)
    home = getattr(getattr(applicant, "citizen", None), "region", None) or getattr(
        getattr(applicant, "enterprise", None), "region", None
    )
    if serves(home, item):
        return home
    raise ValidationFailed(
        _("本事项在乡镇（街道）便民服务站受理，请选择受理站点（intake_region）"),
        code="intake_region_required",
        allowed=[r.code for r in intake_stations(item)],
    )


def _clerk_may_take_in(viewer: Actor, item: ServiceItem, intake: Region | None) -> PostGrant:
    """The post through which a clerk submits for an applicant: one that may accept it."""
    probe = Case(
        department=item.department,
        hall=item.department.hall,
        intake_region=intake,
        region=item.region,
    )
    posts = acting_posts(viewer, probe, Who(Relation.INTAKE, Permission.CASE_ACCEPT))
    if not posts:
        raise PermissionDenied(_("本事项不在您的受理范围内"), code="outside_intake_scope")
    return posts[0]


def _auto_decide(case: Case, actor: Actor) -> None:
    """Evaluate the item's auto_rules; pass -> accept, approve, issue (and deliver when
    nothing has to be handed over) in this transaction; fail -> manual review, reasons
    on the timeline. The applicant gets one message for the whole automatic decision."""
    applicant = case.applicant
    identity = identity_for(applicant, viewer=applicant)
    home = getattr(getattr(applicant, "citizen", None), "region", None)
    ctx = CheckContext(
        applicant_id_number=identity.id_number,
        applicant_region_path=home.path if home is not None else "",
        item_region_path=case.region.path,
        on=clock.today(),
    )
    outcomes = evaluate(case.item.auto_rules, ctx)
    passed = all(o.passed for o in outcomes)
    reasons = "；".join(o.reason for o in outcomes if not o.passed)
    record_event(
        case,
        kind=EventKind.AUTO_CHECK,
        action="",
        from_status=case.status,
        to_status=case.status,
        actor=None,
        unit=SYSTEM_UNIT,
        comment="自动审查通过" if passed else f"自动审查未通过，转人工审核：{reasons}",
        data={"passed": passed, "checks": [o.__dict__ for o in outcomes]},
        at=clock.now(),
    )
    record(
        "case.auto_checked",
        None,
        actor=SYSTEM_ACTOR,
        object_type="cases.case",
        object_id=case.case_no,
        after={"passed": passed, "checks": [o.check for o in outcomes if not o.passed]},
    )
    name, no = case.item.name, case.case_no
    if not passed:
        tell_applicant(
            case,
            SYSTEM_ACTOR,
            "申请转人工审核",
            f"您申请的“{name}”（办件编号 {no}）未通过自动审查，已转人工审核。原因：{reasons}",
        )
        return
    for action in (CaseAction.ACCEPT, CaseAction.APPROVE, CaseAction.ISSUE):
        transition(case, action, actor=SYSTEM_ACTOR, announce=False)
    method = case.delivery_method
    if method is not None and method.code in SELF_SERVICE_DELIVERY and not method.needs_tracking:
        transition(
            case,
            CaseAction.DELIVER,
            actor=SYSTEM_ACTOR,
            params={"method": method.code},
            announce=False,
        )
    status = CaseStatus(case.status).label
    tell_applicant(
        case,
        SYSTEM_ACTOR,
        "申请已自动审批通过",
        f"您申请的“{name}”（办件编号 {no}）已通过自动审查，准予办理，当前状态：{status}。",
    )
