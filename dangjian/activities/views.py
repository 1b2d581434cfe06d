"""Pages of activities designed by members: thin callers of services.py. A round is seen by the posts with
meetings:read over its organisation and by the Party members of that organisation; managing needs meetings:manage
there. Outsiders get 404 on every page and action."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.accounts.decorators import require_anywhere
from dangjian.accounts.scoping import has_perm, has_perm_anywhere
from dangjian.core.errors import messages_of
from dangjian.orgs.forms import add_domain_error
from dangjian.orgs.models import Organization
from dangjian.orgs.services import active_orgs_for

from . import rules, services
from .forms import AdoptForm, ProposalForm, RoundForm
from .models import Proposal, Vote
from .services import MANAGE

PAGE_SIZE = 20
ORG_LIMIT = 500


def _count(model, **filters):
    rows = (model.objects.filter(round=OuterRef("pk"), **filters).order_by().values("round")
            .annotate(n=Count("id")).values("n"))
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


# ---------------------------------------------------------------------------------------------------- list

@login_required
def round_list(request):
    """The rounds of my organisations (as a member) and of the subtrees my posts cover, newest first."""
    user = request.user
    qs = (services.visible_rounds(user).select_related("org")
          .annotate(n_proposals=_count(Proposal, withdrawn=False), n_votes=_count(Vote))
          .order_by("-created_at", "-id"))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "activities/list.html", {"page": page, "can_open": has_perm_anywhere(user, MANAGE)})


# ---------------------------------------------------------------------------------------------------- open

@login_required
def round_new(request):
    user = request.user
    require_anywhere(user, MANAGE)
    orgs = active_orgs_for(user, MANAGE)
    by_id = {o.pk: o for o in orgs}
    if request.method == "POST":
        form = RoundForm(request.POST, orgs=orgs)
        if form.is_valid():
            d = form.cleaned_data
            try:
                rnd = services.open_round(
                    user, Organization.objects.get(pk=by_id[d["org"]].pk), title=d["title"],
                    description=d.get("description", ""), proposals_until=d["proposals_until"],
                    voting_from=d["voting_from"], voting_until=d["voting_until"],
                    votes_per_member=d["votes_per_member"])
            except ValidationError as e:
                add_domain_error(form, e)
            else:
                messages.success(request, _("Round opened: the members may propose activities now."))
                return redirect("activities:detail", rnd.pk)
    else:
        until = (timezone.localtime() + timedelta(days=7)).replace(hour=18, minute=0, second=0, microsecond=0)
        initial = {"proposals_until": until, "voting_from": until, "voting_until": until + timedelta(days=3),
                   "votes_per_member": 1}
        if request.GET.get("org", "").isdigit() and int(request.GET["org"]) in by_id:
            initial["org"] = int(request.GET["org"])
        form = RoundForm(initial=initial, orgs=orgs)
    return render(request, "activities/form.html", {"form": form})


# ---------------------------------------------------------------------------------------------------- detail

def _results_context(request, rnd):
    user = request.user
    rows = services.results(rnd)
    mine = services.my_votes(user, rnd)
    phase = rnd.phase
    live = [p for p in rows if not p.withdrawn]
    top = max((p.n_votes for p in live), default=0)
    can_manage = has_perm(user, MANAGE, rnd.org_path)
    before_end = phase in (rules.OPEN, rules.WAITING, rules.VOTING)
    for p in rows:
        p.share = round(100 * p.n_votes / top) if top and not p.withdrawn else 0
        p.mine = p.pk in mine["proposals"]
        p.leading = bool(top) and not p.withdrawn and p.n_votes == top
        p.withdrawable = before_end and not p.withdrawn and (can_manage or p.proposer_id == user.person_id)
    return {
        "round": rnd, "phase": phase, "proposals": rows, "mine": mine, "turnout": services.turnout(rnd),
        "takes_part": services.takes_part(user, rnd), "can_manage": can_manage, "now": timezone.now(),
        "can_vote": phase == rules.VOTING and mine["remaining"] > 0,
    }


@login_required
def round_detail(request, pk):
    rnd = services.get_round_or_404(request.user, pk)
    return render(request, "activities/detail.html", _results_context(request, rnd))


@login_required
def round_results(request, pk):
    """The proposals and their votes alone (the detail page refreshes them while the voting runs)."""
    rnd = services.get_round_or_404(request.user, pk)
    return render(request, "activities/_results.html", _results_context(request, rnd))


# ---------------------------------------------------------------------------------------------------- propose

@login_required
def propose(request, pk):
    user = request.user
    rnd = services.get_round_or_404(user, pk)
    if request.method == "POST":
        form = ProposalForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                proposal = services.propose(user, rnd, title=d["title"], description=d.get("description", ""),
                                            suggested_type=d.get("suggested_type") or None,
                                            suggested_place=d.get("suggested_place", ""),
                                            suggested_time=d.get("suggested_time", ""))
            except ValidationError as e:
                add_domain_error(form, e)
            else:
                messages.success(request, _("Thank you: your proposal is in."))
                return redirect(reverse("activities:detail", args=[rnd.pk]) + f"#proposal-{proposal.pk}")
    else:
        if not services.takes_part(user, rnd):
            messages.error(request, _("Only the Party members of the organisation propose and vote in this round."))
            return redirect("activities:detail", rnd.pk)
        if rnd.phase != rules.OPEN:
            messages.error(request, _("This round takes no more proposals."))
            return redirect("activities:detail", rnd.pk)
        form = ProposalForm()
    return render(request, "activities/propose.html", {"round": rnd, "form": form})


# ---------------------------------------------------------------------------------------------------- vote

def _act(request, pk, proposal_pk, fn, success):
    rnd = services.get_round_or_404(request.user, pk)
    proposal = services.get_proposal_or_404(rnd, proposal_pk)
    try:
        fn(proposal)
    except ValidationError as e:
        for m in messages_of(e):
            messages.error(request, m)
    else:
        messages.success(request, success)
    return redirect(reverse("activities:detail", args=[rnd.pk]) + f"#proposal-{proposal.pk}")


@require_POST
@login_required
def vote(request, pk, proposal_pk):
    return _act(request, pk, proposal_pk, lambda p: services.vote(request.user, p), _("Your vote is counted."))


@require_POST
@login_required
def withdraw(request, pk, proposal_pk):
    return _act(request, pk, proposal_pk, lambda p: services.withdraw(request.user, p), _("Proposal withdrawn."))


# ---------------------------------------------------------------------------------------------------- adopt

@login_required
def adopt(request, pk):
    """A manager adopts one proposal after the voting: it becomes a planned meeting (then the meeting's page)."""
    user = request.user
    rnd = services.get_round_or_404(user, pk, perm=MANAGE)
    proposals = [p for p in services.results(rnd) if not p.withdrawn]
    if request.method == "POST":
        form = AdoptForm(request.POST, proposals=proposals)
        if form.is_valid():
            d = form.cleaned_data
            try:
                rnd = services.adopt(user, rnd, d["proposal"], starts_at=d["starts_at"], ends_at=d["ends_at"],
                                     place=d["place"], types=d.get("types") or None)
            except ValidationError as e:
                add_domain_error(form, e)
            else:
                messages.success(request, _("Proposal adopted: the meeting is planned and the members notified."))
                return redirect("meetings:detail", rnd.meeting_id)
    else:
        if rnd.phase != rules.CLOSED:
            messages.error(request, _("A proposal is adopted once the voting has ended, and only one."))
            return redirect("activities:detail", rnd.pk)
        start = (timezone.localtime() + timedelta(days=7)).replace(hour=14, minute=30, second=0, microsecond=0)
        initial = {"starts_at": start, "ends_at": start + timedelta(hours=2)}
        chosen = next((p for p in proposals if str(p.pk) == request.GET.get("proposal")), None) or \
            (proposals[0] if proposals else None)
        if chosen is not None:
            initial.update(proposal=chosen.pk, place=chosen.suggested_place,
                           types=[chosen.suggested_type_id] if chosen.suggested_type_id else [])
        form = AdoptForm(initial=initial, proposals=proposals)
    return render(request, "activities/adopt.html", {"round": rnd, "form": form, "proposals": proposals})
