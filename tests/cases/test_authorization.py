"""Who may do what: every cases endpoint × every demo account (and no token); every
action × every account in every state; scope leaks (404, never a hint); and query
counts that do not grow with the number of rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.cases import items
from tests.cases.conftest import CaseApi, FrozenClock
from tests.problems import assert_problem as problem
from yiwang.cases.choices import CaseStatus
from yiwang.cases.models import Case
from yiwang.cases.selectors import allowed_actions
from yiwang.common import revisions, workdays

pytestmark = pytest.mark.django_db

ROLES = [
    "citizen",
    "enterprise",
    "clerk-nanguan",
    "reviewer-nanguan",
    "supervisor-jilin",
    "admin",
    "clerk-wangqing",
    "clerk-tianqiaoling",
    "reviewer-wangqing-forestry",
    "reviewer-jilin-transport",
    "clerk-jilin",
    "reviewer-jilin-public-security",
    "publisher-jilin-market",
]
#: Who sees a 南关区 case of the citizen, and a 汪清县 forestry case taken in at 天桥岭镇.
SEES_NANGUAN = {"citizen", "clerk-nanguan", "reviewer-nanguan", "supervisor-jilin", "admin"}
SEES_FORESTRY = {
    "citizen",
    "clerk-wangqing",
    "clerk-tianqiaoling",
    "reviewer-wangqing-forestry",
    "supervisor-jilin",
    "admin",
}


@pytest.mark.parametrize("role", [*ROLES, None])
def test_every_cases_endpoint_for_every_account(api: CaseApi, role: str | None) -> None:
    nanguan = api.apply("citizen", items.NANGUAN)
    forestry = api.apply("citizen", items.FORESTRY, intake_region="222424102")
    who = role or "anonymous"

    listing = api.get(role, "/cases")
    if role is None:
        problem(listing, 401, "not_authenticated")
    else:
        assert listing.status_code == 200, who
        listed = {c["case_no"] for c in listing.json()["items"]}
        expected = {
            nanguan["case_no"] if role in SEES_NANGUAN else None,
            forestry["case_no"] if role in SEES_FORESTRY else None,
        } - {None}
        assert listed == expected, who

    for case, seers in ((nanguan, SEES_NANGUAN), (forestry, SEES_FORESTRY)):
        response = api.get(role, f"/cases/{case['case_no']}")
        if role is None:
            problem(response, 401)
        elif role in seers:
            assert response.status_code == 200, who
        else:
            problem(response, 404, "case_not_found")

    # The case's files: the applicant and the handling staff; a supervisor or the
    # administrator sees the case, not the files; everyone else: no such case.
    material = api.detail("citizen", nanguan["case_no"])["materials"][0]["id"]
    download = api.get(role, f"/cases/{nanguan['case_no']}/materials/{material}")
    if role is None:
        problem(download, 401)
    elif role in ("citizen", "clerk-nanguan", "reviewer-nanguan"):
        assert download.status_code == 200, who
        assert b"".join(download.streaming_content).startswith(b"%PDF-")
        assert download["Content-Disposition"].startswith("attachment")
    elif role in SEES_NANGUAN:
        problem(download, 403, "materials_not_allowed")
    else:
        problem(download, 404, "case_not_found")

    # Public lookup: anyone with the code, nobody without it.
    public = api.get(role, f"/public/cases/{nanguan['case_no']}", code=nanguan["query_code"])
    assert public.status_code == 200, who
    problem(api.get(role, f"/public/cases/{nanguan['case_no']}", code="WRONGCODE2"), 404)

    # An action: the 南关区 window accepts; others who see the case get 403, the rest 404.
    accept = api.act(role, nanguan["case_no"], "accept")
    if role is None:
        problem(accept, 401)
    elif role == "clerk-nanguan":
        assert accept.status_code == 200
        assert accept.json()["status"] == "accepted"
    elif role in SEES_NANGUAN:
        problem(accept, 403, "action_not_allowed")
    else:
        problem(accept, 404, "case_not_found")
    expected_status = "accepted" if role == "clerk-nanguan" else "submitted"
    assert Case.objects.get(case_no=nanguan["case_no"]).status == expected_status

    # Applying: citizens and enterprises; staff only for someone else; no token: 401.
    body = {"item_code": items.NANGUAN, "form": items.form_for(items.NANGUAN), "materials": []}
    submitted = api.submit(role, body)
    if role is None:
        problem(submitted, 401)
    elif role in ("citizen", "enterprise"):
        problem(submitted, 422, "materials_missing")  # allowed to apply; the body is incomplete
    else:
        problem(submitted, 403, "staff_cannot_apply")


def _advance(api: CaseApi, case_no: str, steps: list[tuple[str, str, dict[str, Any]]]) -> None:
    for user, action, body in steps:
        api.ok(user, case_no, action, **body)


CLERK, REVIEWER = "clerk-nanguan", "reviewer-nanguan"
TO_STATE: dict[str, list[tuple[str, str, dict[str, Any]]]] = {
    "submitted": [],
    "supplement_requested": [
        (CLERK, "request_supplement", {"missing": [{"material": "traffic-opinion"}]})
    ],
    "accepted": [(CLERK, "accept", {})],
    "in_review": [(CLERK, "accept", {}), (CLERK, "forward", {})],
    "suspended": [
        (CLERK, "accept", {}),
        (REVIEWER, "suspend", {"kind": "expert_review", "comment": "专家评审"}),
    ],
    "approved": [(CLERK, "accept", {}), (REVIEWER, "approve", {})],
    "issued": [(CLERK, "accept", {}), (REVIEWER, "approve", {}), (REVIEWER, "issue", {})],
    "delivered": [
        (CLERK, "accept", {}),
        (REVIEWER, "approve", {}),
        (REVIEWER, "issue", {}),
        (CLERK, "deliver", {"method": "post", "tracking_no": "EMS001"}),
    ],
    "completed": [
        (CLERK, "accept", {}),
        (REVIEWER, "approve", {}),
        (REVIEWER, "issue", {}),
        (CLERK, "deliver", {"method": "window"}),
    ],
    "refused": [(CLERK, "refuse", {"comment": "不符合受理条件"})],
    "denied": [(CLERK, "accept", {}), (REVIEWER, "deny", {"comment": "不符合条件"})],
    "withdrawn": [("citizen", "withdraw", {})],
}
#: Per state, who may take which action on a 南关区 case (everyone else: nothing).
ALLOWED: dict[str, dict[str, set[str]]] = {
    "submitted": {CLERK: {"accept", "request_supplement", "refuse"}, "citizen": {"withdraw"}},
    "supplement_requested": {CLERK: {"refuse"}, "citizen": {"resubmit", "withdraw"}},
    "accepted": {
        CLERK: {"forward"},
        REVIEWER: {"approve", "deny", "suspend", "extend"},
        "citizen": {"withdraw"},
    },
    "in_review": {
        REVIEWER: {"approve", "deny", "return", "suspend", "extend"},
        "citizen": {"withdraw"},
    },
    "suspended": {REVIEWER: {"resume"}, "citizen": {"withdraw"}},
    "approved": {REVIEWER: {"issue"}},
    "issued": {CLERK: {"deliver"}},
    "delivered": {CLERK: {"deliver"}},
    "completed": {},
    "refused": {},
    "denied": {},
    "withdrawn": {},
}


def test_who_may_take_which_action_in_every_state(
    api: CaseApi, world: dict[str, Any], frozen: FrozenClock
) -> None:
    assert set(TO_STATE) == set(ALLOWED) == set(CaseStatus.values)
    for state, steps in TO_STATE.items():
        case_no = api.apply("citizen", items.NANGUAN)["case_no"]
        _advance(api, case_no, steps)
        case = Case.objects.get(case_no=case_no)
        assert case.status == state
        for role in ROLES:
            user = world[role]
            got = set(allowed_actions(user, case))
            assert got == ALLOWED[state].get(role, set()), (state, role, got)
        for role in ("supervisor-jilin", "admin"):
            for action in ("accept", "approve", "deliver", "withdraw"):
                assert api.act(role, case_no, action).status_code == 403


def test_across_levels_the_station_takes_in_and_the_county_decides_and_delivers(
    api: CaseApi, world: dict[str, Any]
) -> None:
    case_no = api.apply("citizen", items.FORESTRY, intake_region="222424102")["case_no"]

    def allowed(role: str) -> set[str]:
        return set(allowed_actions(world[role], Case.objects.get(case_no=case_no)))

    assert allowed("clerk-tianqiaoling") == {"accept", "request_supplement", "refuse"}
    assert allowed("clerk-wangqing") == set()  # the county window does not take in township items
    assert allowed("reviewer-wangqing-forestry") == set()
    api.ok("clerk-tianqiaoling", case_no, "accept")
    assert allowed("clerk-tianqiaoling") == {"forward"}
    assert allowed("reviewer-wangqing-forestry") == {"approve", "deny", "suspend", "extend"}
    api.ok("clerk-tianqiaoling", case_no, "forward")
    api.ok("reviewer-wangqing-forestry", case_no, "approve")
    api.ok("reviewer-wangqing-forestry", case_no, "issue")
    # The result may leave from the station or from the county hall's window.
    assert allowed("clerk-tianqiaoling") == {"deliver"}
    assert allowed("clerk-wangqing") == {"deliver"}
    assert allowed("reviewer-wangqing-forestry") == set()


def test_no_one_sees_outside_their_scope(api: CaseApi, other_citizen: Any) -> None:
    theirs = api.apply("lisi", items.NANGUAN)["case_no"]
    mine = api.apply("citizen", items.NANGUAN)["case_no"]
    # A citizen never sees another citizen's case, nor can act on it.
    problem(api.get("citizen", f"/cases/{theirs}"), 404, "case_not_found")
    problem(api.act("citizen", theirs, "withdraw"), 404, "case_not_found")
    assert [c["case_no"] for c in api.get("citizen", "/cases").json()["items"]] == [mine]
    # The 汪清县 window never sees a 南关区 case.
    for case_no in (theirs, mine):
        problem(api.get("clerk-wangqing", f"/cases/{case_no}"), 404, "case_not_found")
        problem(api.act("clerk-wangqing", case_no, "accept"), 404, "case_not_found")
    assert api.get("clerk-wangqing", "/cases", status="all").json()["total"] == 0
    # A missing case and a forbidden one look the same.
    missing = problem(api.get("clerk-wangqing", "/cases/220102-20990101-000001"), 404)
    forbidden = problem(api.get("clerk-wangqing", f"/cases/{mine}"), 404)
    assert (missing["code"], missing["title"]) == (forbidden["code"], forbidden["title"])
    # Personal data: masked for the supervisor, in full for the handling clerk.
    assert api.detail("supervisor-jilin", mine)["applicant"]["id_number"] == "220102********1015"
    assert api.detail("clerk-nanguan", mine)["applicant"]["id_number"] == "220102198806151015"
    assert api.detail("citizen", mine)["applicant"]["phone"] == "13804310001"


def _count(api: CaseApi, user: str, path: str) -> int:
    api.headers(user)  # sign in outside the measurement
    # The working-day index, the token and catalog caches re-check the database at most
    # once a second; start from none of them cached, so every measurement counts the
    # same things: the request's own queries and the caches filling.
    workdays.reset_cache()
    revisions.reset_all()
    with CaptureQueriesContext(connection) as queries:
        response = api.get(user, path)
    assert response.status_code == 200
    return len(queries)


def test_query_counts_do_not_grow_with_rows(api: CaseApi) -> None:
    first = api.apply("citizen", items.NANGUAN)["case_no"]
    api.apply("citizen", items.FORESTRY, intake_region="222424102")
    users = ["citizen", "clerk-nanguan", "supervisor-jilin", "admin", "clerk-tianqiaoling"]
    few = {u: _count(api, u, "/cases") for u in users}
    few_detail = _count(api, "clerk-nanguan", f"/cases/{first}")
    for _ in range(5):
        api.apply("citizen", items.NANGUAN)
        api.apply("citizen", items.FORESTRY, intake_region="222424102")
    api.ok("clerk-nanguan", first, "accept")
    api.ok("clerk-nanguan", first, "forward")
    api.ok("reviewer-nanguan", first, "return", comment="复核")
    api.ok("clerk-nanguan", first, "forward")
    many = {u: _count(api, u, "/cases") for u in users}
    assert many == few
    assert _count(api, "clerk-nanguan", f"/cases/{first}") == few_detail
    assert api.get("clerk-nanguan", "/cases").json()["total"] == 6
