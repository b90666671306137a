"""One case's fact (what the statistics count of it) and its contributions to the daily
rollup (decision 0024). The live refresh and the history seed both go through
`fact_of` and `contributions`, so the two cannot count differently.

Definitions (docs/supervision.md, "Statistics"):

- accepted: on the legal acceptance date (`accepted_on`, a deemed acceptance included);
  online = submitted through the online channel; star level of the item's on-site
  visits (5 = zero visits, 4 = one, 3 = two or more; domain-rules.md).
- completed (办结): approved and delivered (`completed`) or denied, on the day it closed.
  Working days used = working days from the acceptance date to the decision date, the
  start day not counted (Art. 82), less the days of special procedures (Art. 45);
  on time = decided by the promised deadline (shifted by those procedures), as
  `cases.clock.clock_view` marks a closed case late; ahead = decided before it.
- refused, withdrawn: on the day they closed.
- ratings: on the day they were given, unless `rating_counted` says the rating no
  longer counts (an appeal upheld; lane F's flag).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from yiwang.cases.choices import CaseStatus, Channel
from yiwang.common import workdays

#: The key of a rollup row: (day, region, department, item, channel).
Key = tuple[date, str, int, int, str]

#: The fact fields, in the order of the CaseFact table (case_id first).
FACT_FIELDS = (
    "case_id",
    "version",
    "region_id",
    "department_id",
    "item_id",
    "channel",
    "visits",
    "accepted_on",
    "closed_on",
    "outcome",
    "used_days",
    "promised_days",
    "legal_days",
    "on_time",
    "ahead",
    "suspended",
    "extended",
    "rated_on",
    "score",
)

_OUTCOMES = {
    CaseStatus.COMPLETED: "completed",
    CaseStatus.DENIED: "denied",
    CaseStatus.REFUSED: "refused",
    CaseStatus.WITHDRAWN: "withdrawn",
}


def rating_counted(evaluation: Any) -> bool:
    """Whether a rating counts in the statistics: not when the supervisor upheld the
    unit's appeal against it as malicious (`Evaluation.excluded`, set by feedback's
    appeal; the row is kept). The same rule as `feedback.selectors.counted_evaluations`."""
    return not evaluation.excluded


def star_of(visits: int) -> int:
    """Star level of an item by its on-site visits (domain-rules.md)."""
    return 5 if visits == 0 else 4 if visits == 1 else 3


def local_day(at: datetime | None) -> date | None:
    return timezone.localtime(at).date() if at is not None else None


def fact_of(case: Mapping[str, Any], rating: tuple[datetime, int] | None) -> dict[str, Any]:
    """The fact of a case given as a mapping of its columns (`CASE_COLUMNS`) and its
    counted rating (time, score), if any."""
    status = case["status"]
    outcome = _OUTCOMES.get(status, "")
    decided = outcome in ("completed", "denied")
    used = on_time = ahead = None
    if decided and case["accepted_on"] is not None and case["decided_on"] is not None:
        counted = workdays.count(case["accepted_on"], case["decided_on"]).value
        used = max(0, counted - (case["paused_workdays"] or 0))
        promised = case["promised_deadline"]
        on_time = promised is not None and case["decided_on"] <= promised
        ahead = promised is not None and case["decided_on"] < promised
    return {
        "case_id": case["id"],
        "version": case["version"],
        "region_id": case["region_id"],
        "department_id": case["department_id"],
        "item_id": case["item_id"],
        "channel": case["channel"],
        "visits": case["visits"],
        "accepted_on": case["accepted_on"],
        "closed_on": local_day(case["closed_at"]) if outcome else None,
        "outcome": outcome,
        "used_days": used,
        "promised_days": case["promised_limit_days"] if decided else None,
        "legal_days": case["legal_limit_days"] if decided else None,
        "on_time": bool(on_time),
        "ahead": bool(ahead),
        "suspended": decided and bool(case["paused_workdays"]),
        "extended": decided and bool(case["extension_workdays"]),
        "rated_on": local_day(rating[0]) if rating else None,
        "score": rating[1] if rating else None,
    }


#: The case columns `fact_of` reads (plus `visits`, the item's on-site visits).
CASE_COLUMNS = (
    "id",
    "version",
    "region_id",
    "department_id",
    "item_id",
    "channel",
    "status",
    "accepted_on",
    "decided_on",
    "closed_at",
    "promised_deadline",
    "promised_limit_days",
    "legal_limit_days",
    "paused_workdays",
    "extension_workdays",
)


def contributions(fact: Mapping[str, Any] | None) -> dict[Key, dict[str, int]]:
    """What one fact adds to the rollup, by row key."""
    out: dict[Key, dict[str, int]] = {}
    if fact is None:
        return out
    dims = (fact["region_id"], fact["department_id"], fact["item_id"], fact["channel"])

    def row(day: date) -> dict[str, int]:
        return out.setdefault((day, *dims), defaultdict(int))

    if fact["accepted_on"] is not None:
        r = row(fact["accepted_on"])
        r["accepted"] += 1
        r["online"] += int(fact["channel"] == Channel.ONLINE)
        r[f"star{star_of(fact['visits'])}"] += 1
    outcome = fact["outcome"]
    if outcome in ("completed", "denied") and fact["closed_on"] is not None:
        r = row(fact["closed_on"])
        r["completed"] += 1
        r["approved" if outcome == "completed" else "denied"] += 1
        r["on_time"] += int(fact["on_time"])
        r["ahead"] += int(fact["ahead"])
        r["suspended"] += int(fact["suspended"])
        r["extended"] += int(fact["extended"])
        r["used_days"] += fact["used_days"] or 0
        r["promised_days"] += fact["promised_days"] or 0
        r["legal_days"] += fact["legal_days"] or 0
    elif outcome in ("refused", "withdrawn") and fact["closed_on"] is not None:
        row(fact["closed_on"])[outcome] += 1
    if fact["rated_on"] is not None and fact["score"]:
        r = row(fact["rated_on"])
        r["rated"] += 1
        r[f"score{fact['score']}"] += 1
    return out


def add_into(
    total: dict[Key, dict[str, int]], part: Mapping[Key, Mapping[str, int]], sign: int
) -> None:
    for key, counters in part.items():
        into = total.setdefault(key, defaultdict(int))
        for name, n in counters.items():
            into[name] += sign * n


def delta(
    pairs: Iterable[tuple[Mapping[str, Any] | None, Mapping[str, Any] | None]],
) -> dict[Key, dict[str, int]]:
    """The rollup change of (old fact, new fact) pairs: new minus old, zero rows dropped."""
    total: dict[Key, dict[str, int]] = {}
    for old, new in pairs:
        if old == new:
            continue
        add_into(total, contributions(new), 1)
        add_into(total, contributions(old), -1)
    return {k: dict(v) for k, v in total.items() if any(v.values())}
