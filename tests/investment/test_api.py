"""The investment API: register (and file at once), list in scope, read, change and
cancel a filing; bad input is a stable 4xx and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cases.conftest import CaseApi
from tests.investment.conftest import project_body
from tests.problems import assert_problem
from yiwang.accounts.actor import Actor
from yiwang.common.models import AuditEvent
from yiwang.investment.models import Project, ProjectCodeCounter, ProjectEvent
from yiwang.licenses.models import License

pytestmark = pytest.mark.django_db


@pytest.fixture
def inv(api: CaseApi, rules: dict[str, Any]) -> CaseApi:
    return api


def _post(api: CaseApi, user: str | None, path: str, body: Any, **headers: str) -> Any:
    return api.client.post(
        f"/api/v1{path}",
        body,
        content_type="application/json",
        **api.headers(user),  # type: ignore[arg-type]
        **headers,  # type: ignore[arg-type]
    )


def _filed(api: CaseApi, **overrides: Any) -> dict[str, Any]:
    response = _post(api, "enterprise", "/projects", project_body(file=True, **overrides))
    assert response.status_code == 201, response.content
    return dict(response.json())


def _counts() -> tuple[int, int, int, int, int]:
    return (
        Project.objects.count(),
        ProjectEvent.objects.count(),
        ProjectCodeCounter.objects.filter(last__gt=0).count(),
        License.objects.count(),
        AuditEvent.objects.filter(action__startswith="investment.").count(),
    )


def test_registering_a_filing_project_files_it_at_once(inv: CaseApi) -> None:
    made = _filed(inv)
    assert made["status"] == "filed"
    assert (made["category"], made["category_label"]) == ("filing", "备案")
    assert made["level"] == "county"
    assert made["decided_by"]["code"] == "filing"
    assert made["competent_department"] == "长春市发展和改革委员会"
    assert made["certificate"].startswith("1.2.156.3005.2.11100000000013127D001.")
    assert [e["kind"] for e in made["history"]] == ["registered", "filed"]
    detail = inv.get("enterprise", f"/projects/{made['code']}")
    assert detail.status_code == 200
    assert detail.json()["code"] == made["code"]
    # The certificate is the enterprise's e-license too.
    lic = inv.get("enterprise", f"/licenses/{made['certificate']}")
    assert lic.status_code == 200, lic.content


def test_a_ratification_project_is_registered_and_shows_its_rule(inv: CaseApi) -> None:
    body = project_body(industry="44", total_investment="60000")
    response = _post(inv, "enterprise", "/projects", body)
    assert response.status_code == 201, response.content
    made = response.json()
    assert (made["category"], made["level"], made["status"]) == (
        "ratification",
        "province",
        "registered",
    )
    assert made["decided_by"]["code"] == "energy-large"
    assert made["competent_department"] == "吉林省发展和改革委员会"
    assert made["certificate"] is None


def test_the_same_idempotency_key_gives_the_same_project(inv: CaseApi) -> None:
    body = project_body(file=True)
    first = _post(inv, "enterprise", "/projects", body, HTTP_IDEMPOTENCY_KEY="p-1")
    again = _post(inv, "enterprise", "/projects", body, HTTP_IDEMPOTENCY_KEY="p-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert Project.objects.count() == 1
    other = _post(
        inv, "enterprise", "/projects", project_body(name="另一项目"), HTTP_IDEMPOTENCY_KEY="p-1"
    )
    assert_problem(other, 409, "idempotency_key_reused")
    assert Project.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (project_body(industry="44", file=True), 422, "not_a_filing_project"),
        (project_body(industry="99"), 422, "unknown_industry"),
        (project_body(region="999999"), 422, "bad_project_region"),
        (project_body(funding="foreign"), 422, "unknown_funding"),
        (project_body(total_investment="0"), 422, "bad_total_investment"),
        (project_body(total_investment="12.345"), 422, "bad_total_investment"),
        (
            project_body(funding="mixed", government_investment="3000"),
            422,
            "bad_government_investment",
        ),
        (project_body(planned_end="2026-01-01"), 422, "bad_planned_dates"),
        (project_body(name="   "), 422, "bad_project_name"),
        (project_body(content="长" * 501), 422, "bad_project_content"),
        (project_body(code="2026-220102-65-03-000001"), 422, "validation_failed"),  # extra field
        ({"name": "缺字段"}, 422, "validation_failed"),
        (project_body(planned_start="明年"), 422, "validation_failed"),
    ],
)
def test_invalid_registrations_are_422_and_create_nothing(
    inv: CaseApi, body: dict[str, Any], status: int, code: str
) -> None:
    before = _counts()
    assert_problem(_post(inv, "enterprise", "/projects", body), status, code)
    assert _counts() == before


def test_only_enterprises_register(inv: CaseApi) -> None:
    before = _counts()
    for user in ("citizen", "lead-changchun-drc", "reviewer-nanguan"):
        assert_problem(_post(inv, user, "/projects", project_body()), 403, "enterprises_only")
    assert_problem(_post(inv, None, "/projects", project_body()), 401, "not_authenticated")
    assert _counts() == before


@pytest.mark.parametrize(
    "bad",
    ["2026-220102-65-03-00001", "2026-220102-65-03-0000011", "abc", "2026_220102_65_03_000001"],
)
def test_a_malformed_code_is_422(inv: CaseApi, bad: str) -> None:
    assert_problem(inv.get("enterprise", f"/projects/{bad}"), 422, "bad_project_code")
    before = _counts()
    assert_problem(
        _post(inv, "enterprise", f"/projects/{bad}/filing/cancel", {"reason": "撤销"}),
        422,
        "bad_project_code",
    )
    assert _counts() == before


def test_an_unknown_project_is_404(inv: CaseApi) -> None:
    missing = "2026-220102-65-03-999999"
    assert_problem(inv.get("enterprise", f"/projects/{missing}"), 404, "project_not_found")
    assert_problem(
        _post(
            inv, "enterprise", f"/projects/{missing}/filing/change", {"reason": "改", "name": "x"}
        ),
        404,
        "project_not_found",
    )


def test_someone_elses_project_is_404_to_read_and_to_change(
    inv: CaseApi, other_enterprise: Actor
) -> None:
    made = _filed(inv)
    code = made["code"]
    inv._tokens.pop("enterprise-2", None)
    for user in ("enterprise-2", "citizen", "reviewer-nanguan", "supervisor-changchun"):
        assert_problem(inv.get(user, f"/projects/{code}"), 404, "project_not_found")
    before = _counts()
    # Staff who see the project are not its owner: a write is 404 to them as well.
    for user in ("enterprise-2", "lead-changchun-drc", "admin"):
        assert_problem(
            _post(inv, user, f"/projects/{code}/filing/cancel", {"reason": "撤销"}),
            404,
            "project_not_found",
        )
        assert_problem(
            _post(inv, user, f"/projects/{code}/filing/change", {"reason": "改", "name": "他改"}),
            404,
            "project_not_found",
        )
    assert _counts() == before
    assert inv.get("enterprise", f"/projects/{code}").json()["version"] == 2


def test_the_lists_are_scoped(inv: CaseApi, other_enterprise: Actor) -> None:
    mine = _filed(inv)["code"]
    province = _post(inv, "enterprise", "/projects", project_body(industry="31"))
    assert province.status_code == 201
    theirs = _post(inv, "enterprise-2", "/projects", project_body(name="他人项目"))
    assert theirs.status_code == 201, theirs.content

    def listed(user: str, **params: Any) -> list[str]:
        response = inv.get(user, "/projects", **params)
        assert response.status_code == 200, response.content
        return [p["code"] for p in response.json()["items"]]

    assert sorted(listed("enterprise")) == sorted([mine, province.json()["code"]])
    assert listed("enterprise-2") == [theirs.json()["code"]]
    # The city's lead department: the projects it is competent for (both 备案 of 南关区),
    # not the province's ratification.
    assert sorted(listed("lead-changchun-drc")) == sorted([mine, theirs.json()["code"]])
    assert inv.get("lead-changchun-drc", f"/projects/{mine}").status_code == 200
    assert_problem(
        inv.get("lead-changchun-drc", f"/projects/{province.json()['code']}"),
        404,
        "project_not_found",
    )
    assert listed("reviewer-nanguan") == []
    assert listed("citizen") == []
    assert len(listed("admin")) == 3
    assert listed("enterprise", category="ratification") == [province.json()["code"]]
    assert listed("enterprise", status="filed") == [mine]
    assert_problem(inv.get("enterprise", "/projects", status="x"), 422, "unknown_project_status")
    assert_problem(inv.get("enterprise", "/projects", page=0), 422, "bad_page")


def test_change_and_cancel_through_the_api(inv: CaseApi) -> None:
    made = _filed(inv)
    code = made["code"]
    changed = _post(
        inv,
        "enterprise",
        f"/projects/{code}/filing/change",
        {"reason": "追加投资", "total_investment": "3500"},
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["version"] == 3
    assert changed.json()["total_investment"] == "3500.00"
    assert changed.json()["certificate"] != made["certificate"]
    before = _counts()
    for body, code_ in (
        ({"reason": "改", "region": "220104"}, "validation_failed"),
        ({"reason": "改", "industry": "13"}, "validation_failed"),
        ({"name": "缺原因"}, "validation_failed"),
        ({"reason": "改", "funding": "government"}, "category_changed"),
        ({"reason": "改"}, "nothing_changed"),
    ):
        assert_problem(
            _post(inv, "enterprise", f"/projects/{code}/filing/change", body), 422, code_
        )
    assert_problem(
        _post(inv, "enterprise", f"/projects/{code}/filing/cancel", {}), 422, "validation_failed"
    )
    assert _counts() == before
    cancelled = _post(inv, "enterprise", f"/projects/{code}/filing/cancel", {"reason": "不再建设"})
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["status"] == "cancelled"
    assert [e["kind"] for e in cancelled.json()["history"]] == [
        "registered",
        "filed",
        "changed",
        "cancelled",
    ]
    again = _post(inv, "enterprise", f"/projects/{code}/filing/cancel", {"reason": "再撤"})
    assert_problem(again, 409, "project_not_filed")
    assert again.json()["current_state"] == "cancelled"
