from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dangjian.audit.mixins import AuditedModel
from dangjian.core.models import VersionedModel

PATH_STEP = 8  # each level of the materialized path is the organisation's id, zero-padded to 8 digits


def path_segment(pk):
    return f"{pk:0{PATH_STEP}d}"


def lineage(path):
    """The paths of the organisation at `path` and of all above it, root first."""
    return [path[:i] for i in range(PATH_STEP, len(path or "") + 1, PATH_STEP)]


class OrgType(models.TextChoices):
    HIGHER_COMMITTEE = "higher_committee", _("Higher Party committee")
    COMMITTEE = "committee", _("Grassroots Party committee")
    GENERAL_BRANCH = "general_branch", _("General Party branch")
    BRANCH = "branch", _("Party branch")
    GROUP = "group", _("Party group")


class OrgStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("organisation status", "Active")
    DISSOLVED = "dissolved", _("Dissolved")


class Organization(AuditedModel, VersionedModel):
    """A Party organisation. The tree is a materialized path: `path` = the ancestors' and own ids, 8 digits
    each, so a subtree is `path LIKE 'prefix%'` on an indexed column. Never hard-deleted: dissolved instead."""

    name = models.CharField(_("name"), max_length=120)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    org_type = models.CharField(_("type"), max_length=20, choices=OrgType.choices)
    code = models.CharField(_("code"), max_length=40, unique=True, help_text=_("Stable unique code"))
    parent = models.ForeignKey(
        "self", verbose_name=_("parent organisation"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), default=1, editable=False)
    is_joint = models.BooleanField(_("joint branch"), default=False,
                                   help_text=_("A joint branch (联合党支部) covering several units"))
    founded_on = models.DateField(_("founding date"), null=True, blank=True)
    term_start = models.DateField(_("committee term start"), null=True, blank=True)
    term_end = models.DateField(_("committee term end"), null=True, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=60, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=OrgStatus.choices, default=OrgStatus.ACTIVE)
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)
    sort_order = models.IntegerField(_("order"), default=0)

    scope_fields = ("path",)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["path"], name="org_path_like_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["org_type", "status"], name="org_type_status_idx"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_active(self):
        return self.status == OrgStatus.ACTIVE

    @property
    def display_name(self):
        return self.short_name or self.name

    def audit_org_path(self):
        return self.path

    def delete(self, *args, **kwargs):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("Organisations are never deleted; dissolve them instead.")

    def ancestor_paths(self):
        step = PATH_STEP
        return [self.path[: i * step] for i in range(1, self.depth)]

    def ancestors(self):
        return Organization.objects.filter(path__in=self.ancestor_paths()).order_by("depth")


class OrgEvent(models.Model):
    """The organisation's history: creation, renames, moves, term changes, dissolution. Append-only."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Founded")
        UPDATED = "updated", _("Details changed")
        RENAMED = "renamed", _("Renamed")
        MOVED = "moved", _("Moved to another parent")
        TERM = "term", _("New committee term")
        DISSOLVED = "dissolved", _("Dissolved")

    org = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)
    at = models.DateTimeField(_("time"), auto_now_add=True)
    on = models.DateField(_("effective date"), null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    data = models.JSONField(_("details"), default=dict, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("organisation event")
        verbose_name_plural = _("organisation events")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.org} {self.get_kind_display()}"
