"""Notices (a message to one person, in the platform inbox and through the channels) and announcements (通知公告:
an organisation's message to an audience, with read receipts per version)."""

import uuid

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.audit.mixins import AuditedModel
from dangjian.core.models import VersionedModel


class Notice(models.Model):
    """A message to a person: the bell's inbox. `link` is a path inside the platform that opens the thing it is
    about; `source` (generic) names that thing (a meeting, an announcement, a month's dues …)."""

    person = models.ForeignKey("people.Person", verbose_name=_("person"), on_delete=models.CASCADE,
                               related_name="inbox")
    kind = models.CharField(_("kind"), max_length=20)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    source_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="+")
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-id"]
        indexes = [
            # the bell: COUNT(*) WHERE person_id = ? AND read_at IS NULL reads this small partial index only
            models.Index(fields=["person"], condition=Q(read_at__isnull=True), name="notice_unread_idx"),
            models.Index(fields=["person", "-created_at", "-id"], name="notice_inbox_idx"),
            models.Index(fields=["source_type", "source_id"], name="notice_source_idx"),
        ]

    def __str__(self):
        return self.title


class AudienceKind(models.TextChoices):
    SUBTREE = "subtree", _("The whole organisation (its subtree)")
    ORGS = "orgs", _("Chosen organisations")
    POSTS = "posts", _("Posts (e.g. all branch secretaries)")


class AnnouncementState(models.TextChoices):
    PUBLISHING = "publishing", _("Being sent")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Announcement(AuditedModel, VersionedModel):
    """An announcement (通知公告) by an organisation to an audience. `revision` is the content's version: a
    substantive edit raises it and asks everyone to read (and confirm) again; `version` (VersionedModel) is the
    row's, for stale-edit checks. Withdrawn announcements are kept, marked."""

    org = models.ForeignKey("orgs.Organization", verbose_name=_("organisation"), on_delete=models.PROTECT,
                            related_name="announcements")
    org_path = models.CharField(max_length=255, editable=False, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    audience_kind = models.CharField(_("audience"), max_length=10, choices=AudienceKind.choices,
                                     default=AudienceKind.SUBTREE)
    audience_orgs = models.ManyToManyField("orgs.Organization", verbose_name=_("organisations"), blank=True,
                                           related_name="+")
    audience_roles = models.JSONField(_("posts"), default=list, blank=True)
    members_only = models.BooleanField(_("Party members only"), default=True)
    must_read = models.BooleanField(_("must read"), default=False)
    deadline = models.DateTimeField(_("read by"), null=True, blank=True)
    pinned = models.BooleanField(_("pinned"), default=False)
    remind_every_days = models.PositiveSmallIntegerField(_("remind every (days)"), null=True, blank=True)
    last_reminded_at = models.DateTimeField(_("last reminded"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=AnnouncementState.choices,
                             default=AnnouncementState.PUBLISHING)
    revision = models.PositiveIntegerField(_("revision"), default=1)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdraw_reason = models.CharField(_("reason"), max_length=300, blank=True)
    recipients_total = models.PositiveIntegerField(_("recipients"), default=0)
    recipients_written = models.PositiveIntegerField(default=0)
    cursor = models.PositiveBigIntegerField(default=0, editable=False)  # last person id written (resumable)
    created_by = models.ForeignKey("accounts.User", verbose_name=_("sent by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    scope_fields = ("org_path",)
    audit_exclude = ("created_at", "updated_at", "version", "recipients_written", "cursor", "last_reminded_at")

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-pinned", "-published_at", "-id"]

    def __str__(self):
        return self.title

    def audit_org_path(self):
        return self.org_path

    @property
    def progress(self):
        if not self.recipients_total:
            return 100
        return min(100, round(100 * self.recipients_written / self.recipients_total))


def _upload_to(instance, filename):
    ext = filename.rsplit(".", 1)[-1].lower()[:8] if "." in filename else "bin"
    return f"notices/{timezone.now():%Y/%m}/{instance.announcement_id}-{uuid.uuid4().hex}.{ext}"


class Attachment(models.Model):
    """A file of an announcement, stored under a random name and served only to those who may read it."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=_upload_to)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    content_type = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self):
        return self.name


class Receipt(models.Model):
    """One recipient of one revision of an announcement; `read_at` is set when they read (or, for a must-read
    announcement, confirm) it. `org_path` is the recipient's place in the tree when it was sent (for rates)."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="receipts")
    revision = models.PositiveIntegerField()
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    org_path = models.CharField(max_length=255)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("read receipt")
        verbose_name_plural = _("read receipts")
        constraints = [models.UniqueConstraint(fields=["announcement", "revision", "person"],
                                               name="receipt_once_per_revision")]
        indexes = [models.Index(fields=["announcement", "revision", "org_path"], name="receipt_org_idx"),
                   models.Index(fields=["person", "read_at"], name="receipt_person_idx")]

    def __str__(self):
        return f"{self.announcement_id}/{self.revision}/{self.person_id}"
