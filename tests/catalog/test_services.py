"""Loading the catalog (idempotent, audited, updates in place) and the single audited
saves the admin uses."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import replace
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.catalog.conftest import item_in
from yiwang.accounts.actor import Actor
from yiwang.catalog.models import DeliveryMethod, Fee, Material, ProcessStep, ServiceItem
from yiwang.catalog.selectors import get_item
from yiwang.catalog.services import (
    StepSpec,
    delete_delivery_method,
    delete_item,
    load_catalog_data,
    save_delivery_method,
    save_item,
    set_item_active,
    spec_of,
)
from yiwang.common.errors import NotFound, ValidationFailed
from yiwang.common.models import AuditEvent

pytestmark = pytest.mark.django_db


def _rows() -> dict[str, list[tuple[Any, ...]]]:
    """Every catalog row with its primary key: equal before and after means untouched."""
    return {
        "items": list(ServiceItem.objects.order_by("pk").values_list()),
        "materials": list(Material.objects.order_by("pk").values_list()),
        "fees": list(Fee.objects.order_by("pk").values_list()),
        "steps": list(ProcessStep.objects.order_by("pk").values_list()),
        "methods": list(DeliveryMethod.objects.order_by("pk").values_list()),
        "links": list(ServiceItem.delivery_methods.through.objects.order_by("pk").values_list()),
    }


def test_first_load_creates_everything_with_one_event_per_object(
    jilin: None, catalog_data: dict[str, Any]
) -> None:
    events_before = AuditEvent.objects.count()
    report = load_catalog_data(actor=Actor.system("seed"))
    n_items = len(catalog_data["items"])
    assert report.created == {"delivery_method": 5, "item": n_items}
    assert report.updated_total == 0
    assert ServiceItem.objects.count() == n_items
    new_events = AuditEvent.objects.filter(pk__gt=0).order_by("pk")[events_before:]
    actions = [e.action for e in new_events]
    assert actions.count("catalog.delivery_method_created") == 5
    assert actions.count("catalog.item_created") == n_items
    assert len(actions) == 5 + n_items
    event = AuditEvent.objects.get(
        action="catalog.item_created",
        object_id=str(ServiceItem.objects.get(code="220102-ZJ-XK-001").pk),
    )
    assert event.actor == "seed"
    assert event.after["name"] == "临时占用城市道路审批"
    assert [s["role"] for s in event.after["process"]] == ["window_clerk", "reviewer", "reviewer"]
    assert "新建" in str(report)
    assert "事项 33" in str(report)


def test_items_take_the_region_of_their_department(catalog: None) -> None:
    for item in ServiceItem.objects.select_related("department"):
        assert item.region_id == item.department.region_id
    forestry = get_item("222424-LY-XK-001")
    assert forestry.region_id == "222424"
    assert [s.role_id for s in forestry.steps.all()] == ["station_clerk", "reviewer", "reviewer"]
    assert [m.code for m in forestry.delivery_methods.all()] == ["post"]


def test_second_load_changes_nothing_and_writes_no_audit(catalog: None) -> None:
    rows, events = _rows(), AuditEvent.objects.count()
    report = load_catalog_data(actor=Actor.system("seed"))
    assert not report.changed
    assert report.unchanged == {"delivery_method": 5, "item": 33}
    assert "无变化" in str(report)
    assert _rows() == rows
    assert AuditEvent.objects.count() == events


def test_a_changed_item_is_updated_in_place_and_audited_once(
    catalog: None,
    catalog_data: dict[str, Any],
    write_catalog: Callable[[dict[str, Any]], Path],
) -> None:
    data = copy.deepcopy(catalog_data)
    item = item_in(data, "220102-ZJ-XK-001")
    item["promised_limit_days"] = 4
    item["materials"][1]["name"] = "临时占用城市道路申请表（2026 版）"
    item["materials"].pop()  # the restoration commitment is dropped
    steps = sorted(item["process"], key=lambda s: s["order"])
    steps[1]["order"], steps[2]["order"] = 3, 2  # review and decide swap places
    steps[1]["share_percent"], steps[2]["share_percent"] = 30, 50
    stored = ServiceItem.objects.get(code="220102-ZJ-XK-001")
    material_pk = stored.materials.get(code="application").pk
    step_pks = {s.code: s.pk for s in stored.steps.all()}
    untouched = ServiceItem.objects.get(code="220000-JT-XK-001")

    report = load_catalog_data(write_catalog(data), actor=Actor.system("editor"))

    assert report.updated == {"delivery_method": 0, "item": 1}
    assert report.created_total == 0
    stored = get_item("220102-ZJ-XK-001")
    assert stored.promised_limit_days == 4
    application = stored.materials.get(code="application")
    assert application.pk == material_pk  # the same row, renamed
    assert application.name == "临时占用城市道路申请表（2026 版）"
    assert "restoration-commitment" not in {m.code for m in stored.materials.all()}
    assert [(s.code, s.order) for s in stored.steps.all()] == [
        ("accept", 1),
        ("decide", 2),
        ("review", 3),
    ]
    assert {s.code: s.pk for s in stored.steps.all()} == step_pks
    [event] = AuditEvent.objects.filter(action="catalog.item_updated")
    assert event.actor == "editor"
    assert set(event.after) == {"promised_limit_days", "materials", "process"}
    assert event.before["promised_limit_days"] == 5
    assert event.after["promised_limit_days"] == 4
    assert ServiceItem.objects.get(code="220000-JT-XK-001").name == untouched.name


def test_a_changed_delivery_method_name_is_an_update(
    catalog: None,
    catalog_data: dict[str, Any],
    write_catalog: Callable[[dict[str, Any]], Path],
) -> None:
    data = copy.deepcopy(catalog_data)
    data["delivery_methods"][0]["name"] = "窗口领取（含代领）"
    report = load_catalog_data(write_catalog(data), actor=Actor.system("editor"))
    assert report.updated == {"delivery_method": 1, "item": 0}
    assert DeliveryMethod.objects.get(code="window").name == "窗口领取（含代领）"
    assert AuditEvent.objects.filter(action="catalog.delivery_method_updated").count() == 1


# --------------------------------------------------------------------------- single saves


def test_save_item_creates_validates_and_audits(catalog: None) -> None:
    spec = replace(
        spec_of(get_item("220102-ZJ-XK-001")),
        code="220102-ZJ-XK-002",
        name="城市道路挖掘许可",
    )
    item = save_item(spec, actor=Actor.system("admin-test"))
    assert item.code == "220102-ZJ-XK-002"
    assert item.region_id == "220102"
    assert [s.code for s in get_item("220102-ZJ-XK-002").steps.all()] == [
        "accept",
        "review",
        "decide",
    ]
    event = AuditEvent.objects.get(action="catalog.item_created", object_id=str(item.pk))
    assert event.actor == "admin-test"

    # The same code again is not a second item.
    with pytest.raises(ValidationFailed, match="已被其他事项使用"):
        save_item(spec, actor=Actor.system("admin-test"))
    bad = replace(spec, steps=(*spec.steps[:2], replace(spec.steps[2], share_percent=20)))
    with pytest.raises(ValidationFailed, match="之和应为 100"):
        save_item(bad, actor=Actor.system("admin-test"), item_id=item.pk)


def test_save_item_without_changes_writes_no_event(catalog: None) -> None:
    item = get_item("222424-LY-XK-002")
    events = AuditEvent.objects.count()
    save_item(spec_of(item), actor=Actor.system("admin-test"), item_id=item.pk)
    assert AuditEvent.objects.count() == events


def test_save_item_can_rename_the_code_and_move_department(catalog: None) -> None:
    item = get_item("220102-SCJG-XK-002")
    spec = replace(spec_of(item), code="220102-SCJG-XK-009", department="220102-civil-affairs")
    saved = save_item(spec, actor=Actor.system("admin-test"), item_id=item.pk)
    assert saved.pk == item.pk
    fresh = ServiceItem.objects.get(pk=item.pk)
    assert (fresh.code, fresh.department.code, fresh.region_id) == (
        "220102-SCJG-XK-009",
        "220102-civil-affairs",
        "220102",
    )
    event = AuditEvent.objects.get(action="catalog.item_updated", object_id=str(item.pk))
    assert set(event.after) == {"code", "department"}


def test_steps_can_be_added_and_removed(catalog: None) -> None:
    item = get_item("220000-GA-XK-001")
    spec = spec_of(item)
    steps = (
        StepSpec(1, "accept", "人工受理", "window_clerk", 30),
        StepSpec(2, "review", "审核", "reviewer", 30),
        StepSpec(3, "decide", "审批签注", "reviewer", 40),
    )
    save_item(replace(spec, steps=steps), actor=Actor.system("admin-test"), item_id=item.pk)
    assert [(s.code, s.share_percent) for s in get_item(item.code).steps.all()] == [
        ("accept", 30),
        ("review", 30),
        ("decide", 40),
    ]
    save_item(
        replace(spec, steps=(*steps[:1], replace(steps[2], order=2, share_percent=70))),
        actor=Actor.system("admin-test"),
        item_id=item.pk,
    )
    assert [s.code for s in get_item(item.code).steps.all()] == ["accept", "decide"]


def test_save_item_of_a_missing_item_is_not_found(catalog: None) -> None:
    spec = spec_of(get_item("220102-ZJ-XK-001"))
    with pytest.raises(NotFound):
        save_item(spec, actor=Actor.system("admin-test"), item_id=999_999)


def test_deactivating_keeps_the_item_and_is_audited(catalog: None) -> None:
    item = get_item("222424-LY-XK-002")
    set_item_active(item, False, actor=Actor.system("admin-test"))
    assert ServiceItem.objects.get(pk=item.pk).is_active is False
    event = AuditEvent.objects.get(action="catalog.item_updated", object_id=str(item.pk))
    assert (event.before, event.after) == ({"is_active": True}, {"is_active": False})


def test_delete_is_audited_with_the_last_state(catalog: None) -> None:
    item = get_item("222424102-LY-GG-001")
    pk = item.pk
    delete_item(item, actor=Actor.system("admin-test"))
    assert not ServiceItem.objects.filter(pk=pk).exists()
    assert not Material.objects.filter(item_id=pk).exists()
    event = AuditEvent.objects.get(action="catalog.item_deleted", object_id=str(pk))
    assert event.before["name"] == "林业技术指导服务"
    assert event.before["materials"][0]["code"] == "id-card"


def test_save_delivery_method_is_checked_and_audited(catalog: None) -> None:
    method = DeliveryMethod(code="drone", name="无人机投递", needs_tracking=True)
    save_delivery_method(method, actor=Actor.system("admin-test"))
    assert DeliveryMethod.objects.get(code="drone").needs_tracking
    assert AuditEvent.objects.filter(action="catalog.delivery_method_created").count() == 6
    with pytest.raises(ValidationFailed, match="名称不能为空"):
        save_delivery_method(
            DeliveryMethod(code="pigeon", name=" "), actor=Actor.system("admin-test")
        )
    assert not DeliveryMethod.objects.filter(code="pigeon").exists()


def test_a_delivery_method_an_item_offers_cannot_be_deleted(catalog: None) -> None:
    # 220000-GA-XK-001 offers self_print only: deleting it would leave the item with no
    # delivery method, changed without an audit event of its own.
    item = get_item("220000-GA-XK-001")
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed, match="仍被事项 220000-GA-XK-001"):
        delete_delivery_method(
            DeliveryMethod.objects.get(pk="self_print"), actor=Actor.system("admin-test")
        )
    assert DeliveryMethod.objects.filter(pk="self_print").exists()
    assert [m.code for m in get_item(item.code).delivery_methods.all()] == ["self_print"]
    assert AuditEvent.objects.count() == events


def test_a_department_with_items_cannot_move_to_another_region(
    catalog: None, tmp_path: Path
) -> None:
    # ServiceItem.region is the department's region, copied: a move would leave the
    # department's items filed (and searched, and checked) under the old region.
    from yiwang.org.models import Department
    from yiwang.org.services import DEFAULT_DATA_FILE as ORG_FILE
    from yiwang.org.services import load_org_data, save_org_object

    events = AuditEvent.objects.count()
    dept = Department.objects.get(code="220102-civil-affairs")
    dept.region_id = "222424"
    with pytest.raises(ValidationFailed, match="实施 3 个政务服务事项"):
        save_org_object(dept, actor=Actor.system("admin-test"))
    data = json.loads(ORG_FILE.read_text(encoding="utf-8"))
    row = next(d for d in data["departments"] if d["code"] == "220102-civil-affairs")
    row["region"] = "222424"
    path = tmp_path / "org.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValidationFailed, match="220102-civil-affairs"):
        load_org_data(path, actor=Actor.system("admin-test"))
    assert Department.objects.get(code="220102-civil-affairs").region_id == "220102"
    assert set(
        ServiceItem.objects.filter(department__code="220102-civil-affairs").values_list(
            "region_id", flat=True
        )
    ) == {"220102"}
    assert AuditEvent.objects.count() == events
    # A department without items may still move (a data correction).
    empty = Department.objects.exclude(items__isnull=False).exclude(region_id="222424").first()
    assert empty is not None
    empty.region_id = "222424"
    save_org_object(empty, actor=Actor.system("admin-test"))


# --------------------------------------------------------------------------- command


def test_load_catalog_command_prints_the_report(jilin: None) -> None:
    out = StringIO()
    call_command("load_catalog", stdout=out)
    assert "新建 送达方式 5、事项 33" in out.getvalue()
    out = StringIO()
    call_command("load_catalog", stdout=out)
    assert "无变化" in out.getvalue()
    assert (
        AuditEvent.objects.filter(action="catalog.item_created", actor=Actor.system("seed")).count()
        == 33
    )


def test_load_catalog_command_refuses_a_bad_file(
    jilin: None,
    catalog_data: dict[str, Any],
    write_catalog: Callable[[dict[str, Any]], Path],
) -> None:
    data = copy.deepcopy(catalog_data)
    item_in(data, "220102-ZJ-XK-001")["promised_limit_days"] = 25
    with pytest.raises(CommandError, match="invalid: 事项 220102-ZJ-XK-001 的 promised_limit_days"):
        call_command("load_catalog", "--file", str(write_catalog(data)), stdout=StringIO())
    with pytest.raises(CommandError, match="cannot read"):
        call_command("load_catalog", "--file", "/no/such/items.json", stdout=StringIO())
    assert ServiceItem.objects.count() == 0
