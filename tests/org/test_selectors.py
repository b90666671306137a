"""Directory reads: right answers, and query counts that do not grow with the rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from yiwang.accounts.actor import Actor
from yiwang.common.errors import NotFound
from yiwang.org.selectors import (
    departments_in,
    directory_counts,
    get_region,
    halls_in,
    posts_by_code,
    region_tree,
    regions_below,
)
from yiwang.org.services import DEFAULT_DATA_FILE, load_org_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiny(tmp_path: Path) -> None:
    """The same file cut down to the province, one city, one county and their halls."""
    data = json.loads(DEFAULT_DATA_FILE.read_text(encoding="utf-8"))
    keep = {"220000", "220100", "220102"}
    data["regions"] = [r for r in data["regions"] if r["code"] in keep]
    data["halls"] = [h for h in data["halls"] if h["region"] in keep]
    data["departments"] = [d for d in data["departments"] if d["region"] in keep]
    halls = {h["code"] for h in data["halls"]}
    depts = {d["code"] for d in data["departments"]}
    data["posts"] = [
        p for p in data["posts"] if p.get("hall") in halls or p.get("department") in depts
    ]
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    load_org_data(path, actor=Actor.system("seed"))


def walk_tree(nodes: list[Any]) -> tuple[int, int]:
    """Touch everything a directory page shows; returns (regions, halls)."""
    regions = halls = 0
    for node in nodes:
        regions += 1
        assert node.name
        assert node.level
        for hall in node.halls:
            halls += 1
            assert hall.name
            assert hall.region.name
        r, h = walk_tree(node.children)
        regions += r
        halls += h
    return regions, halls


def test_region_tree_is_province_cities_counties_in_order_with_halls(jilin: None) -> None:
    roots = region_tree()
    assert [n.code for n in roots] == ["220000"]
    province = roots[0]
    assert [h.name for h in province.halls] == ["吉林省政务服务中心"]
    assert [c.code for c in province.children] == [
        "220100",
        "220200",
        "220300",
        "220400",
        "220500",
        "220600",
        "220700",
        "220800",
        "222400",
    ]
    changchun = province.children[0]
    assert len(changchun.children) == 11
    assert changchun.children[0].name == "南关区"
    assert changchun.children[-1].name == "公主岭市"
    assert sum(len(c.children) for c in province.children) == 60
    nanguan = changchun.children[0]
    assert [h.name for h in nanguan.halls] == ["长春市南关区政务服务中心"]
    assert nanguan.children == []  # townships are below the default depth
    assert walk_tree(roots) == (70, 70)


def test_region_tree_can_go_down_to_townships(jilin: None) -> None:
    roots = region_tree(down_to="township")
    nanguan = roots[0].children[0].children[0]
    assert [t.name for t in nanguan.children][:2] == ["南岭街道", "自强街道"]
    assert nanguan.children[0].halls[0].kind == "township_centre"
    with pytest.raises(ValueError, match="unknown region level"):
        region_tree(down_to="galaxy")


@pytest.mark.parametrize("dataset", ["tiny", "jilin"])
def test_region_tree_queries_do_not_grow(
    dataset: str, request: pytest.FixtureRequest, django_assert_max_num_queries: Any
) -> None:
    request.getfixturevalue(dataset)
    with django_assert_max_num_queries(2):
        regions, halls = walk_tree(region_tree(down_to="village"))
    assert regions >= 3
    assert halls >= 3


def test_regions_below_is_a_prefix_match(jilin: None) -> None:
    codes = list(regions_below("220102").values_list("code", flat=True))
    assert codes[0] == "220102"
    assert set(codes) == {
        "220102",
        "220102001",
        "220102002",
        "220102003",
        "220102008",
        "220102200",
    }
    assert "220102" not in set(
        regions_below(get_region("220102"), include_self=False).values_list("code", flat=True)
    )
    wangqing = set(regions_below("222424").values_list("code", flat=True))
    assert "222424102200" in wangqing  # villages too
    assert len(regions_below("220000")) == 81


def test_halls_and_departments_in_a_region(jilin: None) -> None:
    changchun = get_region("220100")
    halls = list(halls_in(changchun))
    # the city's hall, 11 county-level halls, 5 township centres in 南关区
    assert len(halls) == 17
    assert halls[0].name == "长春市政务服务中心"
    assert [h.name for h in halls_in(changchun, below=False)] == ["长春市政务服务中心"]
    names = [d.name for d in departments_in("220102")]
    assert "长春市南关区市场监督管理局" in names
    assert len(names) == 4
    assert [d.name for d in departments_in("222424102")] == ["汪清县天桥岭镇林业工作站"]
    assert len(departments_in("220000")) == len(departments_in("220000", below=True))
    assert all(d.region.code == "220000" for d in departments_in("220000", below=False))


@pytest.mark.parametrize("dataset", ["tiny", "jilin"])
def test_list_queries_do_not_grow(
    dataset: str, request: pytest.FixtureRequest, django_assert_max_num_queries: Any
) -> None:
    request.getfixturevalue(dataset)
    province = get_region("220000")
    with django_assert_max_num_queries(1):
        assert all(h.region.name for h in halls_in(province))
    with django_assert_max_num_queries(1):
        for dept in departments_in(province):
            assert dept.region.name
            assert dept.hall is None or dept.hall.name
    with django_assert_max_num_queries(1):
        assert list(regions_below(province))


def test_get_region_raises_not_found(jilin: None) -> None:
    assert get_region("222424").name == "汪清县"
    with pytest.raises(NotFound):
        get_region("999999")


def test_directory_counts(jilin: None, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(3):
        counts = directory_counts()
    assert counts.cities == 9
    assert counts.counties == 60
    assert counts.townships == 9
    assert counts.villages == 2
    assert counts.halls == 70
    assert counts.stations == 9
    assert counts.departments == 22


def test_posts_by_code_keeps_the_order_and_names_missing_ones(
    jilin: None, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(1):
        posts = posts_by_code(["220102-market-reviewer", "220102-hall-window"])
        assert [p.code for p in posts] == ["220102-market-reviewer", "220102-hall-window"]
        assert posts[0].region.code == "220102"
        assert posts[1].unit.name == "长春市南关区政务服务中心"
        assert posts[0].role.code == "reviewer"
    with pytest.raises(NotFound, match="no-such-post"):
        posts_by_code(["220102-hall-window", "no-such-post"])
