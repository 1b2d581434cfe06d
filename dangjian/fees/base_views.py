"""Party fees pages: fee bases, the yearly base adjustment, reductions and exemptions, the month roster and arrears.
Thin callers of bases.py / services.py; forms parse input only and the rules come back as DomainError on the field
they name. fees:read over a member's organisation sees; a member sees their own; outsiders get 404."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, prefetch_related_objects
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dangjian.accounts.decorators import require_anywhere
from dangjian.accounts.scoping import has_perm, scope_for, scoped
from dangjian.core.errors import ConflictError, messages_of
from dangjian.orgs.forms import DATE, StyledForm, add_domain_error
from dangjian.orgs.models import lineage
from dangjian.orgs.services import active_orgs_for, pick_org
from dangjian.people.models import Person

from . import bases, rules, services
from .bases import COLLECT, MANAGE, READ
from .models import (
    BaseCampaign,
    BaseDeclaration,
    CampaignState,
    Category,
    DeclarationState,
    Relief,
    ReliefKind,
    ReliefState,
)

PAGE_SIZE = 50
PEOPLE_LIMIT = 500

# ---------------------------------------------------------------------------------------------------- forms

MONEY_ATTRS = {"inputmode": "decimal", "autocomplete": "off", "placeholder": "0.00"}


def money_field(label, required=False, help_text=""):
    return forms.CharField(label=label, required=required, max_length=20, help_text=help_text,
                           widget=forms.TextInput(attrs=MONEY_ATTRS))


class BaseFieldsForm(StyledForm):
    """The category and the base, entered or computed by the calculator (included pay minus the deduction items:
    one field per item, named deduction_<n>)."""

    category = forms.ChoiceField(label=gettext_lazy("Fee category"), choices=Category.choices)
    gross = money_field(gettext_lazy("Included pay (monthly)"), help_text=gettext_lazy(
        "Fixed, regular pay: position and grade pay, standard allowances, basic performance pay. Leave empty to "
        "enter the base directly."))
    base = money_field(gettext_lazy("Monthly base"), help_text=gettext_lazy(
        "After tax and the excluded items. Not needed for farmers, students and the unemployed."))

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for n, item in enumerate(self.items):
            self.fields[f"deduction_{n}"] = money_field(item)
            self.fields[f"deduction_{n}"].widget.attrs.update({"class": "form-control", "data-deduction": "1"})

    def deduction_fields(self):
        return [self[f"deduction_{n}"] for n in range(len(self.items))]

    def deductions(self):
        return {item: self.cleaned_data.get(f"deduction_{n}") or "" for n, item in enumerate(self.items)}


class BaseForm(BaseFieldsForm):
    mode = forms.ChoiceField(choices=[(m, m) for m in bases.BASE_MODES], widget=forms.HiddenInput)
    effective_from = forms.DateField(label=gettext_lazy("Takes effect on"), required=False, widget=DATE)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300, required=False)
    corrects = forms.IntegerField(required=False, widget=forms.HiddenInput)


class DeclarationForm(BaseFieldsForm):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class CampaignForm(StyledForm):
    org = forms.TypedChoiceField(label=gettext_lazy("Organisation"), coerce=int)
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    effective_from = forms.DateField(label=gettext_lazy("New bases apply from"), required=False, widget=DATE,
                                     help_text=gettext_lazy("1 January of the year unless you choose otherwise."))
    deadline = forms.DateField(label=gettext_lazy("Enter by"), widget=DATE)
    note = forms.CharField(label=gettext_lazy("Note to members"), max_length=300, required=False)

    def __init__(self, *args, orgs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = [(o.pk, ("\u3000" * max(0, o.depth - 1)) + o.name) for o in orgs]


class ReliefForm(StyledForm):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ReliefKind.choices, widget=forms.RadioSelect)
    amount = money_field(gettext_lazy("Monthly amount to pay"), help_text=gettext_lazy("For a reduction only."))
    from_month = forms.CharField(label=gettext_lazy("From month"), widget=forms.DateInput(attrs={"type": "month"}))
    to_month = forms.CharField(label=gettext_lazy("To month"), widget=forms.DateInput(attrs={"type": "month"}))
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].widget.attrs["class"] = "form-check-input"


# ---------------------------------------------------------------------------------------------------- helpers

def _query(request, drop=("page",)):
    query = request.GET.copy()
    for key in drop:
        query.pop(key, None)
    return query.urlencode()


def _errors_to_messages(request, exc):
    for m in messages_of(exc):
        messages.error(request, m)


def _pick_root(request, perm=READ):
    """The organisation picker: the orgs in the user's scope for `perm` and the one chosen (?org=, else the top
    one); 404 for an organisation outside the scope or when the user has none."""
    user = request.user
    orgs = active_orgs_for(user, perm)
    root = pick_org(orgs, request.GET.get("org"), lambda o: has_perm(user, perm, o))
    if root is None:
        if not orgs:
            raise Http404
        root = orgs[0]
    for o in orgs:
        o.indented = "\u3000" * max(0, o.depth - 1) + o.name
    return orgs, root


def _record_url():
    try:
        return reverse("fees:record")
    except NoReverseMatch:
        return None


def _month_param(raw):
    if raw in (None, ""):
        return rules.month_start(timezone.localdate())
    try:
        return rules.parse_month(raw)
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------------- categories

CATEGORY_NOTES = {
    "in_service": gettext_lazy("Members who draw a monthly salary; also those on an annual salary (the pay actually "
                               "received that month) and the self-employed (the previous quarter's average monthly "
                               "net income). Up to 3,000 yuan: 0.5%; up to 5,000: 1%; up to 10,000: 1.5%; above "
                               "10,000: 2% — of the whole base."),
    "retired": gettext_lazy("Retired cadres and workers: the pension actually received. Up to 5,000 yuan: 0.5%; "
                            "above: 1%."),
    "farmer": gettext_lazy("Farmers pay a fixed 0.20 to 1.00 yuan a month, as the Party committee sets it."),
    "student": gettext_lazy("Students pay 0.20 yuan a month."),
    "unemployed": gettext_lazy("Laid-off and unemployed members and those living on relief or the minimum living "
                               "allowance pay 0.20 yuan a month."),
}


@login_required
def categories(request):
    """The fee categories with their rules, the rate table and what the base includes and excludes."""
    table = rules.table_on(timezone.localdate())
    rows = [{"code": c.value, "label": c.label, "note": CATEGORY_NOTES[c.value],
             "brackets": [(upper, f"{(rate * 100).normalize():f}%") for upper, rate in table.brackets.get(c.value, ())],
             "fixed": table.fixed.get(c.value)} for c in Category]
    path = ""
    if request.user.person_id:
        path = Person.objects.filter(pk=request.user.person_id).values_list("scope_path", flat=True).first() or ""
    return render(request, "fees/bases/categories.html", {
        "rows": rows, "table": table, "items": bases.deduction_items(path), "soft_cap": rules.SOFT_CAP})


# ---------------------------------------------------------------------------------------------------- a member's base

@login_required
def my_base(request):
    if not request.user.person_id:
        raise Http404
    return redirect("fees:base", request.user.person_id)


def _base_form(request, person, data=None, **kw):
    return BaseForm(data, items=bases.deduction_items(person.scope_path), prefix=kw.pop("prefix", None), **kw)


@login_required
def person_base(request, pk):
    """A member's fee base: the current one and the history (corrections and superseded rows shown); for
    fees:manage the forms to set the first base, re-base and correct."""
    user = request.user
    person = bases.visible_person(user, pk)
    can_manage = has_perm(user, MANAGE, person.scope_path)
    history = services.base_history(person.pk)
    prefetch_related_objects(history, "created_by__person")  # the recorders' names, one query
    current = next((b for b in history if b.superseded_at is None), None)
    form = None
    if request.method == "POST":
        if not can_manage:
            raise Http404
        form = _base_form(request, person, request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                row = bases.record_base(user, person, mode=d["mode"], category=d["category"], base=d.get("base"),
                                        gross=d.get("gross"), deductions=form.deductions(),
                                        effective_from=d.get("effective_from"), reason=d.get("reason", ""),
                                        corrects=d.get("corrects"))
            except ValidationError as e:
                add_domain_error(form, e)
            else:
                messages.success(request, _("Saved: %(amount)s yuan a month from %(month)s.") % {
                    "amount": row.amount, "month": f"{row.applies_from:%Y-%m}"})
                return redirect("fees:base", person.pk)
    mode = (form.data.get("mode") if form is not None else None) or ("rebase" if current else "initial")
    if form is None and can_manage:
        initial = {"mode": mode, "effective_from": timezone.localdate()}
        if current:
            initial.update(category=current.category, base=current.base)
        form = _base_form(request, person, initial=initial)
    today = timezone.localdate()
    reliefs = list(Relief.objects.filter(person=person).order_by("-from_month", "-id")[:20])
    months = services.statement(person, rules.add_months(rules.month_start(today), -11), today)
    return render(request, "fees/bases/person_base.html", {
        "person": person, "history": history, "current": current, "form": form, "mode": mode,
        "can_manage": can_manage, "can_collect": has_perm(user, COLLECT, person.scope_path),
        "own": user.person_id == person.pk, "reliefs": reliefs, "months": list(reversed(months)),
        "campaigns": bases.campaigns_for_person(person) if user.person_id == person.pk else [],
        "record_url": _record_url() if has_perm(user, COLLECT, person.scope_path) else None})


# ---------------------------------------------------------------------------------------------------- declarations

def _declaration_form(person, decl, data=None):
    items = bases.deduction_items(person.scope_path)
    initial = {}
    if decl is not None:
        initial = {"category": decl.category, "gross": decl.gross or "", "base": decl.base, "version": decl.version}
        for n, item in enumerate(items):
            if item in (decl.deductions or {}):
                initial[f"deduction_{n}"] = decl.deductions[item]
    else:
        current = services.current_base(person.pk, rules.month_start(timezone.localdate()))
        if current:
            initial = {"category": current.category}
    return DeclarationForm(data, items=items, initial=initial)


def _enter(request, campaign, person, template, extra):
    """The declaration form for `person` in `campaign` (the member's own page or a collector's)."""
    user = request.user
    decl = BaseDeclaration.objects.filter(campaign=campaign, person=person).first()
    editable = campaign.state == CampaignState.OPEN and (
        decl is None or rules.next_state(rules.DECL_TRANSITIONS, decl.state, "enter") is not None)
    form = _declaration_form(person, decl, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            decl = bases.declare(user, campaign, person, category=d["category"], base=d.get("base"),
                                 gross=d.get("gross"), deductions=form.deductions(),
                                 expected_version=d.get("version"))
        except ConflictError as e:
            form.add_error(None, e.message)
        except ValidationError as e:
            add_domain_error(form, e)
        else:
            messages.success(request, _("Sent to the branch for confirmation: a monthly base of %(base)s yuan.")
                             % {"base": decl.base})
            return None
    return render(request, template, {"campaign": campaign, "person": person, "decl": decl, "form": form,
                                      "editable": editable, "today": timezone.localdate(), **extra})


@login_required
def declare(request):
    """The member's own page for the yearly base adjustment (on their phone): the open adjustment covering them,
    their declaration's state and the form (with the calculator)."""
    user = request.user
    if not user.person_id:
        raise Http404
    person = Person.objects.select_related("org").get(pk=user.person_id)
    campaigns = bases.campaigns_for_person(person) if person.scope_path else []
    if not campaigns:
        past = list(BaseDeclaration.objects.filter(person=person).select_related("campaign", "campaign__org")
                    .order_by("-campaign__year")[:5])
        return render(request, "fees/bases/declare.html", {"campaign": None, "person": person, "past": past})
    response = _enter(request, campaigns[0], person, "fees/bases/declare.html", {"past": []})
    return response or redirect("fees:declare")


# ---------------------------------------------------------------------------------------------------- campaigns

def _visible_campaigns(user):
    """The adjustments whose subtree meets the user's fees:read scope: their organisations' and those above."""
    scope = scope_for(user)
    qs = BaseCampaign.objects.select_related("org")
    if scope.superuser:
        return qs
    prefixes = scope.prefixes(READ)
    if not prefixes:
        return qs.none()
    above = {p for prefix in prefixes for p in lineage(prefix)}
    return scoped(qs, user, READ, extra=Q(org_path__in=above))


@login_required
def campaigns(request):
    """The yearly base adjustments the user can see, and opening one (fees:manage)."""
    user = request.user
    require_anywhere(user, READ)
    orgs = active_orgs_for(user, MANAGE)
    form = None
    if orgs:
        if request.method == "POST":
            form = CampaignForm(request.POST, orgs=orgs)
            if form.is_valid():
                d = form.cleaned_data
                org = pick_org(orgs, d["org"], lambda o: has_perm(user, MANAGE, o))
                try:
                    c = bases.open_campaign(user, org, year=d["year"], deadline=d["deadline"],
                                            effective_from=d.get("effective_from"), note=d.get("note", ""))
                except ValidationError as e:
                    add_domain_error(form, e)
                else:
                    messages.success(request, _("The %(year)d adjustment is open: members can enter their new "
                                                "base now.") % {"year": c.year})
                    return redirect("fees:campaign", c.pk)
        else:
            today = timezone.localdate()
            form = CampaignForm(orgs=orgs, initial={"org": orgs[0].pk, "year": today.year + (today.month >= 10)})
    elif request.method == "POST":
        raise Http404
    page = Paginator(_visible_campaigns(user).order_by("-year", "org_path"), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "fees/bases/campaigns.html", {"page": page, "form": form, "query": _query(request)})


def _campaign(user, pk, perm=READ):
    campaign = BaseCampaign.objects.select_related("org").filter(pk=pk).first()
    if campaign is None:
        raise Http404
    return campaign, bases.campaign_paths(user, campaign, perm)


@login_required
def campaign_detail(request, pk):
    """An adjustment: progress per organisation, the declarations (filter by state) with confirm/return, bulk
    confirm, the members not declared yet (collectors enter for them) and closing."""
    user = request.user
    campaign, paths = _campaign(user, pk)
    state = request.GET.get("state") if request.GET.get("state") in DeclarationState.values else ""
    path_q = Q()
    for p in paths:
        path_q |= Q(scope_path__startswith=p)
    decls = (BaseDeclaration.objects.filter(path_q, campaign=campaign)
             .select_related("person", "person__org", "entered_by__person", "fee_base").order_by("state", "scope_path",
                                                                                         "person__name"))
    if state:
        decls = decls.filter(state=state)
    page = Paginator(decls, PAGE_SIZE).get_page(request.GET.get("page"))
    progress = []
    total = None
    for p in paths:
        rows, t = bases.campaign_progress(campaign, p)
        progress.extend(rows)
        total = t if total is None else bases.ProgressRow(campaign.org, total.members + t.members,
                                                          total.submitted + t.submitted,
                                                          total.confirmed + t.confirmed, total.returned + t.returned)
    can_manage = any(has_perm(user, MANAGE, p) for p in paths)
    can_collect = any(has_perm(user, COLLECT, p) for p in paths)
    waiting = []
    if can_collect and campaign.state == CampaignState.OPEN and request.GET.get("tab") == "missing":
        declared = BaseDeclaration.objects.filter(campaign=campaign).values("person_id")
        people = Person.objects.none()
        for p in paths:
            people = people | services.fee_people(p)
        waiting = list(people.exclude(pk__in=declared).select_related("org").order_by("scope_path", "name")
                       [:PEOPLE_LIMIT])
    return render(request, "fees/bases/campaign.html", {
        "campaign": campaign, "page": page, "state": state, "states": DeclarationState.choices,
        "progress": progress, "total": total, "can_manage": can_manage, "can_collect": can_collect,
        "can_close": has_perm(user, MANAGE, campaign.org_path) and campaign.state == CampaignState.OPEN,
        "waiting": waiting, "tab": request.GET.get("tab") or "declarations", "query": _query(request)})


@login_required
def campaign_enter(request, pk):
    """A collector enters a member's new base (?person=)."""
    user = request.user
    campaign, _paths = _campaign(user, pk, COLLECT)
    raw = request.GET.get("person") or request.POST.get("person")
    person = bases.visible_person(user, raw, COLLECT)
    if not person.scope_path.startswith(campaign.org_path):
        raise Http404
    response = _enter(request, campaign, person, "fees/bases/enter.html", {})
    return response or redirect("fees:campaign", campaign.pk)


@require_POST
@login_required
def campaign_close(request, pk):
    user = request.user
    campaign, _paths = _campaign(user, pk, MANAGE)
    try:
        bases.close_campaign(user, campaign, expected_version=request.POST.get("version"))
    except ConflictError as e:
        messages.error(request, e.message)
    except ValidationError as e:
        _errors_to_messages(request, e)
    else:
        messages.success(request, _("The adjustment is closed."))
    return redirect("fees:campaign", campaign.pk)


@require_POST
@login_required
def campaign_confirm(request, pk):
    """Bulk confirm of the selected declarations."""
    user = request.user
    campaign, _paths = _campaign(user, pk, MANAGE)
    done, refused = bases.bulk_confirm(user, campaign, request.POST.getlist("ids"))
    if done:
        messages.success(request, _("%(n)d new bases confirmed.") % {"n": done})
    for _pk, message in refused:
        messages.error(request, message)
    if not done and not refused:
        messages.warning(request, _("Select the declarations to confirm."))
    return redirect(reverse("fees:campaign", args=[campaign.pk]) + "?state=submitted")


@require_POST
@login_required
def declaration_action(request, pk, action):
    """Confirm or return (with a reason) one declaration."""
    user = request.user
    decl = BaseDeclaration.objects.filter(pk=pk).first()
    if decl is None or action not in ("confirm", "return"):
        raise Http404
    try:
        bases.decide_declaration(user, decl, action, reason=request.POST.get("reason", ""),
                                 expected_version=request.POST.get("version"))
    except ConflictError as e:
        messages.error(request, e.message)
    except ValidationError as e:
        _errors_to_messages(request, e)
    else:
        messages.success(request, _("Confirmed.") if action == "confirm" else _("Returned to be entered again."))
    return redirect(reverse("fees:campaign", args=[decl.campaign_id]) + "?" + _query(request, ()))


# ---------------------------------------------------------------------------------------------------- reliefs

@login_required
def reliefs(request):
    """Reductions and exemptions of an organisation's subtree, by state."""
    orgs, root = _pick_root(request)
    state = request.GET.get("state") if request.GET.get("state") in ReliefState.values else ""
    qs = (Relief.objects.filter(scope_path__startswith=root.path).select_related("person", "person__org")
          .order_by("-id"))
    if state:
        qs = qs.filter(state=state)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "fees/bases/reliefs.html", {
        "orgs": orgs, "root": root, "page": page, "state": state, "states": ReliefState.choices,
        "query": _query(request)})


@login_required
def relief_new(request):
    """Request a relief: for oneself (no ?person=) or, for a collector or manager, for a member (?person=)."""
    user = request.user
    raw = request.GET.get("person") or request.POST.get("person") or user.person_id
    if not raw:
        raise Http404
    person = bases.visible_person(user, raw, COLLECT)
    if request.method == "POST":
        form = ReliefForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                relief = bases.request_relief(user, person, kind=d["kind"], amount=d.get("amount"),
                                              from_month=d["from_month"], to_month=d["to_month"],
                                              reason=d["reason"])
            except ValidationError as e:
                add_domain_error(form, e)
            else:
                messages.success(request, _("Requested: the branch will decide."))
                return redirect("fees:relief", relief.pk)
    else:
        month = f"{timezone.localdate():%Y-%m}"
        form = ReliefForm(initial={"kind": ReliefKind.EXEMPT, "from_month": month, "to_month": month})
    return render(request, "fees/bases/relief_form.html", {"form": form, "person": person})


def _relief(user, pk):
    relief = Relief.objects.select_related("person", "person__org", "requested_by__person",
                                           "decided_by__person").filter(
        pk=pk).first()
    if relief is None or not (relief.person_id == user.person_id or has_perm(user, READ, relief.scope_path)):
        raise Http404
    return relief


@login_required
def relief_detail(request, pk):
    user = request.user
    relief = _relief(user, pk)
    can_decide = has_perm(user, MANAGE, relief.scope_path)
    actions = rules.actions_from(rules.RELIEF_TRANSITIONS, relief.state) if can_decide else []
    return render(request, "fees/bases/relief.html", {"relief": relief, "actions": actions})


@require_POST
@login_required
def relief_action(request, pk, action):
    user = request.user
    relief = _relief(user, pk)
    if action not in bases.RELIEF_ACTIONS:
        raise Http404
    try:
        bases.decide_relief(user, relief, action, note=request.POST.get("note", ""),
                            expected_version=request.POST.get("version"))
    except ConflictError as e:
        messages.error(request, e.message)
    except ValidationError as e:
        _errors_to_messages(request, e)
    else:
        messages.success(request, {"approve": _("Approved: the dues of those months are recomputed."),
                                   "reject": _("Rejected."),
                                   "revoke": _("Revoked: the dues of those months are recomputed.")}[action])
    return redirect("fees:relief", relief.pk)


# ---------------------------------------------------------------------------------------------------- month roster

@login_required
def month(request):
    """The month roster of an organisation's subtree: every member owing dues with amount, paid, outstanding,
    relief and state, totals and counts; the members without a base; generating the month's dues."""
    user = request.user
    orgs, root = _pick_root(request)
    the_month = _month_param(request.GET.get("month"))
    if the_month is None:
        messages.error(request, _("Enter a month as YYYY-MM."))
        the_month = rules.month_start(timezone.localdate())
    state = request.GET.get("state") if request.GET.get("state") in bases.ROSTER_STATES else ""
    qs, totals = bases.month_roster(root.path, the_month, state or None)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [bases.roster_row(d) for d in page.object_list]
    missing_qs = bases.without_base(root.path, the_month)
    missing = list(missing_qs[:PEOPLE_LIMIT])
    can_manage = has_perm(user, MANAGE, root.path)
    return render(request, "fees/bases/month.html", {
        "orgs": orgs, "root": root, "month": the_month, "state": state, "page": page, "rows": rows,
        "totals": totals, "missing": missing, "missing_count": len(missing),
        "not_generated": bases.not_generated(root.path, the_month) if can_manage else 0,
        "can_manage": can_manage, "record_url": _record_url() if has_perm(user, COLLECT, root.path) else None,
        "prev": rules.add_months(the_month, -1), "next": rules.add_months(the_month, 1),
        "base_query": _query(request, ("page", "state")), "query": _query(request)})


@require_POST
@login_required
def month_generate(request):
    user = request.user
    orgs = active_orgs_for(user, MANAGE)
    org = pick_org(orgs, request.POST.get("org"), lambda o: has_perm(user, MANAGE, o))
    if org is None:
        raise Http404
    the_month = _month_param(request.POST.get("month"))
    if the_month is None:
        messages.error(request, _("Enter a month as YYYY-MM."))
        return redirect(reverse("fees:month") + f"?org={org.pk}")
    created = bases.generate_month(user, org, the_month)
    messages.success(request, _("%(n)d members' dues generated for %(month)s.") % {
        "n": created, "month": f"{the_month:%Y-%m}"})
    return redirect(reverse("fees:month") + f"?org={org.pk}&month={the_month:%Y-%m}")


# ---------------------------------------------------------------------------------------------------- arrears

@login_required
def arrears(request):
    """Members of an organisation's subtree with unpaid complete months, and the 第十三条 lapse flags."""
    user = request.user
    orgs, root = _pick_root(request)
    today = timezone.localdate()
    rows = bases.arrears(root.path, today)
    flagged = [a for a in rows if a.lapsed]
    only_lapsed = request.GET.get("lapsed") == "1"
    page = Paginator(flagged if only_lapsed else rows, PAGE_SIZE).get_page(request.GET.get("page"))
    total = sum((a.outstanding for a in rows), rules.CENT * 0)
    return render(request, "fees/bases/arrears.html", {
        "orgs": orgs, "root": root, "page": page, "count": len(rows), "flagged": len(flagged), "total": total,
        "only_lapsed": only_lapsed, "today": today, "last_month": rules.last_complete_month(today),
        "window": services.settings_for(root.path).backpay_months, "lapse_months": rules.LAPSE_MONTHS,
        "record_url": _record_url() if has_perm(user, COLLECT, root.path) else None,
        "query": _query(request)})
