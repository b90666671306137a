"""Admin for org master data. Every save and delete goes through org.services, so it is
validated by the same rules as the data file and written to the audit log."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models, transaction
from django.http import HttpRequest

from yiwang.common.audit import audit_actor_of
from yiwang.common.errors import ValidationFailed
from yiwang.common.permissions import Permission
from yiwang.org import services
from yiwang.org.models import Department, Post, Region, Role, ServiceHall


class CheckedForm(forms.ModelForm):
    """Shows the services' rule violations as form errors instead of failing on save."""

    def _post_clean(self) -> None:
        # The hook where Django has copied the form's data onto the instance
        # (django-stubs does not declare it on the superclass).
        super()._post_clean()  # type: ignore[misc]
        if self.errors:
            return
        try:
            services.check_org_object(self.instance)
        except ValidationFailed as exc:
            self.add_error(None, exc.detail)


class AuditedAdmin(admin.ModelAdmin):
    form = CheckedForm

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.save_org_object(obj, actor=audit_actor_of(request))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.delete_org_object(obj, actor=audit_actor_of(request))

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet[Any]) -> None:
        with transaction.atomic():
            for obj in queryset:
                services.delete_org_object(obj, actor=audit_actor_of(request))


@admin.register(Region)
class RegionAdmin(AuditedAdmin):
    list_display = ("code", "name", "level", "parent", "sort_order")
    list_filter = ("level",)
    search_fields = ("name", "code")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    readonly_fields = ("path",)
    ordering = ("path",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The code is the primary key and fixes the parent: changing it would be a new region.
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "code"] if obj is not None else fields


@admin.register(ServiceHall)
class ServiceHallAdmin(AuditedAdmin):
    list_display = ("name", "code", "kind", "region", "phone")
    list_filter = ("kind", "region__level")
    search_fields = ("name", "code", "region__name", "region__code")
    list_select_related = ("region",)
    autocomplete_fields = ("region",)


@admin.register(Department)
class DepartmentAdmin(AuditedAdmin):
    list_display = ("name", "short_name", "code", "uscc", "region", "hall")
    list_filter = ("region__level",)
    search_fields = ("name", "short_name", "code", "uscc")
    list_select_related = ("region", "hall")
    autocomplete_fields = ("region", "hall")


PERMISSION_CHOICES = [(p.value, f"{p.value}（{p.name}）") for p in Permission]


class RoleForm(CheckedForm):
    permissions = forms.MultipleChoiceField(
        label="权限",
        choices=PERMISSION_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Role
        fields = ("code", "name", "scope", "permissions")

    def clean_permissions(self) -> list[str]:
        chosen = set(self.cleaned_data["permissions"])
        # Stored in the enum's order, so the same choice always saves the same list.
        return [p.value for p in Permission if p.value in chosen]


@admin.register(Role)
class RoleAdmin(AuditedAdmin):
    form = RoleForm
    list_display = ("code", "name", "scope")
    list_filter = ("scope",)
    search_fields = ("code", "name")


@admin.register(Post)
class PostAdmin(AuditedAdmin):
    list_display = ("code", "name", "role", "hall", "department")
    list_filter = ("role",)
    search_fields = ("code", "name", "hall__name", "department__name")
    list_select_related = ("role", "hall", "department")
    autocomplete_fields = ("role", "hall", "department")
