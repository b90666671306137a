"""Uploaded material files: stored through Django's storage API, owned by one user."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.common.personal import mask_text

UPLOAD_DIR = "uploads"


def upload_path(instance: Upload, filename: str) -> str:
    """uploads/YYYY/MM/<uuid>: never the client's file name on disk."""
    return f"{UPLOAD_DIR}/{timezone.now():%Y/%m}/{instance.id}"


class Upload(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # PROTECT: an applicant's materials outlive nothing; accounts are deactivated, not deleted.
    owner = models.ForeignKey(
        User, verbose_name="上传人", on_delete=models.PROTECT, related_name="uploads"
    )
    file = models.FileField("文件", upload_to=upload_path, max_length=200)
    name = models.CharField("原文件名", max_length=255)
    size = models.PositiveBigIntegerField("字节数")
    content_type = models.CharField("类型", max_length=100)
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    created_at = models.DateTimeField("上传时间", default=timezone.now)

    class Meta:
        verbose_name = "上传文件"
        verbose_name_plural = "上传文件"
        indexes = [models.Index(fields=["owner", "-created_at"], name="upload_owner_idx")]

    def __str__(self) -> str:
        # Shown by the admin and in log lines: a file name can carry an ID or phone number.
        return mask_text(self.name)
