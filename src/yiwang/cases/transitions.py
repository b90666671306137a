"""The case lifecycle as one table: state × action × who → state.

`TRANSITIONS` below is the whole workflow; `cases.services.perform_action` is the
engine that reads it. Nothing else decides which action is possible.

Who may act is a *relation to the case* combined with a *permission* of the post
through which the person acts (posts and roles are data: org.Role grants
`common.permissions.Permission` values):

- ``APPLICANT`` — the applicant, or the clerk who submitted for them (代办);
  no permission needed. Resubmits after a supplement notice, withdraws.
- ``INTAKE`` — a post in the unit where the case is accepted: for own-hall items
  the hall where the item's department is stationed (or the department itself);
  for township items (accept_level township) the halls and departments at the
  township (or a village below it) the case was submitted to. With
  ``unit:case:accept`` (窗口受理 window_clerk, 便民服务站代办 station_clerk):
  accept, request a supplement, refuse to accept, forward to the department.
- ``HANDLING`` — a post in the item's department. ``unit:case:review`` (审查):
  return to intake, start/end a special procedure; ``unit:case:decide`` (决定):
  approve, deny, extend; ``unit:case:issue`` (制证): issue.
- ``DELIVERY`` — a post in the intake unit, the department, or the hall where the
  department is stationed, with ``unit:case:deliver``: deliver the result.
- ``SYSTEM`` — the platform itself: deemed acceptance (Art. 32) and the automatic
  decision of instant items (accept, approve, issue, deliver).

Supervisors and administrators see cases but take no action in them (read-only).
The engine answers 403 when the person can never take the action on this case
(no fitting post), and 409 with the current state when they could, but not in this
state.

The workflow, and the law behind it (行政许可法):

    submitted ──accept──────────────▶ accepted            (Art. 32; deemed after 5 workdays)
        │ └──request_supplement──▶ supplement_requested ──resubmit──▶ submitted
        └──refuse──▶ refused                             (Art. 32: 不予受理, reasons given)
    accepted ──forward──▶ in_review                      (station/window → department)
    accepted | in_review ──approve──▶ approved | ──deny──▶ denied     (Art. 38, 42)
    in_review ──return──▶ accepted                       (back to intake, reasons given)
    accepted | in_review ──suspend──▶ suspended ──resume──▶ in_review  (Art. 45)
    accepted | in_review ──extend──▶ (same)              (Art. 42: +10 workdays, once)
    approved ──issue──▶ issued                           (Art. 44: within 10 workdays)
    issued ──deliver──▶ completed, or delivered when sent with tracking (post)
    delivered ──deliver──▶ completed                     (receipt recorded)
    any open state before the decision ──withdraw──▶ withdrawn

Terminal: refused, denied, completed, withdrawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from yiwang.cases.choices import CaseAction as A
from yiwang.cases.choices import CaseStatus as S
from yiwang.common.permissions import Permission


class Relation(StrEnum):
    APPLICANT = "applicant"
    INTAKE = "intake"
    HANDLING = "handling"
    DELIVERY = "delivery"
    SYSTEM = "system"


@dataclass(frozen=True)
class Who:
    """A relation to the case and the permission the acting post must grant (if any)."""

    relation: Relation
    permission: Permission | None = None


APPLICANT = Who(Relation.APPLICANT)
INTAKE_CLERK = Who(Relation.INTAKE, Permission.CASE_ACCEPT)
REVIEWER = Who(Relation.HANDLING, Permission.CASE_REVIEW)
DECIDER = Who(Relation.HANDLING, Permission.CASE_DECIDE)
ISSUER = Who(Relation.HANDLING, Permission.CASE_ISSUE)
DELIVERER = Who(Relation.DELIVERY, Permission.CASE_DELIVER)
SYSTEM = Who(Relation.SYSTEM)


@dataclass(frozen=True)
class Transition:
    source: S
    action: A
    who: frozenset[Who]
    target: S
    # `deliver` of a result sent with a tracking number (post) ends in `delivered`.
    target_when_tracked: S | None = None


def _t(
    source: S, action: A, who: Who | tuple[Who, ...], target: S, tracked: S | None = None
) -> Transition:
    return Transition(
        source, action, frozenset(who if isinstance(who, tuple) else (who,)), target, tracked
    )


#: The workflow. One row per (state, action); read by `cases.services.perform_action`.
TRANSITIONS: tuple[Transition, ...] = (
    # intake (受理, Art. 32)
    _t(S.SUBMITTED, A.ACCEPT, (INTAKE_CLERK, SYSTEM), S.ACCEPTED),
    _t(S.SUBMITTED, A.REQUEST_SUPPLEMENT, INTAKE_CLERK, S.SUPPLEMENT_REQUESTED),
    _t(S.SUBMITTED, A.REFUSE, INTAKE_CLERK, S.REFUSED),
    _t(S.SUBMITTED, A.WITHDRAW, APPLICANT, S.WITHDRAWN),
    _t(S.SUPPLEMENT_REQUESTED, A.RESUBMIT, APPLICANT, S.SUBMITTED),
    _t(S.SUPPLEMENT_REQUESTED, A.REFUSE, INTAKE_CLERK, S.REFUSED),
    _t(S.SUPPLEMENT_REQUESTED, A.WITHDRAW, APPLICANT, S.WITHDRAWN),
    # review and decision (审查、决定, Art. 34-42)
    _t(S.ACCEPTED, A.FORWARD, INTAKE_CLERK, S.IN_REVIEW),
    _t(S.ACCEPTED, A.APPROVE, (DECIDER, SYSTEM), S.APPROVED),
    _t(S.ACCEPTED, A.DENY, DECIDER, S.DENIED),
    _t(S.ACCEPTED, A.SUSPEND, REVIEWER, S.SUSPENDED),
    _t(S.ACCEPTED, A.EXTEND, DECIDER, S.ACCEPTED),
    _t(S.ACCEPTED, A.WITHDRAW, APPLICANT, S.WITHDRAWN),
    _t(S.IN_REVIEW, A.APPROVE, DECIDER, S.APPROVED),
    _t(S.IN_REVIEW, A.DENY, DECIDER, S.DENIED),
    _t(S.IN_REVIEW, A.RETURN, REVIEWER, S.ACCEPTED),
    _t(S.IN_REVIEW, A.SUSPEND, REVIEWER, S.SUSPENDED),
    _t(S.IN_REVIEW, A.EXTEND, DECIDER, S.IN_REVIEW),
    _t(S.IN_REVIEW, A.WITHDRAW, APPLICANT, S.WITHDRAWN),
    # special procedures (特别程序, Art. 45)
    _t(S.SUSPENDED, A.RESUME, REVIEWER, S.IN_REVIEW),
    _t(S.SUSPENDED, A.WITHDRAW, APPLICANT, S.WITHDRAWN),
    # certificate and delivery (制证、送达, Art. 44)
    _t(S.APPROVED, A.ISSUE, (ISSUER, SYSTEM), S.ISSUED),
    _t(S.ISSUED, A.DELIVER, (DELIVERER, SYSTEM), S.COMPLETED, tracked=S.DELIVERED),
    _t(S.DELIVERED, A.DELIVER, DELIVERER, S.COMPLETED),
)

_BY_KEY: dict[tuple[S, A], Transition] = {}
for _row in TRANSITIONS:
    assert (_row.source, _row.action) not in _BY_KEY, f"duplicate row {_row}"
    _BY_KEY[(_row.source, _row.action)] = _row

#: Everyone who may take an action in some state (for the 403-or-409 decision).
WHO_BY_ACTION: dict[A, frozenset[Who]] = {
    action: frozenset().union(*(r.who for r in TRANSITIONS if r.action == action)) for action in A
}


def transition_for(status: str, action: str) -> Transition | None:
    """The row for this state and action, or None when the action is not possible in it."""
    return _BY_KEY.get((S(status), A(action)))


def transitions_from(status: str) -> list[Transition]:
    """The rows leaving this state, in table order."""
    return [row for row in TRANSITIONS if row.source == status]
