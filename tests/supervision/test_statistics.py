"""The rollup equals a direct count over the case table (issue 12, "What must hold"),
after a random mix of history rows and submissions and actions through the services;
months, quarters, years and regions are sums of it; a supervisor sees only their
regions' figures."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import date
from typing import Any

import pytest
from django.utils import timezone

from tests.cases.conftest import FrozenClock
from tests.cases.items import FORMS, NANGUAN
from yiwang.accounts.actor import Actor
from yiwang.accounts.models import StaffPost, User
from yiwang.cases.models import Case
from yiwang.common import workdays
from yiwang.common.errors import NotFound, PermissionDenied, ValidationFailed
from yiwang.feedback.models import Evaluation
from yiwang.org.models import Post
from yiwang.supervision.models import COUNTERS, StatsDaily, StatsMonthly
from yiwang.supervision.statistics import queries
from yiwang.supervision.statistics.rollup import rebuild, refresh, sum_months_from_days


def direct_counts() -> dict[tuple[Any, ...], Counter[str]]:
    """Every rollup figure counted straight from the cases and ratings (the definitions
    of supervision.statistics.facts, written out again on the model)."""
    out: dict[tuple[Any, ...], Counter[str]] = defaultdict(Counter)
    for c in Case.objects.select_related("item"):
        dims = (c.region_id, c.department_id, c.item_id, c.channel)
        if c.accepted_on is not None:
            row = out[(c.accepted_on, *dims)]
            row["accepted"] += 1
            row["online"] += c.channel == "online"
            visits = c.item.visits
            row["star5" if visits == 0 else "star4" if visits == 1 else "star3"] += 1
        if c.closed_at is None:
            continue
        closed = timezone.localtime(c.closed_at).date()
        if c.status in ("completed", "denied"):
            row = out[(closed, *dims)]
            row["completed"] += 1
            row["approved" if c.status == "completed" else "denied"] += 1
            assert c.decided_on is not None
            assert c.accepted_on is not None
            assert c.promised_deadline is not None
            row["on_time"] += c.decided_on <= c.promised_deadline
            row["ahead"] += c.decided_on < c.promised_deadline
            row["suspended"] += c.paused_workdays > 0
            row["extended"] += c.extension_workdays > 0
            used = workdays.count(c.accepted_on, c.decided_on).value - c.paused_workdays
            row["used_days"] += max(0, used)
            row["promised_days"] += c.promised_limit_days or 0
            row["legal_days"] += c.legal_limit_days or 0
        elif c.status in ("refused", "withdrawn"):
            out[(closed, *dims)][c.status] += 1
    for e in Evaluation.objects.select_related("case"):
        c = e.case
        row = out[
            (timezone.localtime(e.at).date(), c.region_id, c.department_id, c.item_id, c.channel)
        ]
        row["rated"] += 1
        row[f"score{e.score}"] += 1
    return {k: v for k, v in out.items() if any(v.values())}


def by_month(counts: dict[tuple[Any, ...], Counter[str]]) -> dict[tuple[Any, ...], Counter[str]]:
    out: dict[tuple[Any, ...], Counter[str]] = defaultdict(Counter)
    for (day, *rest), counters in counts.items():
        out[(day.replace(day=1), *rest)].update(counters)
    return {k: +v for k, v in out.items() if +v}


def rollup_counts(model: Any = StatsDaily) -> dict[tuple[Any, ...], Counter[str]]:
    out = {}
    for r in map(dict, model.objects.values()):
        counters = Counter({c: r[c] for c in COUNTERS if r[c]})
        if counters:
            out[(r["day"], r["region_id"], r["department_id"], r["item_id"], r["channel"])] = (
                counters
            )
    return out


def _random_service_mix(api: Any, frozen: FrozenClock, rng: random.Random) -> None:
    """Cases through the API (the services) with a random path each, over two weeks."""
    days = [date(2026, 10, 12), date(2026, 10, 13), date(2026, 10, 14), date(2026, 10, 15)]
    for n in range(8):
        frozen.set(days[n % 2], 9)
        body = api.apply("citizen", NANGUAN, form=FORMS[NANGUAN], delivery="window")
        case_no = body["case_no"]
        path = rng.choice(["complete", "complete", "refuse", "withdraw", "open", "deny"])
        if path == "refuse":
            api.ok("clerk-nanguan", case_no, "refuse", comment="不属于本机关职权范围")
            continue
        if path == "withdraw":
            api.ok("citizen", case_no, "withdraw")
            continue
        api.ok("clerk-nanguan", case_no, "accept")
        if path == "open":
            continue
        frozen.set(days[2 + n % 2], 10)
        if path == "deny":
            api.ok("reviewer-nanguan", case_no, "deny", comment="不符合法定条件")
            continue
        api.ok("reviewer-nanguan", case_no, "approve")
        api.ok("reviewer-nanguan", case_no, "issue")
        api.ok("clerk-nanguan", case_no, "deliver", method="window")
        case = Case.objects.get(case_no=case_no)
        # A rating as feedback's service writes it (lane F's service is on its branch).
        Evaluation.objects.create(
            case=case,
            score=rng.randint(1, 5),
            channel="web",
            rated_by=case.applicant,
            at=frozen.now,
        )


@pytest.mark.django_db
def test_the_rollup_equals_a_direct_count_after_a_random_mix(
    people: Any, api: Any, frozen: FrozenClock
) -> None:
    from yiwang.supervision.history import seed_history

    frozen.set("2026-10-09", 18)
    seed_history(300, years=1, seed=11, batch_size=120, progress=False)
    assert rollup_counts() == direct_counts()  # the seed wrote its own rollup rows
    rng = random.Random(5)
    _random_service_mix(api, frozen, rng)
    assert rollup_counts() != direct_counts()  # not yet folded in
    refresh()
    assert rollup_counts() == direct_counts()
    assert rollup_counts(StatsMonthly) == by_month(direct_counts())  # kept beside
    refresh()  # a second run (and the re-read overlap) changes nothing
    assert rollup_counts() == direct_counts()
    before = rollup_counts()
    rebuild()
    assert rollup_counts() == before
    assert rollup_counts(StatsMonthly) == by_month(before)
    # the migration's backfill: the months summed again from the days
    StatsMonthly.objects.all().delete()
    assert sum_months_from_days() == len(by_month(before))
    assert rollup_counts(StatsMonthly) == by_month(before)


@pytest.mark.parametrize(
    ("date_from", "date_to", "by_day", "monthly"),
    [
        (None, None, False, True),
        (date(2026, 10, 1), date(2026, 10, 31), False, True),
        (date(2026, 10, 2), None, False, False),  # cuts October
        (None, date(2026, 10, 30), False, False),  # cuts October
        (date(2026, 2, 1), date(2026, 2, 28), False, True),
        (None, None, True, False),  # per day
    ],
)
def test_whole_months_read_the_monthly_rows(
    date_from: date | None, date_to: date | None, by_day: bool, monthly: bool
) -> None:
    model = queries.rollup_for(date_from, date_to, by_day=by_day)
    assert model is (StatsMonthly if monthly else StatsDaily)


@pytest.mark.django_db
def test_a_period_that_cuts_a_month_counts_its_days(people: Any, frozen: FrozenClock) -> None:
    from yiwang.supervision.history import seed_history

    frozen.set("2026-10-09", 18)
    seed_history(200, years=1, seed=13, batch_size=200, progress=False)
    admin = Actor.of(User.objects.get(username="supervisor-jilin"))
    since = date(2026, 9, 14)
    expected = Counter[str]()
    for (day, *_), counters in direct_counts().items():
        if day >= since:
            expected.update(counters)
    table = queries.statistics(admin, by="region", period="month", date_from=since)
    assert {c: table.total[c] for c in COUNTERS if table.total[c]} == dict(+expected)
    head = queries.overview(admin, date_from=since)
    assert head["accepted"] == expected["accepted"]


@pytest.mark.django_db
def test_periods_and_regions_are_sums_of_the_days(people: Any, frozen: FrozenClock) -> None:
    from yiwang.supervision.history import seed_history

    frozen.set("2026-10-09", 18)
    seed_history(250, years=1, seed=12, batch_size=250, progress=False)
    admin = Actor.of(User.objects.get(username="supervisor-jilin"))
    direct = direct_counts()
    total = Counter[str]()
    for counters in direct.values():
        total.update(counters)
    for period in queries.PERIODS:
        table = queries.statistics(admin, by="region", period=period)
        summed = Counter[str]()
        for row in table.rows:
            summed.update({c: row.figures[c] for c in COUNTERS})
        assert +summed == +total, period
        assert {c: table.total[c] for c in COUNTERS if table.total[c]} == dict(+total)
    # the cities: 长春 (220100) and 延边 (222400) below the province, each its own sum
    table = queries.statistics(admin, by="region", period="year")
    by_key = Counter[str]()
    for row in table.rows:
        by_key[row.key] += row.figures["accepted"]
    path_of = {c.region_id: c.region.path for c in Case.objects.select_related("region")}
    expected = Counter[str]()
    for key, counters in direct.items():
        parts = path_of[key[1]].strip("/").split("/")
        expected[parts[1] if len(parts) > 1 else "220000"] += counters["accepted"]
    assert +by_key == +expected
    head = queries.overview(admin)
    assert head["accepted"] == total["accepted"]
    assert head["avg_workdays"] == round(total["used_days"] / total["completed"], 2)
    assert head["shorter_than_legal"] == round(
        1 - round(total["used_days"] / total["legal_days"], 4), 4
    )


@pytest.mark.django_db
def test_a_city_supervisor_sees_only_the_city(people: Any, frozen: FrozenClock) -> None:
    from yiwang.supervision.history import seed_history

    frozen.set("2026-10-09", 18)
    seed_history(250, years=1, seed=13, batch_size=250, progress=False)
    user = User.objects.create(
        username="supervisor-test-changchun", kind="staff", display_name="长春监察"
    )
    StaffPost.objects.create(user=user, post=Post.objects.get(code="220100-supervisor"))
    city = Actor.of(user)
    table = queries.statistics(city, by="region", period="year")
    assert table.region.code == "220100"
    changchun = Case.objects.filter(region__path__startswith="220000/220100/")
    assert table.total["accepted"] == changchun.exclude(accepted_on=None).count()
    assert table.total["accepted"] < Case.objects.exclude(accepted_on=None).count()
    for by in queries.BY:
        rows = queries.statistics(city, by=by, period="month").rows
        assert sum(r.figures["accepted"] for r in rows) == table.total["accepted"]
    with pytest.raises(NotFound):
        queries.statistics(city, region="220000")
    with pytest.raises(NotFound):
        queries.statistics(city, region="222424")  # 汪清县, another city's county
    citizen = Actor.of(User.objects.get(username="citizen"))
    with pytest.raises(PermissionDenied):
        queries.overview(citizen)
    with pytest.raises(ValidationFailed):
        queries.statistics(city, by="staff")
    with pytest.raises(ValidationFailed):
        queries.statistics(city, period="week")
