"""One case of history, planned and played (decision 0024).

`scenario(index, ...)` draws what happens to case number `index` of a seed (item,
applicant, channel, the days and hours of each step, the outcome, the rating) from a
generator seeded by (seed, index) only — so a run is deterministic, resumable and
idempotent per index. `play(scenario)` applies the steps as the cases services do: the
same transition table, the same clock functions (`cases.clock`, `common.workdays`), the
same event data and the same fields of each effect (`cases.services.effects`); the
equality test (tests/supervision/test_history.py) runs the same scenarios through the
services with a frozen clock and compares the rows field by field.

What the history does not write, on purpose (docs/supervision.md): the applicant's
messages (a message about a case of two years ago would be sent now), the material
files (no uploads are invented; the submission event still lists the materials handed
in), e-licenses of issued results, and one audit event per case (one per batch instead:
decision 0024).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from yiwang.cases import clock
from yiwang.cases.choices import (
    CaseAction,
    CaseStatus,
    Channel,
    Decision,
    EventKind,
    SpecialProcedure,
)
from yiwang.cases.responsible import INTAKE_STATUSES
from yiwang.cases.services._common import APPLICANT_UNIT, DEFAULT_CARRIER, LAW, SYSTEM_UNIT, _fmt
from yiwang.cases.transitions import transition_for
from yiwang.common import workdays
from yiwang.feedback.choices import (
    BAD_RATING_AT_MOST,
    Indicator,
    RatingChannel,
    RectificationStatus,
)
from yiwang.feedback.services.rating import rectification_workdays
from yiwang.supervision.history.world import Acting, ItemWorld, Method, World, applicants_for

SHANGHAI = ZoneInfo("Asia/Shanghai")

#: The shape of the reference province (issue 12): shares of the outcomes.
REFUSED = 0.03
WITHDRAWN_EARLY = 0.01
DEEMED = 0.01
SUSPENDED = 0.04
EXTENDED = 0.02
WITHDRAWN_IN_REVIEW = 0.01
DENIED = 0.03
OVERDUE = 0.03
#: Decided on the promised day itself (in time, not ahead).
ON_THE_DAY = 0.11
RATED = 0.85
#: Channels: online, at a window (the clerk submits for the applicant), a kiosk.
CHANNELS = ((Channel.ONLINE, 0.72), (Channel.WINDOW, 0.24), (Channel.KIOSK, 0.04))
SCORES = ((5, 0.82), (4, 0.12), (3, 0.035), (2, 0.015), (1, 0.01))
RATING_CHANNELS = (RatingChannel.WEB, RatingChannel.API, RatingChannel.LINK, RatingChannel.KIOSK)
REASONS = {
    "refuse": "申请事项不属于本机关职权范围",
    "deny": "经审查，申请人不符合法定条件",
    "suspend": "依法需要组织专家评审",
    "extend": "情况复杂，经本机关负责人批准延长",
}


@dataclass(frozen=True)
class Step:
    """One action of the scenario: who takes it (None: the system), when, with what."""

    action: CaseAction
    at: datetime
    by: Acting | None  # staff; None with `applicant`: the applicant; else the system
    applicant: bool = False
    comment: str = ""
    params: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Scenario:
    index: int
    item: ItemWorld
    applicant_id: int
    channel: Channel
    clerk: Acting | None  # who submitted at a window (代办)
    intake_region_id: str | None
    submitted_at: datetime
    method: Method | None
    steps: tuple[Step, ...]
    rating: tuple[datetime, int, str] | None  # at, score, channel
    query_code: str
    #: a bad rating put right: (answered at, by whom, closed at) — the unit answers
    #: within its deadline after calling the rater back, the supervisor closes it
    rectification: tuple[datetime, int, datetime] | None = None


@dataclass
class Played:
    case: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)
    suspensions: list[dict[str, Any]] = field(default_factory=list)
    evaluation: dict[str, Any] | None = None
    rectification: dict[str, Any] | None = None
    call_back: dict[str, Any] | None = None


def _pick(rng: random.Random, weighted: tuple[tuple[Any, float], ...]) -> Any:
    x, acc = rng.random(), 0.0
    for value, weight in weighted:
        acc += weight
        if x < acc:
            return value
    return weighted[-1][0]


def _at(day: date, minutes: int) -> datetime:
    """A time on `day`, `minutes` after 08:30 (Asia/Shanghai)."""
    return datetime.combine(day, time(8, 30), tzinfo=SHANGHAI) + timedelta(minutes=minutes)


def _working_day(start: date, span: int, rng: random.Random) -> date:
    day = start + timedelta(days=rng.randrange(span))
    while not workdays.is_workday(day):
        day += timedelta(days=1)
    return day


def item_weights(world: World) -> list[float]:
    """Relative volumes by item (by promised limit), chosen so that the history has the
    reference province's shape: about 5 working days on average, about 70% below the
    legal limits, about 80% decided ahead of the promised deadline."""
    out = []
    for item in world.items:
        if item.instant:
            w = 0.3
        elif item.promised_days <= 5:
            w = 0.8
        elif item.promised_days <= 10:
            w = 1.5
        else:
            w = 3.0
        out.append(w)
    return out


def _used_days(item: ItemWorld, rng: random.Random, overdue: bool) -> int:
    """Working days from acceptance to decision: well inside the promised limit mostly."""
    if item.instant:
        return 0
    if overdue:
        return item.promised_days + 1 + rng.randrange(3)
    if rng.random() < ON_THE_DAY:
        return item.promised_days
    share = rng.triangular(0.05, 1.0, 0.45)
    return min(item.promised_days, int(item.promised_days * share))


def scenario(
    index: int, *, seed: int, world: World, weights: list[float], start: date, end: date
) -> Scenario:
    """What happens to case `index` of this seed (see the module docstring)."""
    # Not for secrets: the history must be the same for the same seed and index.
    rng = random.Random(f"{seed}:{index}")  # noqa: S311
    item = rng.choices(world.items, weights)[0]
    applicant_id = rng.choice(applicants_for(world, item))
    channel = _pick(rng, CHANNELS)
    stations = [code for code, _ in item.intake]
    station = rng.choice(stations)
    clerks = item.clerks(station)
    clerk = rng.choice(clerks)
    reviewer = rng.choice(item.handling)
    day0 = _working_day(start, max(1, (end - start).days + 1), rng)
    submitted_at = _at(day0, rng.randrange(0, 480))
    arrived = clock.arrival_day(submitted_at)
    method = rng.choice(item.methods) if item.methods else None
    steps: list[Step] = []
    minutes = rng.randrange(0, 60)

    def at(day: date) -> datetime:
        nonlocal minutes
        minutes += 5 + rng.randrange(60)
        moment = _at(day, minutes % 480)
        last = steps[-1].at if steps else submitted_at
        return max(moment, last + timedelta(minutes=1))

    def on(day: date, action: CaseAction, by: Acting | None, **kw: Any) -> None:
        steps.append(Step(action, at(day), by, **kw))

    r = rng.random()
    rating = None
    if r < REFUSED:
        on(
            workdays.add(arrived, rng.randrange(2)).value,
            CaseAction.REFUSE,
            clerk,
            comment=REASONS["refuse"],
        )
    elif r < REFUSED + WITHDRAWN_EARLY:
        on(workdays.add(arrived, rng.randrange(2)).value, CaseAction.WITHDRAW, None, applicant=True)
    else:
        if r < REFUSED + WITHDRAWN_EARLY + DEEMED:
            # the sweep, on the first day after the 5 working days of Art. 32
            sweep_day = clock.acceptance_deadline(arrived).value + timedelta(days=1)
            steps.append(
                Step(
                    CaseAction.ACCEPT,
                    datetime.combine(sweep_day, time(1, 0), tzinfo=SHANGHAI),
                    None,
                    params=(("deemed", True),),
                )
            )
            accepted_on = arrived
            day = sweep_day if workdays.is_workday(sweep_day) else workdays.add(sweep_day, 1).value
        else:
            day = workdays.add(arrived, _pick(rng, ((0, 0.7), (1, 0.25), (2, 0.05)))).value
            on(day, CaseAction.ACCEPT, clerk)
            accepted_on = day
        if station is not None:
            on(day, CaseAction.FORWARD, clerk)
        overdue = rng.random() < OVERDUE
        used = _used_days(item, rng, overdue)
        rest = used - workdays.count(accepted_on, day).value
        if not item.instant and rng.random() < SUSPENDED:
            first = rng.randrange(max(1, used)) if used else 0
            sday = workdays.add(day, max(0, min(first, rest))).value
            on(
                sday,
                CaseAction.SUSPEND,
                reviewer,
                comment=REASONS["suspend"],
                params=(("kind", SpecialProcedure.EXPERT_REVIEW.value),),
            )
            length = 3 + rng.randrange(8)
            rday = workdays.add(sday, length).value
            on(rday, CaseAction.RESUME, reviewer)
            rest -= workdays.count(day, sday).value
            day = rday
        if not item.instant and rng.random() < EXTENDED and item.legal_days:
            on(day, CaseAction.EXTEND, reviewer, comment=REASONS["extend"])
        if rng.random() < WITHDRAWN_IN_REVIEW:
            on(workdays.add(day, 1).value, CaseAction.WITHDRAW, None, applicant=True)
        else:
            dday = workdays.add(day, max(0, rest)).value
            if rng.random() < DENIED:
                on(dday, CaseAction.DENY, reviewer, comment=REASONS["deny"])
            else:
                on(dday, CaseAction.APPROVE, reviewer)
                iday = workdays.add(dday, rng.randrange(2)).value
                on(iday, CaseAction.ISSUE, reviewer)
                if method is not None:
                    if method.needs_tracking:
                        tracking = f"EH{rng.randrange(10**9):09d}CN"
                        on(
                            iday,
                            CaseAction.DELIVER,
                            clerk,
                            params=(("method", method.code), ("tracking_no", tracking)),
                        )
                        on(
                            workdays.add(iday, 1 + rng.randrange(3)).value,
                            CaseAction.DELIVER,
                            clerk,
                        )
                    else:
                        on(iday, CaseAction.DELIVER, clerk, params=(("method", method.code),))
                    if rng.random() < RATED:
                        rated = steps[-1].at + timedelta(hours=1 + rng.randrange(72))
                        rating = (rated, _pick(rng, SCORES), str(rng.choice(RATING_CHANNELS)))
    code = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(10))
    # drawn last, so that adding it left every earlier draw of a seed as it was
    put_right = None
    if rating is not None and rating[1] <= BAD_RATING_AT_MOST and item.rectifiers:
        rated_on = rating[0].astimezone(SHANGHAI).date()
        answered = _at(workdays.add(rated_on, 1 + rng.randrange(4)).value, 60 + rng.randrange(420))
        closed_on = workdays.add(answered.date(), 1 + rng.randrange(3)).value
        put_right = (answered, rng.choice(item.rectifiers), _at(closed_on, 60 + rng.randrange(420)))
    return Scenario(
        index=index,
        item=item,
        applicant_id=applicant_id,
        channel=channel,
        clerk=clerk if channel == Channel.WINDOW else None,
        intake_region_id=station,
        submitted_at=submitted_at,
        method=method,
        steps=tuple(steps),
        rating=rating,
        query_code=code,
        rectification=put_right,
    )


def _json(data: dict[str, Any]) -> dict[str, Any]:
    """As `record_event` stores event data (dates as text)."""
    return dict(json.loads(json.dumps(data, default=str, ensure_ascii=False)))


_CLOSED = frozenset(
    {CaseStatus.REFUSED, CaseStatus.DENIED, CaseStatus.COMPLETED, CaseStatus.WITHDRAWN}
)


def play(
    s: Scenario, *, case_id: int, case_no: str, query_code_digest: str, until: datetime
) -> Played:
    """The rows the services write for this scenario, up to `until` (steps after it have
    not happened yet: the case stays open)."""
    item = s.item
    submitted_at = s.submitted_at
    case: dict[str, Any] = {
        "id": case_id,
        "case_no": case_no,
        "item_id": item.id,
        "applicant_id": s.applicant_id,
        "on_behalf_by_id": s.clerk.user_id if s.clerk else None,
        "channel": str(s.channel),
        "status": str(CaseStatus.SUBMITTED),
        "version": 1,
        "form": dict(item.form),
        "delivery_method_id": s.method.id if s.method else None,  # chosen at submission
        "department_id": item.department_id,
        "region_id": item.region_id,
        "hall_id": item.hall_id,
        "intake_region_id": s.intake_region_id,
        "submitted_at": submitted_at,
        "arrived_on": clock.arrival_day(submitted_at),
        "accepted_at": None,
        "accepted_on": None,
        "deemed_accepted": False,
        "accepted_hall_id": None,
        "accepted_department_id": None,
        "promised_deadline": None,
        "legal_deadline": None,
        "issue_deadline": None,
        "deadlines_provisional": False,
        "promised_limit_days": None,
        "legal_limit_days": None,
        "paused_workdays": 0,
        "extension_workdays": 0,
        "extension_reason": "",
        "due_on": None,
        "suspended_on": None,
        "current_step": "",
        "decided_at": None,
        "decided_on": None,
        "issued_at": None,
        "delivered_at": None,
        "closed_at": None,
        "decision": "",
        "result_text": "",
        "refusal_reason": "",
        "delivered_method_id": None,
        "carrier": "",
        "tracking_no": "",
        "query_code_digest": query_code_digest,
    }
    out = Played(case)
    _finish(case, item)
    unit = s.clerk.unit if s.clerk else f"{APPLICANT_UNIT}（{s.channel.label}）"
    out.events.append(
        _event(
            case_id,
            EventKind.SUBMIT,
            "",
            "",
            CaseStatus.SUBMITTED,
            s.clerk.user_id if s.clerk else s.applicant_id,
            unit,
            "",
            {"materials": sorted(set(item.materials))},
            submitted_at,
        )
    )
    for step in s.steps:
        if step.at > until:
            break
        _apply(out, s, step)
    if s.rating is not None and case["status"] == CaseStatus.COMPLETED and s.rating[0] <= until:
        rated_at, score, channel = s.rating
        out.evaluation = {
            "case_id": case_id,
            "score": score,
            # a bad rating names what was wrong (feedback: bad_rating_reason_required)
            "indicators": [str(Indicator.TIMELINESS)] if score <= BAD_RATING_AT_MOST else [],
            "comment": "",
            "channel": channel,
            "rated_by_id": s.applicant_id,
            "real_name": True,
            "excluded": False,
            "excluded_reason": "",
            "at": rated_at,
        }
        if score <= BAD_RATING_AT_MOST:
            _put_right(out, s, until)
    case["responsible_id"] = _responsible(out, s)
    return out


#: What the history's units answer and record (the services take the staff's text).
RECTIFIED = "已核实情况，向申请人说明并改进服务流程"
CALLED_BACK = "已电话回访申请人，申请人认可整改"


def _put_right(out: Played, s: Scenario, until: datetime) -> None:
    """`feedback.services.rating.open_rectification`, then (when the scenario has
    it and it has happened) `record_call_back` and the ANSWER and ACCEPT actions of
    `feedback.services.rectification`, on plain values."""
    assert out.evaluation is not None
    opened_at = out.evaluation["at"]
    opened_on = opened_at.astimezone(SHANGHAI).date()
    due = workdays.add(opened_on, rectification_workdays())
    task: dict[str, Any] = {
        "department_id": out.case["department_id"],
        "region_id": out.case["region_id"],
        "status": str(RectificationStatus.OPEN),
        "version": 1,
        "opened_at": opened_at,
        "opened_on": opened_on,
        "deadline": due.value,
        "deadline_provisional": due.provisional,
        "answer": "",
        "answered_at": None,
        "answered_by_id": None,
        "closed_at": None,
        "closed_by_id": None,
        "overdue": False,
        "note": "",
    }
    out.rectification = task
    if s.rectification is None or s.rectification[0] > until:
        return
    answered_at, by, closed_at = s.rectification
    out.call_back = {
        "called_by_id": by,
        "called_at": answered_at - timedelta(minutes=30),
        "outcome": CALLED_BACK,
        "satisfied": True,
        "recorded_at": answered_at,
    }
    task.update(
        status=str(RectificationStatus.ANSWERED),
        version=2,
        answer=RECTIFIED,
        answered_at=answered_at,
        answered_by_id=by,
    )
    if s.item.decider is not None and closed_at <= until:
        task.update(
            status=str(RectificationStatus.CLOSED),
            version=3,
            closed_at=closed_at,
            closed_by_id=s.item.decider,
        )


def _responsible(out: Played, s: Scenario) -> int | None:
    """`cases.responsible`'s rule on the played events: the latest staff event of the
    current stage's unit (each history staff member acts through one post)."""
    case = out.case
    posts = {a.user_id: a for a in [s.clerk, *(step.by for step in s.steps)] if a is not None}
    intake = case["status"] in INTAKE_STATUSES and case["hall_id"] is not None
    unit_field, unit = (
        ("hall_id", case["hall_id"])
        if intake
        else (
            "department_id",
            case["department_id"],
        )
    )
    for event in reversed(out.events):
        acting = posts.get(event["actor_id"])
        staff = acting is not None and event["actor_id"] != case["applicant_id"]
        if staff and getattr(acting, unit_field) == unit:
            return acting.user_id  # type: ignore[union-attr]
    return None


def _event(
    case_id: int,
    kind: str,
    action: str,
    from_status: str,
    to_status: str,
    actor_id: int | None,
    unit: str,
    comment: str,
    data: dict[str, Any],
    at: datetime,
) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "kind": str(kind),
        "action": str(action),
        "from_status": str(from_status),
        "to_status": str(to_status),
        "actor_id": actor_id,
        "unit": unit[:100],
        "comment": comment,
        "data": _json(data),
        "at": at,
    }


def _finish(case: dict[str, Any], item: ItemWorld) -> None:
    view = SimpleNamespace(**case)
    case["due_on"] = clock.governing_deadline(view)  # type: ignore[arg-type]
    case["current_step"] = item.step_of(case["status"])


def _apply(out: Played, s: Scenario, step: Step) -> None:
    """`cases.services.engine.transition` with the action's effect, on plain values."""
    case, item = out.case, s.item
    action = step.action
    row = transition_for(case["status"], action)
    assert row is not None, (case["status"], action)
    now = step.at
    today = timezone_day(now)
    params = dict(step.params)
    system = step.by is None and not step.applicant
    unit = SYSTEM_UNIT if system else APPLICANT_UNIT if step.applicant else step.by.unit  # type: ignore[union-attr]
    comment = step.comment
    kind = EventKind.ACTION
    data: dict[str, Any] = {}
    from_status = case["status"]
    target = row.target
    if action == CaseAction.ACCEPT:
        swept = system and bool(params.get("deemed"))
        lapsed = not swept and clock.acceptance_window_passed(case["arrived_on"], today)
        deemed = swept or lapsed
        accepted_on = case["arrived_on"] if deemed else today
        d = clock.deadlines_on_acceptance(
            accepted_on=accepted_on,
            promised_days=item.promised_days,
            legal_days=item.legal_days,
            instant=item.instant,
        )
        case.update(
            accepted_at=now,
            accepted_on=accepted_on,
            promised_limit_days=d.promised_days,
            legal_limit_days=d.legal_days,
            deemed_accepted=deemed,
            promised_deadline=d.promised,
            legal_deadline=d.legal,
            deadlines_provisional=case["deadlines_provisional"] or d.provisional,
        )
        if step.by is not None:
            case["accepted_hall_id"] = step.by.hall_id
            case["accepted_department_id"] = step.by.department_id
        data.update(
            accepted_on=accepted_on,
            promised_deadline=d.promised,
            legal_deadline=d.legal,
            provisional=d.provisional,
        )
        if deemed:
            data["deemed"] = True
            note = (
                f"{clock.ACCEPTANCE_WINDOW_WORKDAYS} 个工作日内未作出受理决定或告知补正，依{LAW}"
                f"第三十二条，自收到申请材料之日（{_fmt(accepted_on)}）起视为受理"
            )
            if swept:
                kind, comment = EventKind.DEEMED_ACCEPT, note
            else:
                comment = f"{comment}（{note}）" if comment else note
    elif action == CaseAction.REFUSE:
        case["refusal_reason"] = comment
    elif action == CaseAction.FORWARD:
        to_unit = item.department_name
        data.update(from_unit=unit, to_unit=to_unit)
        comment = comment or f"转报{to_unit}审查"
    elif action == CaseAction.SUSPEND:
        kind_code = str(params["kind"])
        out.suspensions.append(
            {
                "case_id": case["id"],
                "kind": kind_code,
                "reason": comment,
                "started_on": today,
                "ended_on": None,
                "workdays": None,
            }
        )
        case["suspended_on"] = today
        data.update(kind=kind_code, started_on=today)
    elif action == CaseAction.RESUME:
        days = _end_suspension(out, today)
        data.update(
            paused_workdays=days,
            promised_deadline=case["promised_deadline"],
            legal_deadline=case["legal_deadline"],
        )
    elif action == CaseAction.EXTEND:
        moved = workdays.add(case["legal_deadline"], clock.EXTENSION_WORKDAYS)
        case["legal_deadline"] = moved.value
        case["extension_workdays"] = clock.EXTENSION_WORKDAYS
        case["extension_reason"] = comment
        case["deadlines_provisional"] = case["deadlines_provisional"] or moved.provisional
        data.update(legal_deadline=moved.value, extension_workdays=clock.EXTENSION_WORKDAYS)
    elif action == CaseAction.APPROVE:
        case["decision"] = str(Decision.APPROVED)
        case["decided_at"], case["decided_on"] = now, today
        case["result_text"] = item.result_name or "准予许可"
        issue = workdays.add(today, clock.ISSUE_LIMIT_WORKDAYS)
        case["issue_deadline"] = issue.value
        case["deadlines_provisional"] = case["deadlines_provisional"] or issue.provisional
        data.update(issue_deadline=issue.value, result=case["result_text"])
    elif action == CaseAction.DENY:
        case["decision"] = str(Decision.DENIED)
        case["decided_at"], case["decided_on"] = now, today
        case["refusal_reason"] = comment
    elif action == CaseAction.ISSUE:
        case["issued_at"] = now
        data["result"] = case["result_text"]
    elif action == CaseAction.DELIVER:
        if from_status == CaseStatus.DELIVERED:
            data["receipt"] = True
            comment = comment or "申请人已签收"
        else:
            method = next(m for m in item.methods if m.code == params["method"])
            case["delivered_method_id"] = method.id
            case["delivered_at"] = now
            data["method"] = method.code
            if method.needs_tracking:
                case["carrier"], case["tracking_no"] = (
                    DEFAULT_CARRIER[:60],
                    str(params["tracking_no"])[:40],
                )
                data.update(carrier=case["carrier"], tracking_no=case["tracking_no"])
                target = row.target_when_tracked or target
    elif action == CaseAction.WITHDRAW and case["status"] == CaseStatus.SUSPENDED:
        _end_suspension(out, today)
    case["status"] = str(target)
    case["version"] += 1
    if case["status"] in _CLOSED and case["closed_at"] is None:
        case["closed_at"] = now
    _finish(case, item)
    actor_id = None if system else s.applicant_id if step.applicant else step.by.user_id  # type: ignore[union-attr]
    out.events.append(
        _event(
            case["id"],
            kind,
            action,
            from_status,
            case["status"],
            actor_id,
            unit,
            comment,
            data,
            now,
        )
    )


def _end_suspension(out: Played, today: date) -> int:
    case = out.case
    open_ = next(x for x in out.suspensions if x["ended_on"] is None)
    paused = workdays.count(open_["started_on"], today)
    days = max(0, paused.value)
    open_["ended_on"], open_["workdays"] = today, days
    provisional = paused.provisional
    for attr in ("promised_deadline", "legal_deadline"):
        current = case[attr]
        if current is not None and days:
            moved = workdays.add(current, days)
            case[attr] = moved.value
            provisional = provisional or moved.provisional
    case["paused_workdays"] += days
    case["suspended_on"] = None
    case["deadlines_provisional"] = case["deadlines_provisional"] or provisional
    return days


def timezone_day(at: datetime) -> date:
    return at.astimezone(SHANGHAI).date()
