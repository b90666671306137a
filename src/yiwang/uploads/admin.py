"""Read-only admin of uploaded files: their metadata, never their content (they are
applicants' personal materials; staff see them through the cases they handle)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from yiwang.uploads.models import Upload


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    list_display = ("id", "owner", "name", "content_type", "size", "created_at")
    list_filter = ("content_type",)
    search_fields = ("=id", "=sha256", "owner__username")
    list_select_related = ("owner",)
    fields = ("id", "owner", "name", "content_type", "size", "sha256", "created_at")
    readonly_fields = fields
    ordering = ("-created_at",)
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
