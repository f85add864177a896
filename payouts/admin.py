"""Staff screens: configs, manual verification, batches, payouts, held reasons, the ledger check.

Every action calls one service; nothing here changes state by itself.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from payouts.errors import PayoutsError
from payouts.models import (
    AchNotificationOfChange,
    EarnedRevenue,
    InstructorEngagement,
    InteractionRequirement,
    JournalEntry,
    JournalTransaction,
    NachaEntry,
    NachaFile,
    Payee,
    Payout,
    PayoutAccount,
    PayoutBatch,
    PayoutFile,
    ReleasedEarnedRevenue,
    RevenueShareConfig,
    Sale,
    TaxInfo,
)
from payouts.rails.nacha import NachaError
from payouts.selectors.accounts import payout_file_masked
from payouts.selectors.earnings import engagements_eligible, held_reason
from payouts.selectors.ledger import ledger_verify
from payouts.services.accounts import payout_account_verify
from payouts.services.ach_files import ach_change_apply, nacha_returns_import
from payouts.services.batches import payout_batch_run, payout_complete
from payouts.services.interactions import engagement_verify

MAX_RETURN_FILE_BYTES = 5 * 1024 * 1024


def staff_label(user) -> str:
    """How a staff member's act is recorded: their name, which people read, not an id."""
    return user.get_full_name() or user.get_username()


class PersonNameMixin:
    """Shows the payee's name (``Payee``, synced from the LMS) instead of their ``usr_…`` id,
    read in the list's own query."""

    person_field = "user_id"

    def get_queryset(self, request):
        names = Payee.objects.filter(user_id=OuterRef(self.person_field)).values("name")[:1]
        return super().get_queryset(request).annotate(person_name=Subquery(names))

    @admin.display(description="person", ordering="person_name")
    def person(self, obj):
        return obj.person_name or getattr(obj, self.person_field)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Money rows are written by services only; staff look, and act through actions."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RevenueShareConfig)
class RevenueShareConfigAdmin(admin.ModelAdmin):
    list_display = ["__str__", "course_id", "effective_from", "no_instructor_recipient"]
    search_fields = ["course_id"]
    readonly_fields = ["public_id", "created_at"]

    def has_change_permission(self, request, obj=None):
        # A config in force may already be snapshotted on sales: change it by adding a new one.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InteractionRequirement)
class InteractionRequirementAdmin(admin.ModelAdmin):
    list_display = ["__str__", "discussion_replies", "assignments_graded", "live_session_minutes",
                    "manual_verification_only"]  # fmt: skip


@admin.register(InstructorEngagement)
class InstructorEngagementAdmin(PersonNameMixin, ReadOnlyAdmin):
    person_field = "instructor_id"
    list_display = [
        "enrollment_id", "person", "discussion_replies", "assignments_graded",
        "live_session_minutes", "manually_verified", "verified_by", "verified_at", "eligible",
    ]  # fmt: skip
    list_filter = ["manually_verified"]
    search_fields = ["enrollment_id", "instructor_id"]
    actions = ["verify_manually"]

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        # Eligibility needs each course's requirement: read once for the page, not once per row.
        page = list(changelist.result_list)  # evaluated here; the list then shows these objects
        eligible = engagements_eligible(page)
        for engagement in page:
            engagement.requirement_met = engagement.pk in eligible
        return changelist

    @admin.display(boolean=True, description="Eligible")
    def eligible(self, obj):
        if not hasattr(obj, "requirement_met"):
            return obj.pk in engagements_eligible([obj])
        return obj.requirement_met

    @admin.action(description="Verify the instructor's interaction by hand", permissions=["verify"])
    def verify_manually(self, request, queryset):
        for engagement in queryset:
            engagement_verify(
                enrollment_id=engagement.enrollment_id,
                instructor_id=engagement.instructor_id,
                verified_by=staff_label(request.user),
            )
        self.message_user(request, f"Verified {queryset.count()} engagements.")

    def has_verify_permission(self, request):
        return request.user.has_perm("payouts.change_instructorengagement")


@admin.register(EarnedRevenue)
class EarnedRevenueAdmin(PersonNameMixin, ReadOnlyAdmin):
    list_display = ["public_id", "role", "person", "kind", "amount", "status", "hold_until",
                    "payout"]  # fmt: skip
    list_filter = ["status", "role", "kind", "currency"]
    search_fields = ["public_id", "user_id", "sale__order_id", "sale__order_item_id"]
    list_select_related = ["sale", "payout"]
    # The reason reads the requirement and the counts: one row's page, never the whole list,
    # so that the list costs the same few queries however many rows are held.
    readonly_fields = ["why_held"]

    @admin.display(description="Held because")
    def why_held(self, obj):
        return held_reason(obj) if obj.status == EarnedRevenue.Status.HELD else ""


class EarnedRevenueInline(admin.TabularInline):
    model = EarnedRevenue
    fields = ["public_id", "role", "user_id", "kind", "amount_minor", "currency", "status"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    fk_name = "sale"

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Sale)
class SaleAdmin(ReadOnlyAdmin):
    list_display = ["order_id", "order_item_id", "course_id", "currency", "net_minor",
                    "approved_at", "completed_at"]  # fmt: skip
    search_fields = ["order_id", "order_item_id", "enrollment_id"]
    inlines = [EarnedRevenueInline]


@admin.register(PayoutBatch)
class PayoutBatchAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "started_at", "finished_at", "payout_count", "row_count"]
    change_list_template = "admin/payouts/payoutbatch/change_list.html"

    def get_urls(self):
        run_now = self.admin_site.admin_view(self.run_now)
        return [path("run-now/", run_now, name="payouts_payoutbatch_run_now"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        may_run = request.user.has_perm("payouts.add_payoutbatch")
        return super().changelist_view(request, {**(extra_context or {}), "may_run": may_run})

    def run_now(self, request):
        if not request.user.has_perm("payouts.add_payoutbatch"):
            raise PermissionDenied
        if request.method == "POST":
            batch = payout_batch_run()
            self.message_user(
                request, f"Batch {batch.public_id}: {batch.payout_count} payouts, "
                f"{batch.row_count} earned-revenue rows."
            )  # fmt: skip
        return redirect("admin:payouts_payoutbatch_changelist")


class ReleasedEarnedRevenueInline(admin.TabularInline):
    """The rows a failed payout held, and the payout each one is in now."""

    model = ReleasedEarnedRevenue
    # The row's own label gives its id, role, amount and status now.
    fields = ["earned_revenue", "order", "kind", "now_in_payout"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        related = ["earned_revenue__sale", "earned_revenue__payout"]
        return super().get_queryset(request).select_related(*related)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Order / item")
    def order(self, obj):
        return str(obj.earned_revenue.sale)

    @admin.display(description="Kind")
    def kind(self, obj):
        return obj.earned_revenue.get_kind_display()

    @admin.display(description="Now in payout")
    def now_in_payout(self, obj):
        payout = obj.earned_revenue.payout
        return f"{payout.public_id} ({payout.get_status_display()})" if payout else "—"


@admin.register(Payout)
class PayoutAdmin(PersonNameMixin, ReadOnlyAdmin):
    list_display = ["public_id", "person", "method", "amount", "status", "failure_reason",
                    "external_reference", "created_at"]  # fmt: skip
    list_filter = ["status", "method", "currency"]
    search_fields = ["public_id", "user_id"]
    actions = ["mark_wire_paid", "retry_failed"]

    def get_inlines(self, request, obj):
        # Only a failed payout let its rows go; the others still hold theirs (see earned revenue).
        failed = obj is not None and obj.status == Payout.Status.FAILED
        return [ReleasedEarnedRevenueInline] if failed else []

    @admin.action(description="Mark wire payouts as sent", permissions=["mark_paid"])
    def mark_wire_paid(self, request, queryset):
        for payout in queryset.filter(method="wire", status=Payout.Status.PROCESSING):
            by = staff_label(request.user)
            payout_complete(payout_id=payout.pk, reference=f"wire marked paid by {by}")
        self.message_user(request, "Marked the selected wire payouts as sent.")

    def has_run_permission(self, request):
        return request.user.has_perm("payouts.add_payoutbatch")

    def has_mark_paid_permission(self, request):
        return request.user.has_perm("payouts.mark_payout_paid")

    @admin.action(description="Retry failed payouts (run a batch now)", permissions=["run"])
    def retry_failed(self, request, queryset):
        # A failed payout already returned its rows to the pool: a new batch gathers them again.
        batch = payout_batch_run()
        self.message_user(request, f"Batch {batch.public_id}: {batch.payout_count} payouts.")


@admin.register(PayoutAccount)
class PayoutAccountAdmin(PersonNameMixin, ReadOnlyAdmin):
    list_display = [
        "person",
        "method",
        "account_number_masked",
        "verified_at",
        "verified_by",
        "updated_at",
    ]
    # The bank account number only by its last four, like a TIN.
    exclude = ["account_number_encrypted", "account_number_last4"]
    readonly_fields = ["account_number_masked"]
    list_filter = ["method"]
    search_fields = ["user_id"]
    actions = ["verify"]

    @admin.action(description="Verify the selected payout accounts", permissions=["verify"])
    def verify(self, request, queryset):
        for account in queryset:
            payout_account_verify(user_id=account.user_id, verified_by=staff_label(request.user))
        self.message_user(request, "Verified.")

    def has_verify_permission(self, request):
        return request.user.has_perm("payouts.change_payoutaccount")


@admin.register(TaxInfo)
class TaxInfoAdmin(PersonNameMixin, ReadOnlyAdmin):
    list_display = ["person", "form", "legal_name", "country", "tin_masked", "is_complete"]
    list_filter = ["form", "is_complete", "country"]
    search_fields = ["user_id", "legal_name"]
    exclude = ["tin_encrypted"]
    readonly_fields = ["tin_masked"]


@admin.register(Payee)
class PayeeAdmin(ReadOnlyAdmin):
    list_display = ["user_id", "name", "email", "updated_at"]
    search_fields = ["user_id", "name", "email"]


@admin.register(PayoutFile)
class PayoutFileAdmin(ReadOnlyAdmin):
    """The files payouts were sent as, account numbers masked; the file itself, numbers in
    clear, only as a download for staff allowed to hand it to the bank."""

    list_display = ["payout", "kind", "created_at"]
    list_select_related = ["payout"]
    fields = ["payout", "kind", "created_at", "document", "download"]
    readonly_fields = fields

    @admin.display(description="document (account numbers masked)")
    def document(self, payout_file) -> str:
        return format_html("<pre>{}</pre>", payout_file_masked(payout_file))

    @admin.display(description="for the bank")
    def download(self, payout_file) -> str:
        url = reverse("admin:payouts_payoutfile_download", args=[payout_file.pk])
        return format_html('<a href="{}">Download the file as sent</a>', url)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if not request.user.has_perm("payouts.download_payoutfile"):
            fields = [name for name in fields if name != "download"]
        return fields

    def get_urls(self):
        download = self.admin_site.admin_view(self.download_file)
        return [
            path("<int:pk>/download/", download, name="payouts_payoutfile_download"),
            *super().get_urls(),
        ]

    def download_file(self, request, pk: int):
        if not request.user.has_perm("payouts.download_payoutfile"):
            raise PermissionDenied
        payout_file = get_object_or_404(PayoutFile.objects.select_related("payout"), pk=pk)
        extension = "ach" if payout_file.kind == PayoutFile.Kind.NACHA else "txt"
        return HttpResponse(
            payout_file.content,
            content_type="text/plain; charset=utf-8",
            headers={
                "Content-Disposition": (
                    f'attachment; filename="{payout_file.payout.public_id}.{extension}"'
                )
            },
        )


class JournalEntryInline(admin.TabularInline):
    model = JournalEntry
    fields = ["account", "currency", "amount_minor"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(JournalTransaction)
class JournalTransactionAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "key", "description", "posted_at"]
    search_fields = ["key", "description"]
    inlines = [JournalEntryInline]
    actions = ["check_ledger"]

    @admin.action(
        description="Check the whole ledger (trial balance, agreement)", permissions=["view"]
    )
    def check_ledger(self, request, queryset):
        report = ledger_verify()
        if report.ok:
            self.message_user(request, f"The ledger balances ({report.transactions_checked} "
                              "transactions).")  # fmt: skip
            return
        for problem in report.problems[:20]:
            self.message_user(request, problem, level=messages.ERROR)

    def has_change_permission(self, request, obj=None):
        return False


class NachaEntryInline(admin.TabularInline):
    model = NachaEntry
    fields = ["payout", "trace_number", "entry_class", "return_code", "returned_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ReturnFileForm(forms.Form):
    file = forms.FileField(help_text="The return / notification-of-change file from the bank.")


@admin.register(NachaFile)
class NachaFileAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "batch", "odfi_routing", "effective_date", "download"]
    list_filter = ["created_on"]
    exclude = ["content_encrypted"]
    readonly_fields = ["batch", "odfi_routing", "created_on", "file_id_modifier",
                       "effective_date", "created_at", "download"]  # fmt: skip
    inlines = [NachaEntryInline]
    change_list_template = "admin/payouts/nachafile/change_list.html"

    def get_urls(self):
        own = [
            path("<int:pk>/download/", self.admin_site.admin_view(self.download_view),
                 name="payouts_nachafile_download"),
            path("import-returns/", self.admin_site.admin_view(self.import_returns_view),
                 name="payouts_nachafile_import_returns"),
        ]  # fmt: skip
        return own + super().get_urls()

    @admin.display(description="File")
    def download(self, obj):
        url = reverse("admin:payouts_nachafile_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.filename)

    def download_view(self, request, pk):
        if not request.user.has_perm("payouts.download_payoutfile"):
            raise PermissionDenied
        nacha = get_object_or_404(NachaFile, pk=pk)
        response = HttpResponse(nacha.content, content_type="text/plain; charset=us-ascii")
        response["Content-Disposition"] = f'attachment; filename="{nacha.filename}"'
        return response

    def import_returns_view(self, request):
        if not request.user.has_perm("payouts.import_ach_returns"):
            raise PermissionDenied
        form = ReturnFileForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            content = form.cleaned_data["file"].read(MAX_RETURN_FILE_BYTES + 1)
            try:
                if len(content) > MAX_RETURN_FILE_BYTES:
                    raise NachaError("the file is larger than a return file can be (5 MB)")
                result = nacha_returns_import(content=content.decode("ascii"))
            except (UnicodeDecodeError, NachaError) as error:
                form.add_error("file", f"Not a NACHA return file: {error}")
            else:
                self.message_user(
                    request,
                    f"{len(result.returned)} payouts returned, {len(result.changes)} notices of "
                    f"change to confirm, {len(result.unmatched)} entries we never sent.",
                )
                return redirect("admin:payouts_nachafile_changelist")
        context = {**self.admin_site.each_context(request), "form": form,
                   "title": "Import an ACH return file", "opts": self.model._meta}  # fmt: skip
        return TemplateResponse(request, "admin/payouts/nachafile/import_returns.html", context)


@admin.register(AchNotificationOfChange)
class AchNotificationOfChangeAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "change_code", "corrected_data", "received_at", "applied_at"]
    list_filter = ["change_code", "applied_at"]
    actions = ["apply_changes"]

    @admin.action(description="Apply the bank's correction to the payee's account",
                  permissions=["apply"])  # fmt: skip
    def apply_changes(self, request, queryset):
        for change in queryset:
            try:
                ach_change_apply(change_id=change.pk, applied_by=request.user.get_username())
            except PayoutsError as error:
                self.message_user(request, f"{change}: {error.message}", level=messages.ERROR)
            else:
                self.message_user(request, f"{change}: the account was updated.")

    def has_apply_permission(self, request):
        return request.user.has_perm("payouts.change_payoutaccount")
