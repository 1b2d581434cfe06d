"""Learning content and credits (学分制): items to read or watch, who they are assigned to, each person's reading
progress, the credit rules of the organisations and the credit ledger. Rules live in rules.py (pure) and
services.py (state changes); this module only stores.

- A LearningItem belongs to an organisation (whose managers keep it). It is edited freely while a draft; once
  published only its wording (title, summary, text) may be corrected — reading time, credits, kind and file are
  fixed, a change there is a new item ("copy as a new draft"), so that what people completed stays what it was.
- An Assignment gives an item to the Party members on the roll of an organisation's subtree, or to one person.
- Progress is one row per person and item: seconds read as counted by the server from the page's heartbeats,
  completed once the item's minimum time is reached. Not audited (a heartbeat every 15 s); the credit it earns is.
- CreditRule: an organisation's rule for its subtree (the nearest rule wins).
- CreditEntry: the ledger. Never edited or deleted: unique per source (awarding twice is impossible), a correction
  is a new entry naming the one it corrects.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dangjian.audit.mixins import AuditedModel
from dangjian.core.models import VersionedModel


class ItemKind(models.TextChoices):
    ARTICLE = "article", _("Article")
    DOCUMENT = "document", _("Document")
    VIDEO = "video", _("Video")


class ItemStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


def _upload_to(instance, filename):
    from django.utils import timezone

    ext = filename.rsplit(".", 1)[-1].lower()[:8] if "." in filename else "bin"
    return f"learning/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{ext}"


class LearningItem(AuditedModel, VersionedModel):
    """An article, a document (PDF) or a video that members read or watch for a minimum time and earn credits."""

    org = models.ForeignKey("orgs.Organization", verbose_name=_("published by"), on_delete=models.PROTECT,
                            related_name="learning_items")
    org_path = models.CharField(max_length=255, editable=False)
    kind = models.CharField(pgettext_lazy("learning", "kind"), max_length=10, choices=ItemKind.choices)
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    body = models.TextField(_("text"), blank=True)  # sanitised HTML (core/richtext.py)
    file = models.FileField(_("file"), upload_to=_upload_to, blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    file_size = models.PositiveIntegerField(_("size"), default=0)
    file_type = models.CharField(max_length=100, blank=True)
    video_url = models.CharField(_("video address"), max_length=500, blank=True)
    min_minutes = models.PositiveSmallIntegerField(_("minimum reading time (minutes)"), default=5)
    credits = models.DecimalField(_("credits"), max_digits=5, decimal_places=1, default=1)
    status = models.CharField(_("status"), max_length=10, choices=ItemStatus.choices, default=ItemStatus.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    deadline = models.DateField(_("open until"), null=True, blank=True,
                                help_text=_("Reading after this day no longer counts."))
    copied_from = models.ForeignKey("self", verbose_name=_("new version of"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="copies")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("learning item")
        verbose_name_plural = _("learning items")
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["org_path"], name="learning_item_path_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["status", "published_at"], name="learning_item_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(min_minutes__gte=1), name="learning_item_min_minutes"),
            models.CheckConstraint(condition=models.Q(credits__gte=0), name="learning_item_credits"),
        ]

    def __str__(self):
        return self.title

    def audit_org_path(self):
        return self.org_path

    @property
    def required_seconds(self):
        return self.min_minutes * 60

    @property
    def is_published(self):
        return self.status == ItemStatus.PUBLISHED


class Assignment(AuditedModel):
    """An item given to the Party members on the roll of an organisation's subtree (`org`), or to one person."""

    item = models.ForeignKey(LearningItem, verbose_name=_("learning item"), on_delete=models.CASCADE,
                             related_name="assignments")
    org = models.ForeignKey("orgs.Organization", verbose_name=_("organisation"), null=True, blank=True,
                            on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, blank=True, editable=False)  # the target organisation's path
    person = models.ForeignKey("people.Person", verbose_name=_("person"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="learning_assignments")
    required = models.BooleanField(_("required"), default=True)
    due_on = models.DateField(_("due"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assigned by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("assigned at"), auto_now_add=True)

    scope_fields = ("item__org_path",)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["item", "id"]
        indexes = [
            models.Index(fields=["org_path"], name="learning_assign_path_idx", opclasses=["varchar_pattern_ops"]),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(org__isnull=True, person__isnull=False)
                                   | models.Q(org__isnull=False, person__isnull=True),
                                   name="learning_assign_one_target"),
            models.UniqueConstraint(fields=["item", "org"], condition=models.Q(org__isnull=False),
                                    name="uniq_learning_assign_org"),
            models.UniqueConstraint(fields=["item", "person"], condition=models.Q(person__isnull=False),
                                    name="uniq_learning_assign_person"),
        ]

    def __str__(self):
        return f"{self.item_id} → {self.org_id or ''}{self.person_id or ''}"

    def audit_org_path(self):
        return self.item.org_path


class Progress(models.Model):
    """One person's reading of one item. `seconds` is what the server counted from the heartbeats (rules.py);
    `completed_at` is set once, when `seconds` reaches the item's minimum."""

    item = models.ForeignKey(LearningItem, verbose_name=_("learning item"), on_delete=models.CASCADE,
                             related_name="progress")
    person = models.ForeignKey("people.Person", verbose_name=_("person"), on_delete=models.CASCADE,
                               related_name="learning_progress")
    seconds = models.PositiveIntegerField(_("seconds read"), default=0)
    pings = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    last_ping_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    scope_fields = ("person__scope_path",)

    class Meta:
        verbose_name = _("reading progress")
        verbose_name_plural = _("reading progress")
        constraints = [models.UniqueConstraint(fields=["person", "item"], name="uniq_learning_progress")]
        indexes = [models.Index(fields=["item", "completed_at"], name="learning_progress_item_idx")]

    def __str__(self):
        return f"{self.person_id}/{self.item_id}: {self.seconds}s"


class CreditRule(AuditedModel, VersionedModel):
    """An organisation's credit rule for its subtree; the rule of the nearest organisation above a person (their
    own included) applies, else the platform default (rules.DEFAULT_RULE)."""

    org = models.OneToOneField("orgs.Organization", verbose_name=_("organisation"), on_delete=models.PROTECT,
                               related_name="credit_rule")
    credits_per_item = models.DecimalField(_("credits per completed item"), max_digits=5, decimal_places=1,
                                           null=True, blank=True,
                                           help_text=_("Empty: each item's own credits."))
    credits_per_exam = models.DecimalField(_("credits per exam passed"), max_digits=5, decimal_places=1, default=2)
    yearly_target = models.DecimalField(_("yearly target"), max_digits=6, decimal_places=1, default=50)
    note = models.CharField(_("note"), max_length=300, blank=True)

    scope_fields = ("org__path",)

    class Meta:
        verbose_name = _("credit rule")
        verbose_name_plural = _("credit rules")
        constraints = [
            models.CheckConstraint(condition=models.Q(credits_per_item__isnull=True)
                                   | models.Q(credits_per_item__gte=0), name="credit_rule_item"),
            models.CheckConstraint(condition=models.Q(credits_per_exam__gte=0), name="credit_rule_exam"),
            models.CheckConstraint(condition=models.Q(yearly_target__gte=0), name="credit_rule_target"),
        ]

    def __str__(self):
        return str(self.org_id)

    def audit_org_path(self):
        return self.org.path


class CreditSource(models.TextChoices):
    ITEM = "item", _("Learning")
    EXAM = "exam", _("Exams")
    MANUAL = "manual", _("Recorded by hand")
    CORRECTION = "correction", _("Correction")


class CreditEntry(AuditedModel):
    """One line of a person's credit ledger. `source_key` is unique per person ("item:<id>", "exam:<yyyy-mm>:<tier>",
    "manual:<uuid>", "correction:<uuid>"), so awarding the same source twice cannot happen. Never edited."""

    person = models.ForeignKey("people.Person", verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="credit_entries")
    year = models.PositiveSmallIntegerField(_("year"))
    points = models.DecimalField(_("credits"), max_digits=6, decimal_places=1)
    source = models.CharField(_("source"), max_length=12, choices=CreditSource.choices)
    source_key = models.CharField(max_length=80, editable=False)
    ref = models.CharField(_("reference"), max_length=80, blank=True)
    item = models.ForeignKey(LearningItem, verbose_name=_("learning item"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="credit_entries")
    corrects = models.ForeignKey("self", verbose_name=_("corrects"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="corrections")
    note = models.CharField(_("note"), max_length=300, blank=True)
    earned_on = models.DateField(_("date"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_fields = ("person__scope_path",)

    class Meta:
        verbose_name = _("credit entry")
        verbose_name_plural = _("credit entries")
        ordering = ["-earned_on", "-id"]
        indexes = [models.Index(fields=["person", "year"], name="credit_person_year_idx")]
        constraints = [
            models.UniqueConstraint(fields=["person", "source_key"], name="uniq_credit_source"),
        ]

    def __str__(self):
        return f"{self.person_id} {self.year} {self.points} ({self.source_key})"

    def audit_org_path(self):
        return self.person.scope_path

    def save(self, *args, **kwargs):
        if not self._state.adding:
            from dangjian.core.errors import DomainError

            raise DomainError(_("A credit entry is not edited: record a correction instead."))
        super().save(*args, **kwargs)
