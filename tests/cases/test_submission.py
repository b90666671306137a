"""POST /cases: bad input is refused whole, idempotency keys, case numbers, query codes,
submission by a clerk for an applicant, and the public lookup."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.cases import items
from tests.cases.conftest import PDF, CaseApi, FrozenClock
from tests.problems import assert_problem as problem
from yiwang.cases.models import Case, CaseEvent, CaseMaterial, CaseNumberCounter
from yiwang.common.models import AuditEvent
from yiwang.common.models import IdempotencyRecord as IdempotencyKey
from yiwang.notify.models import Message

pytestmark = pytest.mark.django_db


def _nothing_stored() -> None:
    assert Case.objects.count() == 0
    assert CaseMaterial.objects.count() == 0
    assert CaseEvent.objects.count() == 0
    assert IdempotencyKey.objects.count() == 0
    assert not CaseNumberCounter.objects.exists()
    assert not Message.objects.filter(object_type="case").exists()
    assert not AuditEvent.objects.filter(object_type="cases.case").exists()


def _body(api: CaseApi, user: str, code: str = items.NANGUAN, **extra: Any) -> dict[str, Any]:
    return {
        "item_code": code,
        "form": items.form_for(code),
        "materials": api.materials_for(user, code),
        **extra,
    }


def test_an_unknown_item_is_404_and_stores_nothing(api: CaseApi) -> None:
    response = api.submit("citizen", {"item_code": "no-such-item", "form": {}, "materials": []})
    problem(response, 404)
    _nothing_stored()


def test_a_missing_required_material_is_422_naming_it(api: CaseApi) -> None:
    body = _body(api, "citizen")
    body["materials"] = [m for m in body["materials"] if m["material"] != "site-plan"]
    detail = problem(api.submit("citizen", body, key="k1"), 422, "materials_missing")
    assert detail["missing"] == [{"material": "site-plan", "name": "占用位置平面示意图"}]
    assert "占用位置平面示意图" in detail["detail"]
    body["materials"] = []
    detail = problem(api.submit("citizen", body), 422, "materials_missing")
    assert {m["material"] for m in detail["missing"]} == {
        "id-card",
        "application",
        "site-plan",
        "restoration-commitment",
    }
    _nothing_stored()


def test_someone_elses_upload_is_refused_and_nothing_is_stored(
    api: CaseApi, other_citizen: Any
) -> None:
    body = _body(api, "citizen")
    site_plan = next(m for m in body["materials"] if m["material"] == "site-plan")
    site_plan["upload_id"] = api.upload("lisi")  # not the applicant's file
    detail = problem(api.submit("citizen", body), 422, "upload_not_found")
    assert detail["materials"] == [{"material": "site-plan", "name": "占用位置平面示意图"}]
    site_plan["upload_id"] = "not-a-uuid"
    problem(api.submit("citizen", body), 422, "upload_not_found")
    _nothing_stored()


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"materials": [{"material": "passport", "upload_id": "x"}]}, "unknown_material"),
        ({"form": {}}, "form_incomplete"),
        ({"form": {**items.form_for(items.NANGUAN), "purpose": "野餐"}}, "form_invalid"),
        ({"form": {**items.form_for(items.NANGUAN), "area_m2": "十二"}}, "form_invalid"),
        ({"form": {**items.form_for(items.NANGUAN), "date_to": "下周"}}, "form_invalid"),
        ({"form": {**items.form_for(items.NANGUAN), "colour": "red"}}, "unknown_form_field"),
        # The same rules as the web form: a number is finite and not negative, a date is
        # YYYY-MM-DD, a required field of spaces is not filled in, text has no control codes.
        ({"form": {**items.form_for(items.NANGUAN), "area_m2": "nan"}}, "form_invalid"),
        ({"form": {**items.form_for(items.NANGUAN), "area_m2": "inf"}}, "form_invalid"),
        ({"form": {**items.form_for(items.NANGUAN), "area_m2": "1e999"}}, "form_invalid"),
        ({"form": {**items.form_for(items.NANGUAN), "area_m2": -12}}, "form_invalid"),
        ({"form": {**items.form_for(items.NANGUAN), "date_to": "20261020"}}, "form_invalid"),
        ({"form": {**items.form_for(items.NANGUAN), "location": "   "}}, "form_incomplete"),
        ({"form": {**items.form_for(items.NANGUAN), "location": "1 号\x1b[2J"}}, "form_invalid"),
        ({"delivery": "drone"}, "bad_delivery_method"),
        ({"item_code": ""}, "validation_failed"),
    ],
)
def test_other_bad_input_is_422(api: CaseApi, change: dict[str, Any], code: str) -> None:
    body = {**_body(api, "citizen"), **change}
    detail = problem(api.submit("citizen", body), 422, code)
    if code == "form_incomplete":
        assert ("占用地点" if body["form"] else "占用用途") in detail["detail"]
    _nothing_stored()


def test_a_date_range_that_ends_before_it_starts_is_422_naming_the_end(api: CaseApi) -> None:
    body = _body(api, "citizen")
    body["form"] = {**body["form"], "date_from": "2026-12-10", "date_to": "2026-12-01"}
    detail = problem(api.submit("citizen", body), 422, "form_invalid")
    assert detail["invalid"] == [
        {"name": "date_to", "label": "占用截止日期", "reason": "不得早于占用起始日期"}
    ]
    _nothing_stored()
    body["form"]["date_to"] = "2026-12-10"  # one day is a range
    assert api.submit("citizen", body).status_code == 201


def test_staff_cannot_apply_in_their_own_name(api: CaseApi) -> None:
    problem(api.submit("clerk-nanguan", _body(api, "clerk-nanguan")), 403, "staff_cannot_apply")
    problem(api.submit("admin", _body(api, "admin")), 403, "staff_cannot_apply")
    _nothing_stored()


def test_the_same_idempotency_key_returns_the_same_case(api: CaseApi) -> None:
    body = _body(api, "citizen")
    first = api.submit("citizen", body, key="apply-1")
    again = api.submit("citizen", body, key="apply-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Case.objects.count() == 1
    # A different body under a used key is a client error, not a second case.
    other = {**body, "form": {**body["form"], "location": "南关区另一条路"}}
    problem(api.submit("citizen", other, key="apply-1"), 409, "idempotency_key_reused")
    # Keys belong to their user: another applicant's same key is another case.
    enterprise = api.submit("enterprise", _body(api, "enterprise"), key="apply-1")
    assert enterprise.status_code == 201
    assert enterprise.json()["case_no"] != first.json()["case_no"]
    # Without a key, every submission is a new case.
    assert api.submit("citizen", body).json()["case_no"] != first.json()["case_no"]
    assert Case.objects.count() == 3


def test_case_numbers_run_per_region_and_day(api: CaseApi, frozen: FrozenClock) -> None:
    frozen.set("2026-11-26")
    numbers = [api.apply("citizen", items.NANGUAN)["case_no"] for _ in range(3)]
    assert numbers == [f"220102-20261126-00000{i}" for i in (1, 2, 3)]
    assert api.apply("citizen", items.FORESTRY, intake_region="222424102")["case_no"] == (
        "222424-20261126-000001"
    )
    frozen.set("2026-11-27")
    assert api.apply("citizen", items.NANGUAN)["case_no"] == "220102-20261127-000001"


def test_the_query_code_is_shown_once_stored_hashed_and_opens_the_public_status(
    api: CaseApi,
) -> None:
    created = api.apply("citizen", items.NANGUAN)
    case_no, code = created["case_no"], created["query_code"]
    stored = Case.objects.get(case_no=case_no)
    assert code not in stored.query_code_digest
    assert len(stored.query_code_digest) == 64

    public = api.get(None, f"/public/cases/{case_no}", code=code)
    assert public.status_code == 200
    body = public.json()
    assert set(body) == {
        "case_no",
        "item_name",
        "status",
        "status_label",
        "submitted_at",
        "accepted_at",
        "decided_at",
        "closed_at",
    }
    assert body["status"] == "submitted"
    assert "张三" not in public.content.decode()
    assert api.get(None, f"/public/cases/{case_no}", code=code.lower()).status_code == 200

    wrong = problem(api.get(None, f"/public/cases/{case_no}", code="AAAAAAAAAA"), 404)
    unknown = problem(api.get(None, "/public/cases/220102-20990101-000001", code=code), 404)
    assert wrong["code"] == unknown["code"] == "case_not_found"
    assert wrong["title"] == unknown["title"]
    problem(api.get(None, f"/public/cases/{case_no}"), 404)


def test_a_clerk_submits_for_a_citizen_at_the_window(api: CaseApi) -> None:
    body = _body(api, "clerk-nanguan", on_behalf_of="220102198806151015")
    created = api.submit("clerk-nanguan", body)
    assert created.status_code == 201, created.content
    case = Case.objects.get(case_no=created.json()["case_no"])
    assert (case.applicant.username, case.on_behalf_by.username, case.channel) == (  # type: ignore[union-attr]
        "citizen",
        "clerk-nanguan",
        "window",
    )
    mine = api.detail("citizen", case.case_no)
    assert mine["history"][0]["unit"] == "长春市南关区政务服务中心"
    assert mine["channel"] == "window"

    problem(
        api.submit("clerk-nanguan", {**body, "on_behalf_of": "11010519491231002X"}),
        422,
        "applicant_not_found",
    )
    # A county clerk elsewhere cannot take in a 南关区 item; a citizen cannot act for others.
    wangqing = _body(api, "clerk-wangqing", on_behalf_of="220102198806151015")
    problem(api.submit("clerk-wangqing", wangqing), 403, "outside_intake_scope")
    problem(
        api.submit("citizen", _body(api, "citizen", on_behalf_of="91220101MA17Y8K34M")),
        403,
        "not_a_clerk",
    )


def test_a_township_item_goes_to_a_station(api: CaseApi) -> None:
    body = _body(api, "citizen", items.FORESTRY)
    # 张三 lives in 南关区: the station must be named, one of 汪清县's townships.
    detail = problem(api.submit("citizen", body), 422, "intake_region_required")
    assert "222424102" in detail["allowed"]
    problem(api.submit("citizen", {**body, "intake_region": "220102001"}), 422, "bad_intake_region")
    # The station clerk taking it in for the applicant: their own station.
    station = _body(api, "clerk-tianqiaoling", items.FORESTRY, on_behalf_of="220102198806151015")
    created = api.submit("clerk-tianqiaoling", station)
    assert created.status_code == 201, created.content
    case = Case.objects.get(case_no=created.json()["case_no"])
    assert case.intake_region_id == "222424102"


def test_list_filters_are_checked(api: CaseApi) -> None:
    api.apply("citizen", items.NANGUAN)
    problem(api.get("citizen", "/cases", status="nonsense"), 422, "unknown_status")
    problem(api.get("citizen", "/cases", page=0), 422, "bad_page")
    # Past the database's integer range the offset was a 500 (SQLite "datatype
    # mismatch", PostgreSQL "bigint out of range").
    problem(api.get("citizen", "/cases", page=10**19), 422, "bad_page")
    problem(api.get("clerk-nanguan", "/cases", page=10_001), 422, "bad_page")
    assert api.get("citizen", "/cases", status="submitted").json()["total"] == 1
    assert api.get("citizen", "/cases", status="completed").json()["total"] == 0
    assert api.get("clerk-nanguan", "/cases", status="all").json()["total"] == 1


def test_a_forged_upload_never_reaches_a_case(api: CaseApi) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = api.client.post(
        "/api/v1/uploads",
        {"file": SimpleUploadedFile("申请书.pdf", b"MZ not a pdf", content_type="application/pdf")},
        **api.headers("citizen"),  # type: ignore[arg-type]
    )
    problem(response, 415)
    assert PDF.startswith(b"%PDF-")
    _nothing_stored()


def test_idempotency_keys_are_forgotten_after_a_day(api: CaseApi, frozen: FrozenClock) -> None:
    from yiwang.cases import tasks

    body = _body(api, "citizen")
    frozen.set("2026-11-26")
    first = api.submit("citizen", body, key="k").json()
    frozen.set("2026-11-27", hour=9)  # 23 hours later: still remembered
    assert tasks.purge_idempotency_keys.enqueue().return_value == {"deleted": 0}
    assert api.submit("citizen", body, key="k").json() == first
    frozen.set("2026-11-27", hour=11)
    assert tasks.purge_idempotency_keys.enqueue().return_value == {"deleted": 1}
    assert not IdempotencyKey.objects.exists()  # and with it the kept query code
    assert api.submit("citizen", body, key="k").json()["case_no"] != first["case_no"]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        # PostgreSQL holds no NUL in text or jsonb, and jsonb no NaN: each was a 500 there.
        ('"location": "南关区\\u0000人民大街"', "nul_character"),
        ('"purpose": "房屋装修", "\\u0000": "x"', "nul_character"),
        ('"area_m2": NaN', "bad_json"),
        ('"area_m2": Infinity', "bad_json"),
    ],
)
def test_what_the_database_cannot_hold_is_refused_before_it(
    api: CaseApi, raw: str, code: str
) -> None:
    body = _body(api, "citizen")
    form = json.dumps(body["form"], ensure_ascii=False)[:-1] + ", " + raw + "}"
    text = json.dumps({**body, "form": "FORM"}, ensure_ascii=False).replace('"FORM"', form)
    response = api.client.post(
        "/api/v1/cases",
        text,
        content_type="application/json",
        **api.headers("citizen"),  # type: ignore[arg-type]
    )
    problem(response, 400, code)
    _nothing_stored()


def test_a_nul_in_the_address_is_refused_before_any_lookup(api: CaseApi) -> None:
    case_no = api.apply("citizen", items.NANGUAN)["case_no"]
    for path in (
        f"/api/v1/cases/{case_no}%00",
        f"/api/v1/public/cases/{case_no}?code=%00",
        "/api/v1/items/220102%00",
        "/api/v1/items?q=%E5%8D%97%00",
    ):
        response = api.client.get(path, **api.headers("citizen"))  # type: ignore[arg-type]
        problem(response, 400, "nul_character")
    action = api.act("clerk-nanguan", f"{case_no}\x00", "accept")
    problem(action, 400, "nul_character")
    page = api.client.get("/items/220102%00/")
    assert page.status_code == 400
    assert "空字符" in page.content.decode()
    assert api.detail("citizen", case_no)["status"] == "submitted"


def test_an_application_on_a_saturday_arrives_on_saturday_or_monday_as_configured(
    api: CaseApi, frozen: FrozenClock, settings: Any
) -> None:
    frozen.set("2026-11-07")  # Saturday
    first = api.apply("citizen", items.NANGUAN)["case_no"]
    assert Case.objects.get(case_no=first).arrived_on.isoformat() == "2026-11-07"
    settings.YIWANG_ARRIVAL_RULE = "next_workday"
    second = api.apply("citizen", items.NANGUAN)["case_no"]
    case = Case.objects.get(case_no=second)
    assert case.arrived_on.isoformat() == "2026-11-09"
    # The Art. 32 window runs from Monday: its 5th working day is Monday Nov 16.
    assert case.due_on is not None
    assert case.due_on.isoformat() == "2026-11-16"
