from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.audit.mixins import AuditedModel
from dangjian.core.models import VersionedModel

from . import crypto
from .codes import ETHNICITIES, MEMBER_STATUSES, Education, Gender, MemberStatus, PoliticalStatus, WorkPost
from .figure_spec import COLUMN_NAMES


class Person(AuditedModel, VersionedModel):
    """Everyone the platform knows: members, probationary members, applicants, activists and 群众.

    Party membership is a record of the person: `political_status` (probationary/full = the member's
    category), the join and full-membership dates and the membership `status`. ID number and phone are
    stored encrypted with a blind index (see crypto.py) and shown masked unless the viewer's post allows.
    `scope_path` is the path of the person's group (or organisation): the subtree scoping key.
    """

    name = models.CharField(_("name"), max_length=50, db_index=True)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=2, choices=ETHNICITIES, default="01")
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    id_number_enc = models.TextField(_("ID number (encrypted)"), blank=True, editable=False)
    id_number_hash = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=18, blank=True, editable=False)
    phone_enc = models.TextField(_("phone (encrypted)"), blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, null=True, blank=True, db_index=True, editable=False)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True, editable=False)
    education = models.CharField(_("education"), max_length=2, choices=Education.choices, blank=True)
    work_post = models.CharField(_("work post"), max_length=4, choices=WorkPost.choices, blank=True)
    address = models.CharField(_("home address"), max_length=200, blank=True)

    political_status = models.CharField(_("political status"), max_length=12, choices=PoliticalStatus.choices,
                                         default=PoliticalStatus.MASSES)
    status = models.CharField(_("membership status"), max_length=16, choices=MemberStatus.choices,
                              default=MemberStatus.NORMAL)
    applied_on = models.DateField(_("application date"), null=True, blank=True)
    activist_on = models.DateField(_("date made activist"), null=True, blank=True)
    candidate_on = models.DateField(_("date made development candidate"), null=True, blank=True)
    join_date = models.DateField(_("join date"), null=True, blank=True)
    full_date = models.DateField(_("full-membership date"), null=True, blank=True)
    org = models.ForeignKey("orgs.Organization", verbose_name=_("organisation"), null=True, blank=True,
                            on_delete=models.PROTECT, related_name="people")
    group = models.ForeignKey("orgs.Organization", verbose_name=_("Party group"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="group_people")
    scope_path = models.CharField(max_length=255, blank=True, editable=False)
    flow_destination = models.CharField(_("where the flowing member is"), max_length=200, blank=True)
    lost_contact_on = models.DateField(_("lost contact since"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    scope_fields = ("scope_path",)
    audit_redact = ("id_number_enc", "id_number_hash", "phone_enc", "phone_hash")
    audit_exclude = ("created_at", "updated_at", "version", "scope_path")

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["scope_path"], name="person_scope_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["scope_path", "name", "id"], name="person_scope_name_idx"),
            models.Index(fields=["political_status", "status"], name="person_pstatus_idx"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_member(self):
        return self.political_status in MEMBER_STATUSES

    @property
    def category_display(self):
        return self.get_political_status_display()

    def audit_org_path(self):
        return self.scope_path

    # Personal identifiers: the clear values are only reachable through these methods, which the views call
    # after checking the permission and logging the reveal (people.services.reveal).
    def set_id_number(self, value):
        value = (value or "").strip().upper()
        self.id_number_enc = crypto.encrypt(value)
        self.id_number_hash = crypto.blind_index(value)
        self.id_number_masked = crypto.mask_id_number(value)

    def get_id_number(self):
        return crypto.decrypt(self.id_number_enc)

    def set_phone(self, value):
        value = (value or "").strip()
        self.phone_enc = crypto.encrypt(value)
        self.phone_hash = crypto.blind_index(value)
        self.phone_masked = crypto.mask_phone(value)

    def get_phone(self):
        return crypto.decrypt(self.phone_enc)


class ImportJob(models.Model):
    """One roster upload: validated as a whole (dry run), then written all-or-nothing on request.

    Large files run as Celery tasks (people.tasks); the progress page polls `processed / total`.
    """

    class State(models.TextChoices):
        VALIDATING = "validating", _("Checking the file")
        INVALID = "invalid", _("Errors found")
        VALID = "valid", _("Ready to import")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    org = models.ForeignKey("orgs.Organization", verbose_name=_("organisation"), on_delete=models.PROTECT,
                            related_name="+")
    created_by = models.ForeignKey("accounts.User", verbose_name=_("uploaded by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    filename = models.CharField(_("file"), max_length=200)
    content = models.BinaryField(_("file content"), editable=False)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.VALIDATING)
    total = models.PositiveIntegerField(_("rows"), default=0)
    processed = models.PositiveIntegerField(_("rows processed"), default=0)
    created = models.PositiveIntegerField(_("people created"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True)
    validated_seconds = models.FloatField(null=True, blank=True)
    imported_seconds = models.FloatField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    scope_fields = ("org__path",)

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.filename} ({self.get_state_display()})"

    @property
    def running(self):
        return self.state in (self.State.VALIDATING, self.State.IMPORTING)

    @property
    def percent(self):
        if not self.total:
            return 0 if self.running else 100
        return min(100, round(100 * self.processed / self.total))


class OrgFigures(models.Model):
    """The counts of the people placed directly in one organisation or group (their group if they have one,
    otherwise their organisation) — not its subtree. Kept current by people.figures in the transaction of every
    write; the figures of a subtree are the sums over its organisations' rows, a few tens of thousands of short
    rows at the root of a large tree instead of a million people. `year` is the statistical year of the age
    bands; rows of another year are not used (the nightly rebuild brings them forward)."""

    org = models.OneToOneField("orgs.Organization", primary_key=True, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    updated_at = models.DateTimeField(auto_now=True)
    for _name in COLUMN_NAMES:
        locals()[_name] = models.PositiveIntegerField(default=0)
    del _name

    class Meta:
        verbose_name = _("people figures of an organisation")
        verbose_name_plural = _("people figures")

    def __str__(self):
        return f"{self.org_id} ({self.year})"
