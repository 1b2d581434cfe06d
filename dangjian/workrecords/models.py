"""The base-work ledger (党建基础工作) and the branch work feed (支部工作动态).

A committee defines the items of base work its subtree keeps (`WorkItem`: 基础工作标准, 支部建设, 发展党员 …, each
with a frequency and how many records a period expects). Organisations file `WorkRecord`s against an item: by hand
(text, photos, attachments) or fed automatically by the platform's own modules (a meeting recorded, an exam month
closed, a fee hand-over received), linked to their source by content type and id. Rules live in rules.py and
services.py; this module only stores."""

import os
import uuid

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.audit.mixins import AuditedModel
from dangjian.core.models import VersionedModel


class Frequency(models.TextChoices):
    MONTH = "month", _("Monthly")
    QUARTER = "quarter", _("Quarterly")
    HALF_YEAR = "half_year", _("Half-yearly")
    YEAR = "year", _("Yearly")


class WorkItem(AuditedModel, VersionedModel):
    """One item of base work defined by a committee for its subtree (e.g. 支部工作动态, monthly, one record)."""

    org = models.ForeignKey("orgs.Organization", verbose_name=_("defined by"), on_delete=models.PROTECT,
                            related_name="work_items")
    org_path = models.CharField(max_length=255, editable=False)
    code = models.CharField(_("code"), max_length=40)
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices, default=Frequency.MONTH)
    expected_count = models.PositiveSmallIntegerField(_("records expected per period"), default=1)
    applies_to = models.JSONField(_("kept by"), default=list, blank=True,
                                  help_text=_("Organisation types that keep this item"))
    siblings_visible = models.BooleanField(_("open to the other organisations"), default=False,
                                           help_text=_("Organisations of the committee see each other's records "
                                                       "of this item (横向交流)"))
    source_kind = models.CharField(_("fed automatically from"), max_length=60, blank=True)
    active = models.BooleanField(_("in use"), default=True)
    sort_order = models.IntegerField(_("order"), default=0)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("work item")
        verbose_name_plural = _("work items")
        ordering = ["sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["org", "code"], name="uniq_workitem_org_code")]

    def __str__(self):
        return self.title

    def audit_org_path(self):
        return self.org_path


class WorkRecord(AuditedModel):
    """What an organisation did for an item on a day. `source_type`/`source_id` link a record fed by another
    module to its origin (one record per source)."""

    item = models.ForeignKey(WorkItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="records")
    org = models.ForeignKey("orgs.Organization", verbose_name=_("organisation"), on_delete=models.PROTECT,
                            related_name="work_records")
    org_path = models.CharField(max_length=255, editable=False)
    date = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"), blank=True)  # sanitised HTML
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    source_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("work record")
        verbose_name_plural = _("work records")
        ordering = ["-date", "-id"]
        constraints = [models.UniqueConstraint(fields=["source_type", "source_id"], name="uniq_workrecord_source",
                                               condition=models.Q(source_type__isnull=False))]
        indexes = [
            models.Index(fields=["org_path", "item", "date"], name="workrecord_path_item_date",
                         opclasses=["varchar_pattern_ops", "int8_ops", "date_ops"]),
            models.Index(fields=["item", "date"], name="workrecord_item_date"),
        ]

    def __str__(self):
        return self.title

    def audit_org_path(self):
        return self.org_path

    @property
    def is_fed(self):
        return self.source_type_id is not None


def _upload_to(instance, filename):
    ext = os.path.splitext(filename)[1].lower()[:10]
    return f"workrecords/{uuid.uuid4().hex}{ext}"


class WorkRecordFile(AuditedModel):
    """A photo or attachment of a record; served only through the record's visibility check."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        ATTACHMENT = "attachment", _("Attachment")

    record = models.ForeignKey(WorkRecord, verbose_name=_("record"), on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=_upload_to)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    content_type = models.CharField(max_length=100, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    scope_fields = ("record__org_path",)

    class Meta:
        verbose_name = _("work record file")
        verbose_name_plural = _("work record files")
        ordering = ["id"]

    def __str__(self):
        return self.name

    def audit_org_path(self):
        return self.record.org_path


class Comment(AuditedModel):
    """A remark on a record: the committee's review, or a sibling's exchange."""

    record = models.ForeignKey(WorkRecord, verbose_name=_("record"), on_delete=models.CASCADE,
                               related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True,
                               on_delete=models.SET_NULL, related_name="+")
    author_org = models.ForeignKey("orgs.Organization", verbose_name=_("organisation"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    text = models.CharField(_("comment"), max_length=1000)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_fields = ("record__org_path",)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.text[:60]

    def audit_org_path(self):
        return self.record.org_path


class Bookmark(models.Model):
    """“Learn from” (学习借鉴): a user keeps a record to come back to."""

    record = models.ForeignKey(WorkRecord, on_delete=models.CASCADE, related_name="bookmarks")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["record", "user"], name="uniq_workrecord_bookmark")]
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.user_id} → {self.record_id}"
