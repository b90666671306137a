"""GET /items and GET /items/{code}: the field names of interfaces.md, filters, pages,
errors as problem+json, literal wildcards, bounded queries; public (no token)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.problems import assert_problem as _problem
from yiwang.accounts.actor import Actor
from yiwang.catalog.selectors import get_active_item, get_item, search_items
from yiwang.catalog.services import save_item, set_item_active, spec_of
from yiwang.common.errors import NotFound, ValidationFailed

pytestmark = pytest.mark.django_db

CONTRACT_ITEM = {
    "code",
    "name",
    "department",
    "region",
    "legal_limit_days",
    "promised_limit_days",
    "case_type",
    "visits",
    "stars",
}


def test_list_has_the_contract_fields(catalog: None, client: Client) -> None:
    response = client.get("/api/v1/items")
    assert response.status_code == 200
    body = response.json()
    assert {"items", "total"} <= set(body)
    assert body["total"] == 33
    assert len(body["items"]) == 20  # the default page size
    for item in body["items"]:
        assert set(item) >= CONTRACT_ITEM
    first = body["items"][0]
    # Province first; names, not codes, in department and region.
    assert first["region"] == "吉林省"
    assert first["region_code"] == "220000"
    permit = next(i for i in body["items"] if i["code"] == "220000-JT-XK-001")
    assert permit == {
        **permit,
        "name": "超限运输车辆行驶公路许可",
        "department": "吉林省交通运输厅",
        "department_code": "220000-transport",
        "region": "吉林省",
        "legal_limit_days": 15,
        "promised_limit_days": 2,
        "case_type": "promised",
        "visits": 0,
        "stars": 5,
        "online_depth": 4,
        "accept_level": "own_hall",
    }


def test_pages(catalog: None, client: Client) -> None:
    second = client.get("/api/v1/items?page=2").json()
    assert second["total"] == 33
    assert len(second["items"]) == 13
    first = client.get("/api/v1/items?page=1").json()
    codes = [i["code"] for i in first["items"] + second["items"]]
    assert len(set(codes)) == 33
    assert client.get("/api/v1/items?page=3").json() == {
        "items": [],
        "total": 33,
        "page": 3,
        "page_size": 20,
    }
    small = client.get("/api/v1/items?page=4&page_size=5").json()
    assert [i["code"] for i in small["items"]] == codes[15:20]


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "", "100000000000000000000000"])
def test_bad_page_is_422_problem(catalog: None, client: Client, page: str) -> None:
    body = _problem(client.get(f"/api/v1/items?page={page}"), 422, "validation_failed")
    assert "Traceback" not in str(body)


@pytest.mark.parametrize("size", ["0", "101", "x"])
def test_bad_page_size_is_422_problem(catalog: None, client: Client, size: str) -> None:
    _problem(client.get(f"/api/v1/items?page_size={size}"), 422, "validation_failed")


def test_region_lists_the_items_of_that_regions_departments(catalog: None, client: Client) -> None:
    nanguan = client.get("/api/v1/items?region=220102").json()
    assert nanguan["total"] == 9
    assert {i["region_code"] for i in nanguan["items"]} == {"220102"}
    assert "220102-ZJ-XK-001" in {i["code"] for i in nanguan["items"]}

    wangqing = client.get("/api/v1/items?region=222424").json()
    assert {i["department"] for i in wangqing["items"]} == {
        "汪清县林业局",
        "汪清县市场监督管理局",
        "汪清县民政局",
    }
    township = client.get("/api/v1/items?region=222424102").json()
    assert township["total"] == 3
    assert {i["department"] for i in township["items"]} == {"汪清县天桥岭镇林业工作站"}
    below = client.get("/api/v1/items?region=222424&below=true").json()
    assert below["total"] == wangqing["total"] + township["total"]
    # An empty region (a form's "any" choice) is no filter.
    assert client.get("/api/v1/items?region=").json()["total"] == 33
    # A region with departments but no items of its own.
    assert client.get("/api/v1/items?region=220103").json()["total"] == 0


def test_unknown_region_is_404_and_malformed_region_is_422(catalog: None, client: Client) -> None:
    body = _problem(client.get("/api/v1/items?region=229999"), 404, "not_found")
    assert "229999" in body["detail"]
    for bad in ["22", "2201020", "abcdef", "220102%25"]:
        _problem(client.get(f"/api/v1/items?region={bad}"), 422, "validation_failed")


def test_q_matches_part_of_the_name(catalog: None, client: Client) -> None:
    body = client.get("/api/v1/items", {"q": "检疫"}).json()
    assert [i["name"] for i in body["items"]] == ["植物检疫证书核发"]
    both = client.get("/api/v1/items", {"q": "个体工商户"}).json()
    assert both["total"] == 2
    assert client.get("/api/v1/items", {"q": "个体工商户", "region": "222424"}).json()["total"] == 1
    assert client.get("/api/v1/items", {"q": "不存在的事项"}).json()["total"] == 0


@pytest.mark.parametrize(
    ("literal", "lookalike", "q"),
    [
        ("达标率100%事项", "达标率100分事项", "100%事"),
        ("测试_下划线事项", "测试A下划线事项", "测试_下划线"),
        ("反斜杠\\事项", "反斜杠事项", "杠\\事"),
    ],
)
def test_wildcards_in_q_are_literal(
    catalog: None, client: Client, literal: str, lookalike: str, q: str
) -> None:
    base = spec_of(get_item("220102-ZJ-XK-001"))
    save_item(replace(base, code="220102-ZJ-XK-101", name=literal), actor=Actor.system("test"))
    save_item(replace(base, code="220102-ZJ-XK-102", name=lookalike), actor=Actor.system("test"))
    body = client.get("/api/v1/items", {"q": q}).json()
    assert [i["name"] for i in body["items"]] == [literal]
    assert body["total"] == 1
    assert client.get("/api/v1/items", {"q": "%"}).json()["total"] == (1 if "%" in literal else 0)


def test_inactive_items_are_not_listed_but_keep_their_guide(catalog: None, client: Client) -> None:
    set_item_active(get_item("222424-LY-XK-002"), False, actor=Actor.system("test"))
    listed = client.get("/api/v1/items?region=222424").json()
    assert "222424-LY-XK-002" not in {i["code"] for i in listed["items"]}
    detail = client.get("/api/v1/items/222424-LY-XK-002").json()
    assert detail["is_active"] is False


def test_detail_has_materials_fees_process_and_delivery(catalog: None, client: Client) -> None:
    response = client.get("/api/v1/items/220102-ZJ-XK-001")
    assert response.status_code == 200
    item = response.json()
    assert set(item) >= CONTRACT_ITEM
    assert (item["promised_limit_days"], item["legal_limit_days"], item["stars"]) == (5, 20, 5)
    assert item["department"] == "长春市南关区住房和城乡建设局"
    assert item["region"] == "南关区"
    assert item["hall"] == "长春市南关区政务服务中心"
    for material in item["materials"]:
        assert {"code", "name", "required"} <= set(material)
    assert [m["code"] for m in item["materials"]][:2] == ["id-card", "application"]
    assert item["materials"][0]["license_type_code"] == "11100000081407311B001"
    assert item["fees"] == []
    assert [(s["order"], s["code"], s["role"], s["share_percent"]) for s in item["process"]] == [
        (1, "accept", "window_clerk", 20),
        (2, "review", "reviewer", 50),
        (3, "decide", "reviewer", 30),
    ]
    assert item["process"][0]["role_name"] == "窗口受理"
    assert {m["code"]: m["name"] for m in item["delivery_methods"]} == {
        "online": "网上下载/在线查看",
        "post": "快递送达",
        "window": "窗口领取",
    }
    for key in (
        "legal_basis",
        "conditions",
        "place",
        "hours",
        "consult_phone",
        "complaint_phone",
        "result_name",
    ):
        assert item[key], key
    assert "城市道路管理条例" in item["legal_basis"]
    assert {f["name"] for f in item["form_fields"]} >= {"location", "date_from", "date_to"}


def test_detail_of_an_item_with_fees_and_rules(catalog: None, client: Client) -> None:
    item = client.get("/api/v1/items/220000-GA-XK-001").json()
    assert item["case_type"] == "instant"
    assert item["stars"] == 4
    assert item["visits_reason"]
    assert item["fees"][0]["standard"].startswith("一次有效签注 15 元")
    assert item["auto_rules"] == [
        {"check": "hk_macao_pass_valid"},
        {"check": "no_exit_restriction"},
    ]


def test_unknown_item_is_404_problem(catalog: None, client: Client) -> None:
    body = _problem(client.get("/api/v1/items/220102-XX-XK-999"), 404, "not_found")
    assert "220102-XX-XK-999" in body["detail"]


def test_the_list_costs_the_same_queries_for_few_or_many_items(
    catalog: None, client: Client, django_assert_max_num_queries: Any
) -> None:
    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = count("/api/v1/items?page_size=2")
    many = count("/api/v1/items?page_size=100")
    with_region = count("/api/v1/items?page_size=100&region=220102")
    assert few == many
    assert with_region == many + 1  # the region lookup
    with django_assert_max_num_queries(2):
        client.get("/api/v1/items?page_size=100")
    with django_assert_max_num_queries(6):
        client.get("/api/v1/items/220000-JT-XK-001")


def test_everything_is_public(catalog: None, client: Client) -> None:
    assert client.get("/api/v1/items", HTTP_AUTHORIZATION="Bearer nonsense").status_code == 200
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/items" in spec["paths"]
    assert "/api/v1/items/{code}" in spec["paths"]


# --------------------------------------------------------------------------- selectors


def test_get_active_item_prefetches_what_cases_reads(
    catalog: None, django_assert_num_queries: Any
) -> None:
    item = get_active_item("222424-LY-XK-001")
    with django_assert_num_queries(0):
        assert next(m.code for m in item.materials.all()) == "quarantine-application"
        assert [(s.order, s.role.code) for s in item.steps.all()] == [
            (1, "station_clerk"),
            (2, "reviewer"),
            (3, "reviewer"),
        ]
        assert [m.code for m in item.delivery_methods.all()] == ["post"]
        assert item.department.code == "222424-forestry"
        assert item.department.hall is not None
        assert item.region.code == "222424"
        assert (item.case_type, item.promised_limit_days, item.legal_limit_days) == (
            "promised",
            3,
            20,
        )
        assert item.accept_level == "township"
        assert item.auto_rules == []
        assert item.form_fields[0]["name"] == "product_name"


def test_get_active_item_refuses_inactive_and_unknown_items(catalog: None) -> None:
    set_item_active(get_item("222424-LY-XK-002"), False, actor=Actor.system("test"))
    with pytest.raises(NotFound):
        get_active_item("222424-LY-XK-002")
    with pytest.raises(NotFound):
        get_active_item("nope")
    assert get_item("222424-LY-XK-002").code == "222424-LY-XK-002"


def test_search_items_checks_its_arguments(catalog: None) -> None:
    for kwargs in (
        {"page": 0},
        {"page_size": 0},
        {"page_size": 101},
        {"region": "22"},
        {"q": "事" * 101},
    ):
        with pytest.raises(ValidationFailed):
            search_items(**kwargs)  # type: ignore[arg-type]
    items, total = search_items(region="220100", page_size=3)
    assert total == 8
    assert len(items) == 3
