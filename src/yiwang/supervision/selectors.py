"""Reads of cards, scoped to who asks (`restrict` with the rule below)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from yiwang.accounts.actor import NOTHING, Actor, as_actor, restrict, scope_rule
from yiwang.common.errors import NotFound
from yiwang.common.permissions import Permission
from yiwang.supervision.models import Card

if TYPE_CHECKING:
    from yiwang.supervision.monitor import Where


# --- scope ---------------------------------------------------------------------------


@scope_rule(Card)
def card_scope(actor: Actor, permission: Permission) -> Q | None:
    """Supervisors see the cards of their regions (SUPERVISION_VIEW); staff the cards of
    their units and their own (CASE_VIEW)."""
    if actor.platform:
        return None
    if not actor.is_authenticated:
        return NOTHING
    if permission == Permission.SUPERVISION_VIEW:
        parts = [Q(region__path__startswith=p) for p in actor.paths_below(permission)]
    else:
        posts = actor.posts_with(permission)
        parts = [Q(staff_id=actor.pk)]
        departments = {p.department_id for p in posts if p.department_id}
        halls = {p.hall_id for p in posts if p.hall_id}
        if departments:
            parts.append(Q(department_id__in=departments, hall__isnull=True))
        if halls:
            parts.append(Q(hall_id__in=halls))
    out = NOTHING
    for part in parts:
        out = out | part if out is not NOTHING else part
    return out


def my_cards(actor: Actor) -> QuerySet[Card]:
    """The cards of the actor's units and their own, the unanswered first."""
    return (
        restrict(Card.objects.all(), as_actor(actor), Permission.CASE_VIEW)
        .select_related("case", "case__item", "department", "hall", "staff")
        .order_by("answered_at", "-issued_at", "-id")
    )


def get_card_for(actor: Actor, card_id: int) -> Card:
    card = my_cards(actor).filter(pk=card_id).first()
    if card is None:
        raise NotFound(_("没有这张督办牌"), code="card_not_found")
    return card


@dataclass
class UnitCards:
    """Cards issued in a node of the monitor, per unit."""

    issued: int = 0
    unanswered: int = 0
    escalated: int = 0
    by_department: dict[int, int] = field(default_factory=dict)
    by_hall: dict[int, int] = field(default_factory=dict)
    by_region_path: dict[str, int] = field(default_factory=dict)

    def by_region_prefix(self, code: str) -> int:
        return sum(n for path, n in self.by_region_path.items() if f"{code}/" in path)


def open_cards_by_unit(actor: Actor, where: Where) -> UnitCards:
    """The cards of the node (issued on the `from`..`to` days when given), counted per
    department, hall and region in three GROUP BY queries."""
    qs = restrict(Card.objects.all(), as_actor(actor), Permission.SUPERVISION_VIEW).filter(
        region__path__startswith=where.region.path
    )
    if where.hall is not None:
        qs = qs.filter(hall=where.hall)
    if where.department is not None:
        qs = qs.filter(department=where.department)
    if where.arrived_from is not None:
        qs = qs.filter(issued_on__gte=where.arrived_from)
    if where.arrived_to is not None:
        qs = qs.filter(issued_on__lte=where.arrived_to)
    qs = qs.order_by()
    totals = qs.aggregate(
        n=Count("id"),
        u=Count("id", filter=Q(answered_at__isnull=True)),
        e=Count("id", filter=Q(escalated_at__isnull=False)),
    )
    out = UnitCards(totals["n"], totals["u"], totals["e"])
    out.by_department = dict(
        qs.values("department_id").annotate(n=Count("id")).values_list("department_id", "n")
    )
    out.by_hall = {
        k: n
        for k, n in qs.values("hall_id").annotate(n=Count("id")).values_list("hall_id", "n")
        if k is not None
    }
    out.by_region_path = dict(
        qs.values("region__path").annotate(n=Count("id")).values_list("region__path", "n")
    )
    return out
