"""Transfer and flowing-member pages: thin callers of services.py. Every read goes through the scoping helper
(TRANSFERS_MANAGE on the sending or the receiving organisation); outsiders get 404."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.accounts.decorators import perm_anywhere_required
from dangjian.accounts.scoping import get_scoped_or_404, scoped
from dangjian.core.errors import ConflictError, messages_of
from dangjian.orgs.models import Organization, OrgStatus, OrgType
from dangjian.people.codes import MemberStatus
from dangjian.people.models import Person

from . import rules, services
from .forms import DecisionForm, EndFlowForm, FlowForm, ReceiveForm, StartTransferForm
from .models import FlowRecord, Transfer, TransferKind, TransferState
from .services import MANAGE, RECEIVER, SENDER

PAGE_SIZE = 25
SEARCH_LIMIT = 20


# ---------------------------------------------------------------------------------------------------- list

TABS = ("outgoing", "incoming", "overdue", "completed")


def _tab_filters(user, today):
    open_q = Q(state=TransferState.PENDING)
    return {
        "outgoing": open_q & services.side_q(user, SENDER),
        "incoming": open_q & services.side_q(user, RECEIVER),
        "overdue": services.overdue_q(today),
        "completed": ~open_q,
    }


@perm_anywhere_required(MANAGE)
def transfer_list(request):
    """Transfers of my organisations, both directions, by tab; search by name or letter number."""
    today = timezone.localdate()
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "outgoing"
    filters = _tab_filters(request.user, today)
    base = services.visible_transfers(request.user)
    counts = base.aggregate(**{name: Count("id", filter=q) for name, q in filters.items()})
    qs = base.filter(filters[tab])
    q = (request.GET.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(person__name__icontains=q) | Q(letter_no__icontains=q) | Q(external_org__icontains=q))
    qs = qs.select_related("person", "from_org", "to_org")
    qs = qs.order_by("expires_on", "id") if tab in ("overdue", "outgoing", "incoming") else qs.order_by(
        "-decided_at", "-id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for t in page.object_list:
        t.overdue = rules.is_overdue(t.state, t.expires_on, today)
    return render(request, "transfers/list.html", {
        "tab": tab, "tabs": [(name, counts[name]) for name in TABS], "page": page, "q": q, "today": today,
    })


# ---------------------------------------------------------------------------------------------------- start


def _person_choices(user, q, purpose):
    if purpose == "receive":  # records that may receive a member by letter: not on a roll as a member
        qs = scoped(Person.objects.filter(
            Q(status=MemberStatus.TRANSFERRED_OUT)
            | (Q(status=MemberStatus.NORMAL) & ~Q(political_status__in=services.LETTER_MEMBER_STATUSES))), user, MANAGE)
        return qs.filter(name__icontains=q).select_related("org", "group").order_by("name", "id")
    qs = scoped(Person.objects.filter(status=MemberStatus.NORMAL, org__isnull=False), user, MANAGE)
    if purpose == "flow":
        qs = qs.filter(political_status__in=services.LETTER_MEMBER_STATUSES)
    else:
        qs = qs.filter(political_status__in=services.TRANSFERABLE_STATUSES)
    if q:
        qs = qs.filter(name__icontains=q)
    return qs.select_related("org", "group").order_by("name", "id")


@perm_anywhere_required(MANAGE)
def person_search(request):
    """HTMX: members in my scope matching the name typed, as radio buttons."""
    q = (request.GET.get("q") or "").strip()
    purpose = request.GET.get("purpose", "transfer")
    people = list(_person_choices(request.user, q, purpose)[:SEARCH_LIMIT]) if q else []
    return render(request, "transfers/_person_options.html", {"people": people, "q": q})


@perm_anywhere_required(MANAGE)
def org_search(request):
    """HTMX: active branches matching the name typed. `scope=mine` limits them to my subtrees (receiving an
    incoming letter); otherwise any branch on the platform may receive a member (names only are shown)."""
    q = (request.GET.get("q") or "").strip()
    qs = Organization.objects.filter(org_type=OrgType.BRANCH, status=OrgStatus.ACTIVE)
    mine = request.GET.get("scope") == "mine"
    if mine:
        qs = scoped(qs, request.user, MANAGE)
    orgs = []
    if mine and not q:  # my own branches straight away
        orgs = list(qs.select_related("parent").order_by("path")[:SEARCH_LIMIT])
    elif q:
        orgs = list(qs.filter(Q(name__icontains=q) | Q(short_name__icontains=q) | Q(code__iexact=q))
                    .select_related("parent").order_by("path")[:SEARCH_LIMIT])
    return render(request, "transfers/_org_options.html", {"orgs": orgs, "q": q})


def _picked_person(user, pk):
    if not pk or not str(pk).isdigit():
        return None
    return scoped(Person.objects.select_related("org", "group"), user, MANAGE).filter(pk=pk).first()


@perm_anywhere_required(MANAGE)
def transfer_start(request):
    """Start a transfer: choose a member in my scope, then a branch on the platform or an outside organisation."""
    user = request.user
    form = StartTransferForm(request.POST or None, initial={"person": request.GET.get("person")})
    person = _picked_person(user, request.POST.get("person") or request.GET.get("person"))
    to_org = None
    to_org_id = request.POST.get("to_org")
    if to_org_id and str(to_org_id).isdigit():
        to_org = Organization.objects.filter(pk=to_org_id).select_related("parent").first()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if person is None:
            form.add_error("person", _("Choose a member you manage."))
        elif data["to_org"] and to_org is None:
            form.add_error("to_org", _("No such organisation."))
        else:
            try:
                transfer = services.start_transfer(
                    user, person, to_org=to_org if data["to_org"] else None, external_org=data["external_org"],
                    reason=data["reason"], issued_on=data["issued_on"], valid_days=data["valid_days"])
            except ValidationError as e:
                form.add_domain_error(e)
            else:
                messages.success(request, _("Letter %(no)s issued.") % {"no": transfer.letter_no})
                return redirect("transfers:detail", transfer.pk)
    return render(request, "transfers/start.html", {"form": form, "person": person, "to_org": to_org})


# ---------------------------------------------------------------------------------------------------- detail


def _transfer_or_404(user, pk):
    qs = Transfer.objects.select_related("person", "from_org", "to_org", "created_by", "decided_by")
    return get_scoped_or_404(qs, user, MANAGE, pk=pk)


@perm_anywhere_required(MANAGE)
def transfer_detail(request, pk):
    transfer = _transfer_or_404(request.user, pk)
    today = timezone.localdate()
    actions = services.available_actions(request.user, transfer)
    history = services.history(transfer)
    labels = dict(TransferState.choices)
    for e in history:
        e.before_label = labels.get((e.before or {}).get("state"), "")
        e.after_label = labels.get((e.after or {}).get("state"), "")
    return render(request, "transfers/detail.html", {
        "t": transfer, "actions": actions, "labels": rules.ACTION_LABELS, "history": history,
        "confirm_withdraw": _("Withdraw this letter?"),
        "overdue": rules.is_overdue(transfer.state, transfer.expires_on, today), "today": today,
        "printable": transfer.kind in (TransferKind.INTERNAL, TransferKind.OUTGOING),
        "Action": rules.Action,
    })


@require_POST
@perm_anywhere_required(MANAGE)
def transfer_act(request, pk, action):
    """accept / reject / cancel / receipt: the service checks the table, the side and the version."""
    transfer = _transfer_or_404(request.user, pk)
    if action not in rules.ACTION_LABELS:
        raise Http404
    form = DecisionForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    if "receipt_on" in form.errors:
        messages.error(request, _("Enter a date as YYYY-MM-DD."))
        return redirect("transfers:detail", pk)
    try:
        services.transition(request.user, transfer, action, note=data.get("note") or "",
                            expected_version=data.get("version"), on=data.get("receipt_on"))
    except ConflictError as e:
        messages.error(request, e.message)
    except ValidationError as e:
        for m in messages_of(e):
            messages.error(request, m)
    else:
        messages.success(request, {
            rules.Action.ACCEPT: _("Transfer accepted: the member is now on your roll."),
            rules.Action.REJECT: _("Transfer rejected."),
            rules.Action.CANCEL: _("Letter withdrawn."),
            rules.Action.RECEIPT: _("Receipt recorded: the member has left the roll."),
        }[action])
    return redirect("transfers:detail", pk)


@perm_anywhere_required(MANAGE)
def transfer_letter(request, pk):
    """The printable introduction letter (介绍信) with its stub (存根, optional) and tear-off receipt (回执)."""
    transfer = _transfer_or_404(request.user, pk)
    if transfer.kind == TransferKind.INCOMING:
        raise Http404
    from dangjian.people.rules import age_on

    person = transfer.person
    return render(request, "transfers/letter.html", {
        "t": transfer, "p": person, "stub": request.GET.get("stub") == "1",
        "age": age_on(person.birth_date, transfer.issued_on) if person.birth_date else None,
        "receiver": transfer.to_org.name if transfer.to_org_id else transfer.external_org,
    })


# ---------------------------------------------------------------------------------------------------- incoming


@perm_anywhere_required(MANAGE)
def transfer_receive(request):
    """Receive a member from outside the platform by the letter's number."""
    user = request.user
    form = ReceiveForm(request.POST or None)
    to_org = person = None
    if request.method == "POST":
        org_id = request.POST.get("to_org")
        if org_id and str(org_id).isdigit():
            to_org = scoped(Organization.objects.select_related("parent"), user, MANAGE).filter(pk=org_id).first()
        person = _picked_person(user, request.POST.get("person"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if to_org is None:
            form.add_error("to_org", _("Choose a branch you manage."))
        elif data.get("person") and person is None:
            form.add_error(None, _("Choose a person you manage."))
        else:
            try:
                transfer = services.receive_incoming(
                    user, to_org=to_org, letter_no=data["letter_no"], external_org=data["external_org"],
                    issued_on=data["issued_on"], valid_days=data["valid_days"], reason=data["reason"],
                    received_on=data["received_on"], person=person, person_data=form.person_data())
            except ValidationError as e:
                form.add_domain_error(e)
            else:
                messages.success(request, _("%(name)s is now on the roll of %(org)s.") % {
                    "name": transfer.person.name, "org": to_org.name})
                return redirect("transfers:detail", transfer.pk)
    return render(request, "transfers/receive.html", {"form": form, "to_org": to_org, "person": person})


# ---------------------------------------------------------------------------------------------------- flows


@perm_anywhere_required(MANAGE)
def flow_list(request):
    """Flowing members of my organisations (away now), and those who came back."""
    tab = "returned" if request.GET.get("tab") == "returned" else "away"
    base = services.visible_flows(request.user)
    counts = base.aggregate(away=Count("id", filter=Q(returned_on__isnull=True)),
                            returned=Count("id", filter=Q(returned_on__isnull=False)))
    qs = base.filter(returned_on__isnull=(tab == "away")).select_related("person", "org")
    q = (request.GET.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(person__name__icontains=q) | Q(province__icontains=q) | Q(city__icontains=q))
    qs = qs.order_by("-left_on", "-id") if tab == "away" else qs.order_by("-returned_on", "-id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "transfers/flows.html", {"tab": tab, "counts": counts, "page": page, "q": q})


@perm_anywhere_required(MANAGE)
def flow_start(request):
    user = request.user
    form = FlowForm(request.POST or None, initial={"person": request.GET.get("person")})
    person = _picked_person(user, request.POST.get("person") or request.GET.get("person"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if person is None:
            form.add_error("person", _("Choose a member you manage."))
        else:
            try:
                services.start_flow(user, person, **{k: v for k, v in data.items() if k != "person"})
            except ValidationError as e:
                form.add_domain_error(e)
            else:
                messages.success(request, _("%(name)s is recorded as a flowing member.") % {"name": person.name})
                return redirect(reverse("transfers:flows"))
    return render(request, "transfers/flow_start.html", {"form": form, "person": person})


@require_POST
@perm_anywhere_required(MANAGE)
def flow_end(request, pk):
    flow = get_scoped_or_404(FlowRecord.objects.select_related("person"), request.user, MANAGE, pk=pk)
    form = EndFlowForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a date as YYYY-MM-DD."))
        return redirect("transfers:flows")
    try:
        services.end_flow(request.user, flow, returned_on=form.cleaned_data.get("returned_on"))
    except ValidationError as e:
        for m in messages_of(e):
            messages.error(request, m)
    else:
        messages.success(request, _("%(name)s is back: membership status normal.") % {"name": flow.person.name})
    return redirect("transfers:flows")

