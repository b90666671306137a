"""The append-only audit log and its SM3 hash chain.

Services append events inside their own transaction without any shared lock; a
background step (`common.audit.seal_pending`) later seals them into the chain in
a fixed order, each sealed event carrying the SM3 of its predecessor. So the
province's transactions never queue behind one chain head, and `yiwang audit
verify` proves everything sealed so far unbroken.
"""

from __future__ import annotations

from django.db import models


class AuditEvent(models.Model):
    id = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField("时间", db_index=True)
    actor_id = models.BigIntegerField("操作人ID", null=True, blank=True)
    actor = models.CharField("操作人", max_length=150, blank=True)
    action = models.CharField("动作", max_length=80)
    object_type = models.CharField("对象类型", max_length=80)
    object_id = models.CharField("对象ID", max_length=80)
    before = models.JSONField("修改前", null=True, blank=True)
    after = models.JSONField("修改后", null=True, blank=True)
    # Filled in by the sealer, once, in chain order.
    chain_seq = models.BigIntegerField("链序号", null=True, blank=True, unique=True)
    prev_hash = models.CharField("前一哈希", max_length=64, blank=True)
    hash = models.CharField("SM3哈希", max_length=64, blank=True)
    sealed_at = models.DateTimeField("封存时间", null=True, blank=True)

    class Meta:
        verbose_name = "审计事件"
        verbose_name_plural = "审计事件"
        ordering = ["id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(
                fields=["id"], name="audit_unsealed_idx", condition=models.Q(chain_seq__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.id} {self.action} {self.object_type}:{self.object_id}"


class AuditChainHead(models.Model):
    """The single row holding the last sealed link; only the sealer touches it."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = "审计链头"
        verbose_name_plural = "审计链头"

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"
