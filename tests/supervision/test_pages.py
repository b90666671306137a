"""The monitor pages (drill-down in the address, the polled partial, scope, masking),
the cards page with its answer form, and the public star levels (page and API)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from tests.problems import assert_problem
from tests.supervision.conftest import WANGQING_ITEM, MakeCase
from yiwang.catalog.models import ServiceItem
from yiwang.supervision import cards, stars
from yiwang.supervision.models import Card

pytestmark = pytest.mark.django_db

WED = date(2026, 9, 30)
PASSWORD = "yiwang-demo-2026"


def _signed_in(client: Client, username: str) -> Client:
    assert client.login(username=username, password=PASSWORD)
    return client


def test_the_province_drills_down_to_an_overdue_case_in_nanguan(
    client: Client, make_case: MakeCase, frozen: Any
) -> None:
    frozen.set(WED)
    red = make_case(date(2026, 9, 29), staff="reviewer-nanguan")
    _signed_in(client, "supervisor-jilin")
    top = client.get("/supervision/")
    assert top.status_code == 200
    html = top.content.decode()
    assert 'href="/supervision/?region=220100"' in html
    assert "长春市" in html
    assert 'hx-trigger="every 30s"' in html  # the figures poll themselves
    city = client.get("/supervision/?region=220100").content.decode()
    assert 'href="/supervision/?region=220102"' in city
    county = client.get("/supervision/?region=220102").content.decode()
    assert "hall=hall-220102" in county
    hall = client.get("/supervision/?region=220102&hall=hall-220102").content.decode()
    code = red.department.code
    assert f"department={code}" in hall
    leaf = client.get(f"/supervision/?region=220102&hall=hall-220102&department={code}")
    body = leaf.content.decode()
    assert red.case_no in body
    assert "红牌：已超期" in body
    assert "张*" in body
    assert "张三" not in body
    assert "赵刚" in body  # the responsible reviewer


def test_the_poll_gets_the_partial_only(client: Client, make_case: MakeCase, frozen: Any) -> None:
    frozen.set(WED)
    make_case(date(2026, 9, 29))
    _signed_in(client, "supervisor-jilin")
    partial = client.get("/supervision/?region=220102", HTTP_HX_REQUEST="true")
    html = partial.content.decode()
    assert html.lstrip().startswith('<div id="monitor"')
    assert "<html" not in html
    assert 'data-figure="red">' in html


def test_a_city_supervisor_never_sees_another_city_on_the_pages(
    client: Client, make_case: MakeCase, frozen: Any
) -> None:
    frozen.set(WED)
    make_case(date(2026, 9, 29), item=WANGQING_ITEM)
    _signed_in(client, "supervisor-changchun")
    page = client.get("/supervision/").content.decode()
    assert "汪清" not in page
    assert "延边" not in page
    assert client.get("/supervision/?region=222424").status_code == 404
    assert client.get("/supervision/?region=220000").status_code == 404
    red_list = client.get("/supervision/?colour=red").content.decode()
    assert "没有红牌或黄牌办件" in red_list


def test_others_are_refused_the_monitor(client: Client, world: Any) -> None:
    assert client.get("/supervision/").status_code == 302  # to the sign-in page
    _signed_in(client, "clerk-nanguan")
    assert client.get("/supervision/").status_code == 403


def test_the_unit_answers_its_card_on_the_cards_page(client: Client, make_case: MakeCase) -> None:
    case = make_case(date(2026, 9, 29), staff="reviewer-nanguan")
    cards.sweep_cards(on=WED)
    card = Card.objects.get()
    _signed_in(client, "reviewer-nanguan")
    page = client.get("/supervision/cards/").content.decode()
    assert case.case_no in page
    assert "红牌" in page
    answered = client.post(
        f"/supervision/cards/{card.pk}/answer/", {"explanation": "已联系申请人补正，今日办结。"}
    )
    assert answered.status_code == 302
    card.refresh_from_db()
    assert card.answer == "已联系申请人补正，今日办结。"
    client.logout()
    _signed_in(client, "clerk-wangqing")
    assert case.case_no not in client.get("/supervision/cards/").content.decode()
    client.post(f"/supervision/cards/{card.pk}/answer/", {"explanation": "x"})
    card.refresh_from_db()
    assert card.answer == "已联系申请人补正，今日办结。"


# --- star levels ------------------------------------------------------------------------------


@pytest.mark.parametrize(("visits", "level"), [(0, 5), (1, 4), (2, 3), (5, 3)])
def test_the_star_level_of_a_number_of_visits(visits: int, level: int) -> None:
    assert stars.stars_of(visits) == level


def test_the_star_figures_equal_a_direct_count(world: Any) -> None:
    items = ServiceItem.objects.filter(is_active=True)
    province = stars.province_summary()
    assert province.total == items.count()
    assert province.counts[5] == items.filter(visits=0).count()
    assert province.counts[4] == items.filter(visits=1).count()
    assert province.counts[3] == items.filter(visits__gte=2).count()
    nanguan = stars.hall_stars("hall-220102")
    in_hall = items.filter(department__hall__code="hall-220102")
    assert nanguan.summary.total == in_hall.count() > 0
    assert [level for level, _ in nanguan.items] == sorted(
        (stars.stars_of(i.visits) for i in in_hall), reverse=True
    )


def test_the_public_stars_api_and_page(client: Client, world: Any) -> None:
    body = client.get("/api/v1/public/stars").json()
    assert body["province"]["total"] == ServiceItem.objects.filter(is_active=True).count()
    assert any(h["key"] == "hall-220102" for h in body["halls"])
    one = client.get("/api/v1/public/stars?hall=hall-220102").json()
    assert one["hall"]["key"] == "hall-220102"
    assert one["items"]
    assert all(i["stars"] == stars.stars_of(i["visits"]) for i in one["items"])
    assert_problem(client.get("/api/v1/public/stars?hall=nope"), 404, "hall_not_found")
    page = client.get("/public/stars/?hall=hall-220102")
    assert page.status_code == 200
    assert "全省总体情况" in page.content.decode()
    assert "南关区" in page.content.decode()
    assert client.get("/public/stars/?department=nope").status_code == 404


def test_the_workspace_links_the_monitor_for_supervisors_only(client: Client, world: Any) -> None:
    _signed_in(client, "supervisor-changchun")
    assert 'href="/supervision/"' in client.get("/workspace/").content.decode()
    client.logout()
    _signed_in(client, "clerk-nanguan")
    page = client.get("/workspace/").content.decode()
    assert 'href="/supervision/"' not in page
    assert 'href="/supervision/cards/"' in page


def test_the_monitor_and_the_statistics_speak_english_and_link_each_other(
    client: Client, make_case: MakeCase, frozen: Any
) -> None:
    frozen.set(WED)
    make_case(date(2026, 9, 29))
    _signed_in(client, "supervisor-jilin")
    monitor = client.get("/supervision/").content.decode()
    assert 'href="/supervision/statistics/"' in monitor
    assert 'href="/rectifications/"' in monitor
    english = client.get("/supervision/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Supervision · open cases, live" in english
    assert "Red cards (overdue)" in english
    assert "在办件实时监控" not in english
    stats = client.get("/supervision/statistics/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'href="/supervision/"' in stats
    assert "Headline figures" in stats
