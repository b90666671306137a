"""The signed rating link of the closing message: no sign-in, one use, expires.

The token is `django.core.signing` (HMAC-SHA256 with SECRET_KEY, its own salt) over the
case number and a random nonce: altering either breaks the signature (`bad_rating_link`).
The nonce's row (`RatingLink`) makes the link work once (`rating_link_used`) and expire
after `YIWANG_RATING_LINK_DAYS` calendar days (`rating_link_expired`). Using it rates as
the applicant, through the channel `link`.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.accounts.actor import Actor
from yiwang.cases import clock
from yiwang.cases.closing import ClosedCase
from yiwang.cases.models import Case
from yiwang.common import audit
from yiwang.common.errors import BadRequest, Conflict, PermissionDenied
from yiwang.feedback.choices import RatingChannel
from yiwang.feedback.models import Evaluation, RatingLink
from yiwang.feedback.services.rating import clean_rating, rate_locked_case

SALT = "yiwang.feedback.rating-link"
#: Calendar days a link stays usable; YIWANG_RATING_LINK_DAYS overrides it.
DEFAULT_LINK_DAYS = 15
#: Days an expired link's row is kept before the purge forgets it.
DEFAULT_KEEP_DAYS = 90
#: Where the portal serves the link (portal/urls.py `portal:rate-link`).
LINK_PATH = "/rate/{token}/"


def link_days() -> int:
    return int(getattr(settings, "YIWANG_RATING_LINK_DAYS", DEFAULT_LINK_DAYS))


def make_token(case_no: str, nonce: str) -> str:
    return signing.dumps({"c": case_no, "n": nonce}, salt=SALT, compress=False)


def issue_rating_link(closed: ClosedCase, actor: Actor) -> str:
    """`cases.closing` note maker: a fresh link for the closed case, as a line of the
    closing message (registered in FeedbackConfig.ready). A case rated already (a
    second closing message) gets none."""
    if Evaluation.objects.filter(case_id=closed.case_id).exists():
        return ""
    now = clock.now()
    nonce = secrets.token_urlsafe(16)
    RatingLink.objects.create(
        case_id=closed.case_id,
        nonce=nonce,
        created_at=now,
        expires_at=now + timedelta(days=link_days()),
    )
    base = str(getattr(settings, "YIWANG_PUBLIC_BASE_URL", "")).rstrip("/")
    url = base + LINK_PATH.format(token=make_token(closed.case_no, nonce))
    return f"请为本次服务评价（好差评，无需登录，{link_days()}日内有效，限用一次）：{url}"


@dataclass(frozen=True)
class LinkedCase:
    """What a valid, unused link opens: the case to rate (nothing personal)."""

    case_no: str
    item_name: str
    status: str
    expires_at: datetime


def _unsigned(token: str) -> tuple[str, str]:
    try:
        data = signing.loads(token, salt=SALT)
        return str(data["c"]), str(data["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise BadRequest(_("评价链接无效或已被篡改"), code="bad_rating_link") from None


def purge_rating_links(*, now: datetime | None = None) -> int:
    """Forget the links expired more than `keep_days()` days ago (periodic): the table
    holds the links of the last weeks, not of every case ever closed. A genuine token
    whose row is gone still answers "expired" (`open_rating_link`)."""
    before = (now or clock.now()) - timedelta(days=keep_days())
    deleted, _ = RatingLink.objects.filter(expires_at__lt=before).delete()
    return deleted


def keep_days() -> int:
    return int(getattr(settings, "YIWANG_RATING_LINK_KEEP_DAYS", DEFAULT_KEEP_DAYS))


def _usable(link: RatingLink | None, now: datetime) -> RatingLink:
    if link is None:
        # the signature is ours, so the row existed: purged after it expired
        raise PermissionDenied(_("该评价链接已过期"), code="rating_link_expired")
    if link.used_at is not None:
        raise Conflict(_("该评价链接已使用过，一事一评"), code="rating_link_used")
    if now >= link.expires_at:
        raise PermissionDenied(_("该评价链接已过期"), code="rating_link_expired")
    return link


def open_rating_link(token: str) -> LinkedCase:
    """The case a link rates, when the link is genuine, unused and in time."""
    case_no, nonce = _unsigned(token)
    link = RatingLink.objects.select_related("case__item").filter(nonce=nonce).first()
    if link is not None and link.case.case_no != case_no:
        raise BadRequest(_("评价链接无效或已被篡改"), code="bad_rating_link")
    link = _usable(link, clock.now())
    if Evaluation.objects.filter(case_id=link.case_id).exists():
        raise Conflict(_("本办件已评价，一事一评，不能重复评价"), code="already_rated")
    return LinkedCase(link.case.case_no, link.case.item.name, link.case.status, link.expires_at)


def rate_by_link(
    token: str,
    *,
    score: int,
    indicators: Sequence[str] | None = None,
    comment: str = "",
) -> Evaluation:
    """Rate through a link: checked, the link spent and the rating written in one
    transaction (two uses at once: the second waits on the link's row and is refused)."""
    case_no, nonce = _unsigned(token)
    parts = clean_rating(score, indicators, comment)
    with transaction.atomic(), audit.batch():
        link = RatingLink.objects.select_for_update().filter(nonce=nonce).first()
        case = None
        if link is not None:
            case = Case.objects.select_for_update().filter(pk=link.case_id).first()
            if case is None or case.case_no != case_no:
                raise BadRequest(_("评价链接无效或已被篡改"), code="bad_rating_link")
        link = _usable(link, clock.now())
        assert case is not None
        rater = Actor.of(case.applicant)
        evaluation = rate_locked_case(
            case,
            *parts,
            channel=RatingChannel.LINK,
            rated_by_id=case.applicant_id,
            actor=rater,
            real_name=True,
        )
        link.used_at = clock.now()
        link.save(update_fields=["used_at"])
    return evaluation
