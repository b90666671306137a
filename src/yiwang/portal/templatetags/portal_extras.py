"""Template helpers of the portal: the unread-message count of the header, star levels,
status labels and the clock's red/yellow marks."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from yiwang.accounts.choices import UserKind
from yiwang.notify.selectors import unread_count
from yiwang.portal.access import is_applicant
from yiwang.portal.labels import choice_label as _choice_label
from yiwang.portal.presenting import clock_rows, status_label

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_messages(context: template.Context) -> int:
    """The signed-in person's unread messages (one indexed count), 0 for visitors."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return unread_count(user)


@register.simple_tag(takes_context=True)
def work_area(context: template.Context) -> str:
    """Which area the header links to: the centre for applicants, the workbench for
    staff and administrators (by account kind: no query; the workbench itself checks
    the posts and says so to staff who handle no cases)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    if is_applicant(user):
        return "centre"
    if user.kind in (UserKind.STAFF, UserKind.ADMIN):
        return "workbench"
    return ""


@register.filter
def star_glyphs(stars: int) -> str:
    """★★★★☆ for 4 of 5 (the glyphs are decoration: templates give the number in text)."""
    n = max(0, min(5, int(stars or 0)))
    return "★" * n + "☆" * (5 - n)


@register.filter
def case_status(status: str) -> str:
    return status_label(status)


@register.filter
def choice_label(label: Any) -> str:
    """A choice's label from `get_..._display`, translated (labels.py)."""
    return _choice_label(label)


@register.filter
def clock_text(clock: Any) -> str:
    """The remaining working days of a ClockView as a phrase, or a dash."""
    return clock_rows(clock).remaining or "—"


@register.filter
def mark_label(clock: Any) -> str:
    return clock_rows(clock).mark_label


@register.simple_tag
def page_range_label(page: int, total: int, size: int) -> str:
    if total == 0:
        return _("共 0 条")
    first = (page - 1) * size + 1
    last = min(total, page * size)
    return _("第 %(first)s–%(last)s 条，共 %(total)s 条") % {
        "first": first,
        "last": last,
        "total": total,
    }


@register.filter
def has_next_page(result: Any) -> bool:
    """Whether a cases Page has rows after it."""
    return bool(result.page * result.page_size < result.total)
