"""Read-mostly admin of the message centre and the outbox.

Messages are the recipients' own: administrators may look, not write. The one action
is on the outbox: send a failed delivery again, through `services.requeue_delivery`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from yiwang.accounts.actor import request_actor
from yiwang.common.errors import InvalidTransition
from yiwang.notify import services
from yiwang.notify.choices import DeliveryStatus
from yiwang.notify.models import Delivery, Message


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DeliveryInline(admin.TabularInline):
    model = Delivery
    fields = ("channel", "status", "attempts", "last_error", "sent_at", "external_id")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "recipient",
        "subject",
        "object_type",
        "object_id",
        "created_at",
        "read_at",
    )
    list_filter = ("object_type",)
    search_fields = ("subject", "object_id", "recipient__username")
    list_select_related = ("recipient",)
    ordering = ("-id",)
    show_full_result_count = False
    inlines = (DeliveryInline,)


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "channel",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
        "message",
    )
    list_filter = ("status", "channel")
    search_fields = ("external_id", "reference")
    list_select_related = ("message",)
    ordering = ("-id",)
    show_full_result_count = False
    actions = ("requeue",)

    def has_requeue_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser or request.user.has_perm("notify.change_delivery"))

    @admin.action(description="重新发送选中的失败投递", permissions=["requeue"])
    def requeue(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        done = 0
        for delivery in queryset.filter(status=DeliveryStatus.FAILED):
            try:
                services.requeue_delivery(delivery, actor=request_actor(request))
                done += 1
            except InvalidTransition:
                continue  # someone else requeued it meanwhile
        self.message_user(request, f"已重新排队 {done} 条投递", messages.SUCCESS)
