"""The feedback app's writers (好差评): rating, the rating link, rectification."""

from yiwang.feedback.services.links import (
    issue_rating_link,
    make_token,
    open_rating_link,
    purge_rating_links,
    rate_by_link,
)
from yiwang.feedback.services.rating import open_rectification, rate_case
from yiwang.feedback.services.rectification import (
    act_on_rectification,
    allowed_actions,
    may_call_back,
    record_call_back,
    sweep_overdue_rectifications,
)

__all__ = [
    "act_on_rectification",
    "allowed_actions",
    "issue_rating_link",
    "make_token",
    "may_call_back",
    "open_rating_link",
    "open_rectification",
    "purge_rating_links",
    "rate_by_link",
    "rate_case",
    "record_call_back",
    "sweep_overdue_rectifications",
]
