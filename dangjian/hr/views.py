"""HR post change pages: thin callers of services.py. The to-do list of suggested transfers (the sending
organisation), the committee's unresolved list with its resolve forms, unit mappings and HR systems.
Outsiders get 404; ID numbers appear only masked."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.accounts.decorators import perm_anywhere_required
from dangjian.accounts.scoping import has_perm_anywhere
from dangjian.core.errors import ConflictError, DomainError, messages_of
from dangjian.orgs.models import Organization, OrgStatus, OrgType
from dangjian.people.models import Person

from . import rules, services
from .models import ChangeState, HrSystem, UnitMapping
from .services import HR_MANAGE, TRANSFERS

PAGE_SIZE = 25
SEARCH_LIMIT = 20
TABS = ("suggested", "unresolved", "done")
S = ChangeState


def _tab_q(tab):
    if tab == "suggested":
        return Q(state=S.SUGGESTED)
    if tab == "unresolved":
        return Q(state__in=rules.UNRESOLVED)
    return Q(state__in=(S.STARTED, S.DISMISSED, S.SAME_ORG))


def _fail(request, exc):
    for m in messages_of(exc):
        messages.error(request, m)


@perm_anywhere_required((TRANSFERS, HR_MANAGE))
def change_list(request):
    """The to-do list: suggested transfers of my organisations; the committee's unresolved changes; the done."""
    user = request.user
    base = services.visible_changes(user)
    counts = base.aggregate(**{t: Count("pk", filter=_tab_q(t)) for t in TABS})
    tab = request.GET.get("tab")
    if tab not in TABS:
        tab = "unresolved" if not counts["suggested"] and counts["unresolved"] else "suggested"
    qs = base.filter(_tab_q(tab)).select_related("person", "from_org", "to_org", "system").order_by("-created_at",
                                                                                                   "-id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for change in page.object_list:
        change.can_start = services.can_start(user, change)
    return render(request, "hr/list.html", {"page": page, "tab": tab, "tabs": [(t, counts[t]) for t in TABS],
                                            "can_manage": has_perm_anywhere(user, HR_MANAGE)})


def _candidates(user, change, q):
    q = (q or "").strip().replace("\x00", "")[:50]
    if not q:
        return []
    return list(Person.objects.filter(scope_path__startswith=change.owner_path, name__icontains=q)
                .select_related("org").order_by("name", "id")[:SEARCH_LIMIT])


def _branches(path):
    return list(Organization.objects.filter(path__startswith=path, org_type=OrgType.BRANCH,
                                            status=OrgStatus.ACTIVE).order_by("path"))


@perm_anywhere_required((TRANSFERS, HR_MANAGE))
def change_detail(request, pk):
    user = request.user
    change = services.get_change_or_404(user, pk)
    resolve = services.can_resolve(user, change)
    context = {
        "c": change, "can_start": services.can_start(user, change), "can_dismiss": services.can_dismiss(user, change),
        "can_resolve": resolve, "message": services.state_message(change), "q": request.GET.get("q", ""),
        "history": services.history(change),
    }
    for entry in context["history"]:
        state = (entry.after or {}).get("state")
        entry.state_label = ChangeState(state).label if state in ChangeState.values else state
    if resolve and change.state == S.UNRESOLVED_PERSON:
        context["candidates"] = _candidates(user, change, request.GET.get("q"))
    if resolve and change.state == S.UNRESOLVED_UNIT:
        context["branches"] = _branches(change.owner_path)
    return render(request, "hr/detail.html", context)


def _act(request, pk, do):
    change = services.get_change_or_404(request.user, pk)
    try:
        result = do(change)
    except ConflictError as e:
        messages.error(request, e.message)
    except ValidationError as e:
        _fail(request, e)
    else:
        return result
    return redirect("hr:detail", change.pk)


@require_POST
@perm_anywhere_required((TRANSFERS, HR_MANAGE))
def change_start(request, pk):
    def do(change):
        change = services.start_transfer(request.user, change, expected_version=request.POST.get("version"))
        messages.success(request, _("Transfer started: letter %(no)s issued.") % {"no": change.transfer.letter_no})
        return redirect("transfers:detail", change.transfer_id)
    return _act(request, pk, do)


@require_POST
@perm_anywhere_required((TRANSFERS, HR_MANAGE))
def change_dismiss(request, pk):
    def do(change):
        services.dismiss(request.user, change, request.POST.get("reason"), expected_version=request.POST.get("version"))
        messages.success(request, _("The change was dismissed."))
        return redirect("hr:list")
    return _act(request, pk, do)


@require_POST
@perm_anywhere_required(HR_MANAGE)
def change_resolve_person(request, pk):
    def do(change):
        pid = request.POST.get("person")
        person = Person.objects.filter(pk=pid).first() if str(pid or "").isdigit() else None
        change = services.resolve_person(request.user, change, person, expected_version=request.POST.get("version"))
        messages.success(request, services.state_message(change))
        return redirect("hr:detail", change.pk)
    return _act(request, pk, do)


@require_POST
@perm_anywhere_required(HR_MANAGE)
def change_map_unit(request, pk):
    def do(change):
        oid = request.POST.get("org")
        org = Organization.objects.filter(pk=oid).first() if str(oid or "").isdigit() else None
        change = services.map_unit(request.user, change, org, expected_version=request.POST.get("version"))
        messages.success(request, services.state_message(change))
        return redirect("hr:detail", change.pk)
    return _act(request, pk, do)


# ---- unit mappings and HR systems (the committee) --------------------------------------------------------------

def _committees_or_404(user):
    committees = list(services.hr_committees(user).order_by("path"))
    if not committees:
        raise Http404
    return committees


def _picked(committees, value):
    return next((c for c in committees if str(c.pk) == str(value)), committees[0] if len(committees) == 1 else None)


@perm_anywhere_required(HR_MANAGE)
def unit_list(request):
    committees = _committees_or_404(request.user)
    if request.method == "POST":
        owner = _picked(committees, request.POST.get("owner"))
        oid = request.POST.get("org")
        org = Organization.objects.filter(pk=oid).first() if str(oid or "").isdigit() else None
        try:
            if owner is None:
                raise DomainError(_("Choose the committee."), field="owner")
            mapping, n = services.save_mapping(request.user, owner, request.POST.get("unit"), org)
        except ValidationError as e:
            _fail(request, e)
        else:
            messages.success(request, _("Unit “%(unit)s” mapped to %(org)s; %(n)d waiting change(s) matched again.")
                             % {"unit": mapping.unit, "org": mapping.org.name, "n": n})
            return redirect("hr:units")
    mappings = (UnitMapping.objects.filter(owner__in=committees).select_related("owner", "org")
                .order_by("owner__path", "unit"))
    branches = [b for c in committees for b in _branches(c.path)]
    return render(request, "hr/units.html", {"mappings": mappings, "committees": committees, "branches": branches})


@require_POST
@perm_anywhere_required(HR_MANAGE)
def unit_delete(request, pk):
    committees = _committees_or_404(request.user)
    mapping = UnitMapping.objects.filter(pk=pk, owner__in=committees).first()
    if mapping is None:
        raise Http404
    services.delete_mapping(request.user, mapping)
    messages.success(request, _("Mapping removed."))
    return redirect("hr:units")


@perm_anywhere_required(HR_MANAGE)
def system_list(request):
    committees = _committees_or_404(request.user)
    new_key = None
    if request.method == "POST":
        owner = _picked(committees, request.POST.get("org"))
        try:
            if owner is None:
                raise DomainError(_("Choose the committee."), field="org")
            system, new_key = services.create_system(request.user, owner, request.POST.get("name"))
        except ValidationError as e:
            _fail(request, e)
        else:
            messages.success(request, _("HR system “%(name)s” registered. Copy its key now: it is shown only once.")
                             % {"name": system.name})
    systems = (HrSystem.objects.filter(org__in=committees).select_related("org")
               .annotate(n=Count("changes")).order_by("org__path", "name"))
    return render(request, "hr/systems.html", {"systems": systems, "committees": committees, "new_key": new_key})


@require_POST
@perm_anywhere_required(HR_MANAGE)
def system_toggle(request, pk):
    committees = _committees_or_404(request.user)
    system = HrSystem.objects.filter(pk=pk, org__in=committees).first()
    if system is None:
        raise Http404
    services.set_system_active(request.user, system, not system.active)
    messages.success(request, _("HR system enabled.") if not system.active else _("HR system disabled."))
    return redirect("hr:systems")
