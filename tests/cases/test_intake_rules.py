"""The application rules exist once (cases.intake): the web form checks its values and
offers its stations with the same functions the cases service refuses with."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cases import items
from yiwang.cases.intake import intake_stations, value_problem
from yiwang.catalog.selectors import get_active_item
from yiwang.portal.forms_cases import apply_form, field_name, station_choices

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("spec", "value", "reason"),
    [
        ({"type": "number"}, -1, "不能为负数"),
        ({"type": "number"}, True, "应为数字"),
        ({"type": "number"}, "1e999", "应为数字"),
        ({"type": "date"}, "2026-2-1", "应为日期（YYYY-MM-DD）"),
        ({"type": "select", "options": ["a"]}, "b", "不是可选项之一"),
        ({"type": "text"}, "a\x07b", "含有不可见的控制字符"),
        ({"type": "text"}, "x" * 2001, "不能超过 2000 个字符"),
        ({"type": "boolean"}, "yes", "应为是或否"),
        ({"type": "text"}, "a\tb\n", ""),
        ({"type": "number"}, 0, ""),
    ],
)
def test_one_value_rule(spec: dict[str, Any], value: Any, reason: str) -> None:
    assert value_problem(spec, value) == reason


def test_the_form_refuses_what_the_service_would(world: dict[str, Any]) -> None:
    item = get_active_item(items.NANGUAN)
    data = {field_name(k): v for k, v in items.form_for(items.NANGUAN).items()}
    data["idempotency_key"] = "k-1"
    bell = {**data, field_name("location"): "南关区\x07人民大街"}
    form = apply_form(item, data=bell)
    assert not form.is_valid()
    assert form.errors[field_name("location")] == ["含有不可见的控制字符"]
    # The form's key is checked by the API's rule too: visible ASCII only.
    form = apply_form(item, data={**data, "idempotency_key": "键"})
    assert not form.is_valid()
    assert "idempotency_key" in form.errors


def test_the_form_offers_the_stations_the_service_accepts(world: dict[str, Any]) -> None:
    township_item = get_active_item(items.FORESTRY)
    stations = intake_stations(township_item)
    assert stations
    assert station_choices(township_item) == [(r.code, r.name) for r in stations]
    assert all(r.path.startswith(township_item.region.path) for r in stations)
    assert station_choices(get_active_item(items.NANGUAN)) == []
