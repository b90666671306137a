"""What each action changes besides the state (one function per action), read by the
engine through `EFFECTS`. Each runs inside the engine's transaction, under the row lock."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

from django.utils.translation import gettext as _

from yiwang.cases import clock
from yiwang.cases.choices import CaseAction, CaseStatus, Decision, EventKind, SpecialProcedure
from yiwang.cases.models import Case, CaseMaterial, SupplementNotice, Suspension
from yiwang.cases.selectors import open_supplement_notice
from yiwang.cases.services._common import (
    DEFAULT_CARRIER,
    LAW,
    _Change,
    _fmt,
    _need_comment,
    add_materials,
    check_license_refs,
    check_materials,
    find_delivery_method,
    intake_unit_label,
    material_ref,
)
from yiwang.catalog.choices import CaseType
from yiwang.catalog.results import IssuedResult, issue_results
from yiwang.common import workdays
from yiwang.common.errors import Conflict, InvalidTransition, ValidationFailed


def _accept(ch: _Change) -> None:
    """Accept (Art. 32). Once the 5 working days for a supplement notice are over, the
    application already counts as accepted on the day its materials arrived: a clerk who
    accepts it after that (before the sweep did) dates the acceptance that day too, so
    the deadlines do not depend on whether the clerk or the sweep came first."""
    case, item = ch.case, ch.case.item
    swept = ch.is_system and bool(ch.params.get("deemed"))
    lapsed = not swept and clock.acceptance_window_passed(case.arrived_on, ch.today)
    deemed = swept or lapsed
    accepted_on = case.arrived_on if deemed else ch.today
    d = clock.deadlines_on_acceptance(
        accepted_on=accepted_on,
        promised_days=item.promised_limit_days,
        legal_days=item.legal_limit_days,
        instant=item.case_type == CaseType.INSTANT,
    )
    case.accepted_at = ch.now
    case.accepted_on = accepted_on
    case.promised_limit_days, case.legal_limit_days = d.promised_days, d.legal_days
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
        ch.data["deemed"] = True
        note = (
            f"{clock.ACCEPTANCE_WINDOW_WORKDAYS} 个工作日内未作出受理决定或告知补正，依{LAW}"
            f"第三十二条，自收到申请材料之日（{_fmt(accepted_on)}）起视为受理"
        )
        if swept:
            ch.kind = EventKind.DEEMED_ACCEPT
            ch.comment = note
        else:  # a clerk acted: keep their comment, and say why the date is earlier
            ch.comment = f"{ch.comment}（{note}）" if ch.comment else note
    when = "视为受理" if deemed else "受理"
    ch.subject = "办件已受理"
    ch.body = (
        f"您申请的“{item.name}”（办件编号 {case.case_no}）已于{_fmt(accepted_on)}{when}。"
        f"承诺办结日期：{_fmt(d.promised)}；法定办结日期：{_fmt(d.legal)}"
        + ("（节假日安排尚未公布，日期可能调整）" if d.provisional else "")
        + "。"
    )


def _request_supplement(ch: _Change) -> None:
    """一次性告知 (Art. 32): on the spot or within 5 working days of arrival. After that
    the application counts as accepted, and a notice is too late (409)."""
    case = ch.case
    if clock.acceptance_window_passed(case.arrived_on, ch.today):
        deadline = clock.acceptance_deadline(case.arrived_on).value
        raise Conflict(
            _(
                "告知补正的期限（%(deadline)s）已过，依%(law)s第三十二条，本申请自收到申请材料之日（%(received)s）起视为受理"
            )
            % {"deadline": _fmt(deadline), "law": _(LAW), "received": _fmt(case.arrived_on)},
            code="acceptance_window_passed",
            current_state=case.status,
        )
    raw = ch.params.get("missing") or []
    if not raw:
        raise ValidationFailed(_("请列出全部需补正的材料（一次性告知）"), code="missing_required")
    materials = {m.code: m for m in case.item.materials.all()}
    items: dict[str, dict[str, str]] = {}
    for entry in raw:
        code = str(entry.get("material", "")) if isinstance(entry, Mapping) else str(entry)
        reason = str(entry.get("reason", "")).strip() if isinstance(entry, Mapping) else ""
        if code not in materials:
            raise ValidationFailed(
                _("本事项没有材料“%(code)s”") % {"code": code},
                code="unknown_material",
                unknown=[code],
            )
        items[code] = {"material": code, "name": materials[code].name, "reason": reason}
    _only_what_may_still_be_raised(case, items)
    notice_items = list(items.values())
    SupplementNotice.objects.create(
        case=case,
        items=notice_items,
        comment=ch.comment,
        issued_at=ch.now,
        issued_by=ch.actor.account,
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


def _only_what_may_still_be_raised(case: Case, items: Mapping[str, Mapping[str, str]]) -> None:
    """一次性告知 (Art. 32): the first notice lists everything to supplement. A later one
    may only come back to what the applicant handed in since — the materials an earlier
    notice asked for, or any they replaced — never to a material that was already there
    unchanged when the first notice was given (422 `not_in_first_notice`)."""
    earlier = list(SupplementNotice.objects.filter(case=case).values_list("items", flat=True))
    if not earlier:
        return
    allowed = {str(i["material"]) for notice in earlier for i in notice}
    allowed |= set(
        CaseMaterial.objects.filter(case=case, submitted_at__gt=case.submitted_at).values_list(
            "material_code", flat=True
        )
    )
    late = [code for code in items if code not in allowed]
    if late:
        names = "、".join(items[code]["name"] for code in late)
        raise ValidationFailed(
            _("补正须一次性告知：%(names)s在首次告知时已提交且未更换，不能再次要求补正")
            % {"names": names},
            code="not_in_first_notice",
            materials=late,
        )


def _resubmit(ch: _Change) -> None:
    case = ch.case
    notice = open_supplement_notice(case)
    if notice is None:  # pragma: no cover - the state guarantees one
        raise InvalidTransition(
            _("没有待补正的告知"), current_state=case.status, code="no_pending_notice"
        )
    refs = [material_ref(m) for m in ch.params.get("materials") or []]
    materials = {m.code: m for m in case.item.materials.all()}
    listed = [i["material"] for i in notice.items]
    uploads = check_materials(ch.actor, materials, refs, all_required=False, required_codes=listed)
    licenses = check_license_refs(case.applicant_id, materials, refs, ch.today)
    CaseMaterial.objects.filter(
        case=case, material_code__in={r.material for r in refs}, superseded=False
    ).update(superseded=True)
    add_materials(case, materials, refs, uploads, ch.now, licenses)
    notice.answered_at = ch.now
    notice.save(update_fields=["answered_at"])
    # Art. 32: the acceptance window runs from the supplement (arrived as configured).
    case.arrived_on = clock.arrival_day(ch.now)
    ch.data["materials"] = sorted({r.material for r in refs})
    ch.subject = "补正材料已收到"
    ch.body = (
        f"您为“{case.item.name}”（办件编号 {case.case_no}）补正的材料已于{_fmt(ch.today)}收到，"
        f"将在 {clock.ACCEPTANCE_WINDOW_WORKDAYS} 个工作日内作出受理决定。"
    )


def _refuse(ch: _Change) -> None:
    _need_comment(ch, _("不予受理的理由"))
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
    _need_comment(ch, _("不予许可的理由"))
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
    _need_comment(ch, _("退回的理由"))
    case = ch.case
    to_unit = intake_unit_label(case)
    ch.data.update(from_unit=ch.unit, to_unit=to_unit)
    ch.subject = "办件办理进度更新"
    ch.body = f"您申请的“{case.item.name}”（办件编号 {case.case_no}）已退回{to_unit}复核。"


def _suspend(ch: _Change) -> None:
    case = ch.case
    kind = str(ch.params.get("kind") or "")
    if kind not in SpecialProcedure.values:
        raise ValidationFailed(
            _("请选择特别程序的种类"),
            code="bad_procedure_kind",
            allowed=list(SpecialProcedure.values),
        )
    _need_comment(ch, _("特别程序的事由"))
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
    """行政许可法 Art. 42: a decision that cannot be made within the legal limit (20
    working days) may, with the agency head's approval, take 10 more — once, and decided
    while the limit still runs (二十日内不能作出决定的): an extension after the legal
    deadline has passed would only hide that it was missed (409)."""
    case = ch.case
    _need_comment(ch, _("延长期限的理由"))
    if case.extension_workdays:
        raise Conflict(
            _("本办件已延长过期限，依%(law)s第四十二条只能延长一次") % {"law": _(LAW)},
            code="already_extended",
            current_state=case.status,
        )
    assert case.legal_deadline is not None  # set on acceptance
    if ch.today > case.legal_deadline:
        raise Conflict(
            _("法定办理期限已于%(deadline)s届满，依%(law)s第四十二条，延长须在法定期限内决定")
            % {"deadline": _fmt(case.legal_deadline), "law": _(LAW)},
            code="legal_limit_passed",
            current_state=case.status,
        )
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
    """制证 (Art. 44). What the item yields (an e-license) is made by the apps that make
    it, through the catalog's result registry, in this transaction (decision 0019)."""
    case = ch.case
    case.issued_at = ch.now
    result = str(ch.params.get("result_text") or "").strip()
    if result:
        case.result_text = result
    ch.data["result"] = case.result_text
    made = issue_results(
        IssuedResult(
            case_id=case.pk,
            case_no=case.case_no,
            item_id=case.item_id,
            item_code=case.item.code,
            department_id=case.department_id,
            applicant_id=case.applicant_id,
            form=dict(case.form or {}),
            result_text=case.result_text,
            issued_at=ch.now,
            issued_on=ch.today,
        ),
        actor=ch.actor,
    )
    if made:
        ch.data["licenses"] = made
    ch.subject = "办理结果已制作"
    ch.body = (
        f"您申请的“{case.item.name}”（办件编号 {case.case_no}）的办理结果“{case.result_text}”已制作完成，即将送达。"
        + (
            f"电子证照已签发（证照标识 {'、'.join(made)}），可在个人中心查看和出示。"
            if made
            else ""
        )
    )


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
        raise ValidationFailed(_("请选择送达方式（method）"), code="method_required")
    method = find_delivery_method(case.item, code)
    case.delivered_method = method
    case.delivered_at = ch.now
    ch.data["method"] = method.code
    if method.needs_tracking:
        tracking = str(ch.params.get("tracking_no") or "").strip()
        if not tracking:
            raise ValidationFailed(
                _("邮寄送达需填写快递单号（tracking_no）"), code="tracking_required"
            )
        carrier = str(ch.params.get("carrier") or "").strip() or DEFAULT_CARRIER
        if not (tracking.isprintable() and carrier.isprintable()):
            raise ValidationFailed(
                _("快递单号和承运单位不能含有不可见的控制字符"), code="bad_tracking_no"
            )
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


EFFECTS: dict[CaseAction, Callable[[_Change], None]] = {
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


assert set(EFFECTS) == set(CaseAction), "every action needs its effect"
