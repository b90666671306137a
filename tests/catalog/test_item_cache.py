"""Items in service, cached per process (`catalog.selectors.get_active_item`): writes
through the catalog and org services are seen by the writing process at once."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yiwang.accounts.actor import Actor
from yiwang.catalog import selectors
from yiwang.catalog.models import DeliveryMethod, ServiceItem
from yiwang.catalog.selectors import get_active_item, get_item
from yiwang.catalog.services import (
    delete_delivery_method,
    delete_item,
    save_delivery_method,
    save_item,
    set_item_active,
    spec_of,
)
from yiwang.common.errors import NotFound
from yiwang.org.models import Department, ServiceHall
from yiwang.org.services import save_org_object

pytestmark = pytest.mark.django_db

CODE = "220000-JT-XK-002"  # promised 10 of 20 working days; delivered online or by post


def _read_everything(item: ServiceItem) -> tuple[object, ...]:
    """What applying reads of an item: all of it must come with the cached item."""
    return (
        [m.code for m in item.materials.all()],
        [(s.order, s.role.name) for s in item.steps.all()],
        [f.name for f in item.fees.all()],
        sorted(d.code for d in item.delivery_methods.all()),
        item.department.name,
        item.department.hall.name if item.department.hall else None,
        item.region.name,
    )


def test_a_second_call_does_no_query(catalog: None) -> None:
    first = get_active_item(CODE)
    expected = _read_everything(first)
    with CaptureQueriesContext(connection) as queries:
        again = get_active_item(CODE)
        assert _read_everything(again) == expected
    assert len(queries) == 0
    assert again.promised_limit_days == 10


def test_each_caller_gets_its_own_copy(catalog: None) -> None:
    """A frozen snapshot, not one ORM instance shared between requests (issue 9.5):
    what one request does to the item it got does not reach the next one."""
    first = get_active_item(CODE)
    first.name = "被一个请求改过"
    first.materials.all()[0].name = "也改过"
    first.department.name = "改过的部门"
    first.form_fields.append({"code": "leaked"})
    again = get_active_item(CODE)
    assert again is not first
    assert again.name != "被一个请求改过"
    assert again.materials.all()[0].name != "也改过"
    assert again.department.name != "改过的部门"
    assert {"code": "leaked"} not in again.form_fields


def test_an_item_taken_out_of_service_is_not_found_at_once(catalog: None) -> None:
    get_active_item(CODE)
    set_item_active(get_item(CODE), False, actor=Actor.system("test"))
    with pytest.raises(NotFound):
        get_active_item(CODE)
    set_item_active(get_item(CODE), True, actor=Actor.system("test"))
    assert get_active_item(CODE).is_active


def test_a_changed_promised_limit_is_seen_at_once(catalog: None) -> None:
    assert get_active_item(CODE).promised_limit_days == 10
    item = get_item(CODE)
    save_item(
        replace(spec_of(item), promised_limit_days=12), actor=Actor.system("test"), item_id=item.pk
    )
    assert get_active_item(CODE).promised_limit_days == 12


def test_a_changed_material_is_seen_at_once(catalog: None) -> None:
    before = get_active_item(CODE)
    item = get_item(CODE)
    spec = spec_of(item)
    renamed = replace(spec.materials[0], name="改名后的材料")
    save_item(
        replace(spec, materials=(renamed, *spec.materials[1:])),
        actor=Actor.system("test"),
        item_id=item.pk,
    )
    after = get_active_item(CODE)
    assert after is not before
    assert [m.name for m in after.materials.all() if m.code == renamed.code] == ["改名后的材料"]


def test_a_renamed_department_is_seen_at_once(catalog: None) -> None:
    item = get_active_item(CODE)
    assert item.department.name != "吉林省交通运输厅（新）"
    department = Department.objects.get(pk=item.department_id)
    department.name = "吉林省交通运输厅（新）"
    save_org_object(department, actor=Actor.system("test"))
    assert get_active_item(CODE).department.name == "吉林省交通运输厅（新）"


def test_a_renamed_hall_is_seen_at_once(catalog: None) -> None:
    item = get_active_item(CODE)
    assert item.department.hall is not None
    hall = ServiceHall.objects.get(pk=item.department.hall.pk)
    hall.name = "吉林省政务服务中心（新址）"
    save_org_object(hall, actor=Actor.system("test"))
    refreshed = get_active_item(CODE).department.hall
    assert refreshed is not None
    assert refreshed.name == "吉林省政务服务中心（新址）"


def test_an_unknown_code_is_not_found_and_not_cached(catalog: None) -> None:
    get_active_item(CODE)
    size = len(selectors._active_items._values)
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries, pytest.raises(NotFound):
            get_active_item("220000-NO-SUCH-001")
        assert len(queries) >= 1  # asked again: a miss is not remembered
    for n in range(20):
        with pytest.raises(NotFound):
            get_active_item(f"220000-NO-SUCH-{n:03}")
    assert len(selectors._active_items._values) == size


def test_an_inactive_item_is_not_found_and_not_cached(catalog: None) -> None:
    set_item_active(get_item(CODE), False, actor=Actor.system("test"))
    with pytest.raises(NotFound):
        get_active_item(CODE)
    assert CODE not in selectors._active_items._values


def test_a_deleted_item_is_not_found_at_once(catalog: None) -> None:
    get_active_item(CODE)
    delete_item(get_item(CODE), actor=Actor.system("test"))
    with pytest.raises(NotFound):
        get_active_item(CODE)


def test_a_renamed_delivery_method_is_seen_by_cached_items_at_once(catalog: None) -> None:
    assert "post" in {d.code for d in get_active_item(CODE).delivery_methods.all()}
    method = DeliveryMethod.objects.get(pk="post")
    method.name = "EMS 快递送达"
    save_delivery_method(method, actor=Actor.system("test"))
    names = {d.code: d.name for d in get_active_item(CODE).delivery_methods.all()}
    assert names["post"] == "EMS 快递送达"


def test_a_delivery_method_no_item_offers_can_be_deleted(catalog: None) -> None:
    DeliveryMethod.objects.create(code="locker", name="智能柜自取")
    get_active_item(CODE)
    delete_delivery_method(DeliveryMethod.objects.get(pk="locker"), actor=Actor.system("test"))
    assert not DeliveryMethod.objects.filter(pk="locker").exists()
    assert "post" in {d.code for d in get_active_item(CODE).delivery_methods.all()}
