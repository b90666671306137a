"""The working-day calendar (行政许可法 Art. 82: all periods are working days)."""

from __future__ import annotations

from django.db import models


class CalendarYear(models.Model):
    """A year whose State Council holiday notice has been entered.

    A year without a row here is counted on weekends only, and every deadline
    that falls into or crosses it is provisional.
    """

    year = models.PositiveSmallIntegerField("年份", primary_key=True)
    source = models.CharField(
        "来源", max_length=200, help_text="如：国务院办公厅通知 国办发明电〔2025〕7号"
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "已发布的年度日历"
        verbose_name_plural = "已发布的年度日历"
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year}"


class CalendarDay(models.Model):
    """One day of a published year: a holiday, a make-up working day, or an ordinary day."""

    date = models.DateField("日期", primary_key=True)
    is_workday = models.BooleanField("工作日")
    holiday_name = models.CharField("节假日/调休", max_length=40, blank=True)

    class Meta:
        verbose_name = "日历日"
        verbose_name_plural = "日历日"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'班' if self.is_workday else '休'} {self.holiday_name}".strip()
