"""One Idempotency-Key mechanism (common.idempotency, decision 0009), for every create
endpoint of every app: the same key and body answer the same, another body is 409
`idempotency_key_reused`, a bad key is 422 `bad_idempotency_key` (never truncated), and
concurrent first uses make one record."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from django.test import Client
from django.utils import timezone

from tests import seeding
from tests.cases import items as demo_items
from tests.credit.conftest import DEMO_USCC, DISCLOSURE, build_enterprise, report_data
from tests.problems import assert_problem
from tests.racing import race
from tests.uploads import samples
from yiwang.accounts.actor import Actor
from yiwang.cases.models import Case
from yiwang.common import idempotency
from yiwang.common.models import IdempotencyRecord
from yiwang.credit.models import (
    AnnualReport,
    Disclosure,
    ImmediateInfo,
    ListEntry,
    RemovalApplication,
)
from yiwang.feedback.models import Evaluation
from yiwang.investment.models import Project
from yiwang.investment.services import load_category_rules
from yiwang.licenses.models import License
from yiwang.licenses.services import load_license_types, load_proof_types
from yiwang.uploads.models import Upload

API = "/api/v1"

# --------------------------------------------------------------------------- the key


@pytest.mark.parametrize(
    ("raw", "key"),
    [(None, ""), ("", ""), ("   ", ""), (" k-1 ", "k-1"), ("a b", "a b"), ("x" * 100, "x" * 100)],
)
def test_a_good_key_is_taken_trimmed_and_whole(raw: str | None, key: str) -> None:
    assert idempotency.parse_key(raw) == key


@pytest.mark.parametrize(
    "raw", ["x" * 101, "k" * 1000, "键", "k\x00", "k\tk", "k\u00e9", "k\ud800"]
)
def test_a_long_or_malformed_key_is_refused_never_truncated(raw: str) -> None:
    with pytest.raises(idempotency.BadIdempotencyKey) as refused:
        idempotency.parse_key(raw)
    assert (refused.value.code, refused.value.status) == ("bad_idempotency_key", 422)


def test_the_fingerprint_covers_operation_actor_and_body() -> None:
    base = idempotency.fingerprint("cases.submit", "user:1", {"a": 1, "b": [1, 2]})
    assert base == idempotency.fingerprint("cases.submit", "user:1", {"b": [1, 2], "a": 1})
    assert base != idempotency.fingerprint("uploads.store", "user:1", {"a": 1, "b": [1, 2]})
    assert base != idempotency.fingerprint("cases.submit", "user:2", {"a": 1, "b": [1, 2]})
    assert base != idempotency.fingerprint("cases.submit", "user:1", {"a": 1, "b": [2, 1]})
    assert len(base) == 64


def test_the_fingerprint_does_not_crash_on_text_utf8_cannot_encode() -> None:
    # A lone surrogate cannot be encoded to UTF-8; the canonical JSON escapes it.
    one = idempotency.fingerprint("op", "user:1", {"name": "a\ud800b"})
    other = idempotency.fingerprint("op", "user:1", {"name": "a\ud801b"})
    assert one != other
    assert idempotency.canonical_json({"x": "\udfff"}) == b'{"x":"\\udfff"}'


# --------------------------------------------------------------------------- endpoints


@dataclass(frozen=True)
class Endpoint:
    """A create endpoint: who calls it, what it makes, and how to build its request."""

    name: str
    user: str
    model: type[Model]
    # (ctx) -> (url, request builder, another body's request builder); a builder makes the
    # client.post keyword arguments afresh (an uploaded file can be read once).
    prepare: Callable[[Ctx], tuple[str, Builder, Builder]]


Builder = Callable[[], dict[str, Any]]


class Ctx:
    def __init__(self, client: Client, tokens: dict[str, str]) -> None:
        self.client = client
        self.tokens = tokens

    def auth(self, user: str) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.tokens[user]}"}

    def upload(self, user: str) -> str:
        response = self.client.post(
            f"{API}/uploads",
            {"file": SimpleUploadedFile("材料.pdf", samples.pdf(), "application/pdf")},
            **self.auth(user),  # type: ignore[arg-type]
        )
        assert response.status_code == 201, response.content
        return str(response.json()["upload_id"])


def _json(body: dict[str, Any]) -> Builder:
    return lambda: {"data": body, "content_type": "application/json"}


def _cases(ctx: Ctx) -> tuple[str, Builder, Builder]:
    from yiwang.catalog.models import ServiceItem

    item = ServiceItem.objects.get(code=demo_items.NANGUAN)
    required = list(item.materials.filter(required=True).order_by("sort_order", "code"))

    def body() -> dict[str, Any]:
        return {
            "item_code": item.code,
            "form": demo_items.form_for(item.code),
            "materials": [
                {"material": m.code, "upload_id": ctx.upload("citizen")} for m in required
            ],
        }

    return f"{API}/cases", _json(body()), _json(body())  # other files: another application


def _uploads(ctx: Ctx) -> tuple[str, Builder, Builder]:
    def file(content: bytes, name: str, kind: str) -> Builder:
        return lambda: {"data": {"file": SimpleUploadedFile(name, content, kind)}}

    return (
        f"{API}/uploads",
        file(samples.pdf(), "a.pdf", "application/pdf"),
        file(samples.png(), "b.png", "image/png"),
    )


LISTING = {"list": "abnormal", "cause": "unreachable", "reason": "无法联系"}


def _disclosures(ctx: Ctx) -> tuple[str, Builder, Builder]:
    url = f"{API}/credit/enterprises/{DEMO_USCC}/disclosures"
    return url, _json(DISCLOSURE), _json(DISCLOSURE | {"title": "虚假宣传"})


def _list_entries(ctx: Ctx) -> tuple[str, Builder, Builder]:
    url = f"{API}/credit/enterprises/{DEMO_USCC}/list-entries"
    return url, _json(LISTING), _json(LISTING | {"reason": "通过登记的住所无法联系"})


def _removal_applications(ctx: Ctx) -> tuple[str, Builder, Builder]:
    listed = ctx.client.post(
        f"{API}/credit/enterprises/{DEMO_USCC}/list-entries",
        LISTING,
        content_type="application/json",
        **ctx.auth("publisher-jilin-market"),  # type: ignore[arg-type]
    )
    assert listed.status_code == 201, listed.content
    url = f"{API}/enterprise/list-entries/{listed.json()['id']}/removal-application"
    return url, _json({"statement": "已变更住所"}), _json({"statement": "已恢复联系"})


def _annual_reports(ctx: Ctx) -> tuple[str, Builder, Builder]:
    year = timezone.localdate().year - 1
    return (
        f"{API}/enterprise/annual-reports",
        _json(report_data(year=year)),
        _json(report_data(year=year, employees=13)),
    )


def _immediate_info(ctx: Ctx) -> tuple[str, Builder, Builder]:
    body = {"kind": "license", "changed_on": "2026-01-05", "content": "取得许可"}
    return (
        f"{API}/enterprise/immediate-info",
        _json(body),
        _json(body | {"content": "取得道路运输经营许可"}),
    )


PERMIT = {
    "type_code": "111000000603213830002",
    "issuer": "220000-transport",
    "holder": {"kind": "entity", "code": DEMO_USCC, "name": "长春一网示范科技有限公司"},
    "metadata": {"plate_no": "吉A12345"},
    "valid_from": "2026-05-10",
    "valid_until": "2026-05-20",
}


def _licenses(ctx: Ctx) -> tuple[str, Builder, Builder]:
    other = PERMIT | {"metadata": {"plate_no": "吉A54321"}}
    return f"{API}/licenses", _json(PERMIT), _json(other)


def _license_versions(ctx: Ctx) -> tuple[str, Builder, Builder]:
    issued = ctx.client.post(
        f"{API}/licenses",
        PERMIT,
        content_type="application/json",
        **ctx.auth("reviewer-jilin-transport"),  # type: ignore[arg-type]
    )
    assert issued.status_code == 201, issued.content
    url = f"{API}/licenses/{issued.json()['identifier']}/versions"
    body = {"reason": "更换牵引车", "metadata": {"plate_no": "吉A99999"}}
    return url, _json(body), _json(body | {"reason": "更换挂车"})


def _proofs(ctx: Ctx) -> tuple[str, Builder, Builder]:
    # Two kinds the demo registries confirm for 张三 (his home and his flat).
    return f"{API}/proofs", _json({"kind": "residence"}), _json({"kind": "property"})


def _evaluations(ctx: Ctx) -> tuple[str, Builder, Builder]:
    # The kiosk's instant endorsement completes in the submitting request: rateable.
    from yiwang.catalog.models import ServiceItem

    item = ServiceItem.objects.get(code=demo_items.ENDORSE)
    required = list(item.materials.filter(required=True).order_by("sort_order", "code"))
    made = ctx.client.post(
        f"{API}/cases",
        {
            "item_code": item.code,
            "form": demo_items.form_for(item.code),
            "materials": [
                {"material": m.code, "upload_id": ctx.upload("citizen")} for m in required
            ],
            "channel": "kiosk",
        },
        content_type="application/json",
        **ctx.auth("citizen"),  # type: ignore[arg-type]
    )
    assert made.status_code == 201, made.content
    assert made.json()["status"] == "completed"
    url = f"{API}/cases/{made.json()['case_no']}/evaluation"
    return url, _json({"score": 5, "indicators": ["attitude"]}), _json({"score": 4})


def _projects(ctx: Ctx) -> tuple[str, Builder, Builder]:
    # A 备案 project of the demo enterprise, filed at once (the certificate is issued).
    body = {
        "name": "软件研发中心建设项目",
        "region": "220102",
        "industry": "65",
        "content": "新建研发楼 1 栋",
        "total_investment": "3000",
        "funding": "enterprise",
        "planned_start": "2027-03-01",
        "planned_end": "2028-06-30",
        "file": True,
    }
    return f"{API}/projects", _json(body), _json(body | {"name": "另一个项目"})


#: Every create endpoint of every app (decision 0009 lists them).
ENDPOINTS = [
    Endpoint("POST /cases", "citizen", Case, _cases),
    Endpoint("POST /uploads", "citizen", Upload, _uploads),
    Endpoint("POST /credit/…/disclosures", "publisher-jilin-market", Disclosure, _disclosures),
    Endpoint("POST /credit/…/list-entries", "publisher-jilin-market", ListEntry, _list_entries),
    Endpoint(
        "POST /enterprise/…/removal-application",
        "enterprise",
        RemovalApplication,
        _removal_applications,
    ),
    Endpoint("POST /enterprise/annual-reports", "enterprise", AnnualReport, _annual_reports),
    Endpoint("POST /enterprise/immediate-info", "enterprise", ImmediateInfo, _immediate_info),
    Endpoint("POST /licenses", "reviewer-jilin-transport", License, _licenses),
    Endpoint("POST /licenses/…/versions", "reviewer-jilin-transport", License, _license_versions),
    Endpoint("POST /proofs", "citizen", License, _proofs),
    Endpoint("POST /cases/…/evaluation", "citizen", Evaluation, _evaluations),
    Endpoint("POST /projects", "enterprise", Project, _projects),
]


def _every_create_route() -> set[tuple[str, str]]:
    """The POST routes of the OpenAPI document that answer 201 (they create)."""
    from yiwang.api.main import api

    spec = api.get_openapi_schema()
    return {
        ("POST", path)
        for path, operations in spec["paths"].items()
        if "201" in {str(code) for code in operations.get("post", {}).get("responses", {})}
    }


def test_the_table_covers_every_create_endpoint_of_the_api() -> None:
    routes = _every_create_route()
    assert len(routes) == len(ENDPOINTS), sorted(routes)
    for _, path in routes:  # each declares the header
        from yiwang.api.main import api

        params = api.get_openapi_schema()["paths"][path]["post"]["parameters"]
        assert "Idempotency-Key" in [p["name"] for p in params], path


@seeding.step("idempotency.world", after=("demo_users",))
def _seed_world() -> None:
    from yiwang.cases.services import seed_demo_reference_data
    from yiwang.common.workdays import seed_from_chinesecalendar

    seed_from_chinesecalendar(actor=Actor.system("test"))
    demo_items.load()
    seed_demo_reference_data(actor=Actor.system("test"))
    load_license_types(actor=Actor.system("test"))
    load_proof_types(actor=Actor.system("test"))
    load_category_rules(actor=Actor.system("test"))
    build_enterprise(
        1,
        uscc=DEMO_USCC,
        name="长春一网示范科技有限公司",
        region="220101",
        established_on="2019-03-18",
    )


@pytest.fixture
@seeding.provides("idempotency.world")
def world(demo_users: dict[str, Any], client: Client) -> Ctx:
    """Org data, demo accounts, the calendar, the demo catalog and reference data, the
    demo enterprise's registry entry; and a bearer token for each caller."""
    seeding.ensure("idempotency.world")
    tokens = {}
    for user in ("citizen", "enterprise", "publisher-jilin-market", "reviewer-jilin-transport"):
        response = client.post(
            f"{API}/auth/login",
            {"username": user, "password": "yiwang-demo-2026"},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        tokens[user] = response.json()["token"]
    return Ctx(client, tokens)


def _post(ctx: Ctx, user: str, url: str, build: Builder, key: str | None) -> Any:
    headers = ctx.auth(user)
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return ctx.client.post(url, **build(), **headers)  # type: ignore[arg-type]


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_a_create_endpoint_answers_a_retry_with_the_same_object(
    endpoint: Endpoint, world: Ctx
) -> None:
    url, body, other = endpoint.prepare(world)
    before = endpoint.model._default_manager.count()
    first = _post(world, endpoint.user, url, body, "retry-7f3a")
    assert first.status_code == 201, first.content
    again = _post(world, endpoint.user, url, body, "retry-7f3a")
    assert again.status_code == 201, again.content
    assert again.json() == first.json()  # the same id (and, for a case, the same query code)
    assert endpoint.model._default_manager.count() == before + 1
    assert IdempotencyRecord.objects.filter(key="retry-7f3a").count() == 1

    assert_problem(
        _post(world, endpoint.user, url, other, "retry-7f3a"), 409, "idempotency_key_reused"
    )
    assert endpoint.model._default_manager.count() == before + 1

    # 101 characters: refused, not cut to 100 (which would be another, valid key).
    assert_problem(_post(world, endpoint.user, url, other, "k" * 101), 422, "bad_idempotency_key")
    assert_problem(_post(world, endpoint.user, url, other, "键"), 422, "bad_idempotency_key")
    assert endpoint.model._default_manager.count() == before + 1
    assert not IdempotencyRecord.objects.filter(key__startswith="kkk").exists()


@pytest.mark.django_db
def test_a_key_is_the_callers_own_and_one_per_operation(world: Ctx) -> None:
    url, body, _ = _uploads(world)
    mine = _post(world, "citizen", url, body, "shared-key")
    theirs = _post(world, "enterprise", url, body, "shared-key")
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["upload_id"] != theirs.json()["upload_id"]
    # The same caller's key on another create endpoint is a reuse, never a replay.
    cases_url, case_body, _ = _cases(world)
    assert_problem(
        _post(world, "citizen", cases_url, case_body, "shared-key"), 409, "idempotency_key_reused"
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_concurrent_first_uses_of_a_key_make_one_record(endpoint: Endpoint, world: Ctx) -> None:
    url, body, _ = endpoint.prepare(world)
    before = endpoint.model._default_manager.count()
    headers = {**world.auth(endpoint.user), "HTTP_IDEMPOTENCY_KEY": "race-1"}

    def attempt(client: Client) -> Any:
        return client.post(url, **body(), **headers)  # type: ignore[arg-type]

    responses = race(6, lambda _i, client: attempt(client))
    assert [getattr(r, "status_code", r) for r in responses] == [201] * 6, responses
    # One answer, the first's (compared as JSON: PostgreSQL's jsonb orders the keys of
    # what it gives back, the winner answers from memory).
    assert all(r.json() == responses[0].json() for r in responses)
    assert endpoint.model._default_manager.count() == before + 1
    assert IdempotencyRecord.objects.filter(key="race-1").count() == 1
