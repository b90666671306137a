"""Submitting an application (POST /cases): checks, case number, query code,
idempotency, and the automatic decision of instant items."""

from __future__ import annotations

import hashlib
import json
import math
import re
import secrets
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from yiwang.accounts.actor import Actor, PostGrant, as_actor
from yiwang.accounts.choices import UserKind
from yiwang.accounts.selectors import applicant_by_identifier, identity_for
from yiwang.cases import clock
from yiwang.cases.auto_rules import CheckContext, evaluate
from yiwang.cases.choices import CaseAction, CaseStatus, Channel, EventKind
from yiwang.cases.models import Case, IdempotencyKey
from yiwang.cases.selectors import acting_posts, query_code_digest
from yiwang.cases.services._common import (
    APPLICANT_UNIT,
    FORM_MAX_CHARS,
    FORM_TEXT_MAX,
    IDEMPOTENCY_KEY_MAX,
    QUERY_CODE_ALPHABET,
    QUERY_CODE_LENGTH,
    SELF_SERVICE_DELIVERY,
    SYSTEM_ACTOR,
    SYSTEM_UNIT,
    MaterialRef,
    _add_materials,
    _announce,
    _check_materials,
    _delivery_method,
    _event,
    _intake_unit_label,
    _material_ref,
    _only_delivery_method,
)
from yiwang.cases.services.engine import _current_step, _transition
from yiwang.cases.services.numbering import next_case_no, reserve_case_pk
from yiwang.cases.transitions import Relation, Who
from yiwang.catalog.choices import AcceptLevel, CaseType, ServiceObject
from yiwang.catalog.models import ServiceItem
from yiwang.catalog.selectors import get_active_item
from yiwang.common import audit
from yiwang.common.audit import record
from yiwang.common.db import insert_rows
from yiwang.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yiwang.common.permissions import Permission
from yiwang.org.choices import RegionLevel
from yiwang.org.models import Region
from yiwang.org.selectors import get_region, regions_below

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


@dataclass(frozen=True)
class Submission:
    case: Case
    query_code: str  # shown once to the applicant
    replayed: bool  # the same Idempotency-Key answered again


class _KeyTaken(Exception):
    """Another request with the same Idempotency-Key committed first."""


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
    always answers with the same case, however many retries race (one case).
    An instant item with automatic rules is decided in the same transaction.
    """
    actor = as_actor(actor)
    if not actor.is_authenticated:
        raise PermissionDenied(_("请先登录"), code="sign_in_required")
    refs = [_material_ref(m) for m in materials]
    key = (idempotency_key or "").strip()
    if len(key) > IDEMPOTENCY_KEY_MAX:
        raise ValidationFailed(
            _("Idempotency-Key 不能超过 %(idempotency_key_max)s 个字符")
            % {"idempotency_key_max": IDEMPOTENCY_KEY_MAX},
            code="bad_idempotency_key",
        )
    fingerprint = _fingerprint(
        item_code, form, refs, delivery, on_behalf_of, intake_region, channel
    )
    try:
        with transaction.atomic(), audit.batch():
            submission = _create_case(
                actor=actor,
                item_code=item_code,
                form=dict(form or {}),
                refs=refs,
                delivery=delivery,
                on_behalf_of=on_behalf_of,
                intake_code=intake_region,
                channel=channel,
                key=key,
                fingerprint=fingerprint,
            )
            return submission
    except _KeyTaken:
        replay = _replay(actor, key, fingerprint)
        if replay is None:  # pragma: no cover - the unique index said it exists
            raise Conflict(_("请求冲突，请重试"), code="idempotency_conflict") from None
        return replay


def _keep_key(actor: Actor, key: str, fingerprint: str, case: Case, query_code: str) -> None:
    """Record the Idempotency-Key with the case it is making, before the case is numbered.

    One INSERT … ON CONFLICT DO NOTHING on the (user, key) unique index. If a concurrent
    request with the same key got here first, on PostgreSQL this waits for it to commit
    or roll back; on SQLite the IMMEDIATE transaction already serialised the two. If the
    key is taken, everything of ours is rolled back (no case number was taken) and the
    caller answers with the first case.
    """
    table = connection.ops.quote_name(IdempotencyKey._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, key, fingerprint, case_id, query_code, created_at) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (user_id, key) DO NOTHING RETURNING id",
            [
                actor.pk,
                key,
                fingerprint,
                case.pk,
                query_code,
                connection.ops.adapt_datetimefield_value(clock.now()),
            ],
        )
        if cursor.fetchone() is None:
            raise _KeyTaken


def _fingerprint(*parts: Any) -> str:
    def default(o: Any) -> Any:
        return o.__dict__ if isinstance(o, MaterialRef) else str(o)

    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=default)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _replay(actor: Actor, key: str, fingerprint: str) -> Submission | None:
    found = (
        IdempotencyKey.objects.filter(user_id=actor.account.pk, key=key)
        .select_related("case")
        .first()
    )
    if found is None:
        return None
    if found.fingerprint != fingerprint:
        raise Conflict(
            _("该 Idempotency-Key 已用于另一份不同的申请"), code="idempotency_key_reused"
        )
    return Submission(found.case, found.query_code, replayed=True)


def _create_case(
    *,
    actor: Actor,
    item_code: str,
    form: dict[str, Any],
    refs: list[MaterialRef],
    delivery: str | None,
    on_behalf_of: str | None,
    intake_code: str | None,
    channel: str | None,
    key: str,
    fingerprint: str,
) -> Submission:
    """Write the case. Its id is reserved first, so the rows that point at it go in
    before it; the number (cases.services.numbering) is taken once everything else has
    been checked and the Idempotency-Key claimed, so that only a failure of the
    database itself can leave a gap."""
    item = get_active_item(item_code)
    viewer = actor
    applicant, chosen_channel = _applicant_and_channel(actor, on_behalf_of, channel)
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
    hall = item.department.hall
    case = Case(
        pk=reserve_case_pk(),
        item=item,
        applicant=applicant,
        on_behalf_by=actor.user if clerk_post else None,
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
    )
    case.due_on = clock.governing_deadline(case)
    case.current_step = _current_step(case)
    # The rows that point at the case go in before it (foreign keys are checked at
    # commit): the key first, so that a retry racing us stops here.
    if key:
        _keep_key(actor, key, fingerprint, case, query_code)
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
    case_no = case.case_no = next_case_no(item.region_id, today)
    case.query_code_digest = query_code_digest(case_no, query_code)
    insert_rows([case])
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
                _("受理站点 %(code)s 不在%(name)s的乡镇（街道）范围内")
                % {"code": code, "name": item.region.name},
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
        _("本事项在乡镇（街道）便民服务站受理，请选择受理站点（intake_region）"),
        code="intake_region_required",
        allowed=_townships(item.region),
    )


def _townships(region: Region) -> list[str]:
    return list(
        regions_below(region, include_self=False)
        .filter(level=RegionLevel.TOWNSHIP)
        .values_list("code", flat=True)
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


def _check_form(item: ServiceItem, form: dict[str, Any]) -> None:
    """The application form against the item's form fields (data): no unknown field,
    every required one filled, each value of its type (select: one of the options)."""
    if len(json.dumps(form, ensure_ascii=False, default=str)) > FORM_MAX_CHARS:
        raise ValidationFailed(_("申请表内容过长"), code="form_too_large")
    fields = {str(f.get("name")): f for f in item.form_fields or [] if isinstance(f, dict)}
    unknown = sorted(set(form) - set(fields))
    if unknown:
        raise ValidationFailed(
            _("申请表没有这些字段：%(unknown)s") % {"unknown": "、".join(unknown)},
            code="unknown_form_field",
            unknown=unknown,
        )
    missing = [
        {"name": name, "label": f.get("label") or name}
        for name, f in fields.items()
        if f.get("required") and _blank(form.get(name))
    ]
    if missing:
        labels = "、".join(str(m["label"]) for m in missing)
        raise ValidationFailed(
            _("申请表缺少必填项：%(labels)s") % {"labels": labels},
            code="form_incomplete",
            missing=missing,
        )
    invalid = []
    for name, value in form.items():
        if _blank(value):
            continue
        reason = _form_value_problem(fields[name], value) or _range_problem(
            fields, form, fields[name], value
        )
        if reason:
            invalid.append(
                {"name": name, "label": fields[name].get("label") or name, "reason": reason}
            )
    if invalid:
        text = "；".join(f"{i['label']}{i['reason']}" for i in invalid)
        raise ValidationFailed(
            _("申请表填写有误：%(text)s") % {"text": text}, code="form_invalid", invalid=invalid
        )


def _range_problem(
    fields: Mapping[str, Any], form: Mapping[str, Any], spec: Mapping[str, Any], value: str
) -> str:
    """A date range's end before its start (the field's `not_before`, catalog data)."""
    start = str(spec.get("not_before") or "")
    other = form.get(start) if start in fields else None
    if not isinstance(other, str) or _form_value_problem(fields[start], other):
        return ""  # no start given, or itself wrong (reported on its own)
    if date.fromisoformat(value) < date.fromisoformat(other):
        return f"不得早于{fields[start].get('label') or start}"
    return ""


def _blank(value: Any) -> bool:
    """Not filled in: nothing, or only spaces (as the web form, which strips them)."""
    if isinstance(value, str):
        return not value.strip()
    return value is None or value == [] or value == {}


def _form_value_problem(spec: Mapping[str, Any], value: Any) -> str:
    """What is wrong with one filled-in value, or "". The same rules as the web form
    (portal.forms_cases): numbers finite and not negative, dates YYYY-MM-DD, text
    without control characters."""
    kind = spec.get("type", "text")
    if kind == "boolean":
        return "" if isinstance(value, bool) else "应为是或否"
    if kind == "number":
        if isinstance(value, bool):
            return "应为数字"
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            return "应为数字"
        if not math.isfinite(number):
            return "应为数字"
        if number < 0:
            return "不能为负数"
        return ""
    if not isinstance(value, str):
        return "应为文本"
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in value):
        return "含有不可见的控制字符"
    if kind == "date":
        try:
            if not _ISO_DATE.fullmatch(value):
                raise ValueError(value)
            date.fromisoformat(value)
        except ValueError:
            return "应为日期（YYYY-MM-DD）"
    if kind == "select" and value not in (spec.get("options") or []):
        return "不是可选项之一"
    if len(value) > FORM_TEXT_MAX:
        return f"不能超过 {FORM_TEXT_MAX} 个字符"
    return ""


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
