"""The credit API: the public contract of interfaces.md, problem+json errors, the rate
limit, view counts, and every staff and enterprise endpoint for every demo role."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from tests.credit.conftest import DEMO_USCC, DISCLOSURE, MakeEnterprise, report_data
from tests.problems import assert_problem as _problem
from yiwang.accounts.actor import Actor
from yiwang.credit import services
from yiwang.credit.models import DailyViews, Enterprise, ListEntry, RateCounter
from yiwang.org.models import Department

pytestmark = pytest.mark.usefixtures("calendar")
API = "/api/v1"


# --------------------------------------------------------------------------- public


def test_search_contract(client: Client, make_enterprise: MakeEnterprise) -> None:
    e = make_enterprise(name="长春一网示范科技有限公司")
    make_enterprise(name="吉林市一网示范数据有限公司")
    body = client.get(f"{API}/public/enterprises", {"q": "一网示范"}).json()
    assert body["total"] == 2
    assert body["total_capped"] is False
    assert {i["uscc"] for i in body["items"]} >= {e.uscc}
    assert {"uscc", "name", "kind", "status", "legal_representative", "abnormal"} <= set(
        body["items"][0]
    )
    assert (
        client.get(f"{API}/public/enterprises", {"q": e.uscc}).json()["items"][0]["name"] == e.name
    )
    assert client.get(f"{API}/public/enterprises", {"q": "100%"}).json() == {
        "items": [],
        "total": 0,
        "total_capped": False,
        "total_estimate": None,
        "page": 1,
        "page_size": 20,
    }


@pytest.mark.parametrize(
    "path",
    [
        "/public/enterprises?q=91110000600037341X",
        "/public/enterprises/91110000600037341X",
        "/public/enterprises/abc",
    ],
)
def test_a_malformed_uscc_is_400_problem_json(client: Client, db: Any, path: str) -> None:
    body = _problem(client.get(API + path), 400, "invalid_uscc")
    assert "统一社会信用代码" in body["detail"]


def test_short_query_and_unknown_enterprise(client: Client, db: Any) -> None:
    _problem(client.get(f"{API}/public/enterprises", {"q": "长"}), 400, "query_too_short")
    _problem(
        client.get(f"{API}/public/enterprises/91110000600037341L"), 404, "enterprise_not_found"
    )


def test_everything_public_about_an_enterprise(
    client: Client, make_enterprise: MakeEnterprise, demo_users: dict[str, Any]
) -> None:
    e = make_enterprise(established_on="2024-01-10")
    department = Department.objects.get(code="220102-market-regulation")
    services.publish_disclosure(
        e,
        {
            "kind": "spot_check",
            "title": "双随机抽查",
            "result": "未发现问题",
            "legal_basis": "条例第十四条",
            "decided_on": "2026-05-01",
        },
        department=department,
        actor=Actor.system("test"),
        today=date(2026, 6, 1),
    )
    services.file_annual_report(
        e, 2024, report_data(phone="13804310009"), actor=Actor.system("t"), today=date(2025, 6, 1)
    )
    services.file_annual_report(
        e,
        2025,
        report_data(financials_public=True),
        actor=Actor.system("t"),
        today=date(2026, 7, 2),
    )
    services.list_missing_annual_reports(today=date(2026, 7, 1))
    body = client.get(f"{API}/public/enterprises/{e.uscc.lower()}").json()
    assert body["uscc"] == e.uscc
    assert [d["kind"] for d in body["disclosures"]] == ["spot_check"]
    reports = {r["year"]: r for r in body["annual_reports"]}
    assert reports[2024]["financials"] is None  # not chosen to publish
    assert reports[2024]["phone"] == "138****0009"  # a mobile number is a person's
    assert reports[2025]["financials"]["total_assets"] == "1000.0000"
    assert reports[2025]["late"] is True
    [entry] = body["lists"]
    assert (entry["list"], entry["cause"], entry["report_year"]) == (
        "abnormal",
        "no_annual_report",
        2025,
    )
    assert [h["kind"] for h in entry["history"]] == ["listed"]
    assert body["abnormal"] is True


def test_views_are_counted_per_enterprise_per_day_only(
    client: Client, make_enterprise: MakeEnterprise
) -> None:
    e = make_enterprise()
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.1"):
        client.get(f"{API}/public/enterprises/{e.uscc}", REMOTE_ADDR=address)
    [row] = DailyViews.objects.all()
    assert (row.enterprise_id, row.day, row.views) == (e.pk, timezone.localdate(), 3)
    assert {f.name for f in DailyViews._meta.get_fields()} == {"id", "enterprise", "day", "views"}
    assert client.get(f"{API}/public/enterprises/{e.uscc}").json()["views"] == 3  # before this one


@override_settings(YIWANG_CREDIT={"RATE_LIMITS": {"search": (3, 60), "detail": (2, 60)}})
def test_per_address_rate_limit_is_429_problem_json(
    client: Client, make_enterprise: MakeEnterprise
) -> None:
    e = make_enterprise()
    for _ in range(3):
        assert (
            client.get(
                f"{API}/public/enterprises", {"q": "有限"}, REMOTE_ADDR="10.1.1.1"
            ).status_code
            == 200
        )
    response = client.get(f"{API}/public/enterprises", {"q": "有限"}, REMOTE_ADDR="10.1.1.1")
    _problem(response, 429, "rate_limited")
    assert 1 <= int(response["Retry-After"]) <= 61
    assert (
        client.get(f"{API}/public/enterprises", {"q": "有限"}, REMOTE_ADDR="10.1.1.2").status_code
        == 200
    )
    for _ in range(2):
        assert (
            client.get(f"{API}/public/enterprises/{e.uscc}", REMOTE_ADDR="10.1.1.1").status_code
            == 200
        )
    _problem(
        client.get(f"{API}/public/enterprises/{e.uscc}", REMOTE_ADDR="10.1.1.1"),
        429,
        "rate_limited",
    )
    assert not RateCounter.objects.filter(key__contains="10.1.1").exists()  # keyed hashes only


def test_the_rate_window_moves_on_and_old_counters_are_purged(db: Any) -> None:
    from datetime import UTC, datetime, timedelta

    from yiwang.common.errors import RateLimited

    start = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    with override_settings(YIWANG_CREDIT={"RATE_LIMITS": {"search": (1, 60)}}):
        services.check_rate_limit("search", "10.9.9.9", now=start)
        with pytest.raises(RateLimited) as exc:
            services.check_rate_limit("search", "10.9.9.9", now=start + timedelta(seconds=59))
        assert exc.value.retry_after == 2
        services.check_rate_limit("search", "10.9.9.9", now=start + timedelta(seconds=60))
    assert services.purge_rate_counters(now=start + timedelta(hours=3)) == 2


def test_openapi_lists_the_public_contract(client: Client, db: Any) -> None:
    paths = client.get(f"{API}/openapi.json").json()["paths"]
    assert "get" in paths["/api/v1/public/enterprises"]
    assert "get" in paths["/api/v1/public/enterprises/{uscc}"]


# --------------------------------------------------------------------------- by role

ROLES = [
    None,
    "citizen",
    "enterprise",
    "clerk-nanguan",
    "reviewer-nanguan",
    "supervisor-jilin",
    "admin",
    "publisher-jilin-market",
]


def _endpoints(
    uscc: str,
) -> list[tuple[str, str, str, dict[str, Any] | None, dict[str | None, int]]]:
    staff_read = {"publisher-jilin-market": 200, "admin": 200}
    return [
        ("staff record", "get", f"/credit/enterprises/{uscc}", None, staff_read),
        (
            "publish",
            "post",
            f"/credit/enterprises/{uscc}/disclosures",
            DISCLOSURE,
            {"publisher-jilin-market": 201, "admin": 201},
        ),
        (
            "list",
            "post",
            f"/credit/enterprises/{uscc}/list-entries",
            {"list": "abnormal", "cause": "unreachable", "reason": "无法联系"},
            {"publisher-jilin-market": 201},
        ),
        ("queue", "get", "/credit/removal-applications", None, {"publisher-jilin-market": 200}),
        ("own credit", "get", "/enterprise/credit", None, {"enterprise": 200}),
        (
            "immediate",
            "post",
            "/enterprise/immediate-info",
            {"kind": "license", "changed_on": "2026-01-05", "content": "取得许可"},
            {"enterprise": 201},
        ),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_endpoint_for_every_role(
    role: str | None, demo_users: dict[str, Any], demo_registry: Enterprise
) -> None:
    browser = Client()
    if role:
        browser.force_login(demo_users[role])
    for name, method, path, body, allowed in _endpoints(demo_registry.uscc):
        if body is None:
            response = getattr(browser, method)(API + path)
        else:
            response = getattr(browser, method)(API + path, body, content_type="application/json")
        expected = allowed.get(role, 401 if role is None else 403)
        assert response.status_code == expected, (name, role, response.content)
        if expected >= 400:
            assert response["Content-Type"] == "application/problem+json"


# --------------------------------------------------------------------------- flows


def test_staff_publish_correct_withdraw_with_idempotency(
    api_login: Callable[[str], str],
    client: Client,
    demo_users: dict[str, Any],
    demo_registry: Enterprise,
) -> None:
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_login('publisher-jilin-market')}"}
    url = f"{API}/credit/enterprises/{DEMO_USCC}/disclosures"
    first = client.post(
        url, DISCLOSURE, content_type="application/json", HTTP_IDEMPOTENCY_KEY="abc", **auth
    )
    again = client.post(
        url, DISCLOSURE, content_type="application/json", HTTP_IDEMPOTENCY_KEY="abc", **auth
    )
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    did = first.json()["id"]
    corrected = client.post(
        f"{API}/credit/disclosures/{did}/corrections",
        {"reason": "金额有误", "amount": "3"},
        content_type="application/json",
        **auth,
    ).json()
    assert (corrected["version"], corrected["amount"], corrected["revisions"][0]["reason"]) == (
        2,
        "3.0000",
        "金额有误",
    )
    _problem(
        client.post(
            f"{API}/credit/disclosures/{did}/corrections",
            {"reason": ""},
            content_type="application/json",
            **auth,
        ),
        422,
        "validation_failed",
    )
    assert client.post(
        f"{API}/credit/disclosures/{did}/withdrawal",
        {"reason": "复议撤销"},
        content_type="application/json",
        **auth,
    ).json()["withdrawn_at"]
    assert client.get(f"{API}/public/enterprises/{DEMO_USCC}").json()["disclosures"] == []
    _problem(
        client.post(
            f"{API}/credit/enterprises/{DEMO_USCC}/disclosures",
            DISCLOSURE | {"kind": "x"},
            content_type="application/json",
            **auth,
        ),
        422,
        "validation_failed",
    )


def test_the_enterprise_files_late_applies_and_is_removed(
    demo_users: dict[str, Any], demo_registry: Enterprise
) -> None:
    year = timezone.localdate().year - 1
    Enterprise.objects.filter(pk=demo_registry.pk).update(established_on=date(year, 1, 2))
    services.list_missing_annual_reports(today=date(year + 1, 7, 1))
    entry = ListEntry.objects.get(enterprise=demo_registry)
    company, staff = Client(), Client()
    company.force_login(demo_users["enterprise"])
    staff.force_login(demo_users["publisher-jilin-market"])

    own = company.get(f"{API}/enterprise/credit").json()
    assert own["lists"][0]["id"] == entry.pk
    assert [y["year"] for y in own["report_years"]] == [year]
    _problem(
        company.post(
            f"{API}/enterprise/list-entries/{entry.pk}/removal-application",
            {"statement": "申请"},
            content_type="application/json",
        ),
        422,
        "validation_failed",
    )
    filed = company.post(
        f"{API}/enterprise/annual-reports", report_data(year=year), content_type="application/json"
    )
    assert filed.status_code == 201
    assert filed.json()["financials"] is not None  # its own figures, in full
    _problem(
        company.post(
            f"{API}/enterprise/annual-reports",
            report_data(year=year),
            content_type="application/json",
        ),
        409,
        "report_already_filed",
    )
    fixed = company.put(
        f"{API}/enterprise/annual-reports/{year}",
        report_data(employees=13, reason="人数有误"),
        content_type="application/json",
    )
    assert fixed.json()["version"] == 2
    applied = company.post(
        f"{API}/enterprise/list-entries/{entry.pk}/removal-application",
        {"statement": "已补报"},
        content_type="application/json",
    )
    assert applied.status_code == 201
    [queued] = staff.get(f"{API}/credit/removal-applications").json()
    decided = staff.post(
        f"{API}/credit/removal-applications/{queued['id']}/decision",
        {"approve": True, "reason": "已补报，准予移出"},
        content_type="application/json",
    )
    assert decided.json()["status"] == "approved"
    public = Client().get(f"{API}/public/enterprises/{DEMO_USCC}").json()
    assert public["abnormal"] is False
    assert [h["kind"] for h in public["lists"][0]["history"]] == ["listed", "removed"]
    # Staff reverse the removal, then see the reversal in their record.
    removed_event = next(
        h
        for h in staff.get(f"{API}/credit/enterprises/{DEMO_USCC}").json()["lists"][0]["history"]
        if h["kind"] == "removed"
    )
    reversed_ = staff.post(
        f"{API}/credit/list-events/{removed_event['id']}/reversal",
        {"reason": "补报内容虚假"},
        content_type="application/json",
    ).json()
    assert reversed_["status"] == "active"
    assert reversed_["history"][-1]["kind"] == "reversed"


def test_staff_remove_and_wrong_states(
    demo_users: dict[str, Any], demo_registry: Enterprise
) -> None:
    staff = Client()
    staff.force_login(demo_users["publisher-jilin-market"])
    listed = staff.post(
        f"{API}/credit/enterprises/{DEMO_USCC}/list-entries",
        {"list": "abnormal", "cause": "unreachable", "reason": "无法联系"},
        content_type="application/json",
    ).json()
    _problem(
        staff.post(
            f"{API}/credit/enterprises/{DEMO_USCC}/list-entries",
            {"list": "abnormal", "cause": "unreachable", "reason": "无法联系"},
            content_type="application/json",
        ),
        409,
        "already_listed",
    )
    removed = staff.post(
        f"{API}/credit/list-entries/{listed['id']}/removal",
        {"cause": "error", "reason": "地址核实可联系"},
        content_type="application/json",
    )
    assert removed.json()["status"] == "removed"
    _problem(
        staff.post(
            f"{API}/credit/list-entries/{listed['id']}/removal",
            {"cause": "error", "reason": "x"},
            content_type="application/json",
        ),
        409,
        "invalid_transition",
    )
    _problem(
        staff.post(
            f"{API}/credit/list-entries/999999/removal",
            {"cause": "error", "reason": "x"},
            content_type="application/json",
        ),
        404,
        "entry_not_found",
    )


def test_create_endpoints_honour_idempotency_keys(
    demo_users: dict[str, Any], demo_registry: Enterprise
) -> None:
    staff, company = Client(), Client()
    staff.force_login(demo_users["publisher-jilin-market"])
    company.force_login(demo_users["enterprise"])
    body = {"list": "abnormal", "cause": "unreachable", "reason": "无法联系"}
    url = f"{API}/credit/enterprises/{DEMO_USCC}/list-entries"
    first = staff.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")
    again = staff.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]
    _problem(staff.post(url, body, content_type="application/json"), 409, "already_listed")
    apply = f"{API}/enterprise/list-entries/{first.json()['id']}/removal-application"
    a = company.post(
        apply,
        {"statement": "已变更住所"},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="r",
    )
    b = company.post(
        apply,
        {"statement": "已变更住所"},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="r",
    )
    assert a.json()["id"] == b.json()["id"]
    _problem(
        company.post(apply, {"statement": "再次"}, content_type="application/json"),
        409,
        "application_pending",
    )
