"""The public approval pages: the item search (办事指南), an item's guide, and the case
lookup by number and query code."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from tests.portal.approval import ENDORSE, FORESTRY, NANGUAN, ZHANG_SAN_ID, submit_through_services

pytestmark = pytest.mark.django_db


def _text(response: Any) -> str:
    return str(response.content.decode())


def _visible(html: str) -> str:
    """The page's text without tags (what a reader sees)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --------------------------------------------------------------------------- search


def test_item_search_lists_items_with_stars_limits_and_case_type(
    client: Client, world: dict[str, Any]
) -> None:
    response = client.get("/items/", {"q": "临时占用城市道路"})
    assert response.status_code == 200
    text = _visible(_text(response))
    assert "临时占用城市道路审批" in text
    assert "长春市南关区住房和城乡建设局" in text or "南关区" in text
    assert "5 星" in text
    assert "承诺件" in text
    assert "承诺时限 5 个工作日" in text
    assert "法定时限 20 个工作日" in text
    assert f'href="/items/{NANGUAN}/"' in _text(response)
    # Only what matches
    assert "植物检疫证书核发" not in text


def test_item_search_by_region_includes_the_regions_below(
    client: Client, world: dict[str, Any]
) -> None:
    text = _visible(_text(client.get("/items/", {"region": "222424"})))
    assert "植物检疫证书核发" in text  # the county forestry bureau
    assert "林业技术指导服务" in text  # a 天桥岭镇 station's own item
    assert "临时占用城市道路审批" not in text  # 南关区
    instant = _visible(_text(client.get("/items/", {"q": "再次签注"})))
    assert "即办件" in instant
    assert "当场办结" in instant
    assert "4 星" in instant  # one visit to the kiosk


def test_item_search_answers_htmx_with_the_results_fragment_only(
    client: Client, world: dict[str, Any]
) -> None:
    response = client.get("/items/", {"q": "签注"}, HTTP_HX_REQUEST="true")
    html = _text(response)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="item-results">')
    assert "<html" not in html
    assert "往来港澳通行证再次签注" in html
    assert "HX-Request" in response["Vary"]


def test_item_search_refuses_bad_filters_with_a_message_not_an_error_page(
    client: Client, world: dict[str, Any]
) -> None:
    response = client.get("/items/", {"q": "x" * 101})
    # the form caps the query at 100 characters: treated as no filter, not a crash
    assert response.status_code == 200
    response = client.get("/items/", {"region": "999999", "q": "签注", "page": "x"})
    assert response.status_code == 200  # the bad region and page are ignored, not the query
    text = _visible(_text(response))
    assert "往来港澳通行证再次签注" in text
    assert "临时占用城市道路审批" not in text
    deep = client.get("/items/", {"page": "500"})
    assert deep.status_code == 200


# --------------------------------------------------------------------------- the guide


def test_item_guide_shows_everything_a_person_needs_and_the_apply_button(
    client: Client, world: dict[str, Any]
) -> None:
    response = client.get(f"/items/{FORESTRY}/")
    assert response.status_code == 200
    html = _text(response)
    text = _visible(html)
    assert "<h1>植物检疫证书核发</h1>" in html
    for material in ("森林植物检疫报检单", "产地检疫合格证或产地证明", "调运物品清单"):
        assert material in text
    assert text.count("必要") >= 4
    assert "法定办结时限 20 个工作日" in text
    assert "承诺办结时限 3 个工作日" in text
    assert "4 星级事项" in text
    assert "需到现场 1 次" in text
    assert "到现场原因：应施检疫的森林植物及其产品须现场检疫" in text
    assert "不收费" in text
    assert "天桥岭镇林业工作站" in text  # the place
    assert "周一至周五" in text  # the hours
    assert 'href="tel:12345"' in html  # phones
    assert "快递送达" in text  # delivery
    assert "乡镇林业站受理报检" in text  # a process step
    assert "由乡镇（街道）便民服务站受理" in text
    assert f'href="/items/{FORESTRY}/apply/"' in html
    assert "在线申请" in text


def test_item_guide_lists_fees_and_optional_materials(
    client: Client, world: dict[str, Any]
) -> None:
    text = _visible(_text(client.get(f"/items/{ENDORSE}/")))
    assert "往来港澳通行证签注费" in text
    assert "一次有效签注 15 元/件" in text
    assert "非必要" in text  # the kinship proof
    assert "当场办结（即办件）" in text


def test_unknown_item_is_a_chinese_404(client: Client, world: dict[str, Any]) -> None:
    response = client.get("/items/NO-SUCH-ITEM/")
    assert response.status_code == 404
    assert "事项 NO-SUCH-ITEM 不存在" in _text(response)


# --------------------------------------------------------------------------- lookup


def test_public_lookup_shows_the_status_and_nothing_personal(
    client: Client, world: dict[str, Any]
) -> None:
    submission = submit_through_services(world["citizen"], NANGUAN)
    response = client.post(
        "/lookup/", {"case_no": submission.case.case_no, "code": submission.query_code.lower()}
    )
    assert response.status_code == 200
    html = _text(response)
    text = _visible(html)
    assert submission.case.case_no in text
    assert "临时占用城市道路审批" in text
    assert "已提交（待受理）" in text
    for personal in ("张三", ZHANG_SAN_ID, "138", "人民大街", "citizen"):
        assert personal not in text, personal


def test_public_lookup_with_a_wrong_code_says_not_found(
    client: Client, world: dict[str, Any]
) -> None:
    submission = submit_through_services(world["citizen"], NANGUAN)
    response = client.post("/lookup/", {"case_no": submission.case.case_no, "code": "WRONG23456"})
    assert response.status_code == 404
    assert "不存在或查询码不正确" in _text(response)
    assert "临时占用城市道路审批" not in _visible(_text(response))
    assert client.post("/lookup/", {"case_no": ""}).status_code == 400
