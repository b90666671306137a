"""The public search: any part of the name (2+ characters) taken literally, or a USCC;
ranking, the cap on counting, the indexes kept in sync; on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings

from tests.credit.conftest import MakeEnterprise
from yiwang.common.errors import BadRequest
from yiwang.credit import selectors
from yiwang.credit.ingest import cleaning, loader
from yiwang.credit.models import Enterprise

NAMES = [
    "长春一网示范科技有限公司",
    "长春一网示范科技有限公司南关分公司",
    "吉林省一网示范数据股份有限公司",
    "吉林市100%纯净水有限公司",
    "白山_下划线商贸有限公司",
    '延边"引号"贸易有限公司',
    "通化'单引号'商店",
    "四平反斜杠\\五金店",
    "通化ABC科技（集团）有限公司",
    "松原市长春路便利店",
]


@pytest.fixture
def names(make_enterprise: MakeEnterprise) -> dict[str, Enterprise]:
    return {n: make_enterprise(name=n) for n in NAMES}


def _names(q: str, **kwargs: Any) -> list[str]:
    return [e.name for e in selectors.search_enterprises(q, **kwargs).items]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("0%", ["吉林市100%纯净水有限公司"]),
        ("100%纯", ["吉林市100%纯净水有限公司"]),
        ("%%", []),
        ("长春%", []),  # % is a character, not "anything"
        ("_下", ["白山_下划线商贸有限公司"]),
        ("山_下划", ["白山_下划线商贸有限公司"]),
        ("__", []),
        ("一_示", []),  # _ is a character, not "any one"
        ('"引号"', ['延边"引号"贸易有限公司']),
        ('"引', ['延边"引号"贸易有限公司']),
        ("'单引号'", ["通化'单引号'商店"]),
        ("化'", ["通化'单引号'商店"]),
        ("斜杠\\五", ["四平反斜杠\\五金店"]),
        ("\\五", ["四平反斜杠\\五金店"]),
        ("' OR '1'='1", []),
        ("'; DROP TABLE credit_enterprise; --", []),
        ("NEAR", []),  # an FTS5 operator is a word like any other
        ("一网 OR 纯净", []),
        ("abc", ["通化ABC科技（集团）有限公司"]),  # letters match in either case
        ("(集团)", ["通化ABC科技（集团）有限公司"]),  # brackets as people type them
    ],
)
def test_wildcards_and_sql_are_taken_literally(names: Any, q: str, expected: list[str]) -> None:
    assert _names(q) == expected
    assert Enterprise.objects.count() == len(NAMES)


@pytest.mark.parametrize(
    ("q", "count"),
    [("示范", 3), ("一网示", 3), ("一网示范", 3), ("长春", 3), ("有限公司", 7), ("南关分公司", 1)],
)
def test_two_three_and_four_characters(names: Any, q: str, count: int) -> None:
    result = selectors.search_enterprises(q)
    assert result.total == count
    assert not result.capped
    assert all(q in e.name for e in result.items)


def test_the_exact_name_first_then_names_starting_with_it(names: Any) -> None:
    assert _names("长春一网示范科技有限公司") == [
        "长春一网示范科技有限公司",
        "长春一网示范科技有限公司南关分公司",
    ]
    assert _names("长春")[:2] == ["长春一网示范科技有限公司", "长春一网示范科技有限公司南关分公司"]
    assert _names("长春")[-1] == "松原市长春路便利店"


def test_by_uscc(names: Any) -> None:
    e = names["白山_下划线商贸有限公司"]
    result = selectors.search_enterprises(e.uscc.lower())
    assert result.by_uscc
    assert [x.pk for x in result.items] == [e.pk]
    assert selectors.search_enterprises("91110000600037341L").items == []  # valid, not registered


@pytest.mark.parametrize(
    ("q", "rule"),
    [
        ("91110000600037341X", "check_char"),
        ("9111000060003734", "length"),
        ("9111000060003734111", "length"),
        ("91110000600O37341L", "charset"),
    ],
)
def test_a_malformed_uscc_is_a_clear_400(db: Any, q: str, rule: str) -> None:
    with pytest.raises(BadRequest) as exc:
        selectors.search_enterprises(q)
    assert exc.value.code == "invalid_uscc"
    assert exc.value.extra["rule"] == rule
    assert "统一社会信用代码" in exc.value.detail


@pytest.mark.parametrize(
    ("q", "code"),
    [
        ("", "query_too_short"),
        ("长", "query_too_short"),
        ("  % ", "query_too_short"),
        ("长" * 101, "query_too_long"),
    ],
)
def test_too_short_or_too_long(db: Any, q: str, code: str) -> None:
    with pytest.raises(BadRequest) as exc:
        selectors.search_enterprises(q)
    assert exc.value.code == code


def test_counting_stops_at_the_cap_and_pages_with_it(make_enterprise: MakeEnterprise) -> None:
    for i in range(7):
        make_enterprise(name=f"长春测试{i}号有限公司")
    with override_settings(YIWANG_CREDIT={"SEARCH_CAP": 5, "PAGE_SIZE": 2}):
        first = selectors.search_enterprises("测试")
        assert (first.total, first.capped, first.pages, len(first.items)) == (5, True, 3, 2)
        assert len(selectors.search_enterprises("测试", page=3).items) == 1
        assert selectors.search_enterprises("测试", page=4).items == []
    exact = selectors.search_enterprises("测试")
    assert (exact.total, exact.capped) == (7, False)
    with pytest.raises(BadRequest):
        selectors.search_enterprises("测试", page=0)


def test_the_query_count_does_not_grow_with_matches(
    make_enterprise: MakeEnterprise, django_assert_max_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(q: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            selectors.search_enterprises(q)
        return len(captured)

    make_enterprise(name="长春测试甲号有限公司")
    few = [queries(q) for q in ("测试", "长春测试")]
    for i in range(30):
        make_enterprise(name=f"长春测试{i}号有限公司")
    assert [queries(q) for q in ("测试", "长春测试")] == few
    assert max(few) <= 10  # PostgreSQL: savepoint, estimate, row count, settings, matches, ...
    with django_assert_max_num_queries(1):
        selectors.search_enterprises("91110000600037341L")  # a code: one indexed look-up


def test_renames_and_new_rows_reach_the_index(names: Any) -> None:
    e = names["长春一网示范科技有限公司"]
    row = {f: getattr(e, f) for f in cleaning.ENTERPRISE_FIELDS} | {
        "name": "长春新名称软件有限公司"
    }
    row = {k: ("" if v is None else str(v)) for k, v in row.items()}
    with transaction.atomic():
        counts = loader.upsert_enterprises(
            [(1, cleaning.clean_enterprise_row(row, today=date(2030, 1, 1)))]
        )
    assert counts.updated == 1
    assert "长春新名称软件有限公司" in _names("新名称")
    assert "长春新名称软件有限公司" in _names("名称")
    assert "长春一网示范科技有限公司" not in _names("示范科技")
    assert "长春一网示范科技有限公司" not in _names("示范")


def test_a_capped_answer_carries_an_estimate_on_postgresql(make_enterprise: MakeEnterprise) -> None:
    from django.db import connection

    for i in range(5):
        make_enterprise(name=f"长春测试{i}号有限公司")
    with override_settings(YIWANG_CREDIT={"SEARCH_CAP": 3}):
        page = selectors.search_enterprises("测试")
        assert page.capped
        if connection.vendor == "postgresql":
            assert page.estimate is not None
            assert page.estimate >= 3
        else:
            assert page.estimate is None
    assert selectors.search_enterprises("测试").estimate is None  # not capped: the count is exact
