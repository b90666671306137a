"""Writers of the message centre and the outbox. Every write is audited.

`notify()` is what other apps call: it puts the message in the recipient's inbox and
one pending delivery per configured external channel into the outbox, in the caller's
transaction, and enqueues the dispatcher once that transaction commits. The periodic
`dispatch_pending` task picks up whatever that enqueue missed. The sending itself is
in `notify.dispatch` (services -> tasks -> dispatch: no circle).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts.actor import Actor, as_actor
from yiwang.accounts.models import User
from yiwang.common.audit import record
from yiwang.common.db import insert_rows
from yiwang.common.errors import InvalidTransition, NotFound, ValidationFailed
from yiwang.notify.channels import channel_codes
from yiwang.notify.choices import DeliveryStatus
from yiwang.notify.models import Delivery, Message
from yiwang.notify.tasks import dispatch_pending

SUBJECT_MAX = Message._meta.get_field("subject").max_length or 200


def notify(
    recipient: User,
    *,
    subject: str,
    body: str,
    object_type: str = "",
    object_id: str = "",
    actor: Actor,
) -> Message:
    """Put a message in the recipient's inbox and queue it on every external channel.

    Callable inside another service's transaction: everything here joins it (no
    savepoint: a failure here fails the caller's change too), and the dispatcher is only enqueued once the outermost one commits,
    so a rolled-back case change announces nothing.
    """
    subject = " ".join((subject or "").split())
    if not subject:
        raise ValidationFailed(_("消息标题不能为空"), code="subject_required")
    if len(subject) > SUBJECT_MAX:
        raise ValidationFailed(
            _("消息标题不能超过 %(subject_max)s 个字符") % {"subject_max": SUBJECT_MAX},
            code="subject_too_long",
        )
    if not isinstance(recipient, User) or recipient.pk is None:
        raise ValidationFailed(_("收件人必须是已登记的用户"), code="unknown_recipient")
    codes = channel_codes()
    with transaction.atomic(savepoint=False):
        now = timezone.now()
        message = Message(
            recipient=recipient,
            subject=subject,
            body=body or "",
            object_type=object_type or "",
            object_id=str(object_id or ""),
            created_at=now,
        )
        insert_rows([message], returning_ids=True)
        Delivery.objects.bulk_create(
            [Delivery(message=message, channel=code, next_attempt_at=now) for code in codes]
        )
        record(
            "notify.message_created",
            message,
            actor=actor,
            after={
                "recipient": recipient.username,
                "subject": subject,
                "object_type": message.object_type,
                "object_id": message.object_id,
                "channels": codes,
            },
        )
        if codes:
            transaction.on_commit(_enqueue_dispatch, robust=True)
    return message


def _enqueue_dispatch() -> None:
    dispatch_pending.enqueue()


def mark_read(message: Message, *, actor: Actor) -> Message:
    """The recipient has read the message. Idempotent: reading it again changes nothing."""
    actor = as_actor(actor)
    if actor.pk is None or actor.pk != message.recipient_id:
        raise NotFound(_("没有这条消息"), code="not_found")
    with transaction.atomic():
        now = timezone.now()
        if Message.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=now):
            message.read_at = now
            record("notify.message_read", message, actor=actor, after={"read_at": now})
        else:
            message.refresh_from_db(fields=["read_at"])
    return message


def requeue_delivery(delivery: Delivery, *, actor: Actor) -> Delivery:
    """An operator sends a failed delivery again (after fixing the gateway, or having
    checked that an "outcome unknown" one did not arrive). Attempts start over."""
    with transaction.atomic():
        current = Delivery.objects.select_for_update().get(pk=delivery.pk)
        if current.status != DeliveryStatus.FAILED:
            raise InvalidTransition(
                _("只有发送失败的投递可以重新发送"),
                current_state=current.status,
                code="delivery_not_failed",
            )
        before = {"status": current.status, "attempts": current.attempts}
        current.status = DeliveryStatus.PENDING
        current.attempts = 0
        current.next_attempt_at = timezone.now()
        current.save(update_fields=["status", "attempts", "next_attempt_at"])
        record(
            "notify.delivery_requeued",
            current,
            actor=actor,
            before=before,
            after={"status": current.status, "attempts": 0},
        )
        transaction.on_commit(_enqueue_dispatch, robust=True)
    return current
