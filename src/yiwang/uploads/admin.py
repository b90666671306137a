"""Read-only admin of uploaded files: their metadata, never their content (they are
applicants' personal materials; staff see them through the cases they handle)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from yiwang.common.personal import mask_text
from yiwang.uploads.models import Upload


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    list_display = ("id", "owner", "masked_name", "content_type", "size", "created_at")
    list_filter = ("content_type",)
    search_fields = ("=id", "=sha256", "owner__username")
    list_select_related = ("owner",)
    fields = ("id", "owner", "masked_name", "content_type", "size", "sha256", "created_at")
    readonly_fields = fields
    ordering = ("-created_at",)
    show_full_result_count = False

    @admin.display(description="文件名")
    def masked_name(self, obj: Upload) -> str:
        # A file name can carry the owner's ID or phone number; the administrator
        # neither owns nor handles the file.
        return mask_text(obj.name)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
