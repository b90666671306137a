"""The rules of the service item catalog (实施清单), shared by the data-file loader and
the admin (both write through `catalog.services`).

An item is described by an `ItemSpec` (plain values, children included) and checked
by `check_item` before anything is written. The rules (each names its source):

- promised <= legal (行政许可法 Art. 42; the promised limit never exceeds the legal one);
  an administrative license whose legal limit exceeds Art. 42's 20 working days must
  say in `limit_note` which law sets the longer limit ("法律、法规另有规定的，依照其规定");
- an instant item (即办件) is decided on the day of acceptance: its promised limit is
  0 working days; its legal limit may be longer (what applies if it falls back to
  manual handling). A promised item (承诺件) promises at least 1 working day;
- on-site visits: a count above zero needs the reason (实施清单 "到办事现场次数"), zero
  visits has none; an item "fully online" (online depth 4) has zero visits. The star
  level is derived from visits by the model and never stored;
- the process is ordered 1..n, step codes unique, roles existing org roles, shares of
  the promised time summing to 100;
- township acceptance (乡镇（街道）代办受理) only for county-level departments (or
  township ones), and then the first step is the township station's
  (`TOWNSHIP_ACCEPT_ROLE`);
- delivery method codes exist; material codes unique within the item; a material taken
  from the e-license library names the license type (21 characters: the defining
  authority's USCC and a 3-digit sequence);
- form fields and auto-decision rules are well-formed data; auto rules only on instant
  items, each naming a check of `KNOWN_AUTO_CHECKS` (implemented by `cases`).

Decision (documented for `cases`): an instant item has promised_limit_days 0, and a
database constraint holds that too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

from django.db import models
from django.utils.translation import gettext as _

from yiwang.catalog.choices import (
    AcceptLevel,
    CaseType,
    ItemType,
    MaterialForm,
    MaterialSource,
    OnlineDepth,
    ServiceObject,
)
from yiwang.catalog.models import DeliveryMethod, ServiceItem
from yiwang.common.errors import ValidationFailed
from yiwang.common.validators import check_uscc
from yiwang.org.choices import RegionLevel
from yiwang.org.models import Department, Role

#: Names of the auto-decision checks an instant item may list in `auto_rules`
#: (`[{"check": NAME}]`, optionally with `"params": {...}`). `yiwang.cases` implements
#: each one; a name is added here when its check is implemented there.
KNOWN_AUTO_CHECKS: tuple[str, ...] = (
    "hk_macao_pass_valid",  # a valid 往来港澳通行证 on record for the applicant
    "no_exit_restriction",  # no exit restriction (限制出境) in force
    "resident_of_region",  # the applicant lives in the item's region (or below it)
)

#: The input types a form field may have.
FORM_FIELD_TYPES: tuple[str, ...] = ("text", "textarea", "number", "date", "select", "boolean")

#: The role that accepts an item accepted at a township/village station.
TOWNSHIP_ACCEPT_ROLE = "station_clerk"

#: 行政许可法 Art. 42: a license is decided within 20 working days unless a law or
#: regulation sets otherwise.
ART42_LIMIT_DAYS = 20

_ITEM_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{2,39}$")
_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
_FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_LICENSE_TYPE = re.compile(r"^[0-9A-Z]{18}\d{3}$")

# --------------------------------------------------------------------------- specs


@dataclass(frozen=True)
class MaterialSpec:
    code: str
    name: str
    required: bool = True
    form: str = MaterialForm.ELECTRONIC
    copies: int = 1
    source: str = MaterialSource.APPLICANT
    license_type_code: str = ""
    standard: str = ""
    sort_order: int = 0


@dataclass(frozen=True)
class FeeSpec:
    name: str
    standard: str
    basis: str = ""
    waiver: str = ""


@dataclass(frozen=True)
class StepSpec:
    order: int
    code: str
    name: str
    role: str
    share_percent: int


@dataclass(frozen=True)
class ItemSpec:
    """One item as plain values: what the data file and the admin both produce."""

    code: str
    name: str
    item_type: str
    department: str  # Department.code
    legal_limit_days: int
    promised_limit_days: int
    case_type: str
    visits: int
    basic_code: str = ""
    legal_basis: str = ""
    conditions: str = ""
    service_object: str = ServiceObject.BOTH
    limit_note: str = ""
    visits_reason: str = ""
    online_depth: int = OnlineDepth.FULL
    accept_level: str = AcceptLevel.OWN_HALL
    place: str = ""
    hours: str = ""
    consult_phone: str = ""
    complaint_phone: str = ""
    special_procedures: str = ""
    result_name: str = ""
    form_fields: list[Any] = field(default_factory=list)
    auto_rules: list[Any] = field(default_factory=list)
    is_active: bool = True
    delivery_methods: tuple[str, ...] = ()
    materials: tuple[MaterialSpec, ...] = ()
    fees: tuple[FeeSpec, ...] = ()
    steps: tuple[StepSpec, ...] = ()


@dataclass(frozen=True)
class DeliveryMethodSpec:
    code: str
    name: str
    needs_tracking: bool = False


# Item fields stored on ServiceItem as they are (everything but department and children).
SCALAR_FIELDS = (
    "basic_code",
    "name",
    "item_type",
    "legal_basis",
    "conditions",
    "service_object",
    "legal_limit_days",
    "promised_limit_days",
    "limit_note",
    "case_type",
    "visits",
    "visits_reason",
    "online_depth",
    "accept_level",
    "place",
    "hours",
    "consult_phone",
    "complaint_phone",
    "special_procedures",
    "result_name",
    "form_fields",
    "auto_rules",
    "is_active",
)
_TEXT_LIMITS: dict[str, int] = {
    name: model_field.max_length
    for name in SCALAR_FIELDS
    if isinstance(model_field := ServiceItem._meta.get_field(name), models.CharField)
    and model_field.max_length is not None
}
MATERIAL_FIELDS = (
    "name",
    "required",
    "form",
    "copies",
    "source",
    "license_type_code",
    "standard",
    "sort_order",
)
STEP_FIELDS = ("order", "name", "role", "share_percent")


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class CatalogContext:
    """What the rules look up: departments (code -> region level), roles, delivery methods."""

    departments: Mapping[str, str]
    roles: frozenset[str]
    delivery_methods: frozenset[str]


def current_context(extra_delivery_methods: Iterable[str] = ()) -> CatalogContext:
    """The context from the database (three small queries)."""
    return CatalogContext(
        departments=dict(Department.objects.values_list("code", "region__level")),
        roles=frozenset(Role.objects.values_list("code", flat=True)),
        delivery_methods=frozenset(DeliveryMethod.objects.values_list("code", flat=True))
        | frozenset(extra_delivery_methods),
    )


class _Fault:
    """Raises ValidationFailed naming the item and the field."""

    def __init__(self, code: str) -> None:
        self.code = code or "（无编码）"

    def __call__(self, fieldname: str, why: str) -> NoReturn:
        raise ValidationFailed(
            _("事项 %(code)s 的 %(fieldname)s：%(why)s")
            % {"code": self.code, "fieldname": fieldname, "why": why},
            item=self.code,
            field=fieldname,
            code="item_field_invalid",
        )


def check_item(spec: ItemSpec, context: CatalogContext | None = None) -> None:
    """Check one item against every catalog rule; raise ValidationFailed at the first fault.

    The error's detail names the item code and the field; `extra` carries both
    (`item`, `field`) for the admin to place the message.
    """
    ctx = context if context is not None else current_context()
    fail = _Fault(spec.code)
    _check_fields(spec, ctx, fail)
    _check_limits(spec, fail)
    _check_visits(spec, fail)
    _check_form_fields(spec.form_fields, fail)
    _check_auto_rules(spec, fail)
    _check_delivery(spec, ctx, fail)
    _check_materials(spec, fail)
    _check_fees(spec, fail)
    _check_steps(spec, ctx, fail)
    _check_accept_level(spec, ctx, fail)


def _check_fields(spec: ItemSpec, ctx: CatalogContext, fail: _Fault) -> None:
    if not _ITEM_CODE.match(spec.code):
        fail("code", "实施编码须为 3-40 位字母、数字或连字符，且以字母或数字开头")
    if not spec.name.strip():
        fail("name", "缺少事项名称")
    for name, limit in _TEXT_LIMITS.items():
        value = getattr(spec, name)
        if isinstance(value, str) and len(value) > limit:
            fail(name, f"超过 {limit} 个字符")
    choices: list[tuple[str, Any, Any]] = [
        ("item_type", spec.item_type, ItemType.values),
        ("service_object", spec.service_object, ServiceObject.values),
        ("case_type", spec.case_type, CaseType.values),
        ("online_depth", spec.online_depth, OnlineDepth.values),
        ("accept_level", spec.accept_level, AcceptLevel.values),
    ]
    for name, value, allowed in choices:
        if value not in allowed:
            fail(name, f"{value!r} 不是可选值（{', '.join(map(str, allowed))}）")
    if spec.department not in ctx.departments:
        fail("department", f"实施主体 {spec.department} 不存在")


def _check_limits(spec: ItemSpec, fail: _Fault) -> None:
    legal, promised = spec.legal_limit_days, spec.promised_limit_days
    for name, value in (("legal_limit_days", legal), ("promised_limit_days", promised)):
        if not is_int(value) or value < 0 or value > 32767:
            fail(name, "应为非负整数（工作日）")
    if promised > legal:
        fail(
            "promised_limit_days",
            f"承诺时限 {promised} 个工作日超过法定时限 {legal} 个工作日（承诺时限不得超过法定时限）",
        )
    if spec.case_type == CaseType.INSTANT and promised != 0:
        fail("promised_limit_days", "即办件当日办结，承诺时限应为 0 个工作日")
    if spec.case_type == CaseType.PROMISED and promised < 1:
        fail("promised_limit_days", "承诺件的承诺时限至少 1 个工作日（当日办结的应为即办件）")
    if (
        spec.item_type == ItemType.LICENSE
        and legal > ART42_LIMIT_DAYS
        and not spec.limit_note.strip()
    ):
        fail(
            "limit_note",
            f"行政许可法定时限超过《行政许可法》第四十二条的 {ART42_LIMIT_DAYS} 个工作日，"
            "须在时限说明中注明设定更长时限的法律、法规",
        )


def _check_visits(spec: ItemSpec, fail: _Fault) -> None:
    if not is_int(spec.visits) or spec.visits < 0:
        fail("visits", "到办事现场次数应为非负整数")
    if spec.visits > 0 and not spec.visits_reason.strip():
        fail("visits_reason", f"到办事现场 {spec.visits} 次，须说明到现场的原因")
    if spec.visits == 0 and spec.visits_reason.strip():
        fail("visits_reason", "零跑动的事项不应填写到现场原因")
    if spec.online_depth == OnlineDepth.FULL and spec.visits != 0:
        fail("online_depth", "全程网办（四级）的事项到办事现场次数应为 0")


def _check_form_fields(form_fields: Any, fail: _Fault) -> None:
    if not isinstance(form_fields, list):
        fail("form_fields", "应为列表")
    seen: set[str] = set()
    allowed = {"name", "label", "type", "required", "options", "help", "not_before"}
    for i, f in enumerate(form_fields):
        where = f"form_fields[{i}]"
        if not isinstance(f, dict):
            fail(where, "应为对象 {name, label, type, required}")
        unknown = sorted(k for k in f if k not in allowed)
        if unknown:
            fail(where, f"未知字段 {', '.join(map(str, unknown))}")
        name = f.get("name")
        if not isinstance(name, str) or not _FIELD_NAME.match(name):
            fail(where, "name 应为小写字母开头的标识符（字母、数字、下划线）")
        if name in seen:
            fail(where, f"字段名 {name} 重复")
        seen.add(name)
        label = f.get("label")
        if not isinstance(label, str) or not label.strip():
            fail(where, f"字段 {name} 缺少 label")
        kind = f.get("type", "text")
        if kind not in FORM_FIELD_TYPES:
            fail(where, f"字段 {name} 的类型 {kind!r} 不是 {', '.join(FORM_FIELD_TYPES)} 之一")
        if not isinstance(f.get("required", False), bool):
            fail(where, f"字段 {name} 的 required 应为 true 或 false")
        if not isinstance(f.get("help", ""), str):
            fail(where, f"字段 {name} 的 help 应为字符串")
        options = f.get("options")
        if kind == "select":
            if (
                not isinstance(options, list)
                or not options
                or not all(isinstance(o, str) and o.strip() for o in options)
                or len(set(options)) != len(options)
            ):
                fail(where, f"选择字段 {name} 须有不重复的非空选项列表 options")
        elif options is not None:
            fail(where, f"只有 select 类型的字段可以有 options（字段 {name}）")
    # A date range: `not_before` names the date field this one may not be earlier than.
    kinds = {f.get("name"): f.get("type", "text") for f in form_fields}
    for i, f in enumerate(form_fields):
        other = f.get("not_before")
        if other is None:
            continue
        if f.get("type") != "date" or kinds.get(other) != "date" or other == f.get("name"):
            fail(
                f"form_fields[{i}]",
                f"字段 {f.get('name')} 的 not_before 应为本表另一个日期字段的 name",
            )


def _check_auto_rules(spec: ItemSpec, fail: _Fault) -> None:
    rules = spec.auto_rules
    if not isinstance(rules, list):
        fail("auto_rules", "应为列表")
    if rules and spec.case_type != CaseType.INSTANT:
        fail("auto_rules", "只有即办件可以设置自动审批规则")
    seen: set[str] = set()
    for i, rule in enumerate(rules):
        where = f"auto_rules[{i}]"
        if not isinstance(rule, dict):
            fail(where, '应为对象 {"check": 名称}')
        unknown = sorted(k for k in rule if k not in ("check", "params"))
        if unknown:
            fail(where, f"未知字段 {', '.join(map(str, unknown))}")
        check = rule.get("check")
        if check not in KNOWN_AUTO_CHECKS:
            fail(where, f"未知的核验规则 {check!r}（可用：{', '.join(KNOWN_AUTO_CHECKS)}）")
        if check in seen:
            fail(where, f"核验规则 {check} 重复")
        seen.add(str(check))
        if "params" in rule and not isinstance(rule["params"], dict):
            fail(where, "params 应为对象")


def _check_delivery(spec: ItemSpec, ctx: CatalogContext, fail: _Fault) -> None:
    if not spec.delivery_methods:
        fail("delivery_methods", "至少需要一种送达方式")
    if len(set(spec.delivery_methods)) != len(spec.delivery_methods):
        fail("delivery_methods", "送达方式重复")
    unknown = [c for c in spec.delivery_methods if c not in ctx.delivery_methods]
    if unknown:
        fail("delivery_methods", f"送达方式 {', '.join(unknown)} 不存在")


def _check_materials(spec: ItemSpec, fail: _Fault) -> None:
    seen: set[str] = set()
    for m in spec.materials:
        where = f"materials[{m.code}]"
        if not m.code or not _SLUG.match(m.code) or len(m.code) > 40:
            fail(where, "材料编码须为 1-40 位字母、数字、连字符或下划线")
        if m.code in seen:
            fail(where, f"材料编码 {m.code} 在本事项中重复")
        seen.add(m.code)
        if not m.name.strip() or len(m.name) > 200:
            fail(where, "材料名称不能为空，且不超过 200 个字符")
        if m.form not in MaterialForm.values:
            fail(where, f"材料形式 {m.form!r} 不是可选值")
        if m.source not in MaterialSource.values:
            fail(where, f"来源渠道 {m.source!r} 不是可选值")
        if not is_int(m.copies) or not 0 <= m.copies <= 99:
            fail(where, "份数应为 0-99 的整数")
        if len(m.standard) > 300:
            fail(where, "受理标准超过 300 个字符")
        if m.license_type_code:
            _check_license_type(m.license_type_code, where, fail)
        elif m.source == MaterialSource.LICENSE_LIBRARY:
            fail(where, "来源为电子证照库的材料须填写可用电子证照类型代码")


def _check_license_type(code: str, where: str, fail: _Fault) -> None:
    """证照类型代码: 21 characters, the defining authority's USCC + a 3-digit sequence."""
    if not _LICENSE_TYPE.match(code):
        fail(where, f"电子证照类型代码 {code} 应为 18 位统一社会信用代码加 3 位顺序号")
    try:
        check_uscc(code[:18])
    except ValidationFailed as exc:
        fail(where, f"电子证照类型代码 {code} 的发证机关代码无效：{exc.detail}")


def _check_fees(spec: ItemSpec, fail: _Fault) -> None:
    for i, fee in enumerate(spec.fees):
        where = f"fees[{i}]"
        if not fee.name.strip() or len(fee.name) > 100:
            fail(where, "收费项目名称不能为空，且不超过 100 个字符")
        if not fee.standard.strip() or len(fee.standard) > 200:
            fail(where, "收费标准不能为空，且不超过 200 个字符")
        if len(fee.basis) > 300 or len(fee.waiver) > 300:
            fail(where, "收费依据或减免政策超过 300 个字符")


def _check_steps(spec: ItemSpec, ctx: CatalogContext, fail: _Fault) -> None:
    steps = spec.steps
    if not steps:
        fail("process", "办理流程至少需要一个环节")
    orders = sorted(s.order for s in steps)
    if orders != list(range(1, len(steps) + 1)):
        fail("process", f"环节顺序应为 1..{len(steps)} 连续编号，实为 {orders}")
    codes: set[str] = set()
    for s in steps:
        where = f"process[{s.order}]"
        if not s.code or not _SLUG.match(s.code) or len(s.code) > 30:
            fail(where, "环节编码须为 1-30 位字母、数字、连字符或下划线")
        if s.code in codes:
            fail(where, f"环节编码 {s.code} 重复")
        codes.add(s.code)
        if not s.name.strip() or len(s.name) > 60:
            fail(where, "环节名称不能为空，且不超过 60 个字符")
        if s.role not in ctx.roles:
            fail(where, f"办理角色 {s.role} 不存在")
        if not is_int(s.share_percent) or not 0 <= s.share_percent <= 100:
            fail(where, "时限占比应为 0-100 的整数")
    total = sum(s.share_percent for s in steps)
    if total != 100:
        fail("process", f"各环节时限占比之和应为 100，实为 {total}")


def _check_accept_level(spec: ItemSpec, ctx: CatalogContext, fail: _Fault) -> None:
    if spec.accept_level != AcceptLevel.TOWNSHIP:
        return
    level = ctx.departments[spec.department]
    if level not in (RegionLevel.COUNTY, RegionLevel.TOWNSHIP):
        fail(
            "accept_level",
            "乡镇（街道）代办受理只适用于县级（或乡镇级）部门的事项，"
            f"实施主体 {spec.department} 为 {RegionLevel(level).label}",
        )
    first = min(spec.steps, key=lambda s: s.order)
    if first.role != TOWNSHIP_ACCEPT_ROLE:
        fail(
            "process",
            f"乡镇（街道）代办受理的事项，第一个环节应由 {TOWNSHIP_ACCEPT_ROLE} 办理，实为 {first.role}",
        )


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_delivery_method(spec: DeliveryMethodSpec) -> None:
    where = f"送达方式 {spec.code or '（无编码）'}"
    if not spec.code or not _SLUG.match(spec.code) or len(spec.code) > 20:
        raise ValidationFailed(
            _("%(where)s：编码须为 1-20 位字母、数字、连字符或下划线") % {"where": where},
            code="method_code_invalid",
        )
    if not spec.name.strip() or len(spec.name) > 40:
        raise ValidationFailed(
            _("%(where)s：名称不能为空，且不超过 40 个字符") % {"where": where},
            code="method_name_invalid",
        )
