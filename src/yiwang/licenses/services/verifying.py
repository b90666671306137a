"""Online verification of a QR payload, its log, and the public rate limit."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts.actor import Actor, as_actor
from yiwang.common.errors import RateLimited, ValidationFailed
from yiwang.common.permissions import Permission
from yiwang.licenses.choices import VerifyChannel, VerifyResult
from yiwang.licenses.encoding import Payload, PayloadError, parse_payload
from yiwang.licenses.models import License, Verification
from yiwang.licenses.services.keys import known_keys
from yiwang.licenses.verification import StoredVersion, verify_online

#: Public checks per address and window: (requests, seconds). An officer signed in with
#: `unit:license:verify` is not counted (a shift's offline checks sync at once).
VERIFY_RATE_LIMIT = (30, 60)
#: How far back an offline check may be synced (an officer's shift off the network,
#: with margin), and how far a client's clock may run ahead.
SYNC_WINDOW = timedelta(days=30)
CLOCK_SKEW = timedelta(minutes=5)
LOCATION_MAX = 200
#: The `reason` of an answer about a license that is in the library but not yet signed.
NOT_YET_SIGNED = "not_yet_signed"


@dataclass(frozen=True)
class VerifyAnswer:
    result: str
    reason: str
    license: License | None
    payload: Payload | None
    #: The authority whose published key verified the signature ("" when none did).
    authority_name: str = ""


def verify_payload(text: object, *, today: date | None = None) -> VerifyAnswer:
    """The library's answer for a payload: valid, revoked, suspended, expired,
    not_yet_valid, superseded, unknown or tampered (licenses.verification). Reads only; never raises on
    what a client sends."""
    day = today or timezone.localdate()
    stored: StoredVersion | None = None
    lic: License | None = None
    try:
        identifier = parse_payload(text).identifier
    except PayloadError:
        identifier = ""
    if identifier:
        lic = (
            License.objects.select_related("license_type", "issuer", "key")
            .filter(identifier=identifier)
            .first()
        )
        if lic is not None and lic.signed_at is not None and lic.key is not None:
            stored = StoredVersion(
                digest=lic.digest,
                key_id=lic.key.key_id,
                status=lic.status,
                valid_from=lic.valid_from,
                valid_until=lic.valid_until,
            )
    outcome = verify_online(text, known_keys(), day, stored)
    if lic is not None and lic.signed_at is None and outcome.reason == "not in the library":
        # A bulk-imported license the signing job has not reached (decision 0021): say
        # so, rather than that the library does not hold it.
        outcome = replace(outcome, reason=NOT_YET_SIGNED)
    shown = lic if outcome.result not in (VerifyResult.TAMPERED, VerifyResult.UNKNOWN) else None
    return VerifyAnswer(
        outcome.result, outcome.reason, shown, outcome.payload, outcome.authority_name
    )


def _keyed(value: str) -> str:
    mac = hmac.new(settings.SECRET_KEY.encode(), f"licenses:verify:{value}".encode(), "sha256")
    return mac.hexdigest()


def check_verify_rate(address: str, *, actor: Actor, now: datetime | None = None) -> None:
    """Count a public verification from `address`; RateLimited (429, Retry-After) past
    VERIFY_RATE_LIMIT in its fixed window (one upsert, shared by every process; the
    address only as a keyed hash). Officers with `unit:license:verify` pass."""
    actor = as_actor(actor)
    if actor.has(Permission.LICENSE_VERIFY):
        return
    limit, seconds = VERIFY_RATE_LIMIT
    now = now or timezone.now()
    epoch = int(now.timestamp())
    start = datetime.fromtimestamp(epoch - epoch % seconds, tz=UTC)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO licenses_verifyratecounter (key, window_start, hits) "
            "VALUES (%s, %s, 1) ON CONFLICT (key, window_start) "
            "DO UPDATE SET hits = licenses_verifyratecounter.hits + 1 RETURNING hits",
            [_keyed(address), connection.ops.adapt_datetimefield_value(start)],
        )
        row = cursor.fetchone()
    if row and int(row[0]) > limit:
        retry = max(1, int((start + timedelta(seconds=seconds) - now).total_seconds()) + 1)
        raise RateLimited(_("核验过于频繁，请稍后再试"), retry_after=retry, code="rate_limited")


def _verifier_label(actor: Actor) -> str:
    if not actor.is_authenticated:
        return ""
    posts = actor.posts_with(Permission.LICENSE_VERIFY)
    unit = f"（{posts[0].unit_name}）" if posts else ""
    return f"{actor.display_label}{unit}"[:200]


def record_verification(
    answer: VerifyAnswer,
    *,
    actor: Actor,
    checked_at: datetime | None = None,
    location: str = "",
    offline_result: str = "",
    now: datetime | None = None,
) -> Verification:
    """Log one check: who (the account, or nobody), when it was made (`checked_at` for
    an offline check synced later: not in the future, at most SYNC_WINDOW back), where,
    and what it said — online now, and offline then. The log is this table (append-only,
    shown to the holder); it is not copied into the audit chain, where a public
    endpoint's volume does not belong (decision 0019)."""
    actor = as_actor(actor)
    now = now or timezone.now()
    when = checked_at or now
    if timezone.is_naive(when):
        raise ValidationFailed(_("核验时间须带时区"), code="checked_at_naive")
    if when > now + CLOCK_SKEW:
        raise ValidationFailed(_("核验时间不能晚于当前时间"), code="checked_at_in_future")
    if when < now - SYNC_WINDOW:
        raise ValidationFailed(
            _("只能同步 %(days)s 天内的离线核验记录") % {"days": SYNC_WINDOW.days},
            code="checked_at_too_old",
        )
    place = " ".join(str(location or "").split())
    if len(place) > LOCATION_MAX or not place.isprintable():
        raise ValidationFailed(
            _("核验地点不能超过 %(max)s 个字符") % {"max": LOCATION_MAX}, code="bad_location"
        )
    if offline_result and offline_result not in VerifyResult.values:
        raise ValidationFailed(
            _("离线核验结果不正确"), code="bad_offline_result", allowed=list(VerifyResult.values)
        )
    identifier = answer.payload.identifier if answer.payload is not None else ""
    lic = answer.license
    if lic is None and identifier:
        # An unknown-key or tampered payload naming a real license: the holder sees it.
        lic = License.objects.filter(identifier=identifier).only("pk").first()
    return Verification.objects.create(
        license=lic,
        identifier=identifier,
        result=answer.result,
        offline_result=offline_result,
        channel=VerifyChannel.OFFLINE_SYNC if checked_at is not None else VerifyChannel.ONLINE,
        checked_at=when,
        recorded_at=now,
        verifier=actor.user,
        verifier_label=_verifier_label(actor),
        location=place,
    )
