"""The outbox dispatcher: sends the due deliveries that `notify.services.notify()` queued.
Every outcome is audited.

Sending is at most once per delivery. A delivery is claimed (status `sending`,
attempts + 1) in one short transaction — SELECT ... FOR UPDATE SKIP LOCKED on
PostgreSQL, an IMMEDIATE transaction on SQLite — then sent outside any transaction,
then its outcome recorded only if the claim is still ours. A claim whose worker
died mid-send is never resent automatically (the gateway may have accepted it):
it is failed as "outcome unknown" for an operator to requeue.

Run by the `notify.tasks.dispatch_pending` task; imports neither the services nor the
tasks.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from time import monotonic
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from yiwang.accounts.actor import Actor
from yiwang.common.audit import record
from yiwang.common.personal import mask_text
from yiwang.notify.channels import Channel, ChannelError, configured_channels
from yiwang.notify.choices import DeliveryStatus
from yiwang.notify.models import Delivery

logger = logging.getLogger("yiwang.notify")

DISPATCH_ACTOR = Actor.system("notify-dispatch")
#: A claim older than this is taken to belong to a worker that died mid-send.
CLAIM_LEASE = timedelta(hours=1)
#: A dispatcher stops sending its batch after this long and hands the rest back,
#: so no live claim ever comes near the lease.
BATCH_TIME_BUDGET = CLAIM_LEASE / 4
RETRY_CAP = timedelta(hours=1)


def max_attempts() -> int:
    return int(getattr(settings, "YIWANG_NOTIFY_MAX_ATTEMPTS", 5))


def retry_base() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "YIWANG_NOTIFY_RETRY_SECONDS", 60)))


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off: base, 2x base, 4x base, ... capped at an hour."""
    return min(retry_base() * (2 ** max(attempts - 1, 0)), RETRY_CAP)


@dataclass
class DispatchReport:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    abandoned: int = 0
    released: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def dispatch_deliveries(*, limit: int = 50, now: datetime | None = None) -> DispatchReport:
    """Send up to `limit` due deliveries once each; see the module docstring.

    Safe to run any number of times, concurrently: a delivery is sent only by the run
    that claimed it, and a sent one is never claimed again.
    """
    now = now or timezone.now()
    # Built before claiming: a configuration error must not strand claimed rows.
    channels = configured_channels()
    report = DispatchReport()
    report.abandoned = _abandon_stale_claims(now)
    claimed = _claim_due(limit, now)
    report.claimed = len(claimed)
    started = monotonic()
    for index, delivery in enumerate(claimed):
        if monotonic() - started > BATCH_TIME_BUDGET.total_seconds():
            report.released = _release([d.pk for d in claimed[index:]], now)
            break
        outcome = _send_one(delivery, channels.get(delivery.channel), now)
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def _claim_due(limit: int, now: datetime) -> list[Delivery]:
    with transaction.atomic():
        due = Delivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=now
        ).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            # Another dispatcher's claimed rows are skipped, not waited for.
            due = due.select_for_update(skip_locked=True)
        # On SQLite the IMMEDIATE transaction (settings) already holds the write lock.
        ids = list(due.values_list("id", flat=True)[:limit])
        if not ids:
            return []
        Delivery.objects.filter(id__in=ids, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    return list(
        Delivery.objects.filter(id__in=ids, status=DeliveryStatus.SENDING, claimed_at=now)
        .select_related("message__recipient")
        .order_by("next_attempt_at", "id")
    )


def _send_one(delivery: Delivery, channel: Channel | None, now: datetime) -> str:
    try:
        if channel is None:
            raise ChannelError(f"渠道 {delivery.channel} 未配置", retryable=False)
        external_id = channel.send(delivery.message, delivery)
    except ChannelError as exc:
        return _record_failure(delivery, exc.reason, retryable=exc.retryable, now=now)
    except Exception as exc:
        # An adapter bug. Its message may hold personal data: only the type is kept.
        return _record_failure(
            delivery, f"渠道适配器异常（{type(exc).__name__}）", retryable=True, now=now
        )
    return _record_sent(delivery, str(external_id or ""))


def _record_sent(delivery: Delivery, external_id: str) -> str:
    with transaction.atomic():
        sent_at = timezone.now()
        # Only our claim: (pk, claimed_at) is unchanged unless the claim was taken from us.
        Delivery.objects.filter(pk=delivery.pk, claimed_at=delivery.claimed_at).update(
            status=DeliveryStatus.SENT, sent_at=sent_at, external_id=external_id[:100]
        )
        record(
            "notify.delivery_sent",
            delivery,
            actor=DISPATCH_ACTOR,
            after={
                "channel": delivery.channel,
                "attempts": delivery.attempts,
                "external_id": mask_text(external_id[:100]),
            },
        )
    return "sent"


def _record_failure(delivery: Delivery, reason: str, *, retryable: bool, now: datetime) -> str:
    reason = mask_text(reason)[:500]
    retry = retryable and delivery.attempts < max_attempts()
    with transaction.atomic():
        changes: dict[str, Any] = {"last_error": reason}
        if retry:
            changes |= {
                "status": DeliveryStatus.PENDING,
                "next_attempt_at": now + retry_delay(delivery.attempts),
            }
        else:
            changes["status"] = DeliveryStatus.FAILED
        Delivery.objects.filter(pk=delivery.pk, claimed_at=delivery.claimed_at).update(**changes)
        record(
            "notify.delivery_retry_scheduled" if retry else "notify.delivery_failed",
            delivery,
            actor=DISPATCH_ACTOR,
            after={
                "channel": delivery.channel,
                "attempts": delivery.attempts,
                "error": reason,
                "next_attempt_at": changes.get("next_attempt_at"),
            },
        )
    logger.warning(
        "delivery %s via %s failed on attempt %s%s: %s",
        delivery.pk,
        delivery.channel,
        delivery.attempts,
        ", will retry" if retry else ", giving up",
        reason,
    )
    return "retrying" if retry else "failed"


def _release(ids: list[int], claimed_at: datetime) -> int:
    """Hand claimed but unsent deliveries back; the attempt they were charged is refunded."""
    with transaction.atomic():
        return Delivery.objects.filter(
            id__in=ids, status=DeliveryStatus.SENDING, claimed_at=claimed_at
        ).update(status=DeliveryStatus.PENDING, attempts=F("attempts") - 1)


def _abandon_stale_claims(now: datetime) -> int:
    """Fail (never resend) deliveries whose worker died while sending them."""
    stale = list(
        Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=now - CLAIM_LEASE)
    )
    abandoned = 0
    for delivery in stale:
        with transaction.atomic():
            reason = (
                "发送结果未知：发送过程中断。为避免重复发送，不自动重发；请核实后在管理后台重新发送"
            )
            changed = Delivery.objects.filter(
                pk=delivery.pk, status=DeliveryStatus.SENDING, claimed_at=delivery.claimed_at
            ).update(status=DeliveryStatus.FAILED, last_error=reason)
            if changed:
                abandoned += 1
                record(
                    "notify.delivery_abandoned",
                    delivery,
                    actor=DISPATCH_ACTOR,
                    after={"channel": delivery.channel, "attempts": delivery.attempts},
                )
    if abandoned:
        logger.warning("%s deliveries failed with an unknown outcome (claim expired)", abandoned)
    return abandoned
