"""State changes of activities designed by members (党内活动，党员做主). Views, tasks and commands call these; each
owns its transaction, checks the caller's right through the scoping helper (outsiders get 404), validates
(DomainError names the field, nothing is written) and leaves an audit trail (the models are audited on save; each
state transition records one more entry).

Who does what: a post with meetings:manage over the organisation opens rounds and adopts proposals; the on-roll
Party members of the organisation's subtree propose and vote; posts with meetings:read over it look on.

Every change of a round takes the round's row lock first (then the audit chain's), so votes, withdrawals, the
clock's transitions and the adoption of one round are serialised: concurrent votes of one member cannot exceed
`votes_per_member`, and the unique constraint (proposal, voter) is the last line of defence against a double vote."""


from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import has_perm, require, scoped
from dangjian.audit import chain
from dangjian.core.context import acting_user
from dangjian.core.errors import DomainError
from dangjian.core.text import clean_moment, clean_text
from dangjian.meetings import services as meeting_services
from dangjian.meetings.models import MeetingType
from dangjian.orgs.models import Organization, OrgStatus, lineage
from dangjian.people.codes import MEMBER_STATUSES, ON_ROLL
from dangjian.people.models import Person

from . import rules
from .models import Proposal, Round, RoundState, Vote

MANAGE, READ = perms.MEETINGS_MANAGE, perms.MEETINGS_READ
DEFAULT_TYPE = "theme_day"  # an adopted activity counts as a 主题党日 unless the proposal or the manager says else


def _now(moment=None):
    return moment or timezone.now()


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _members_of(path):
    """The on-roll Party members of the subtree at `path` (a person's scope_path is their group's or
    organisation's path)."""
    return Person.objects.filter(scope_path__startswith=path, status__in=ON_ROLL,
                                 political_status__in=MEMBER_STATUSES)


def _member_person(user):
    """The user's Person if they are an on-roll Party member, else None."""
    pid = getattr(user, "person_id", None)
    if not pid:
        return None
    return (Person.objects.filter(pk=pid, status__in=ON_ROLL, political_status__in=MEMBER_STATUSES)
            .only("id", "name", "scope_path").first())


# ---- reading -------------------------------------------------------------------------------------------------

def member_paths(user):
    """The organisations whose rounds the user takes part in as a member: their own and every one above it."""
    person = _member_person(user)
    return lineage(person.scope_path) if person and person.scope_path else []


def visible_rounds(user):
    """Rounds of the user's subtrees (meetings:read) and of the organisations they are a member of."""
    paths = member_paths(user)
    return scoped(Round.objects.all(), user, READ, extra=Q(org_path__in=paths) if paths else None)


def get_round_or_404(user, pk, perm=READ):
    qs = visible_rounds(user) if perm == READ else scoped(Round.objects.all(), user, perm)
    try:
        return qs.select_related("org", "meeting", "adopted_proposal").get(pk=pk)
    except (Round.DoesNotExist, ValueError, TypeError):
        raise Http404


def get_proposal_or_404(rnd, pk):
    try:
        return Proposal.objects.select_related("proposer").get(round=rnd, pk=pk)
    except (Proposal.DoesNotExist, ValueError, TypeError):
        raise Http404


def takes_part(user, rnd):
    """May the user propose and vote in `rnd` (an on-roll Party member of its organisation's subtree)?"""
    person = _member_person(user)
    return person is not None and (person.scope_path or "").startswith(rnd.org_path)


def results(rnd):
    """The proposals with their vote counts, most votes first, withdrawn ones last (one query)."""
    return list(Proposal.objects.filter(round=rnd).select_related("proposer", "suggested_type")
                .annotate(n_votes=Count("votes")).order_by("withdrawn", "-n_votes", "id"))


def turnout(rnd):
    """How many members may vote and how many have voted (two queries)."""
    return {"members": _members_of(rnd.org_path).count(),
            "voted": Vote.objects.filter(round=rnd).values("voter").distinct().count()}


def my_votes(user, rnd):
    """The proposals the user voted for and how many votes they have left."""
    pid = getattr(user, "person_id", None)
    rows = list(Vote.objects.filter(round=rnd, voter_id=pid).values_list("proposal_id", "proposal__withdrawn")) \
        if pid else []
    used = sum(1 for _pk, withdrawn in rows if not withdrawn)
    return {"proposals": {pk for pk, _w in rows}, "used": used,
            "remaining": rules.remaining_votes(rnd.votes_per_member, used)}


# ---- the round's states ----------------------------------------------------------------------------------------

def _locked(user, pk, perm=READ):
    """The round, locked for the rest of the transaction; 404 if the user may not see (or, with a `perm`, act on)
    it."""
    if user is None:
        qs = Round.objects.all()
    else:
        qs = visible_rounds(user) if perm == READ else scoped(Round.objects.all(), user, perm)
    rnd = qs.select_for_update().filter(pk=pk).first()
    if rnd is None:
        raise Http404
    return rnd


def _transition(actor, rnd, action, note=""):
    try:
        new_state = rules.next_state(rnd.state, action)
    except ValueError:
        raise DomainError(_("Not possible: the round is “%(state)s”.") % {"state": rnd.get_state_display()},
                          field="state")
    before = rnd.state
    rnd.state = new_state
    rnd.version += 1
    rnd.save()
    chain.record(chain.AuditEntry.Action.TRANSITION, "activities.round", rnd.pk, object_repr=rnd.title,
                 org_path=rnd.org_path, before={"state": before}, after={"state": new_state, "action": action},
                 note=note, actor=acting_user(actor))
    return rnd


def _advance(rnd, now):
    """Bring the stored state of a locked round up to the clock (voting begins, voting ends)."""
    for action in rules.due_actions(rnd.state, rnd.voting_from, rnd.voting_until, now):
        _transition(None, rnd, action, note="clock")
    return rnd


def advance_due(moment=None):
    """Advance every round whose stored state lags behind the clock (a periodic task; safe to run twice).
    Returns the number of rounds advanced."""
    now = _now(moment)
    due = list(Round.objects.filter(Q(state=RoundState.OPEN, voting_from__lte=now)
                                    | Q(state=RoundState.VOTING, voting_until__lte=now)).values_list("pk", flat=True))
    done = 0
    for pk in due:
        with transaction.atomic():
            rnd = Round.objects.select_for_update().filter(pk=pk).first()
            if rnd is not None and rules.due_actions(rnd.state, rnd.voting_from, rnd.voting_until, now):
                _advance(rnd, now)
                done += 1
    return done


# ---- opening a round -------------------------------------------------------------------------------------------

@transaction.atomic
def open_round(actor, org, *, title, proposals_until, voting_from, voting_until, votes_per_member=1,
               description="", moment=None):
    """Open a call for proposals of `org` (meetings:manage over it)."""
    require(actor, MANAGE, org.path)
    if org.status != OrgStatus.ACTIVE:
        raise DomainError(_("A dissolved organisation opens no rounds."), field="org")
    title = clean_text(title, "title", rules.MAX_TITLE, required=True)
    description = clean_text(description, "description", rules.MAX_TEXT)
    proposals_until = clean_moment(proposals_until, "proposals_until")
    voting_from = clean_moment(voting_from, "voting_from")
    voting_until = clean_moment(voting_until, "voting_until")
    problem = rules.window_error(proposals_until, voting_from, voting_until, _now(moment))
    if problem is not None:
        field, what = problem
        raise DomainError({
            "past": _("The end of the proposals must be in the future."),
            "before_proposals": _("Voting begins when the proposals end, or later."),
            "before_start": _("The end of the voting must be after its beginning."),
        }[what], field=field)
    if isinstance(votes_per_member, bool) or not isinstance(votes_per_member, int) \
            or not 1 <= votes_per_member <= rules.MAX_VOTES_PER_MEMBER:
        raise DomainError(_("Between 1 and %(n)d votes.") % {"n": rules.MAX_VOTES_PER_MEMBER},
                          field="votes_per_member")
    rnd = Round(org=org, org_path=org.path, title=title, description=description, proposals_until=proposals_until,
                voting_from=voting_from, voting_until=voting_until, votes_per_member=votes_per_member,
                created_by=acting_user(actor))
    rnd.save()
    return rnd


# ---- proposing -------------------------------------------------------------------------------------------------

def _member(user, rnd, field):
    """The user's Person if they take part in `rnd`, else a DomainError on `field`."""
    person = _member_person(user)
    if person is None or not (person.scope_path or "").startswith(rnd.org_path):
        raise DomainError(_("Only the Party members of the organisation propose and vote in this round."),
                          field=field)
    return person


@transaction.atomic
def propose(user, rnd, *, title, description="", suggested_type=None, suggested_place="", suggested_time="",
            moment=None):
    """A member proposes an activity while the round takes proposals."""
    rnd = _locked(user, rnd.pk)
    now = _now(moment)
    _advance(rnd, now)
    person = _member(user, rnd, "proposer")
    if rnd.state != RoundState.OPEN or not rules.accepts_proposals(rnd.proposals_until, now):
        raise DomainError(_("Proposals were taken until %(at)s.") % {"at": _local(rnd.proposals_until)},
                          field="proposals_until")
    title = clean_text(title, "title", rules.MAX_TITLE, required=True)
    description = clean_text(description, "description", rules.MAX_TEXT)
    suggested_place = clean_text(suggested_place, "suggested_place", 200)
    suggested_time = clean_text(suggested_time, "suggested_time", 200)
    type_row = None
    if suggested_type:
        code = suggested_type.code if isinstance(suggested_type, MeetingType) else str(suggested_type)
        type_row = MeetingType.objects.filter(code=code).first()
        if type_row is None:
            raise DomainError(_("Choose a meeting type from the list."), field="suggested_type")
    proposal = Proposal(round=rnd, proposer=person, title=title, description=description, suggested_type=type_row,
                        suggested_place=suggested_place, suggested_time=suggested_time)
    proposal.save()
    return proposal


@transaction.atomic
def withdraw(user, proposal, moment=None):
    """The proposer (or a manager of the organisation) withdraws a proposal before the voting ends. Votes already
    cast for it no longer count, neither in the results nor against the voters' number of votes."""
    rnd = _locked(user, proposal.round_id)
    now = _now(moment)
    _advance(rnd, now)
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    proposal.round = rnd
    if proposal.proposer_id != getattr(user, "person_id", None) and not has_perm(user, MANAGE, rnd.org_path):
        raise DomainError(_("Only the proposer or the organisation's secretary may withdraw a proposal."),
                          field="proposal")
    if proposal.withdrawn:
        raise DomainError(_("This proposal was withdrawn."), field="proposal")
    if rnd.state not in (RoundState.OPEN, RoundState.VOTING) or rules.voting_ended(rnd.voting_until, now):
        raise DomainError(_("The voting has ended: the proposal stays."), field="voting_until")
    proposal.withdrawn, proposal.withdrawn_at = True, now
    proposal.version += 1
    proposal.save()
    return proposal


# ---- voting ----------------------------------------------------------------------------------------------------

@transaction.atomic
def vote(user, proposal, moment=None):
    """A member votes for a proposal: during the voting window, not for a withdrawn proposal, once per proposal and
    at most `votes_per_member` times in the round. The round's row lock serialises one round's votes."""
    rnd = _locked(user, proposal.round_id)
    now = _now(moment)
    _advance(rnd, now)
    person = _member(user, rnd, "voter")
    if rnd.state != RoundState.VOTING or not rules.voting_open(rnd.voting_from, rnd.voting_until, now):
        if now < rnd.voting_from:
            raise DomainError(_("Voting opens at %(at)s.") % {"at": _local(rnd.voting_from)}, field="voting_from")
        raise DomainError(_("Voting closed at %(at)s.") % {"at": _local(rnd.voting_until)}, field="voting_until")
    proposal = Proposal.objects.filter(pk=proposal.pk, round=rnd).first()
    if proposal is None:
        raise Http404
    proposal.round = rnd
    if proposal.withdrawn:
        raise DomainError(_("This proposal was withdrawn."), field="proposal")
    if Vote.objects.filter(proposal=proposal, voter=person).exists():
        raise DomainError(_("You have already voted for this proposal."), field="proposal")
    used = Vote.objects.filter(round=rnd, voter=person, proposal__withdrawn=False).count()
    if used >= rnd.votes_per_member:
        raise DomainError(_("You have no votes left in this round (%(n)d per member).") % {
            "n": rnd.votes_per_member}, field="votes_per_member")
    row = Vote(round=rnd, proposal=proposal, voter=person)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:  # the last line of defence: the same vote arrived twice at once
        raise DomainError(_("You have already voted for this proposal."), field="proposal")
    return row


# ---- adopting --------------------------------------------------------------------------------------------------

@transaction.atomic
def adopt(actor, rnd, proposal, *, starts_at, ends_at, place, types=None, moment=None):
    """After the voting, a manager adopts one proposal: it becomes a planned meeting of the round's organisation
    (topic and agenda from the proposal) inviting its Party members, who get the meeting notice."""
    rnd = _locked(actor, rnd.pk, perm=MANAGE)
    now = _now(moment)
    _advance(rnd, now)
    if rnd.state == RoundState.ADOPTED:
        raise DomainError(_("A proposal of this round has already been adopted."), field="state")
    if not rules.voting_ended(rnd.voting_until, now):
        raise DomainError(_("The voting ends at %(at)s: adopt a proposal after that.") % {
            "at": _local(rnd.voting_until)}, field="voting_until")
    pk = proposal.pk if isinstance(proposal, Proposal) else proposal
    try:
        proposal = Proposal.objects.filter(round=rnd, pk=pk).first() if pk not in (None, "") else None
    except (TypeError, ValueError):
        proposal = None
    if proposal is None:
        raise DomainError(_("Choose a proposal of this round."), field="proposal")
    if proposal.withdrawn:
        raise DomainError(_("This proposal was withdrawn."), field="proposal")
    if not types:
        types = [proposal.suggested_type_id or DEFAULT_TYPE]
    org = Organization.objects.get(pk=rnd.org_id)
    meeting = meeting_services.plan_meeting(
        actor, org=org, types=types, topic=proposal.title, agenda=proposal.description, starts_at=starts_at,
        ends_at=ends_at, place=place, invite={"orgs": [org]})
    rnd.adopted_proposal, rnd.meeting, rnd.adopted_at = proposal, meeting, now
    return _transition(actor, rnd, rules.Action.ADOPT)
