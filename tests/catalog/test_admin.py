"""The catalog admin: item with inlines checked by the catalog rules (errors on the form,
never a 500), saved through the audited service; stars read-only."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import IntegrityError
from django.db.models import ProtectedError
from django.test import Client

from yiwang.accounts.actor import Actor
from yiwang.catalog.models import DeliveryMethod, ServiceItem
from yiwang.catalog.selectors import get_item
from yiwang.common.models import AuditEvent
from yiwang.org.models import Department

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/catalog/serviceitem/add/"


@pytest.fixture
def admin_client(catalog: None, demo_users: dict[str, Any]) -> Client:
    client = Client()
    client.force_login(demo_users["admin"])
    return client


def _management(prefix: str, total: int, initial: int = 0) -> dict[str, Any]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _form(**overrides: Any) -> dict[str, Any]:
    """The POST of the add page for a small valid 南关区 item with two steps."""
    data: dict[str, Any] = {
        "code": "220102-MZ-GG-001",
        "basic_code": "GG-MZ-0791",
        "name": "高龄津贴申领",
        "item_type": "payment",
        "department": str(Department.objects.get(code="220102-civil-affairs").pk),
        "legal_limit_days": "20",
        "promised_limit_days": "5",
        "limit_note": "",
        "case_type": "promised",
        "visits": "0",
        "visits_reason": "",
        "online_depth": "4",
        "accept_level": "own_hall",
        "special_procedures": "",
        "is_active": "on",
        "service_object": "citizen",
        "legal_basis": "《中华人民共和国老年人权益保障法》",
        "conditions": "年满 80 周岁的本区户籍老年人",
        "place": "长春市南关区政务服务中心",
        "hours": "工作日",
        "consult_phone": "12345",
        "complaint_phone": "12345",
        "result_name": "高龄津贴发放通知",
        "delivery_methods": ["online"],
        "form_fields": json.dumps([{"name": "age", "label": "年龄", "type": "number"}]),
        "auto_rules": "[]",
        **_management("materials", 1),
        "materials-0-sort_order": "1",
        "materials-0-code": "id-card",
        "materials-0-name": "居民身份证",
        "materials-0-required": "on",
        "materials-0-form": "electronic",
        "materials-0-copies": "1",
        "materials-0-source": "applicant",
        "materials-0-license_type_code": "",
        "materials-0-standard": "",
        **_management("fees", 0),
        **_management("steps", 2),
        "steps-0-order": "1",
        "steps-0-code": "accept",
        "steps-0-name": "受理",
        "steps-0-role": "window_clerk",
        "steps-0-share_percent": "40",
        "steps-1-order": "2",
        "steps-1-code": "decide",
        "steps-1-name": "审核发放",
        "steps-1-role": "reviewer",
        "steps-1-share_percent": "60",
    }
    data.update(overrides)
    return data


def test_add_page_shows_stars_read_only(admin_client: Client) -> None:
    page = admin_client.get(ADD_URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="visits"' in html
    assert 'name="stars"' not in html  # shown, never typed in
    item = ServiceItem.objects.get(code="220102-ZJ-XK-001")
    change = admin_client.get(f"/admin/catalog/serviceitem/{item.pk}/change/").content.decode()
    assert "星级" in change
    assert 'name="stars"' not in change


def test_a_valid_item_is_saved_through_the_audited_service(admin_client: Client) -> None:
    response = admin_client.post(ADD_URL, _form())
    assert response.status_code == 302, response.content.decode()
    item = get_item("220102-MZ-GG-001")
    assert item.region_id == "220102"
    assert [(s.code, s.role_id, s.share_percent) for s in item.steps.all()] == [
        ("accept", "window_clerk", 40),
        ("decide", "reviewer", 60),
    ]
    assert [m.code for m in item.materials.all()] == ["id-card"]
    assert [m.code for m in item.delivery_methods.all()] == ["online"]
    event = AuditEvent.objects.get(action="catalog.item_created", object_id=str(item.pk))
    assert event.actor == "admin"
    assert event.after["process"][1]["code"] == "decide"


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"steps-1-share_percent": "50"}, "之和应为 100"),
        (
            {"steps-0-share_percent": "-60", "steps-1-share_percent": "160"},
            "时限占比不得超过 100（百分比）",
        ),
        ({"steps-1-order": "3"}, "连续编号"),
        ({"visits": "1", "online_depth": "3"}, "须说明到现场的原因"),
        ({"case_type": "instant"}, "即办件当日办结"),
        ({"promised_limit_days": "0"}, "承诺件的承诺时限至少 1 个工作日"),
        ({"legal_limit_days": "30", "item_type": "license"}, "第四十二条"),
        ({"accept_level": "township"}, "第一个环节应由 station_clerk 办理"),
        ({"auto_rules": json.dumps([{"check": "resident_of_region"}])}, "只有即办件"),
        ({"form_fields": json.dumps([{"name": "age", "type": "number"}])}, "缺少 label"),
        ({"materials-0-source": "license_library"}, "须填写可用电子证照类型代码"),
        ({"materials-0-license_type_code": "123"}, "电子证照类型代码 123"),
    ],
)
def test_an_invalid_item_shows_an_error_and_saves_nothing(
    admin_client: Client, change: dict[str, Any], says: str
) -> None:
    events = AuditEvent.objects.count()
    response = admin_client.post(ADD_URL, _form(**change))
    assert response.status_code == 200
    html = response.content.decode()
    assert says in html
    assert "errornote" in html or "errorlist" in html
    assert not ServiceItem.objects.filter(code="220102-MZ-GG-001").exists()
    assert AuditEvent.objects.count() == events


def test_promised_over_legal_is_a_form_error(admin_client: Client) -> None:
    response = admin_client.post(ADD_URL, _form(promised_limit_days="25"))
    assert response.status_code == 200
    assert not ServiceItem.objects.filter(code="220102-MZ-GG-001").exists()


def test_editing_an_item_is_checked_and_audited(admin_client: Client) -> None:
    admin_client.post(ADD_URL, _form())
    item = get_item("220102-MZ-GG-001")
    url = f"/admin/catalog/serviceitem/{item.pk}/change/"
    material, *_ = item.materials.all()
    steps = list(item.steps.all())
    edit = _form(
        name="高龄津贴申领（80 周岁以上）",
        **_management("materials", 1, 1),
        **{"materials-0-id": str(material.pk), "materials-0-item": str(item.pk)},
        **_management("steps", 2, 2),
        **{
            "steps-0-id": str(steps[0].pk),
            "steps-0-item": str(item.pk),
            "steps-1-id": str(steps[1].pk),
            "steps-1-item": str(item.pk),
        },
    )
    bad = admin_client.post(url, {**edit, "steps-0-share_percent": "10"})
    assert bad.status_code == 200
    assert "之和应为 100" in bad.content.decode()
    assert ServiceItem.objects.get(pk=item.pk).name == "高龄津贴申领"

    good = admin_client.post(url, edit)
    assert good.status_code == 302, good.content.decode()
    assert ServiceItem.objects.get(pk=item.pk).name == "高龄津贴申领（80 周岁以上）"
    event = AuditEvent.objects.get(action="catalog.item_updated", object_id=str(item.pk))
    assert event.after == {"name": "高龄津贴申领（80 周岁以上）"}


def test_deleting_through_the_admin_is_audited(admin_client: Client) -> None:
    item = ServiceItem.objects.get(code="222424102-LY-GG-001")
    response = admin_client.post(f"/admin/catalog/serviceitem/{item.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(
        action="catalog.item_deleted", object_id=str(item.pk), actor=Actor.system("admin")
    ).exists()


def test_delivery_method_admin_is_audited(admin_client: Client) -> None:
    response = admin_client.post(
        "/admin/catalog/deliverymethod/add/",
        {"code": "locker", "name": "智能柜自取", "needs_tracking": ""},
    )
    assert response.status_code == 302, response.content.decode()
    assert DeliveryMethod.objects.get(code="locker").name == "智能柜自取"
    assert AuditEvent.objects.filter(
        action="catalog.delivery_method_created", object_id="locker", actor=Actor.system("admin")
    ).exists()
    blank = admin_client.post(
        "/admin/catalog/deliverymethod/add/", {"code": "box", "name": " ", "needs_tracking": ""}
    )
    assert blank.status_code == 200
    assert not DeliveryMethod.objects.filter(code="box").exists()


def test_a_delivery_method_an_item_offers_is_refused_on_the_delete_page(
    admin_client: Client,
) -> None:
    url = "/admin/catalog/deliverymethod/self_print/delete/"
    page = admin_client.get(url).content.decode()
    assert "220000-GA-XK-001" in page
    events = AuditEvent.objects.count()
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 200
    assert "220000-GA-XK-001" in response.content.decode()
    assert DeliveryMethod.objects.filter(pk="self_print").exists()
    assert ServiceItem.objects.get(code="220000-GA-XK-001").delivery_methods.count() == 1
    assert AuditEvent.objects.count() == events
    bulk = admin_client.post(
        "/admin/catalog/deliverymethod/",
        {"action": "delete_selected", "_selected_action": ["self_print"], "post": "yes"},
    )
    assert bulk.status_code == 200
    assert DeliveryMethod.objects.filter(pk="self_print").exists()


def test_moving_a_department_with_items_is_a_form_error(admin_client: Client) -> None:
    dept = Department.objects.get(code="220102-civil-affairs")
    events = AuditEvent.objects.count()
    response = admin_client.post(
        f"/admin/org/department/{dept.pk}/change/",
        {
            "code": dept.code,
            "name": dept.name,
            "short_name": dept.short_name,
            "uscc": dept.uscc,
            "region": "222424",
            "hall": str(dept.hall_id or ""),
        },
    )
    assert response.status_code == 200
    assert "不能从区划 220102 改到 222424" in response.content.decode()
    assert Department.objects.get(pk=dept.pk).region_id == "220102"
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    "failure",
    [
        # Django's collector finds the case filed after the delete page checked.
        lambda item: ProtectedError("cases refer to it", {item}),
        # The database's foreign key finds it at commit (PostgreSQL, SQLite: deferred).
        lambda item: IntegrityError("FOREIGN KEY constraint failed"),
    ],
    ids=["protected", "foreign_key"],
)
def test_an_item_a_case_was_filed_for_meanwhile_is_refused_not_500(
    admin_client: Client, monkeypatch: pytest.MonkeyPatch, failure: Any
) -> None:
    from yiwang.catalog import services

    item = ServiceItem.objects.get(code="222424102-LY-GG-001")

    def delete_raced(obj: ServiceItem, *, actor: Any) -> None:
        raise failure(obj)

    monkeypatch.setattr(services, "delete_item", delete_raced)
    url = f"/admin/catalog/serviceitem/{item.pk}/delete/"
    response = admin_client.post(url, {"post": "yes"}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [(f"/admin/catalog/serviceitem/{item.pk}/change/", 302)]
    page = response.content.decode()
    assert "无法删除事项：有办件正在引用它" in page
    assert "成功删除" not in page
    assert "successfully" not in page.lower()
    assert ServiceItem.objects.filter(pk=item.pk).exists()
    assert not AuditEvent.objects.filter(action="catalog.item_deleted").exists()

    bulk = admin_client.post(
        "/admin/catalog/serviceitem/",
        {"action": "delete_selected", "_selected_action": [str(item.pk)], "post": "yes"},
        follow=True,
    )
    assert bulk.status_code == 200
    page = bulk.content.decode()
    assert "无法删除事项：有办件正在引用它" in page
    assert "成功删除" not in page
    assert ServiceItem.objects.filter(pk=item.pk).exists()
