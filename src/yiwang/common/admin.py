"""Admin for the platform administrators: the holiday calendar, and the audit log read-only.

Every save and delete of calendar data goes through `common.workdays`'s
services, so each change is audited and every process sees it within a second.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.db.models.functions import ExtractYear
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from yiwang.common import workdays
from yiwang.common.audit import audit_actor_of
from yiwang.common.errors import ValidationFailed
from yiwang.common.models import AuditEvent, CalendarDay, CalendarYear

WEEKDAYS_ZH = "一二三四五六日"


class CalendarDayForm(forms.ModelForm[CalendarDay]):
    class Meta:
        model = CalendarDay
        fields = ("date", "is_workday", "holiday_name")
        help_texts: ClassVar[dict[str, str]] = {
            "is_workday": "勾选：这一天上班（周末的调休上班日）；不勾选：这一天休息（节假日）。",
            "holiday_name": "节假日名称（如“国庆节”），调休上班日填“调休上班”。",
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day = data.get("date") or (self.instance.date if self.instance.pk else None)
        if day is not None and "is_workday" in data:
            try:
                data["holiday_name"] = workdays.validate_day(
                    day,
                    is_workday=bool(data["is_workday"]),
                    holiday_name=data.get("holiday_name") or "",
                )
            except ValidationFailed as exc:
                raise ValidationError(exc.detail) from exc
        return data


class YearFilter(admin.SimpleListFilter):
    title = "年份"
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        years = (
            CalendarDay.objects.annotate(y=ExtractYear("date"))
            .values_list("y", flat=True)
            .distinct()
            .order_by("-y")
        )
        return [(str(y), str(y)) for y in years]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(date__year=int(value))
        return queryset


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin[CalendarDay]):
    form = CalendarDayForm
    list_display = ("date", "weekday", "is_workday", "holiday_name", "year_published")
    list_filter = (YearFilter, "is_workday")
    search_fields = ("holiday_name",)
    date_hierarchy = "date"
    ordering = ("-date",)

    @admin.display(description="星期")
    def weekday(self, obj: CalendarDay) -> str:
        return f"星期{WEEKDAYS_ZH[obj.date.weekday()]}"

    @admin.display(description="本年已发布", boolean=True)
    def year_published(self, obj: CalendarDay) -> bool:
        return obj.date.year in workdays.published_years()

    def get_readonly_fields(self, request: HttpRequest, obj: CalendarDay | None = None) -> Any:
        # The date is the key: to move an entry, delete it and add the other day.
        return ["date"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        workdays.set_day(
            obj.date,
            is_workday=obj.is_workday,
            holiday_name=obj.holiday_name,
            actor=audit_actor_of(request),
        )

    def delete_model(self, request: HttpRequest, obj: CalendarDay) -> None:
        workdays.clear_day(obj.date, actor=audit_actor_of(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarDay]) -> None:
        for day in queryset.order_by("date").values_list("date", flat=True):
            workdays.clear_day(day, actor=audit_actor_of(request))


class CalendarYearForm(forms.ModelForm[CalendarYear]):
    class Meta:
        model = CalendarYear
        fields = ("year", "source")
        help_texts: ClassVar[dict[str, str]] = {
            "year": (
                "先在“日历日”中录入该年通知的全部节假日和调休上班日，再发布；之后的修改也立即生效。"
            ),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        year = data.get("year") or (self.instance.year if self.instance.pk else None)
        if year is not None:
            try:
                data["source"] = workdays.validate_year(int(year), data.get("source") or "")
            except ValidationFailed as exc:
                raise ValidationError(exc.detail) from exc
        return data


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin[CalendarYear]):
    form = CalendarYearForm
    list_display = ("year", "source", "updated_at", "days_entered")
    search_fields = ("source",)
    ordering = ("-year",)

    @admin.display(description="已录入的日")
    def days_entered(self, obj: CalendarYear) -> str:
        n = CalendarDay.objects.filter(date__year=obj.year).count()
        url = reverse("admin:common_calendarday_changelist") + f"?year={obj.year}"
        return format_html('<a href="{}">{} 天</a>', url, n)

    def get_readonly_fields(self, request: HttpRequest, obj: CalendarYear | None = None) -> Any:
        return ["year", "updated_at"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: CalendarYear, form: Any, change: bool) -> None:
        saved = workdays.publish_year(obj.year, obj.source, actor=audit_actor_of(request))
        obj.updated_at = saved.updated_at

    def delete_model(self, request: HttpRequest, obj: CalendarYear) -> None:
        workdays.unpublish_year(obj.year, actor=audit_actor_of(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarYear]) -> None:
        for year in queryset.order_by("year").values_list("year", flat=True):
            workdays.unpublish_year(year, actor=audit_actor_of(request))


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    """Read-only: the audit log is append-only, written by services alone."""

    list_display = ("id", "occurred_at", "actor", "action", "object_type", "object_id", "chain_seq")
    list_filter = ("object_type",)
    search_fields = ("action", "object_type", "object_id", "actor")
    ordering = ("-id",)
    # The log grows without bound: no COUNT(*) over all of it on every page.
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False
