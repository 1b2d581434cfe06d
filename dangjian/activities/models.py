"""Activities designed by members (党内活动，党员做主): an organisation opens a round (a call for proposals for a
month or a theme), its members propose activities and vote on them within a window, and the secretary adopts one,
which becomes a planned meeting. Rules live in rules.py (pure) and services.py (state changes); this module only
stores."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.audit.mixins import AuditedModel
from dangjian.core.models import VersionedModel


class RoundState(models.TextChoices):
    OPEN = "open", _("Open for proposals")
    VOTING = "voting", _("Voting")
    CLOSED = "closed", _("Voting closed")
    ADOPTED = "adopted", _("Adopted")


class Round(AuditedModel, VersionedModel):
    """One call for proposals of an organisation (usually a branch). Proposals are taken until `proposals_until`,
    votes in [`voting_from`, `voting_until`); the stored `state` follows the clock through the transitions of
    rules.TRANSITIONS (services advance it), and a manager's adoption ends it with a planned meeting."""

    org = models.ForeignKey("orgs.Organization", verbose_name=_("organisation"), on_delete=models.PROTECT,
                            related_name="activity_rounds")
    org_path = models.CharField(max_length=255, editable=False, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("call for proposals"), blank=True)
    proposals_until = models.DateTimeField(_("proposals until"))
    voting_from = models.DateTimeField(_("voting from"))
    voting_until = models.DateTimeField(_("voting until"))
    votes_per_member = models.PositiveSmallIntegerField(_("votes per member"), default=1)
    state = models.CharField(_("state"), max_length=10, choices=RoundState.choices, default=RoundState.OPEN)
    adopted_proposal = models.ForeignKey("Proposal", verbose_name=_("adopted proposal"), null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+")
    meeting = models.ForeignKey("meetings.Meeting", verbose_name=_("meeting"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="activity_rounds")
    adopted_at = models.DateTimeField(_("adopted at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("opened by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("activity round")
        verbose_name_plural = _("activity rounds")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["org_path"], name="activity_round_path_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["state", "voting_until"], name="activity_round_state_idx"),
        ]

    def __str__(self):
        return self.title

    def audit_org_path(self):
        return self.org_path

    @property
    def phase(self):
        """What the round accepts now: open, waiting (proposals closed, voting not begun), voting, closed or
        adopted — from the stored state and the clock (the stored state may lag until a service advances it)."""
        from django.utils import timezone

        from . import rules

        return rules.phase(self.state, self.proposals_until, self.voting_from, self.voting_until, timezone.now())


class Proposal(AuditedModel, VersionedModel):
    """An activity proposed by a member of the round's organisation."""

    round = models.ForeignKey(Round, verbose_name=_("round"), on_delete=models.PROTECT, related_name="proposals")
    proposer = models.ForeignKey("people.Person", verbose_name=_("proposed by"), on_delete=models.PROTECT,
                                 related_name="activity_proposals")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    suggested_type = models.ForeignKey("meetings.MeetingType", verbose_name=_("suggested type"), to_field="code",
                                       null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    suggested_place = models.CharField(_("suggested place"), max_length=200, blank=True)
    suggested_time = models.CharField(_("suggested time"), max_length=200, blank=True)
    withdrawn = models.BooleanField(_("withdrawn"), default=False)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    scope_fields = ("round__org_path",)

    class Meta:
        verbose_name = _("activity proposal")
        verbose_name_plural = _("activity proposals")
        ordering = ["round", "id"]

    def __str__(self):
        return self.title

    def audit_org_path(self):
        return self.round.org_path


class Vote(AuditedModel):
    """One member's vote for one proposal. The unique constraint is the last line of defence against a double
    vote; the limit of votes per member is kept by services.vote under the round's row lock."""

    round = models.ForeignKey(Round, verbose_name=_("round"), on_delete=models.PROTECT, related_name="votes")
    proposal = models.ForeignKey(Proposal, verbose_name=_("proposal"), on_delete=models.PROTECT,
                                 related_name="votes")
    voter = models.ForeignKey("people.Person", verbose_name=_("voter"), on_delete=models.PROTECT,
                              related_name="activity_votes")
    created_at = models.DateTimeField(_("voted at"), auto_now_add=True)

    scope_fields = ("round__org_path",)

    class Meta:
        verbose_name = _("activity vote")
        verbose_name_plural = _("activity votes")
        ordering = ["round", "id"]
        constraints = [models.UniqueConstraint(fields=["proposal", "voter"], name="uniq_activity_vote")]
        indexes = [models.Index(fields=["round", "voter"], name="activity_vote_voter_idx")]

    def __str__(self):
        return f"{self.voter_id} → {self.proposal_id}"

    def audit_org_path(self):
        return self.round.org_path
