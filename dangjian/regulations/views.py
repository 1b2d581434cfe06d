"""Regulations pages (手机规章): thin callers of services.py and search.py. Reading goes through the scoping
helper (members of the issuing organisation's subtree, post holders, learning:read/manage); managing needs
learning:manage over the document's organisation. Outsiders get 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.core.errors import ConflictError, messages_of
from dangjian.core.text import int_param
from dangjian.orgs.forms import add_domain_error
from dangjian.orgs.models import Organization, OrgStatus
from dangjian.orgs.services import active_orgs_for

from . import rules, search, services
from .forms import (
    CategoryEditForm,
    CategoryForm,
    FilingForm,
    RegulationForm,
    RepealForm,
    SearchForm,
    VersionForm,
)
from .models import Category, RegulationStatus
from .services import MANAGE

PAGE_SIZE = 20
LIST_PAGE_SIZE = 50
RECENT_ON_LIST = 5


def _subnav(user):
    return {"can_manage": services.manages_any(user)}


def _mark_recent(regulations, now=None):
    now = now or timezone.now()
    for r in regulations:
        r.is_recent = rules.is_recent(r.last_published_at, now)
    return regulations


_int = int_param


# ---------------------------------------------------------------------------------------------------- reading

@login_required
def regulation_list(request):
    """The library by category, with the search box (HTMX swaps the results as one types)."""
    user = request.user
    categories = list(services.visible_categories(user).order_by("sort_order", "name", "id"))
    form = SearchForm(request.GET or None, categories=categories)
    data = form.cleaned_data if form.is_valid() else {}
    regs = services.readable_regulations(user)
    if not data.get("repealed"):
        regs = regs.filter(status=RegulationStatus.PUBLISHED)
    category = next((c for c in categories if c.pk == data.get("category")), None)
    if category is not None:
        regs = regs.filter(category=category)
    query = (data.get("q") or "").strip()
    results = None
    if query:
        results = search.run(regs, query, history=bool(data.get("history")))
        page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
        _mark_recent([hit.regulation for hit in page.object_list])
    else:
        regs = regs.select_related("category", "org").order_by(
            F("category__sort_order").asc(nulls_last=True), "category__name", "category_id", "title", "id")
        page = Paginator(regs, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
        _mark_recent(page.object_list)
    params = request.GET.copy()
    params.pop("page", None)
    context = {"form": form, "page": page, "query": params.urlencode(), "q": query, "results": results,
               "category": category, "history": bool(data.get("history")),
               "recent_days": rules.RECENT_DAYS, **_subnav(user)}
    if getattr(request, "htmx", False) and request.htmx.target == "results":
        return render(request, "regulations/_results.html", context)
    if not query and page.number == 1:
        context["recent"] = _mark_recent(list(services.recently_updated(user).select_related("category")
                                              .order_by("-last_published_at", "-id")[:RECENT_ON_LIST]))
    return render(request, "regulations/list.html", context)


@login_required
def whats_new(request):
    """最近更新: new documents and new versions, newest first, each with what changed."""
    user = request.user
    page = Paginator(services.whats_new(user), PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    now = timezone.now()
    for v in page.object_list:
        v.upcoming = v.effective_on > today
        v.is_recent = rules.is_recent(v.published_at, now)
    return render(request, "regulations/whats_new.html", {"page": page, "query": "", "days": rules.RECENT_DAYS,
                                                          **_subnav(user)})


def _reading(request, regulation, version, versions):
    user = request.user
    today = timezone.localdate()
    pairs = [(v.number, v.effective_on) for v in versions]
    current = rules.current_number(pairs, today)
    shown = rules.shown_number(pairs, today)
    body, toc = rules.outline(version.body_html)
    newer = [v for v in versions if v.number > version.number]
    return render(request, "regulations/detail.html", {
        "regulation": regulation, "version": version, "versions": versions, "body": body, "toc": toc,
        "toc_groups": rules.toc_groups(toc),
        "is_current": version.number == current, "is_shown": version.number == shown,
        "upcoming": version.effective_on > today, "shown_number": shown, "newer": newer,
        "can_manage": services.can_manage(user, regulation),
        "repealed": regulation.status == RegulationStatus.REPEALED,
    })


@login_required
def regulation_detail(request, pk):
    regulation = services.get_regulation_or_404(request.user, pk)
    versions = services.versions_of(regulation)
    version, _in_force = services.shown_version(regulation, versions)
    if version is None:  # a draft: only its managers get here
        return render(request, "regulations/draft.html", {"regulation": regulation,
                                                         "can_manage": services.can_manage(request.user, regulation)})
    return _reading(request, regulation, version, versions)


@login_required
def version_detail(request, pk, number):
    regulation, version = services.get_version_or_404(request.user, pk, number)
    return _reading(request, regulation, version, services.versions_of(regulation))


@login_required
def attachment(request, pk, number):
    """A version's PDF, for those who may read the document (never a public media URL)."""
    _regulation, version = services.get_version_or_404(request.user, pk, number)
    if not version.attachment:
        raise Http404
    try:
        handle = version.attachment.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type="application/pdf", as_attachment=False,
                            filename=version.attachment_name or f"v{version.number}.pdf")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


# ---------------------------------------------------------------------------------------------------- managing

def _manage_categories(user, org_path=None):
    """Categories a manager may file under (those that fit `org_path` when given)."""
    cats = list(services.visible_categories(user).order_by("sort_order", "name", "id"))
    if org_path is not None:
        cats = [c for c in cats if rules.category_fits(c.org_path, org_path)]
    return cats


def _by_pk(rows, pk):
    return next((r for r in rows if r.pk == pk), None)


@login_required
def regulation_create(request):
    user = request.user
    orgs = active_orgs_for(user, MANAGE)
    if not orgs:
        raise Http404
    categories = _manage_categories(user)
    if request.method == "POST":
        form = RegulationForm(request.POST, orgs=orgs, categories=categories)
        if form.is_valid():
            d = form.cleaned_data
            org = _by_pk(orgs, d["org"])
            try:
                if org is None:
                    raise Http404
                regulation = services.create_regulation(
                    user, org=org, title=d["title"], category=_by_pk(categories, d.get("category")),
                    doc_number=d.get("doc_number", ""), issuer=d.get("issuer", ""))
            except ValidationError as e:
                add_domain_error(form, e)
            else:
                messages.success(request, _("Document created as a draft. Publish its first version."))
                return redirect("regulations:publish", regulation.pk)
    else:
        form = RegulationForm(orgs=orgs, categories=categories, initial={"org": orgs[0].pk})
    return render(request, "regulations/form.html", {"form": form, **_subnav(user)})


def _managed_or_404(user, pk):
    regulation = services.get_regulation_or_404(user, pk)
    if not services.can_manage(user, regulation):
        raise Http404
    return regulation


def _prefill(version):
    """The latest text to start the next version from: plain lines if it was written as plain text, else its
    HTML (kept by the sanitiser)."""
    if version is None:
        return ""
    if rules.text_to_html(version.body_text) == version.body_html:
        return version.body_text
    return version.body_html


@login_required
def publish(request, pk):
    """Publish the next version (the first one of a draft). Someone else publishing meanwhile is refused."""
    user = request.user
    regulation = _managed_or_404(user, pk)
    latest = regulation.versions.order_by("-number").first()
    conflict = None
    if request.method == "POST":
        form = VersionForm(request.POST, request.FILES)
        if form.is_valid():
            d = form.cleaned_data
            try:
                version = services.publish_version(
                    user, regulation, expected_version=d["version"], base_number=d.get("base_number"),
                    title=d["title"], body=d["body"], effective_on=d["effective_on"],
                    change_summary=d.get("change_summary", ""), attachment=d.get("attachment"))
            except ConflictError as e:
                conflict = e.message
                regulation.refresh_from_db()
                latest = regulation.versions.order_by("-number").first()
                data = request.POST.copy()  # keep what they typed; a second submit is a deliberate one
                data["version"] = regulation.version
                data["base_number"] = latest.number if latest else 0
                form = VersionForm(data)
                form.is_valid()
            except ValidationError as e:
                add_domain_error(form, e)
            else:
                messages.success(request, _("Version %(n)d published.") % {"n": version.number})
                return redirect("regulations:detail", regulation.pk)
    else:
        if regulation.status == RegulationStatus.REPEALED:
            messages.info(request, _("This document has been repealed: it takes no new versions."))
            return redirect("regulations:detail", regulation.pk)
        form = VersionForm(initial={
            "title": latest.title if latest else regulation.title, "body": _prefill(latest),
            "effective_on": timezone.localdate(), "version": regulation.version,
            "base_number": latest.number if latest else 0})
    return render(request, "regulations/publish.html", {"form": form, "regulation": regulation, "latest": latest,
                                                        "conflict": conflict})


@login_required
def regulation_edit(request, pk):
    user = request.user
    regulation = _managed_or_404(user, pk)
    categories = _manage_categories(user, regulation.org_path)
    if request.method == "POST":
        form = FilingForm(request.POST, categories=categories)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.update_regulation(user, regulation, expected_version=d["version"],
                                           category=_by_pk(categories, d.get("category")),
                                           doc_number=d.get("doc_number", ""), issuer=d.get("issuer", ""))
            except ConflictError as e:
                messages.error(request, e.message)
                return redirect("regulations:edit", regulation.pk)
            except ValidationError as e:
                add_domain_error(form, e)
            else:
                messages.success(request, _("Changes saved."))
                return redirect("regulations:detail", regulation.pk)
    else:
        form = FilingForm(categories=categories, initial={
            "doc_number": regulation.doc_number, "issuer": regulation.issuer, "category": regulation.category_id,
            "version": regulation.version})
    return render(request, "regulations/edit.html", {"form": form, "regulation": regulation})


@login_required
def repeal(request, pk):
    user = request.user
    regulation = _managed_or_404(user, pk)
    if request.method == "POST":
        form = RepealForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.repeal_regulation(user, regulation, expected_version=d["version"], on=d["repealed_on"],
                                           note=d["repeal_note"])
            except ConflictError as e:
                messages.error(request, e.message)
                return redirect("regulations:repeal", regulation.pk)
            except ValidationError as e:
                add_domain_error(form, e)
            else:
                messages.success(request, _("The document is repealed."))
                return redirect("regulations:detail", regulation.pk)
    else:
        form = RepealForm(initial={"repealed_on": timezone.localdate(), "version": regulation.version})
    return render(request, "regulations/repeal.html", {"form": form, "regulation": regulation})


# ---------------------------------------------------------------------------------------------------- categories

@login_required
def categories(request):
    """The categories a manager keeps, and a form for a new one."""
    user = request.user
    orgs = active_orgs_for(user, MANAGE)
    superuser = user.is_superuser
    if not orgs and not superuser:
        raise Http404
    if request.method == "POST":
        form = CategoryForm(request.POST, orgs=orgs, allow_global=superuser)
        if form.is_valid():
            d = form.cleaned_data
            org = None
            if d.get("org") is not None:
                org = _by_pk(orgs, d["org"]) or Organization.objects.filter(
                    pk=d["org"], status=OrgStatus.ACTIVE).first()
                if org is None:
                    raise Http404
            try:
                services.create_category(user, org=org, name=d["name"], sort_order=d.get("sort_order"))
            except ValidationError as e:
                add_domain_error(form, e)
            else:
                messages.success(request, _("Category added."))
                return redirect("regulations:categories")
    else:
        form = CategoryForm(orgs=orgs, allow_global=superuser, initial={"org": orgs[0].pk if orgs else None})
    rows = list(services.manageable_categories(user).order_by("org_path", "sort_order", "name", "id"))
    if not superuser:
        rows = [c for c in rows if c.org_path] + list(services.visible_categories(user).filter(org_path=""))
    for c in rows:
        c.can_edit = services.can_manage_category(user, c)
    return render(request, "regulations/categories.html", {"form": form, "rows": rows, **_subnav(user)})


@login_required
def category_edit(request, pk):
    user = request.user
    category = Category.objects.select_related("org").filter(pk=pk).first()
    if category is None or not services.can_manage_category(user, category):
        raise Http404
    if request.method == "POST":
        form = CategoryEditForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.update_category(user, category, expected_version=d["version"], name=d["name"],
                                         sort_order=d.get("sort_order"))
            except ConflictError as e:
                messages.error(request, e.message)
                return redirect("regulations:category_edit", category.pk)
            except ValidationError as e:
                add_domain_error(form, e)
            else:
                messages.success(request, _("Changes saved."))
                return redirect("regulations:categories")
    else:
        form = CategoryEditForm(initial={"name": category.name, "sort_order": category.sort_order,
                                         "version": category.version})
    return render(request, "regulations/category_edit.html", {"form": form, "category": category,
                                                              "in_use": category.regulations.count()})


@login_required
@require_POST
def category_delete(request, pk):
    user = request.user
    category = Category.objects.filter(pk=pk).first()
    if category is None or not services.can_manage_category(user, category):
        raise Http404
    try:
        services.delete_category(user, category, expected_version=request.POST.get("version"))
    except ConflictError as e:
        messages.error(request, e.message)
    except ValidationError as e:
        for m in messages_of(e):
            messages.error(request, m)
        return redirect("regulations:category_edit", category.pk)
    else:
        messages.success(request, _("Category deleted."))
    return redirect(reverse("regulations:categories"))
