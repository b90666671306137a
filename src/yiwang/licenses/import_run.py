"""The checkpoint of a bulk import (`yiwang licenses import`), as credit's `LoadRun`.

One row per file (by fingerprint): after every committed batch it holds the byte offset
and line number the batch reached, in the batch's own transaction, so a crashed import
resumes after its last committed batch. Its own module, imported by `models`, so the
import lane adds a model without rewriting the library's model module.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class ImportStatus(models.TextChoices):
    RUNNING = "running", "进行中"
    DONE = "done", "已完成"


class LicenseImport(models.Model):
    """One bulk import of a license file, checkpointed per batch."""

    fingerprint = models.CharField("文件指纹", max_length=64)
    file_name = models.CharField("文件", max_length=500)
    status = models.CharField(
        "状态", max_length=8, choices=ImportStatus.choices, default=ImportStatus.RUNNING
    )
    byte_offset = models.BigIntegerField("已提交到的字节位置", default=0)
    line_no = models.BigIntegerField("已提交到的行号", default=0)
    batches = models.PositiveIntegerField("批次", default=0)
    inserted = models.BigIntegerField("导入", default=0)
    existing = models.BigIntegerField("已在库中", default=0)
    rejected = models.BigIntegerField("拒绝", default=0)
    #: The rejects file's size after the last committed batch: a resumed import cuts the
    #: file back to it, so a batch re-read after a crash is not reported twice.
    rejects_offset = models.BigIntegerField("拒绝文件已提交到的字节位置", default=0)
    started_at = models.DateTimeField("开始时间", default=timezone.now)
    updated_at = models.DateTimeField("更新时间", default=timezone.now)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    actor_label = models.CharField("执行者", max_length=150)

    class Meta:
        app_label = "licenses"
        verbose_name = "证照批量导入"
        verbose_name_plural = "证照批量导入"
        indexes = [models.Index(fields=["fingerprint"], name="license_import_fp")]

    def __str__(self) -> str:
        return f"{self.file_name} {self.status}"
