"""Monthly evaluation and public rankings (issue 12 item 5, "What must hold": the scoring
formula on constructed data; the published ranking is frozen)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings

from tests.cases.conftest import FrozenClock
from tests.problems import assert_problem
from tests.supervision.conftest import NANGUAN_ITEM, WANGQING_ITEM, MakeCase
from yiwang.accounts.actor import Actor
from yiwang.accounts.models import User
from yiwang.catalog.models import ServiceItem
from yiwang.common.audit import AuditEvent
from yiwang.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yiwang.supervision import rankings
from yiwang.supervision.models import (
    COUNTERS,
    Card,
    FrozenRanking,
    Ranking,
    RankingEntry,
    StatsDaily,
)

DEFAULT = {
    "weights": {"on_time": 30, "speed": 20, "satisfaction": 25, "online": 15, "zero_visit": 10},
    "deductions": {"red_card": 2.0, "yellow_card": 0.5, "cap": 20.0},
    "min_completed": 10,
    "publish_day": 5,
}


def counters(**values: int) -> dict[str, int]:
    c = dict.fromkeys(COUNTERS, 0)
    c.update(values)
    return c


#: A constructed month: 90 % on time, 70 % faster than promised, 90 % satisfied,
#: 80 % online, 50 % zero-visit items, 120 accepted.
MONTH = counters(
    completed=100,
    on_time=90,
    used_days=300,
    promised_days=1000,
    rated=50,
    score4=15,
    score5=30,
    score1=5,
    accepted=120,
    online=96,
    star5=60,
)


@pytest.fixture
def formula() -> rankings.Formula:
    with override_settings(YIWANG_RANKING=DEFAULT):
        return rankings.Formula.configured()


# --- the formula on constructed data ----------------------------------------------------


def test_the_documented_defaults_are_what_settings_hold(formula: rankings.Formula) -> None:
    configured = rankings.Formula.configured()
    assert configured == formula
    assert sum(formula.weights.values()) == 100


def test_the_score_is_the_weighted_rates_less_the_card_deduction(
    formula: rankings.Formula,
) -> None:
    assert rankings.rates(MONTH) == {
        "on_time": 0.9,
        "speed": 0.7,
        "satisfaction": 0.9,
        "online": 0.8,
        "zero_visit": 0.5,
    }
    # base 27 + 14 + 22.5 + 12 + 5 = 80.5; deduction (1×2 + 2×0.5) × 100 / 120 = 2.5
    scored = rankings.score_unit(MONTH, 1, 2, formula)
    assert scored.score == Decimal("78.00")
    assert scored.figures["points"] == {
        "on_time": 27.0,
        "speed": 14.0,
        "satisfaction": 22.5,
        "online": 12.0,
        "zero_visit": 5.0,
    }
    assert scored.figures["deduction"] == 2.5
    assert scored.figures["red_cards"] == 1
    assert scored.figures["yellow_cards"] == 2
    assert rankings.score_unit(MONTH, 0, 0, formula).score == Decimal("80.50")
    assert rankings.score_unit(MONTH, 0, 1, formula).score == Decimal("80.08")  # 80.5 - 0.4167
    assert rankings.score_unit(MONTH, 1, 0, formula).score == Decimal("78.83")  # 80.5 - 1.6667


def test_a_term_without_a_denominator_leaves_its_weight_to_the_others(
    formula: rankings.Formula,
) -> None:
    unrated = {**MONTH, "rated": 0, "score1": 0, "score4": 0, "score5": 0}
    scored = rankings.score_unit(unrated, 0, 0, formula)
    # (27 + 14 + 12 + 5) / 75 × 100 = 77.333…
    assert scored.score == Decimal("77.33")
    assert "satisfaction" not in scored.figures["points"]
    assert scored.figures["rates"]["satisfaction"] is None


def test_the_deduction_is_capped_and_counts_cards_per_hundred_accepted(
    formula: rankings.Formula,
) -> None:
    assert rankings.score_unit(MONTH, 100, 0, formula).score == Decimal("60.50")  # cap 20
    nothing_accepted = {**MONTH, "accepted": 0, "online": 0, "star5": 0}
    # no accepted case: the deduction is per 100 completed (1 × 2 × 100 / 100 = 2)
    assert rankings.score_unit(nothing_accepted, 1, 0, formula).figures["deduction"] == 2.0


def test_speed_lies_between_nothing_and_everything() -> None:
    assert rankings.rates({**MONTH, "used_days": 1200})["speed"] == 0.0
    assert rankings.rates({**MONTH, "used_days": 0})["speed"] == 1.0
    assert rankings.rates({**MONTH, "used_days": 1000})["speed"] == 0.0
    assert rankings.rates({**MONTH, "promised_days": 0})["speed"] is None


def test_a_unit_with_too_few_completed_cases_is_listed_unranked(
    formula: rankings.Formula,
) -> None:
    assert rankings.score_unit({**MONTH, "completed": 9, "on_time": 9}, 0, 0, formula).score is None
    assert rankings.score_unit({**MONTH, "completed": 10, "on_time": 9}, 0, 0, formula).score


def test_equal_scores_share_a_rank_and_the_next_skips() -> None:
    scores = {
        "b": Decimal("85"),
        "a": Decimal("90"),
        "c": Decimal("85"),
        "d": Decimal("80"),
        "e": None,
    }
    assert rankings.assign_ranks(scores) == {"a": 1, "b": 2, "c": 2, "d": 4, "e": None}


def test_the_weights_are_configuration(formula: rankings.Formula) -> None:
    only_on_time = {**DEFAULT, "weights": {"on_time": 1}}
    with override_settings(YIWANG_RANKING=only_on_time):
        f = rankings.Formula.configured()
        assert rankings.score_unit(MONTH, 0, 0, f).score == Decimal("90.00")
    for bad in ({"on_time": -1}, {"speedy": 10}, {"on_time": 0}):
        with override_settings(YIWANG_RANKING={**DEFAULT, "weights": bad}):
            with pytest.raises(ValidationFailed) as caught:
                rankings.Formula.configured()
            assert caught.value.code == "bad_ranking_formula"


# --- publication, frozen, revised -------------------------------------------------------


def _stats(day: date, item_code: str, **values: int) -> StatsDaily:
    item = ServiceItem.objects.select_related("department").get(code=item_code)
    return StatsDaily.objects.create(
        day=day,
        region_id=item.department.region_id,
        department_id=item.department_id,
        item_id=item.pk,
        channel="online",
        **values,
    )


@pytest.fixture
def august(world: dict[str, Any], frozen: FrozenClock) -> dict[str, Any]:
    """Two departments' August 2026 (南关区 in 长春市, 汪清县 in 延边州), today 15 September."""
    frozen.set("2026-09-15")
    good = {k: v for k, v in MONTH.items() if v}
    nanguan = _stats(date(2026, 8, 3), NANGUAN_ITEM, **good)
    worse = {**good, "on_time": 60}
    wangqing = _stats(date(2026, 8, 31), WANGQING_ITEM, **worse)
    _stats(date(2026, 9, 1), WANGQING_ITEM, **good)  # September: not in August's ranking
    return {"nanguan": nanguan, "wangqing": wangqing}


@pytest.mark.django_db
def test_publishing_ranks_the_departments_of_the_month(august: dict[str, Any]) -> None:
    ranking = rankings.publish_ranking(date(2026, 8, 20), "department", actor=Actor.system("t"))
    assert ranking.month == date(2026, 8, 1)
    assert ranking.revision == 1
    entries = {e.key: e for e in ranking.entries.all()}
    nanguan = entries[str(august["nanguan"].department_id)]
    wangqing = entries[str(august["wangqing"].department_id)]
    assert (nanguan.rank, nanguan.score) == (1, Decimal("80.50"))
    # 60 % on time: 80.5 − 30 × 0.3 = 71.5
    assert (wangqing.rank, wangqing.score) == (2, Decimal("71.50"))
    assert wangqing.figures["completed"] == 100  # September's row left out
    assert ranking.formula["weights"]["on_time"] == 30
    event = AuditEvent.objects.get(action="supervision.ranking_published")
    assert event.after["month"] == "2026-08"
    assert event.after["ranked"] == 2


@pytest.mark.django_db
def test_the_cities_sum_their_counties_and_cards_count_against_them(
    august: dict[str, Any], make_case: MakeCase
) -> None:
    case = make_case(date(2026, 8, 10))
    Card.objects.create(
        case=case,
        colour="red",
        region_id=case.region_id,
        department_id=case.department_id,
        hall_id=case.hall_id,
        case_status=case.status,
        due_on=date(2026, 8, 10),
        issued_on=date(2026, 8, 11),
        issued_at=case.submitted_at,
        escalate_on=date(2026, 8, 13),
    )
    ranking = rankings.publish_ranking(date(2026, 8, 1), "region", actor=Actor.system("t"))
    entries = {e.key: e for e in ranking.entries.all()}
    changchun, yanbian = entries["220100"], entries["222400"]
    assert changchun.figures["completed"] == 100
    assert changchun.figures["red_cards"] == 1
    assert changchun.score == Decimal("78.83")  # 80.5 − 2 × 100 / 120
    assert yanbian.score == Decimal("71.50")
    assert (changchun.rank, yanbian.rank) == (1, 2)
    departments = rankings.publish_ranking(date(2026, 8, 1), "department", actor=Actor.system("t"))
    assert departments.entries.get(key=str(case.department_id)).figures["red_cards"] == 1


@pytest.mark.django_db
def test_a_published_ranking_is_frozen_and_a_correction_is_a_visible_revision(
    august: dict[str, Any],
) -> None:
    system = Actor.system("t")
    first = rankings.publish_ranking(date(2026, 8, 1), "department", actor=system)
    key = str(august["wangqing"].department_id)
    StatsDaily.objects.filter(pk=august["wangqing"].pk).update(on_time=90)  # a late correction
    with pytest.raises(Conflict) as caught:
        rankings.publish_ranking(date(2026, 8, 1), "department", actor=system)
    assert caught.value.code == "ranking_already_published"
    assert first.entries.get(key=key).score == Decimal("71.50")  # unchanged by the figures
    with pytest.raises(ValidationFailed) as no_reason:
        rankings.revise_ranking(date(2026, 8, 1), "department", reason=" ", actor=system)
    assert no_reason.value.code == "revision_reason_required"
    second = rankings.revise_ranking(
        date(2026, 8, 1), "department", reason="汪清县按时办结数据更正", actor=system
    )
    assert second.revision == 2
    assert second.reason == "汪清县按时办结数据更正"
    assert second.entries.get(key=key).score == Decimal("80.50")
    assert second.entries.get(key=key).rank == 1  # a tie with 南关区 now
    assert first.entries.get(key=key).score == Decimal("71.50")  # revision 1 as published
    first.reason = "changed"
    with pytest.raises(FrozenRanking):
        first.save()
    with pytest.raises(FrozenRanking):
        first.delete()
    entry = first.entries.get(key=key)
    entry.score = Decimal("99")
    with pytest.raises(FrozenRanking):
        entry.save()
    assert RankingEntry.objects.get(pk=entry.pk).score == Decimal("71.50")
    assert AuditEvent.objects.filter(action="supervision.ranking_revised").count() == 1
    view = rankings.ranking_view("department", date(2026, 8, 1))
    assert view.ranking.revision == 2
    assert [r.revision for r in view.revisions] == [1, 2]
    old = rankings.ranking_view("department", date(2026, 8, 1), revision=1)
    assert {line.entry.key: line.entry.score for line in old.lines}[key] == Decimal("71.50")


@pytest.mark.django_db
def test_only_a_finished_month_is_published_and_revised(august: dict[str, Any]) -> None:
    system = Actor.system("t")
    with pytest.raises(ValidationFailed) as caught:
        rankings.publish_ranking(date(2026, 9, 1), "department", actor=system)
    assert caught.value.code == "month_not_over"
    with pytest.raises(NotFound) as missing:
        rankings.revise_ranking(date(2026, 7, 1), "department", reason="x", actor=system)
    assert missing.value.code == "ranking_not_published"
    with pytest.raises(ValidationFailed) as kind:
        rankings.publish_ranking(date(2026, 8, 1), "hall", actor=system)
    assert kind.value.code == "bad_ranking_kind"
    assert not Ranking.objects.exists()


@pytest.mark.django_db
def test_only_the_province_supervision_office_publishes(august: dict[str, Any]) -> None:
    for username in ("supervisor-changchun", "citizen", "clerk-nanguan"):
        with pytest.raises(PermissionDenied) as caught:
            rankings.publish_ranking(
                date(2026, 8, 1), "department", actor=Actor.of(User.objects.get(username=username))
            )
        assert caught.value.code == "not_a_province_supervisor"
    assert not Ranking.objects.exists()
    province = Actor.of(User.objects.get(username="supervisor-jilin"))
    assert rankings.publish_ranking(date(2026, 8, 1), "department", actor=province).revision == 1


@pytest.mark.django_db
def test_the_job_publishes_last_month_on_the_configured_day_once(
    august: dict[str, Any], frozen: FrozenClock
) -> None:
    with override_settings(YIWANG_RANKING={**DEFAULT, "publish_day": 5}):
        assert rankings.publish_due_rankings(date(2026, 9, 4)) == []
        published = rankings.publish_due_rankings(date(2026, 9, 5))
        assert sorted((r.month, r.kind) for r in published) == [
            (date(2026, 8, 1), "department"),
            (date(2026, 8, 1), "region"),
        ]
        assert rankings.publish_due_rankings(date(2026, 9, 6)) == []
    assert Ranking.objects.count() == 2
    assert set(Ranking.objects.values_list("published_by", flat=True)) == {"ranking-publisher"}


# --- the public API -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_public_api_gives_the_ranking_its_revisions_and_each_units_trend(
    client: Any, august: dict[str, Any]
) -> None:
    system = Actor.system("t")
    july = {k: v for k, v in MONTH.items() if v} | {"on_time": 75}
    _stats(date(2026, 7, 15), NANGUAN_ITEM, **july)
    _stats(date(2026, 7, 15), WANGQING_ITEM, **{k: v for k, v in MONTH.items() if v})
    rankings.publish_ranking(date(2026, 7, 1), "department", actor=system)
    rankings.publish_ranking(date(2026, 8, 1), "department", actor=system)
    body = client.get("/api/v1/public/rankings", {"month": "2026-08"}).json()
    assert body["month"] == "2026-08"
    assert body["revision"] == body["latest_revision"] == 1
    assert body["months"] == ["2026-08", "2026-07"]
    first = body["entries"][0]
    assert first["key"] == str(august["nanguan"].department_id)
    assert (first["rank"], first["previous_rank"], first["score"]) == (1, 2, 80.5)
    assert first["trend"] == [
        {"month": "2026-07", "score": 76.0},  # 80.5 − 30 × 0.15
        {"month": "2026-08", "score": 80.5},
    ]
    assert client.get("/api/v1/public/rankings").json()["month"] == "2026-08"  # the latest
    assert_problem(client.get("/api/v1/public/rankings", {"month": "2026-8"}), 422, "bad_month")
    assert_problem(
        client.get("/api/v1/public/rankings", {"month": "2026-06"}), 404, "ranking_not_published"
    )
    assert_problem(client.get("/api/v1/public/rankings", {"kind": "hall"}), 422, "bad_ranking_kind")
    assert_problem(
        client.get("/api/v1/public/rankings", {"month": "2026-08", "revision": 3}),
        404,
        "ranking_revision_not_found",
    )


# --- the public page ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_says_when_nothing_is_published_yet(client: Any, world: dict[str, Any]) -> None:
    response = client.get("/public/rankings/")
    assert response.status_code == 200
    assert "尚未公布排名" in response.content.decode()


@pytest.mark.django_db
def test_the_page_lists_every_unit_with_its_figures_and_the_formula(
    client: Any, august: dict[str, Any]
) -> None:
    rankings.publish_ranking(date(2026, 8, 1), "region", actor=Actor.system("t"))
    page = client.get("/public/rankings/", {"kind": "region"}).content.decode()
    assert "2026 年 8 月排名" in page
    assert page.index("长春市") < page.index("延边朝鲜族自治州")  # 80.50 before 71.50
    assert "80.50" in page
    assert "样本不足" in page  # a city without cases is listed, not ranked
    assert "每百件受理办件中每张红牌扣 2.0 分" in page
    assert 'id="ranking-data"' in page
    english = client.get(
        "/public/rankings/", {"kind": "region"}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Monthly performance ranking" in english
    assert client.get("/public/rankings/", {"month": "2026-13"}).status_code == 422
    assert client.get("/public/rankings/", {"month": "2026-05"}).status_code == 404


# --- the command line ---------------------------------------------------------------------


def _cli(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("rankings", *args, stdout=out)
    except SystemExit as stop:
        return int(stop.code or 0), out.getvalue()
    return 0, out.getvalue()


@pytest.mark.django_db
def test_the_command_line_publishes_and_revises_with_one_line_errors(
    august: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    status, out = _cli("publish", "--month", "2026-08", "--kind", "region")
    assert status == 0
    assert json.loads(out) == {
        "month": "2026-08",
        "kind": "region",
        "revision": 1,
        "entries": Ranking.objects.get().entries.count(),
        "ranked": 2,
    }
    assert _cli("publish", "--month", "2026-08", "--kind", "region")[1].startswith(
        "invalid: 2026-08 的排名已发布"
    )
    assert (
        _cli("revise", "--month", "2026-08", "--kind", "region")[1] == "invalid: 请填写更正原因\n"
    )
    status, out = _cli("revise", "--month", "2026-08", "--kind", "region", "--reason", "复核")
    assert status == 0
    assert json.loads(out)["revision"] == 2
    assert _cli("publish", "--month", "2026-8") == (1, "invalid: 月份格式应为 YYYY-MM\n")
    assert _cli("publish", "--month", "2026-09")[1].startswith("invalid: 2026-09 尚未结束")
    assert _cli("publish", "--month", "2026-08", "--kind", "hall")[0] == 1
    assert capsys.readouterr().out.startswith("invalid: argument --kind: invalid choice: 'hall'")
    assert Ranking.objects.count() == 2
