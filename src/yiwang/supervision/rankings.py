"""Monthly evaluation and public rankings (综合评价排名, issue 12 item 5).

The score of a unit (a department, or a city of the province) for a month, from the
statistics rollup of that month (decision 0024) and the cards issued in it:

    base      = 100 × Σ wₜ·rₜ / Σ wₜ        over the terms t whose rate rₜ exists
    deduction = min(cap, (red × d_red + yellow × d_yellow) × 100 / cases)
    score     = base − deduction            (two decimals, half up)

The terms and their rates (each between 0 and 1):

- on_time — 按时办结率: completed on time / completed (行政许可法 Art. 42 and the promise);
- speed — 提速: 1 − working days used / promised working days, at least 0 (承诺时限压缩);
- satisfaction — 好差评满意率: ratings 4 and 5 / ratings (upheld appeals excluded);
- online — 网办率: accepted online / accepted;
- zero_visit — 零跑动: accepted 5-star (no visit) items / accepted.

A term without a denominator that month (no ratings, say) is left out and the others
carry its weight, so that a unit is not punished for what it could not influence;
`cases` is the month's accepted cases (its completed ones when none was accepted). A
unit with fewer than `min_completed` completed cases is listed but not ranked (样本不足).
Equal scores share a rank (1, 2, 2, 4). The weights are configuration
(settings.YIWANG_RANKING; the defaults and their reasons are in docs/supervision.md) and
are frozen into each published ranking.

Publication: on and after `publish_day` of a month, the periodic job publishes the
month before (revision 1) — once. A published revision is never changed
(`models.Ranking` refuses updates); a correction is `revise_ranking`, revision n+1 with
its reason, and the public page shows every revision.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts.actor import Actor, as_actor
from yiwang.cases.clock import today as local_today
from yiwang.common.audit import record
from yiwang.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yiwang.org.models import Department, Region
from yiwang.supervision.choices import CardColour, RankingKind
from yiwang.supervision.models import COUNTERS, Card, Ranking, RankingEntry, StatsDaily
from yiwang.supervision.monitor import reach_root, supervises
from yiwang.supervision.statistics.rollup import refresh

TERMS = ("on_time", "speed", "satisfaction", "online", "zero_visit")
PUBLISHER = Actor.system("ranking-publisher")
#: How many past months the trend of a unit shows.
TREND_MONTHS = 12


# --- the formula ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Formula:
    weights: Mapping[str, float]
    red_card: float
    yellow_card: float
    cap: float
    min_completed: int

    @classmethod
    def configured(cls) -> Formula:
        """settings.YIWANG_RANKING, checked: known terms, no negative weight, some weight."""
        conf: dict[str, Any] = settings.YIWANG_RANKING
        weights = {t: float(conf["weights"].get(t, 0)) for t in TERMS}
        unknown = set(conf["weights"]) - set(TERMS)
        if unknown or any(w < 0 for w in weights.values()) or not sum(weights.values()):
            raise ValidationFailed(
                _("排名权重配置有误：只能是 %(terms)s，不能为负，且不能全为 0")
                % {"terms": "、".join(TERMS)},
                code="bad_ranking_formula",
            )
        d = conf["deductions"]
        return cls(
            weights=weights,
            red_card=float(d["red_card"]),
            yellow_card=float(d["yellow_card"]),
            cap=float(d["cap"]),
            min_completed=int(conf["min_completed"]),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "weights": dict(self.weights),
            "deductions": {
                "red_card": self.red_card,
                "yellow_card": self.yellow_card,
                "cap": self.cap,
            },
            "min_completed": self.min_completed,
        }


def rates(c: Mapping[str, int]) -> dict[str, float | None]:
    """Each term's rate from a unit's summed rollup counters (None: no denominator)."""

    def share(a: int, b: int) -> float | None:
        return a / b if b else None

    speed = None
    if c["promised_days"]:
        speed = min(1.0, max(0.0, 1 - c["used_days"] / c["promised_days"]))
    return {
        "on_time": share(c["on_time"], c["completed"]),
        "speed": speed,
        "satisfaction": share(c["score4"] + c["score5"], c["rated"]),
        "online": share(c["online"], c["accepted"]),
        "zero_visit": share(c["star5"], c["accepted"]),
    }


@dataclass(frozen=True)
class Scored:
    score: Decimal | None  # None: too few completed cases to be ranked
    figures: dict[str, Any]


def _two(x: float) -> Decimal:
    return Decimal(str(x)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def score_unit(c: Mapping[str, int], red: int, yellow: int, formula: Formula) -> Scored:
    """The module docstring's formula for one unit's month."""
    r = rates(c)
    present = {t: v for t, v in r.items() if v is not None and formula.weights[t] > 0}
    total_weight = sum(formula.weights[t] for t in present)
    points = {t: 100 * formula.weights[t] * v / total_weight for t, v in present.items()}
    cases = c["accepted"] or c["completed"]
    deduction = 0.0
    if cases:
        deduction = min(
            formula.cap, (red * formula.red_card + yellow * formula.yellow_card) * 100 / cases
        )
    figures: dict[str, Any] = {
        "accepted": c["accepted"],
        "completed": c["completed"],
        "rated": c["rated"],
        "red_cards": red,
        "yellow_cards": yellow,
        "rates": {t: (round(v, 4) if v is not None else None) for t, v in r.items()},
        "points": {t: float(_two(p)) for t, p in points.items()},
        "deduction": float(_two(deduction)),
    }
    if c["completed"] < formula.min_completed or not present:
        return Scored(None, figures)
    return Scored(_two(sum(points.values()) - deduction), figures)


def assign_ranks(scores: Mapping[str, Decimal | None]) -> dict[str, int | None]:
    """Competition ranking: equal scores share a rank and the next rank skips (1, 2, 2, 4);
    unranked units (None) get None."""
    ranked = sorted((s, k) for k, s in scores.items() if s is not None)
    ranked.sort(key=lambda sk: (-sk[0], sk[1]))
    out: dict[str, int | None] = dict.fromkeys(scores)
    previous: Decimal | None = None
    rank = 0
    for position, (s, k) in enumerate(ranked, start=1):
        if s != previous:
            rank, previous = position, s
        out[k] = rank
    return out


# --- the units and their month -------------------------------------------------------------


@dataclass
class Unit:
    key: str
    name: str
    region_name: str = ""
    counters: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    red: int = 0
    yellow: int = 0

    def add(self, row: Mapping[str, Any]) -> None:
        for name in COUNTERS:
            self.counters[name] += int(row.get(name) or 0)


def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def _units(kind: str, month: date) -> list[Unit]:
    first, last = month_bounds(month)
    rows = StatsDaily.objects.filter(day__gte=first, day__lte=last)
    cards = Card.objects.filter(issued_on__gte=first, issued_on__lte=last)
    card_counts = {
        "red": Count("id", filter=Q(colour=CardColour.RED)),
        "yellow": Count("id", filter=Q(colour=CardColour.YELLOW)),
    }
    sums = {name: Sum(name) for name in COUNTERS}
    units: dict[str, Unit] = {}
    if kind == RankingKind.DEPARTMENT:
        names = {
            str(pk): (name, region)
            for pk, name, region in Department.objects.values_list("pk", "name", "region__name")
        }

        def unit(key: str) -> Unit:
            if key not in units:
                name, region = names.get(key, (key, ""))
                units[key] = Unit(key, name, region)
            return units[key]

        for row in rows.values("department_id").annotate(**sums).order_by():
            unit(str(row["department_id"])).add(row)
        for row in cards.values("department_id").annotate(**card_counts).order_by():
            u = unit(str(row["department_id"]))
            u.red, u.yellow = row["red"], row["yellow"]
        return list(units.values())
    root = Region.objects.filter(parent__isnull=True).order_by("path").first()
    if root is None:
        return []
    cities = list(Region.objects.filter(parent=root).order_by("code"))
    for city in cities:
        units[city.code] = Unit(city.code, city.name, root.name)
    city_of = {}
    for code, path in Region.objects.values_list("code", "path"):
        for city in cities:
            if path.startswith(city.path):
                city_of[code] = city.code
    for row in rows.values("region_id").annotate(**sums).order_by():
        if row["region_id"] in city_of:
            units[city_of[row["region_id"]]].add(row)
    for row in cards.values("region_id").annotate(**card_counts).order_by():
        if row["region_id"] in city_of:
            u = units[city_of[row["region_id"]]]
            u.red += row["red"]
            u.yellow += row["yellow"]
    return list(units.values())


# --- publication (writers) ------------------------------------------------------------------


def check_kind(kind: str) -> str:
    if kind not in RankingKind.values:
        raise ValidationFailed(
            _("排名类别应为 department 或 region"),
            code="bad_ranking_kind",
            allowed=RankingKind.values,
        )
    return kind


def _check_publisher(actor: Actor) -> None:
    """Only the province's supervision office (or the system, or the platform) publishes:
    a city supervisor ranks no one (403 `not_a_province_supervisor`)."""
    if actor.is_system or actor.platform:
        return
    if supervises(actor) and reach_root(actor).parent_id is None:
        return
    raise PermissionDenied(_("只有省级效能监察机构可以发布排名"), code="not_a_province_supervisor")


def _check_month_over(month: date) -> date:
    first = month.replace(day=1)
    if first >= local_today().replace(day=1):
        raise ValidationFailed(
            _("%(month)s 尚未结束，不能发布排名") % {"month": f"{first:%Y-%m}"},
            code="month_not_over",
        )
    return first


def _write(month: date, kind: str, revision: int, reason: str, actor: Actor) -> Ranking:
    formula = Formula.configured()
    units = _units(kind, month)
    scored = {u.key: score_unit(u.counters, u.red, u.yellow, formula) for u in units}
    ranks = assign_ranks({k: s.score for k, s in scored.items()})
    try:
        with transaction.atomic():
            ranking = Ranking(
                month=month,
                kind=kind,
                revision=revision,
                reason=reason,
                formula=formula.as_dict(),
                published_at=timezone.now(),
                published_by=actor.label,
            )
            ranking.save()
            RankingEntry.objects.bulk_create(
                RankingEntry(
                    ranking=ranking,
                    key=u.key,
                    name=u.name,
                    region_name=u.region_name,
                    rank=ranks[u.key],
                    score=scored[u.key].score,
                    figures=scored[u.key].figures,
                )
                for u in units
            )
            record(
                "supervision.ranking_published" if revision == 1 else "supervision.ranking_revised",
                ranking,
                actor=actor,
                after={
                    "month": f"{month:%Y-%m}",
                    "kind": kind,
                    "revision": revision,
                    "entries": len(units),
                    "ranked": sum(1 for r in ranks.values() if r is not None),
                    "reason": reason,
                },
            )
    except IntegrityError:  # someone published the same revision a moment before
        raise Conflict(_("该月排名已发布"), code="ranking_already_published") from None
    return ranking


def publish_ranking(month: date, kind: str, *, actor: Actor) -> Ranking:
    """Publish a month's ranking (revision 1) from the rollup brought up to date first;
    409 `ranking_already_published` when it exists (a correction is `revise_ranking`)."""
    actor = as_actor(actor)
    _check_publisher(actor)
    kind, month = check_kind(kind), _check_month_over(month)
    if Ranking.objects.filter(month=month, kind=kind).exists():
        raise Conflict(
            _("%(month)s 的排名已发布，更正请发布新版次") % {"month": f"{month:%Y-%m}"},
            code="ranking_already_published",
        )
    refresh()
    return _write(month, kind, 1, "", actor)


def revise_ranking(month: date, kind: str, *, reason: str, actor: Actor) -> Ranking:
    """A correction: revision n+1 computed from today's figures, with its reason
    (1–500 characters); earlier revisions stay as published."""
    actor = as_actor(actor)
    _check_publisher(actor)
    kind, month = check_kind(kind), _check_month_over(month)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("请填写更正原因"), code="revision_reason_required")
    if len(reason) > 500:
        raise ValidationFailed(_("更正原因不能超过 500 字"), code="revision_reason_too_long")
    latest = Ranking.objects.filter(month=month, kind=kind).aggregate(n=Max("revision"))["n"]
    if latest is None:
        raise NotFound(_("该月排名尚未发布"), code="ranking_not_published")
    refresh()
    return _write(month, kind, latest + 1, reason, actor)


def previous_month(on: date) -> date:
    return (on.replace(day=1) - timedelta(days=1)).replace(day=1)


def publish_due_rankings(on: date | None = None) -> list[Ranking]:
    """The periodic job: on and after the publication day, the month before, once per
    kind (nothing when it exists)."""
    on = on or local_today()
    conf: dict[str, Any] = settings.YIWANG_RANKING
    if on.day < int(conf["publish_day"]):
        return []
    month = previous_month(on)
    published = []
    for kind in RankingKind.values:
        if not Ranking.objects.filter(month=month, kind=kind).exists():
            try:
                published.append(publish_ranking(month, kind, actor=PUBLISHER))
            except Conflict:  # another worker was first
                continue
    return published


def publish_past_months(months: Iterable[date], *, actor: Actor) -> int:
    """Publish each given month that has no ranking yet (the demo's past year)."""
    count = 0
    for month in months:
        for kind in RankingKind.values:
            if not Ranking.objects.filter(month=month, kind=kind).exists():
                publish_ranking(month, kind, actor=actor)
                count += 1
    return count


# --- reading (public) -----------------------------------------------------------------------


def parse_month(value: str | None) -> date | None:
    """`YYYY-MM` → its first day (422 `bad_month`)."""
    if not value:
        return None
    try:
        year, month = value.split("-")
        if len(year) != 4 or len(month) != 2:
            raise ValueError
        return date(int(year), int(month), 1)
    except ValueError:
        raise ValidationFailed(_("月份格式应为 YYYY-MM"), code="bad_month") from None


@dataclass(frozen=True)
class Line:
    entry: RankingEntry
    previous_rank: int | None  # last month's rank (latest revision), None when unranked then
    trend: list[tuple[str, float | None]]  # (YYYY-MM, score) over the past months


@dataclass(frozen=True)
class RankingView:
    ranking: Ranking
    latest_revision: int
    revisions: list[Ranking]
    months: list[date]
    lines: list[Line]


def _latest_per_month(kind: str, since: date, until: date) -> dict[date, Ranking]:
    latest: dict[date, Ranking] = {}
    for r in Ranking.objects.filter(kind=kind, month__gte=since, month__lte=until).order_by(
        "month", "revision"
    ):
        latest[r.month] = r
    return latest


def ranking_view(kind: str, month: date | None = None, revision: int | None = None) -> RankingView:
    """A published month (the latest when none is asked), its revision (the latest when
    none is asked), every revision, the months published, and per unit the rank of the
    month before and the trend of its score."""
    kind = check_kind(kind)
    months = sorted(
        set(Ranking.objects.filter(kind=kind).values_list("month", flat=True)), reverse=True
    )
    month = month or (months[0] if months else None)
    revisions = (
        list(Ranking.objects.filter(kind=kind, month=month).order_by("revision")) if month else []
    )
    if month is None or not revisions:
        raise NotFound(_("该月排名尚未发布"), code="ranking_not_published")
    chosen = revisions[-1]
    if revision is not None:
        chosen = next((r for r in revisions if r.revision == revision), None)  # type: ignore[assignment]
        if chosen is None:
            raise NotFound(_("没有这个版次"), code="ranking_revision_not_found")
    since = month
    for _i in range(TREND_MONTHS - 1):
        since = previous_month(since)
    history = _latest_per_month(kind, since, previous_month(month))
    history[month] = chosen
    trend: dict[str, dict[date, float | None]] = defaultdict(dict)
    for m, r in history.items():
        for key, score in r.entries.values_list("key", "score"):
            trend[key][m] = float(score) if score is not None else None
    before = history.get(previous_month(month))
    previous_ranks = dict(before.entries.values_list("key", "rank")) if before else {}
    ordered_months = sorted(history)
    lines = [
        Line(
            entry=e,
            previous_rank=previous_ranks.get(e.key),
            trend=[(f"{m:%Y-%m}", trend[e.key].get(m)) for m in ordered_months],
        )
        for e in sorted(chosen.entries.all(), key=lambda e: (e.rank is None, e.rank or 0, e.key))
    ]
    return RankingView(chosen, revisions[-1].revision, revisions, months, lines)
