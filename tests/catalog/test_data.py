"""The demo catalog file itself: size, spread over the four levels, the items issue 3
names and their properties, and that every item passes the catalog rules."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from yiwang.catalog.rules import KNOWN_AUTO_CHECKS, check_item
from yiwang.catalog.services import DEFAULT_DATA_FILE, parse_catalog
from yiwang.org.services import DEFAULT_DATA_FILE as ORG_FILE

DATA: dict[str, Any] = json.loads(DEFAULT_DATA_FILE.read_text(encoding="utf-8"))
ORG: dict[str, Any] = json.loads(ORG_FILE.read_text(encoding="utf-8"))
DEPARTMENTS = {d["code"]: d for d in ORG["departments"]}
REGION_LEVELS = {r["code"]: r["level"] for r in ORG["regions"]}
POSTS = ORG["posts"]


def by_name(name: str) -> list[dict[str, Any]]:
    found = [i for i in DATA["items"] if i["name"] == name]
    assert found, f"no item named {name}"
    return found


def level_of(item: dict[str, Any]) -> str:
    return REGION_LEVELS[DEPARTMENTS[item["department"]]["region"]]


def roles(item: dict[str, Any]) -> list[str]:
    return [s["role"] for s in sorted(item["process"], key=lambda s: s["order"])]


def test_at_least_thirty_items_across_the_four_levels() -> None:
    assert len(DATA["items"]) >= 30
    levels = {level_of(i) for i in DATA["items"]}
    assert {"province", "city", "county", "township"} <= levels
    regions = {DEPARTMENTS[i["department"]]["region"] for i in DATA["items"]}
    # 长春市, 南关区 and 汪清县 are all there, and the province.
    assert {"220000", "220100", "220102", "222424"} <= regions


def test_codes_follow_the_documented_scheme() -> None:
    scheme = re.compile(r"^(\d{6}|\d{9})-(GA|JT|SCJG|LY|ZJ|FG|MZ|RS)-(XK|QR|JF|GG|QT)-\d{3}$")
    codes = [i["code"] for i in DATA["items"]]
    assert len(set(codes)) == len(codes)
    for item in DATA["items"]:
        assert scheme.match(item["code"]), item["code"]
        # The prefix is the implementing department's region.
        assert item["code"].split("-")[0] == DEPARTMENTS[item["department"]]["region"]


def test_delivery_methods() -> None:
    methods = {m["code"]: m for m in DATA["delivery_methods"]}
    assert set(methods) == {"window", "post", "self_print", "e_license", "online"}
    assert methods["window"]["name"] == "窗口领取"
    assert methods["post"] == {"code": "post", "name": "快递送达", "needs_tracking": True}
    assert methods["self_print"]["name"] == "自助打印"
    assert methods["e_license"]["name"] == "电子证照"
    assert not any(m["needs_tracking"] for c, m in methods.items() if c != "post")


def test_stars_are_never_written_in_the_data() -> None:
    for item in DATA["items"]:
        assert "stars" not in item


def test_over_limit_transport_permit() -> None:
    [item] = by_name("超限运输车辆行驶公路许可")
    assert item["department"] == "220000-transport"
    assert level_of(item) == "province"
    assert item["online_depth"] == 4  # 全程网办
    assert item["visits"] == 0
    assert set(item["delivery_methods"]) == {"post", "self_print"}
    assert set(roles(item)) == {"reviewer"}
    assert item["promised_limit_days"] <= item["legal_limit_days"]
    assert "超限运输车辆行驶公路管理规定" in item["legal_basis"]


@pytest.mark.parametrize("name", ["植物检疫证书核发", "木材运输证核发"])
def test_wangqing_forestry_items_are_accepted_at_the_township_station(name: str) -> None:
    [item] = by_name(name)
    assert item["department"] == "222424-forestry"
    assert level_of(item) == "county"
    assert item["accept_level"] == "township"
    assert roles(item)[0] == "station_clerk"
    assert set(roles(item)[1:]) == {"reviewer"}
    assert item["delivery_methods"] == ["post"]
    # The demo posts that handle it: the 天桥岭镇 forestry station clerk, the county reviewer.
    station = {p["code"]: p for p in POSTS}["222424102-forestry-station-clerk"]
    assert station["role"] == "station_clerk"
    assert DEPARTMENTS[station["department"]]["region"].startswith("222424")
    assert any(p["role"] == "reviewer" and p.get("department") == "222424-forestry" for p in POSTS)


def test_reendorsement_is_instant_at_a_kiosk_and_decided_by_rules() -> None:
    [item] = by_name("往来港澳通行证再次签注")
    assert DEPARTMENTS[item["department"]]["name"] in {"吉林省公安厅", "长春市公安局"}
    assert item["case_type"] == "instant"
    assert item["promised_limit_days"] == 0
    assert item["delivery_methods"] == ["self_print"]
    assert item["auto_rules"] == [
        {"check": "hk_macao_pass_valid"},
        {"check": "no_exit_restriction"},
    ]
    assert item["visits"] == 1
    assert item["visits_reason"]


def test_residence_proof_is_an_instant_online_proof() -> None:
    [item] = by_name("居住证明")
    assert item["case_type"] == "instant"
    assert item["promised_limit_days"] == 0
    assert item["online_depth"] == 4
    assert item["visits"] == 0
    assert "online" in item["delivery_methods"]
    assert item["auto_rules"] == [{"check": "resident_of_region"}]
    # 张三 (citizen, 220102 南关区) lives inside the item's region (长春市).
    assert "220102".startswith(DEPARTMENTS[item["department"]]["region"][:4])


def test_the_nanguan_item_for_the_demo_citizen() -> None:
    item = next(i for i in DATA["items"] if i["code"] == "220102-ZJ-XK-001")
    department = DEPARTMENTS[item["department"]]
    assert department["region"] == "220102"
    assert department["hall"] == "hall-220102"
    assert (item["promised_limit_days"], item["legal_limit_days"]) == (5, 20)
    assert item["case_type"] == "promised"
    assert item["service_object"] in {"citizen", "both"}
    assert item["online_depth"] == 4
    assert item["visits"] == 0
    assert roles(item) == ["window_clerk", "reviewer", "reviewer"]
    assert item.get("accept_level", "own_hall") == "own_hall"  # the default
    # clerk-nanguan holds the hall's window post, reviewer-nanguan the department's reviewer post.
    posts = {p["code"]: p for p in POSTS}
    assert posts["220102-hall-window"]["hall"] == department["hall"]
    assert posts["220102-housing-reviewer"]["department"] == item["department"]


def test_most_items_are_free_and_fees_are_complete() -> None:
    free = [i for i in DATA["items"] if not i["fees"]]
    assert len(free) > len(DATA["items"]) / 2
    for item in DATA["items"]:
        for fee in item["fees"]:
            assert fee["name"]
            assert fee["standard"]
            assert fee["basis"]


def test_every_item_has_a_legal_basis_conditions_and_a_result() -> None:
    for item in DATA["items"]:
        assert "《" in item["legal_basis"], item["code"]
        assert item["conditions"], item["code"]
        assert item["result_name"], item["code"]
        assert item["materials"], item["code"]
        assert item["form_fields"], item["code"]


def test_stars_vary_across_the_catalog() -> None:
    visits = {i["visits"] for i in DATA["items"]}
    assert {0, 1, 2} <= visits
    for item in DATA["items"]:
        assert bool(item["visits"]) == bool(item.get("visits_reason")), item["code"]


@pytest.mark.django_db
def test_every_item_passes_the_rules(jilin: None) -> None:
    from yiwang.catalog.rules import current_context

    methods, specs = parse_catalog(DATA)
    context = current_context(m.code for m in methods)
    for spec in specs:
        check_item(spec, context)
    assert {c for s in specs for r in s.auto_rules for c in [r["check"]]} <= set(KNOWN_AUTO_CHECKS)
