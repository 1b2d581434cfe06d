from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.audit.mixins import AuditedModel
from dangjian.core.models import VersionedModel


class TransferKind(models.TextChoices):
    INTERNAL = "internal", _("Within the platform")
    OUTGOING = "outgoing", _("To an organisation outside the platform")
    INCOMING = "incoming", _("From an organisation outside the platform")


class TransferState(models.TextChoices):
    PENDING = "pending", _("Awaiting the receiving organisation")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Withdrawn")
    COMPLETED = "completed", _("Receipt returned")


class Transfer(AuditedModel, VersionedModel):
    """A transfer of a member's organisational relationship (组织关系转接) with its introduction letter.

    The allowed state changes are in services.TRANSITIONS; the member's organisation changes only when the
    receiving organisation accepts (internal) or when an arrival from outside is received (incoming).
    """

    kind = models.CharField(_("kind"), max_length=10, choices=TransferKind.choices)
    state = models.CharField(_("state"), max_length=10, choices=TransferState.choices,
                             default=TransferState.PENDING)
    person = models.ForeignKey("people.Person", verbose_name=_("member"), on_delete=models.PROTECT,
                               related_name="transfers")
    from_org = models.ForeignKey("orgs.Organization", verbose_name=_("sending organisation"), null=True,
                                 blank=True, on_delete=models.PROTECT, related_name="transfers_out")
    to_org = models.ForeignKey("orgs.Organization", verbose_name=_("receiving organisation"), null=True,
                               blank=True, on_delete=models.PROTECT, related_name="transfers_in")
    external_org = models.CharField(_("organisation outside the platform"), max_length=200, blank=True)
    letter_no = models.CharField(_("letter number"), max_length=40)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    issued_on = models.DateField(_("issued on"))
    valid_days = models.PositiveSmallIntegerField(_("valid for (days)"))
    expires_on = models.DateField(_("valid until"), db_index=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+")
    decision_note = models.CharField(_("reason for the decision"), max_length=300, blank=True)
    receipt_on = models.DateField(_("receipt returned on"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("started by"), null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+")

    scope_fields = ("from_org__path", "to_org__path")

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-issued_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["kind", "letter_no"], name="uniq_transfer_letter")]
        indexes = [models.Index(fields=["state", "expires_on"], name="transfer_state_idx")]

    def __str__(self):
        return f"{self.letter_no} {self.person}"

    def audit_org_path(self):
        org = self.from_org or self.to_org
        return org.path if org else ""


class FlowRecord(AuditedModel):
    """A flowing member (流动党员): away from the home organisation without transferring, and where."""

    person = models.ForeignKey("people.Person", verbose_name=_("member"), on_delete=models.PROTECT,
                               related_name="flows")
    org = models.ForeignKey("orgs.Organization", verbose_name=_("home organisation"), on_delete=models.PROTECT,
                            related_name="flows")
    province = models.CharField(_("province"), max_length=30)
    city = models.CharField(_("city"), max_length=30, blank=True)
    county = models.CharField(_("county"), max_length=30, blank=True)
    place = models.CharField(_("unit or address"), max_length=200, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    certificate_no = models.CharField(_("flowing member certificate number"), max_length=40, blank=True)
    left_on = models.DateField(_("left on"))
    returned_on = models.DateField(_("returned on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_fields = ("org__path",)

    class Meta:
        verbose_name = _("flowing member record")
        verbose_name_plural = _("flowing member records")
        ordering = ["-left_on", "-id"]

    def __str__(self):
        return f"{self.person} → {self.destination}"

    @property
    def destination(self):
        return " ".join(p for p in (self.province, self.city, self.county, self.place) if p)

    def audit_org_path(self):
        return self.org.path
