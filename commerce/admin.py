"""Staff tools: pricing, coupons and tax rates; orders, payments and refunds; the revenue ledger.

Money rows are read-only here: state changes go through services (refunds through
``refund_issue``), and ledger entries are never edited.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.dateparse import parse_date

from cadence.kernel.errors import ApplicationError
from cadence.kernel.money import MAXIMUM_MINOR_UNITS, Money
from commerce import selectors
from commerce.errors import CommerceError
from commerce.models import (
    CatalogCourse,
    CatalogItem,
    CatalogPrice,
    CommerceUser,
    Coupon,
    Order,
    OrderItem,
    Payment,
    ProcessorEvent,
    Refund,
    RevenueLedgerEntry,
    TaxRate,
    TaxRecord,
)
from commerce.services import order_cancel, refund_issue


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CommerceUser)
class CommerceUserAdmin(ReadOnlyAdmin):
    list_display = ["lms_user_id", "name", "email", "last_synced_at"]
    search_fields = ["lms_user_id", "name", "email"]


@admin.register(CatalogCourse)
class CatalogCourseAdmin(ReadOnlyAdmin):
    list_display = ["title", "lms_course_id", "content_creator_id", "last_synced_at"]
    search_fields = ["title", "lms_course_id", "content_creator_id"]


class CatalogPriceForm(forms.ModelForm):
    """Staff type prices as they read them ("199.00"); they are stored in minor units."""

    price = forms.CharField(help_text="e.g. 199.00")
    sale_price = forms.CharField(required=False, help_text="Optional, below the price.")

    class Meta:
        model = CatalogPrice
        fields = ["currency", "price", "sale_price", "sale_starts_at", "sale_ends_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        if instance.pk:
            self.initial["price"] = Money(
                instance.amount_minor, instance.currency
            ).to_decimal_string()
            if instance.sale_amount_minor is not None:
                self.initial["sale_price"] = Money(
                    instance.sale_amount_minor, instance.currency
                ).to_decimal_string()

    def clean(self):
        data = super().clean()
        currency = data.get("currency")
        if not currency:
            return data
        for name, attribute in (("price", "amount_minor"), ("sale_price", "sale_amount_minor")):
            text = (data.get(name) or "").strip()
            if not text:
                setattr(self.instance, attribute, None)
                continue
            try:
                minor = Money.parse(text, currency, field=name).minor
            except ApplicationError as error:
                self.add_error(name, error.message)
                continue
            if minor < 0:
                self.add_error(name, "cannot be negative")
            setattr(self.instance, attribute, minor)
        sale, price = self.instance.sale_amount_minor, self.instance.amount_minor
        if sale is not None and price is not None and sale >= price:
            self.add_error("sale_price", "must be below the price")
        return data


class CatalogPriceInline(admin.TabularInline):
    model = CatalogPrice
    form = CatalogPriceForm
    extra = 1


@admin.register(CatalogItem)
class CatalogItemAdmin(admin.ModelAdmin):
    list_display = ["__str__", "public_id", "is_listed", "auto_approve", "seat_cap"]
    list_filter = ["is_listed", "auto_approve"]
    search_fields = ["course__title", "course__lms_course_id"]
    inlines = [CatalogPriceInline]


class CouponForm(forms.ModelForm):
    # No larger than any amount may be (the kernel's maximum), so sums stay far inside bigint.
    amount_off_minor = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAXIMUM_MINOR_UNITS,
        label="Amount off (minor units)",
        help_text="For a fixed coupon, in the currency's minor units: 1000 is $10.00.",
    )

    class Meta:
        model = Coupon
        fields = [
            "code", "kind", "percent_off", "amount_off_minor", "currency", "item", "valid_from",
            "expires_at", "max_uses", "max_uses_per_customer", "is_active",
        ]  # fmt: skip


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    form = CouponForm
    list_display = ["code", "kind", "percent_off", "amount_off_minor", "currency", "item"]
    list_display += ["expires_at", "max_uses", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code"]

    def save_model(self, request, obj, form, change):
        obj.code = obj.code.strip().upper()
        super().save_model(request, obj, form, change)


@admin.register(TaxRate)
class TaxRateAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "region", "percent", "is_active"]
    list_filter = ["country", "is_active"]


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    fields = ["public_id", "course_title", "price_minor", "discount_minor", "tax_minor"]
    fields += ["total_minor", "fee_minor", "refunded_minor", "fulfilment"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "customer", "state", "total", "created_at", "paid_at"]
    list_filter = ["state", "processor", "currency"]
    search_fields = ["public_id", "customer_id"]
    inlines = [OrderItemInline]
    date_hierarchy = "created_at"
    actions = ["cancel_pending"]

    @admin.action(description="Cancel the selected pending orders", permissions=["cancel"])
    def cancel_pending(self, request, queryset):
        for order in queryset.filter(state=Order.State.PENDING):
            try:
                order_cancel(order_id=order.public_id)
            except CommerceError as error:
                messages.error(request, f"{order.public_id}: {error.message}")
            else:
                messages.success(request, f"{order.public_id} cancelled.")

    def has_cancel_permission(self, request):
        return request.user.has_perm("commerce.change_order")

    @admin.display(description="Total")
    def total(self, order):
        return order.total.format()

    def get_queryset(self, request):
        # The buyer by name (commerce's copy of the LMS user), in the list's own query.
        names = CommerceUser.objects.filter(lms_user_id=OuterRef("customer_id")).values("name")
        return super().get_queryset(request).annotate(customer_name=Subquery(names[:1]))

    @admin.display(description="customer", ordering="customer_name")
    def customer(self, order):
        return order.customer_name or order.customer_id


class RefundForm(forms.Form):
    amount = forms.CharField(
        required=False, help_text="Leave empty to refund everything left on the item."
    )
    reason = forms.CharField(max_length=300, required=False)


@admin.register(OrderItem)
class OrderItemAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "course_title", "order", "total", "refunded", "fulfilment"]
    list_filter = ["fulfilment"]
    search_fields = ["public_id", "order__public_id", "course_id"]
    actions = ["refund_in_full"]
    change_form_template = "admin/commerce/orderitem/change_form.html"

    @admin.display(description="Total")
    def total(self, item):
        return Money(item.total_minor, item.order.currency).format()

    @admin.display(description="Refunded")
    def refunded(self, item):
        return Money(item.refunded_minor, item.order.currency).format()

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order")

    def has_change_permission(self, request, obj=None):
        # Viewing only; the refund page below is the one way to act on an item.
        return request.user.has_perm("commerce.add_refund") if obj is None else False

    @admin.action(description="Refund the selected items in full", permissions=["refund"])
    def refund_in_full(self, request, queryset):
        for item in queryset:
            self._refund(request, item, amount=None, reason="Refunded by staff")

    def has_refund_permission(self, request):
        return request.user.has_perm("commerce.add_refund")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        may_refund = self.has_refund_permission(request)
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), "may_refund": may_refund}
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/refund/",
                self.admin_site.admin_view(self.refund_view),
                name="commerce_orderitem_refund",
            ),
            *super().get_urls(),
        ]

    def refund_view(self, request, pk: int):
        if not self.has_refund_permission(request):
            raise PermissionDenied
        item = get_object_or_404(OrderItem.objects.select_related("order"), pk=pk)
        form = RefundForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            amount = form.cleaned_data["amount"].strip()
            try:
                money = Money.parse(amount, item.order.currency) if amount else None
            except ApplicationError as error:
                form.add_error("amount", error.message)
            else:
                if self._refund(request, item, amount=money, reason=form.cleaned_data["reason"]):
                    return redirect("admin:commerce_orderitem_change", pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Refund {item}",
            "item": item,
            "form": form,
            "left": Money(item.refundable_minor, item.order.currency),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/commerce/orderitem/refund.html", context)

    def _refund(self, request, item, *, amount, reason) -> bool:
        try:
            refund = refund_issue(
                order_item_id=item.public_id,
                amount=amount,
                reason=reason,
                requested_by=getattr(request.user, "public_id", str(request.user.pk)),
            )
        except CommerceError as error:
            messages.error(request, f"{item.public_id}: {error.message}")
            return False
        messages.success(
            request,
            f"{item.public_id}: refund of {Money(refund.amount_minor, refund.currency)} "
            f"{refund.get_state_display().lower()}.",
        )
        return True


@admin.register(TaxRecord)
class TaxRecordAdmin(ReadOnlyAdmin):
    list_display = ["order_item", "country", "region", "percent", "taxable_minor", "tax_minor"]
    list_filter = ["country"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "order", "processor", "state", "amount_minor", "fee_minor"]
    list_filter = ["state", "processor"]
    search_fields = ["public_id", "processor_reference", "order__public_id"]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "order_item", "amount_minor", "currency", "origin", "state"]
    list_filter = ["state", "origin"]
    search_fields = ["public_id", "order_item__public_id"]


@admin.register(ProcessorEvent)
class ProcessorEventAdmin(ReadOnlyAdmin):
    list_display = ["processor", "event_id", "event_type", "received_at"]
    search_fields = ["event_id"]


@admin.register(RevenueLedgerEntry)
class RevenueLedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "kind", "order_id", "course_id", "currency", "gross_minor"]
    list_display += ["tax_minor", "fee_minor", "net_minor", "recorded_at"]
    list_filter = ["kind", "currency"]
    search_fields = ["order_id", "course_id", "content_creator_id"]
    date_hierarchy = "recorded_at"
    change_list_template = "admin/commerce/revenueledgerentry/change_list.html"

    def get_urls(self):
        return [
            path(
                "report/",
                self.admin_site.admin_view(self.report_view),
                name="commerce_revenueledgerentry_report",
            ),
            *super().get_urls(),
        ]

    def report_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        by = request.GET.get("by", "course")
        if by not in selectors.REVENUE_GROUPINGS:
            by = "course"
        since = _report_date(request, "since")
        until = _report_date(request, "until")
        rows = selectors.revenue_report(by=by, since=since, until=until)
        key = selectors.REVENUE_GROUPINGS[by]
        context = {
            **self.admin_site.each_context(request),
            "title": "Revenue report",
            "opts": self.model._meta,
            "by": by,
            "groupings": list(selectors.REVENUE_GROUPINGS),
            "since": request.GET.get("since", ""),
            "until": request.GET.get("until", ""),
            "rows": [
                {
                    "key": row[key],
                    **{
                        name: Money(row[name], row["currency"]).format()
                        for name in ("gross", "discount", "tax", "fee", "net")
                    },
                    "sales": row["sales"],
                    "refunds": row["refunds"],
                }
                for row in rows
            ],
            "changelist": reverse("admin:commerce_revenueledgerentry_changelist"),
        }
        return TemplateResponse(request, "admin/commerce/revenueledgerentry/report.html", context)


def _report_date(request, name: str):
    """The report's ``since``/``until`` day, or None (unfiltered) with a message if invalid:
    parse_date raises on a well-formed impossible day such as 2026-99-99."""
    text = request.GET.get(name, "") or ""
    try:
        return parse_date(text)
    except ValueError:
        messages.error(request, f"{name}: '{text[:20]}' is not a day (YYYY-MM-DD); not filtered.")
        return None
