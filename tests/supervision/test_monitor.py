"""The live monitor: yellow/red on both sides of each boundary (in working days, across
a weekend and the 2026 National Day holiday), the SQL marks equal `clock_view`'s, the
configurable threshold, scope, drill-down, masking and the API's codes."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from tests.problems import assert_problem
from tests.supervision.conftest import WANGQING_ITEM, MakeCase
from yiwang.accounts.actor import Actor
from yiwang.accounts.models import User
from yiwang.cases.choices import CaseStatus
from yiwang.cases.clock import clock_view, near_due_before, near_due_threshold
from yiwang.cases.models import Case
from yiwang.supervision import monitor

pytestmark = pytest.mark.django_db

WED = date(2026, 9, 30)  # the last working day before the National Day holiday (Oct 1–7)
FRI = date(2026, 11, 13)  # a plain Friday


def _marks(case: Case, on: date) -> tuple[bool, bool]:
    """(red, yellow) of one case as the monitor's SQL sees it."""
    base = monitor.coloured(Case.objects.filter(pk=case.pk))
    marks = monitor.colours(on)
    return base.filter(marks.red).exists(), base.filter(marks.yellow).exists()


def _agree(case: Case, on: date) -> tuple[bool, bool]:
    sql = _marks(case, on)
    view = clock_view(Case.objects.select_related("item").get(pk=case.pk), on)
    assert sql == (view.overdue, view.near_due), "the SQL marks differ from clock_view"
    return sql


@pytest.mark.parametrize(
    ("on", "due", "limit", "expected"),
    [
        # 5-day limit: threshold 1 working day. Across the holiday: Oct 8 is the first
        # working day after Wed Sep 30, Oct 9 the second.
        (WED, date(2026, 9, 29), 5, (True, False)),  # yesterday: red
        (WED, WED, 5, (False, True)),  # the due day itself: in time, yellow
        (WED, date(2026, 10, 8), 5, (False, True)),  # 1 working day left: yellow
        (WED, date(2026, 10, 9), 5, (False, False)),  # 2 left: nothing yet
        (WED, date(2026, 10, 3), 5, (False, True)),  # a holiday: 0 working days left
        # Across a weekend: Mon Nov 16 is the first working day after Fri Nov 13.
        (FRI, date(2026, 11, 12), 5, (True, False)),
        (FRI, date(2026, 11, 14), 5, (False, True)),  # Saturday
        (FRI, date(2026, 11, 16), 5, (False, True)),
        (FRI, date(2026, 11, 17), 5, (False, False)),
        # 20-day limit: threshold 4 (20 % rounded up). Oct 8, 9, 10 (make-up day), 12.
        (WED, date(2026, 10, 12), 20, (False, True)),
        (WED, date(2026, 10, 13), 20, (False, False)),
        # 6-day limit: 20 % is 1.2, rounded up to 2.
        (FRI, date(2026, 11, 17), 6, (False, True)),
        (FRI, date(2026, 11, 18), 6, (False, False)),
    ],
)
def test_yellow_and_red_on_both_sides_of_each_boundary(
    make_case: MakeCase, on: date, due: date, limit: int, expected: tuple[bool, bool]
) -> None:
    assert _agree(make_case(due, limit=limit), on) == expected


def test_the_threshold_constants_by_default() -> None:
    assert [near_due_threshold(n) for n in (0, 1, 5, 6, 10, 20, 21)] == [1, 1, 1, 2, 2, 4, 5]


def test_the_threshold_is_configurable_and_both_sides_follow(
    make_case: MakeCase, settings: Any
) -> None:
    settings.YIWANG_NEAR_DUE = {"min_workdays": 2, "percent": 50}
    assert near_due_threshold(5) == 3  # 2.5 rounded up beats the minimum of 2
    assert near_due_threshold(1) == 2
    assert near_due_before(WED, 5) == date(2026, 10, 12)  # the 4th working day after
    # 3 working days left (Oct 8, 9, 10): yellow now; 4 left: not.
    assert _agree(make_case(date(2026, 10, 10), limit=5), WED) == (False, True)
    assert _agree(make_case(date(2026, 10, 12), limit=5), WED) == (False, False)


def test_a_bad_threshold_setting_is_a_configuration_error(settings: Any) -> None:
    from django.core.exceptions import ImproperlyConfigured

    settings.YIWANG_NEAR_DUE = {"min_workdays": 1, "percent": 120}
    with pytest.raises(ImproperlyConfigured):
        near_due_threshold(5)


def test_submitted_cases_use_the_acceptance_window_and_issued_ones_the_issue_limit(
    make_case: MakeCase,
) -> None:
    # Before acceptance the stage limit is 5 (threshold 1); after the decision 10 (2).
    assert _agree(make_case(date(2026, 10, 8), status=CaseStatus.SUBMITTED), WED) == (False, True)
    assert _agree(make_case(date(2026, 10, 9), status=CaseStatus.SUBMITTED), WED) == (False, False)
    assert _agree(make_case(date(2026, 10, 9), status=CaseStatus.APPROVED), WED) == (False, True)
    assert _agree(make_case(date(2026, 10, 10), status=CaseStatus.APPROVED), WED) == (False, False)


def test_a_suspended_case_is_never_yellow_and_red_only_if_suspended_after_its_due_day(
    make_case: MakeCase,
) -> None:
    stopped = make_case(
        date(2026, 10, 8), status=CaseStatus.SUSPENDED, suspended_on=date(2026, 9, 1)
    )
    assert _marks(stopped, WED) == (False, False)
    late = make_case(date(2026, 9, 28), status=CaseStatus.SUSPENDED, suspended_on=date(2026, 9, 29))
    assert _marks(late, WED) == (True, False)
    on_time = make_case(
        date(2026, 9, 29), status=CaseStatus.SUSPENDED, suspended_on=date(2026, 9, 29)
    )
    assert _marks(on_time, WED) == (False, False)


def test_cases_without_a_stage_deadline_are_neither(make_case: MakeCase) -> None:
    assert _marks(make_case(None, status=CaseStatus.SUPPLEMENT_REQUESTED), WED) == (False, False)


# --- the overview -----------------------------------------------------------------------


def _province() -> Actor:
    return Actor.of(User.objects.get(username="supervisor-jilin"))


def _changchun() -> Actor:
    return Actor.of(User.objects.get(username="supervisor-changchun"))


def _world(make_case: MakeCase) -> dict[str, Case]:
    return {
        "red": make_case(date(2026, 9, 29), staff="reviewer-nanguan"),
        "yellow": make_case(date(2026, 10, 8)),
        "fine": make_case(date(2026, 10, 20)),
        "elsewhere": make_case(date(2026, 9, 1), item=WANGQING_ITEM),
        "closed": make_case(date(2026, 9, 1), status=CaseStatus.COMPLETED),
        "provisional": make_case(date(2026, 10, 20), provisional=True),
    }


def test_the_province_overview_counts_by_status_region_and_staff(make_case: MakeCase) -> None:
    _world(make_case)
    actor = _province()
    view = monitor.overview(actor, monitor.where_for(actor), on=WED)
    assert (view.open, view.red, view.yellow, view.provisional) == (5, 2, 1, 1)
    assert view.level == "region"
    children = {row.key: (row.open, row.red, row.yellow) for row in view.children}
    assert children["220100"] == (4, 1, 1)  # 长春市
    assert children["222400"] == (1, 1, 0)  # 延边州
    assert view.by_status[0].key == CaseStatus.IN_REVIEW
    staff = {row.name: (row.open, row.red) for row in view.staff}
    assert staff["赵刚"] == (1, 1)  # reviewer-nanguan acted last on the red one
    assert view.on_time_share == 0.6


def test_the_drill_down_goes_city_county_hall_department(make_case: MakeCase) -> None:
    cases = _world(make_case)
    actor = _province()
    county = monitor.overview(actor, monitor.where_for(actor, region="220102"), on=WED)
    assert county.level == "hall"
    hall = county.children[0]
    assert hall.query == {"region": "220102", "hall": "hall-220102"}
    in_hall = monitor.overview(actor, monitor.where_for(actor, **hall.query), on=WED)
    assert in_hall.level == "department"
    dept = in_hall.children[0]
    assert dept.query["department"] == cases["red"].department.code
    leaf = monitor.where_for(actor, **dept.query)
    assert monitor.overview(actor, leaf, on=WED).level == "case"
    red = list(monitor.coloured_cases(actor, leaf, colour="red", on=WED))
    assert [c.case_no for c in red] == [cases["red"].case_no]
    assert [name for name, _ in monitor.overview(actor, leaf, on=WED).breadcrumbs][:3] == [
        "吉林省",
        "长春市",
        "南关区",
    ]


def test_a_city_supervisor_sees_only_the_city(make_case: MakeCase) -> None:
    _world(make_case)
    actor = _changchun()
    view = monitor.overview(actor, monitor.where_for(actor), on=WED)
    assert view.where.region.code == "220100"
    assert (view.open, view.red) == (4, 1)
    with pytest.raises(monitor.NotFound) as refused:
        monitor.where_for(actor, region="222424")
    assert refused.value.code == "region_not_found"
    with pytest.raises(monitor.NotFound):
        monitor.where_for(actor, region="220000")
    assert all(
        c.region.path.startswith("220000/220100/")
        for c in monitor.coloured_cases(actor, view.where, on=WED)
    )


def test_the_overview_takes_a_fixed_number_of_queries(make_case: MakeCase) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    actor = _province()

    def queries() -> int:
        where = monitor.where_for(actor)
        with CaptureQueriesContext(connection) as seen:
            monitor.overview(actor, where, on=WED)
        return len(seen)

    make_case(date(2026, 9, 29), staff="reviewer-nanguan")
    queries()  # the first one fills the per-process caches (calendar, posts)
    few = queries()
    for i in range(12):
        make_case(date(2026, 9, 29) if i % 2 else date(2026, 10, 8), staff="reviewer-nanguan")
        make_case(date(2026, 9, 29), item=WANGQING_ITEM)
    assert queries() == few <= 25


# --- the API ------------------------------------------------------------------------------


@pytest.fixture
def auth(api_login: Any) -> Any:
    return lambda username: {"HTTP_AUTHORIZATION": f"Bearer {api_login(username)}"}


def test_the_api_lists_red_cases_masked_and_scoped(
    client: Client, make_case: MakeCase, frozen: Any, auth: Any
) -> None:
    frozen.set(WED)
    cases = _world(make_case)
    token = auth("supervisor-changchun")
    got = client.get("/api/v1/supervision/cases?colour=red", **token)
    assert got.status_code == 200
    body = got.json()
    assert [c["case_no"] for c in body["items"]] == [cases["red"].case_no]
    row = body["items"][0]
    assert row["applicant"] == "张*"  # 张三, masked
    assert row["colour"] == "red"
    assert row["responsible"] == "赵刚"
    assert "id_number" not in row
    assert "phone" not in row
    overview = client.get("/api/v1/supervision/overview", **token).json()
    assert (overview["region"]["code"], overview["open"], overview["red"]) == ("220100", 4, 1)
    assert {c["key"] for c in overview["children"]} <= {
        "220102",
        "220100",
        "220103",
        "220104",
        "220105",
        "220106",
        "220112",
        "220113",
        "220122",
        "220182",
        "220183",
        "220184",
    }


def test_the_api_codes(client: Client, make_case: MakeCase, auth: Any) -> None:
    token = auth("supervisor-changchun")
    assert_problem(
        client.get("/api/v1/supervision/overview?region=222424", **token), 404, "region_not_found"
    )
    assert_problem(
        client.get("/api/v1/supervision/cases?region=999999", **token), 404, "region_not_found"
    )
    assert_problem(client.get("/api/v1/supervision/cases?colour=blue", **token), 422, "bad_colour")
    assert_problem(
        client.get("/api/v1/supervision/overview?from=2026-13-01", **token), 422, "bad_date"
    )
    assert_problem(client.get("/api/v1/supervision/cases?page=0", **token), 422, "bad_page")
    assert_problem(
        client.get("/api/v1/supervision/overview?department=nope", **token),
        404,
        "department_not_found",
    )
    citizen = auth("citizen")
    assert_problem(client.get("/api/v1/supervision/overview", **citizen), 403, "not_a_supervisor")
    assert_problem(client.get("/api/v1/supervision/overview"), 401, "not_authenticated")


def test_the_overview_from_to_keeps_the_cases_that_arrived_then(
    client: Client, make_case: MakeCase, frozen: Any, auth: Any
) -> None:
    frozen.set(WED)
    _world(make_case)
    token = auth("supervisor-jilin")
    assert (
        client.get("/api/v1/supervision/overview?from=2026-09-01&to=2026-09-01", **token).json()[
            "open"
        ]
        == 5
    )
    assert client.get("/api/v1/supervision/overview?from=2026-09-02", **token).json()["open"] == 0


def test_the_administrator_sees_the_province_and_any_region(make_case: MakeCase) -> None:
    _world(make_case)
    admin = Actor.of(User.objects.get(username="admin"))
    view = monitor.overview(admin, monitor.where_for(admin), on=WED)
    assert (view.where.region.code, view.open) == ("220000", 5)
    assert monitor.where_for(admin, region="222424").region.code == "222424"


def test_before_acceptance_the_hall_clerk_is_responsible(make_case: MakeCase) -> None:
    case = make_case(
        None, status=CaseStatus.SUPPLEMENT_REQUESTED, limit=None, staff="clerk-nanguan"
    )
    later = make_case(date(2026, 10, 8), staff="clerk-nanguan")  # in review: the department's
    rows = dict(Case.objects.values_list("pk", "responsible_id"))
    clerk = User.objects.get(username="clerk-nanguan").pk
    assert (rows[case.pk], rows[later.pk]) == (clerk, None)


def test_items_are_listed_red_first_and_at_most_twenty(make_case: MakeCase) -> None:
    assert monitor.TOP == 20
    make_case(date(2026, 10, 20), item=WANGQING_ITEM)
    make_case(date(2026, 10, 20), item=WANGQING_ITEM)
    red = make_case(date(2026, 9, 29))
    actor = _province()
    view = monitor.overview(actor, monitor.where_for(actor), on=WED)
    assert view.by_item[0].key == str(red.item_id)
    assert view.by_item[0].red == 1
