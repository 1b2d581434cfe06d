"""HR post changes (与人员调配系统联网): an HR system tells the platform that a person's post moved to another
unit; the platform matches the person and the organisation serving the new unit and suggests a transfer to the
sending organisation. Rules in rules.py, state changes in services.py; this module only stores.

No ID number is stored in clear: a post change keeps the keyed blind index (people.crypto) and the masked form.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.audit.mixins import AuditedModel
from dangjian.core.models import VersionedModel


class HrSystem(AuditedModel):
    """A personnel system (人员调配系统) of a committee, authenticated by its own key (stored hashed)."""

    org = models.ForeignKey("orgs.Organization", verbose_name=_("committee"), on_delete=models.PROTECT,
                            related_name="hr_systems")
    name = models.CharField(_("name"), max_length=100)
    key_prefix = models.CharField(max_length=8, unique=True, editable=False)
    key_hash = models.CharField(max_length=128, editable=False)
    active = models.BooleanField(_("active"), default=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_fields = ("org__path",)
    audit_exclude = ("last_used_at", "key_hash", "created_at")

    class Meta:
        verbose_name = _("HR system")
        verbose_name_plural = _("HR systems")
        ordering = ["org__path", "name", "id"]

    def __str__(self):
        return self.name

    def audit_org_path(self):
        return self.org.path


class UnitMapping(AuditedModel):
    """Which Party organisation serves an HR unit (用人单位), as the committee keeps it."""

    owner = models.ForeignKey("orgs.Organization", verbose_name=_("committee"), on_delete=models.PROTECT,
                              related_name="hr_unit_mappings")
    unit = models.CharField(_("HR unit"), max_length=120, help_text=_("The unit's code or name as the HR "
                                                                      "system sends it"))
    org = models.ForeignKey("orgs.Organization", verbose_name=_("Party organisation"), on_delete=models.PROTECT,
                            related_name="hr_units")
    created_at = models.DateTimeField(auto_now_add=True)

    scope_fields = ("owner__path",)
    audit_exclude = ("created_at",)

    class Meta:
        verbose_name = _("unit mapping")
        verbose_name_plural = _("unit mappings")
        ordering = ["unit", "id"]
        constraints = [models.UniqueConstraint(fields=["owner", "unit"], name="uniq_hr_unit_mapping")]

    def __str__(self):
        return f"{self.unit} → {self.org}"

    def audit_org_path(self):
        return self.owner.path


class StaffLink(AuditedModel):
    """A staff number (工号) of an HR system that is known to belong to a person: learned when a change carries
    both an ID number and a staff number, or when someone resolves a change sent by staff number."""

    system = models.ForeignKey(HrSystem, verbose_name=_("HR system"), on_delete=models.CASCADE,
                               related_name="staff_links")
    staff_no = models.CharField(_("staff number"), max_length=40)
    person = models.ForeignKey("people.Person", verbose_name=_("person"), on_delete=models.CASCADE,
                               related_name="hr_staff_links")

    scope_fields = ("system__org__path",)

    class Meta:
        verbose_name = _("staff number")
        verbose_name_plural = _("staff numbers")
        constraints = [models.UniqueConstraint(fields=["system", "staff_no"], name="uniq_hr_staff_no")]

    def __str__(self):
        return self.staff_no

    def audit_org_path(self):
        return self.system.org.path


class ChangeState(models.TextChoices):
    UNRESOLVED_PERSON = "unresolved_person", _("Person not found")
    UNRESOLVED_UNIT = "unresolved_unit", _("Unit not mapped")
    SUGGESTED = "suggested", _("Transfer suggested")
    SAME_ORG = "same_org", _("Already in the right organisation")
    STARTED = "started", _("Transfer started")
    DISMISSED = "dismissed", _("Dismissed")


class ChangeSource(models.TextChoices):
    API = "api", _("API")
    IMPORT = "import", _("Nightly import")


class PostChange(AuditedModel, VersionedModel):
    """One post change reported by an HR system, and what became of it (rules.TRANSITIONS).

    `scope_path` places the row: the person's organisation once the person is known (the sending organisation
    and those above see it), else the committee owning the system; `owner_path` is always that committee."""

    system = models.ForeignKey(HrSystem, verbose_name=_("HR system"), on_delete=models.PROTECT,
                               related_name="changes")
    key = models.CharField(max_length=64, unique=True, editable=False)  # idempotency: rules.change_key
    source = models.CharField(_("source"), max_length=10, choices=ChangeSource.choices, default=ChangeSource.API)
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=18, blank=True, editable=False)
    staff_no = models.CharField(_("staff number"), max_length=40, blank=True)
    new_unit = models.CharField(_("new unit"), max_length=120)
    effective = models.DateField(_("effective"))
    state = models.CharField(_("state"), max_length=20, choices=ChangeState.choices, db_index=True)
    person = models.ForeignKey("people.Person", verbose_name=_("person"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="hr_changes")
    from_org = models.ForeignKey("orgs.Organization", verbose_name=_("sending organisation"), null=True,
                                 blank=True, on_delete=models.PROTECT, related_name="+")
    to_org = models.ForeignKey("orgs.Organization", verbose_name=_("receiving organisation"), null=True,
                               blank=True, on_delete=models.PROTECT, related_name="+")
    transfer = models.ForeignKey("transfers.Transfer", verbose_name=_("transfer"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    scope_path = models.CharField(max_length=255, editable=False)
    owner_path = models.CharField(max_length=255, editable=False)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("received"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("resolved by"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")

    scope_fields = ("scope_path", "owner_path")
    audit_redact = ("id_number_hash",)
    audit_exclude = ("created_at", "version", "scope_path", "owner_path")

    class Meta:
        verbose_name = _("HR post change")
        verbose_name_plural = _("HR post changes")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["scope_path"], name="hr_change_scope_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["owner_path", "state"], name="hr_change_owner_idx"),
        ]

    def __str__(self):
        who = self.person.name if self.person_id else (self.id_number_masked or self.staff_no)
        return f"{who} → {self.new_unit}"

    def audit_org_path(self):
        return self.scope_path

    @property
    def identifier(self):
        """What the HR system sent, as shown on pages: the masked ID number, else the staff number."""
        return self.id_number_masked or self.staff_no
