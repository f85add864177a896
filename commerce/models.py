"""Commerce's tables. Amounts are integer minor units beside an ISO 4217 currency column.

State lives in protected FSM fields and changes only through the transitions declared here; the
services in ``commerce.services`` decide when to call them. Cross-context references (users,
courses, creators, instructors) are opaque public id strings, never foreign keys.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from cadence.kernel.money import Money, currency_choices
from cadence.kernel.public_ids import PublicIdField

# --- caches fed by the LMS -----------------------------------------------------------------------


class CommerceUser(models.Model):
    """The spec's CommerceUser: the little commerce needs to know about an LMS user."""

    lms_user_id = models.CharField(max_length=64, unique=True)
    email = models.EmailField(blank=True)
    name = models.CharField(max_length=200, blank=True)
    last_synced_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name or self.email or self.lms_user_id


class CatalogCourse(models.Model):
    """The spec's CatalogCourse: an LMS course as commerce last heard of it."""

    lms_course_id = models.CharField(max_length=64, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    content_creator_id = models.CharField(max_length=64, db_index=True)
    thumbnail = models.CharField(max_length=500, blank=True)
    # What the sales page shows, as the LMS last described it: the course's address there (for
    # its free previews), outcomes, the outline of modules and lessons, creator and instructors.
    slug = models.CharField(max_length=200, blank=True)
    outcomes = models.JSONField(default=list, blank=True)
    outline = models.JSONField(default=list, blank=True)
    people = models.JSONField(default=list, blank=True)
    last_synced_at = models.DateTimeField()

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


# --- what is for sale ----------------------------------------------------------------------------


class CatalogItem(models.Model):
    """A course offered for sale: pricing, availability and how its enrollments are approved."""

    public_id = PublicIdField(prefix="itm")
    course = models.OneToOneField(CatalogCourse, on_delete=models.PROTECT, related_name="item")
    is_listed = models.BooleanField(default=True, help_text="Shown in the catalog and buyable.")
    available_from = models.DateTimeField(null=True, blank=True)
    available_until = models.DateTimeField(null=True, blank=True)
    seat_cap = models.PositiveIntegerField(
        null=True, blank=True, help_text="Most seats ever sold; empty for no limit."
    )
    auto_approve = models.BooleanField(
        default=True, help_text="Enrollments from a purchase are approved without staff review."
    )
    instructor_id = models.CharField(
        max_length=64, blank=True, help_text="LMS user id of a pre-assigned instructor, if any."
    )
    refund_window_days = models.PositiveIntegerField(default=30)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["course__title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(available_until__isnull=True)
                | Q(available_from__isnull=True)
                | Q(available_until__gt=models.F("available_from")),
                name="catalog_item_window_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.course.title


class CatalogPrice(models.Model):
    """The price of an item in one currency, with an optional sale price inside a window."""

    item = models.ForeignKey(CatalogItem, on_delete=models.CASCADE, related_name="prices")
    currency = models.CharField(max_length=3, choices=currency_choices())
    amount_minor = models.PositiveBigIntegerField()
    sale_amount_minor = models.PositiveBigIntegerField(null=True, blank=True)
    sale_starts_at = models.DateTimeField(null=True, blank=True)
    sale_ends_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "currency"], name="one_price_per_currency"),
            models.CheckConstraint(
                condition=Q(sale_amount_minor__isnull=True)
                | Q(sale_amount_minor__lt=models.F("amount_minor")),
                name="sale_price_below_price",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item}: {Money(self.amount_minor, self.currency)}"

    def current_minor(self, at) -> int:
        """The price in force at ``at``: the sale price inside its window, else the list price."""
        return self.minor_in_force(
            self.amount_minor, self.sale_amount_minor, self.sale_starts_at, self.sale_ends_at, at
        )

    @staticmethod
    def minor_in_force(amount_minor, sale_amount_minor, sale_starts_at, sale_ends_at, at) -> int:
        """``current_minor`` of a price read as its column values (no model instance)."""
        if sale_amount_minor is None:
            return amount_minor
        if sale_starts_at and at < sale_starts_at:
            return amount_minor
        if sale_ends_at and at >= sale_ends_at:
            return amount_minor
        return sale_amount_minor


class Coupon(models.Model):
    class Kind(models.TextChoices):
        PERCENT = "percent", "Percentage off"
        FIXED = "fixed", "Fixed amount off"

    code = models.CharField(max_length=40, unique=True, help_text="Stored upper-case.")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    percent_off = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    amount_off_minor = models.PositiveBigIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3, choices=currency_choices(), blank=True)
    item = models.ForeignKey(
        CatalogItem,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="coupons",
        help_text="Only this course; empty for site-wide.",
    )
    valid_from = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    max_uses = models.PositiveIntegerField(null=True, blank=True, help_text="Orders, in total.")
    max_uses_per_customer = models.PositiveIntegerField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="percent", percent_off__gt=0, percent_off__lte=100)
                    | Q(kind="fixed", amount_off_minor__gt=0) & ~Q(currency="")
                ),
                name="coupon_kind_has_its_amount",
            )
        ]

    def __str__(self) -> str:
        return self.code


class TaxRate(models.Model):
    """A sales tax rate for a country, or for one region of it (which wins over the country's)."""

    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2, e.g. US.")
    region = models.CharField(max_length=10, blank=True, help_text="e.g. CA; empty = whole country")
    name = models.CharField(max_length=100)
    percent = models.DecimalField(max_digits=7, decimal_places=4)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["country", "region"]
        constraints = [
            models.UniqueConstraint(fields=["country", "region"], name="one_tax_rate_per_place"),
            models.CheckConstraint(
                condition=Q(percent__gte=0, percent__lt=100), name="tax_percent_in_range"
            ),
        ]

    def __str__(self) -> str:
        place = f"{self.country}-{self.region}" if self.region else self.country
        return f"{self.name} ({place}, {self.percent}%)"


# --- carts ---------------------------------------------------------------------------------------


class Cart(models.Model):
    """A learner's cart (keyed by their LMS user id) or an anonymous visitor's (by session)."""

    public_id = PublicIdField(prefix="cart")
    customer_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    session_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    currency = models.CharField(max_length=3, choices=currency_choices(), default="USD")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.public_id


class CartItem(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey(CatalogItem, on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "item"], name="a_course_once_per_cart")
        ]

    def __str__(self) -> str:
        return f"{self.cart_id}:{self.item_id}"


# --- orders and payments -------------------------------------------------------------------------


class Order(ConcurrentTransitionMixin, models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        PAID = "paid", "Paid"
        PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
        REFUNDED = "refunded", "Refunded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    public_id = PublicIdField(prefix="ord")
    customer_id = models.CharField(max_length=64, db_index=True)
    currency = models.CharField(max_length=3, choices=currency_choices())
    state = FSMField(default=State.PENDING, choices=State.choices, protected=True)
    processor = models.CharField(max_length=20)
    billing_country = models.CharField(max_length=2)
    billing_region = models.CharField(max_length=10, blank=True)
    coupon = models.ForeignKey(
        Coupon, null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    coupon_code = models.CharField(max_length=40, blank=True)
    subtotal_minor = models.BigIntegerField()
    discount_minor = models.BigIntegerField(default=0)
    tax_minor = models.BigIntegerField(default=0)
    total_minor = models.BigIntegerField()
    failure_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_minor=models.F("subtotal_minor") - models.F("discount_minor")
                            + models.F("tax_minor")),
                name="order_total_adds_up",
            )
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.public_id

    @property
    def total(self) -> Money:
        return Money(self.total_minor, self.currency)

    @transition(field=state, source=State.PENDING, target=State.PAID)
    def mark_paid(self, *, at) -> None:
        self.paid_at = at

    @transition(field=state, source=[State.FAILED, State.CANCELLED], target=State.PAID)
    def mark_paid_late(self, *, at) -> None:
        """The processor took the money after we had written the order off: it is paid."""
        self.paid_at = at
        self.failure_reason = ""

    @transition(field=state, source=State.PENDING, target=State.FAILED)
    def mark_failed(self, *, reason: str) -> None:
        self.failure_reason = reason[:300]

    @transition(field=state, source=State.PENDING, target=State.CANCELLED)
    def cancel(self) -> None:
        pass

    @transition(
        field=state,
        source=[State.PAID, State.PARTIALLY_REFUNDED],
        target=State.PARTIALLY_REFUNDED,
    )
    def mark_partially_refunded(self) -> None:
        pass

    @transition(field=state, source=[State.PAID, State.PARTIALLY_REFUNDED], target=State.REFUNDED)
    def mark_refunded(self) -> None:
        pass


class OrderItem(models.Model):
    """One course in an order, with the price, discount and tax it was sold at."""

    class Fulfilment(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    class EnrollmentStatus(models.TextChoices):
        """The enrollment's status in the LMS, as the buyer follows it on the order page."""

        PENDING = "pending", "Awaiting approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        REVOKED = "revoked", "Revoked"

    public_id = PublicIdField(prefix="oi")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="items")
    catalog_item = models.ForeignKey(CatalogItem, on_delete=models.PROTECT, related_name="+")
    # Snapshots: what was sold, to whom it pays out, as it stood at checkout.
    course_id = models.CharField(max_length=64, db_index=True)
    course_title = models.CharField(max_length=200)
    content_creator_id = models.CharField(max_length=64)
    instructor_id = models.CharField(max_length=64, blank=True)
    auto_approve = models.BooleanField()
    refund_window_days = models.PositiveIntegerField()
    price_minor = models.BigIntegerField()
    discount_minor = models.BigIntegerField(default=0)
    tax_minor = models.BigIntegerField(default=0)
    total_minor = models.BigIntegerField()
    fee_minor = models.BigIntegerField(null=True, blank=True)
    refunded_minor = models.BigIntegerField(default=0)
    fulfilment = FSMField(default=Fulfilment.PENDING, choices=Fulfilment.choices, protected=True)
    fulfilment_note = models.CharField(max_length=300, blank=True)
    enrollment_id = models.CharField(max_length=64, blank=True)
    # The latest status the LMS reported; never moved back by older news arriving late.
    enrollment_status = models.CharField(
        max_length=16, choices=EnrollmentStatus.choices, default=EnrollmentStatus.PENDING
    )
    enrollment_status_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_minor=models.F("price_minor") - models.F("discount_minor")
                            + models.F("tax_minor")),
                name="order_item_total_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(refunded_minor__gte=0, refunded_minor__lte=models.F("total_minor")),
                name="refunds_within_item_total",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.course_title} ({self.public_id})"

    @property
    def currency(self) -> str:
        return self.order.currency

    @property
    def refundable_minor(self) -> int:
        return self.total_minor - self.refunded_minor

    def refund_deadline(self):
        paid_at = self.order.paid_at
        return paid_at + timedelta(days=self.refund_window_days) if paid_at else None

    @transition(field=fulfilment, source=Fulfilment.PENDING, target=Fulfilment.APPROVED)
    def approve(self, *, enrollment_id: str) -> None:
        self.enrollment_id = enrollment_id

    @transition(field=fulfilment, source=Fulfilment.PENDING, target=Fulfilment.REJECTED)
    def reject(self, *, enrollment_id: str, reason: str) -> None:
        self.enrollment_id = enrollment_id
        self.fulfilment_note = reason[:300]


class TaxRecord(models.Model):
    """The tax charged on one order item, and the rate and place it was charged for."""

    order_item = models.OneToOneField(OrderItem, on_delete=models.PROTECT, related_name="tax")
    tax_rate = models.ForeignKey(TaxRate, null=True, on_delete=models.SET_NULL, related_name="+")
    country = models.CharField(max_length=2)
    region = models.CharField(max_length=10, blank=True)
    rate_name = models.CharField(max_length=100, blank=True)
    percent = models.DecimalField(max_digits=7, decimal_places=4)
    taxable_minor = models.BigIntegerField()
    tax_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.rate_name or 'No tax'} on {self.order_item_id}"


class Payment(ConcurrentTransitionMixin, models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        REQUIRES_ACTION = "requires_action", "Requires authentication"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    public_id = PublicIdField(prefix="pay")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    processor = models.CharField(max_length=20)
    processor_reference = models.CharField(max_length=100, blank=True)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    fee_minor = models.BigIntegerField(null=True, blank=True)
    # The processor's fee as charged in its settlement currency, when that is not the payment's,
    # and the rate that turned the payment's currency into it (fee_minor = settled fee / rate).
    settlement_fee_minor = models.BigIntegerField(null=True, blank=True)
    settlement_currency = models.CharField(max_length=3, blank=True)
    exchange_rate = models.DecimalField(max_digits=24, decimal_places=12, null=True, blank=True)
    state = FSMField(default=State.PENDING, choices=State.choices, protected=True)
    failure_code = models.CharField(max_length=60, blank=True)
    failure_message = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["processor", "processor_reference"],
                condition=~Q(processor_reference=""),
                name="one_payment_per_processor_reference",
            )
        ]

    def __str__(self) -> str:
        return self.public_id

    @transition(field=state, source=State.PENDING, target=State.REQUIRES_ACTION)
    def require_action(self) -> None:
        pass

    @transition(
        field=state,
        source=[State.PENDING, State.REQUIRES_ACTION, State.FAILED, State.CANCELLED],
        target=State.SUCCEEDED,
    )
    def succeed(self, *, fee_minor: int, at) -> None:
        self.fee_minor = fee_minor
        self.succeeded_at = at
        self.failure_code = self.failure_message = ""

    @transition(field=state, source=[State.PENDING, State.REQUIRES_ACTION], target=State.FAILED)
    def fail(self, *, code: str, message: str) -> None:
        self.failure_code = code[:60]
        self.failure_message = message[:300]

    @transition(field=state, source=[State.PENDING, State.REQUIRES_ACTION], target=State.CANCELLED)
    def cancel(self) -> None:
        pass


class Refund(ConcurrentTransitionMixin, models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    class Origin(models.TextChoices):
        LEARNER = "learner", "Requested by the learner"
        STAFF = "staff", "Issued by staff"
        ENROLLMENT_REJECTED = "enrollment_rejected", "Enrollment rejected"

    public_id = PublicIdField(prefix="rfd")
    order_item = models.ForeignKey(OrderItem, on_delete=models.PROTECT, related_name="refunds")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount_minor = models.BigIntegerField()
    tax_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    origin = models.CharField(max_length=24, choices=Origin.choices)
    reason = models.CharField(max_length=300, blank=True)
    requested_by = models.CharField(max_length=64, blank=True)
    processor_reference = models.CharField(max_length=100, blank=True)
    state = FSMField(default=State.PENDING, choices=State.choices, protected=True)
    failure_message = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="refund_is_positive"),
            # An item is rejected by the LMS once, so it is refunded for that reason once.
            models.UniqueConstraint(
                fields=["order_item"],
                condition=Q(origin="enrollment_rejected"),
                name="one_rejection_refund_per_item",
            ),
        ]

    def __str__(self) -> str:
        return self.public_id

    @transition(field=state, source=State.PENDING, target=State.SUCCEEDED)
    def succeed(self, *, processor_reference: str, at) -> None:
        self.processor_reference = processor_reference
        self.completed_at = at

    @transition(field=state, source=State.PENDING, target=State.FAILED)
    def fail(self, *, message: str) -> None:
        self.failure_message = message[:300]


class RevenueLedgerEntry(models.Model):
    """One immutable line of the revenue ledger: a sale of an item, or a refund of part of it.

    ``gross - tax - fee = net`` on every line; a refund is a line with negative amounts.
    """

    class Kind(models.TextChoices):
        SALE = "sale", "Sale"
        REFUND = "refund", "Refund"

    public_id = PublicIdField(prefix="rle")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    order_item = models.ForeignKey(OrderItem, on_delete=models.PROTECT, related_name="ledger")
    refund = models.OneToOneField(
        Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entry"
    )
    order_id = models.CharField(max_length=64)
    course_id = models.CharField(max_length=64, db_index=True)
    content_creator_id = models.CharField(max_length=64, db_index=True)
    currency = models.CharField(max_length=3)
    gross_minor = models.BigIntegerField()
    discount_minor = models.BigIntegerField()
    tax_minor = models.BigIntegerField()
    fee_minor = models.BigIntegerField()
    net_minor = models.BigIntegerField()
    recorded_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        verbose_name_plural = "revenue ledger entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(net_minor=models.F("gross_minor") - models.F("tax_minor")
                            - models.F("fee_minor")),
                name="ledger_net_adds_up",
            ),
            models.UniqueConstraint(
                fields=["order_item"], condition=Q(kind="sale"), name="one_sale_entry_per_item"
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.public_id

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("revenue ledger entries are never edited; record a reversing entry")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("revenue ledger entries are never deleted; record a reversing entry")


class ProcessorEvent(models.Model):
    """A processor webhook event already handled: a delivery seen again is acknowledged only."""

    processor = models.CharField(max_length=20)
    event_id = models.CharField(max_length=100)
    event_type = models.CharField(max_length=100)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["processor", "event_id"], name="one_processor_event")
        ]

    def __str__(self) -> str:
        return f"{self.processor}:{self.event_id}"
