from django.contrib import admin, messages

from connectors.models import OutboxDelivery, OutboxEvent, ProcessedEvent
from connectors.outbox.services import outbox_delivery_replay


class OutboxDeliveryInline(admin.TabularInline):
    model = OutboxDelivery
    extra = 0
    can_delete = False
    fields = ["consumer", "status", "attempts", "next_attempt_at", "delivered_at", "last_error"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ["event_type", "event_id", "occurred_at", "recorded_at"]
    list_filter = ["event_type"]
    search_fields = ["event_id", "event_type"]
    readonly_fields = ["event_id", "event_type", "payload", "occurred_at", "recorded_at"]
    inlines = [OutboxDeliveryInline]
    date_hierarchy = "recorded_at"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboxDelivery)
class OutboxDeliveryAdmin(admin.ModelAdmin):
    list_display = ["event", "consumer", "status", "attempts", "next_attempt_at", "last_error"]
    list_filter = ["status", "consumer"]
    search_fields = ["event__event_id", "consumer"]
    list_select_related = ["event"]
    readonly_fields = [
        "event",
        "consumer",
        "status",
        "attempts",
        "next_attempt_at",
        "last_attempt_at",
        "last_error",
        "delivered_at",
        "created_at",
    ]
    actions = ["replay"]

    @admin.action(description="Replay selected dead or pending deliveries")
    def replay(self, request, queryset):
        count = outbox_delivery_replay(delivery_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} deliveries queued again.", messages.SUCCESS)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProcessedEvent)
class ProcessedEventAdmin(admin.ModelAdmin):
    list_display = ["consumer", "event_id", "processed_at"]
    list_filter = ["consumer"]
    search_fields = ["event_id"]
    readonly_fields = ["consumer", "event_id", "processed_at"]

    def has_add_permission(self, request):
        return False
