"""Writers of organisation master data: the seed loader and the audited saves used by the admin.

`load_org_data` reads a data file (by default `data/jilin.json`), validates all of it
before touching the database, then creates or updates regions, halls, departments,
roles and posts in one transaction. It is idempotent: a second run with the same
file writes nothing, not even audit events. Rows that are in the database but not in
the file are left alone (the file describes what must exist, not all that may).

Auditing: one event per created or changed object (`org.<model>_created` /
`org.<model>_updated`), with the changed fields before and after. A full load is a
few hundred events, once; after that each row's history starts with the event that
created it, and admin edits append to the same object's history.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from django.db import models, transaction
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _

from yiwang.common.audit import Auditable, record
from yiwang.common.errors import ValidationFailed
from yiwang.common.loading import LoadReport
from yiwang.common.permissions import Permission
from yiwang.common.revisions import bump
from yiwang.common.validators import check_uscc
from yiwang.org.choices import HallKind, RegionLevel, RoleScope
from yiwang.org.models import Department, Post, Region, Role, ServiceHall
from yiwang.org.selectors import ORG_REVISION

DEFAULT_DATA_FILE = Path(__file__).resolve().parent / "data" / "jilin.json"

M = TypeVar("M", bound=models.Model)

# --------------------------------------------------------------------------- codes


_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
_REGION_CODE = re.compile(r"^\d{6}(\d{3}){0,2}$")

# Which hall kinds belong at which region level.
_HALL_LEVELS: dict[str, set[str]] = {
    HallKind.HALL: {RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY},
    HallKind.TOWNSHIP_CENTRE: {RegionLevel.TOWNSHIP},
    HallKind.VILLAGE_STATION: {RegionLevel.VILLAGE},
}


def region_level_for(code: str) -> str:
    """The level a region code denotes (GB/T 2260 for 6 digits; statistical codes below).

    6 digits: `PP0000` province, `PPCC00` city/prefecture, otherwise county-level;
    9 digits a township/street, 12 digits a village/community (国家统计局 统计用区划代码).
    """
    if not _REGION_CODE.match(code):
        raise ValueError(f"区划代码 {code!r} 应为 6、9 或 12 位数字")
    if len(code) == 12:
        return RegionLevel.VILLAGE
    if len(code) == 9:
        return RegionLevel.TOWNSHIP
    if code.endswith("0000"):
        return RegionLevel.PROVINCE
    if code.endswith("00"):
        return RegionLevel.CITY
    return RegionLevel.COUNTY


def expected_parent_code(code: str) -> str | None:
    """The parent a region code implies: its code with the lowest segment zeroed or cut."""
    level = region_level_for(code)
    if level == RegionLevel.PROVINCE:
        return None
    if level == RegionLevel.CITY:
        return code[:2] + "0000"
    if level == RegionLevel.COUNTY:
        return code[:4] + "00"
    if level == RegionLevel.TOWNSHIP:
        return code[:6]
    return code[:9]


def uscc_problem(value: str) -> str | None:
    """Why `value` is not a valid USCC (GB 32100 and its embedded GB 11714 check), or None."""
    try:
        check_uscc(value)
    except ValidationFailed as exc:
        return f"统一社会信用代码无效：{exc.detail}"
    return None


# --------------------------------------------------------------------------- the file


@dataclass(frozen=True)
class _RegionRow:
    code: str
    name: str
    level: str
    parent: str | None
    sort_order: int


@dataclass(frozen=True)
class _HallRow:
    code: str
    name: str
    kind: str
    region: str
    address: str
    phone: str
    hours: str


@dataclass(frozen=True)
class _DepartmentRow:
    code: str
    name: str
    short_name: str
    uscc: str
    region: str
    hall: str | None


@dataclass(frozen=True)
class _RoleRow:
    code: str
    name: str
    scope: str
    permissions: list[str]


@dataclass(frozen=True)
class _PostRow:
    code: str
    name: str
    role: str
    hall: str | None
    department: str | None


@dataclass(frozen=True)
class _OrgData:
    regions: list[_RegionRow]
    halls: list[_HallRow]
    departments: list[_DepartmentRow]
    roles: list[_RoleRow]
    posts: list[_PostRow]


_TOP_KEYS = {"hall_defaults", "regions", "halls", "departments", "roles", "posts"}


class _Entry:
    """One entry of a section, for reading fields with errors that name the entry."""

    def __init__(self, section: str, index: int, raw: Any, allowed: set[str]) -> None:
        self.where = f"{section}[{index}]"
        if not isinstance(raw, dict):
            self.fail("应为对象")
        code = raw.get("code")
        if isinstance(code, str) and code:
            self.where += f" {code}"
        unknown = sorted(k for k in raw if not k.startswith("_") and k not in allowed)
        if unknown:
            self.fail(f"未知字段 {', '.join(unknown)}")
        self.raw: dict[str, Any] = raw

    def fail(self, why: str) -> NoReturn:
        raise ValidationFailed(
            f"{self.where}: {why}",  # a data-file error, read by the operator on the command line
            entry=self.where,
            code="org_entry_invalid",
        )

    def text(self, key: str, *, max_length: int, required: bool = True, default: str = "") -> str:
        value = self.raw.get(key, default)
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.fail(f"{key} 应为字符串")
        value = value.strip()
        if required and not value:
            self.fail(f"缺少 {key}")
        if len(value) > max_length:
            self.fail(f"{key} 超过 {max_length} 个字符")
        return value

    def slug(self, key: str, *, max_length: int) -> str:
        value = self.text(key, max_length=max_length)
        if not _SLUG.match(value):
            self.fail(f"{key} {value!r} 只能包含字母、数字、连字符和下划线")
        return value

    def optional_ref(self, key: str) -> str | None:
        value = self.raw.get(key)
        if value in (None, ""):
            return None
        if not isinstance(value, str):
            self.fail(f"{key} 应为字符串")
        return str(value)


def _section(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise ValidationFailed(
            _("%(key)s 应为列表") % {"key": key}, entry=key, code="org_field_not_list"
        )
    return value


def _parse(data: Any) -> _OrgData:
    """Check the whole file and return typed rows; raise ValidationFailed at the first fault."""
    if not isinstance(data, dict):
        raise ValidationFailed(_("组织机构数据文件应为 JSON 对象"), code="org_file_not_object")
    unknown = sorted(k for k in data if not k.startswith("_") and k not in _TOP_KEYS)
    if unknown:
        raise ValidationFailed(
            _("未知的顶层字段 %(unknown)s") % {"unknown": ", ".join(unknown)},
            entry=unknown[0],
            code="org_unknown_field",
        )
    defaults = data.get("hall_defaults", {})
    if not isinstance(defaults, dict):
        raise ValidationFailed(
            _("hall_defaults 应为对象"), entry="hall_defaults", code="org_hall_defaults_not_object"
        )

    regions = _parse_regions(_section(data, "regions"))
    levels = {r.code: r.level for r in regions}
    halls = _parse_halls(_section(data, "halls"), levels, defaults)
    hall_codes = {h.code for h in halls}
    departments = _parse_departments(_section(data, "departments"), levels, hall_codes)
    roles = _parse_roles(_section(data, "roles"))
    posts = _parse_posts(
        _section(data, "posts"), {r.code for r in roles}, hall_codes, {d.code for d in departments}
    )
    return _OrgData(regions, halls, departments, roles, posts)


def _parse_regions(raw: list[Any]) -> list[_RegionRow]:
    rows: list[_RegionRow] = []
    seen: set[str] = set()
    siblings: dict[str | None, int] = {}
    for i, item in enumerate(raw):
        e = _Entry("regions", i, item, {"code", "name", "level", "parent", "sort_order"})
        code = e.text("code", max_length=12)
        try:
            implied = region_level_for(code)
        except ValueError as exc:
            e.fail(str(exc))
        if code in seen:
            e.fail("区划代码重复")
        seen.add(code)
        name = e.text("name", max_length=60)
        level = e.text("level", max_length=10)
        if level not in RegionLevel.values:
            e.fail(f"未知层级 {level!r}")
        if level != implied:
            e.fail(f"层级 {level} 与代码长度/格式不符（代码表示 {implied}）")
        parent = e.optional_ref("parent")
        expected = expected_parent_code(code)
        if parent != expected:
            e.fail(f"上级应为 {expected}，文件中为 {parent}")
        order = e.raw.get("sort_order")
        if order is None:
            order = siblings.get(parent, 0)
        elif not isinstance(order, int) or isinstance(order, bool) or order < 0:
            e.fail("sort_order 应为非负整数")
        siblings[parent] = max(siblings.get(parent, 0), order) + 1
        rows.append(_RegionRow(code, name, level, parent, order))
    for i, row in enumerate(rows):
        if row.parent is not None and row.parent not in seen:
            raise ValidationFailed(
                _("regions[%(i)s] %(code)s: 上级区划 %(parent)s 不在文件中")
                % {"i": i, "code": row.code, "parent": row.parent},
                entry=f"regions[{i}] {row.code}",
                code="region_parent_missing",
            )
    return rows


def _parse_halls(
    raw: list[Any], levels: Mapping[str, str], defaults: Mapping[str, Any]
) -> list[_HallRow]:
    rows: list[_HallRow] = []
    seen: set[str] = set()
    fields = {"code", "name", "kind", "region", "address", "phone", "hours"}
    for i, item in enumerate(raw):
        e = _Entry("halls", i, item, fields)
        code = e.slug("code", max_length=40)
        if code in seen:
            e.fail("大厅编码重复")
        seen.add(code)
        name = e.text("name", max_length=100)
        kind = e.text("kind", max_length=20, default=HallKind.HALL)
        if kind not in HallKind.values:
            e.fail(f"未知大厅类型 {kind!r}")
        region = e.text("region", max_length=12)
        if region not in levels:
            e.fail(f"所在区划 {region} 不在文件中")
        if levels[region] not in _HALL_LEVELS[kind]:
            e.fail(f"类型 {kind} 不能设在 {levels[region]} 级区划")
        rows.append(
            _HallRow(
                code,
                name,
                kind,
                region,
                e.text(
                    "address", max_length=200, required=False, default=defaults.get("address", "")
                ),
                e.text("phone", max_length=40, required=False, default=defaults.get("phone", "")),
                e.text("hours", max_length=100, required=False, default=defaults.get("hours", "")),
            )
        )
    return rows


def _parse_departments(
    raw: list[Any], levels: Mapping[str, str], hall_codes: set[str]
) -> list[_DepartmentRow]:
    rows: list[_DepartmentRow] = []
    seen: set[str] = set()
    usccs: dict[str, str] = {}
    for i, item in enumerate(raw):
        e = _Entry("departments", i, item, {"code", "name", "short_name", "uscc", "region", "hall"})
        code = e.slug("code", max_length=40)
        if code in seen:
            e.fail("部门编码重复")
        seen.add(code)
        name = e.text("name", max_length=100)
        short_name = e.text("short_name", max_length=40, required=False)
        uscc = e.text("uscc", max_length=18, required=False).upper()
        if uscc:
            problem = uscc_problem(uscc)
            if problem:
                e.fail(f"{problem}：{uscc}")
            if uscc in usccs:
                e.fail(f"统一社会信用代码 {uscc} 与 {usccs[uscc]} 重复")
            usccs[uscc] = code
        region = e.text("region", max_length=12)
        if region not in levels:
            e.fail(f"所在区划 {region} 不在文件中")
        hall = e.optional_ref("hall")
        if hall is not None and hall not in hall_codes:
            e.fail(f"进驻大厅 {hall} 不在文件中")
        rows.append(_DepartmentRow(code, name, short_name, uscc, region, hall))
    return rows


def _parse_roles(raw: list[Any]) -> list[_RoleRow]:
    rows: list[_RoleRow] = []
    seen: set[str] = set()
    known = set(Permission)
    for i, item in enumerate(raw):
        e = _Entry("roles", i, item, {"code", "name", "scope", "permissions"})
        code = e.slug("code", max_length=40)
        if code in seen:
            e.fail("角色编码重复")
        seen.add(code)
        name = e.text("name", max_length=60)
        scope = e.text("scope", max_length=20)
        if scope not in RoleScope.values:
            e.fail(f"未知可见范围 {scope!r}")
        perms = e.raw.get("permissions", [])
        if not isinstance(perms, list) or not all(isinstance(p, str) for p in perms):
            e.fail("permissions 应为字符串列表")
        unknown = [p for p in perms if p not in known]
        if unknown:
            e.fail(f"未知权限 {', '.join(unknown)}")
        if len(set(perms)) != len(perms):
            e.fail("权限重复")
        rows.append(_RoleRow(code, name, scope, list(perms)))
    return rows


def _parse_posts(
    raw: list[Any], roles: set[str], halls: set[str], departments: set[str]
) -> list[_PostRow]:
    rows: list[_PostRow] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        e = _Entry("posts", i, item, {"code", "name", "role", "hall", "department"})
        code = e.slug("code", max_length=60)
        if code in seen:
            e.fail("岗位编码重复")
        seen.add(code)
        name = e.text("name", max_length=60)
        role = e.text("role", max_length=40)
        if role not in roles:
            e.fail(f"角色 {role} 不在文件中")
        hall = e.optional_ref("hall")
        department = e.optional_ref("department")
        if (hall is None) == (department is None):
            e.fail("岗位必须且只能属于一个单位（hall 或 department 二选一）")
        if hall is not None and hall not in halls:
            e.fail(f"所在大厅 {hall} 不在文件中")
        if department is not None and department not in departments:
            e.fail(f"所在部门 {department} 不在文件中")
        rows.append(_PostRow(code, name, role, hall, department))
    return rows


# --------------------------------------------------------------------------- loading


_MODEL_LABELS = {
    "region": "区划",
    "hall": "大厅",
    "department": "部门",
    "role": "角色",
    "post": "岗位",
}


def _snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in fields}


def _apply(
    key: str,
    model: type[M],
    existing: Mapping[str, M],
    code: str,
    values: dict[str, Any],
    *,
    actor: Auditable,
    report: LoadReport,
) -> M:
    """Create the object or update its changed fields, auditing either; no-op if equal."""
    obj = existing.get(code)
    if obj is None:
        obj = model(code=code, **values)
        obj.save(force_insert=True)
        bump(ORG_REVISION)
        record(f"org.{key}_created", obj, actor=actor, after=_snapshot(obj, values))
        report.created[key] += 1
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if not changed:
        report.unchanged[key] += 1
        return obj
    before = _snapshot(obj, changed)
    for name in changed:
        setattr(obj, name, values[name])
    obj.save(update_fields=changed)
    bump(ORG_REVISION)
    record(f"org.{key}_updated", obj, actor=actor, before=before, after=_snapshot(obj, changed))
    report.updated[key] += 1
    return obj


def load_org_data(path: str | Path | None = None, *, actor: Auditable) -> LoadReport:
    """Load (or bring up to date) the org master data from a JSON file, in one transaction.

    The whole file is validated first (region codes and levels, parents, hall kinds per
    level, USCCs, each post in exactly one unit); the first fault raises ValidationFailed
    naming the entry, and nothing is written.
    """
    file = Path(path) if path is not None else DEFAULT_DATA_FILE
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValidationFailed(
            _("%(name)s: 不是有效的 JSON（第 %(lineno)s 行）")
            % {"name": file.name, "lineno": exc.lineno},
            code="org_file_not_json",
        ) from exc
    data = _parse(raw)
    report = LoadReport(subject="组织机构数据", labels=_MODEL_LABELS)
    with transaction.atomic():
        regions = _load_regions(data.regions, actor=actor, report=report)
        halls = _load_halls(data.halls, regions, actor=actor, report=report)
        departments = _load_departments(
            data.departments, regions, halls, actor=actor, report=report
        )
        roles = _load_roles(data.roles, actor=actor, report=report)
        _load_posts(data.posts, roles, halls, departments, actor=actor, report=report)
    return report


def _load_regions(
    rows: list[_RegionRow], *, actor: Auditable, report: LoadReport
) -> dict[str, Region]:
    existing = Region.objects.in_bulk([r.code for r in rows])
    paths: dict[str, str] = {}
    out: dict[str, Region] = {}
    # A parent's code is always shorter than its children's, so this order puts parents first.
    for row in sorted(rows, key=lambda r: len(r.code)):
        path = (paths[row.parent] if row.parent else "") + row.code + "/"
        paths[row.code] = path
        values = {
            "name": row.name,
            "level": row.level,
            "parent_id": row.parent,
            "path": path,
            "sort_order": row.sort_order,
        }
        out[row.code] = _apply(
            "region",
            Region,
            existing,
            row.code,
            values,
            actor=actor,
            report=report,
        )
    return out


def _load_halls(
    rows: list[_HallRow], regions: Mapping[str, Region], *, actor: Auditable, report: LoadReport
) -> dict[str, ServiceHall]:
    existing = ServiceHall.objects.in_bulk([r.code for r in rows], field_name="code")
    out: dict[str, ServiceHall] = {}
    for row in rows:
        values = {
            "name": row.name,
            "kind": row.kind,
            "region_id": regions[row.region].pk,
            "address": row.address,
            "phone": row.phone,
            "hours": row.hours,
        }
        out[row.code] = _apply(
            "hall",
            ServiceHall,
            existing,
            row.code,
            values,
            actor=actor,
            report=report,
        )
    return out


def _load_departments(
    rows: list[_DepartmentRow],
    regions: Mapping[str, Region],
    halls: Mapping[str, ServiceHall],
    *,
    actor: Auditable,
    report: LoadReport,
) -> dict[str, Department]:
    existing = Department.objects.in_bulk([r.code for r in rows], field_name="code")
    out: dict[str, Department] = {}
    for row in rows:
        if row.code in existing:
            old = existing[row.code]
            _check_department_move(old, old.region_id, regions[row.region].pk)
        values = {
            "name": row.name,
            "short_name": row.short_name,
            "uscc": row.uscc,
            "region_id": regions[row.region].pk,
            "hall_id": halls[row.hall].pk if row.hall else None,
        }
        out[row.code] = _apply(
            "department",
            Department,
            existing,
            row.code,
            values,
            actor=actor,
            report=report,
        )
    return out


def _load_roles(rows: list[_RoleRow], *, actor: Auditable, report: LoadReport) -> dict[str, Role]:
    existing = Role.objects.in_bulk([r.code for r in rows])
    out: dict[str, Role] = {}
    for row in rows:
        values = {"name": row.name, "scope": row.scope, "permissions": row.permissions}
        out[row.code] = _apply(
            "role",
            Role,
            existing,
            row.code,
            values,
            actor=actor,
            report=report,
        )
    return out


def _load_posts(
    rows: list[_PostRow],
    roles: Mapping[str, Role],
    halls: Mapping[str, ServiceHall],
    departments: Mapping[str, Department],
    *,
    actor: Auditable,
    report: LoadReport,
) -> None:
    existing = Post.objects.in_bulk([r.code for r in rows], field_name="code")
    for row in rows:
        values = {
            "name": row.name,
            "role_id": roles[row.role].pk,
            "hall_id": halls[row.hall].pk if row.hall else None,
            "department_id": departments[row.department].pk if row.department else None,
        }
        _apply(
            "post",
            Post,
            existing,
            row.code,
            values,
            actor=actor,
            report=report,
        )


# --------------------------------------------------------------------------- single saves


_AUDIT_KEYS: dict[type[models.Model], str] = {
    Region: "region",
    ServiceHall: "hall",
    Department: "department",
    Role: "role",
    Post: "post",
}


def _state(obj: models.Model) -> dict[str, Any]:
    data = model_to_dict(obj)
    if isinstance(obj, Region):
        data["path"] = obj.path
    return data


def check_org_object(obj: models.Model) -> None:
    """Rules the data file enforces, applied to one object saved by hand (the admin)."""
    if isinstance(obj, Region):
        try:
            level = region_level_for(obj.code)
        except ValueError as exc:
            raise ValidationFailed(str(exc), entry=obj.code, code="region_code_invalid") from exc
        if obj.level != level:
            raise ValidationFailed(
                _("层级 %(level)s 与区划代码 %(code)s 不符")
                % {"level": obj.level, "code": obj.code},
                entry=obj.code,
                code="region_level_mismatch",
            )
        if obj.parent_id != expected_parent_code(obj.code):
            raise ValidationFailed(
                _("区划 %(code)s 的上级应为 %(parent)s")
                % {"code": obj.code, "parent": expected_parent_code(obj.code)},
                entry=obj.code,
                code="region_parent_mismatch",
            )
    elif isinstance(obj, ServiceHall):
        if obj.region.level not in _HALL_LEVELS[obj.kind]:
            raise ValidationFailed(
                _("类型 %(kind)s 不能设在 %(level)s 级区划")
                % {"kind": obj.kind, "level": obj.region.level},
                entry=obj.code,
                code="unit_kind_level_mismatch",
            )
    elif isinstance(obj, Department):
        if obj.pk is not None:
            old_region = (
                Department.objects.filter(pk=obj.pk).values_list("region_id", flat=True).first()
            )
            _check_department_move(obj, old_region, obj.region_id)
        obj.uscc = obj.uscc.strip().upper()
        problem = uscc_problem(obj.uscc) if obj.uscc else None
        if problem:
            raise ValidationFailed(problem, entry=obj.code, code="org_entry_invalid")
    elif isinstance(obj, Role):
        unknown = [p for p in obj.permissions if p not in set(Permission)]
        if unknown:
            raise ValidationFailed(
                _("未知权限 %(unknown)s") % {"unknown": ", ".join(map(str, unknown))},
                entry=obj.code,
                code="unknown_permission",
            )
    elif isinstance(obj, Post) and (obj.hall_id is None) == (obj.department_id is None):
        raise ValidationFailed(
            _("岗位必须且只能属于一个单位"), entry=obj.code, code="post_unit_required"
        )


#: What keeps a department in its region, registered by the apps above org in their
#: AppConfig.ready (org knows none of them): each returns why the department may not
#: move, or "".
department_move_checks: list[Callable[[Department], str]] = []


def _check_department_move(dept: Department, old_region: str | None, new_region: str) -> None:
    """A department some other app's records depend on keeps its region (catalog: each
    item carries its department's region and was checked against its level)."""
    if old_region is None or old_region == new_region:
        return
    reasons = [reason for check in department_move_checks if (reason := check(dept))]
    if reasons:
        raise ValidationFailed(
            _("部门 %(code)s 不能从区划 %(old_region)s 改到 %(new_region)s：%(reasons)s")
            % {
                "code": dept.code,
                "old_region": old_region,
                "new_region": new_region,
                "reasons": "；".join(reasons),
            },
            entry=dept.code,
            code="department_move_refused",
        )


def save_org_object(obj: M, *, actor: Auditable) -> M:
    """Create or update one region, hall, department, role or post, audited.

    A region's parent is fixed by its code (checked here), so its path is computed once
    from the parent's and never moves.
    """
    key = _AUDIT_KEYS[type(obj)]
    check_org_object(obj)
    with transaction.atomic():
        old = type(obj)._default_manager.filter(pk=obj.pk).first() if obj.pk else None
        before = _state(old) if old is not None else None
        if isinstance(obj, Region):
            obj.path = (obj.parent.path if obj.parent else "") + obj.code + "/"
        obj.save()
        bump(ORG_REVISION)
        after = _state(obj)
        if before is None:
            record(f"org.{key}_created", obj, actor=actor, after=after)
        elif before != after:
            changed = [k for k in after if before.get(k) != after[k]]
            record(
                f"org.{key}_updated",
                obj,
                actor=actor,
                before={k: before.get(k) for k in changed},
                after={k: after[k] for k in changed},
            )
    return obj


def delete_org_object(obj: models.Model, *, actor: Auditable) -> None:
    """Delete one org object, audited (the database protects objects still referenced)."""
    key = _AUDIT_KEYS[type(obj)]
    with transaction.atomic():
        before = _state(obj)
        pk = obj.pk
        obj.delete()
        bump(ORG_REVISION)
        record(
            f"org.{key}_deleted",
            None,
            actor=actor,
            object_type=obj._meta.label_lower,
            object_id=pk,
            before=before,
        )
