"""Who is responsible for a case's current stage (网上效能监察: the staff the monitor
loads and the cards go to).

The rule (docs/supervision.md, "Live monitor"): the staff member of the case's latest
event who holds a post in the unit of the current stage — the intake hall until
acceptance (the department when the case has no hall), the handling department from
acceptance on; the applicant never (a clerk applying for themself is an applicant
there); when nobody of that unit has acted yet, nobody (the unit itself answers).

`Case.responsible` holds the answer, kept by `cases.services._common.record_event`
after every event, so that the monitor groups the open cases by an indexed column
instead of searching each case's events (docs/decisions/0025).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Case as When_
from django.db.models import IntegerField, OuterRef, QuerySet, Subquery, When

from yiwang.cases.choices import CaseStatus

#: Stages before acceptance: the intake unit (the hall) is responsible.
INTAKE_STATUSES = (CaseStatus.SUBMITTED, CaseStatus.SUPPLEMENT_REQUESTED)


def _latest_staff(events: QuerySet[Any], unit_field: str) -> Subquery:
    latest = (
        events.filter(case=OuterRef("pk"), actor__isnull=False)
        .exclude(actor=OuterRef("applicant_id"))
        .filter(**{f"actor__staff_posts__post__{unit_field}": OuterRef(unit_field)})
        .order_by("-at", "-id")
        .values("actor_id")[:1]
    )
    return Subquery(latest, output_field=IntegerField())


def responsible_expression(events: QuerySet[Any]) -> When_:
    """The rule as one SQL expression over a case row (`events` is the CaseEvent
    manager's queryset: the migration that fills the column passes its own)."""
    return When_(
        When(
            status__in=INTAKE_STATUSES,
            hall__isnull=False,
            then=_latest_staff(events, "hall_id"),
        ),
        default=_latest_staff(events, "department_id"),
        output_field=IntegerField(),
    )


def refresh_responsible(case: Any) -> None:
    """Recompute `case.responsible` after an event (one indexed query; an UPDATE only
    when the answer changed)."""
    from yiwang.cases.models import Case, CaseEvent

    found = (
        Case.objects.filter(pk=case.pk)
        .annotate(now_responsible=responsible_expression(CaseEvent.objects.all()))
        .values_list("now_responsible", flat=True)
        .first()
    )
    if found != case.responsible_id:
        Case.objects.filter(pk=case.pk).update(responsible_id=found)
        case.responsible_id = found
