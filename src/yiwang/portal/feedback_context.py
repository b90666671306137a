"""The rating block of a case page (centre, kiosk): the applicant's rating when there is
one, else the form when the case can be rated (feedback's rules decide; the page only
offers the form where they would accept it)."""

from __future__ import annotations

from typing import Any

from yiwang.accounts.actor import Actor
from yiwang.cases.closing import RATEABLE_STATUSES
from yiwang.cases.models import Case
from yiwang.feedback import selectors
from yiwang.feedback.choices import Indicator
from yiwang.feedback.models import Rectification
from yiwang.portal.forms_feedback import RatingForm


def rating_context(actor: Actor, case: Case, action: str) -> dict[str, Any]:
    rating = selectors.evaluation_of_case(actor, case.pk)
    labels = dict(Indicator.choices)
    return {
        "rating": rating,
        "rating_indicators": [labels.get(c, c) for c in rating.indicators] if rating else [],
        "rating_rectification": bool(
            rating and Rectification.objects.filter(evaluation_id=rating.pk).exists()
        ),
        "can_rate": rating is None
        and case.status in RATEABLE_STATUSES
        and actor.is_applicant
        and not actor.is_staff,
        "rating_form": RatingForm(),
        "rate_action": action,
    }
