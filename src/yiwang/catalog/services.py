"""Writers of the service item catalog (实施清单): the data-file loader and the audited
saves the admin uses.

Every item, whether it comes from `data/items.json` or from the admin, is first turned
into an `ItemSpec` (plain values, children included) and checked by
`catalog.rules.check_item` (the rules and their sources are listed there); only then
is it written, item and children together, in one transaction with one audit event
(`catalog.item_created` / `catalog.item_updated` with the changed parts before and
after; nothing when nothing changed).

Items in the database but not in the file are left alone: the file describes what
must exist, not all that may (the same as the org loader).

`KNOWN_AUTO_CHECKS` (the auto-decision checks `cases` implements) and the other rule
constants are defined in `catalog.rules` and importable from here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn

from django.db import transaction
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _

from yiwang.accounts.actor import Actor
from yiwang.catalog.choices import (
    AcceptLevel,
    MaterialForm,
    MaterialSource,
    OnlineDepth,
    ServiceObject,
)
from yiwang.catalog.models import DeliveryMethod, Fee, Material, ProcessStep, ServiceItem
from yiwang.catalog.rules import (
    FORM_FIELD_TYPES,
    KNOWN_AUTO_CHECKS,
    MATERIAL_FIELDS,
    SCALAR_FIELDS,
    STEP_FIELDS,
    TOWNSHIP_ACCEPT_ROLE,
    CatalogContext,
    DeliveryMethodSpec,
    FeeSpec,
    ItemSpec,
    MaterialSpec,
    StepSpec,
    check_delivery_method,
    check_item,
    current_context,
    is_int,
)
from yiwang.catalog.selectors import CATALOG_REVISION
from yiwang.common.audit import record
from yiwang.common.errors import NotFound, ValidationFailed
from yiwang.common.loading import LoadReport
from yiwang.common.revisions import bump
from yiwang.org.models import Department

DEFAULT_DATA_FILE = Path(__file__).resolve().parent / "data" / "items.json"

# --------------------------------------------------------------------------- the file


class _Entry:
    """One object of the data file, read with errors that name it (and its item and key)."""

    def __init__(self, where: str, raw: Any, allowed: Iterable[str], *, item: str = "") -> None:
        self.where = where
        self.item = item
        if not isinstance(raw, dict):
            self.fail("应为对象")
        unknown = sorted(k for k in raw if not k.startswith("_") and k not in set(allowed))
        if unknown:
            self.fail(f"未知字段 {', '.join(unknown)}", unknown[0])
        self.raw: dict[str, Any] = raw

    def fail(self, why: str, key: str | None = None) -> NoReturn:
        extra: dict[str, Any] = {"entry": self.where}
        if self.item:
            extra["item"] = self.item
        if key:
            extra["field"] = key
        raise ValidationFailed(
            f"{self.where}: {why}",  # a data-file error, read by the operator on the command line
            **extra,
            code="catalog_entry_invalid",
        )

    def text(self, key: str, *, required: bool = False, default: str = "") -> str:
        value = self.raw.get(key, default)
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.fail(f"{key} 应为字符串", key)
        value = value.strip()
        if required and not value:
            self.fail(f"缺少 {key}", key)
        return value

    def integer(self, key: str, *, default: int | None = None) -> int:
        value = self.raw.get(key, default)
        if value is None:
            self.fail(f"缺少 {key}", key)
        if not is_int(value):
            self.fail(f"{key} 应为整数", key)
        return int(value)

    def boolean(self, key: str, *, default: bool) -> bool:
        value = self.raw.get(key, default)
        if not isinstance(value, bool):
            self.fail(f"{key} 应为 true 或 false", key)
        return value

    def items(self, key: str) -> list[Any]:
        value = self.raw.get(key, [])
        if not isinstance(value, list):
            self.fail(f"{key} 应为列表", key)
        return value


_TOP_KEYS = {"item_defaults", "delivery_methods", "items"}
_DEFAULTABLE = {"place", "hours", "consult_phone", "complaint_phone"}
_ITEM_KEYS = {
    "code",
    "department",
    "delivery_methods",
    "materials",
    "fees",
    "process",
    *SCALAR_FIELDS,
}


def parse_catalog(data: Any) -> tuple[list[DeliveryMethodSpec], list[ItemSpec]]:
    """Read the data file's structure into specs (types only; rules are `check_item`'s)."""
    if not isinstance(data, dict):
        raise ValidationFailed(_("事项数据文件应为 JSON 对象"), code="catalog_file_not_object")
    unknown = sorted(k for k in data if not k.startswith("_") and k not in _TOP_KEYS)
    if unknown:
        raise ValidationFailed(
            _("未知的顶层字段 %(unknown)s") % {"unknown": ", ".join(unknown)},
            entry=unknown[0],
            code="catalog_unknown_field",
        )
    top = _Entry("事项数据文件", data, _TOP_KEYS)
    defaults = _Entry("item_defaults", data.get("item_defaults", {}), _DEFAULTABLE)
    default_text = {k: defaults.text(k) for k in _DEFAULTABLE}

    methods: list[DeliveryMethodSpec] = []
    for i, raw in enumerate(top.items("delivery_methods")):
        e = _Entry(f"delivery_methods[{i}]", raw, {"code", "name", "needs_tracking"})
        method = DeliveryMethodSpec(
            code=e.text("code", required=True),
            name=e.text("name", required=True),
            needs_tracking=e.boolean("needs_tracking", default=False),
        )
        check_delivery_method(method)
        if method.code in {m.code for m in methods}:
            e.fail(f"送达方式编码 {method.code} 重复")
        methods.append(method)

    items: list[ItemSpec] = []
    codes: set[str] = set()
    for i, raw in enumerate(top.items("items")):
        spec = _parse_item(i, raw, default_text)
        if spec.code in codes:
            raise ValidationFailed(
                _("items[%(i)s] %(code)s: 实施编码重复") % {"i": i, "code": spec.code},
                entry=spec.code,
                code="item_code_duplicate",
            )
        codes.add(spec.code)
        items.append(spec)
    return methods, items


def _parse_item(index: int, raw: Any, defaults: Mapping[str, str]) -> ItemSpec:
    where = f"items[{index}]"
    code = raw.get("code") if isinstance(raw, dict) else None
    code = code if isinstance(code, str) else ""
    if code:
        where += f" {code}"
    e = _Entry(where, raw, _ITEM_KEYS, item=code)
    form_fields = e.raw.get("form_fields", [])
    auto_rules = e.raw.get("auto_rules", [])
    materials = []
    for j, m in enumerate(e.items("materials")):
        me = _Entry(
            f"{where} materials[{j}]", m, {"code", *MATERIAL_FIELDS} - {"sort_order"}, item=code
        )
        materials.append(
            MaterialSpec(
                code=me.text("code"),
                name=me.text("name"),
                required=me.boolean("required", default=True),
                form=me.text("form", default=MaterialForm.ELECTRONIC),
                copies=me.integer("copies", default=1),
                source=me.text("source", default=MaterialSource.APPLICANT),
                license_type_code=me.text("license_type_code"),
                standard=me.text("standard"),
                sort_order=j + 1,
            )
        )
    fees = []
    for j, f in enumerate(e.items("fees")):
        fe = _Entry(f"{where} fees[{j}]", f, {"name", "standard", "basis", "waiver"}, item=code)
        fees.append(
            FeeSpec(
                name=fe.text("name"),
                standard=fe.text("standard"),
                basis=fe.text("basis"),
                waiver=fe.text("waiver"),
            )
        )
    steps = []
    for j, s in enumerate(e.items("process")):
        se = _Entry(f"{where} process[{j}]", s, {"order", "code", *STEP_FIELDS}, item=code)
        steps.append(
            StepSpec(
                order=se.integer("order"),
                code=se.text("code"),
                name=se.text("name"),
                role=se.text("role"),
                share_percent=se.integer("share_percent"),
            )
        )
    methods = e.items("delivery_methods")
    if not all(isinstance(m, str) for m in methods):
        e.fail("delivery_methods 应为送达方式编码的列表", "delivery_methods")
    return ItemSpec(
        code=e.text("code"),
        name=e.text("name"),
        item_type=e.text("item_type"),
        department=e.text("department"),
        legal_limit_days=e.integer("legal_limit_days"),
        promised_limit_days=e.integer("promised_limit_days"),
        case_type=e.text("case_type"),
        visits=e.integer("visits"),
        basic_code=e.text("basic_code"),
        legal_basis=e.text("legal_basis"),
        conditions=e.text("conditions"),
        service_object=e.text("service_object", default=ServiceObject.BOTH),
        limit_note=e.text("limit_note"),
        visits_reason=e.text("visits_reason"),
        online_depth=e.integer("online_depth", default=OnlineDepth.FULL),
        accept_level=e.text("accept_level", default=AcceptLevel.OWN_HALL),
        place=e.text("place", default=defaults["place"]),
        hours=e.text("hours", default=defaults["hours"]),
        consult_phone=e.text("consult_phone", default=defaults["consult_phone"]),
        complaint_phone=e.text("complaint_phone", default=defaults["complaint_phone"]),
        special_procedures=e.text("special_procedures"),
        result_name=e.text("result_name"),
        form_fields=form_fields,
        auto_rules=auto_rules,
        is_active=e.boolean("is_active", default=True),
        delivery_methods=tuple(methods),
        materials=tuple(materials),
        fees=tuple(fees),
        steps=tuple(steps),
    )


# --------------------------------------------------------------------------- state


def spec_state(spec: ItemSpec) -> dict[str, Any]:
    """The canonical JSON-able state of an item: compared for idempotency, audited."""
    state: dict[str, Any] = {"code": spec.code, "department": spec.department}
    for name in SCALAR_FIELDS:
        state[name] = getattr(spec, name)
    state["delivery_methods"] = sorted(spec.delivery_methods)
    state["materials"] = [
        {"code": m.code, **{f: getattr(m, f) for f in MATERIAL_FIELDS}}
        for m in sorted(spec.materials, key=lambda m: (m.sort_order, m.code))
    ]
    state["fees"] = [
        {"name": f.name, "standard": f.standard, "basis": f.basis, "waiver": f.waiver}
        for f in spec.fees
    ]
    state["process"] = [
        {"code": s.code, **{f: getattr(s, f) for f in STEP_FIELDS}}
        for s in sorted(spec.steps, key=lambda s: s.order)
    ]
    return state


def spec_of(item: ServiceItem) -> ItemSpec:
    """The spec of a stored item (reads children; prefetch them for many items)."""
    return ItemSpec(
        code=item.code,
        department=item.department.code,
        **{name: getattr(item, name) for name in SCALAR_FIELDS},
        delivery_methods=tuple(sorted(m.code for m in item.delivery_methods.all())),
        materials=tuple(
            MaterialSpec(
                code=m.code,
                name=m.name,
                required=m.required,
                form=m.form,
                copies=m.copies,
                source=m.source,
                license_type_code=m.license_type_code,
                standard=m.standard,
                sort_order=m.sort_order,
            )
            for m in item.materials.all()
        ),
        fees=tuple(
            FeeSpec(name=f.name, standard=f.standard, basis=f.basis, waiver=f.waiver)
            for f in sorted(item.fees.all(), key=lambda f: f.pk)
        ),
        steps=tuple(
            StepSpec(
                order=s.order,
                code=s.code,
                name=s.name,
                role=s.role_id,
                share_percent=s.share_percent,
            )
            for s in item.steps.all()
        ),
    )


def _items_with_children() -> Any:
    return ServiceItem.objects.select_related("department").prefetch_related(
        "delivery_methods", "materials", "fees", "steps"
    )


# --------------------------------------------------------------------------- writing


def _write_item(
    spec: ItemSpec, item: ServiceItem | None, *, department: Department, actor: Actor
) -> tuple[ServiceItem, str]:
    """Create or bring one item (and its children) up to the spec, audited; in a transaction.

    Returns the item and "created", "updated" or "unchanged". Materials and steps are
    matched by code, so a changed name keeps the row (and whatever refers to it);
    fees have no key and are replaced when they differ.
    """
    new_state = spec_state(spec)
    if item is None:
        item = ServiceItem(code=spec.code, department=department, region_id=department.region_id)
        for name in SCALAR_FIELDS:
            setattr(item, name, getattr(spec, name))
        item.save(force_insert=True)
        item.delivery_methods.set(DeliveryMethod.objects.filter(pk__in=spec.delivery_methods))
        _sync_materials(item, spec.materials, {})
        Fee.objects.bulk_create(Fee(item=item, **_fee_values(f)) for f in spec.fees)
        _sync_steps(item, spec.steps, {})
        bump(CATALOG_REVISION)
        record("catalog.item_created", item, actor=actor, after=new_state)
        return item, "created"

    old_state = spec_state(spec_of(item))
    if old_state == new_state:
        return item, "unchanged"
    changed = [k for k in new_state if old_state.get(k) != new_state[k]]
    updates = [n for n in SCALAR_FIELDS if n in changed]
    if "code" in changed:
        item.code = spec.code
        updates.append("code")
    if "department" in changed:
        item.department = department
        item.region_id = department.region_id
        updates += ["department", "region"]
    for name in SCALAR_FIELDS:
        setattr(item, name, getattr(spec, name))
    if updates:
        item.save(update_fields=updates)
    if "delivery_methods" in changed:
        item.delivery_methods.set(DeliveryMethod.objects.filter(pk__in=spec.delivery_methods))
    if "materials" in changed:
        _sync_materials(item, spec.materials, {m.code: m for m in item.materials.all()})
    if "fees" in changed:
        item.fees.all().delete()
        Fee.objects.bulk_create(Fee(item=item, **_fee_values(f)) for f in spec.fees)
    if "process" in changed:
        _sync_steps(item, spec.steps, {s.code: s for s in item.steps.all()})
    # The children read above are now stale: the next read goes to the database.
    getattr(item, "_prefetched_objects_cache", {}).clear()
    bump(CATALOG_REVISION)
    record(
        "catalog.item_updated",
        item,
        actor=actor,
        before={k: old_state.get(k) for k in changed},
        after={k: new_state[k] for k in changed},
    )
    return item, "updated"


def _fee_values(fee: FeeSpec) -> dict[str, str]:
    return {"name": fee.name, "standard": fee.standard, "basis": fee.basis, "waiver": fee.waiver}


def _sync_materials(
    item: ServiceItem, specs: Sequence[MaterialSpec], existing: dict[str, Material]
) -> None:
    wanted = {m.code for m in specs}
    gone = [m.pk for code, m in existing.items() if code not in wanted]
    if gone:
        Material.objects.filter(pk__in=gone).delete()
    for m in specs:
        values = {f: getattr(m, f) for f in MATERIAL_FIELDS}
        row = existing.get(m.code)
        if row is None:
            Material.objects.create(item=item, code=m.code, **values)
            continue
        changed = [f for f, v in values.items() if getattr(row, f) != v]
        if changed:
            for f in changed:
                setattr(row, f, values[f])
            row.save(update_fields=changed)


def _sync_steps(
    item: ServiceItem, specs: Sequence[StepSpec], existing: dict[str, ProcessStep]
) -> None:
    wanted = {s.code for s in specs}
    gone = [s.pk for code, s in existing.items() if code not in wanted]
    if gone:
        ProcessStep.objects.filter(pk__in=gone).delete()
    kept = {code: s for code, s in existing.items() if code in wanted}
    # (item, order) is unique: park moved steps out of the way before renumbering.
    moving = [s for s in specs if s.code in kept and kept[s.code].order != s.order]
    for offset, s in enumerate(moving, start=1):
        row = kept[s.code]
        row.order = 1000 + offset
        row.save(update_fields=["order"])
    for s in specs:
        values = {
            "order": s.order,
            "name": s.name,
            "role_id": s.role,
            "share_percent": s.share_percent,
        }
        step = kept.get(s.code)
        if step is None:
            ProcessStep.objects.create(item=item, code=s.code, **values)
            continue
        changed = [f for f, v in values.items() if getattr(step, f) != v]
        if changed:
            for f in changed:
                setattr(step, f, values[f])
            step.save(update_fields=changed)


# --------------------------------------------------------------------------- loading


_LABELS = {"delivery_method": "送达方式", "item": "事项"}


def load_catalog_data(path: str | Path | None = None, *, actor: Actor) -> LoadReport:
    """Load (or bring up to date) delivery methods and items from a JSON file.

    The org data (departments, roles) must be loaded first. The whole file is checked
    before anything is written; the first fault raises ValidationFailed naming the
    item code and field, and nothing is written. Then everything is written in one
    transaction; a second run with the same file writes nothing, not even audit events.
    """
    file = Path(path) if path is not None else DEFAULT_DATA_FILE
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValidationFailed(
            _("%(name)s: 不是有效的 JSON（第 %(lineno)s 行）")
            % {"name": file.name, "lineno": exc.lineno},
            code="catalog_file_not_json",
        ) from exc
    methods, specs = parse_catalog(raw)
    ctx = current_context(m.code for m in methods)
    for spec in specs:
        check_item(spec, ctx)

    report = LoadReport(subject="事项目录", labels=_LABELS)
    with transaction.atomic():
        existing_methods = DeliveryMethod.objects.in_bulk([m.code for m in methods])
        for m in methods:
            outcome = _write_delivery_method(m, existing_methods.get(m.code), actor=actor)
            getattr(report, outcome)["delivery_method"] += 1
        departments = Department.objects.in_bulk({s.department for s in specs}, field_name="code")
        existing = _items_with_children().in_bulk([s.code for s in specs], field_name="code")
        for spec in specs:
            _saved, outcome = _write_item(
                spec,
                existing.get(spec.code),
                department=departments[spec.department],
                actor=actor,
            )
            getattr(report, outcome)["item"] += 1
    return report


def _write_delivery_method(
    spec: DeliveryMethodSpec, obj: DeliveryMethod | None, *, actor: Actor
) -> str:
    values = {"name": spec.name, "needs_tracking": spec.needs_tracking}
    if obj is None:
        obj = DeliveryMethod.objects.create(code=spec.code, **values)
        bump(CATALOG_REVISION)
        record("catalog.delivery_method_created", obj, actor=actor, after=values)
        return "created"
    changed = [k for k, v in values.items() if getattr(obj, k) != v]
    if not changed:
        return "unchanged"
    before = {k: getattr(obj, k) for k in changed}
    for k in changed:
        setattr(obj, k, values[k])
    obj.save(update_fields=changed)
    bump(CATALOG_REVISION)
    record(
        "catalog.delivery_method_updated",
        obj,
        actor=actor,
        before=before,
        after={k: values[k] for k in changed},
    )
    return "updated"


# --------------------------------------------------------------------------- single saves


def save_item(spec: ItemSpec, *, actor: Actor, item_id: int | None = None) -> ServiceItem:
    """Create an item (item_id None) or update the item with that id to the spec, audited.

    The same rules as the data file; a save that changes nothing writes no event.
    """
    check_item(spec)
    with transaction.atomic():
        item: ServiceItem | None = None
        if item_id is not None:
            item = _items_with_children().select_for_update(of=("self",)).filter(pk=item_id).first()
            if item is None:
                raise NotFound(
                    _("事项 %(item_id)s 不存在") % {"item_id": item_id}, code="not_found"
                )
        clash = ServiceItem.objects.filter(code=spec.code)
        if item is not None:
            clash = clash.exclude(pk=item.pk)
        if clash.exists():
            raise ValidationFailed(
                _("事项 %(code)s 的 code：实施编码已被其他事项使用") % {"code": spec.code},
                item=spec.code,
                field="code",
                code="item_code_taken",
            )
        department = Department.objects.get(code=spec.department)
        saved, _outcome = _write_item(spec, item, department=department, actor=actor)
    return saved


def set_item_active(item: ServiceItem, active: bool, *, actor: Actor) -> ServiceItem:
    """Take an item out of service (or back): it stays in the catalog and its cases."""
    spec = replace(spec_of(item), is_active=active)
    return save_item(spec, actor=actor, item_id=item.pk)


def delete_item(item: ServiceItem, *, actor: Actor) -> None:
    """Delete an item and its children, audited with its last state.

    Items that cases refer to are protected by the database; take those out of
    service with `set_item_active` instead.
    """
    with transaction.atomic():
        before = spec_state(spec_of(item))
        pk = item.pk
        item.delete()
        bump(CATALOG_REVISION)
        record(
            "catalog.item_deleted",
            None,
            actor=actor,
            object_type=ServiceItem._meta.label_lower,
            object_id=pk,
            before=before,
        )


def save_delivery_method(obj: DeliveryMethod, *, actor: Actor) -> DeliveryMethod:
    """Create or update one delivery method, audited (no event when nothing changed)."""
    spec = DeliveryMethodSpec(
        code=obj.code, name=obj.name.strip(), needs_tracking=obj.needs_tracking
    )
    check_delivery_method(spec)
    with transaction.atomic():
        existing = DeliveryMethod.objects.filter(pk=obj.code).first()
        _write_delivery_method(spec, existing, actor=actor)
    return DeliveryMethod.objects.get(pk=obj.code)


def items_using_delivery_method(code: str) -> list[ServiceItem]:
    """The items that offer this delivery method (ordered by code)."""
    return list(ServiceItem.objects.filter(delivery_methods=code).order_by("code"))


def delete_delivery_method(obj: DeliveryMethod, *, actor: Actor) -> None:
    """Delete one delivery method, audited.

    Refused while an item offers it: removing it silently from the items would change
    them unaudited, and could leave an item with no delivery method at all (which
    `check_item` never allows). Take it out of those items first. Methods that cases
    refer to are protected by the database.
    """
    with transaction.atomic():
        users = items_using_delivery_method(obj.pk)
        if users:
            codes = "、".join(item.code for item in users[:5])
            more = f" 等 {len(users)} 个事项" if len(users) > 5 else ""
            raise ValidationFailed(
                _("送达方式 %(pk)s 仍被事项 %(codes)s%(more)s 使用，请先在这些事项中移除后再删除")
                % {"pk": obj.pk, "codes": codes, "more": more},
                field="delivery_methods",
                code="delivery_method_in_use",
            )
        before = model_to_dict(obj)
        pk = obj.pk
        obj.delete()
        bump(CATALOG_REVISION)
        record(
            "catalog.delivery_method_deleted",
            None,
            actor=actor,
            object_type=DeliveryMethod._meta.label_lower,
            object_id=pk,
            before=before,
        )


__all__ = [
    "DEFAULT_DATA_FILE",
    "FORM_FIELD_TYPES",
    "KNOWN_AUTO_CHECKS",
    "TOWNSHIP_ACCEPT_ROLE",
    "CatalogContext",
    "DeliveryMethodSpec",
    "FeeSpec",
    "ItemSpec",
    "LoadReport",
    "MaterialSpec",
    "StepSpec",
    "check_item",
    "current_context",
    "delete_delivery_method",
    "delete_item",
    "items_using_delivery_method",
    "load_catalog_data",
    "parse_catalog",
    "save_delivery_method",
    "save_item",
    "set_item_active",
    "spec_of",
    "spec_state",
]


def department_keeps_region(department: Department) -> str:
    """Why `department` may not move to another region (org.services asks): each of its
    items carries the department's region and was checked against its level."""
    count = ServiceItem.objects.filter(department=department).count()
    if not count:
        return ""
    return f"实施 {count} 个政务服务事项：事项的实施区划随部门而定，请先把事项移到该区划的部门"
