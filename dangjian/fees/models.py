"""Party fees (党费): what is stored. Rules live in rules.py (pure) and services.py (state changes).

Nothing here is edited in place. A fee base, a payment, a hand-over or a ledger entry that was wrong is followed
by a new row naming the one it corrects (`corrects`); the wrong row is kept and marked `superseded_at` so that the
current state is one indexed condition. Money is Decimal with two places.

- FeeBase: a member's category and monthly base from a date, with the monthly amount fixed from it (2017 notice:
  the amount is set at the start of the year and does not change during it unless the branch re-bases).
  `applies_from` is the first month the amount is charged; a pay change a member declares during the year applies
  from the next January, a branch's re-basing from its month.
- BaseCampaign / BaseDeclaration: the yearly base adjustment (members or collectors enter, the branch confirms).
- Relief: a reduction or exemption (or a recorded valid reason for not paying) for a span of months, requested
  and decided by the branch with a reason.
- Due: one member's dues for one month (generated in bulk for a month; the amount fixed then).
- PaymentOrder: an online payment through a provider for one or several months (and a voluntary extra).
- ProviderEvent: every callback received, verified or not (replays are recognised by the provider's event id).
- Payment: money received for a due (or a purely voluntary payment): online or recorded by a collector.
- Receipt: what the payer gets, numbering the payments it covers.
- HandOver: fees handed over (上缴) by an organisation to the one above, confirmed by the receiver.
- LedgerEntry: a committee's fee ledger of income and spending with purposes.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dangjian.audit.mixins import AuditedModel
from dangjian.core.models import VersionedModel

MONEY = {"max_digits": 12, "decimal_places": 2}
TOTALS = {"max_digits": 16, "decimal_places": 2}  # sums and balances in API replies (rows are MONEY)


class Category(models.TextChoices):
    IN_SERVICE = "in_service", _("In service (salaried)")
    RETIRED = "retired", _("Retired")
    FARMER = "farmer", _("Farmer")
    STUDENT = "student", _("Student")
    UNEMPLOYED = "unemployed", _("Unemployed, laid off or on low income")


class BaseSource(models.TextChoices):
    INITIAL = "initial", _("First base")
    CAMPAIGN = "campaign", _("Yearly adjustment")
    DECLARED = "declared", _("Pay change during the year")
    REBASE = "rebase", _("Re-based by the branch")
    CORRECTION = "correction", _("Correction")


class FeeBase(AuditedModel):
    person = models.ForeignKey("people.Person", verbose_name=_("member"), on_delete=models.PROTECT,
                               related_name="fee_bases")
    category = models.CharField(_("fee category"), max_length=12, choices=Category.choices)
    base = models.DecimalField(_("monthly base"), default=0, **MONEY)
    deductions = models.JSONField(_("deductions"), default=dict, blank=True)  # item → amount, as entered
    effective_from = models.DateField(_("effective from"))
    applies_from = models.DateField(_("charged from month"))  # first day of a month
    computed = models.DecimalField(_("computed monthly amount"), **MONEY)  # rules.monthly_due
    amount = models.DecimalField(_("monthly amount"), **MONEY)  # after the soft cap
    source = models.CharField(_("source"), max_length=12, choices=BaseSource.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    corrects = models.ForeignKey("self", verbose_name=_("corrects"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="corrections")
    superseded_at = models.DateTimeField(null=True, blank=True, editable=False)
    scope_path = models.CharField(max_length=255, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_fields = ("scope_path",)

    class Meta:
        verbose_name = _("fee base")
        verbose_name_plural = _("fee bases")
        ordering = ["person_id", "-applies_from", "-id"]
        indexes = [
            models.Index(fields=["person", "applies_from", "id"], name="feebase_person_idx",
                         condition=Q(superseded_at__isnull=True)),
            models.Index(fields=["scope_path"], name="feebase_scope_idx", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self):
        return f"{self.person_id} {self.category} {self.base} ({self.applies_from:%Y-%m})"

    def audit_org_path(self):
        return self.scope_path


class CampaignState(models.TextChoices):
    OPEN = "open", pgettext_lazy("campaign", "Open")
    CLOSED = "closed", pgettext_lazy("campaign", "Closed")


class BaseCampaign(AuditedModel, VersionedModel):
    """The yearly base adjustment of an organisation's subtree: the new bases apply from `effective_from`."""

    org = models.ForeignKey("orgs.Organization", verbose_name=_("organisation"), on_delete=models.PROTECT,
                            related_name="fee_campaigns")
    org_path = models.CharField(max_length=255, editable=False)
    year = models.PositiveSmallIntegerField(_("year"))
    effective_from = models.DateField(_("effective from"))
    deadline = models.DateField(_("enter by"))
    state = models.CharField(_("state"), max_length=8, choices=CampaignState.choices, default=CampaignState.OPEN)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("base adjustment")
        verbose_name_plural = _("base adjustments")
        ordering = ["-year", "org_path"]
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="feecampaign_org_year_uniq")]

    def __str__(self):
        return f"{self.year} {self.org_id}"

    def audit_org_path(self):
        return self.org_path


class DeclarationState(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    RETURNED = "returned", _("Returned")


class BaseDeclaration(AuditedModel, VersionedModel):
    """A member's new base for a campaign, entered by the member or a collector, confirmed by the branch."""

    campaign = models.ForeignKey(BaseCampaign, verbose_name=_("base adjustment"), on_delete=models.PROTECT,
                                 related_name="declarations")
    person = models.ForeignKey("people.Person", verbose_name=_("member"), on_delete=models.PROTECT,
                               related_name="fee_declarations")
    category = models.CharField(_("fee category"), max_length=12, choices=Category.choices)
    gross = models.DecimalField(_("included pay"), null=True, blank=True, **MONEY)
    deductions = models.JSONField(_("deductions"), default=dict, blank=True)
    base = models.DecimalField(_("monthly base"), **MONEY)
    state = models.CharField(_("state"), max_length=10, choices=DeclarationState.choices,
                             default=DeclarationState.SUBMITTED)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    fee_base = models.ForeignKey(FeeBase, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    scope_path = models.CharField(max_length=255, editable=False)

    scope_fields = ("scope_path",)

    class Meta:
        verbose_name = _("base declaration")
        verbose_name_plural = _("base declarations")
        ordering = ["campaign_id", "person_id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "person"], name="feedecl_campaign_person_uniq")]

    def __str__(self):
        return f"{self.campaign_id}/{self.person_id} {self.base}"

    def audit_org_path(self):
        return self.scope_path


class ReliefKind(models.TextChoices):
    REDUCE = "reduce", _("Reduced amount")
    EXEMPT = "exempt", _("Exempt")
    EXCUSED = "excused", _("Valid reason for not paying yet")


class ReliefState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    REVOKED = "revoked", _("Revoked")


class Relief(AuditedModel, VersionedModel):
    person = models.ForeignKey("people.Person", verbose_name=_("member"), on_delete=models.PROTECT,
                               related_name="fee_reliefs")
    kind = models.CharField(_("kind"), max_length=8, choices=ReliefKind.choices)
    amount = models.DecimalField(_("monthly amount to pay"), null=True, blank=True, **MONEY)  # REDUCE only
    from_month = models.DateField(_("from month"))  # first day of a month
    to_month = models.DateField(_("to month"))  # first day of a month, inclusive
    reason = models.CharField(_("reason"), max_length=500)
    state = models.CharField(_("state"), max_length=10, choices=ReliefState.choices, default=ReliefState.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)
    scope_path = models.CharField(max_length=255, editable=False)

    scope_fields = ("scope_path",)

    class Meta:
        verbose_name = _("reduction or exemption")
        verbose_name_plural = _("reductions and exemptions")
        ordering = ["-from_month", "-id"]
        indexes = [models.Index(fields=["person", "state", "from_month"], name="relief_person_idx")]

    def __str__(self):
        return f"{self.person_id} {self.kind} {self.from_month:%Y-%m}–{self.to_month:%Y-%m}"

    def audit_org_path(self):
        return self.scope_path


class Due(models.Model):
    """One member's dues for one month. Written in bulk (not audited row by row: the generation run is); the amount
    is fixed when generated. A due recomputed after a re-basing or a relief is a new row `corrects`-ing the old
    one (which gets `superseded_at`); at most one current due per member and month.

    Dues are written only by services.generate_dues (one SQL statement that takes the person, organisation and base
    ids from the rows it joins), and people, organisations and bases are never deleted: the person, organisation and
    base keys carry no database constraint (PROTECT still holds in the ORM). With them, writing a million dues spent
    most of its time in per-row foreign-key checks that also locked every member's row (bench/README.md)."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="fee_dues",
                               db_constraint=False, db_index=False)
    month = models.DateField(_("month"))  # first day
    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+", db_constraint=False,
                            db_index=False)
    scope_path = models.CharField(max_length=255)
    category = models.CharField(_("fee category"), max_length=12, choices=Category.choices)
    fee_base = models.ForeignKey(FeeBase, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 db_constraint=False, db_index=False)
    relief = models.ForeignKey(Relief, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               db_index=False)
    amount = models.DecimalField(_("amount due"), **MONEY)
    corrects = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 db_index=False)
    superseded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_fields = ("scope_path",)

    class Meta:
        verbose_name = _("monthly dues")
        verbose_name_plural = _("monthly dues")
        ordering = ["month", "scope_path", "person_id"]
        constraints = [models.UniqueConstraint(fields=["person", "month"], condition=Q(superseded_at__isnull=True),
                                               name="due_person_month_current_uniq")]
        indexes = [
            # a subtree's months (reports, the roster, arrears): the path prefix first, then the month range
            models.Index(fields=["scope_path", "month"], name="due_scope_month_idx",
                         opclasses=["varchar_pattern_ops", "date_ops"], condition=Q(superseded_at__isnull=True)),
            models.Index(fields=["relief"], name="due_relief_idx", condition=Q(relief__isnull=False)),
            models.Index(fields=["corrects"], name="due_corrects_idx", condition=Q(corrects__isnull=False)),
        ]

    def __str__(self):
        return f"{self.person_id} {self.month:%Y-%m} {self.amount}"


class OrderState(models.TextChoices):
    CREATED = "created", _("Awaiting payment")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")
    CLOSED = "closed", _("Closed")


class PaymentOrder(AuditedModel):
    """An online payment: the months it pays (first days, ISO strings) and the voluntary extra."""

    out_trade_no = models.CharField(_("order number"), max_length=40, unique=True)
    person = models.ForeignKey("people.Person", verbose_name=_("member"), on_delete=models.PROTECT,
                               related_name="fee_orders")
    provider = models.CharField(_("payment provider"), max_length=30)
    months = models.JSONField(_("months"), default=list)
    dues_amount = models.DecimalField(_("dues"), **MONEY)
    voluntary = models.DecimalField(_("voluntary extra"), default=0, **MONEY)
    total = models.DecimalField(_("total"), **MONEY)
    state = models.CharField(_("state"), max_length=8, choices=OrderState.choices, default=OrderState.CREATED)
    provider_txn = models.CharField(_("provider transaction"), max_length=64, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    scope_path = models.CharField(max_length=255, editable=False)

    scope_fields = ("scope_path",)

    class Meta:
        verbose_name = _("online payment")
        verbose_name_plural = _("online payments")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["person", "state"], name="feeorder_person_idx")]

    def __str__(self):
        return self.out_trade_no

    def audit_org_path(self):
        return self.scope_path


class ProviderEvent(models.Model):
    """Every callback a payment provider sent, as received. `(provider, event_id)` is unique: a replay is
    recognised and answered without doing anything twice."""

    provider = models.CharField(max_length=30)
    event_id = models.CharField(max_length=80)
    out_trade_no = models.CharField(max_length=40, blank=True)
    verified = models.BooleanField(default=False)
    outcome = models.CharField(max_length=40)
    detail = models.CharField(max_length=300, blank=True)
    payload = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], condition=Q(verified=True),
                                               name="provider_event_uniq")]

    def __str__(self):
        return f"{self.provider}:{self.event_id} {self.outcome}"


class Method(models.TextChoices):
    ONLINE = "online", _("Online")
    CASH = "cash", _("Cash")
    TRANSFER = "transfer", _("Bank transfer")


class Receipt(models.Model):
    number = models.CharField(_("receipt number"), max_length=32, unique=True)
    person = models.ForeignKey("people.Person", verbose_name=_("member"), on_delete=models.PROTECT,
                               related_name="fee_receipts")
    org = models.ForeignKey("orgs.Organization", verbose_name=_("received by"), on_delete=models.PROTECT,
                            related_name="+")
    total = models.DecimalField(_("total"), **MONEY)
    method = models.CharField(_("paid by"), max_length=8, choices=Method.choices)
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    cancels = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    scope_path = models.CharField(max_length=255, editable=False)

    scope_fields = ("scope_path",)

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["-issued_at", "-id"]

    def __str__(self):
        return self.number


class Payment(AuditedModel):
    """Money received for one month's dues (`month`, `due`) plus any voluntary extra; `voluntary_only` payments
    have no month. A reversal is a Payment with negative amounts that `corrects` the original."""

    person = models.ForeignKey("people.Person", verbose_name=_("member"), on_delete=models.PROTECT,
                               related_name="fee_payments")
    month = models.DateField(_("month"), null=True, blank=True)
    due = models.ForeignKey(Due, null=True, blank=True, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(_("dues paid"), default=0, **MONEY)
    voluntary = models.DecimalField(_("voluntary extra"), default=0, **MONEY)
    large = models.BooleanField(_("large voluntary payment"), default=False)  # ≥ 1000 in one go: to the Centre
    method = models.CharField(_("paid by"), max_length=8, choices=Method.choices)
    order = models.ForeignKey(PaymentOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="payments")
    receipt = models.ForeignKey(Receipt, null=True, blank=True, on_delete=models.PROTECT, related_name="payments")
    paid_on = models.DateField(_("paid on"))
    org = models.ForeignKey("orgs.Organization", verbose_name=_("received by"), on_delete=models.PROTECT,
                            related_name="+")
    scope_path = models.CharField(max_length=255, editable=False)
    note = models.CharField(_("note"), max_length=300, blank=True)
    corrects = models.ForeignKey("self", verbose_name=_("corrects"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="corrections")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    handed_over = models.ForeignKey("HandOver", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="payments")

    scope_fields = ("scope_path",)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-paid_on", "-id"]
        indexes = [
            models.Index(fields=["person", "month"], name="payment_person_month_idx"),
            models.Index(fields=["paid_on", "scope_path"], name="payment_paid_scope_idx",
                         opclasses=["date_ops", "varchar_pattern_ops"]),
        ]

    def __str__(self):
        return f"{self.person_id} {self.month} {self.amount}+{self.voluntary}"

    def audit_org_path(self):
        return self.scope_path


class HandOverState(models.TextChoices):
    SUBMITTED = "submitted", _("Handed over, awaiting receipt")
    RECEIVED = "received", _("Received")
    RETURNED = "returned", _("Returned for correction")


class HandOver(AuditedModel, VersionedModel):
    """Fees handed over (上缴) by `org` to `to_org` for a period; the large voluntary payments are shown apart
    (they go on to the Centre)."""

    org = models.ForeignKey("orgs.Organization", verbose_name=_("handed over by"), on_delete=models.PROTECT,
                            related_name="fee_handovers")
    to_org = models.ForeignKey("orgs.Organization", verbose_name=_("handed over to"), on_delete=models.PROTECT,
                               related_name="fee_handovers_in")
    org_path = models.CharField(max_length=255, editable=False)
    period_from = models.DateField(_("from"))
    period_to = models.DateField(_("until"))
    expected = models.DecimalField(_("collected in the period"), **MONEY)
    amount = models.DecimalField(_("amount handed over"), **MONEY)
    large_voluntary = models.DecimalField(_("of which large voluntary payments"), default=0, **MONEY)
    handed_on = models.DateField(_("handed over on"))
    state = models.CharField(_("state"), max_length=10, choices=HandOverState.choices,
                             default=HandOverState.SUBMITTED)
    note = models.CharField(_("note"), max_length=300, blank=True)
    corrects = models.ForeignKey("self", verbose_name=_("corrects"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="corrections")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(_("received at"), null=True, blank=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("hand-over")
        verbose_name_plural = _("hand-overs")
        ordering = ["-handed_on", "-id"]

    def __str__(self):
        return f"{self.org_id}→{self.to_org_id} {self.amount}"

    def audit_org_path(self):
        return self.org_path


class Direction(models.TextChoices):
    INCOME = "income", _("Income")
    SPENDING = "spending", _("Spending")


class Purpose(models.TextChoices):
    """What fees are received from or spent on (党费规定 第十五至十八条)."""

    DUES = "dues", _("Dues collected")
    HANDOVER_IN = "handover_in", _("Handed over by lower organisations")
    ALLOCATION = "allocation", _("Allocated by the higher committee")
    INTEREST = "interest", _("Bank interest")
    EDUCATION = "education", _("Education and training of members")
    GRASSROOTS = "grassroots", _("Support for grassroots organisations")
    HARDSHIP = "hardship", _("Visiting members in hardship")
    VETERANS = "veterans", _("Veteran members")
    AWARDS = "awards", _("Commendation of outstanding members and organisations")
    DISASTER = "disaster", _("Disaster relief")
    HANDOVER_OUT = "handover_out", _("Handed over to the higher committee")
    OTHER = "other", _("Other")


class LedgerEntry(AuditedModel):
    org = models.ForeignKey("orgs.Organization", verbose_name=_("organisation"), on_delete=models.PROTECT,
                            related_name="fee_ledger")
    org_path = models.CharField(max_length=255, editable=False)
    entry_date = models.DateField(_("date"))
    direction = models.CharField(_("income or spending"), max_length=8, choices=Direction.choices)
    purpose = models.CharField(_("purpose"), max_length=14, choices=Purpose.choices)
    amount = models.DecimalField(_("amount"), **MONEY)  # signed: a correction may be negative
    description = models.CharField(_("description"), max_length=300)
    voucher = models.CharField(_("voucher number"), max_length=40, blank=True)
    handover = models.ForeignKey(HandOver, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    corrects = models.ForeignKey("self", verbose_name=_("corrects"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="corrections")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["-entry_date", "-id"]
        indexes = [models.Index(fields=["org", "entry_date"], name="ledger_org_date_idx")]

    def __str__(self):
        return f"{self.entry_date} {self.direction} {self.amount}"

    def audit_org_path(self):
        return self.org_path


class FeeSettings(AuditedModel, VersionedModel):
    """An organisation's fee settings for its subtree (nearest wins; the platform defaults otherwise)."""

    org = models.OneToOneField("orgs.Organization", verbose_name=_("organisation"), on_delete=models.PROTECT,
                               related_name="fee_settings")
    org_path = models.CharField(max_length=255, editable=False)
    backpay_months = models.PositiveSmallIntegerField(_("back-payment window (months)"), default=6)
    ahead_months = models.PositiveSmallIntegerField(_("pay ahead at most (months)"), default=12)
    soft_cap = models.DecimalField(_("monthly soft cap"), default=1000, **MONEY)
    farmer_amount = models.DecimalField(_("farmers' monthly amount"), default="0.20", **MONEY)
    remind_days = models.PositiveSmallIntegerField(_("remind this many days before the month ends"), default=7)
    deduction_items = models.JSONField(_("deduction items"), default=list, blank=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("fee settings")
        verbose_name_plural = _("fee settings")

    def __str__(self):
        return str(self.org_id)

    def audit_org_path(self):
        return self.org_path
