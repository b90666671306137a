"""What the case pages show, worked out from what the cases selectors return.

Nothing here reads the database on its own: it shapes a `CaseDetail` (and the item
that came with it) into rows for the templates — the application form with its
labels, the timeline with each hand-off between units spelt out, the result, the
clock. The same shapes serve the applicant's centre and the staff workbench; what
each may see was decided by `case_detail_for` (actors' names and internal comments
only for staff; identities, the form and free text masked unless applicant or handling).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from yiwang.cases.choices import (
    CaseAction,
    CaseStatus,
    Decision,
    EventKind,
    SpecialProcedure,
)
from yiwang.cases.clock import ClockView
from yiwang.cases.selectors import CaseDetail, TimelineEntry
from yiwang.portal.labels import ACTION_CONTEXT, STATUS_CONTEXT, choice_label


def status_label(status: str) -> str:
    try:
        return choice_label(CaseStatus(status).label, STATUS_CONTEXT)
    except ValueError:
        return status


def action_label(action: str) -> str:
    try:
        return choice_label(CaseAction(action).label, ACTION_CONTEXT)
    except ValueError:
        return action


def procedure_label(kind: str) -> str:
    try:
        return choice_label(SpecialProcedure(kind).label)
    except ValueError:
        return kind


def _day(value: Any) -> str:
    """A date from the timeline's data (ISO text) or the model, in the language's long
    form: 2026年9月21日, Sept. 21, 2026."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, date):
        return date_format(value, "DATE_FORMAT")
    return ""


# --------------------------------------------------------------------------- the form


@dataclass(frozen=True)
class FormRow:
    label: str
    value: str


def form_rows(form_fields: Iterable[Mapping[str, Any]], form: Mapping[str, Any]) -> list[FormRow]:
    """The application form in the item's field order, labelled as the item labels them;
    a value for a field the item no longer has is shown under its name."""
    rows: list[FormRow] = []
    seen: set[str] = set()
    for spec in form_fields:
        name = str(spec.get("name", ""))
        if name in form:
            seen.add(name)
            rows.append(FormRow(str(spec.get("label") or name), _value(form[name])))
    rows.extend(FormRow(name, _value(value)) for name, value in form.items() if name not in seen)
    return rows


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if value in (None, ""):
        return "—"
    return str(value)


# --------------------------------------------------------------------------- the timeline


@dataclass(frozen=True)
class TimelineRow:
    at: datetime
    title: str
    status: str
    status_code: str
    unit: str
    actor: str
    comment: str
    details: list[str] = field(default_factory=list)
    # (from unit, to unit) when the case changed hands between units (forward, return)
    handoff: tuple[str, str] | None = None
    tone: str = ""  # "good" | "bad" | "" — a visual hint, never the only signal


_GOOD = frozenset({CaseAction.ACCEPT, CaseAction.APPROVE, CaseAction.ISSUE, CaseAction.DELIVER})
_BAD = frozenset({CaseAction.REFUSE, CaseAction.DENY, CaseAction.REQUEST_SUPPLEMENT})


def timeline_rows(
    entries: Iterable[TimelineEntry],
    *,
    materials: Mapping[str, str],
    methods: Mapping[str, str],
) -> list[TimelineRow]:
    """Each entry of the case's history as the timeline shows it. `materials` and
    `methods` map the item's material and delivery-method codes to their names."""
    return [_row(e, materials, methods) for e in entries]


def _row(e: TimelineEntry, materials: Mapping[str, str], methods: Mapping[str, str]) -> TimelineRow:
    data = e.data or {}
    details: list[str] = []
    handoff: tuple[str, str] | None = None
    tone = ""
    if e.kind == EventKind.SUBMIT:
        title = _("提交申请")
        names = [materials.get(code, code) for code in data.get("materials", [])]
        if names:
            details.append(_("提交材料：%(names)s") % {"names": "、".join(names)})
    elif e.kind == EventKind.AUTO_CHECK:
        title = _("自动审查")
        tone = "good" if data.get("passed") else "bad"
        for check in data.get("checks", []):
            mark = "✓" if check.get("passed") else "✗"
            details.append(f"{mark} {check.get('reason', '')}")
    elif e.kind == EventKind.DEEMED_ACCEPT:
        title = _("视为受理")
        tone = "good"
    elif e.action == CaseAction.DELIVER and data.get("receipt"):
        title = _("确认签收")
        tone = "good"
    else:
        title = action_label(e.action)
        tone = "good" if e.action in _GOOD else "bad" if e.action in _BAD else ""
    if "from_unit" in data and "to_unit" in data:
        handoff = (str(data["from_unit"]), str(data["to_unit"]))
    details.extend(_action_details(e.action, data, materials, methods))
    return TimelineRow(
        at=e.at,
        title=title,
        status=status_label(e.to_status),
        status_code=e.to_status,
        unit=e.unit,
        actor=e.actor,
        comment=e.comment,
        details=details,
        handoff=handoff,
        tone=tone,
    )


def _action_details(
    action: str, data: Mapping[str, Any], materials: Mapping[str, str], methods: Mapping[str, str]
) -> list[str]:
    out: list[str] = []
    if action == CaseAction.ACCEPT and data.get("promised_deadline"):
        out.append(
            _("承诺办结日期 %(promised)s，法定办结日期 %(legal)s")
            % {"promised": _day(data["promised_deadline"]), "legal": _day(data["legal_deadline"])}
        )
    elif action == CaseAction.REQUEST_SUPPLEMENT:
        for item in data.get("missing", []):
            reason = item.get("reason") or ""
            out.append(f"{item.get('name', '')}" + (f"（{reason}）" if reason else ""))
    elif action == CaseAction.RESUBMIT:
        names = [materials.get(code, code) for code in data.get("materials", [])]
        if names:
            out.append(_("补正材料：%(names)s") % {"names": "、".join(names)})
    elif action == CaseAction.APPROVE and data.get("issue_deadline"):
        out.append(_("制证送达期限 %(day)s") % {"day": _day(data["issue_deadline"])})
    elif action == CaseAction.SUSPEND and data.get("kind"):
        out.append(_("特别程序：%(kind)s") % {"kind": procedure_label(str(data["kind"]))})
    elif action == CaseAction.RESUME and "paused_workdays" in data:
        out.append(
            _("不计入期限的工作日 %(days)s 天；承诺办结日期顺延至 %(promised)s")
            % {"days": data["paused_workdays"], "promised": _day(data.get("promised_deadline"))}
        )
    elif action == CaseAction.EXTEND and data.get("legal_deadline"):
        out.append(_("法定办结日期延长至 %(day)s") % {"day": _day(data["legal_deadline"])})
    elif action == CaseAction.ISSUE and data.get("result"):
        out.append(_("办理结果：%(result)s") % {"result": data["result"]})
    elif action == CaseAction.DELIVER and data.get("method") and not data.get("receipt"):
        method = methods.get(str(data["method"]), str(data["method"]))
        out.append(_("送达方式：%(method)s") % {"method": method})
        if data.get("tracking_no"):
            out.append(
                _("承运单位：%(carrier)s，快递单号：%(no)s")
                % {"carrier": data.get("carrier", ""), "no": data["tracking_no"]}
            )
    return out


# --------------------------------------------------------------------------- the whole case


@dataclass(frozen=True)
class ClockRows:
    """The clock as the case pages print it."""

    view: ClockView
    mark: str
    mark_label: str
    remaining: str


def clock_rows(clock: ClockView) -> ClockRows:
    mark = str(clock.mark)
    label = {"red": _("红牌：已超期"), "yellow": _("黄牌：临近到期")}.get(mark, "")
    if clock.remaining_workdays is None:
        remaining = ""
    elif clock.overdue:
        remaining = _("已超期")
    else:
        remaining = _("剩余 %(n)s 个工作日") % {"n": clock.remaining_workdays}
    return ClockRows(clock, mark, label, remaining)


@dataclass(frozen=True)
class CasePage:
    detail: CaseDetail
    status_label: str
    form: list[FormRow]
    timeline: list[TimelineRow]
    clock: ClockRows
    decision_label: str
    delivery_name: str
    delivered_name: str
    current_materials: list[Any]
    superseded_materials: list[Any]
    open_notice: Any | None
    item_materials: list[Any]
    item_methods: list[Any]

    @property
    def case(self) -> Any:
        return self.detail.case


def case_page(detail: CaseDetail) -> CasePage:
    """Everything a case page prints. Reads the item's materials and delivery methods
    (two small queries: the case's item is already loaded, its children are not)."""
    case = detail.case
    item_materials = list(case.item.materials.all())
    item_methods = list(case.item.delivery_methods.all())
    material_names = {m.code: m.name for m in item_materials}
    method_names = {m.code: m.name for m in item_methods}
    notices = [n for n in detail.supplement_notices if n.answered_at is None]
    decision = ""
    if case.decision:
        decision = choice_label(Decision(case.decision).label)
    return CasePage(
        detail=detail,
        status_label=status_label(case.status),
        form=form_rows(case.item.form_fields or [], detail.form),
        timeline=timeline_rows(detail.timeline, materials=material_names, methods=method_names),
        clock=clock_rows(detail.clock),
        decision_label=decision,
        delivery_name=method_names.get(case.delivery_method_id or "", ""),
        delivered_name=method_names.get(case.delivered_method_id or "", ""),
        current_materials=[m for m in detail.materials if not m.superseded],
        superseded_materials=[m for m in detail.materials if m.superseded],
        open_notice=notices[-1] if notices else None,
        item_materials=item_materials,
        item_methods=item_methods,
    )
