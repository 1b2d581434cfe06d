"""The regulations library (手机规章): documents filed under categories, each a chain of immutable published
versions (the current one is the latest that has taken effect; the history is kept), and the search tokens of
every version. Rules live in rules.py and services.py; this module only stores."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.audit.mixins import AuditedModel
from dangjian.core.models import VersionedModel


class Category(AuditedModel, VersionedModel):
    """A shelf of the library (党建规章, 客运规章, 安全应急预案 …): global (no organisation, kept by the platform's
    administrators) or an organisation's own, seen by the same people as its documents."""

    org = models.ForeignKey("orgs.Organization", verbose_name=_("organisation"), null=True, blank=True,
                            on_delete=models.PROTECT, related_name="regulation_categories")
    org_path = models.CharField(max_length=255, blank=True, editable=False)  # "" for a global category
    name = models.CharField(_("name"), max_length=60)
    sort_order = models.IntegerField(_("order"), default=0)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("regulation category")
        verbose_name_plural = _("regulation categories")
        ordering = ["sort_order", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["org_path", "name"], name="uniq_regcat_org_name")]

    def __str__(self):
        return self.name

    def audit_org_path(self):
        return self.org_path


class RegulationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("In force")
    REPEALED = "repealed", _("Repealed")


class Regulation(AuditedModel, VersionedModel):
    """One document of the library, placed under the organisation that issues it: everyone whose organisation is
    in that subtree reads it. Its text lives in its versions; `version` (optimistic concurrency) is bumped by every
    change, a new published version included."""

    org = models.ForeignKey("orgs.Organization", verbose_name=_("organisation"), on_delete=models.PROTECT,
                            related_name="regulations")
    org_path = models.CharField(max_length=255, editable=False)
    category = models.ForeignKey(Category, verbose_name=_("category"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="regulations")
    title = models.CharField(_("title"), max_length=200)
    doc_number = models.CharField(_("document number"), max_length=100, blank=True)
    issuer = models.CharField(_("issued by"), max_length=120, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=RegulationStatus.choices,
                              default=RegulationStatus.DRAFT)
    first_published_at = models.DateTimeField(_("first published"), null=True, blank=True)
    last_published_at = models.DateTimeField(_("last updated"), null=True, blank=True)
    repealed_on = models.DateField(_("repealed on"), null=True, blank=True)
    repeal_note = models.CharField(_("reason for repeal"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+")

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("regulation")
        verbose_name_plural = _("regulations")
        ordering = ["-last_published_at", "-id"]
        indexes = [
            models.Index(fields=["org_path"], name="reg_path_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["status", "last_published_at"], name="reg_status_updated_idx"),
        ]

    def __str__(self):
        return self.title

    def audit_org_path(self):
        return self.org_path


def _attachment_to(instance, filename):
    from django.utils import timezone

    return f"regulations/{timezone.now():%Y/%m}/{instance.regulation_id}-{uuid.uuid4().hex}.pdf"


class RegulationVersion(AuditedModel):
    """One published edition of a document. Never edited: a correction or a new edition is a new version.
    The body is stored as sanitised HTML (`body_html`) and as its plain text (`body_text`, for search snippets)."""

    regulation = models.ForeignKey(Regulation, verbose_name=_("regulation"), on_delete=models.PROTECT,
                                   related_name="versions")
    number = models.PositiveIntegerField(_("version number"))
    title = models.CharField(_("title"), max_length=200)
    body_html = models.TextField(_("text"))
    body_text = models.TextField(editable=False)
    effective_on = models.DateField(_("effective from"))
    published_at = models.DateTimeField(_("published at"))
    change_summary = models.TextField(_("what changed"), blank=True)
    attachment = models.FileField(_("attachment (PDF)"), upload_to=_attachment_to, blank=True)
    attachment_name = models.CharField(max_length=200, blank=True)
    attachment_size = models.PositiveIntegerField(default=0)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("published by"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")

    scope_fields = ("regulation__org_path",)
    audit_exclude = ("body_text",)

    class Meta:
        verbose_name = _("regulation version")
        verbose_name_plural = _("regulation versions")
        ordering = ["regulation", "-number"]
        constraints = [
            # Two people publishing "the next version" at once cannot both write number n+1.
            models.UniqueConstraint(fields=["regulation", "number"], name="uniq_regversion_number"),
        ]
        indexes = [models.Index(fields=["published_at"], name="regversion_published_idx")]

    def __str__(self):
        return f"{self.title} (v{self.number})"

    def audit_org_path(self):
        return self.regulation.org_path

    def save(self, *args, **kwargs):
        if not self._state.adding:
            from dangjian.core.errors import DomainError

            raise DomainError(_("A published version is not edited: publish a new version instead."))
        super().save(*args, **kwargs)


class SearchToken(models.Model):
    """A distinct token of a version's title and text (jieba, see rules.tokens), with its frequency and whether
    the title has it. One row per (version, token): the unique index serves "does version v have token t"
    and dropping a version's tokens; the index on `token` serves finding the versions of a rare token."""

    version = models.ForeignKey(RegulationVersion, on_delete=models.CASCADE, related_name="tokens",
                                db_index=False)
    token = models.CharField(max_length=40)
    count = models.PositiveIntegerField(default=1)
    in_title = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "token"], name="uniq_regtoken_version_token")]
        indexes = [models.Index(fields=["token"], name="regtoken_token_idx")]

    def __str__(self):
        return self.token
