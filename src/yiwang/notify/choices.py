from django.db import models


class DeliveryStatus(models.TextChoices):
    """An outbox row's life: pending -> sending -> sent, or back to pending for a retry,
    or failed once retries are used up or the failure cannot be retried."""

    PENDING = "pending", "待发送"
    SENDING = "sending", "发送中"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"
