"""The customer base: who the customers are, what they buy, and what happens to them (B1, D3).

Every record that comes from the user's CRM or accounting system carries that
system's `external_id`, unique per organization, so pushing the same record twice
finds the stored one instead of adding a copy.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from otklik.accounts.models import Location, Organization


class Tag(models.Model):
    """A manual label a manager puts on customers ("VIP", "wholesale"); usable in filters and rules."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="customer_tags")
    name = models.CharField(_("name"), max_length=60)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="tag_unique_name")]

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    # No index of its own: every index below leads with it, the unique key first (ADR 0054),
    # and an import of a million order lines writes some 100 000 customers, each entry paid per row.
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="customers", db_index=False)
    # Null for customers we met first through an anonymous answer, not through the CRM.
    external_id = models.CharField(_("external id"), max_length=100, null=True, blank=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    # Digits only, with the country code ("79161234567"), so "+7 916 123-45-67" and "8 916…" match.
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    telegram_chat_id = models.CharField(_("Telegram chat id"), max_length=40, blank=True)
    language = models.CharField(_("preferred language"), max_length=5, choices=settings.LANGUAGES, blank=True)
    consent_email = models.BooleanField(_("may be asked by e-mail"), default=False)
    consent_sms = models.BooleanField(_("may be asked by SMS"), default=False)
    consent_telegram = models.BooleanField(_("may be asked in Telegram"), default=False)
    # Set when an address proved undeliverable (a bounce, an invalid number); senders skip it.
    # Each channel names its address, consent and undeliverable fields here (messaging.channels, CONTRIBUTING.md).
    email_invalid_at = models.DateTimeField(null=True, blank=True)
    phone_invalid_at = models.DateTimeField(null=True, blank=True)
    telegram_invalid_at = models.DateTimeField(null=True, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="customers")
    # RFM segment, recomputed by a task (intake.segments); empty until the first run.
    # Indexed in Meta, as one plain index: db_index would add a `LIKE` twin (varchar_pattern_ops) that no
    # query reads (segments are only compared whole).
    segment = models.CharField(_("segment"), max_length=30, blank=True)
    rfm_recency = models.PositiveSmallIntegerField(null=True, blank=True)
    rfm_frequency = models.PositiveSmallIntegerField(null=True, blank=True)
    rfm_monetary = models.PositiveSmallIntegerField(null=True, blank=True)
    customer_since = models.DateTimeField(_("customer since"), null=True, blank=True)
    # Set when the customer's personal data was erased on request (GDPR, 152-FZ): the row stays so
    # that scores keep counting and a later push of the same external id brings no contacts back.
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "external_id"], name="customer_unique_external_id")
        ]
        indexes = [
            models.Index(fields=["organization", "email"]),
            models.Index(fields=["organization", "phone"]),
            # Few rows: planning invitations asks whether an organization has any erased customer.
            models.Index(fields=["organization"], name="customer_erased", condition=Q(erased_at__isnull=False)),
            models.Index(fields=["segment"], name="customer_segment"),
        ]

    def __str__(self) -> str:
        if self.erased_at:
            return f"#{self.pk}"
        return self.name or self.email or self.phone or self.external_id or f"#{self.pk}"


class EvaluationMode(models.TextChoices):
    AUTOMATIC = "automatic", _("Automatic: invite after the delay")
    MANUAL = "manual", _("Manual: the manager chooses the day")


class Product(models.Model):
    """A product or service in the catalogue, with its own moment to ask for an evaluation (B1)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="products")
    external_id = models.CharField(_("external id"), max_length=100)
    name = models.CharField(_("name"), max_length=200)
    evaluation_delay_days = models.PositiveSmallIntegerField(
        _("ask after (days)"), default=3, help_text=_("Days after the purchase when the invitation is sent.")
    )
    evaluation_mode = models.CharField(
        _("evaluation mode"), max_length=10, choices=EvaluationMode.choices, default=EvaluationMode.AUTOMATIC
    )
    # Which survey the invitation opens; empty means the organization's first NPS survey.
    survey = models.ForeignKey(
        "surveys.Survey", verbose_name=_("survey"), null=True, blank=True, on_delete=models.SET_NULL
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "external_id"], name="product_unique_external_id")
        ]

    def __str__(self) -> str:
        return self.name


class OrderStatus(models.TextChoices):
    """What became of an order: only a completed one counts as an order, and only it is asked about."""

    COMPLETED = "completed", _("Completed")
    # Cancelled or refunded as a whole, or a cancellation document (an order number prefixed C).
    CANCELLED = "cancelled", _("Cancelled")
    # A return: every line given back (negative quantities), or a status such as "возврат".
    RETURNED = "returned", _("Returned")


class Purchase(models.Model):
    """An order (a receipt, a closed deal): who bought, when, where, from whom; what is in its lines.

    `amount` is what the order adds to revenue, kept by the writers from its lines
    (customers.services.order_amount): the sum of its lines for a completed order,
    only the negative lines (the money given back) for a cancelled or returned one.
    `product` is the order's product that decides its invitation: the one asked about
    last (ADR 0014). Both are stored so that revenue, RFM and the invitation hook read
    one row per order, not its lines.
    """

    # No index of its own: the unique (organization, external_id) leads with it (ADR 0007).
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="purchases", db_index=False)
    external_id = models.CharField(_("external id"), max_length=100)
    # Indexed by (customer, purchased_at) below: a customer belongs to one organization.
    # Empty for an anonymous order (a till receipt without a loyalty card): it counts for products and locations.
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="purchases", db_index=False
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="purchases")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    status = models.CharField(_("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.COMPLETED)
    purchased_at = models.DateTimeField(_("date"))
    location = models.ForeignKey(
        Location, verbose_name=_("location"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # As the source system names the seller; `employee` is set when it matches a member.
    employee_name = models.CharField(_("employee"), max_length=200, blank=True)
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    # What the PostgreSQL import last stored this order from: a hash of its lines as staged (and of the
    # product settings that decide its product), so that a file sent again finds an unchanged order by
    # one comparison instead of recomputing it from its lines (imports/pg_fast.py, ADR 0035). Any other
    # writer empties it: an order edited elsewhere is compared line by line again.
    digest = models.UUIDField(null=True, blank=True, editable=False)
    # The same import's hash of the order's lines as read from the file, before validation, with what
    # validation depends on (imports/raw_orders.py): an order sent again so is left out unvalidated.
    # Trusted only while `digest` is set, which every other writer empties.
    raw_digest = models.UUIDField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-purchased_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "external_id"], name="purchase_unique_external_id")
        ]
        # Every index is upkeep for each imported row: see docs/decisions/0007-purchase-and-invitation-indexes.md.
        indexes = [
            models.Index(fields=["customer", "purchased_at"], name="purchase_customer_date"),
            # Mostly empty (set when the seller is a member): partial, so a row without one costs nothing.
            models.Index(fields=["employee"], name="purchase_employee", condition=Q(employee__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.external_id}: {self.amount} {self.currency}"

    def save(self, *args, **kwargs) -> None:
        """Save, emptying the import's digest: an order saved here no longer holds what that import stored."""
        self.digest = None
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "digest"}
        super().save(*args, **kwargs)

    @property
    def is_order(self) -> bool:
        """Counted as an order (returns and cancellations are not)."""
        return self.status == OrderStatus.COMPLETED


class PurchaseLine(models.Model):
    """One line of an order: a product, how many, at what price. A negative quantity is a return."""

    # Leads the unique (purchase, line_no): the order's lines, and the cascade when it is deleted.
    purchase = models.ForeignKey(Purchase, on_delete=models.CASCADE, related_name="lines", db_index=False)
    # The line's place in its order as the source listed it: the key a re-import finds it by.
    line_no = models.PositiveIntegerField()
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="lines")
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3, default=1)
    unit_price = models.DecimalField(_("unit price"), max_digits=16, decimal_places=4, null=True, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, default=0)

    class Meta:
        ordering = ["purchase", "line_no"]
        constraints = [models.UniqueConstraint(fields=["purchase", "line_no"], name="purchase_line_unique_no")]

    def __str__(self) -> str:
        return f"{self.purchase_id}/{self.line_no}: {self.product_id} × {self.quantity}"


class CustomerEvent(models.Model):
    """Something that happened to a customer in another system ("trial_started"), for complaint hunting (B5)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="customer_events")
    external_id = models.CharField(_("external id"), max_length=100)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="events")
    name = models.CharField(_("event"), max_length=60)
    occurred_at = models.DateTimeField(_("when"))
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "external_id"], name="customer_event_unique_external_id")
        ]
        indexes = [models.Index(fields=["organization", "name", "occurred_at"])]


class SegmentRun(models.Model):
    """When an organization's RFM segments were last claimed and computed, so the worker runs it once a day."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="segment_run")
    claimed_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
