"""我是冠军 pages: thin callers of competition.py. learning:read over the committee shows a competition, its rounds,
its final's big screen and its titles; learning:manage there opens it, sets up and runs the final and finishes it.
A finalist enters the final from its entry page. Outsiders get 404."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dangjian.accounts.scoping import has_perm_anywhere
from dangjian.core.errors import ConflictError, messages_of
from dangjian.orgs.forms import StyledForm, add_domain_error
from dangjian.orgs.services import active_orgs_for

from . import competition as svc
from . import queries, rules
from .models import AwardTitle, CompetitionState, Tier
from .services import MANAGE, READ

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
LIST_LIMIT = 100
CANDIDATES = 30  # the best of the month offered as finalists besides the computed ones


def _subnav(user):
    return {"can_read": has_perm_anywhere(user, READ), "can_manage": has_perm_anywhere(user, MANAGE)}


def _error(request, exc):
    for m in messages_of(exc):
        messages.error(request, m)


def _paper_url(attempt):
    try:
        return reverse("exams:paper", args=[attempt.pk])
    except NoReverseMatch:  # the paper page is the exams app's own
        return f"/exams/attempts/{attempt.pk}/"


# ---------------------------------------------------------------------------------------------------- forms

class CompetitionForm(StyledForm):
    org = forms.TypedChoiceField(label=gettext_lazy("Party committee"), coerce=int)
    month = forms.CharField(label=gettext_lazy("Month"), widget=forms.TextInput(attrs={"type": "month"}))
    title = forms.CharField(label=gettext_lazy("Title"), max_length=100, required=False,
                            help_text=gettext_lazy("Left empty: 我是冠军 and the month."))
    experts = forms.IntegerField(label=gettext_lazy("Skill masters (技能达人) to name"), initial=10,
                                 min_value=0, max_value=100)
    technicians = forms.IntegerField(label=gettext_lazy("Technicians (技术能手) to name among non-members"),
                                     initial=3, min_value=0, max_value=100)

    def __init__(self, *args, orgs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.orgs = {o.pk: o for o in orgs}
        self.fields["org"].choices = [(o.pk, o.name) for o in orgs]

    def clean_month(self):
        month = rules.parse_month(self.cleaned_data["month"], None)
        if month is None:
            raise ValidationError(_("Enter the month as YYYY-MM."))
        return month


class FinalForm(StyledForm):
    tier = forms.ChoiceField(label=gettext_lazy("Tier"), choices=Tier.choices, initial=Tier.A)
    starts_at = forms.DateTimeField(label=gettext_lazy("Starts at"), widget=DATETIME,
                                    input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    minutes = forms.IntegerField(label=gettext_lazy("Time allowed (minutes)"), min_value=1, max_value=180,
                                 initial=svc.DEFAULT_FINAL["minutes"])
    size = forms.IntegerField(label=gettext_lazy("Questions"), min_value=1, max_value=200,
                              initial=svc.DEFAULT_FINAL["size"])
    finalists = forms.TypedMultipleChoiceField(label=gettext_lazy("Finalists"), coerce=int, required=False,
                                               widget=forms.CheckboxSelectMultiple)
    redraw = forms.BooleanField(label=gettext_lazy("Draw the paper again"), required=False)
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["finalists"].choices = candidates
        self.fields["finalists"].widget.attrs["class"] = "form-check-input"


# ---------------------------------------------------------------------------------------------------- pages

@login_required
def competitions(request):
    user = request.user
    rows = list(svc.visible(user).select_related("final")[:LIST_LIMIT])
    return render(request, "exams/competition/list.html", {
        "competitions": rows, "can_open": bool(svc.organisers(user, limit=1)), "subnav": _subnav(user),
        "section": "competitions"})


@login_required
def competition_new(request):
    user = request.user
    orgs = svc.organisers(user)
    if not orgs:
        raise Http404
    today = timezone.localdate()
    form = CompetitionForm(request.POST or None, orgs=orgs,
                           initial={"org": orgs[0].pk, "month": rules.month_of(today).strftime("%Y-%m")})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            made = svc.open_competition(user, form.orgs.get(d["org"]), d["month"], d["title"], d["experts"],
                                        d["technicians"])
        except ValidationError as e:
            add_domain_error(form, e)
        else:
            messages.success(request, _("The competition is open."))
            return redirect("exams:competition", made.pk)
    return render(request, "exams/competition/new.html", {"form": form, "subnav": _subnav(user),
                                                          "section": "competitions"},
                  status=400 if form.errors else 200)


@login_required
def competition(request, pk):
    user = request.user
    item = svc.get_or_404(user, pk)
    manage = svc.may_manage(user, item)
    if request.method == "POST":
        if not manage:
            raise Http404
        try:
            svc.update_competition(user, item, request.POST.get("title"), request.POST.get("experts"),
                                   request.POST.get("technicians"), request.POST.get("version"))
            messages.success(request, _("Saved."))
        except ValidationError as e:
            _error(request, e)
        except ConflictError as e:
            messages.error(request, e.message)
        return redirect("exams:competition", item.pk)
    final = svc.final_of(item)
    now = timezone.now()
    state = svc.rounds(item)
    awards = list(item.awards.select_related("person", "org").order_by("title", "org_path", "-score"))
    return render(request, "exams/competition/detail.html", {
        "competition": item, "final": final, "phase": svc.phase(final, now) if final else None,
        "ends_at": svc.ends_at(final) if final else None,
        "finalist_names": list(final.finalists.order_by("name").values_list("name", flat=True)) if final else [],
        "rounds": state, "top": state["rows"][:20], "awards": awards, "manage": manage, "now": now,
        "titles": AwardTitle, "states": CompetitionState, "subnav": _subnav(user), "section": "competitions"})


@login_required
def final_setup(request, pk):
    user = request.user
    item = svc.get_or_404(user, pk)
    if not svc.may_manage(user, item):
        raise Http404
    final = svc.final_of(item)
    state = svc.rounds(item)
    computed = [(row["person_id"], f"{row['person__name']} · {org.name} · {row['score']:g}")
                for org, row in state["finalists"]]
    known = {pid for pid, _label in computed}
    candidates = list(computed)
    for row in state["rows"][:CANDIDATES]:
        if row["person_id"] not in known:
            known.add(row["person_id"])
            candidates.append((row["person_id"], f"{row['person__name']} · {row['org_name']} · {row['score']:g}"))
    if final is not None:
        for pid, name in final.finalists.values_list("id", "name"):
            if pid not in known:
                known.add(pid)
                candidates.append((pid, name))
        initial = {"tier": final.tier, "starts_at": timezone.localtime(final.starts_at), "minutes": final.minutes,
                   "size": len(final.questions), "version": final.version,
                   "finalists": list(final.finalists.values_list("id", flat=True))}
    else:
        initial = {"finalists": [pid for pid, _label in computed]}
    form = FinalForm(request.POST or None, candidates=candidates, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            svc.setup_final(user, item, d, expected_version=d.get("version"))
        except ValidationError as e:
            add_domain_error(form, e)
        except ConflictError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, _("The final is set up."))
            return redirect("exams:competition", item.pk)
    return render(request, "exams/competition/final_setup.html", {
        "competition": item, "final": final, "form": form, "computed": computed, "subnav": _subnav(user),
        "section": "competitions"}, status=400 if form.errors else 200)


@login_required
@require_POST
def final_start(request, pk):
    item = svc.get_or_404(request.user, pk)
    try:
        svc.start_final(request.user, item)
        messages.success(request, _("The final has started."))
    except ValidationError as e:
        _error(request, e)
    return redirect("exams:competition", item.pk)


@login_required
@require_POST
def final_finish(request, pk):
    item = svc.get_or_404(request.user, pk)
    try:
        done = svc.finish(request.user, item)
    except ValidationError as e:
        _error(request, e)
    else:
        messages.success(request, _("The competition is finished: %(n)d title(s) recorded.") % {"n": done})
    return redirect("exams:competition", item.pk)


@login_required
def final_paper(request, pk):
    """The finalist's entry: GET shows the final's clock; POST starts the finalist's attempt (once) and goes to
    the paper."""
    user = request.user
    item = svc.entry_or_404(user, pk)
    final = svc.final_of(item)
    mine = svc.my_final_attempt(final, user.person_id) if final else None
    if mine is not None:
        return redirect(_paper_url(mine))
    error = None
    if request.method == "POST":
        try:
            attempt, closed = svc.enter_final(user, item)
        except ValidationError as e:
            error = " ".join(messages_of(e))
        else:
            if closed is not None:
                messages.info(request, _("Your exam in progress was submitted with the answers saved so far."))
            return redirect(_paper_url(attempt))
    now = timezone.now()
    return render(request, "exams/competition/entry.html", {
        "competition": item, "final": final, "error": error, "now": now,
        "phase": svc.phase(final, now) if final else None, "ends_at": svc.ends_at(final) if final else None,
        "finalist": svc.is_finalist(final, user.person_id) if final else False,
        "subnav": _subnav(user), "section": "competitions"}, status=400 if error else 200)


def _board_context(item, now):
    final = svc.final_of(item)
    return {"competition": item, "final": final, "now": now,
            "phase": svc.phase(final, now) if final else None, "ends_at": svc.ends_at(final) if final else None,
            "rows": svc.leaderboard(final, now) if final else []}


@login_required
def leaderboard(request, pk):
    """The big screen of the final (dark, large type, no navigation), updating itself every 3 seconds."""
    item = svc.get_or_404(request.user, pk, with_final=True)
    return render(request, "exams/competition/screen.html", _board_context(item, timezone.now()))


@login_required
def leaderboard_live(request, pk):
    item = svc.get_or_404(request.user, pk, with_final=True)
    # Rendered without the page's context processors (navigation, notices): the fragment polled every 3 s
    # reads only the board.
    return HttpResponse(render_to_string("exams/competition/_board.html", _board_context(item, timezone.now())))


@login_required
def awards(request):
    user = request.user
    orgs = active_orgs_for(user, READ)
    org = None
    raw = request.GET.get("org")
    if raw:
        org = next((o for o in orgs if str(o.pk) == raw), None)
        if org is None:
            raise Http404
    month = rules.parse_month(request.GET.get("month"), None)
    rows = list(svc.awards(user, org, month)[:500])
    months = queries.month_choices(timezone.localdate(), back=24)
    by_month = {}
    for award in rows:
        by_month.setdefault(award.month, []).append(award)
    return render(request, "exams/competition/awards.html", {
        "orgs": orgs, "org": org, "month": month, "months": months, "by_month": sorted(by_month.items(),
                                                                                       reverse=True),
        "subnav": _subnav(user), "section": "competitions"})
