"""Party fee payments, pages: thin callers of payments.py.

A member pays their own dues online (fees:my → fees:pay → the provider → fees:order, which polls until paid and
shows the receipt); a collector (fees:collect over the member) records cash or transfer payments (fees:record);
fees:manage reverses a wrong receipt; receipts are seen by their member and by fees:read over the member. Everyone
else gets 404."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from dangjian.accounts import rules as perms
from dangjian.accounts.decorators import require_anywhere
from dangjian.accounts.scoping import get_scoped_or_404, has_perm, scoped
from dangjian.core.errors import messages_of
from dangjian.orgs.forms import StyledForm, add_domain_error
from dangjian.people.models import Person
from dangjian.people.queries import search_q

from . import payments, rules, services
from . import providers as provider_registry
from .models import Method, OrderState

RECEIPTS_PAGE = 20
SEARCH_LIMIT = 20


def _ym(month):
    return f"{month:%Y-%m}"


def _errors(exc):
    """{field: [messages]} of a DomainError, for showing next to the fields."""
    if hasattr(exc, "error_dict"):
        return {k: [m for e in v for m in e.messages] for k, v in exc.error_dict.items()}
    return {"__all__": messages_of(exc)}


# ---- the member's own page --------------------------------------------------------------------------------------


@login_required
def my_fees(request):
    """My Party fees: this year's months (due, paid, outstanding, reduction), arrears still payable, the pay button,
    my latest receipts."""
    person = payments.own_person(request.user)
    today = timezone.localdate()
    year = today.year
    raw = request.GET.get("year", "")
    if raw.isdigit() and len(raw) == 4 and 2000 <= int(raw) <= year + 1:
        year = int(raw)
    months = payments.my_year(person, year)
    payable, too_old = payments.arrears(person, today)
    base = services.current_base(person.pk, rules.month_start(today))
    return render(request, "fees/pay/my.html", {
        "person": person, "year": year, "this_year": today.year, "months": months,
        "totals": payments.totals([m for m in months if m["has_due"]]), "payable": payable, "too_old": too_old,
        "arrears_total": sum((r["outstanding"] for r in payable), payments.ZERO), "base": base,
        "current": rules.month_start(today), "on_roll": services.on_roll(person),
        "receipts": list(payments.receipts_of(person)[:5]),
        "open_orders": list(payments.open_orders(person.pk).order_by("-created_at")[:3]),
        "backpay_months": services.settings_for(person.scope_path).backpay_months,
        "online": provider_registry.online_enabled(),
    })


class PayForm(StyledForm):
    voluntary = forms.CharField(label=gettext_lazy("Voluntary extra (yuan)"), required=False,
                                widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "0.00"}),
                                help_text=gettext_lazy("Optional. A single voluntary payment of 1000 yuan or more is a "
                                                       "large payment handed on to the Central Committee."))


@login_required
def pay(request):
    """Choose the months (what is owed is preselected) and a voluntary extra; creates the order and sends the payer
    to the provider."""
    person = payments.own_person(request.user)
    if not services.on_roll(person) or not provider_registry.online_enabled():
        raise Http404
    lines = payments.payable_months(person)
    errors = {}
    if request.method == "POST":
        form = PayForm(request.POST)
        chosen = request.POST.getlist("months")
        if form.is_valid():
            try:
                order = payments.create_order(request.user, chosen, form.cleaned_data["voluntary"])
            except ValidationError as exc:
                errors = _errors(exc)
                add_domain_error(form, exc)
            else:
                start = payments.start_payment(order, request)
                return redirect(start.url or reverse("fees:order", args=[order.out_trade_no]))
        selected = set(chosen)
    else:
        form = PayForm()
        selected = {_ym(ln.month) for ln in lines if ln.kind != "ahead" and ln.payable}
        if request.GET.get("month"):
            selected = {request.GET["month"][:7]}
    return render(request, "fees/pay/pay.html", {
        "form": form, "lines": lines, "selected": selected, "errors": errors, "person": person,
        "month_errors": errors.get("months", []), "minutes": payments.order_minutes(),
        "large": rules.LARGE_VOLUNTARY})


@login_required
def order(request, out_trade_no):
    """The result of an online payment: polls the order's state until it is paid, then shows the receipt."""
    obj = payments.order_for(request.user, out_trade_no)
    return render(request, "fees/pay/order.html", _order_context(request, obj))


@login_required
def order_state(request, out_trade_no):
    """The order's state (HTMX, polled every 2 s while it waits; a provider that can be asked is asked)."""
    obj = payments.order_for(request.user, out_trade_no)
    if obj.state == OrderState.CREATED and payments.sync_order(obj) is not None:
        obj = payments.order_for(request.user, out_trade_no)
    return render(request, "fees/pay/_order_state.html", _order_context(request, obj))


def _order_context(request, obj):
    waiting = obj.state == OrderState.CREATED and obj.expires_at > timezone.now()
    start = payments.start_payment(obj, request) if waiting and obj.person_id == request.user.person_id else None
    return {"order": obj, "lines": payments.order_lines(obj), "receipt": payments.receipt_of(obj),
            "waiting": waiting, "start": start, "own": obj.person_id == request.user.person_id}


# ---- the fake provider's cashier (tests and the demo) ------------------------------------------------------------


@login_required
def fake_cashier(request, out_trade_no):
    """The fake provider's cashier: the member taps 支付, 取消 or 失败; that sends the provider's signed callback."""
    provider = provider_registry.get_provider(provider_registry.FakeProvider.name)
    if provider is None:
        raise Http404
    obj = payments.order_for(request.user, out_trade_no)
    if obj.person_id != request.user.person_id or obj.provider != provider.name:
        raise Http404
    if request.method == "POST":
        status = request.POST.get("status", "")
        if obj.state == OrderState.CREATED:
            payments.fake_pay(request.user, obj.out_trade_no, status)
        return redirect("fees:order", obj.out_trade_no)
    return render(request, "fees/pay/fake_cashier.html", {
        "order": obj, "lines": payments.order_lines(obj), "provider": provider,
        "open": obj.state == OrderState.CREATED})


@csrf_exempt
@require_POST
def callback(request, provider):
    """The provider's server-to-server notification (no session, no CSRF: the signature is the proof)."""
    ack = payments.handle_callback(provider, request.body, request.headers)
    return HttpResponse(ack.content, status=ack.status, content_type=ack.content_type)


# ---- receipts ---------------------------------------------------------------------------------------------------


@login_required
def receipt(request, number):
    """A printable receipt: its member, or fees:read over the member."""
    obj = payments.receipt_for(request.user, number)
    return render(request, "fees/pay/receipt.html", {
        "receipt": obj, "rows": payments.receipt_payments(obj), "cancelled_by": payments.cancelled_by(obj),
        "can_reverse": obj.cancels_id is None and has_perm(request.user, perms.FEES_MANAGE, obj.scope_path),
        "own": obj.person_id == request.user.person_id})


@login_required
def receipts(request):
    """My receipts (or a member's, ?person=, for fees:read over them), newest first."""
    from django.core.paginator import Paginator

    raw = request.GET.get("person", "")
    if raw:
        if not (raw.isdigit() and len(raw) < 19):
            raise Http404
        person = get_scoped_or_404(Person.objects.all(), request.user, perms.FEES_READ, pk=int(raw))
    else:
        person = payments.own_person(request.user)
    page = Paginator(payments.receipts_of(person), RECEIPTS_PAGE).get_page(request.GET.get("page"))
    query = f"person={person.pk}" if raw else ""
    return render(request, "fees/pay/receipts.html", {
        "person": person, "page": page, "query": query, "own": person.pk == request.user.person_id,
        "can_record": has_perm(request.user, perms.FEES_COLLECT, person.scope_path)})


class ReverseForm(StyledForm):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300,
                             widget=forms.Textarea(attrs={"rows": 2}))


@login_required
def reverse_receipt(request, number):
    """Reverse a wrong receipt (fees:manage): a cancelling receipt and negative payments; the original is kept."""
    obj = payments.receipt_for(request.user, number)
    if not has_perm(request.user, perms.FEES_MANAGE, obj.scope_path):
        raise Http404
    form = ReverseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cancel = payments.reverse_receipt(request.user, obj, form.cleaned_data["reason"])
        except ValidationError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Receipt %(number)s was cancelled by %(cancel)s.")
                             % {"number": obj.number, "cancel": cancel.number})
            return redirect("fees:receipt", cancel.number)
    return render(request, "fees/pay/reverse.html", {"receipt": obj, "form": form,
                                                      "rows": payments.receipt_payments(obj)})


# ---- recorded payments ------------------------------------------------------------------------------------------


class RecordForm(StyledForm):
    method = forms.ChoiceField(label=gettext_lazy("Paid by"), choices=[(Method.CASH, Method.CASH.label),
                                                                        (Method.TRANSFER, Method.TRANSFER.label)],
                               widget=forms.RadioSelect(attrs={"class": "form-check-input"}), initial=Method.CASH)
    paid_on = forms.DateField(label=gettext_lazy("Paid on"),
                              widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    voluntary = forms.CharField(label=gettext_lazy("Voluntary extra (yuan)"), required=False,
                                widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "0.00"}))
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=300,
                           help_text=gettext_lazy("Required for a month beyond the back-payment window (branch "
                                                  "secretary only)."))


@login_required
def record(request):
    """A collector records cash or a transfer for a member (?person=<id>&month=YYYY-MM preselects): the months
    still owed with their outstanding amounts, which may be lowered, a voluntary extra, the date and a note."""
    user = request.user
    require_anywhere(user, perms.FEES_COLLECT)
    raw = request.POST.get("person") if request.method == "POST" else request.GET.get("person")
    if not raw:
        return _pick_person(request)
    if not (str(raw).isdigit() and len(str(raw)) < 19):
        raise Http404
    person = get_scoped_or_404(Person.objects.select_related("org"), user, perms.FEES_COLLECT, pk=int(raw))
    manager = has_perm(user, perms.FEES_MANAGE, person.scope_path)
    lines = payments.payable_months(person)
    older = payments.arrears(person)[1] if manager else []
    errors = {}
    if request.method == "POST":
        form = RecordForm(request.POST)
        chosen = request.POST.getlist("months")
        amounts = {m: request.POST.get(f"amount_{m}", "") for m in chosen}
        if form.is_valid():
            try:
                made = payments.record_payment(
                    user, person, months=chosen, amounts=amounts, voluntary=form.cleaned_data["voluntary"],
                    method=form.cleaned_data["method"], paid_on=form.cleaned_data["paid_on"],
                    note=form.cleaned_data["note"])
            except ValidationError as exc:
                errors = _errors(exc)
                add_domain_error(form, exc)
            else:
                messages.success(request, _("Recorded: receipt %(number)s, %(total)s yuan.")
                                 % {"number": made.number, "total": made.total})
                return redirect("fees:receipt", made.number)
        selected = set(chosen)
    else:
        form = RecordForm(initial={"paid_on": timezone.localdate(), "method": Method.CASH})
        month = request.GET.get("month", "")[:7]
        selected = {month} if month else {_ym(ln.month) for ln in lines if ln.kind != "ahead" and ln.payable}
        amounts = {}
    rows = [{"month": r["month"], "key": _ym(r["month"]), "amount": r["amount"], "paid": r["paid"],
             "outstanding": r["outstanding"], "kind": "old", "busy": False, "estimated": False} for r in older]
    rows += [{"month": ln.month, "key": _ym(ln.month), "amount": ln.amount, "paid": ln.paid,
              "outstanding": ln.outstanding, "kind": ln.kind, "busy": ln.busy, "estimated": ln.estimated}
             for ln in lines]
    for row in rows:
        row["value"] = amounts.get(row["key"]) or row["outstanding"]
    return render(request, "fees/pay/record.html", {
        "person": person, "form": form, "rows": rows, "selected": selected, "errors": errors,
        "month_errors": errors.get("months", []), "manager": manager})


def _pick_person(request):
    """The record page without a member: find one by name or phone among those the collector may record for."""
    q = (request.GET.get("q") or "").strip()[:50]
    found = []
    if q:
        found = list(scoped(services.fee_people(""), request.user, perms.FEES_COLLECT)
                     .filter(search_q(q)).select_related("org")
                     .order_by("name", "pk")[:SEARCH_LIMIT])
    return render(request, "fees/pay/record_pick.html", {"q": q, "found": found, "limit": SEARCH_LIMIT})
