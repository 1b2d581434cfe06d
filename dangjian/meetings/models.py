"""Organisational life (组织生活): 三会一课, 主题党日 and other meetings, their attendance and the requirements they
are held against. Rules live in rules.py (pure) and services.py (state changes); this module only stores."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.audit.mixins import AuditedModel
from dangjian.core.models import VersionedModel


class Period(models.TextChoices):
    MONTH = "month", _("per month")
    QUARTER = "quarter", _("per quarter")
    YEAR = "year", _("per year")


class MeetingType(models.Model):
    """A kind of meeting: the seven of the branch regulations (codes fixed) and free ones such as 理论学习."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    builtin = models.BooleanField(_("defined by the regulations"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("meeting type")
        verbose_name_plural = _("meeting types")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name


class Requirement(AuditedModel):
    """How many meetings of a type an organisation of a given kind must hold per period. Rows without `set_by` are
    the platform's defaults (domain.md §4); a committee may set its own for its subtree, and the nearest
    ancestor's rule wins (`count` 0 switches a requirement off below that committee)."""

    set_by = models.ForeignKey("orgs.Organization", verbose_name=_("set by"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="meeting_requirements")
    meeting_type = models.ForeignKey(MeetingType, verbose_name=_("meeting type"), on_delete=models.PROTECT,
                                     related_name="requirements")
    org_type = models.CharField(_("applies to"), max_length=20)
    period = models.CharField(_("period"), max_length=10, choices=Period.choices)
    count = models.PositiveSmallIntegerField(_("at least"), default=1)

    scope_fields = ("set_by__path",)

    class Meta:
        verbose_name = _("meeting requirement")
        verbose_name_plural = _("meeting requirements")
        constraints = [
            models.UniqueConstraint(fields=["set_by", "meeting_type", "org_type"], name="uniq_requirement"),
            models.UniqueConstraint(fields=["meeting_type", "org_type"], condition=models.Q(set_by__isnull=True),
                                    name="uniq_default_requirement"),
        ]

    def __str__(self):
        return f"{self.meeting_type} {self.org_type} {self.count}/{self.period}"

    def audit_org_path(self):
        return self.set_by.path if self.set_by_id else ""


class MeetingState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    RECORDED = "recorded", _("Held and recorded")
    CANCELLED = "cancelled", _("Cancelled")


class Meeting(AuditedModel, VersionedModel):
    """One meeting hosted by an organisation. It may count for several types (a 主题党日 with a 党课)."""

    org = models.ForeignKey("orgs.Organization", verbose_name=_("host organisation"), on_delete=models.PROTECT,
                            related_name="meetings")
    org_path = models.CharField(max_length=255, editable=False, db_index=True)
    types = models.ManyToManyField(MeetingType, verbose_name=_("counts as"), related_name="meetings")
    topic = models.CharField(_("topic"), max_length=200)
    agenda = models.TextField(_("agenda"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    online_url = models.URLField(_("online meeting link"), blank=True)
    host = models.ForeignKey("people.Person", verbose_name=_("chaired by"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    recorder = models.ForeignKey("people.Person", verbose_name=_("recorded by"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    is_open = models.BooleanField(_("open meeting"), default=False,
                                  help_text=_("Anyone with the sign-in code may sign in, invited or not."))
    checkin_before = models.PositiveSmallIntegerField(_("sign-in opens (minutes before the start)"), default=30)
    state = models.CharField(_("state"), max_length=10, choices=MeetingState.choices, default=MeetingState.PLANNED)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)
    reminded_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    tallied = models.BooleanField(default=False, editable=False)  # counted in MeetingTally (see tally.py)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("planned by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["org_path"], name="meeting_path_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["starts_at"], name="meeting_start_idx"),
            models.Index(fields=["starts_at"], name="meeting_untallied_idx", condition=models.Q(tallied=False)),
        ]

    def __str__(self):
        return self.topic

    def audit_org_path(self):
        return self.org_path

    @property
    def phase(self):
        """cancelled, recorded, planned (not started), running, or due (held, minutes not written yet)."""
        from django.utils import timezone

        if self.state in (MeetingState.CANCELLED, MeetingState.RECORDED):
            return self.state
        now = timezone.now()
        if now < self.starts_at:
            return "planned"
        return "running" if now <= self.ends_at else "due"


class LeaveState(models.TextChoices):
    NONE = "", _("No leave asked")
    REQUESTED = "requested", _("Leave asked")
    APPROVED = "approved", _("Leave approved")
    DECLINED = "declined", _("Leave declined")


class CheckinMethod(models.TextChoices):
    QR = "qr", _("Scanned the code")
    CARD = "card", _("Card reader")
    MANUAL = "manual", _("Signed in by the recorder")
    MAKEUP = "makeup", _("Make-up sign-in")
    SELF = "self", _("Open meeting")


class Attendance(AuditedModel):
    """One person's place in a meeting: invited (expected) or not (an open meeting's walk-in, a guest), leave,
    sign-in and sign-out. One row per person and meeting (the unique constraint is the last line of defence
    against a double sign-in)."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE,
                                related_name="attendances")
    person = models.ForeignKey("people.Person", verbose_name=_("person"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="attendances")
    guest_name = models.CharField(_("guest"), max_length=60, blank=True)
    expected = models.BooleanField(_("invited"), default=True)
    leave = models.CharField(_("leave"), max_length=10, choices=LeaveState.choices, blank=True, default="")
    leave_reason = models.CharField(_("reason for leave"), max_length=300, blank=True)
    leave_decided_at = models.DateTimeField(_("leave decided at"), null=True, blank=True)
    leave_note = models.CharField(_("note on the leave decision"), max_length=300, blank=True)
    checked_in_at = models.DateTimeField(_("signed in at"), null=True, blank=True)
    method = models.CharField(_("sign-in"), max_length=10, choices=CheckinMethod.choices, blank=True)
    makeup_reason = models.CharField(_("reason for the make-up sign-in"), max_length=300, blank=True)
    checked_out_at = models.DateTimeField(_("left at"), null=True, blank=True)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("signed in by"), null=True,
                                  blank=True, on_delete=models.SET_NULL, related_name="+")

    scope_fields = ("meeting__org_path",)
    audit_exclude = ()

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["meeting", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], condition=models.Q(person__isnull=False),
                                    name="uniq_attendance_person"),
        ]

    def __str__(self):
        return self.guest_name or str(self.person_id)

    def audit_org_path(self):
        return self.meeting.org_path


class Minutes(models.Model):
    """The record of a held meeting. Never edited: a correction is a new revision; the latest one is current."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE,
                                related_name="minutes")
    revision = models.PositiveSmallIntegerField(_("revision"))
    text = models.TextField(_("minutes"))
    resolutions = models.TextField(_("resolutions"), blank=True)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("written by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    written_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")
        ordering = ["meeting", "-revision"]
        constraints = [models.UniqueConstraint(fields=["meeting", "revision"], name="uniq_minutes_revision")]

    def __str__(self):
        return f"{self.meeting_id} r{self.revision}"


class Card(AuditedModel):
    """A badge or ID card registered to a person for the card readers and gates."""

    number = models.CharField(_("card number"), max_length=40, unique=True)
    person = models.ForeignKey("people.Person", verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="cards")
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    scope_fields = ("person__scope_path",)

    class Meta:
        verbose_name = _("card")
        verbose_name_plural = _("cards")

    def __str__(self):
        return self.number

    def audit_org_path(self):
        return self.person.scope_path


class Device(AuditedModel):
    """A card reader or gate of an organisation, authenticated by its own key (stored hashed)."""

    org = models.ForeignKey("orgs.Organization", verbose_name=_("organisation"), on_delete=models.PROTECT,
                            related_name="devices")
    name = models.CharField(_("name"), max_length=100)
    key_prefix = models.CharField(max_length=8, unique=True, editable=False)
    key_hash = models.CharField(max_length=128, editable=False)
    active = models.BooleanField(_("active"), default=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)

    scope_fields = ("org__path",)
    audit_exclude = ("last_seen_at", "key_hash")

    class Meta:
        verbose_name = _("sign-in device")
        verbose_name_plural = _("sign-in devices")

    def __str__(self):
        return self.name

    def audit_org_path(self):
        return self.org.path


def _upload_to(instance, filename):
    from django.utils import timezone

    ext = filename.rsplit(".", 1)[-1].lower()[:8] if "." in filename else "bin"
    return f"meetings/{timezone.now():%Y/%m}/{instance.meeting_id}-{uuid.uuid4().hex}.{ext}"


class MeetingFile(AuditedModel):
    """A photo or attachment of a meeting (the trace after it: 会后留痕). Stored through Django's storage under a
    random name; served only through the meeting's permission check, never as a public media URL."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        ATTACHMENT = "attachment", _("Attachment")

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=_upload_to)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    content_type = models.CharField(max_length=100, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    scope_fields = ("meeting__org_path",)

    class Meta:
        verbose_name = _("meeting file")
        verbose_name_plural = _("meeting files")
        ordering = ["meeting", "kind", "id"]

    def __str__(self):
        return self.name

    def audit_org_path(self):
        return self.meeting.org_path


MONTHS = tuple(f"m{m:02d}" for m in range(1, 13))


class MeetingTally(models.Model):
    """How many meetings of a type an organisation has held in each month of a year — the compliance table reads
    these short rows (a few hundred thousand for 60,000 organisations) instead of a year of meetings. Kept by
    tally.py: a meeting is counted once it has started (tallied), uncounted if it is cancelled afterwards."""

    org = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+")
    meeting_type = models.ForeignKey(MeetingType, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    for _month in MONTHS:
        locals()[_month] = models.PositiveIntegerField(default=0)
    del _month

    class Meta:
        verbose_name = _("meetings held per month")
        verbose_name_plural = _("meetings held per month")
        constraints = [models.UniqueConstraint(fields=["org", "meeting_type", "year"], name="uniq_meeting_tally")]

    def __str__(self):
        return f"{self.org_id} {self.meeting_type_id} {self.year}"
