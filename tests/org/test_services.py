"""load_org_data: creates, is idempotent, updates what changed, refuses bad files whole;
and the single audited saves the admin uses."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import RequestFactory

from yiwang.accounts.actor import Actor
from yiwang.common.errors import ValidationFailed
from yiwang.common.models import AuditEvent
from yiwang.common.permissions import Permission
from yiwang.org import services
from yiwang.org.admin import RoleAdmin, RoleForm, ServiceHallAdmin
from yiwang.org.models import Department, Post, Region, Role, ServiceHall
from yiwang.org.services import DEFAULT_DATA_FILE, load_org_data

pytestmark = pytest.mark.django_db

FILE_DATA: dict[str, Any] = json.loads(DEFAULT_DATA_FILE.read_text(encoding="utf-8"))


def write(tmp_path: Path, data: dict[str, Any], name: str = "org.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def copy_data() -> dict[str, Any]:
    return json.loads(json.dumps(FILE_DATA))


def row_counts() -> tuple[int, ...]:
    return (
        Region.objects.count(),
        ServiceHall.objects.count(),
        Department.objects.count(),
        Role.objects.count(),
        Post.objects.count(),
        AuditEvent.objects.count(),
    )


def test_first_load_creates_everything_with_one_audit_event_each() -> None:
    report = load_org_data(actor=Actor.system("seed"))

    expected = {
        "region": len(FILE_DATA["regions"]),
        "hall": len(FILE_DATA["halls"]),
        "department": len(FILE_DATA["departments"]),
        "role": len(FILE_DATA["roles"]),
        "post": len(FILE_DATA["posts"]),
    }
    assert report.created == expected
    assert report.updated_total == 0
    assert Region.objects.count() == expected["region"]
    assert ServiceHall.objects.count() == expected["hall"]
    assert Post.objects.count() == expected["post"]
    events = AuditEvent.objects.all()
    assert events.count() == sum(expected.values())
    assert set(events.values_list("actor", flat=True)) == {"seed"}
    hall_event = events.get(
        action="org.hall_created", object_id=str(ServiceHall.objects.get(code="hall-220102").pk)
    )
    assert hall_event.after["name"] == "长春市南关区政务服务中心"
    assert "新建" in str(report)
    assert "区划 81" in str(report)


@pytest.mark.usefixtures("jilin")  # the org data, loaded once for the group
def test_paths_levels_and_defaults() -> None:
    village = Region.objects.get(code="222424102200")
    assert village.path == "220000/222400/222424/222424102/222424102200/"
    assert village.level == "village"
    assert Region.objects.get(code="220000").path == "220000/"
    assert Region.objects.get(code="220184").parent_id == "220100"
    # sort_order follows the file order among siblings
    cities = Region.objects.filter(level="city").order_by("sort_order")
    assert [c.code for c in cities][:2] == ["220100", "220200"]
    hall = ServiceHall.objects.get(code="hall-220102")
    assert hall.hours == FILE_DATA["hall_defaults"]["hours"]
    assert hall.address == ""  # unknown addresses are left blank, not invented
    post = Post.objects.select_related("role", "hall").get(code="220102-hall-window")
    assert post.role.code == "window_clerk"
    assert post.hall is not None
    assert post.hall.name == "长春市南关区政务服务中心"
    role = Role.objects.get(code="reviewer")
    assert Permission.CASE_REVIEW in role.permissions


@pytest.mark.usefixtures("jilin")  # the org data, loaded once for the group
def test_second_load_changes_nothing_and_writes_no_audit() -> None:
    before = row_counts()

    report = load_org_data(actor=Actor.system("seed"))

    assert report.created_total == 0
    assert report.updated_total == 0
    assert not report.changed
    assert row_counts() == before
    assert "无变化" in str(report)


@pytest.mark.usefixtures("jilin")  # the org data, loaded once for the group
def test_a_changed_name_updates_one_row_and_audits_it(tmp_path: Path) -> None:
    data = copy_data()
    hall = next(h for h in data["halls"] if h["code"] == "hall-222424")
    hall["name"] = "汪清县政务服务中心（新址）"
    events_before = AuditEvent.objects.count()

    report = load_org_data(write(tmp_path, data), actor=Actor.system("ops"))

    assert report.created_total == 0
    assert report.updated == {"region": 0, "hall": 1, "department": 0, "role": 0, "post": 0}
    assert ServiceHall.objects.get(code="hall-222424").name == "汪清县政务服务中心（新址）"
    assert AuditEvent.objects.count() == events_before + 1
    event = AuditEvent.objects.latest("id")
    assert event.action == "org.hall_updated"
    assert event.actor == "ops"
    assert event.before == {"name": "汪清县政务服务中心"}
    assert event.after == {"name": "汪清县政务服务中心（新址）"}
    assert "更新 大厅 1" in str(report)


@pytest.mark.usefixtures("jilin")  # the org data, loaded once for the group
def test_a_changed_role_permission_list_is_an_update(tmp_path: Path) -> None:
    data = copy_data()
    role = next(r for r in data["roles"] if r["code"] == "window_clerk")
    role["permissions"].append(Permission.CASE_ISSUE.value)

    report = load_org_data(write(tmp_path, data), actor=Actor.system("ops"))

    assert report.updated["role"] == 1
    assert Permission.CASE_ISSUE in Role.objects.get(code="window_clerk").permissions


def _region(data: dict[str, Any], code: str) -> dict[str, Any]:
    return next(r for r in data["regions"] if r["code"] == code)


def unknown_parent(data: dict[str, Any]) -> str:
    data["regions"].append(
        {"code": "220199", "name": "不存在区", "level": "county", "parent": "220198"}
    )
    return "220199"


def parent_missing_from_file(data: dict[str, Any]) -> str:
    data["regions"] = [r for r in data["regions"] if r["code"] != "220300"]
    return "220302"


def level_mismatch(data: dict[str, Any]) -> str:
    _region(data, "220102")["level"] = "city"
    return "220102"


def code_format(data: dict[str, Any]) -> str:
    data["regions"].append(
        {"code": "22010", "name": "坏代码", "level": "county", "parent": "220100"}
    )
    return "22010"


def post_in_two_units(data: dict[str, Any]) -> str:
    post = next(p for p in data["posts"] if p["code"] == "220102-hall-window")
    post["department"] = "220102-market-regulation"
    return "220102-hall-window"


def post_in_no_unit(data: dict[str, Any]) -> str:
    post = next(p for p in data["posts"] if p["code"] == "220102-market-reviewer")
    del post["department"]
    return "220102-market-reviewer"


def invalid_uscc(data: dict[str, Any]) -> str:
    dept = next(d for d in data["departments"] if d["code"] == "222424-forestry")
    last = dept["uscc"][-1]
    dept["uscc"] = dept["uscc"][:-1] + ("0" if last != "0" else "1")
    return "222424-forestry"


def unknown_permission(data: dict[str, Any]) -> str:
    data["roles"][0]["permissions"].append("unit:case:teleport")
    return data["roles"][0]["code"]


def township_hall_at_county(data: dict[str, Any]) -> str:
    data["halls"].append(
        {
            "code": "hall-x",
            "name": "错位便民服务中心",
            "kind": "township_centre",
            "region": "220102",
        }
    )
    return "hall-x"


def unknown_field(data: dict[str, Any]) -> str:
    data["departments"][0]["hal"] = "hall-220000"  # a typo must not pass silently
    return data["departments"][0]["code"]


BAD_FILES: list[Callable[[dict[str, Any]], str]] = [
    unknown_parent,
    parent_missing_from_file,
    level_mismatch,
    code_format,
    post_in_two_units,
    post_in_no_unit,
    invalid_uscc,
    unknown_permission,
    township_hall_at_county,
    unknown_field,
]


@pytest.mark.parametrize("spoil", BAD_FILES, ids=lambda f: f.__name__)
def test_a_bad_file_is_refused_whole_on_an_empty_database(
    tmp_path: Path, spoil: Callable[[dict[str, Any]], str]
) -> None:
    data = copy_data()
    culprit = spoil(data)

    with pytest.raises(ValidationFailed) as info:
        load_org_data(write(tmp_path, data), actor=Actor.system("seed"))

    assert culprit in info.value.detail
    assert row_counts() == (0, 0, 0, 0, 0, 0)


@pytest.mark.usefixtures("jilin")  # the org data, loaded once for the group
@pytest.mark.parametrize("spoil", BAD_FILES, ids=lambda f: f.__name__)
def test_a_bad_file_changes_nothing_in_a_loaded_database(
    tmp_path: Path, spoil: Callable[[dict[str, Any]], str]
) -> None:
    before = row_counts()
    data = copy_data()
    _region(data, "220100")["name"] = "长春市（改名）"  # a good change in the same file
    spoil(data)

    with pytest.raises(ValidationFailed):
        load_org_data(write(tmp_path, data), actor=Actor.system("seed"))

    assert row_counts() == before
    assert Region.objects.get(code="220100").name == "长春市"


def test_not_json_is_a_validation_failure(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{ not json", encoding="utf-8")
    with pytest.raises(ValidationFailed):
        load_org_data(path, actor=Actor.system("seed"))


# --------------------------------------------------------------------------- single saves


@pytest.mark.usefixtures("jilin")  # the org data, loaded once for the group
def test_save_org_object_audits_before_and_after() -> None:
    hall = ServiceHall.objects.get(code="hall-220102")
    hall.address = "长春市南关区某路1号"
    count = AuditEvent.objects.count()

    services.save_org_object(hall, actor=Actor.system("admin-test"))

    assert AuditEvent.objects.count() == count + 1
    event = AuditEvent.objects.latest("id")
    assert event.action == "org.hall_updated"
    assert event.before == {"address": ""}
    assert event.after == {"address": "长春市南关区某路1号"}


@pytest.mark.usefixtures("jilin")  # the org data, loaded once for the group
def test_save_org_object_without_changes_writes_no_event() -> None:
    count = AuditEvent.objects.count()
    services.save_org_object(Role.objects.get(code="reviewer"), actor=Actor.system("admin-test"))
    assert AuditEvent.objects.count() == count


@pytest.mark.usefixtures("jilin")  # the org data, loaded once for the group
def test_a_new_region_gets_its_path_from_its_parent() -> None:
    region = Region(code="222424102202", name="测试村", level="village", parent_id="222424102")
    services.save_org_object(region, actor=Actor.system("admin-test"))
    region.refresh_from_db()
    assert region.path == "220000/222400/222424/222424102/222424102202/"
    assert AuditEvent.objects.filter(action="org.region_created", object_id="222424102202").exists()


@pytest.mark.parametrize(
    ("obj", "why"),
    [
        (lambda: Region(code="220199", name="x", level="city", parent_id="220100"), "层级"),
        (lambda: Region(code="220199", name="x", level="county", parent_id="220000"), "上级"),
        (lambda: Role(code="r", name="r", scope="unit", permissions=["nope"]), "未知权限"),
        (
            lambda: Department(code="d", name="d", region_id="220102", uscc="11220102000000000A"),
            "统一社会信用代码",
        ),
        (lambda: Post(code="p", name="p", role_id="reviewer"), "单位"),
    ],
)
@pytest.mark.usefixtures("jilin")  # the org data, loaded once for the group
def test_save_org_object_applies_the_file_rules(obj: Callable[[], Any], why: str) -> None:
    count = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as info:
        services.save_org_object(obj(), actor=Actor.system("admin-test"))
    assert why in info.value.detail
    assert AuditEvent.objects.count() == count


@pytest.mark.usefixtures("jilin")  # the org data, loaded once for the group
def test_delete_is_audited_with_the_old_state() -> None:
    post = Post.objects.get(code="222424-hall-window")
    pk = post.pk
    services.delete_org_object(post, actor=Actor.system("admin-test"))
    assert not Post.objects.filter(pk=pk).exists()
    event = AuditEvent.objects.latest("id")
    assert event.action == "org.post_deleted"
    assert event.object_type == "org.post"
    assert event.object_id == str(pk)
    assert event.before["code"] == "222424-hall-window"


# --------------------------------------------------------------------------- admin


def admin_request() -> Any:
    request = RequestFactory().post("/admin/")
    # Stands in for a superuser: has every admin permission, is audited by username.
    request.user = SimpleNamespace(pk=None, username="admin-test", has_perm=lambda perm: True)
    # What ActorMiddleware would have set: the stand-in is audited by its name.
    request.actor = Actor.system("admin-test")
    return request


@pytest.mark.usefixtures("jilin")  # the org data, loaded once for the group
def test_role_form_offers_permissions_and_rejects_unknown_ones() -> None:
    role = Role.objects.get(code="supervisor")
    ok = RoleForm(
        data={
            "code": "supervisor",
            "name": "效能监察",
            "scope": "region_below",
            "permissions": [Permission.AUDIT_VIEW.value, Permission.ORG_VIEW.value],
        },
        instance=role,
    )
    assert ok.is_valid(), ok.errors
    # saved in the enum's order, whatever order they were ticked in
    assert ok.cleaned_data["permissions"] == [Permission.AUDIT_VIEW, Permission.ORG_VIEW]

    bad = RoleForm(
        data={"code": "x", "name": "x", "scope": "unit", "permissions": ["unit:case:teleport"]}
    )
    assert not bad.is_valid()
    assert "permissions" in bad.errors


@pytest.mark.usefixtures("jilin")  # the org data, loaded once for the group
def test_admin_save_goes_through_the_audited_service() -> None:
    from django.contrib.admin.sites import site

    role = Role.objects.get(code="station_clerk")
    form = RoleForm(
        data={
            "code": "station_clerk",
            "name": "便民服务站代办",
            "scope": "unit",
            "permissions": [Permission.CASE_VIEW.value],
        },
        instance=role,
    )
    assert form.is_valid(), form.errors
    obj = form.save(commit=False)
    RoleAdmin(Role, site).save_model(admin_request(), obj, form, change=True)

    event = AuditEvent.objects.latest("id")
    assert event.action == "org.role_updated"
    assert event.actor == "admin-test"
    assert event.after == {"permissions": [Permission.CASE_VIEW.value]}
    assert Role.objects.get(code="station_clerk").permissions == [Permission.CASE_VIEW.value]


@pytest.mark.usefixtures("jilin")  # the org data, loaded once for the group
def test_admin_form_shows_rule_violations_as_errors() -> None:
    from django.contrib.admin.sites import site

    form_class = ServiceHallAdmin(ServiceHall, site).get_form(admin_request())
    form = form_class(
        data={
            "code": "hall-bad",
            "name": "错位中心",
            "kind": "township_centre",
            "region": "220102",
        }
    )
    assert not form.is_valid()
    assert "不能设在" in str(form.errors)
