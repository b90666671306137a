"""The only writers of cases: submission, the transition engine, the sweeps.

Every write is one transaction that locks the case row (SELECT ... FOR UPDATE on
PostgreSQL; SQLite runs IMMEDIATE transactions, which serialise writers), checks the
expected state against `cases.transitions.TRANSITIONS`, applies the change, and writes
inside the same transaction the timeline entry (CaseEvent), the audit event and the
applicant's message (notify outbox). A rolled-back change leaves none of them.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import Q

from yiwang.accounts.choices import UserKind
from yiwang.accounts.selectors import identity_for
from yiwang.cases import clock
from yiwang.cases.auto_rules import HK_MACAO_PERMIT, CheckContext, evaluate
from yiwang.cases.choices import (
    CaseAction,
    CaseStatus,
    Channel,
    Decision,
    EventKind,
    SpecialProcedure,
)
from yiwang.cases.models import (
    Case,
    CaseEvent,
    CaseMaterial,
    CaseNumberCounter,
    ExitRestriction,
    IdempotencyKey,
    SupplementNotice,
    Suspension,
    TravelDocument,
)
from yiwang.cases.selectors import (
    PostView,
    Viewer,
    acting_posts,
    cases_visible_to,
    fits,
    open_supplement_notice,
    query_code_digest,
    viewer_for,
)
from yiwang.cases.transitions import (
    INTAKE_CLERK,
    SYSTEM,
    WHO_BY_ACTION,
    Relation,
    Who,
    transition_for,
)
from yiwang.catalog.choices import AcceptLevel, CaseType, ServiceObject
from yiwang.catalog.models import DeliveryMethod, ServiceItem
from yiwang.catalog.selectors import get_active_item
from yiwang.common import workdays
from yiwang.common.audit import record
from yiwang.common.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from yiwang.common.permissions import Permission
from yiwang.notify.services import notify
from yiwang.org.choices import RegionLevel
from yiwang.org.models import Region
from yiwang.org.selectors import get_region, regions_below
from yiwang.uploads.selectors import get_upload_for

#: The platform acting by itself (deemed acceptance, automatic decisions).
SYSTEM_ACTOR = "system"
SYSTEM_UNIT = "系统"
APPLICANT_UNIT = "申请人"
DEFAULT_CARRIER = "中国邮政速递物流（EMS）"
#: Query codes: 10 characters of an alphabet without look-alikes (~50 bits).
QUERY_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
QUERY_CODE_LENGTH = 10
IDEMPOTENCY_KEY_MAX = 100
IDEMPOTENCY_TTL = timedelta(hours=24)
FORM_MAX_CHARS = 20_000
FORM_TEXT_MAX = 2000
COMMENT_MAX = 2000
#: Delivery methods an automatic decision completes by itself (nothing to hand over).
SELF_SERVICE_DELIVERY = frozenset({"self_print", "e_license", "online"})
LAW = "《中华人民共和国行政许可法》"


# --- submission ---------------------------------------------------------------------


@dataclass(frozen=True)
class MaterialRef:
    material: str
    upload_id: str


@dataclass(frozen=True)
class Submission:
    case: Case
    query_code: str  # shown once to the applicant
    replayed: bool  # the same Idempotency-Key answered again


class _KeyTaken(Exception):
    """Another request with the same Idempotency-Key committed first."""


def submit_case(
    *,
    actor: Any,
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
    always answers with the same case, however many retries race (one case).
    An instant item with automatic rules is decided in the same transaction.
    """
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("请先登录")
    refs = [_material_ref(m) for m in materials]
    key = (idempotency_key or "").strip()
    if len(key) > IDEMPOTENCY_KEY_MAX:
        raise ValidationFailed(
            f"Idempotency-Key 不能超过 {IDEMPOTENCY_KEY_MAX} 个字符", code="bad_idempotency_key"
        )
    fingerprint = _fingerprint(
        item_code, form, refs, delivery, on_behalf_of, intake_region, channel
    )
    if key and (replay := _replay(actor, key, fingerprint)) is not None:
        return replay
    try:
        with transaction.atomic():
            # Again under the write lock: on SQLite the first writer has committed by now.
            if key and (replay := _replay(actor, key, fingerprint)) is not None:
                return replay
            submission = _create_case(
                actor=actor,
                item_code=item_code,
                form=dict(form or {}),
                refs=refs,
                delivery=delivery,
                on_behalf_of=on_behalf_of,
                intake_code=intake_region,
                channel=channel,
            )
            if key:
                try:
                    with transaction.atomic():
                        IdempotencyKey.objects.create(
                            user=actor,
                            key=key,
                            fingerprint=fingerprint,
                            case=submission.case,
                            query_code=submission.query_code,
                            created_at=clock.now(),
                        )
                except IntegrityError as exc:
                    # PostgreSQL: a concurrent request with this key committed while we
                    # worked. Undo everything of ours and answer with its case.
                    raise _KeyTaken from exc
            return submission
    except _KeyTaken:
        replay = _replay(actor, key, fingerprint)
        if replay is None:  # pragma: no cover - the unique index said it exists
            raise Conflict("请求冲突，请重试", code="idempotency_conflict") from None
        return replay


def _material_ref(m: MaterialRef | Mapping[str, Any]) -> MaterialRef:
    if isinstance(m, MaterialRef):
        return m
    return MaterialRef(str(m.get("material", "")), str(m.get("upload_id", "")))


def _fingerprint(*parts: Any) -> str:
    def default(o: Any) -> Any:
        return o.__dict__ if isinstance(o, MaterialRef) else str(o)

    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=default)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _replay(actor: Any, key: str, fingerprint: str) -> Submission | None:
    found = IdempotencyKey.objects.filter(user=actor, key=key).select_related("case").first()
    if found is None:
        return None
    if found.fingerprint != fingerprint:
        raise Conflict("该 Idempotency-Key 已用于另一份不同的申请", code="idempotency_key_reused")
    return Submission(found.case, found.query_code, replayed=True)


def _create_case(
    *,
    actor: Any,
    item_code: str,
    form: dict[str, Any],
    refs: list[MaterialRef],
    delivery: str | None,
    on_behalf_of: str | None,
    intake_code: str | None,
    channel: str | None,
) -> Submission:
    item = get_active_item(item_code)
    viewer = viewer_for(actor)
    applicant, chosen_channel = _applicant_and_channel(actor, viewer, on_behalf_of, channel)
    _check_service_object(item, applicant)
    intake = _intake_region(item, intake_code, viewer, applicant)
    clerk_post = None
    if applicant.pk != actor.pk:
        clerk_post = _clerk_may_take_in(viewer, item, intake)
    _check_form(item, form)
    item_materials = {m.code: m for m in item.materials.all()}
    uploads = _check_materials(actor, item_materials, refs, all_required=True)
    method = _delivery_method(item, delivery) if delivery else _only_delivery_method(item)

    now = clock.now()
    today = clock.today()
    query_code = "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(QUERY_CODE_LENGTH))
    case_no = _next_case_no(item.region_id, today)
    hall = item.department.hall
    case = Case(
        case_no=case_no,
        item=item,
        applicant=applicant,
        on_behalf_by=actor if clerk_post else None,
        channel=chosen_channel,
        status=CaseStatus.SUBMITTED,
        form=form,
        delivery_method=method,
        department=item.department,
        region=item.region,
        hall=hall,
        intake_region=intake,
        submitted_at=now,
        arrived_on=today,
        query_code_digest=query_code_digest(case_no, query_code),
    )
    case.due_on = clock.governing_deadline(case)
    case.current_step = _current_step(case)
    case.save()
    _add_materials(case, item_materials, refs, uploads, now)
    unit = clerk_post.unit_name if clerk_post else f"{APPLICANT_UNIT}（{chosen_channel.label}）"
    _event(
        case,
        kind=EventKind.SUBMIT,
        action="",
        from_status="",
        to_status=CaseStatus.SUBMITTED,
        actor=actor,
        unit=unit,
        comment="",
        data={"materials": sorted({r.material for r in refs})},
        at=now,
    )
    record(
        "case.submitted",
        None,
        actor=actor,
        object_type="cases.case",
        object_id=case_no,
        after={"item": item.code, "status": case.status, "channel": chosen_channel},
    )
    automatic = item.case_type == CaseType.INSTANT and bool(item.auto_rules)
    if automatic:
        _auto_decide(case, actor)
    else:
        where = _intake_unit_label(case)
        _announce(
            case,
            actor,
            "申请已提交",
            f"您申请的“{item.name}”已提交，办件编号 {case_no}。{where}将在 "
            f"{clock.ACCEPTANCE_WINDOW_WORKDAYS} 个工作日内作出受理决定或一次性告知需补正的材料。",
        )
    return Submission(case, query_code, replayed=False)


def _applicant_and_channel(
    actor: Any, viewer: Viewer, on_behalf_of: str | None, channel: str | None
) -> tuple[Any, Channel]:
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("请先登录")
    if on_behalf_of:
        if not viewer.posts_with(Permission.CASE_ACCEPT):
            raise PermissionDenied("只有窗口或站点的受理人员可以代办申请", code="not_a_clerk")
        return _applicant_by_identifier(on_behalf_of), Channel.WINDOW
    if actor.kind not in (UserKind.CITIZEN, UserKind.ENTERPRISE):
        raise PermissionDenied(
            "工作人员不能以本人名义申请；代办时请填写申请人的身份号码或统一社会信用代码",
            code="staff_cannot_apply",
        )
    if channel == Channel.KIOSK:
        return actor, Channel.KIOSK
    return actor, Channel.ONLINE


def _applicant_by_identifier(value: str) -> Any:
    """The citizen (ID number) or enterprise (USCC) a clerk submits for.

    Reads the accounts tables directly: accounts has no selector for this yet.
    """
    value = value.strip().upper()
    user = (
        get_user_model()
        .objects.filter(Q(citizen__id_number=value) | Q(enterprise__uscc=value), is_active=True)
        .first()
    )
    if user is None:
        raise ValidationFailed(
            "未找到该身份号码或统一社会信用代码对应的已实名用户", code="applicant_not_found"
        )
    return user


def _check_service_object(item: ServiceItem, applicant: Any) -> None:
    if item.service_object == ServiceObject.CITIZEN and applicant.kind != UserKind.CITIZEN:
        raise ValidationFailed("本事项仅面向自然人", code="wrong_applicant_kind")
    if item.service_object == ServiceObject.ENTERPRISE and applicant.kind != UserKind.ENTERPRISE:
        raise ValidationFailed("本事项仅面向法人", code="wrong_applicant_kind")


def _intake_region(
    item: ServiceItem, code: str | None, viewer: Viewer, applicant: Any
) -> Region | None:
    """For an item accepted at a township station: the township (or village) it goes to —
    as asked, else the clerk's own station, else the applicant's home township."""
    if item.accept_level != AcceptLevel.TOWNSHIP:
        return None
    item_path = item.region.path
    stations = (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE)
    if code:
        try:
            region = get_region(code)
        except NotFound:
            region = None
        if region is None or region.level not in stations or not region.path.startswith(item_path):
            raise ValidationFailed(
                f"受理站点 {code} 不在{item.region.name}的乡镇（街道）范围内",
                code="bad_intake_region",
                allowed=_townships(item.region),
            )
        return region
    for post in viewer.posts_with(Permission.CASE_ACCEPT):
        if post.region_level in stations and post.region_path.startswith(item_path):
            return get_region(post.region_id)
    home = getattr(getattr(applicant, "citizen", None), "region", None) or getattr(
        getattr(applicant, "enterprise", None), "region", None
    )
    if home is not None and home.level in stations and home.path.startswith(item_path):
        return home
    raise ValidationFailed(
        "本事项在乡镇（街道）便民服务站受理，请选择受理站点（intake_region）",
        code="intake_region_required",
        allowed=_townships(item.region),
    )


def _townships(region: Region) -> list[str]:
    return list(
        regions_below(region, include_self=False)
        .filter(level=RegionLevel.TOWNSHIP)
        .values_list("code", flat=True)
    )


def _clerk_may_take_in(viewer: Viewer, item: ServiceItem, intake: Region | None) -> PostView:
    """The post through which a clerk submits for an applicant: one that may accept it."""
    probe = Case(
        department=item.department,
        hall=item.department.hall,
        intake_region=intake,
        region=item.region,
    )
    posts = acting_posts(viewer, probe, Who(Relation.INTAKE, Permission.CASE_ACCEPT))
    if not posts:
        raise PermissionDenied("本事项不在您的受理范围内", code="outside_intake_scope")
    return posts[0]


def _check_form(item: ServiceItem, form: dict[str, Any]) -> None:
    """The application form against the item's form fields (data): no unknown field,
    every required one filled, each value of its type (select: one of the options)."""
    if len(json.dumps(form, ensure_ascii=False, default=str)) > FORM_MAX_CHARS:
        raise ValidationFailed("申请表内容过长", code="form_too_large")
    fields = {str(f.get("name")): f for f in item.form_fields or [] if isinstance(f, dict)}
    unknown = sorted(set(form) - set(fields))
    if unknown:
        raise ValidationFailed(
            f"申请表没有这些字段：{'、'.join(unknown)}", code="unknown_form_field", unknown=unknown
        )
    missing = [
        {"name": name, "label": f.get("label") or name}
        for name, f in fields.items()
        if f.get("required") and form.get(name) in (None, "", [], {})
    ]
    if missing:
        labels = "、".join(str(m["label"]) for m in missing)
        raise ValidationFailed(
            f"申请表缺少必填项：{labels}", code="form_incomplete", missing=missing
        )
    invalid = []
    for name, value in form.items():
        if value in (None, ""):
            continue
        reason = _form_value_problem(fields[name], value)
        if reason:
            invalid.append(
                {"name": name, "label": fields[name].get("label") or name, "reason": reason}
            )
    if invalid:
        text = "；".join(f"{i['label']}{i['reason']}" for i in invalid)
        raise ValidationFailed(f"申请表填写有误：{text}", code="form_invalid", invalid=invalid)


def _form_value_problem(spec: Mapping[str, Any], value: Any) -> str:
    kind = spec.get("type", "text")
    if kind == "boolean":
        return "" if isinstance(value, bool) else "应为是或否"
    if kind == "number":
        if isinstance(value, bool):
            return "应为数字"
        try:
            float(value)
        except (TypeError, ValueError):
            return "应为数字"
        return ""
    if not isinstance(value, str):
        return "应为文本"
    if kind == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            return "应为日期（YYYY-MM-DD）"
    if kind == "select" and value not in (spec.get("options") or []):
        return "不是可选项之一"
    if len(value) > FORM_TEXT_MAX:
        return f"不能超过 {FORM_TEXT_MAX} 个字符"
    return ""


def _check_materials(
    actor: Any,
    item_materials: Mapping[str, Any],
    refs: Sequence[MaterialRef],
    *,
    all_required: bool,
    required_codes: Iterable[str] = (),
) -> dict[str, Any]:
    """Validate material references; returns upload_id -> Upload (owned by the actor).

    Unknown material codes, uploads the actor does not own, and (when `all_required`)
    every required material not given are reported in one error, each by name.
    """
    unknown = sorted({r.material for r in refs if r.material not in item_materials})
    if unknown:
        raise ValidationFailed(
            f"本事项没有这些材料：{'、'.join(unknown)}", code="unknown_material", unknown=unknown
        )
    given = {r.material for r in refs}
    wanted = set(required_codes)
    if all_required:
        wanted |= {code for code, m in item_materials.items() if m.required}
    missing = [code for code in item_materials if code in wanted and code not in given]
    if missing:
        names = "、".join(item_materials[c].name for c in missing)
        raise ValidationFailed(
            f"缺少材料：{names}",
            code="materials_missing",
            missing=[{"material": c, "name": item_materials[c].name} for c in missing],
        )
    uploads: dict[str, Any] = {}
    bad: list[dict[str, str]] = []
    for ref in refs:
        if ref.upload_id in uploads:
            continue
        try:
            uploads[ref.upload_id] = get_upload_for(actor, ref.upload_id)
        except (NotFound, ValidationFailed, ValueError):
            bad.append({"material": ref.material, "name": item_materials[ref.material].name})
    if bad:
        names = "、".join(b["name"] for b in bad)
        raise ValidationFailed(
            f"材料“{names}”的上传文件不存在或不属于您，请重新上传",
            code="upload_not_found",
            materials=bad,
        )
    return uploads


def _add_materials(
    case: Case,
    item_materials: Mapping[str, Any],
    refs: Sequence[MaterialRef],
    uploads: Mapping[str, Any],
    now: datetime,
) -> None:
    CaseMaterial.objects.bulk_create(
        [
            CaseMaterial(
                case=case,
                material_code=ref.material,
                material_name=item_materials[ref.material].name,
                upload=uploads[ref.upload_id],
                file_name=str(getattr(uploads[ref.upload_id], "name", "")),
                submitted_at=now,
            )
            for ref in refs
        ]
    )


def _delivery_method(item: ServiceItem, code: str) -> DeliveryMethod:
    methods = {m.code: m for m in item.delivery_methods.all()}
    if code not in methods:
        raise ValidationFailed(
            f"本事项不支持送达方式“{code}”",
            code="bad_delivery_method",
            allowed=sorted(methods),
        )
    return methods[code]


def _only_delivery_method(item: ServiceItem) -> DeliveryMethod | None:
    """Without a choice, the item's delivery method if it has only one."""
    methods = list(item.delivery_methods.all())
    return methods[0] if len(methods) == 1 else None


def _next_case_no(region_code: str, day: date) -> str:
    """`<region>-<yyyymmdd>-<nnnnnn>`: one atomic upsert of the (region, day) counter —
    concurrent submissions queue on that one row until commit, so numbers are unique
    and, as a rolled-back submission gives its number back, without gaps."""
    table = connection.ops.quote_name(CaseNumberCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (region_code, day, last) VALUES (%s, %s, 1) "  # noqa: S608
            f"ON CONFLICT (region_code, day) DO UPDATE SET last = {table}.last + 1 "
            "RETURNING last",
            [region_code, day],
        )
        (number,) = cursor.fetchone()
    return f"{region_code}-{day:%Y%m%d}-{number:06d}"


def _intake_unit_label(case: Case) -> str:
    if case.intake_region is not None:
        return f"{case.intake_region.name}便民服务站"
    return case.hall.name if case.hall else case.department.name


# --- the automatic decision of instant items ------------------------------------------


def _auto_decide(case: Case, actor: Any) -> None:
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
    _event(
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
        _announce(
            case,
            SYSTEM_ACTOR,
            "申请转人工审核",
            f"您申请的“{name}”（办件编号 {no}）未通过自动审查，已转人工审核。原因：{reasons}",
        )
        return
    for action in (CaseAction.ACCEPT, CaseAction.APPROVE, CaseAction.ISSUE):
        _transition(case, action, actor=SYSTEM_ACTOR, announce=False)
    method = case.delivery_method
    if method is not None and method.code in SELF_SERVICE_DELIVERY and not method.needs_tracking:
        _transition(
            case,
            CaseAction.DELIVER,
            actor=SYSTEM_ACTOR,
            params={"method": method.code},
            announce=False,
        )
    status = CaseStatus(case.status).label
    _announce(
        case,
        SYSTEM_ACTOR,
        "申请已自动审批通过",
        f"您申请的“{name}”（办件编号 {no}）已通过自动审查，准予办理，当前状态：{status}。",
    )


# --- the transition engine ------------------------------------------------------------


@dataclass
class _Change:
    """One transition being applied; effects fill in the details."""

    case: Case
    action: CaseAction
    actor: Any  # a user, or SYSTEM_ACTOR
    viewer: Viewer | None
    comment: str
    params: Mapping[str, Any]
    now: datetime
    today: date
    from_status: str
    target: str
    unit: str
    acting_post: PostView | None
    kind: str = EventKind.ACTION
    data: dict[str, Any] = field(default_factory=dict)
    subject: str = ""
    body: str = ""

    @property
    def is_system(self) -> bool:
        return self.viewer is None


def perform_action(
    case_no: str,
    action: str,
    *,
    actor: Any,
    comment: str = "",
    expected_version: int | None = None,
    **params: Any,
) -> Case:
    """Take `action` on the case (POST /cases/{case_no}/actions), in one transaction.

    Raises NotFound outside the actor's scope, PermissionDenied when the actor can never
    take this action on this case, InvalidTransition (409, with the current state) when
    the state does not allow it — which is what the second of two clerks pressing
    "accept" at once gets — and Conflict when `expected_version` is stale.
    Parameters by action: request_supplement `missing=[{material, reason}]`;
    resubmit `materials=[{material, upload_id}]`; suspend `kind` (SpecialProcedure);
    approve/issue `result_text`; deliver `method`, `tracking_no`, `carrier`;
    refuse, deny, return, suspend and extend need a `comment` (the reason).
    """
    try:
        act = CaseAction(action)
    except ValueError:
        raise ValidationFailed(
            f"未知的操作：{action}", code="unknown_action", allowed=list(CaseAction.values)
        ) from None
    with transaction.atomic():
        base = Case.objects if actor == SYSTEM_ACTOR else cases_visible_to(actor)
        case = (
            base.select_for_update(of=("self",))
            .select_related("item", "department", "hall", "region", "intake_region", "applicant")
            .filter(case_no=case_no)
            .first()
        )
        if case is None:
            raise NotFound(f"办件 {case_no} 不存在", code="case_not_found")
        if expected_version is not None and expected_version != case.version:
            raise Conflict(
                "办件已被他人更新，请刷新后重试",
                code="stale_version",
                current_state=case.status,
                version=case.version,
            )
        _transition(case, act, actor=actor, comment=comment, params=params)
    return case


def _transition(
    case: Case,
    action: CaseAction,
    *,
    actor: Any,
    comment: str = "",
    params: Mapping[str, Any] | None = None,
    announce: bool = True,
) -> None:
    """Check the table, apply the effect, write event + audit + message. The caller
    holds the row lock inside a transaction."""
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationFailed(f"意见不能超过 {COMMENT_MAX} 个字符", code="comment_too_long")
    system = actor == SYSTEM_ACTOR
    viewer = None if system else viewer_for(actor)
    label = CaseAction(action).label
    if viewer is not None and not any(fits(viewer, case, w) for w in WHO_BY_ACTION[action]):
        raise PermissionDenied(f"您无权对本办件执行“{label}”", code="action_not_allowed")
    row = transition_for(case.status, action)
    who_ok = row is not None and (
        (SYSTEM in row.who) if viewer is None else any(fits(viewer, case, w) for w in row.who)
    )
    if row is None or not who_ok:
        raise InvalidTransition(
            f"办件当前状态为“{CaseStatus(case.status).label}”，不能执行“{label}”",
            current_state=case.status,
        )
    unit, post = _acting_unit(viewer, case, row.who)
    change = _Change(
        case=case,
        action=action,
        actor=actor,
        viewer=viewer,
        comment=comment,
        params=params or {},
        now=clock.now(),
        today=clock.today(),
        from_status=case.status,
        target=row.target,
        unit=unit,
        acting_post=post,
    )
    _EFFECTS[action](change)
    if action == CaseAction.DELIVER and row.target_when_tracked and change.data.get("tracking_no"):
        change.target = row.target_when_tracked
    before = {"status": case.status, "version": case.version}
    case.status = change.target
    case.version += 1
    if case.status in _CLOSED and case.closed_at is None:
        case.closed_at = change.now
    case.due_on = clock.governing_deadline(case)
    case.current_step = _current_step(case)
    case.save()
    _event(
        case,
        kind=change.kind,
        action=action,
        from_status=change.from_status,
        to_status=case.status,
        actor=None if system else actor,
        unit=unit,
        comment=change.comment,
        data=change.data,
        at=change.now,
    )
    record(
        f"case.{action}",
        None,
        actor=actor,
        object_type="cases.case",
        object_id=case.case_no,
        before=before,
        after={"status": case.status, "version": case.version, **_audit_data(change.data)},
    )
    if announce and change.subject:
        _announce(case, actor, change.subject, change.body)


_CLOSED = frozenset(
    {CaseStatus.REFUSED, CaseStatus.DENIED, CaseStatus.COMPLETED, CaseStatus.WITHDRAWN}
)


def _audit_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """Dates and codes only: no free text (it may hold personal data) in the audit log."""
    keep = {
        "promised_deadline",
        "legal_deadline",
        "issue_deadline",
        "provisional",
        "paused_workdays",
        "method",
        "kind",
        "deemed",
        "to_unit",
    }
    out = {k: v for k, v in data.items() if k in keep}
    if "missing" in data:
        out["missing"] = [m["material"] for m in data["missing"]]
    return out


def _acting_unit(
    viewer: Viewer | None, case: Case, who: frozenset[Who]
) -> tuple[str, PostView | None]:
    if viewer is None:
        return SYSTEM_UNIT, None
    for w in sorted(who, key=lambda w: (w.relation, str(w.permission))):
        if not fits(viewer, case, w):
            continue
        if w.relation == Relation.APPLICANT:
            if getattr(viewer.user, "pk", None) == case.applicant_id:
                return APPLICANT_UNIT, None
            # The clerk who submitted for the applicant (代办) acts for them.
            posts = acting_posts(viewer, case, INTAKE_CLERK)
            if posts:
                return f"{posts[0].unit_name}（代办）", posts[0]
            return APPLICANT_UNIT, None
        posts = acting_posts(viewer, case, w)
        return posts[0].unit_name, posts[0]
    return APPLICANT_UNIT, None


def _event(
    case: Case,
    *,
    kind: str,
    action: str,
    from_status: str,
    to_status: str,
    actor: Any,
    unit: str,
    comment: str,
    data: dict[str, Any],
    at: datetime,
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=actor if actor not in (None, SYSTEM_ACTOR) else None,
        unit=unit[:100],
        comment=comment,
        data=json.loads(json.dumps(data, default=str, ensure_ascii=False)),
        at=at,
    )


def _announce(case: Case, actor: Any, subject: str, body: str) -> None:
    """The applicant's message (notify outbox), in this transaction. Only what the
    applicant owns: their case number, item, dates and the reasons given to them."""
    notify(
        case.applicant,
        subject=subject,
        body=body,
        object_type="case",
        object_id=case.case_no,
        actor=actor,
    )


#: The permission a case waits on in each status (to name its current process step).
_WAITING_ON = {
    CaseStatus.SUBMITTED: Permission.CASE_ACCEPT,
    CaseStatus.ACCEPTED: Permission.CASE_REVIEW,
    CaseStatus.IN_REVIEW: Permission.CASE_REVIEW,
    CaseStatus.SUSPENDED: Permission.CASE_REVIEW,
    CaseStatus.APPROVED: Permission.CASE_ISSUE,
    CaseStatus.ISSUED: Permission.CASE_DELIVER,
    CaseStatus.DELIVERED: Permission.CASE_DELIVER,
}


def _current_step(case: Case) -> str:
    """The item's process step (data: order, role) the case is at, else the status."""
    wanted = _WAITING_ON.get(CaseStatus(case.status))
    if wanted is None:
        return ""
    for step in case.item.steps.select_related("role").order_by("order"):
        if wanted in step.role.permissions:
            return str(step.name)
    return str(CaseStatus(case.status).label)


def _need_comment(change: _Change, what: str) -> None:
    if not change.comment:
        raise ValidationFailed(f"请填写{what}", code="comment_required")


def _fmt(d: date | None) -> str:
    return f"{d:%Y年%m月%d日}" if d else "—"


# --- effects, one per action --------------------------------------------------------


def _accept(ch: _Change) -> None:
    case, item = ch.case, ch.case.item
    deemed = ch.is_system and bool(ch.params.get("deemed"))
    accepted_on = case.arrived_on if deemed else ch.today
    d = clock.deadlines_on_acceptance(
        accepted_on=accepted_on,
        promised_days=item.promised_limit_days,
        legal_days=item.legal_limit_days,
        instant=item.case_type == CaseType.INSTANT,
    )
    case.accepted_at = ch.now
    case.accepted_on = accepted_on
    case.deemed_accepted = deemed
    case.promised_deadline, case.legal_deadline = d.promised, d.legal
    case.deadlines_provisional = case.deadlines_provisional or d.provisional
    if ch.acting_post is not None:
        case.accepted_hall_id = ch.acting_post.hall_id
        case.accepted_department_id = ch.acting_post.department_id
    ch.data.update(
        accepted_on=accepted_on,
        promised_deadline=d.promised,
        legal_deadline=d.legal,
        provisional=d.provisional,
    )
    if deemed:
        ch.kind = EventKind.DEEMED_ACCEPT
        ch.data["deemed"] = True
        ch.comment = (
            f"{clock.ACCEPTANCE_WINDOW_WORKDAYS} 个工作日内未作出受理决定或告知补正，依{LAW}"
            f"第三十二条，自收到申请材料之日（{_fmt(accepted_on)}）起视为受理"
        )
    when = "视为受理" if deemed else "受理"
    ch.subject = "办件已受理"
    ch.body = (
        f"您申请的“{item.name}”（办件编号 {case.case_no}）已于{_fmt(accepted_on)}{when}。"
        f"承诺办结日期：{_fmt(d.promised)}；法定办结日期：{_fmt(d.legal)}"
        + ("（节假日安排尚未公布，日期可能调整）" if d.provisional else "")
        + "。"
    )


def _request_supplement(ch: _Change) -> None:
    case = ch.case
    raw = ch.params.get("missing") or []
    if not raw:
        raise ValidationFailed("请列出全部需补正的材料（一次性告知）", code="missing_required")
    materials = {m.code: m for m in case.item.materials.all()}
    items: dict[str, dict[str, str]] = {}
    for entry in raw:
        code = str(entry.get("material", "")) if isinstance(entry, Mapping) else str(entry)
        reason = str(entry.get("reason", "")).strip() if isinstance(entry, Mapping) else ""
        if code not in materials:
            raise ValidationFailed(
                f"本事项没有材料“{code}”", code="unknown_material", unknown=[code]
            )
        items[code] = {"material": code, "name": materials[code].name, "reason": reason}
    notice_items = list(items.values())
    SupplementNotice.objects.create(
        case=case, items=notice_items, comment=ch.comment, issued_at=ch.now, issued_by=ch.actor
    )
    ch.data["missing"] = notice_items
    listed = "；".join(
        f"{i['name']}" + (f"（{i['reason']}）" if i["reason"] else "") for i in notice_items
    )
    ch.subject = "请补正申请材料"
    ch.body = (
        f"您申请的“{case.item.name}”（办件编号 {case.case_no}）需一次性补正以下材料：{listed}。"
        + (f"说明：{ch.comment}。" if ch.comment else "")
        + "补正后办件将重新进入受理环节。"
    )


def _resubmit(ch: _Change) -> None:
    case = ch.case
    notice = open_supplement_notice(case)
    if notice is None:  # pragma: no cover - the state guarantees one
        raise InvalidTransition("没有待补正的告知", current_state=case.status)
    refs = [_material_ref(m) for m in ch.params.get("materials") or []]
    materials = {m.code: m for m in case.item.materials.all()}
    listed = [i["material"] for i in notice.items]
    uploads = _check_materials(ch.actor, materials, refs, all_required=False, required_codes=listed)
    CaseMaterial.objects.filter(
        case=case, material_code__in={r.material for r in refs}, superseded=False
    ).update(superseded=True)
    _add_materials(case, materials, refs, uploads, ch.now)
    notice.answered_at = ch.now
    notice.save(update_fields=["answered_at"])
    case.arrived_on = ch.today  # Art. 32: the acceptance window runs from the supplement
    ch.data["materials"] = sorted({r.material for r in refs})
    ch.subject = "补正材料已收到"
    ch.body = (
        f"您为“{case.item.name}”（办件编号 {case.case_no}）补正的材料已于{_fmt(ch.today)}收到，"
        f"将在 {clock.ACCEPTANCE_WINDOW_WORKDAYS} 个工作日内作出受理决定。"
    )


def _refuse(ch: _Change) -> None:
    _need_comment(ch, "不予受理的理由")
    case = ch.case
    case.refusal_reason = ch.comment
    ch.subject = "申请不予受理"
    ch.body = (
        f"您申请的“{case.item.name}”（办件编号 {case.case_no}）不予受理。理由：{ch.comment}。"
        "如不服，可依法申请行政复议或者提起行政诉讼。"
    )


def _forward(ch: _Change) -> None:
    case = ch.case
    to_unit = case.department.name
    ch.data.update(from_unit=ch.unit, to_unit=to_unit)
    if not ch.comment:
        ch.comment = f"转报{to_unit}审查"
    ch.subject = "办件已转报审查"
    ch.body = (
        f"您申请的“{case.item.name}”（办件编号 {case.case_no}）已由{ch.unit}转报{to_unit}审查。"
    )


def _approve(ch: _Change) -> None:
    case = ch.case
    case.decision = Decision.APPROVED
    case.decided_at, case.decided_on = ch.now, ch.today
    result = str(ch.params.get("result_text") or "").strip()
    case.result_text = result or case.item.result_name or "准予许可"
    issue = workdays.add(ch.today, clock.ISSUE_LIMIT_WORKDAYS)
    case.issue_deadline = issue.value
    case.deadlines_provisional = case.deadlines_provisional or issue.provisional
    ch.data.update(issue_deadline=issue.value, result=case.result_text)
    ch.subject = "申请已获准予"
    ch.body = (
        f"您申请的“{case.item.name}”（办件编号 {case.case_no}）已于{_fmt(ch.today)}决定准予。"
        f"办理结果将于{_fmt(issue.value)}前制作并送达。"
    )


def _deny(ch: _Change) -> None:
    _need_comment(ch, "不予许可的理由")
    case = ch.case
    case.decision = Decision.DENIED
    case.decided_at, case.decided_on = ch.now, ch.today
    case.refusal_reason = ch.comment
    ch.subject = "申请不予许可"
    ch.body = (
        f"您申请的“{case.item.name}”（办件编号 {case.case_no}）决定不予许可。理由：{ch.comment}。"
        "如不服，可依法申请行政复议或者提起行政诉讼。"
    )


def _return(ch: _Change) -> None:
    _need_comment(ch, "退回的理由")
    case = ch.case
    to_unit = _intake_unit_label(case)
    ch.data.update(from_unit=ch.unit, to_unit=to_unit)
    ch.subject = "办件办理进度更新"
    ch.body = f"您申请的“{case.item.name}”（办件编号 {case.case_no}）已退回{to_unit}复核。"


def _suspend(ch: _Change) -> None:
    case = ch.case
    kind = str(ch.params.get("kind") or "")
    if kind not in SpecialProcedure.values:
        raise ValidationFailed(
            "请选择特别程序的种类", code="bad_procedure_kind", allowed=list(SpecialProcedure.values)
        )
    _need_comment(ch, "特别程序的事由")
    Suspension.objects.create(case=case, kind=kind, reason=ch.comment, started_on=ch.today)
    case.suspended_on = ch.today
    label = SpecialProcedure(kind).label
    ch.data.update(kind=kind, started_on=ch.today)
    ch.subject = f"办件进入{label}程序"
    ch.body = (
        f"您申请的“{case.item.name}”（办件编号 {case.case_no}）自{_fmt(ch.today)}起进行{label}，"
        f"事由：{ch.comment}。依{LAW}第四十五条，所需时间不计算在办理期限内。"
    )


def _end_suspension(case: Case, today: date) -> tuple[int, bool]:
    """Close the open special procedure: the working days in (start, today] are not
    counted (Art. 45) — every deadline moves by that many working days."""
    suspension = Suspension.objects.filter(case=case, ended_on__isnull=True).first()
    if suspension is None:  # pragma: no cover - the state guarantees one
        return 0, False
    paused = workdays.count(suspension.started_on, today)
    days = max(0, paused.value)
    suspension.ended_on, suspension.workdays = today, days
    suspension.save(update_fields=["ended_on", "workdays"])
    provisional = paused.provisional
    for attr in ("promised_deadline", "legal_deadline"):
        current = getattr(case, attr)
        if current is not None and days:
            moved = workdays.add(current, days)
            setattr(case, attr, moved.value)
            provisional = provisional or moved.provisional
    case.paused_workdays += days
    case.suspended_on = None
    case.deadlines_provisional = case.deadlines_provisional or provisional
    return days, provisional


def _resume(ch: _Change) -> None:
    case = ch.case
    days, _ = _end_suspension(case, ch.today)
    ch.data.update(
        paused_workdays=days,
        promised_deadline=case.promised_deadline,
        legal_deadline=case.legal_deadline,
    )
    ch.subject = "特别程序已结束，恢复计时"
    ch.body = (
        f"您申请的“{case.item.name}”（办件编号 {case.case_no}）的特别程序已结束，"
        f"不计入办理期限的工作日 {days} 天。承诺办结日期顺延至{_fmt(case.promised_deadline)}，"
        f"法定办结日期顺延至{_fmt(case.legal_deadline)}。"
    )


def _extend(ch: _Change) -> None:
    case = ch.case
    _need_comment(ch, "延长期限的理由")
    if case.extension_workdays:
        raise Conflict(
            f"本办件已延长过期限，依{LAW}第四十二条只能延长一次",
            code="already_extended",
            current_state=case.status,
        )
    assert case.legal_deadline is not None  # set on acceptance
    moved = workdays.add(case.legal_deadline, clock.EXTENSION_WORKDAYS)
    case.legal_deadline = moved.value
    case.extension_workdays = clock.EXTENSION_WORKDAYS
    case.extension_reason = ch.comment
    case.deadlines_provisional = case.deadlines_provisional or moved.provisional
    ch.data.update(legal_deadline=moved.value, extension_workdays=clock.EXTENSION_WORKDAYS)
    ch.subject = "办理期限延长"
    ch.body = (
        f"经本机关负责人批准，您申请的“{case.item.name}”（办件编号 {case.case_no}）的法定办理期限"
        f"延长 {clock.EXTENSION_WORKDAYS} 个工作日至{_fmt(moved.value)}。理由：{ch.comment}。"
    )


def _issue(ch: _Change) -> None:
    case = ch.case
    case.issued_at = ch.now
    result = str(ch.params.get("result_text") or "").strip()
    if result:
        case.result_text = result
    ch.data["result"] = case.result_text
    ch.subject = "办理结果已制作"
    ch.body = f"您申请的“{case.item.name}”（办件编号 {case.case_no}）的办理结果“{case.result_text}”已制作完成，即将送达。"


def _deliver(ch: _Change) -> None:
    case = ch.case
    if ch.from_status == CaseStatus.DELIVERED:  # the receipt of a posted result
        ch.data["receipt"] = True
        if not ch.comment:
            ch.comment = "申请人已签收"
        ch.subject = "办件已办结"
        ch.body = (
            f"您申请的“{case.item.name}”（办件编号 {case.case_no}）的办理结果已签收，办件已办结。"
        )
        return
    code = str(ch.params.get("method") or "")
    if not code:
        raise ValidationFailed("请选择送达方式（method）", code="method_required")
    method = _delivery_method(case.item, code)
    case.delivered_method = method
    case.delivered_at = ch.now
    ch.data["method"] = method.code
    if method.needs_tracking:
        tracking = str(ch.params.get("tracking_no") or "").strip()
        if not tracking:
            raise ValidationFailed(
                "邮寄送达需填写快递单号（tracking_no）", code="tracking_required"
            )
        carrier = str(ch.params.get("carrier") or "").strip() or DEFAULT_CARRIER
        case.carrier, case.tracking_no = carrier[:60], tracking[:40]
        ch.data.update(carrier=case.carrier, tracking_no=case.tracking_no)
        ch.subject = "办理结果已寄出"
        ch.body = (
            f"您申请的“{case.item.name}”（办件编号 {case.case_no}）的办理结果已于{_fmt(ch.today)}"
            f"由{ch.unit}通过{case.carrier}寄出，快递单号 {case.tracking_no}。"
        )
        return
    ch.subject = "办件已办结"
    ch.body = (
        f"您申请的“{case.item.name}”（办件编号 {case.case_no}）的办理结果已通过“{method.name}”送达，"
        "办件已办结。"
    )


def _withdraw(ch: _Change) -> None:
    case = ch.case
    if case.status == CaseStatus.SUSPENDED:
        _end_suspension(case, ch.today)
    ch.subject = "申请已撤回"
    ch.body = f"您申请的“{case.item.name}”（办件编号 {case.case_no}）已撤回。"


_EFFECTS: dict[CaseAction, Callable[[_Change], None]] = {
    CaseAction.ACCEPT: _accept,
    CaseAction.REQUEST_SUPPLEMENT: _request_supplement,
    CaseAction.RESUBMIT: _resubmit,
    CaseAction.REFUSE: _refuse,
    CaseAction.FORWARD: _forward,
    CaseAction.APPROVE: _approve,
    CaseAction.DENY: _deny,
    CaseAction.RETURN: _return,
    CaseAction.SUSPEND: _suspend,
    CaseAction.RESUME: _resume,
    CaseAction.EXTEND: _extend,
    CaseAction.ISSUE: _issue,
    CaseAction.DELIVER: _deliver,
    CaseAction.WITHDRAW: _withdraw,
}
assert set(_EFFECTS) == set(CaseAction), "every action needs its effect"


# --- sweeps -------------------------------------------------------------------------


def sweep_deemed_acceptance(*, on: date | None = None) -> list[str]:
    """Art. 32: a submission nobody accepted, refused or sent a supplement notice for
    within 5 working days of its arrival counts as accepted on the day it arrived.

    Deems the cases whose 5th working day after arrival is before `on` (default
    today): on the 5th working day itself the hall may still act. Each case in its own
    transaction, re-checked under the row lock; running it twice changes nothing.
    """
    day = on or clock.today()
    # 5 working days after arrival are at least 5 calendar days: older rows only.
    cutoff = day - timedelta(days=clock.ACCEPTANCE_WINDOW_WORKDAYS)
    candidates = list(
        Case.objects.filter(status=CaseStatus.SUBMITTED, arrived_on__lt=cutoff)
        .order_by("arrived_on", "id")
        .values_list("case_no", "arrived_on")
    )
    deemed = []
    for case_no, arrived_on in candidates:
        if workdays.count(arrived_on, day).value <= clock.ACCEPTANCE_WINDOW_WORKDAYS:
            continue
        with transaction.atomic():
            case = (
                Case.objects.select_for_update(of=("self",))
                .select_related(
                    "item", "department", "hall", "region", "intake_region", "applicant"
                )
                .get(case_no=case_no)
            )
            if case.status != CaseStatus.SUBMITTED or case.arrived_on != arrived_on:
                continue  # acted on meanwhile
            _transition(case, CaseAction.ACCEPT, actor=SYSTEM_ACTOR, params={"deemed": True})
        deemed.append(case_no)
    return deemed


def purge_idempotency_keys(*, older_than: timedelta = IDEMPOTENCY_TTL) -> int:
    """Forget Idempotency-Keys (and the query codes kept for replays) after 24 hours."""
    cutoff = clock.now() - older_than
    with transaction.atomic():
        deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
        if deleted:
            record(
                "case.idempotency_keys_purged",
                None,
                actor=SYSTEM_ACTOR,
                object_type="cases.idempotencykey",
                object_id="",
                after={"deleted": deleted},
            )
    return deleted


# --- reference data of the automatic checks -----------------------------------------


@transaction.atomic
def record_travel_document(
    *, holder_id_number: str, kind: str, number: str, valid_until: date, actor: Any
) -> TravelDocument:
    """Enter or update an exit-entry document on record (until the adapter exists)."""
    doc, created = TravelDocument.objects.update_or_create(
        kind=kind,
        number=number,
        defaults={"holder_id_number": holder_id_number.upper(), "valid_until": valid_until},
    )
    record(
        "case.travel_document_recorded",
        doc,
        actor=actor,
        after={"kind": kind, "valid_until": valid_until, "created": created},
    )
    return doc


@transaction.atomic
def record_exit_restriction(
    *, holder_id_number: str, authority: str, since: date, until: date | None = None, actor: Any
) -> ExitRestriction:
    restriction = ExitRestriction.objects.create(
        holder_id_number=holder_id_number.upper(), authority=authority, since=since, until=until
    )
    record(
        "case.exit_restriction_recorded",
        restriction,
        actor=actor,
        after={"authority": authority, "since": since, "until": until},
    )
    return restriction


#: The demo citizen 张三's 往来港澳通行证 (a synthetic number), so the kiosk endorsement
#: of the demo is decided automatically.
DEMO_TRAVEL_DOCUMENTS = (
    {
        "holder_id_number": "220102198806151015",
        "kind": HK_MACAO_PERMIT,
        "number": "CA2610001",
        "valid_until": date(2034, 6, 30),
    },
)


def seed_demo_reference_data(*, actor: Any) -> int:
    """The reference records of the demo (idempotent); returns how many were created."""
    created = 0
    for entry in DEMO_TRAVEL_DOCUMENTS:
        if not TravelDocument.objects.filter(kind=entry["kind"], number=entry["number"]).exists():
            record_travel_document(**entry, actor=actor)  # type: ignore[arg-type]
            created += 1
    return created
