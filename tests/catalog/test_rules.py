"""Every catalog rule rejects a bad copy of the demo data, names the item and the field,
and the loader then writes nothing; the star level is derived, never stored."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from tests.catalog.conftest import item_in
from yiwang.accounts.actor import Actor
from yiwang.catalog.models import DeliveryMethod, Fee, Material, ProcessStep, ServiceItem
from yiwang.catalog.services import load_catalog_data
from yiwang.common.errors import ValidationFailed
from yiwang.common.models import AuditEvent
from yiwang.org.models import Department

pytestmark = pytest.mark.django_db

Mutation = Callable[[dict[str, Any]], None]


def _steps(item: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted(item["process"], key=lambda s: s["order"])


def _set(**values: Any) -> Mutation:
    return lambda item: item.update(values)


# (item code, change, the field the error must name)
BAD: list[tuple[str, str, Mutation, str]] = [
    (
        "promised over legal",
        "220102-ZJ-XK-001",
        _set(promised_limit_days=21),
        "promised_limit_days",
    ),
    (
        "instant not same day",
        "220000-GA-XK-001",
        _set(promised_limit_days=1),
        "promised_limit_days",
    ),
    (
        "promised item promising 0 days",
        "220102-ZJ-XK-001",
        _set(promised_limit_days=0),
        "promised_limit_days",
    ),
    (
        "license over Art. 42 without a note",
        "220102-ZJ-XK-001",
        _set(legal_limit_days=30, limit_note=""),
        "limit_note",
    ),
    ("negative limit", "220102-ZJ-XK-001", _set(legal_limit_days=-1), "legal_limit_days"),
    ("visits without a reason", "220100-GA-XK-001", _set(visits_reason=""), "visits_reason"),
    (
        "zero visits with a reason",
        "220102-ZJ-XK-001",
        _set(visits_reason="须到现场"),
        "visits_reason",
    ),
    (
        "fully online but a visit",
        "220102-ZJ-XK-001",
        _set(visits=1, visits_reason="须到现场核验"),
        "online_depth",
    ),
    ("unknown case type", "220102-ZJ-XK-001", _set(case_type="urgent"), "case_type"),
    ("unknown item type", "220102-ZJ-XK-001", _set(item_type="permit"), "item_type"),
    ("unknown online depth", "220102-ZJ-XK-001", _set(online_depth=5), "online_depth"),
    (
        "unknown department",
        "220102-ZJ-XK-001",
        _set(department="220102-no-such-bureau"),
        "department",
    ),
    ("bad code", "220102-ZJ-XK-001", _set(code="220102 ZJ XK 001"), "code"),
    ("empty name", "220102-ZJ-XK-001", _set(name=" "), "name"),
    ("name too long", "220102-ZJ-XK-001", _set(name="事" * 201), "name"),
    ("steps not 1..n", "220102-ZJ-XK-001", lambda i: _steps(i)[2].update(order=4), "process"),
    (
        "shares not 100",
        "220102-ZJ-XK-001",
        lambda i: _steps(i)[0].update(share_percent=10),
        "process",
    ),
    ("no steps", "220102-ZJ-XK-001", _set(process=[]), "process"),
    (
        "unknown role",
        "220102-ZJ-XK-001",
        lambda i: _steps(i)[1].update(role="approver"),
        "process[2]",
    ),
    (
        "duplicate step code",
        "220102-ZJ-XK-001",
        lambda i: _steps(i)[2].update(code="review"),
        "process[3]",
    ),
    (
        "township acceptance of a province item",
        "220000-JT-XK-001",
        lambda i: (i.update(accept_level="township"), _steps(i)[0].update(role="station_clerk")),
        "accept_level",
    ),
    (
        "township acceptance not starting at the station",
        "222424-LY-XK-001",
        lambda i: _steps(i)[0].update(role="window_clerk"),
        "process",
    ),
    (
        "unknown delivery method",
        "220102-ZJ-XK-001",
        _set(delivery_methods=["online", "drone"]),
        "delivery_methods",
    ),
    ("no delivery method", "220102-ZJ-XK-001", _set(delivery_methods=[]), "delivery_methods"),
    (
        "duplicate material code",
        "220102-ZJ-XK-001",
        lambda i: i["materials"][1].update(code=i["materials"][0]["code"]),
        "materials[id-card]",
    ),
    (
        "license-library material without a type",
        "220102-ZJ-XK-001",
        lambda i: i["materials"][0].pop("license_type_code"),
        "materials[id-card]",
    ),
    (
        "license type with an invalid authority code",
        "220102-ZJ-XK-001",
        lambda i: i["materials"][0].update(license_type_code="11100000081407311C001"),
        "materials[id-card]",
    ),
    (
        "unknown material form",
        "220102-ZJ-XK-001",
        lambda i: i["materials"][1].update(form="fax"),
        "materials[application]",
    ),
    (
        "fee without a standard",
        "220000-GA-XK-001",
        lambda i: i["fees"][0].update(standard=""),
        "fees[0]",
    ),
    (
        "form field without a label",
        "220102-ZJ-XK-001",
        lambda i: i["form_fields"][1].pop("label"),
        "form_fields[1]",
    ),
    (
        "form field of an unknown type",
        "220102-ZJ-XK-001",
        lambda i: i["form_fields"][1].update(type="file"),
        "form_fields[1]",
    ),
    (
        "select without options",
        "220102-ZJ-XK-001",
        lambda i: i["form_fields"][0].pop("options"),
        "form_fields[0]",
    ),
    (
        "options on a text field",
        "220102-ZJ-XK-001",
        lambda i: i["form_fields"][1].update(options=["a"]),
        "form_fields[1]",
    ),
    (
        "duplicate form field",
        "220102-ZJ-XK-001",
        lambda i: i["form_fields"][2].update(name=i["form_fields"][1]["name"]),
        "form_fields[2]",
    ),
    (
        "bad form field name",
        "220102-ZJ-XK-001",
        lambda i: i["form_fields"][1].update(name="Place Name"),
        "form_fields[1]",
    ),
    ("form fields not a list", "220102-ZJ-XK-001", _set(form_fields={"a": 1}), "form_fields"),
    (
        "a date range ending at a text field",
        "220102-ZJ-XK-001",
        lambda i: i["form_fields"][4].update(not_before="location"),
        "form_fields[4]",
    ),
    (
        "a text field not before a date",
        "220102-ZJ-XK-001",
        lambda i: i["form_fields"][1].update(not_before="date_from"),
        "form_fields[1]",
    ),
    (
        "auto rules on a promised item",
        "220102-ZJ-XK-001",
        _set(auto_rules=[{"check": "resident_of_region"}]),
        "auto_rules",
    ),
    (
        "unknown auto check",
        "220000-GA-XK-001",
        lambda i: i["auto_rules"].append({"check": "looks_honest"}),
        "auto_rules[2]",
    ),
    (
        "auto rule with an unknown key",
        "220100-GA-GG-001",
        _set(auto_rules=[{"check": "resident_of_region", "when": "always"}]),
        "auto_rules[0]",
    ),
    (
        "duplicate auto check",
        "220100-GA-GG-001",
        _set(auto_rules=[{"check": "resident_of_region"}] * 2),
        "auto_rules[1]",
    ),
]


def _counts() -> tuple[int, ...]:
    return (
        ServiceItem.objects.count(),
        Material.objects.count(),
        Fee.objects.count(),
        ProcessStep.objects.count(),
        DeliveryMethod.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize(("why", "code", "change", "field"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_item_is_refused_and_nothing_is_written(
    jilin: None,
    catalog_data: dict[str, Any],
    write_catalog: Callable[[dict[str, Any]], Path],
    why: str,
    code: str,
    change: Mutation,
    field: str,
) -> None:
    data = copy.deepcopy(catalog_data)
    item = item_in(data, code)
    change(item)
    before = _counts()
    with pytest.raises(ValidationFailed) as failure:
        load_catalog_data(write_catalog(data), actor=Actor.system("test"))
    assert failure.value.status == 422
    # The error names the item and the field, in the detail and for programs.
    assert failure.value.extra["item"] == item["code"]
    assert failure.value.extra["field"] == field, failure.value.detail
    assert item["code"] in failure.value.detail
    assert field in failure.value.detail
    assert _counts() == before  # nothing at all, not even the valid items


@pytest.mark.parametrize(("why", "code", "change", "field"), BAD[:12], ids=[b[0] for b in BAD[:12]])
def test_a_bad_item_changes_nothing_in_a_loaded_catalog(
    catalog: None,
    catalog_data: dict[str, Any],
    write_catalog: Callable[[dict[str, Any]], Path],
    why: str,
    code: str,
    change: Mutation,
    field: str,
) -> None:
    data = copy.deepcopy(catalog_data)
    # A valid change earlier in the file must not be written either.
    item_in(data, "220000-JT-XK-001")["name"] = "超限运输车辆行驶公路许可（改）"
    change(item_in(data, code))
    before = _counts()
    with pytest.raises(ValidationFailed):
        load_catalog_data(write_catalog(data), actor=Actor.system("test"))
    assert _counts() == before
    assert ServiceItem.objects.get(code="220000-JT-XK-001").name == "超限运输车辆行驶公路许可"


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda d: d["items"][0].update(stars=5), "未知字段 stars"),
        (lambda d: d["items"].append(copy.deepcopy(d["items"][0])), "实施编码重复"),
        (lambda d: d.update(catalogue=[]), "未知的顶层字段"),
        (lambda d: d["items"][0].update(visits="0"), "visits 应为整数"),
        (lambda d: d["items"][0].update(is_active="yes"), "is_active 应为 true 或 false"),
        (lambda d: d["delivery_methods"].append({"code": "window", "name": "又一个"}), "重复"),
        (lambda d: d["items"][0]["materials"][0].update(colour="red"), "未知字段 colour"),
    ],
)
def test_malformed_files_are_refused_whole(
    jilin: None,
    catalog_data: dict[str, Any],
    write_catalog: Callable[[dict[str, Any]], Path],
    change: Callable[[dict[str, Any]], Any],
    says: str,
) -> None:
    data = copy.deepcopy(catalog_data)
    change(data)
    before = _counts()
    with pytest.raises(ValidationFailed, match=says):
        load_catalog_data(write_catalog(data), actor=Actor.system("test"))
    assert _counts() == before
    assert ServiceItem.objects.count() == 0


def test_not_json_is_a_validation_failure(jilin: None, tmp_path: Path) -> None:
    path = tmp_path / "items.json"
    path.write_text("{ not json", encoding="utf-8")
    with pytest.raises(ValidationFailed, match="不是有效的 JSON"):
        load_catalog_data(path, actor=Actor.system("test"))


def test_catalog_needs_the_org_data_first(db: None) -> None:
    with pytest.raises(ValidationFailed, match=r"实施主体 .* 不存在"):
        load_catalog_data(actor=Actor.system("test"))
    assert ServiceItem.objects.count() == 0


# --------------------------------------------------------------------------- stars


def _item(visits: int) -> ServiceItem:
    return ServiceItem(visits=visits)


@pytest.mark.parametrize(("visits", "stars"), [(0, 5), (1, 4), (2, 3), (3, 3), (10, 3)])
def test_stars_are_derived_from_visits(visits: int, stars: int) -> None:
    assert _item(visits).stars == stars


def test_stars_are_not_stored(catalog: None) -> None:
    assert "stars" not in {f.name for f in ServiceItem._meta.get_fields()}
    with connection.cursor() as cursor:
        columns = {
            c.name
            for c in connection.introspection.get_table_description(
                cursor, ServiceItem._meta.db_table
            )
        }
    assert "visits" in columns
    assert "stars" not in columns
    one_visit = ServiceItem.objects.get(code="220100-GA-XK-001")
    assert (one_visit.visits, one_visit.stars) == (1, 4)
    two_visits = ServiceItem.objects.get(code="222424-MZ-QR-001")
    assert (two_visits.visits, two_visits.stars) == (2, 3)
    online = ServiceItem.objects.get(code="220000-JT-XK-001")
    assert (online.visits, online.stars) == (0, 5)


# --------------------------------------------------------------------------- the database


def test_the_database_holds_instant_items_to_the_same_day(catalog: None) -> None:
    department = Department.objects.get(code="220102-civil-affairs")
    item = ServiceItem(
        code="220102-MZ-QR-999",
        name="即办件",
        item_type="confirmation",
        department=department,
        region=department.region,
        legal_limit_days=5,
        promised_limit_days=1,
        case_type="instant",
        visits=0,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        item.save()
