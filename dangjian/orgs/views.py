"""Organisation pages. Thin: every read goes through accounts.scoping (outsiders get 404), every change
through orgs.services (rules, transaction, audit, history)."""

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from dangjian.accounts import rules as perms
from dangjian.accounts.decorators import require_anywhere
from dangjian.accounts.models import Post, Role
from dangjian.accounts.scoping import (
    get_scoped_or_404,
    has_perm,
    has_perm_anywhere,
    own_org_q,
    scope_for,
    scoped,
)
from dangjian.core.errors import ConflictError
from dangjian.people.codes import PoliticalStatus

from . import rules, services
from .forms import (
    DissolveForm,
    MoveForm,
    OrgCreateForm,
    OrgEditForm,
    TreeFilterForm,
    WarningFilterForm,
    add_domain_error,
)
from .models import Organization, OrgStatus

ROLE_ORDER = {role: i for i, role in enumerate(Role.values)}


def _org_for(request, perm, pk, extra=None):
    return get_scoped_or_404(Organization.objects.select_related("parent"), request.user, perm, extra=extra, pk=pk)


def _flag(request, name):
    return request.GET.get(name) in ("1", "on", "true")


@login_required
@require_GET
def tree(request):
    user = request.user
    form = TreeFilterForm(request.GET or None)
    form.is_valid()
    data = getattr(form, "cleaned_data", {}) or {}
    dissolved = bool(data.get("dissolved"))
    q = (data.get("q") or "").strip()
    can_read = has_perm_anywhere(user, perms.ORGS_READ)
    context = {"form": form, "dissolved": dissolved, "q": q, "can_read": can_read}
    if can_read:
        if q:
            visible = scoped(Organization.objects.all(), user, perms.ORGS_READ)
            if not dissolved:
                visible = visible.filter(status=OrgStatus.ACTIVE)
            context["results"] = services.search_orgs(visible, q)
        else:
            context["nodes"] = services.tree_nodes(services.scope_roots(user, include_dissolved=dissolved))
    else:
        # A plain member: their own organisation and group, as public pages.
        own = list(Organization.objects.filter(path__in=scope_for(user).own_paths).order_by("path"))
        context["own_orgs"] = own
    return render(request, "orgs/tree.html", context)


@login_required
@require_GET
def children(request, pk):
    org = _org_for(request, perms.ORGS_READ, pk)
    dissolved = _flag(request, "dissolved")
    try:
        offset = max(0, int(request.GET.get("offset", 0)))
    except ValueError:
        offset = 0
    rows, more = services.children_of(org, include_dissolved=dissolved, offset=offset)
    return render(request, "orgs/_nodes.html", {
        "nodes": services.tree_nodes(rows), "parent": org, "dissolved": dissolved, "more": more,
        "next_offset": offset + services.TREE_PAGE,
    })


@login_required
@require_GET
def detail(request, pk):
    user = request.user
    org = _org_for(request, perms.ORGS_READ, pk, extra=own_org_q(user))
    can_read = has_perm(user, perms.ORGS_READ, org)
    today = timezone.localdate()
    ancestors = [(a, has_perm(user, perms.ORGS_READ, a)) for a in org.ancestors()]
    posts = sorted(Post.objects.active(today).filter(org=org).select_related("person"),
                   key=lambda p: (ROLE_ORDER.get(p.role, 99), p.start_date))
    context = {
        "org": org, "ancestors": ancestors, "posts": posts, "can_read": can_read,
        "can_write": org.is_active and has_perm(user, perms.ORGS_WRITE, org),
        "can_posts": has_perm(user, perms.POSTS_MANAGE, org),
        "can_audit": has_perm(user, perms.AUDIT_READ, org),
        "can_people": has_perm(user, perms.PEOPLE_READ, org),
    }
    if can_read:
        rows, more = services.children_of(org, include_dissolved=True)
        counts = services.category_counts(org)
        context.update(
            children=services.tree_nodes(rows), more_children=more,
            categories=[(value, label, counts.get(value, 0)) for value, label in PoliticalStatus.choices],
            members=counts.get(PoliticalStatus.FULL, 0) + counts.get(PoliticalStatus.PROBATIONARY, 0),
            warnings=services.warnings_for_orgs([org])[org.pk] if org.is_active else [],
            events=list(org.events.select_related("actor")[:30]),
        )
    return render(request, "orgs/detail.html", context)


def _save_or_errors(request, form, action):
    """Run a service call; on a rule's refusal put the message on the form (nothing was written)."""
    try:
        return action()
    except ConflictError as e:
        messages.error(request, e.message)
    except ValidationError as e:
        add_domain_error(form, e)
    return None


@login_required
def create_child(request, pk):
    parent = _org_for(request, perms.ORGS_WRITE, pk)
    if not parent.is_active:
        raise Http404
    form = OrgCreateForm(request.POST or None, parent=parent)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        org = _save_or_errors(request, form, lambda: services.create_org(
            request.user, org_type=form.cleaned_data["org_type"], parent=parent, **data))
        if org is not None:
            messages.success(request, _("%(name)s was set up.") % {"name": org.name})
            return redirect("orgs:detail", org.pk)
    return render(request, "orgs/form.html", {"form": form, "org": parent, "parent": parent, "mode": "create"})


@login_required
def edit(request, pk):
    org = _org_for(request, perms.ORGS_WRITE, pk)
    if not org.is_active:
        raise Http404
    form = OrgEditForm(request.POST) if request.method == "POST" else OrgEditForm.for_org(org)
    if request.method == "POST" and form.is_valid():
        saved = _save_or_errors(request, form, lambda: services.update_org(
            request.user, org, form.service_data(), expected_version=form.cleaned_data["version"]))
        if saved is not None:
            messages.success(request, _("The changes were saved."))
            return redirect("orgs:detail", org.pk)
    return render(request, "orgs/form.html", {"form": form, "org": org, "mode": "edit"})


@login_required
def move(request, pk):
    user = request.user
    org = _org_for(request, perms.ORGS_WRITE, pk)
    if not org.is_active or org.parent_id is None:
        raise Http404
    candidates = services.parent_candidates(user, org)

    def lookup(code):
        return scoped(Organization.objects.filter(code=code), user, perms.ORGS_WRITE).first()

    form = MoveForm(request.POST or None, candidates=candidates, lookup=lookup,
                    initial={"version": org.version})
    if request.method == "POST" and form.is_valid():
        moved = _save_or_errors(request, form, lambda: services.move_org(
            user, org, form.cleaned_data["parent"], expected_version=form.cleaned_data["version"],
            note=form.cleaned_data["note"]))
        if moved is not None:
            messages.success(request, _("%(name)s now sits under %(parent)s.") % {
                "name": moved.name, "parent": form.cleaned_data["parent"].name})
            return redirect("orgs:detail", org.pk)
    return render(request, "orgs/move.html", {"form": form, "org": org, "candidates": candidates})


@login_required
def dissolve(request, pk):
    org = _org_for(request, perms.ORGS_WRITE, pk)
    if not org.is_active:
        raise Http404
    form = DissolveForm(request.POST or None, initial={"version": org.version, "on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        done = _save_or_errors(request, form, lambda: services.dissolve_org(
            request.user, org, on=form.cleaned_data["on"], note=form.cleaned_data["note"],
            expected_version=form.cleaned_data["version"]))
        if done is not None:
            messages.success(request, _("%(name)s was dissolved.") % {"name": org.name})
            return redirect("orgs:detail", org.pk)
    return render(request, "orgs/dissolve.html", {"form": form, "org": org})


@login_required
@require_GET
def warnings(request, pk=None):
    user = request.user
    if pk is not None:
        roots = [_org_for(request, perms.ORGS_READ, pk)]
    else:
        require_anywhere(user, perms.ORGS_READ)
        roots = services.scope_roots(user)
    form = WarningFilterForm(request.GET or None)
    code = form.cleaned_data.get("code") if form.is_valid() else ""
    rows = []
    for root in roots:
        rows.extend(services.subtree_warning_rows(root, code=code or None))
    tally = Counter(w.code for _pk, ws in rows for w in ws)
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    page.object_list = services.attach_orgs(list(page.object_list))  # only this page's organisations
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "orgs/warnings.html", {
        "form": form, "page": page, "root": roots[0] if pk is not None else None, "code": code,
        "tally": [(c, label, tally.get(c, 0)) for c, label in rules.WARNING_CODES.items()],
        "total": sum(tally.values()), "query": query.urlencode(),
    })
