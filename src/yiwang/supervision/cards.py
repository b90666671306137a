"""Yellow and red cards (黄牌/红牌, issue 12 item 3): the sweep, the escalation, the answer.

- The sweep (`sweep_cards`, hourly through `supervision.tasks`, or `yiwang sweep-cards`)
  issues one Card per case and colour to the cases the monitor marks yellow or red
  (`supervision.monitor.colours`, the near-due rule of `cases.clock`). The unique
  constraint (case, colour) makes it race-safe; a second run changes nothing.
- Recipients, through the notify outbox: the responsible staff member (monitor
  docstring) and the unit heads — holders of a post whose role is `unit_head` in the
  unit of the current stage; when the unit has neither, every holder of a post there.
- Escalation: a card unanswered after YIWANG_CARD_ESCALATE_WORKDAYS working days from
  its issue (the day itself still in time, as for a deadline) goes to the supervisors
  of the case's region — the nearest `region_below` posts granting supervision above
  it (the city's before the province's). Once.
- Answer: the responsible staff member or anyone holding a post in the card's unit
  writes an explanation, once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts.actor import Actor, as_actor
from yiwang.accounts.models import StaffPost, User
from yiwang.cases.choices import TERMINAL_STATUSES
from yiwang.cases.clock import today
from yiwang.cases.models import Case
from yiwang.cases.responsible import INTAKE_STATUSES
from yiwang.common import workdays
from yiwang.common.audit import record
from yiwang.common.errors import Conflict, ValidationFailed
from yiwang.common.permissions import Permission
from yiwang.notify.services import notify
from yiwang.org.choices import RoleScope
from yiwang.supervision.choices import CardColour
from yiwang.supervision.models import Card
from yiwang.supervision.monitor import coloured, colours
from yiwang.supervision.selectors import get_card_for

#: The role whose posts head a unit (org data: roles[].code); a card goes to them too.
UNIT_HEAD_ROLE = "unit_head"
ANSWER_MAX = 1000
SWEEP = Actor.system("card-sweep")


def escalate_workdays() -> int:
    return int(getattr(settings, "YIWANG_CARD_ESCALATE_WORKDAYS", 2))


# --- the sweep ----------------------------------------------------------------------------


@dataclass
class SweepReport:
    issued: Counter[str] = field(default_factory=Counter)
    escalated: int = 0

    def __str__(self) -> str:
        return (
            f"cards: {self.issued['yellow']} yellow, {self.issued['red']} red issued, "
            f"{self.escalated} escalated"
        )


def _unit_of(case: Case) -> tuple[str, int]:
    if case.status in INTAKE_STATUSES and case.hall_id:
        return "hall_id", case.hall_id
    return "department_id", case.department_id


def card_recipients(case: Case, staff_id: int | None) -> list[User]:
    """The responsible staff member and the unit heads; the unit's staff when neither."""
    unit_field, unit_id = _unit_of(case)
    holders = StaffPost.objects.filter(**{f"post__{unit_field}": unit_id}).select_related(
        "user", "post__role"
    )
    heads = {sp.user for sp in holders if sp.post.role_id == UNIT_HEAD_ROLE}
    chosen = set(heads)
    if staff_id is not None:
        chosen |= set(User.objects.filter(pk=staff_id))
    if not chosen:
        chosen = {sp.user for sp in holders}
    return sorted((u for u in chosen if u.is_active), key=lambda u: u.pk)


def supervisors_of(region_path: str) -> list[User]:
    """The supervisors nearest above a region: holders of `region_below` posts granting
    SUPERVISION_VIEW whose region contains it, the deepest such region only (platform
    administrators are not supervisors)."""
    posts = StaffPost.objects.filter(post__role__scope=RoleScope.REGION_BELOW).select_related(
        "user", "post__role", "post__department__region", "post__hall__region"
    )
    found: dict[str, set[User]] = {}
    for sp in posts:
        if Permission.SUPERVISION_VIEW.value not in (sp.post.role.permissions or []):
            continue  # a role is data: its permissions decide, not its code
        path = sp.post.region.path
        if region_path.startswith(path):
            found.setdefault(path, set()).add(sp.user)
    if not found:
        return []
    return sorted(found[max(found, key=len)], key=lambda u: u.pk)


def issue_card(case: Case, colour: str, *, staff_id: int | None, on: date) -> Card | None:
    """Issue the case's card of this colour unless it has one (then None). One
    transaction: the card, the messages and the audit event."""
    with transaction.atomic():
        now = timezone.now()
        card, created = Card.objects.get_or_create(
            case=case,
            colour=colour,
            defaults={
                "region_id": case.region_id,
                "department_id": case.department_id,
                "hall_id": case.hall_id if case.status in INTAKE_STATUSES else None,
                "staff_id": staff_id,
                "case_status": case.status,
                "due_on": case.due_on,
                "issued_on": on,
                "issued_at": now,
                "escalate_on": workdays.add(on, escalate_workdays()).value,
            },
        )
        if not created:
            return None
        label = CardColour(colour).label
        recipients = card_recipients(case, staff_id)
        for user in recipients:
            notify(
                user,
                subject=_("%(colour)s：办件 %(case_no)s 期限 %(due)s")
                % {"colour": label, "case_no": case.case_no, "due": case.due_on},
                body=_("请尽快办理，并在 %(days)s 个工作日内作出情况说明。")
                % {"days": escalate_workdays()},
                object_type="supervision.card",
                object_id=str(card.pk),
                actor=SWEEP,
            )
        record(
            "supervision.card_issued",
            card,
            actor=SWEEP,
            after={
                "case_no": case.case_no,
                "colour": colour,
                "due_on": str(case.due_on),
                "staff": staff_id,
                "recipients": [u.username for u in recipients],
                "escalate_on": str(card.escalate_on),
            },
        )
    return card


def escalate_card(card: Card, *, on: date) -> bool:
    """Tell the region's supervisors about an unanswered card (once)."""
    with transaction.atomic():
        current = (
            Card.objects.select_for_update()
            .select_related("case", "region")
            .filter(pk=card.pk, answered_at__isnull=True, escalated_at__isnull=True)
            .first()
        )
        if current is None or on <= current.escalate_on:
            return False
        current.escalated_at = timezone.now()
        current.save(update_fields=["escalated_at"])
        supervisors = supervisors_of(current.region.path)
        for user in supervisors:
            notify(
                user,
                subject=_("督办升级：办件 %(case_no)s 的%(colour)s逾期未说明")
                % {"case_no": current.case.case_no, "colour": current.get_colour_display()},
                body=_("责任单位在 %(days)s 个工作日内未作出情况说明。")
                % {"days": escalate_workdays()},
                object_type="supervision.card",
                object_id=str(current.pk),
                actor=SWEEP,
            )
        record(
            "supervision.card_escalated",
            current,
            actor=SWEEP,
            after={"to": [u.username for u in supervisors], "on": str(on)},
        )
    return True


def sweep_cards(*, on: date | None = None) -> SweepReport:
    """Issue the missing cards of every open case marked yellow or red on `on`, and
    escalate the unanswered ones past their term. Idempotent."""
    on = on or today()
    report = SweepReport()
    base = coloured(Case.objects.exclude(status__in=TERMINAL_STATUSES))
    marks = colours(on)
    for colour, condition in ((CardColour.YELLOW, marks.yellow), (CardColour.RED, marks.red)):
        due = base.filter(condition).exclude(cards__colour=colour).order_by("id")
        for case in due.iterator(chunk_size=500):
            if issue_card(case, colour, staff_id=case.responsible_id, on=on) is not None:
                report.issued[colour] += 1
    pending = Card.objects.filter(
        answered_at__isnull=True, escalated_at__isnull=True, escalate_on__lt=on
    ).order_by("id")
    for card in pending:
        report.escalated += escalate_card(card, on=on)
    return report


# --- the answer --------------------------------------------------------------------------------


def answer_card(card_id: int, explanation: str, *, actor: Actor) -> Card:
    """The unit explains a card (情况说明), once. Only the card's staff member and the
    holders of a post in its unit may (anyone else: card_not_found)."""
    actor = as_actor(actor)
    text = (explanation or "").strip()
    if not text:
        raise ValidationFailed(_("请填写情况说明"), code="explanation_required")
    if len(text) > ANSWER_MAX:
        raise ValidationFailed(
            _("情况说明不能超过 %(max)s 个字符") % {"max": ANSWER_MAX},
            code="explanation_too_long",
        )
    with transaction.atomic():
        visible = get_card_for(actor, card_id)
        card = Card.objects.select_for_update().get(pk=visible.pk)
        if card.answered_at is not None:
            raise Conflict(_("这张督办牌已经作出说明"), code="card_already_answered")
        card.answer = text
        card.answered_by_id = actor.pk
        card.answered_at = timezone.now()
        card.save(update_fields=["answer", "answered_by", "answered_at"])
        record(
            "supervision.card_answered",
            card,
            actor=actor,
            after={"answer": text, "escalated": card.escalated_at is not None},
        )
    return card
