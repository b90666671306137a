from __future__ import annotations

from django.db import models


class PeriodicJobState(models.Model):
    """When a periodic job is next due. Workers claim a run with one conditional
    UPDATE, so several workers never enqueue the same run twice."""

    name = models.CharField("任务", max_length=80, primary_key=True)
    next_run_at = models.DateTimeField("下次运行")
    last_enqueued_at = models.DateTimeField("上次入队", null=True, blank=True)

    class Meta:
        verbose_name = "周期任务"
        verbose_name_plural = "周期任务"

    def __str__(self) -> str:
        return self.name
