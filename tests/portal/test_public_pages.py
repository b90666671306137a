"""The public pages: home, the directory of regions, halls and departments, errors."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _text(response: Any) -> str:
    return str(response.content.decode())


def _regions(data: dict[str, Any], level: str) -> list[dict[str, Any]]:
    return [r for r in data["regions"] if r["level"] == level]


def _halls(data: dict[str, Any], kind: str = "hall") -> list[dict[str, Any]]:
    return [h for h in data["halls"] if h.get("kind", "hall") == kind]


# --------------------------------------------------------------------------- home


def test_home_lists_all_nine_cities_and_prefectures_as_links(
    client: Client, jilin: None, jilin_data: dict[str, Any]
) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = _text(response)
    cities = _regions(jilin_data, "city")
    assert len(cities) == 9
    for city in cities:
        assert f'href="/directory/{city["code"]}/">{city["name"]}</a>' in html


def test_home_shows_the_directory_counts_and_a_login_call_to_action(
    client: Client, jilin: None, jilin_data: dict[str, Any]
) -> None:
    html = _text(client.get("/"))
    counts = dict(re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", html))
    assert counts["县（市、区）"] == str(len(_regions(jilin_data, "county")))
    assert counts["政务服务中心"] == str(len(_halls(jilin_data)))
    assert counts["进驻部门"] == str(len(jilin_data["departments"]))
    assert 'href="/login/"' in html
    assert "登录办事" in html


def test_home_renders_on_an_empty_database(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "吉林省政务服务网" in _text(response)


# --------------------------------------------------------------------------- directory


def test_directory_lists_every_county_level_unit_and_every_hall(
    client: Client, jilin: None, jilin_data: dict[str, Any]
) -> None:
    html = _text(client.get("/directory/"))
    counties = _regions(jilin_data, "county")
    halls = _halls(jilin_data)
    assert len(counties) == 60
    assert len(halls) == 70
    for county in counties:
        assert f'href="/directory/{county["code"]}/">{county["name"]}</a>' in html
    for city in _regions(jilin_data, "city"):
        assert f'href="/directory/{city["code"]}/">{city["name"]}</a>' in html
    for hall in halls:
        assert f'<span class="hall-name">{hall["name"]}</span>' in html
    assert len(re.findall(r'<span class="hall-name">', html)) == 70
    assert "全省 9 个市（州），60 个县级单位。" in html


def test_directory_groups_each_county_under_its_city(
    client: Client, jilin: None, jilin_data: dict[str, Any]
) -> None:
    html = _text(client.get("/directory/"))
    sections = re.split(r'<section class="directory-city"', html)[1:]
    by_city = {
        city["code"]: next(s for s in sections if f'id="region-{city["code"]}"' in s)
        for city in _regions(jilin_data, "city")
    }
    for county in _regions(jilin_data, "county"):
        assert f"/directory/{county['code']}/" in by_city[county["parent"]]


def test_directory_filter_without_javascript_is_a_plain_get_form(
    client: Client, jilin: None, jilin_data: dict[str, Any]
) -> None:
    html = _text(client.get("/directory/", {"q": "南关"}))
    assert '<form class="filter" role="search" method="get" action="/directory/">' in html
    assert 'value="南关"' in html
    assert "南关区" in html
    assert "<html" in html
    others = [c for c in _regions(jilin_data, "county") if "南关" not in c["name"]]
    for county in others:
        assert f'/directory/{county["code"]}/"' not in html
    assert "与“南关”匹配：1 个市（州），1 个县级单位。" in html


def test_directory_filter_by_city_keeps_all_its_units(
    client: Client, jilin: None, jilin_data: dict[str, Any]
) -> None:
    yanbian = next(c for c in _regions(jilin_data, "city") if c["name"].startswith("延边"))
    units = [c for c in _regions(jilin_data, "county") if c["parent"] == yanbian["code"]]
    html = _text(client.get("/directory/", {"q": "延边"}))
    for unit in units:
        assert f'/directory/{unit["code"]}/">{unit["name"]}</a>' in html
    changchun = next(c for c in _regions(jilin_data, "city") if c["name"] == "长春市")
    assert f'/directory/{changchun["code"]}/"' not in html


def test_directory_filter_with_no_match_says_so(client: Client, jilin: None) -> None:
    html = _text(client.get("/directory/", {"q": "不存在的地方"}))
    assert "没有与“不存在的地方”匹配的地区或大厅。" in html
    assert 'class="hall-name"' not in html


def test_htmx_request_gets_only_the_results_fragment(
    client: Client, jilin: None, jilin_data: dict[str, Any]
) -> None:
    response = client.get("/directory/", {"q": "南关"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = _text(response)
    assert "<html" not in html
    assert "site-header" not in html
    assert 'role="search"' not in html
    assert "南关区" in html
    # The live status is updated out of band, so screen readers hear the new count.
    assert '<p id="directory-status" hx-swap-oob="innerHTML">' in html
    assert "1 个县级单位" in html
    assert "HX-Request" in response["Vary"]
    lone = next(c for c in _regions(jilin_data, "county") if c["name"] == "延吉市")
    assert f"/directory/{lone['code']}/" not in html


def test_htmx_history_restore_gets_the_full_page(client: Client, jilin: None) -> None:
    response = client.get(
        "/directory/",
        {"q": "南关"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    assert "<html" in _text(response)


def test_the_filter_input_drives_htmx_and_is_labelled(client: Client, jilin: None) -> None:
    html = _text(client.get("/directory/"))
    assert 'hx-get="/directory/"' in html
    assert 'hx-target="#directory-results"' in html
    assert '<label for="id_q">' in html
    assert 'id="id_q"' in html
    assert '<div id="directory-results">' in html


def test_an_overlong_filter_is_ignored_not_an_error(client: Client, jilin: None) -> None:
    response = client.get("/directory/", {"q": "长" * 500})
    assert response.status_code == 200
    assert "全省 9 个市（州），60 个县级单位。" in _text(response)


# --------------------------------------------------------------------------- region pages


def test_county_page_shows_its_hall_departments_and_townships(
    client: Client, jilin: None, jilin_data: dict[str, Any]
) -> None:
    code = "220102"
    response = client.get(f"/directory/{code}/")
    assert response.status_code == 200
    html = _text(response)
    county = next(r for r in jilin_data["regions"] if r["code"] == code)
    assert f"<h1>{county['name']}</h1>" in html
    hall = next(h for h in _halls(jilin_data) if h["region"] == code)
    assert hall["name"] in html
    defaults = jilin_data["hall_defaults"]
    assert hall.get("phone", defaults["phone"]) in html
    assert hall.get("hours", defaults["hours"]) in html
    departments = [d for d in jilin_data["departments"] if d["region"] == code]
    assert departments
    for department in departments:
        assert f'<th scope="row">{department["name"]}</th>' in html
    townships = [r for r in jilin_data["regions"] if r.get("parent") == code]
    assert townships
    for township in townships:
        assert f'/directory/{township["code"]}/">{township["name"]}</a>' in html
    # Breadcrumbs lead back up: province, then city.
    assert '<li><a href="/directory/220000/">吉林省</a></li>' in html
    assert '<li><a href="/directory/220100/">长春市</a></li>' in html


def test_city_page_shows_its_counties_and_not_their_departments(
    client: Client, jilin: None, jilin_data: dict[str, Any]
) -> None:
    html = _text(client.get("/directory/220100/"))
    for county in [r for r in jilin_data["regions"] if r.get("parent") == "220100"]:
        assert f'/directory/{county["code"]}/">{county["name"]}</a>' in html
    own = [d for d in jilin_data["departments"] if d["region"] == "220100"]
    below = [d for d in jilin_data["departments"] if d["region"].startswith("220102")]
    for department in own:
        assert department["name"] in html
    for department in below:
        assert f'<th scope="row">{department["name"]}</th>' not in html


def test_township_page_lists_its_villages_and_its_centre(
    client: Client, jilin: None, jilin_data: dict[str, Any]
) -> None:
    village = next(r for r in jilin_data["regions"] if r["level"] == "village")
    township = next(r for r in jilin_data["regions"] if r["code"] == village["parent"])
    html = _text(client.get(f"/directory/{township['code']}/"))
    assert f'/directory/{village["code"]}/">{village["name"]}</a>' in html
    for hall in [h for h in jilin_data["halls"] if h["region"] == township["code"]]:
        assert hall["name"] in html
    village_html = _text(client.get(f"/directory/{village['code']}/"))
    crumb = f'<li><a href="/directory/{township["code"]}/">{township["name"]}</a></li>'
    assert crumb in village_html


def test_unknown_region_is_a_404_in_chinese(client: Client, jilin: None) -> None:
    response = client.get("/directory/229999/")
    assert response.status_code == 404
    html = _text(response)
    assert "页面不存在" in html
    assert "区划 229999 不存在" in html
    assert "Traceback" not in html


def test_malformed_region_code_is_a_404_page(client: Client, jilin: None) -> None:
    response = client.get("/directory/abc/")
    assert response.status_code == 404
    html = _text(response)
    assert "您访问的页面不存在" in html
    assert '<html lang="zh-hans">' in html


# --------------------------------------------------------------------------- query counts


def test_query_counts_stay_bounded(
    client: Client, jilin: None, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(5):
        client.get("/")
    with django_assert_max_num_queries(2):
        client.get("/directory/")
    with django_assert_max_num_queries(2):
        client.get("/directory/", {"q": "长"}, HTTP_HX_REQUEST="true")
    # The province page carries every region below it; a village page walks three parents.
    with django_assert_max_num_queries(4):
        client.get("/directory/220000/")
    with django_assert_max_num_queries(7):
        client.get("/directory/222424102201/")


# --------------------------------------------------------------------------- structure


class _Structure(HTMLParser):
    """Collects what the accessibility checks below look at."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.label_for: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "label" and attributes.get("for"):
            self.label_for.add(str(attributes["for"]))


def _structure(html: str) -> _Structure:
    parser = _Structure()
    parser.feed(html)
    return parser


@pytest.mark.parametrize("url", ["/", "/directory/", "/directory/220102/", "/login/"])
def test_pages_have_landmarks_skip_link_and_labelled_controls(
    client: Client, jilin: None, url: str
) -> None:
    html = _text(client.get(url))
    page = _structure(html)
    names = [t for t, _ in page.tags]
    assert names[0] == "html"
    assert page.tags[0][1]["lang"] == "zh-hans"
    for landmark in ("header", "nav", "main", "footer"):
        assert landmark in names, landmark
    assert names.count("h1") == 1
    first_link = next(a for t, a in page.tags if t == "a")
    assert first_link["href"] == "#main"
    assert first_link["class"] == "skip-link"
    assert any(t == "main" and a.get("id") == "main" for t, a in page.tags)
    for tag, attrs in page.tags:
        if tag in {"input", "select", "textarea"} and attrs.get("type") not in {
            "hidden",
            "submit",
        }:
            assert attrs.get("id") in page.label_for or attrs.get("aria-label"), attrs
    # Only local assets: no CDN, no external fonts.
    for tag, attrs in page.tags:
        for attr in ("src", "href"):
            value = attrs.get(attr) or ""
            if tag in {"script", "link", "img"}:
                assert not value.startswith(("http:", "https:", "//")), value


def _static(client: Client, path: str) -> bytes:
    response = client.get(path)
    try:
        assert response.status_code == 200, path
        return b"".join(response.streaming_content)  # type: ignore[attr-defined]
    finally:
        response.close()  # streamed from an open file


def test_static_assets_are_served_locally(client: Client) -> None:
    assert b":focus-visible" in _static(client, "/static/portal/portal.css")
    assert b"htmx" in _static(client, "/static/portal/vendor/htmx.min.js")
    assert b"Zero-Clause BSD" in _static(client, "/static/portal/vendor/htmx.LICENSE.txt")


def test_language_switch_gives_english_pages(client: Client, jilin: None) -> None:
    html = _text(client.get("/"))
    assert 'action="/i18n/setlang/"' in html
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/directory/"})
    assert response.status_code == 302
    assert response["Location"] == "/directory/"
    english = _text(client.get("/directory/"))
    assert '<html lang="en">' in english
    assert "Service halls and departments" in english
    assert "Skip to main content" in english
    # Names of places stay as they are.
    assert "南关区" in english


# --------------------------------------------------------------------------- personal data


def test_no_public_page_shows_the_citizens_id_number(
    client: Client, demo_users: dict[str, Any]
) -> None:
    id_number = demo_users["citizen"].citizen.id_number
    phone = demo_users["citizen"].citizen.phone
    public = ["/", "/directory/", "/directory/220102/", "/directory/220000/", "/login/"]
    for url in public:
        html = _text(client.get(url))
        assert id_number not in html, url
        assert phone not in html, url
    # Not even when the citizen is the one looking at them.
    client.post("/login/", {"username": "citizen", "password": "yiwang-demo-2026"})
    for url in public[:-1]:
        html = _text(client.get(url))
        assert id_number not in html, url
        assert "张三" in html  # signed in: their name in the header, nothing more
