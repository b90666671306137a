"""The Jilin data file itself: shape, real codes, valid synthetic USCCs, the demo posts.

These read the JSON directly (no database) and check it with rules written out here,
independently of the loader's own validation.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from yiwang.common.permissions import Permission
from yiwang.org.services import DEFAULT_DATA_FILE, uscc_problem


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    return json.loads(DEFAULT_DATA_FILE.read_text(encoding="utf-8"))


def by_level(data: dict[str, Any], level: str) -> list[dict[str, Any]]:
    return [r for r in data["regions"] if r["level"] == level]


# GB 32100 / GB 11714, written out again from domain-rules.md so the test does not
# trust the code under test.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def independent_uscc_ok(code: str) -> bool:
    if len(code) != 18 or any(c not in ALPHABET for c in code):
        return False
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    s = sum(ALPHABET.index(c) * w for c, w in zip(code[:17], weights, strict=True))
    if ALPHABET[(31 - s % 31) % 31] != code[17]:
        return False
    org = code[8:17]
    s2 = sum(
        (int(c) if c.isdigit() else ord(c) - ord("A") + 10) * w
        for c, w in zip(org[:8], [3, 7, 9, 10, 5, 8, 4, 2], strict=True)
    )
    c9 = 11 - s2 % 11
    return org[8] == {10: "X", 11: "0"}.get(c9, str(c9))


def test_province_and_nine_cities(data: dict[str, Any]) -> None:
    provinces = by_level(data, "province")
    assert [(p["code"], p["name"]) for p in provinces] == [("220000", "吉林省")]
    cities = {c["code"]: c["name"] for c in by_level(data, "city")}
    assert cities == {
        "220100": "长春市",
        "220200": "吉林市",
        "220300": "四平市",
        "220400": "辽源市",
        "220500": "通化市",
        "220600": "白山市",
        "220700": "松原市",
        "220800": "白城市",
        "222400": "延边朝鲜族自治州",
    }
    assert all(c["parent"] == "220000" for c in by_level(data, "city"))


def test_sixty_county_level_units_under_the_right_city(data: dict[str, Any]) -> None:
    counties = by_level(data, "county")
    assert len(counties) == 60
    assert len({c["code"] for c in counties}) == 60
    for county in counties:
        code, parent = county["code"], county["parent"]
        assert len(code) == 6
        assert code.isdigit()
        assert parent == code[:4] + "00", county
        assert not code.endswith("00")
    per_city: dict[str, int] = {}
    for county in counties:
        per_city[county["parent"]] = per_city.get(county["parent"], 0) + 1
    assert per_city == {
        "220100": 11,
        "220200": 9,
        "220300": 5,
        "220400": 4,
        "220500": 7,
        "220600": 6,
        "220700": 5,
        "220800": 5,
        "222400": 8,
    }


def test_known_county_codes(data: dict[str, Any]) -> None:
    names = {r["code"]: r["name"] for r in data["regions"]}
    assert names["220184"] == "公主岭市"  # moved from 四平 to 长春 in 2020
    assert "220381" not in names  # its old code
    assert names["220102"] == "南关区"
    assert names["220113"] == "九台区"
    assert names["220581"] == "梅河口市"
    assert names["220605"] == "江源区"
    assert names["220781"] == "扶余市"
    assert names["222424"] == "汪清县"
    assert names["222426"] == "安图县"


def test_townships_of_nanguan_and_wangqing(data: dict[str, Any]) -> None:
    townships = {r["code"]: r for r in by_level(data, "township")}
    assert townships["220102001"]["name"] == "南岭街道"
    assert townships["220102200"]["name"] == "幸福乡"
    for code, name in [
        ("222424100", "汪清镇"),
        ("222424101", "大兴沟镇"),
        ("222424102", "天桥岭镇"),
        ("222424103", "罗子沟镇"),
    ]:
        assert townships[code]["name"] == name
    for code, township in townships.items():
        assert len(code) == 9
        assert township["parent"] == code[:6]
    villages = by_level(data, "village")
    assert villages
    for village in villages:
        assert len(village["code"]) == 12
        assert village["parent"] == village["code"][:9]
        assert village["parent"] in townships


def test_one_hall_per_province_city_and_county(data: dict[str, Any]) -> None:
    halls = [h for h in data["halls"] if h.get("kind", "hall") == "hall"]
    assert len(halls) == 70
    upper = {r["code"] for r in data["regions"] if r["level"] in {"province", "city", "county"}}
    assert sorted(h["region"] for h in halls) == sorted(upper)
    names = {h["region"]: h["name"] for h in halls}
    assert names["220000"] == "吉林省政务服务中心"
    assert names["220100"] == "长春市政务服务中心"
    assert names["220102"] == "长春市南关区政务服务中心"
    assert names["222424"] == "汪清县政务服务中心"
    assert len(set(names.values())) == 70


def test_every_township_has_a_service_centre(data: dict[str, Any]) -> None:
    centres = {h["region"] for h in data["halls"] if h.get("kind") == "township_centre"}
    assert centres == {r["code"] for r in by_level(data, "township")}


def test_every_department_uscc_is_valid_and_unique(data: dict[str, Any]) -> None:
    usccs = [d["uscc"] for d in data["departments"]]
    assert all(usccs)
    assert len(set(usccs)) == len(usccs)
    for dept in data["departments"]:
        assert independent_uscc_ok(dept["uscc"]), dept
        assert uscc_problem(dept["uscc"]) is None
        # The region code inside the USCC is the department's county-or-above region.
        assert dept["uscc"][2:8] == dept["region"][:6]


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("91110000600037341L", True),  # domain-rules.md vector
        ("91110000600037341M", False),  # wrong check char
        ("9111000060003734", False),  # too short
        ("91110000600037341I", False),  # I is not in the alphabet
        ("91110000600037342X", False),
    ],
)
def test_uscc_vectors(code: str, ok: bool) -> None:
    assert independent_uscc_ok(code) is ok
    assert (uscc_problem(code) is None) is ok


def test_an_otherwise_valid_uscc_with_a_bad_organisation_code_is_rejected() -> None:
    # Organisation code 600037342 fails GB 11714 (the check is 1); recompute the
    # GB 32100 check character so only the embedded check is wrong.
    body = "91110000600037342"
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    s = sum(ALPHABET.index(c) * w for c, w in zip(body, weights, strict=True))
    code = body + ALPHABET[(31 - s % 31) % 31]
    problem = uscc_problem(code)
    assert problem is not None
    assert "organisation code 600037342" in problem


def test_roles_grant_only_known_permissions(data: dict[str, Any]) -> None:
    known = {p.value for p in Permission}
    roles = {r["code"]: r for r in data["roles"]}
    assert set(roles) >= {
        "window_clerk",
        "reviewer",
        "supervisor",
        "platform_admin",
        "credit_publisher",
        "station_clerk",
    }
    for role in roles.values():
        assert set(role["permissions"]) <= known, role
    assert roles["supervisor"]["scope"] == "region_below"
    assert Permission.SUPERVISION_VIEW in roles["supervisor"]["permissions"]
    assert Permission.CASE_ACCEPT in roles["window_clerk"]["permissions"]
    assert Permission.CASE_DECIDE in roles["reviewer"]["permissions"]
    assert Permission.PLATFORM_ADMIN in roles["platform_admin"]["permissions"]


def test_demo_posts_exist_in_the_right_units(data: dict[str, Any]) -> None:
    """The accounts seed attaches demo users to these post codes."""
    posts = {p["code"]: p for p in data["posts"]}
    departments = {d["code"]: d for d in data["departments"]}
    halls = {h["code"]: h for h in data["halls"]}

    def unit_region(post: dict[str, Any]) -> str:
        if post.get("hall"):
            return str(halls[post["hall"]]["region"])
        return str(departments[post["department"]]["region"])

    expected = {
        "220102-hall-window": ("window_clerk", "220102"),
        "220102-market-reviewer": ("reviewer", "220102"),
        "220000-supervisor": ("supervisor", "220000"),
        "220000-platform-admin": ("platform_admin", "220000"),
        "220000-transport-reviewer": ("reviewer", "220000"),
        "222424-forestry-reviewer": ("reviewer", "222424"),
        "222424102-centre-clerk": ("station_clerk", "222424102"),
        "222424102-forestry-station-clerk": ("station_clerk", "222424102"),
    }
    for code, (role, region) in expected.items():
        assert posts[code]["role"] == role
        assert unit_region(posts[code]) == region
    assert posts["220102-hall-window"]["hall"] == "hall-220102"
    # The 南关区 reviewers sit in departments stationed in the 南关区 hall.
    reviewers = [
        p for p in posts.values() if p["role"] == "reviewer" and unit_region(p) == "220102"
    ]
    assert len(reviewers) >= 1
    for post in reviewers:
        assert departments[post["department"]]["hall"] == "hall-220102"
    for post in posts.values():
        assert bool(post.get("hall")) != bool(post.get("department")), post
