"""Publication pages (signed in): the list, one item with its objections, publishing, withdrawing, answering and
the 党务公开 catalogue. Thin callers of services.py; outsiders get 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.accounts.decorators import perm_anywhere_required
from dangjian.accounts.scoping import has_perm_anywhere
from dangjian.core.errors import messages_of
from dangjian.orgs.forms import add_domain_error
from dangjian.orgs.models import Organization
from dangjian.orgs.services import active_orgs_for

from . import qr, rules, services
from .forms import CatalogueItemForm, ObjectionForm, PublicationForm
from .models import Attachment, CatalogueItem, Objection, PubState
from .services import MANAGE, READ

PAGE_SIZE = 20
PUBLIC_PAGES = 12  # links to the organisations' public pages shown on the list


@login_required
def publication_list(request):
    """What the user may read: on display now (default), or — for the organisation and above — the archive."""
    user = request.user
    today = timezone.localdate()
    show = request.GET.get("show", "current")
    qs = services.visible(user, today).select_related("org")
    if show == "archive":
        qs = qs.exclude(services.current_q(today)).exclude(state=PubState.DRAFT)
    elif show == "drafts":
        qs = qs.filter(state=PubState.DRAFT)
    else:
        show = "current"
        qs = qs.filter(services.current_q(today))
    page = Paginator(qs.order_by("-starts", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    counts = services.objection_counts(page.object_list)
    rows = [(p, rules.effective_state(p.state, p.ends, today), counts.get(p.pk, (0, 0))) for p in page]
    can_publish = has_perm_anywhere(user, MANAGE)
    return render(request, "publications/list.html", {
        "page": page, "rows": rows, "show": show, "can_publish": can_publish,
        "reads_archive": has_perm_anywhere(user, READ),
        "public_pages": active_orgs_for(user, MANAGE, limit=PUBLIC_PAGES) if can_publish else []})


def _publish_form(request, data=None, files=None):
    orgs = active_orgs_for(request.user, MANAGE)
    items = list(CatalogueItem.objects.filter(active=True).order_by("org_path", "sort_order")[:200])
    visible_items = [i for i in items if any(o.path.startswith(i.org_path) for o in orgs)]
    initial = {"starts": timezone.localdate(), "days": 5, "kind": request.GET.get("kind", "notice")}
    return PublicationForm(data, files, orgs=orgs, items=visible_items, initial=initial), orgs, visible_items


@perm_anywhere_required(MANAGE)
def publication_create(request):
    if request.method == "POST":
        form, orgs, items = _publish_form(request, request.POST, request.FILES)
        if form.is_valid():
            d = form.cleaned_data
            org = next((o for o in orgs if o.pk == d["org"]), None)
            item = next((i for i in items if i.pk == d["catalogue_item"]), None)
            try:
                pub = services.publish(request.user, Organization.objects.get(pk=org.pk) if org else None,
                                       d["kind"], d["title"], d["body"], d["audience"], d["starts"],
                                       days=d["days"] if not d["ends"] else None, ends=d["ends"],
                                       attachments=d["attachments"], catalogue_item=item)
            except ValidationError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("Published."))
                return redirect("publications:detail", pub.pk)
    else:
        form, _orgs, _items = _publish_form(request)
    return render(request, "publications/form.html", {"form": form})


@login_required
def publication_detail(request, pk):
    user = request.user
    pub = services.get_visible_or_404(user, pk)
    today = timezone.localdate()
    can_manage = services.can_manage(user, pub)
    public_url = request.build_absolute_uri(reverse("public:item", args=[pub.token])) if pub.audience == "public" else ""
    form = None
    if pub.kind_info.allows_objections and rules.open_for_objections(pub.state, pub.starts, pub.ends, today):
        form = ObjectionForm()
        if not pub.kind_info.allows_anonymous:
            del form.fields["anonymous"]
        del form.fields["name"], form.fields["contact"]
    return render(request, "publications/detail.html", {
        "pub": pub, "state": rules.effective_state(pub.state, pub.ends, today), "can_manage": can_manage,
        "objections": services.objections_of(user, pub), "form": form,
        "attachments": list(pub.attachments.all()), "public_url": public_url,
        "qr_svg": qr.svg(public_url) if public_url else "",
        "can_withdraw": can_manage and rules.can_transition(pub.state, PubState.WITHDRAWN),
        "can_release": can_manage and pub.state == PubState.DRAFT})


def _errors(request, exc):
    for m in messages_of(exc):
        messages.error(request, m)


@login_required
@require_POST
def object_to(request, pk):
    pub = services.get_visible_or_404(request.user, pk)
    form = ObjectionForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.object_to(request.user, pub, d["body"], anonymous=d.get("anonymous"), type=d["type"])
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Thank you. The organisation will answer."))
    else:
        messages.error(request, _("Write your objection or comment."))
    return redirect("publications:detail", pub.pk)


@login_required
@require_POST
def answer(request, pk):
    try:
        objection = Objection.objects.select_related("publication").get(pk=pk)
    except (Objection.DoesNotExist, ValidationError, ValueError):
        raise Http404
    pub = services.get_visible_or_404(request.user, objection.publication_id)
    try:
        services.answer(request.user, objection, request.POST.get("reply", ""))
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Answer saved."))
    return redirect("publications:detail", pub.pk)


@login_required
@require_POST
def withdraw(request, pk):
    pub = services.get_visible_or_404(request.user, pk)
    try:
        services.withdraw(request.user, pub, request.POST.get("reason", ""), version=request.POST.get("version"))
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Withdrawn."))
    return redirect("publications:detail", pub.pk)


@login_required
@require_POST
def release(request, pk):
    pub = services.get_visible_or_404(request.user, pk)
    try:
        services.release(request.user, pub, version=request.POST.get("version"))
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Published."))
    return redirect("publications:detail", pub.pk)


@login_required
def attachment(request, pk):
    try:
        att = Attachment.objects.get(pk=pk)
    except (Attachment.DoesNotExist, ValueError):
        raise Http404
    services.get_visible_or_404(request.user, att.publication_id)
    return FileResponse(att.file.open("rb"), as_attachment=True, filename=att.name)


@perm_anywhere_required(READ)
def catalogue(request):
    """The 党务公开 catalogue and, for each organisation under the user, what is done, due and overdue."""
    user = request.user
    manage_orgs = active_orgs_for(user, MANAGE, limit=200)
    form = CatalogueItemForm(orgs=manage_orgs)
    if request.method == "POST":
        form = CatalogueItemForm(request.POST, orgs=manage_orgs)
        if form.is_valid():
            d = form.cleaned_data
            org = next((o for o in manage_orgs if o.pk == d["org"]), None)
            try:
                services.define_item(user, Organization.objects.get(pk=org.pk) if org else None, d["title"],
                                     d["frequency"], d["reach"], d["applies_to"], d["description"])
            except ValidationError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("Catalogue item added."))
                return redirect("publications:catalogue")
    status = services.catalogue_status(user)
    only_overdue = request.GET.get("overdue") == "1"
    if only_overdue:
        status = [(o, [r for r in rows if r[1] == rules.OVERDUE]) for o, rows in status]
        status = [(o, rows) for o, rows in status if rows]
    items = list(services.scoped_items(user))
    return render(request, "publications/catalogue.html", {
        "status": status, "items": items, "form": form if manage_orgs else None, "only_overdue": only_overdue,
        "today": timezone.localdate()})
