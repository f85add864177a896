"""Payouts' tables.

Facts arrive per order item (``Sale``, ``SaleRefund``) and per enrollment (``InstructorEngagement``,
``InstructorInteraction``); the earned-revenue rows and their states are derived from those facts
by ``services.sale_reconcile``, so the order in which the facts arrive never matters. Every money
movement is also posted to the double-entry journal (``JournalTransaction``/``JournalEntry``),
whose rows are never changed or deleted.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now
from django_fsm import FSMField, transition

from cadence.kernel.money import Money, currency_choices
from cadence.kernel.public_ids import PublicIdField
from payouts.crypto import payout_file_decrypt

BASIS_POINTS = 10_000


class Role(models.TextChoices):
    CONTENT_CREATOR = "content-creator", "Content creator"
    INSTRUCTOR = "instructor", "Instructor"
    PLATFORM = "platform", "Platform"


class PoolRecipient(models.TextChoices):
    """Who receives the instructor pool of a sale that has no instructor assigned."""

    PLATFORM = "platform", "Platform"
    CONTENT_CREATOR = "content-creator", "Content creator"


class RevenueShareConfig(models.Model):
    """The split of a sale's net, per course or (blank course) the platform default.

    Effective-dated: the config in force at a sale's payment time is the one with the latest
    ``effective_from`` not after it; a new row changes new sales only.
    """

    public_id = PublicIdField(prefix="rsc")
    course_id = models.CharField(
        max_length=64, blank=True, db_index=True, help_text="Blank for the platform default."
    )
    content_creator_id = models.CharField(max_length=64, blank=True)
    content_creator_share_bp = models.PositiveIntegerField(help_text="Basis points (4000 = 40%).")
    instructor_pool_share_bp = models.PositiveIntegerField()
    platform_share_bp = models.PositiveIntegerField()
    no_instructor_recipient = models.CharField(
        max_length=16, choices=PoolRecipient.choices, default=PoolRecipient.PLATFORM
    )
    effective_from = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "revenue share configuration"
        ordering = ["course_id", "-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    content_creator_share_bp=BASIS_POINTS
                    - F("instructor_pool_share_bp")
                    - F("platform_share_bp")
                ),
                name="payouts_share_config_sums_to_100_percent",
                violation_error_message=(
                    "The creator, instructor-pool and platform shares must add up to 10000 "
                    "basis points (the whole net)."
                ),
            ),
            models.UniqueConstraint(
                fields=["course_id", "effective_from"], name="payouts_share_config_one_per_instant"
            ),
        ]

    def __str__(self) -> str:
        scope = self.course_id or "platform default"
        return (
            f"{scope}: {self.content_creator_share_bp / 100:g}/"
            f"{self.instructor_pool_share_bp / 100:g}/{self.platform_share_bp / 100:g}"
        )


class Sale(models.Model):
    """Everything payouts has been told about one order item, whatever order it arrived in."""

    order_id = models.CharField(max_length=64)
    order_item_id = models.CharField(max_length=64)

    # Revenue recorded (Connector 4). Null until it arrives.
    revenue_recorded_at = models.DateTimeField(null=True, blank=True)
    course_id = models.CharField(max_length=64, blank=True)
    content_creator_id = models.CharField(max_length=64, blank=True)
    # The instructors the seller named (pre-assigned to the order item), and the course's
    # instructors when it was sold: the pool's payees until the LMS says who teaches.
    instructor_ids = models.JSONField(default=list, blank=True)
    course_instructor_ids = models.JSONField(default=list, blank=True)
    currency = models.CharField(max_length=3, choices=currency_choices(), blank=True)
    gross_minor = models.BigIntegerField(null=True, blank=True)
    tax_minor = models.BigIntegerField(null=True, blank=True)
    discount_minor = models.BigIntegerField(null=True, blank=True)
    processor_fee_minor = models.BigIntegerField(null=True, blank=True)
    net_minor = models.BigIntegerField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    # The split in force at payment time, copied so that editing a config never rewrites history.
    share_config = models.ForeignKey(
        RevenueShareConfig, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    content_creator_share_bp = models.PositiveIntegerField(null=True, blank=True)
    instructor_pool_share_bp = models.PositiveIntegerField(null=True, blank=True)
    platform_share_bp = models.PositiveIntegerField(null=True, blank=True)
    no_instructor_recipient = models.CharField(
        max_length=16, choices=PoolRecipient.choices, blank=True
    )

    # Enrollment approved (Connector 2).
    enrollment_id = models.CharField(max_length=64, blank=True, db_index=True)
    approved_at = models.DateTimeField(null=True, blank=True)

    # Enrollment completed (Connector 3).
    completed_at = models.DateTimeField(null=True, blank=True)
    learner_id = models.CharField(max_length=64, blank=True)
    completion_instructor_id = models.CharField(max_length=64, blank=True)
    grade = models.IntegerField(null=True, blank=True)

    # The enrollment's instructor as the LMS last said (the highest revision); blank with a
    # revision means nobody teaches it. Revision 0: the LMS has not said yet.
    assigned_instructor_id = models.CharField(max_length=64, blank=True)
    instructor_revision = models.PositiveIntegerField(default=0)
    instructor_assigned_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["order_id", "order_item_id"], name="payouts_sale_one_per_order_item"
            )
        ]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.order_item_id}"

    @property
    def is_recorded(self) -> bool:
        return self.revenue_recorded_at is not None

    def money(self, minor: int | None) -> Money | None:
        return None if minor is None else Money(minor, self.currency)


class SaleRefund(models.Model):
    """One refund of (part of) an order item's gross, idempotent on its refund id."""

    refund_id = models.CharField(max_length=64, unique=True)
    sale = models.ForeignKey(Sale, on_delete=models.PROTECT, related_name="refunds")
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3, choices=currency_choices())
    refunded_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.refund_id


class EarnedRevenueQuerySet(models.QuerySet):
    def payable(self):
        return self.filter(status=EarnedRevenue.Status.CONFIRMED).exclude(role=Role.PLATFORM)


class EarnedRevenue(models.Model):
    """One payee's share of one sale (or a reversal or forfeit of one), in minor units.

    Amounts are never edited: a refund adds a negative ``reversal`` row (or reverses the row
    whole), a forfeit moves the money to a new platform ``forfeit`` row, and pool money whose
    instructor changes moves to a new ``reassignment`` row. An instructor row with a blank
    ``user_id`` is the pool of a sale whose instructor is not known yet.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        HELD = "held", "Held"
        CONFIRMED = "confirmed", "Confirmed"
        PAID = "paid", "Paid"
        REVERSED = "reversed", "Reversed"
        FORFEITED = "forfeited", "Forfeited"
        REASSIGNED = "reassigned", "Passed to the enrollment's instructor"

    class Kind(models.TextChoices):
        SHARE = "share", "Share of a sale"
        REVERSAL = "reversal", "Reversal of part of a share (refund)"
        FORFEIT = "forfeit", "Instructor share forfeited to the platform"
        REASSIGNMENT = "reassignment", "Instructor-pool money passed to the enrollment's instructor"

    public_id = PublicIdField(prefix="ern")
    sale = models.ForeignKey(Sale, on_delete=models.PROTECT, related_name="earned_revenue")
    role = models.CharField(max_length=16, choices=Role.choices)
    # The payee's LMS user public id; blank for the platform.
    user_id = models.CharField(max_length=64, blank=True, db_index=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.SHARE)
    origin = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="derived",
        help_text="The share this row reverses or forfeits.",
        db_index=False,  # payouts_er_origin, below
    )
    refund = models.ForeignKey(
        SaleRefund,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversals",
        db_index=False,  # payouts_er_refund, below
    )
    # Every reversal is 0, except this: when a payout that held part of a fully refunded share
    # comes back afterwards, the share is put right again for the same refund, by a new reversal
    # row with the next number (never by editing the earlier one).
    correction = models.PositiveIntegerField(
        default=0,
        db_default=0,
        help_text="0 for the refund's reversal; 1, 2 … for later corrections of the same origin.",
    )
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3, choices=currency_choices())
    status = FSMField(default=Status.PENDING, choices=Status.choices, protected=True)
    hold_until = models.DateTimeField(
        null=True, blank=True, help_text="Not paid out before this (the refund window)."
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    payout = models.ForeignKey(
        "Payout", null=True, blank=True, on_delete=models.PROTECT, related_name="earned_revenue"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EarnedRevenueQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "earned revenue"
        ordering = ["id"]
        indexes = [
            # Only the rows no payout holds: what a batch gathers and a payee is told about.
            # Attaching a row to its payout leaves this index, so neither the batch nor the
            # paid history writes to it.
            models.Index(
                fields=["status", "user_id"],
                condition=Q(payout__isnull=True),
                name="payouts_er_unpaid",
            ),
            # Only the rows that have an origin or a refund (reversals, forfeits): a share has
            # neither, so making one or attaching it to a payout writes to neither index.
            models.Index(
                fields=["origin"], condition=Q(origin__isnull=False), name="payouts_er_origin"
            ),
            models.Index(
                fields=["refund"], condition=Q(refund__isnull=False), name="payouts_er_refund"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["sale", "role", "user_id"],
                condition=Q(kind="share"),
                name="payouts_er_one_share_per_payee_per_sale",
            ),
            models.UniqueConstraint(
                fields=["origin", "refund", "correction"],
                condition=Q(kind="reversal"),
                name="payouts_er_one_reversal_per_share_refund_correction",
            ),
            models.UniqueConstraint(
                fields=["origin"],
                condition=Q(kind="forfeit"),
                name="payouts_er_one_forfeit_per_share",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.role} {self.amount} {self.status}"

    @property
    def amount(self) -> Money:
        return Money(self.amount_minor, self.currency)

    # Transitions: states are only ever changed through these (the field is protected).

    @transition(field=status, source=[Status.PENDING, Status.HELD], target=Status.CONFIRMED)
    def confirm(self, *, at):
        self.confirmed_at = at

    @transition(field=status, source=Status.PENDING, target=Status.HELD)
    def hold(self):
        """The instructor's share waits for the interaction requirement."""

    @transition(field=status, source=Status.HELD, target=Status.FORFEITED)
    def forfeit(self):
        """The interaction window closed without the requirement being met."""

    @transition(field=status, source=[Status.PENDING, Status.HELD], target=Status.REASSIGNED)
    def reassign(self):
        """The LMS named another instructor (or nobody) for the enrollment before this pool
        money was confirmed: it passes to a ``reassignment`` row of the new payee."""

    @transition(
        field=status,
        source=[Status.PENDING, Status.HELD, Status.CONFIRMED],
        target=Status.REVERSED,
    )
    def reverse(self):
        """The sale was refunded before this share was paid out."""


class InteractionRequirement(models.Model):
    """Minimum instructor interaction per course (blank course: the platform default).

    The instructor is eligible when any one minimum that is set (above zero) is reached, or staff
    verified the interaction by hand; with ``manual_verification_only`` only the latter counts.
    """

    course_id = models.CharField(max_length=64, blank=True, unique=True)
    discussion_replies = models.PositiveIntegerField(default=1)
    assignments_graded = models.PositiveIntegerField(default=1)
    live_session_minutes = models.PositiveIntegerField(default=1)
    manual_verification_only = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.course_id or "platform default"


class InstructorEngagement(models.Model):
    """What one instructor did for one enrollment: counts from interaction events, manual check."""

    enrollment_id = models.CharField(max_length=64)
    instructor_id = models.CharField(max_length=64)
    discussion_replies = models.PositiveIntegerField(default=0)
    assignments_graded = models.PositiveIntegerField(default=0)
    live_session_minutes = models.PositiveIntegerField(default=0)
    manually_verified = models.BooleanField(default=False)
    verified_by = models.CharField(max_length=150, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment_id", "instructor_id"],
                name="payouts_engagement_one_per_enrollment_instructor",
            )
        ]

    def __str__(self) -> str:
        return f"{self.instructor_id} on {self.enrollment_id}"


class InstructorInteraction(models.Model):
    """One interaction event, kept so that a redelivered event is counted once."""

    class Kind(models.TextChoices):
        DISCUSSION_REPLY = "discussion-reply", "Discussion reply"
        ASSIGNMENT_GRADED = "assignment-graded", "Assignment graded"
        LIVE_SESSION = "live-session", "Live session (minutes)"

    interaction_id = models.CharField(max_length=64, unique=True)
    engagement = models.ForeignKey(
        InstructorEngagement, on_delete=models.PROTECT, related_name="interactions"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    amount = models.PositiveIntegerField()
    occurred_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.interaction_id


class JournalTransaction(models.Model):
    """One balanced posting; ``key`` makes each posting happen at most once."""

    public_id = PublicIdField(prefix="jtx")
    key = models.CharField(max_length=120, unique=True)
    description = models.CharField(max_length=200)
    sale = models.ForeignKey(Sale, null=True, blank=True, on_delete=models.PROTECT)
    payout = models.ForeignKey("Payout", null=True, blank=True, on_delete=models.PROTECT)
    posted_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.key

    def save(self, *args, **kwargs):
        # Posted entries are never changed; corrections are new, reversing transactions.
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("journal transactions are immutable once posted")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("journal transactions are immutable once posted")


class JournalEntry(models.Model):
    """One leg: debit positive, credit negative, in minor units of ``currency``."""

    transaction = models.ForeignKey(
        JournalTransaction, on_delete=models.PROTECT, related_name="entries"
    )
    account = models.CharField(max_length=100, db_index=True)
    currency = models.CharField(max_length=3, choices=currency_choices())
    amount_minor = models.BigIntegerField()

    class Meta:
        verbose_name_plural = "journal entries"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.account} {self.amount_minor} {self.currency}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("journal entries are immutable once posted")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("journal entries are immutable once posted")


class Payout(models.Model):
    """Money sent to one payout account in one currency: the confirmed rows it gathered."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PROCESSING = "processing", "Processing"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"

    public_id = PublicIdField(prefix="po")
    batch = models.ForeignKey("PayoutBatch", on_delete=models.PROTECT, related_name="payouts")
    account = models.ForeignKey("PayoutAccount", on_delete=models.PROTECT, related_name="payouts")
    user_id = models.CharField(max_length=64, db_index=True)
    method = models.CharField(max_length=16)
    currency = models.CharField(max_length=3, choices=currency_choices())
    amount_minor = models.BigIntegerField()
    row_count = models.PositiveIntegerField()
    status = FSMField(default=Status.PENDING, choices=Status.choices, protected=True)
    external_reference = models.CharField(max_length=200, blank=True)
    failure_reason = models.TextField(blank=True)
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    # When the send sweep next hands this payout to a worker if it is still unfinished: a new
    # payout is due at once, and each hand-over moves it one grace period on.
    send_due_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["-id"]
        permissions = [("mark_payout_paid", "Can mark a wire payout as paid")]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "account", "currency"], name="payouts_payout_one_per_batch"
            )
        ]
        indexes = [
            models.Index(
                fields=["send_due_at"],
                condition=Q(status__in=["pending", "processing"]),
                name="payouts_payout_unfinished_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.amount} {self.status}"

    @property
    def amount(self) -> Money:
        return Money(self.amount_minor, self.currency)

    @property
    def idempotency_key(self) -> str:
        return f"cadence-{self.public_id}"

    @transition(field=status, source=Status.PENDING, target=Status.PROCESSING)
    def start(self):
        """Handed to the rail."""

    @transition(field=status, source=Status.PROCESSING, target=Status.COMPLETED)
    def complete(self, *, reference: str, at):
        self.external_reference = reference or self.external_reference
        self.completed_at = at

    @transition(field=status, source=[Status.PENDING, Status.PROCESSING], target=Status.FAILED)
    def fail(self, *, reason: str):
        self.failure_reason = reason

    @transition(field=status, source=Status.COMPLETED, target=Status.FAILED)
    def return_(self, *, reason: str):
        """The receiving bank sent the money back (an ACH return)."""
        self.failure_reason = reason


class ReleasedEarnedRevenue(models.Model):
    """An earned-revenue row that a failed payout held and gave back to the pool.

    Failing a payout detaches its rows so that the next batch gathers them again; this keeps
    which rows the failed payout was made of after they have moved on to another payout.
    """

    payout = models.ForeignKey(Payout, on_delete=models.PROTECT, related_name="released_revenue")
    earned_revenue = models.ForeignKey(
        EarnedRevenue, on_delete=models.PROTECT, related_name="released_by"
    )

    class Meta:
        ordering = ["id"]
        verbose_name = "earned revenue released by a failed payout"
        verbose_name_plural = "earned revenue released by failed payouts"
        constraints = [
            models.UniqueConstraint(
                fields=["payout", "earned_revenue"], name="payouts_released_once_per_payout"
            )
        ]

    def __str__(self) -> str:
        return f"{self.earned_revenue_id} released by payout {self.payout_id}"


class PayoutBatch(models.Model):
    """One run of the gathering: which payouts it made and what it left over."""

    public_id = PublicIdField(prefix="pob")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    payout_count = models.PositiveIntegerField(default=0)
    row_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "payout batches"
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.public_id


class PayoutMethod(models.TextChoices):
    STRIPE_CONNECT = "stripe-connect", "Stripe Connect"
    PAYPAL = "paypal", "PayPal"
    ACH = "ach", "ACH (US bank)"
    WIRE = "wire", "Wire transfer"


# The detail of each method that is a bank account number: encrypted, shown by its last four.
ACCOUNT_NUMBER_DETAIL = {PayoutMethod.ACH: "accountNumber", PayoutMethod.WIRE: "iban"}


class PayoutAccount(models.Model):
    """Where one payee's money goes. One per payee, used for all their roles.

    The bank account number (ACH ``accountNumber``, wire ``iban``) is never stored in clear:
    ``details`` holds the rest, the number is a Fernet token, and only its last four characters
    are kept to show.
    """

    public_id = PublicIdField(prefix="pacc")
    user_id = models.CharField(max_length=64, unique=True)
    method = models.CharField(max_length=16, choices=PayoutMethod.choices)
    details = models.JSONField(default=dict, blank=True)
    account_number_encrypted = models.TextField(blank=True, db_default="")
    account_number_last4 = models.CharField(max_length=4, blank=True, db_default="")
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.CharField(max_length=150, blank=True)
    # Why the account needs the payee's attention (a bank returned a payout to it); an account
    # that needs attention is unverified until the payee fixes it and staff verify it again.
    attention_reason = models.CharField(max_length=200, blank=True, db_default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user_id} ({self.get_method_display()})"

    @property
    def account_number_masked(self) -> str:
        return f"•••• {self.account_number_last4}" if self.account_number_last4 else ""


class Payee(models.Model):
    """A cache of the LMS user's name and email, kept by user sync."""

    user_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name or self.user_id


class CourseName(models.Model):
    """A cache of an LMS course's title, kept by course sync, so statements name the course."""

    course_id = models.CharField(max_length=64, unique=True)
    title = models.CharField(max_length=200)
    synced_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.title


class NachaFile(models.Model):
    """One NACHA file: the ACH payouts of one batch, from one originating bank (ODFI).

    A file ID modifier (A-Z, then 0-9) tells apart the files an ODFI receives from us on one day,
    so its duplicate-file check never rejects a second batch.
    """

    batch = models.ForeignKey(PayoutBatch, on_delete=models.PROTECT, related_name="nacha_files")
    odfi_routing = models.CharField(max_length=9)
    created_on = models.DateField(help_text="The creation date in the file header (New York).")
    file_id_modifier = models.CharField(max_length=1)
    effective_date = models.DateField(help_text="The banking day the credits settle.")
    # The file carries the payees' account numbers for the bank: stored encrypted, like them.
    content_encrypted = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "NACHA file"
        permissions = [("import_ach_returns", "Can import a bank's ACH return file")]
        constraints = [
            models.UniqueConstraint(
                fields=["odfi_routing", "created_on", "file_id_modifier"],
                name="payouts_nachafile_modifier_unique_per_day",
            ),
            models.UniqueConstraint(
                fields=["batch", "odfi_routing"], name="payouts_nachafile_one_per_batch"
            ),
        ]

    def __str__(self) -> str:
        return f"NACHA file {self.created_on:%Y-%m-%d} {self.file_id_modifier}"

    @property
    def filename(self) -> str:
        return f"cadence-ach-{self.created_on:%Y%m%d}-{self.file_id_modifier}.ach"

    @property
    def content(self) -> str:
        """The file as sent, account numbers in clear: for the bank, never for a page."""
        return payout_file_decrypt(self.content_encrypted)


class NachaEntry(models.Model):
    """One payout's credit entry in a NACHA file. Its trace number, unique and ascending per
    ODFI, is the payout's reference and what a bank's return or change notice names."""

    file = models.ForeignKey(NachaFile, on_delete=models.PROTECT, related_name="entries")
    payout = models.OneToOneField(Payout, on_delete=models.PROTECT, related_name="nacha_entry")
    odfi_routing = models.CharField(max_length=9)
    trace_number = models.CharField(max_length=15)
    entry_class = models.CharField(max_length=3)
    return_code = models.CharField(max_length=3, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "NACHA entry"
        verbose_name_plural = "NACHA entries"
        constraints = [
            models.UniqueConstraint(
                fields=["odfi_routing", "trace_number"], name="payouts_nachaentry_trace_unique"
            )
        ]

    def __str__(self) -> str:
        return self.trace_number


class AchTraceSequence(models.Model):
    """The last trace sequence number given out for an ODFI (locked while numbers are taken)."""

    odfi_routing = models.CharField(max_length=9, unique=True)
    last_sequence = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "ACH trace sequence"

    def __str__(self) -> str:
        return f"{self.odfi_routing}: {self.last_sequence}"


class AchNotificationOfChange(models.Model):
    """A bank's notice (NOC, C-code) that an entry's account details should change; staff
    confirm it before the payee's account is updated."""

    entry = models.ForeignKey(NachaEntry, on_delete=models.PROTECT, related_name="changes")
    change_code = models.CharField(max_length=3)
    corrected_data = models.CharField(max_length=29)
    received_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "ACH notification of change"
        verbose_name_plural = "ACH notifications of change"
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "change_code", "corrected_data"],
                name="payouts_noc_once_per_entry",
            )
        ]

    def __str__(self) -> str:
        return f"{self.change_code} for {self.entry}"


class PayoutFile(models.Model):
    """A document a payout was sent as: a NACHA file (ACH) or wire instructions, kept as sent.

    It carries the payee's bank account number in clear, as the bank needs it, so it is stored
    encrypted like the number itself; pages show it with the number masked.
    """

    class Kind(models.TextChoices):
        NACHA = "nacha", "NACHA file"
        WIRE_INSTRUCTIONS = "wire", "Wire instructions"

    payout = models.OneToOneField(Payout, on_delete=models.PROTECT, related_name="file")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    content_encrypted = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        permissions = [
            ("download_payoutfile", "Can download payout files, bank account numbers in clear")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for payout {self.payout_id}"

    @property
    def content(self) -> str:
        """The document as sent, account numbers in clear: for the bank, never for a page."""
        return payout_file_decrypt(self.content_encrypted)


class TaxInfo(models.Model):
    """A payee's W-9 (US person) or W-8BEN (foreign individual); the TIN encrypted at rest."""

    class Form(models.TextChoices):
        W9 = "w9", "W-9 (US person)"
        W8BEN = "w8ben", "W-8BEN (foreign individual)"

    user_id = models.CharField(max_length=64, unique=True)
    form = models.CharField(max_length=8, choices=Form.choices)
    legal_name = models.CharField(max_length=200)
    business_name = models.CharField(max_length=200, blank=True)
    tax_classification = models.CharField(
        max_length=40, blank=True, help_text="W-9 line 3, e.g. individual / sole proprietor."
    )
    country = models.CharField(max_length=2, help_text="ISO 3166 country of residence.")
    address_line = models.CharField(max_length=200)
    city = models.CharField(max_length=100)
    region = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    date_of_birth = models.DateField(null=True, blank=True, help_text="W-8BEN only.")
    treaty_country = models.CharField(max_length=2, blank=True, help_text="W-8BEN only.")
    # Fernet token of the SSN/EIN (W-9) or foreign TIN (W-8BEN); never stored or shown in clear.
    tin_encrypted = models.TextField(blank=True)
    tin_last4 = models.CharField(max_length=4, blank=True)
    signature_name = models.CharField(max_length=200, blank=True)
    certified_at = models.DateTimeField(null=True, blank=True)
    # Derived by the service from the fields above on every save, never typed in.
    is_complete = models.BooleanField(default=False, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "tax info"
        verbose_name_plural = "tax info"

    def __str__(self) -> str:
        return f"{self.get_form_display()} for {self.user_id}"

    @property
    def tin_masked(self) -> str:
        return f"•••-••-{self.tin_last4}" if self.tin_last4 else "not given"

    def missing(self) -> list[str]:
        """What the form still lacks before money can be paid out."""
        required = ["legal_name", "country", "address_line", "city", "signature_name"]
        gaps = [name for name in required if not getattr(self, name)]
        if not self.tin_encrypted:
            gaps.append("tin")
        if self.certified_at is None:
            gaps.append("certification")
        if self.form == self.Form.W9 and self.country != "US":
            gaps.append("country (a W-9 is for US persons)")
        if self.form == self.Form.W8BEN and self.date_of_birth is None:
            gaps.append("date_of_birth")
        return gaps
