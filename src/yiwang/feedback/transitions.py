"""The rectification workflow (差评整改) as one table: state × action × who → state.

A bad rating (score ≤ `BAD_RATING_AT_MOST`) opens a task for the responsible unit — the
case's department — with a deadline in working days (`YIWANG_RECTIFICATION_WORKDAYS`,
default 5; domain-rules: local rules say 5 or 15). `feedback.services.act_on_rectification`
is the engine that reads the table, in the shape of `cases.services.engine`.

Who (a relation to the task plus the permission of the acting post):

- ``UNIT`` — a post of the task's department granting ``unit:feedback:rectify``:
  answers with what was done (整改情况), records call-backs, appeals a malicious rating.
- ``SUPERVISOR`` — a ``region_below`` post granting ``region:feedback:decide`` over the
  task's region: accepts the answer (办结) or returns it, upholds or rejects an appeal.
- ``SYSTEM`` — the platform: marks an open task overdue the day after its deadline.

    open ──answer──▶ answered ──accept──▶ closed       (a real-name rating needs a call-back)
      │                  └──return──▶ open | overdue   (the answer is not enough)
      ├──mark_overdue──▶ overdue ──answer──▶ answered
      └──appeal──▶ appealed ──uphold──▶ dismissed      (the rating leaves the statistics)
    overdue ──appeal──▶ appealed ──reject──▶ open | overdue

One appeal per task (a rejected appeal is final). Returned and rejected tasks go back to
``open``, or to ``overdue`` when their deadline has passed; the deadline never moves.
Terminal: closed, dismissed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from yiwang.common.permissions import Permission
from yiwang.feedback.choices import RectificationAction as A
from yiwang.feedback.choices import RectificationStatus as S


class Relation(StrEnum):
    UNIT = "unit"
    SUPERVISOR = "supervisor"
    SYSTEM = "system"


@dataclass(frozen=True)
class Who:
    relation: Relation
    permission: Permission | None = None


UNIT = Who(Relation.UNIT, Permission.FEEDBACK_RECTIFY)
SUPERVISOR = Who(Relation.SUPERVISOR, Permission.FEEDBACK_DECIDE)
SYSTEM = Who(Relation.SYSTEM)


@dataclass(frozen=True)
class Transition:
    source: S
    action: A
    who: Who
    target: S


TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.OPEN, A.ANSWER, UNIT, S.ANSWERED),
    Transition(S.OVERDUE, A.ANSWER, UNIT, S.ANSWERED),
    Transition(S.ANSWERED, A.ACCEPT, SUPERVISOR, S.CLOSED),
    Transition(S.ANSWERED, A.RETURN, SUPERVISOR, S.OPEN),
    Transition(S.OPEN, A.MARK_OVERDUE, SYSTEM, S.OVERDUE),
    Transition(S.OPEN, A.APPEAL, UNIT, S.APPEALED),
    Transition(S.OVERDUE, A.APPEAL, UNIT, S.APPEALED),
    Transition(S.APPEALED, A.UPHOLD, SUPERVISOR, S.DISMISSED),
    Transition(S.APPEALED, A.REJECT, SUPERVISOR, S.OPEN),
)

_BY_KEY: dict[tuple[S, A], Transition] = {}
for _row in TRANSITIONS:
    assert (_row.source, _row.action) not in _BY_KEY, f"duplicate row {_row}"
    _BY_KEY[(_row.source, _row.action)] = _row

#: Who may take an action in some state (for the 403-or-409 decision).
WHO_BY_ACTION: dict[A, Who] = {row.action: row.who for row in TRANSITIONS}

TERMINAL = frozenset({S.CLOSED, S.DISMISSED})


def transition_for(status: str, action: str) -> Transition | None:
    return _BY_KEY.get((S(status), A(action)))


def transitions_from(status: str) -> list[Transition]:
    return [row for row in TRANSITIONS if row.source == status]
