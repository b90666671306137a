from __future__ import annotations

from django.db import models

#: The longest Idempotency-Key accepted (every create endpoint, decision 0009).
IDEMPOTENCY_KEY_MAX = 100


class IdempotencyRecord(models.Model):
    """An Idempotency-Key an actor sent with a create request, and what it made.

    One table for every app (`common.idempotency`): the (actor, key) unique index decides
    races; `fingerprint` (operation + actor + body) tells a retry from a reuse; `object_id`
    and `data` are what the operation needs to answer the retry exactly like the first
    response (e.g. the case's query code, kept here and only here). Purged after 24 hours.
    """

    # Looked up only through (actor, key) and purged by date: no other index.
    actor = models.CharField("操作人", max_length=64)
    key = models.CharField("幂等键", max_length=IDEMPOTENCY_KEY_MAX)
    operation = models.CharField("操作", max_length=64)
    fingerprint = models.CharField("请求指纹", max_length=64)
    object_id = models.CharField("创建的对象", max_length=64, blank=True)
    data = models.JSONField("重放所需数据", default=dict, blank=True)
    created_at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "幂等键"
        verbose_name_plural = "幂等键"
        constraints = [
            models.UniqueConstraint(fields=["actor", "key"], name="common_idempotency_unique")
        ]
        indexes = [models.Index(fields=["created_at"], name="common_idempotency_created")]

    def __str__(self) -> str:
        return f"{self.operation} {self.key}"
