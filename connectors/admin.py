from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from cadence.kernel.events import DomainEvent
from connectors.errors import ConnectorError
from connectors.inbound.keys import connector_key_create, connector_key_revoke
from connectors.models import (
    ConnectorKey,
    ConnectorScope,
    ConnectorSigningSecret,
    InboundRequest,
    OutboxDelivery,
    OutboxEvent,
    OutsideRecord,
    ProcessedEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from connectors.outbox.services import outbox_delivery_replay
from connectors.webhooks.services import (
    webhook_delivery_replay,
    webhook_subscription_secret_rotate,
)


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

    @admin.action(description="Replay selected dead or pending deliveries", permissions=["replay"])
    def replay(self, request, queryset):
        count = outbox_delivery_replay(delivery_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} deliveries queued again.", messages.SUCCESS)

    def has_replay_permission(self, request):
        return request.user.has_perm("connectors.replay_outboxdelivery")

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


class ConnectorSigningSecretInline(admin.TabularInline):
    model = ConnectorSigningSecret
    extra = 0
    can_delete = False
    # The secret itself stays out of the admin: it was shown once, to whoever created it.
    fields = ["created_at", "expires_at"]
    readonly_fields = ["created_at"]

    def has_add_permission(self, request, obj=None):
        return False


def scopes_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        choices=[(scope.value, f"{scope.value}: {scope.label}") for scope in ConnectorScope],
        initial=[ConnectorScope.CONNECTORS.value],
        widget=forms.CheckboxSelectMultiple,
        help_text="What the key may do; a request outside its scopes is refused with 403.",
    )


class ConnectorKeyIssueForm(forms.Form):
    # The service's field names (as the API spells them) to this form's.
    FIELDS = {"name": "name", "requestsPerMinute": "requests_per_minute", "scopes": "scopes"}

    name = forms.CharField(
        max_length=100, help_text="Who will use the key, e.g. commerce-platform."
    )
    requests_per_minute = forms.IntegerField(min_value=1, initial=120)
    scopes = scopes_field()


class ConnectorKeyForm(forms.ModelForm):
    scopes = scopes_field()

    class Meta:
        model = ConnectorKey
        fields = ["requests_per_minute", "scopes"]


@admin.register(ConnectorKey)
class ConnectorKeyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "prefix",
        "scope_list",
        "requests_per_minute",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    form = ConnectorKeyForm
    fields = [
        "name",
        "prefix",
        "scopes",
        "requests_per_minute",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    readonly_fields = ["name", "prefix", "created_at", "last_used_at", "revoked_at"]
    inlines = [ConnectorSigningSecretInline]
    actions = ["revoke"]

    @admin.display(description="scopes")
    def scope_list(self, key) -> str:
        return ", ".join(key.scopes)

    @admin.action(description="Revoke selected connector keys", permissions=["change"])
    def revoke(self, request, queryset):
        revoked = sum(
            connector_key_revoke(name=name) for name in queryset.values_list("name", flat=True)
        )
        self.message_user(request, f"{revoked} connector keys revoked.", messages.SUCCESS)

    def add_view(self, request, form_url="", extra_context=None):
        """Issue a key through ``connector_key_create`` and show it and its secret, this once."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ConnectorKeyIssueForm(request.POST or None)
        issued = None
        if request.method == "POST" and form.is_valid():
            try:
                issued = connector_key_create(**form.cleaned_data)
            except ConnectorError as exc:
                form.add_error(ConnectorKeyIssueForm.FIELDS.get(exc.field), exc.message)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Issue a connector key",
            "form": form,
            "issued": issued,
        }
        # The admin marks its views never_cache: the page holding the secret is not kept.
        return TemplateResponse(request, "admin/connectors/connectorkey/issue.html", context)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InboundRequest)
class InboundRequestAdmin(admin.ModelAdmin):
    list_display = [
        "endpoint",
        "natural_key",
        "response_status",
        "connector_key",
        "created_at",
    ]
    list_select_related = ["connector_key"]
    list_filter = ["endpoint", "response_status"]
    search_fields = ["natural_key", "public_id"]
    readonly_fields = [
        "public_id",
        "endpoint",
        "natural_key",
        "payload_hash",
        "payload",
        # A request accepted to be answered later: what it asked, until and after its answer.
        "request_body",
        "response_status",
        "response_body",
        "connector_key",
        "created_at",
    ]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutsideRecord)
class OutsideRecordAdmin(admin.ModelAdmin):
    """Which outside system created which order, order item or enrollment: written by the
    connector endpoints only, so staff look and never change it."""

    list_display = ["record_id", "kind", "connector_key", "created_at"]
    list_select_related = ["connector_key"]
    list_filter = ["kind"]
    search_fields = ["record_id"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "event_type_list", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "url"]
    fields = [
        "name",
        "url",
        "event_types",
        "is_active",
        "signing_secret",
        "previous_secret_expires_at",
    ]
    readonly_fields = ["signing_secret", "previous_secret_expires_at"]
    actions = ["rotate_secret"]

    @admin.display(description="secret")
    def signing_secret(self, subscription) -> str:
        # Stored encrypted; shown here, to staff, to hand to the receiver.
        return subscription.secret if subscription.pk else "made when the subscription is saved"

    @admin.display(description="event types")
    def event_type_list(self, subscription) -> str:
        return ", ".join(subscription.event_type_patterns()) or "every event"

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "url":
            kwargs["assume_scheme"] = "https"  # a URL typed without a scheme is an https one
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        declared = ", ".join(sorted(DomainEvent.registry)) or "none yet"
        form.base_fields["event_types"].help_text += f" Declared event types: {declared}."
        return form

    @admin.action(
        description="Rotate the signing secret (the old one also signs for 24 hours)",
        permissions=["change"],
    )
    def rotate_secret(self, request, queryset):
        for subscription_id in queryset.values_list("pk", flat=True):
            webhook_subscription_secret_rotate(subscription_id=subscription_id)
        self.message_user(
            request,
            "New secrets made; give them to the receivers (shown on each subscription).",
            messages.SUCCESS,
        )


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ["attempted_at", "succeeded", "status_code", "latency_ms", "error", "response_snippet"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "event_type",
        "event_id",
        "subscription",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status", "event_type", "subscription"]
    search_fields = ["event_id"]
    list_select_related = ["subscription"]
    readonly_fields = [
        "subscription",
        "event_id",
        "event_type",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "created_at",
        "body",
    ]
    inlines = [WebhookAttemptInline]
    actions = ["replay"]
    date_hierarchy = "created_at"

    @admin.action(description="Send selected deliveries again now", permissions=["replay"])
    def replay(self, request, queryset):
        count = webhook_delivery_replay(delivery_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} webhook deliveries sent again.", messages.SUCCESS)

    def has_replay_permission(self, request):
        return request.user.has_perm("connectors.replay_webhookdelivery")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
