from __future__ import annotations

from django.db import models


class Revision(models.Model):
    """A counter per kind of reference data (the catalog, the org tree), bumped by its
    writers in their transaction. Processes that cache that data compare the counter
    at most once a second instead of reading the data on every request."""

    name = models.CharField("数据", max_length=40, primary_key=True)
    value = models.BigIntegerField("版本", default=0)

    class Meta:
        verbose_name = "数据版本"
        verbose_name_plural = "数据版本"

    def __str__(self) -> str:
        return f"{self.name}@{self.value}"
