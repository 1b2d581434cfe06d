"""Publications: everything an organisation publishes (党务公开 items, 公示, results, the yearly fee disclosure),
their attachments and the objections and comments lodged against a 公示; and the 党务公开 catalogue."""

import secrets
import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.core.models import VersionedModel


def new_token():
    return secrets.token_urlsafe(18)


class Audience(models.TextChoices):
    MEMBERS = "members", _("Members of the organisation")
    PLATFORM = "platform", _("Everyone on the platform")
    PUBLIC = "public", _("Public (anyone with the link)")


class PubState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    ARCHIVED = "archived", _("Archived")


class Frequency(models.TextChoices):
    MONTH = "month", _("Monthly")
    QUARTER = "quarter", _("Quarterly")
    HALF = "half", _("Half-yearly")
    YEAR = "year", _("Yearly")


class Reach(models.TextChoices):
    INSIDE = "inside", _("Inside the Party")
    OUTSIDE = "outside", _("Outside the Party too")


class CatalogueItem(VersionedModel):
    """One thing the organisations under `org` must disclose, how often and to whom (the 党务公开 catalogue)."""

    org = models.ForeignKey("orgs.Organization", verbose_name=_("defined by"), on_delete=models.PROTECT,
                            related_name="+")
    org_path = models.CharField(max_length=255, editable=False)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("what to disclose"), blank=True)
    frequency = models.CharField(_("how often"), max_length=8, choices=Frequency.choices)
    reach = models.CharField(_("to whom"), max_length=8, choices=Reach.choices, default=Reach.INSIDE)
    applies_to = models.JSONField(_("organisation types"), default=list, blank=True,
                                  help_text=_("Empty: every organisation under the committee"))
    active = models.BooleanField(_("in force"), default=True)
    sort_order = models.IntegerField(_("order"), default=0)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("disclosure catalogue item")
        verbose_name_plural = _("disclosure catalogue")
        ordering = ["org_path", "sort_order", "id"]

    def __str__(self):
        return self.title


class Publication(VersionedModel):
    org = models.ForeignKey("orgs.Organization", verbose_name=_("organisation"), on_delete=models.PROTECT,
                            related_name="+")
    org_path = models.CharField(max_length=255, editable=False, db_index=True)
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    audience = models.CharField(_("audience"), max_length=10, choices=Audience.choices, default=Audience.MEMBERS)
    state = models.CharField(_("state"), max_length=10, choices=PubState.choices, default=PubState.DRAFT)
    starts = models.DateField(_("displayed from"))
    ends = models.DateField(_("displayed until"), null=True, blank=True)
    days = models.PositiveSmallIntegerField(_("days"), null=True, blank=True)
    token = models.CharField(max_length=40, unique=True, default=new_token, editable=False)
    catalogue_item = models.ForeignKey(CatalogueItem, verbose_name=_("catalogue item"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="publications")
    source_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    source_id = models.CharField(max_length=64, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    ref = models.CharField(_("reference"), max_length=64, blank=True,
                           help_text=_("The publishing module's own key within the source, e.g. the year"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    closed_reason = models.CharField(_("reason"), max_length=300, blank=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ["-starts", "-id"]
        indexes = [
            models.Index(fields=["org_path"], name="pub_path_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["state", "audience", "starts"], name="pub_state_idx"),
            models.Index(fields=["source_type", "source_id", "ref"], name="pub_source_idx"),
        ]

    def __str__(self):
        return self.title

    @property
    def kind_info(self):
        from . import kinds

        try:
            return kinds.get(self.kind)
        except Exception:
            return kinds.Kind(self.kind, self.kind)

    def kind_label(self):
        return self.kind_info.label


class Attachment(models.Model):
    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="publications/%Y/%m")
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self):
        return self.name


class Objection(models.Model):
    """An objection or comment on a 公示. The key is a random UUID (no counter: the row's id says nothing of when
    it came). A named one records who (a person, or the name a visitor gave) and when; an anonymous one records
    only the day, the text and the answer — no person, user, address, browser or time of day."""

    class Type(models.TextChoices):
        OBJECTION = "objection", _("Objection")
        COMMENT = "comment", _("Comment")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="objections")
    type = models.CharField(_("type"), max_length=10, choices=Type.choices, default=Type.OBJECTION)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    author_name = models.CharField(_("name"), max_length=60, blank=True)
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    body = models.TextField(_("text"))
    on = models.DateField(_("date"))
    at = models.DateTimeField(_("time"), null=True, blank=True)  # named ones only
    reply = models.TextField(_("answer"), blank=True)
    replied_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["on", "body"]
        constraints = [
            models.CheckConstraint(name="objection_anonymous_has_no_author",
                                   condition=models.Q(anonymous=False) | models.Q(person__isnull=True, author_name="",
                                                                                  contact="", at__isnull=True)),
        ]

    def __str__(self):
        return self.body[:40]
