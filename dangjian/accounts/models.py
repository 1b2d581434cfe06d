from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.audit.mixins import AuditedModel


class User(AbstractUser):
    """A login. The person behind it (if any) carries the posts that grant rights."""

    person = models.OneToOneField("people.Person", verbose_name=_("person"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="user")

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.person.name if self.person_id and self.person else self.username


class Role(models.TextChoices):
    SECRETARY = "secretary", _("Secretary")
    DEPUTY_SECRETARY = "deputy_secretary", _("Deputy secretary")
    ORGANISATION = "organisation", _("Organisation committee member")
    PROPAGANDA = "propaganda", _("Propaganda committee member")
    DISCIPLINE = "discipline", _("Discipline inspection committee member")
    GROUP_LEADER = "group_leader", _("Party group leader")
    PARTY_WORKER = "party_worker", _("Party affairs worker")
    FEE_COLLECTOR = "fee_collector", _("Party fee collector")


COMMITTEE_ROLES = (Role.SECRETARY, Role.DEPUTY_SECRETARY, Role.ORGANISATION, Role.PROPAGANDA, Role.DISCIPLINE)


class PostQuerySet(models.QuerySet):
    def active(self, on=None):
        on = on or timezone.localdate()
        return self.filter(start_date__lte=on).filter(models.Q(end_date__isnull=True) | models.Q(end_date__gte=on))


class Post(AuditedModel):
    """A post (职务) held by a person in an organisation for a term; grants rights over its subtree."""

    person = models.ForeignKey("people.Person", verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="posts")
    org = models.ForeignKey("orgs.Organization", verbose_name=_("organisation"), on_delete=models.PROTECT,
                            related_name="posts")
    role = models.CharField(_("post"), max_length=20, choices=Role.choices)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PostQuerySet.as_manager()
    scope_fields = ("org__path",)

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["org__path", "role", "start_date"]
        indexes = [models.Index(fields=["person", "end_date"], name="post_person_idx"),
                   models.Index(fields=["org", "role"], name="post_org_role_idx")]

    def __str__(self):
        return f"{self.org} {self.get_role_display()} {self.person}"

    def audit_org_path(self):
        return self.org.path

    def is_active(self, on=None):
        on = on or timezone.localdate()
        return self.start_date <= on and (self.end_date is None or self.end_date >= on)
