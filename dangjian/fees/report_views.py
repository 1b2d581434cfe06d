"""Party fees pages: reports, hand-overs (上缴), the fee ledger and its yearly disclosure to members. Thin callers of
reports.py, handover.py and ledger.py; outsiders get 404 (a sibling branch learns nothing)."""

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from dangjian.accounts import rules as perms
from dangjian.accounts.decorators import require_anywhere
from dangjian.accounts.scoping import get_scoped_or_404, has_perm
from dangjian.core.errors import ConflictError, DomainError, messages_of
from dangjian.core.text import int_param, year_param
from dangjian.orgs.forms import DATE, StyledForm, add_domain_error
from dangjian.orgs.models import PATH_STEP, Organization
from dangjian.orgs.services import PICKER_FIELDS, active_orgs_for, pick_org

from . import disclosure as fee_disclosure
from . import handover, ledger, reports
from .models import Direction, HandOver, HandOverState, LedgerEntry, Payment, Purpose

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 30
MONTH = forms.TextInput(attrs={"type": "month", "class": "form-control", "placeholder": "YYYY-MM"})


def _org_choices(orgs):
    return [(o.pk, ("\u3000" * max(0, o.depth - 1)) + o.name) for o in orgs]


def _xlsx(content, filename):
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


_int = int_param
_year = year_param


def _parent_link(user, root):
    if root.parent_id and has_perm(user, perms.FEES_READ, root.path[:-PATH_STEP]):
        return Organization.objects.filter(pk=root.parent_id).only(*PICKER_FIELDS).first()
    return None


# ---------------------------------------------------------------------------------------------------- reports

@login_required
def report(request):
    """Dues, payments, outstanding and payment rates of an organisation's subtree for a period of months, by child
    organisation (drilling down), by month and — for a small subtree — by member; as xlsx with ?format=xlsx."""
    user = request.user
    orgs = active_orgs_for(user, perms.FEES_READ)
    if not orgs:
        raise Http404
    root = pick_org(orgs, request.GET.get("org"), lambda o: has_perm(user, perms.FEES_READ, o)) or orgs[0]
    errors = []
    try:
        first, last = reports.period(request.GET.get("from"), request.GET.get("to"))
    except DomainError as exc:
        errors = messages_of(exc)
        first, last = reports.period(None, None)
    rep = reports.report(root, first, last)
    if request.GET.get("format") == "xlsx":
        return _xlsx(reports.xlsx(rep), f"fees-{root.pk}-{first:%Y%m}-{last:%Y%m}.xlsx")
    chart = {"labels": [f"{m['month']:%Y-%m}" for m in rep.months],
             "due": [str(m["due"]) for m in rep.months], "paid": [str(m["paid"]) for m in rep.months],
             "titles": {"due": _("Due"), "paid": _("Paid")}}
    return render(request, "fees/reports/report.html", {
        "rep": rep, "root": root, "orgs": _org_choices(orgs), "errors": errors, "parent": _parent_link(user, root),
        "from": f"{first:%Y-%m}", "to": f"{last:%Y-%m}", "chart": chart})


# ---------------------------------------------------------------------------------------------------- hand-overs

class HandOverForm(StyledForm):
    org = forms.TypedChoiceField(label=_lazy("Handed over by"), coerce=int)
    period_from = forms.CharField(label=_lazy("From month"), widget=MONTH)
    period_to = forms.CharField(label=_lazy("To month"), widget=MONTH)
    amount = forms.CharField(label=_lazy("Amount handed over (yuan)"),
                             widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    handed_on = forms.DateField(label=_lazy("Handed over on"), required=False, widget=DATE,
                                help_text=_lazy("Empty: today."))
    note = forms.CharField(label=_lazy("Note"), required=False, max_length=300,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_lazy("Required when the amount differs from what was collected."))
    corrects = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, orgs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = _org_choices(orgs)


class ReasonForm(StyledForm):
    reason = forms.CharField(label=_lazy("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


@login_required
def handovers(request):
    """Hand-overs from and to the organisations in the user's subtrees; those awaiting the user's receipt first."""
    user = request.user
    require_anywhere(user, perms.FEES_READ)
    qs = handover.visible(user).select_related("org", "to_org").order_by("-handed_on", "-id")
    state = request.GET.get("state") if request.GET.get("state") in HandOverState.values else ""
    if state:
        qs = qs.filter(state=state)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    awaiting = list(handover.awaiting_for(user).select_related("org", "to_org").order_by("handed_on", "id")[:50])
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "fees/reports/handovers.html", {
        "page": page, "awaiting": awaiting, "state": state, "states": HandOverState.choices,
        "query": query.urlencode(), "can_hand_over": bool(handover.handing_orgs(user))})


def _default_period(today):
    last = date(today.year, today.month, 1)
    from . import rules

    last = rules.add_months(last, -1)
    return last, last


@login_required
def handover_new(request):
    """Record a hand-over: choose the organisation and the period, see what it holds, enter the amount handed."""
    user = request.user
    orgs = handover.handing_orgs(user)
    if not orgs:
        raise Http404
    source = request.POST if request.method == "POST" else request.GET
    corrects = None
    raw_corrects = _int(source.get("corrects"))
    if raw_corrects:
        corrects = get_scoped_or_404(HandOver.objects.select_related("org"), user, perms.FEES_MANAGE,
                                     pk=raw_corrects)
    first, last = _default_period(timezone.localdate())
    initial = {"org": (corrects.org_id if corrects else orgs[0].pk), "period_from": f"{first:%Y-%m}",
               "period_to": f"{last:%Y-%m}", "corrects": raw_corrects}
    if corrects is not None:
        initial.update(period_from=f"{corrects.period_from:%Y-%m}", period_to=f"{corrects.period_to:%Y-%m}")
    for key in ("org", "period_from", "period_to"):
        if request.method == "GET" and source.get(key):
            initial[key] = source.get(key)
    org = pick_org(orgs, str(initial["org"]) if request.method == "GET" else request.POST.get("org"),
                   lambda o: has_perm(user, perms.FEES_MANAGE, o)) or orgs[0]
    preview, preview_error = None, None
    if request.method == "POST":
        form = HandOverForm(request.POST, orgs=orgs)
        if form.is_valid():
            d = form.cleaned_data
            try:
                ho = handover.submit(user, org, period_from=d["period_from"], period_to=d["period_to"],
                                     amount=d["amount"], handed_on=d["handed_on"], note=d["note"],
                                     corrects=corrects)
            except DomainError as exc:
                add_domain_error(form, exc)
            except ConflictError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Hand-over recorded: %(org)s now confirms receipt.") % {
                    "org": ho.to_org.name})
                return redirect("fees:handover", ho.pk)
        period = (request.POST.get("period_from"), request.POST.get("period_to"))
    else:
        form = HandOverForm(initial=initial, orgs=orgs)
        period = (initial["period_from"], initial["period_to"])
    try:
        first, last = handover._parse_period(*period)
        preview = handover.pending(org, first, last)
    except DomainError as exc:
        preview_error = messages_of(exc)
    return render(request, "fees/reports/handover_form.html", {
        "form": form, "org": org, "preview": preview, "preview_error": preview_error, "corrects": corrects})


@login_required
def handover_detail(request, pk):
    user = request.user
    ho = get_scoped_or_404(HandOver.objects.select_related("org", "to_org", "corrects", "created_by", "decided_by"),
                           user, perms.FEES_READ, pk=pk)
    payments = list(Payment.objects.filter(handed_over=ho).select_related("person")
                    .only("id", "amount", "voluntary", "large", "paid_on", "month", "method", "person__name")
                    .order_by("paid_on", "id")[:200])
    count = Payment.objects.filter(handed_over=ho).count() if len(payments) == 200 else len(payments)
    can_decide = ho.state == HandOverState.SUBMITTED and has_perm(user, perms.FEES_MANAGE, ho.to_org)
    correction = HandOver.objects.filter(corrects=ho).only("id").first()
    can_correct = (ho.state == HandOverState.RETURNED and correction is None
                   and has_perm(user, perms.FEES_MANAGE, ho.org))
    return render(request, "fees/reports/handover.html", {
        "ho": ho, "payments": payments, "payment_count": count, "lower": handover.included_lower(ho),
        "can_decide": can_decide, "can_correct": can_correct, "correction": correction,
        "return_form": ReasonForm(initial={"version": ho.version})})


@login_required
@require_POST
def handover_action(request, pk, action):
    user = request.user
    ho = get_scoped_or_404(HandOver.objects.select_related("org"), user, perms.FEES_READ, pk=pk)
    if action not in handover.TRANSITIONS:
        raise Http404
    try:
        if action == "receive":
            handover.receive(user, ho, expected_version=request.POST.get("version"))
            messages.success(request, _("Receipt confirmed; the amount is entered in the fee ledger."))
        else:
            handover.return_(user, ho, reason=request.POST.get("reason", ""),
                             expected_version=request.POST.get("version"))
            messages.success(request, _("Returned for correction."))
    except ValidationError as exc:
        for m in messages_of(exc):
            messages.error(request, m)
    except ConflictError as exc:
        messages.error(request, exc.message)
    return redirect("fees:handover", ho.pk)


# ---------------------------------------------------------------------------------------------------- ledger

class LedgerForm(StyledForm):
    org = forms.IntegerField(widget=forms.HiddenInput)
    entry_date = forms.DateField(label=_lazy("Date"), widget=DATE)
    direction = forms.ChoiceField(label=_lazy("Income or spending"), choices=Direction.choices)
    purpose = forms.ChoiceField(label=_lazy("Purpose"), choices=Purpose.choices)
    amount = forms.CharField(label=_lazy("Amount (yuan)"), widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    description = forms.CharField(label=_lazy("Description"), max_length=300)
    voucher = forms.CharField(label=_lazy("Voucher number"), max_length=40, required=False)


def _ledger_org(request, perm=perms.FEES_READ):
    user = request.user
    orgs = active_orgs_for(user, perm)
    if not orgs:
        raise Http404
    raw = request.POST.get("org") if request.method == "POST" else request.GET.get("org")
    return orgs, pick_org(orgs, raw, lambda o: has_perm(user, perm, o)) or orgs[0]


@login_required
def ledger_page(request, form=None, reverse_errors=None):
    """An organisation's fee ledger for a year: entries with the running balance, the summary by purpose, a form to
    add an entry and a reversal for a wrong one (fees:manage); ?format=xlsx exports the year."""
    user = request.user
    orgs, org = _ledger_org(request)
    year = _year(request.GET.get("year"))
    if request.GET.get("format") == "xlsx":
        return _xlsx(ledger.xlsx(org, year), f"fees-ledger-{org.pk}-{year}.xlsx")
    can_keep = has_perm(user, perms.FEES_MANAGE, org)
    rows = ledger.entries(org, year)
    rows.reverse()  # newest first on screen
    if form is None and can_keep:
        form = LedgerForm(initial={"org": org.pk, "entry_date": timezone.localdate(), "direction": Direction.INCOME})
    return render(request, "fees/reports/ledger.html", {
        "org": org, "orgs": _org_choices(orgs), "year": year, "years": ledger.ledger_years(org), "rows": rows,
        "summary": ledger.summary(org, year), "balance": ledger.balance(org), "form": form, "can_keep": can_keep,
        "income_purposes": [p.value for p in ledger.INCOME_PURPOSES],
        "spending_purposes": [p.value for p in ledger.SPENDING_PURPOSES]})


@login_required
@require_POST
def ledger_add(request):
    user = request.user
    _orgs, org = _ledger_org(request, perms.FEES_MANAGE)
    form = LedgerForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            ledger.add_entry(user, org, entry_date=d["entry_date"], direction=d["direction"], purpose=d["purpose"],
                             amount=d["amount"], description=d["description"], voucher=d["voucher"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Entry recorded."))
            return redirect(f"{reverse('fees:ledger')}?org={org.pk}&year={d['entry_date'].year}")
    request.method = "GET"
    request.GET = request.GET.copy()
    request.GET["org"] = str(org.pk)
    return ledger_page(request, form=form)


@login_required
@require_POST
def ledger_reverse(request, pk):
    user = request.user
    entry = get_scoped_or_404(LedgerEntry.objects.all(), user, perms.FEES_READ, pk=pk)
    try:
        ledger.reverse_entry(user, entry, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        for m in messages_of(exc):
            messages.error(request, m)
    else:
        messages.success(request, _("Entry reversed. Record the right entry if there is one."))
    return redirect(f"{reverse('fees:ledger')}?org={entry.org_id}&year={entry.entry_date.year}")


@login_required
def disclosure(request):
    """The yearly disclosure of an organisation's fees to its members: collection (due, paid, rate) of its subtree
    and the ledger's income and spending by purpose — no vouchers. Members of the subtree and fees:read holders."""
    user = request.user
    choices = ledger.disclosure_orgs(user)
    extra = [o for o in active_orgs_for(user, perms.FEES_READ, limit=100) if o.pk not in {c.pk for c in choices}]
    orgs = choices + extra
    raw = request.GET.get("org")
    if raw not in (None, ""):
        org = pick_org(orgs, raw, lambda o: ledger.may_see_disclosure(user, o))
    elif orgs:
        org = orgs[0]
    else:
        raise Http404
    year = _year(request.GET.get("year"))
    today = timezone.localdate()
    last = date(year, 12, 1) if year < today.year else date(today.year, today.month, 1)
    collection = None
    if last >= date(year, 1, 1):
        collection = reports.total_of(list(reports.by_child(org.path, date(year, 1, 1), last).values()))
    return render(request, "fees/reports/disclosure.html", {
        "org": org, "orgs": _org_choices(orgs), "year": year, "summary": ledger.summary(org, year),
        "collection": collection, "years": list(range(today.year, today.year - 6, -1)),
        "disclosed": fee_disclosure.published(org, year),
        "can_publish": has_perm(user, perms.FEES_MANAGE, org) and has_perm(user, perms.PUBLICATIONS_MANAGE, org)})


@login_required
@require_POST
def disclosure_publish(request):
    """Publish the year's disclosure to the organisation's members (a publication of kind fee_disclosure)."""
    user = request.user
    org = get_scoped_or_404(Organization.objects.all(), user, perms.FEES_MANAGE, pk=int_param(request.POST.get("org")))
    year = _year(request.POST.get("year"))
    try:
        pub = fee_disclosure.publish(user, org, year)
    except ValidationError as exc:
        for m in messages_of(exc):
            messages.error(request, m)
    else:
        messages.success(request, _("The disclosure was published to the members."))
        return redirect("publications:detail", pub.pk)
    return redirect(f"{reverse('fees:disclosure')}?org={org.pk}&year={year}")
