"""The message centre (one inbox per person) and the outbox of deliveries per channel."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.notify.choices import DeliveryStatus


class Message(models.Model):
    """A message to one person; the in-site message centre is its first channel."""

    # Indexed by message_inbox_idx, which leads with it.
    recipient = models.ForeignKey(
        User,
        verbose_name="收件人",
        on_delete=models.CASCADE,
        related_name="messages",
        db_index=False,
    )
    subject = models.CharField("标题", max_length=200)
    body = models.TextField("正文", blank=True)
    # What the message is about, e.g. ("case", "220102-20261126-000001"): a link for the UI.
    object_type = models.CharField("关联对象类型", max_length=30, blank=True)
    object_id = models.CharField("关联对象编号", max_length=64, blank=True)
    created_at = models.DateTimeField("发送时间", default=timezone.now)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)

    class Meta:
        verbose_name = "站内消息"
        verbose_name_plural = "站内消息"
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="message_inbox_idx"),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="message_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Delivery(models.Model):
    """One message on one external channel (SMS, WeChat, ...): the transactional outbox.

    Written in the same transaction as the message; `notify.dispatch.dispatch_deliveries`
    claims due rows, sends them through the channel adapter and records the outcome.
    """

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField("渠道", max_length=20)
    # Sent to the gateway with each attempt, so a gateway that de-duplicates can drop a
    # repeat after an ambiguous failure (a timeout after the gateway accepted the request).
    reference = models.UUIDField("发送流水号", default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(
        "状态", max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField("已尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试时间", default=timezone.now)
    claimed_at = models.DateTimeField("最近一次领取时间", null=True, blank=True)
    last_error = models.CharField("最近一次错误", max_length=500, blank=True)
    sent_at = models.DateTimeField("发送成功时间", null=True, blank=True)
    external_id = models.CharField("渠道回执编号", max_length=100, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    class Meta:
        verbose_name = "外部渠道投递"
        verbose_name_plural = "外部渠道投递"
        constraints = [
            models.UniqueConstraint(fields=["message", "channel"], name="delivery_one_per_channel")
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} #{self.pk} ({self.status})"
