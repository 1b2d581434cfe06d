"""Heart-to-heart talks (谈心谈话, domain.md §4): who talked with whom, when and about what. A talk is never
edited: a correction is a new record that names the one it corrects, and the corrected one leaves the lists and
counts. Rules live in services.py; this module only stores."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.audit.mixins import AuditedModel
from dangjian.core.models import VersionedModel


class TalkKind(models.TextChoices):
    COMMITTEE = "committee", _("Between committee members")
    COMMITTEE_MEMBER = "committee_member", _("Committee member with a member")
    MEMBERS = "members", _("Between members")
    CHANGE = "change", _("On a change in the member's situation")
    OTHER = "other", _("Other")


class CurrentTalkManager(models.Manager):
    """Talks that no correction has replaced: what lists and counts use."""

    def get_queryset(self):
        return super().get_queryset().filter(corrections__isnull=True)


class Talk(AuditedModel, VersionedModel):
    """One talk between two people, recorded under an organisation (whose subtree may read it)."""

    org = models.ForeignKey("orgs.Organization", verbose_name=_("recorded under"), on_delete=models.PROTECT,
                            related_name="talks")
    org_path = models.CharField(max_length=255, editable=False, db_index=True)
    talked_on = models.DateField(_("date of the talk"))
    initiator = models.ForeignKey("people.Person", verbose_name=_("talked"), on_delete=models.PROTECT,
                                  related_name="talks_initiated")
    counterpart = models.ForeignKey("people.Person", verbose_name=_("talked with"), on_delete=models.PROTECT,
                                    related_name="talks_received")
    kind = models.CharField(_("kind of talk"), max_length=20, choices=TalkKind.choices)
    topic = models.CharField(_("topic"), max_length=200)
    summary = models.TextField(_("summary"))
    follow_up = models.TextField(_("follow-up"), blank=True)
    corrects = models.ForeignKey("self", verbose_name=_("corrects"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="corrections")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = models.Manager()
    current = CurrentTalkManager()

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("heart-to-heart talk")
        verbose_name_plural = _("heart-to-heart talks")
        ordering = ["-talked_on", "-id"]
        indexes = [
            models.Index(fields=["org_path"], name="talk_path_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["talked_on"], name="talk_date_idx"),
            models.Index(fields=["counterpart", "talked_on"], name="talk_counterpart_idx"),
            models.Index(fields=["initiator", "talked_on"], name="talk_initiator_idx"),
        ]
        constraints = [
            # A talk is corrected once; a further change corrects the correction. Two simultaneous corrections
            # of one talk cannot both be written.
            models.UniqueConstraint(fields=["corrects"], condition=models.Q(corrects__isnull=False),
                                    name="uniq_talk_correction"),
            models.CheckConstraint(condition=~models.Q(initiator=models.F("counterpart")),
                                   name="talk_two_people"),
        ]

    def __str__(self):
        return self.topic

    def audit_org_path(self):
        return self.org_path

    def save(self, *args, **kwargs):
        if not self._state.adding:
            from dangjian.core.errors import DomainError

            raise DomainError(_("A talk is not edited: record a correction instead."))
        super().save(*args, **kwargs)
