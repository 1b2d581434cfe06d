"""Work records pages (支部工作动态): thin callers of services.py. Outsiders get 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.accounts.decorators import perm_anywhere_required
from dangjian.core import richtext
from dangjian.core.errors import ConflictError, messages_of
from dangjian.core.text import int_param
from dangjian.orgs.forms import add_domain_error
from dangjian.orgs.models import Organization

from . import feeds, rules, services
from .forms import CommentForm, ItemForm, RecordForm
from .models import WorkItem, WorkRecordFile
from .services import MANAGE, READ, WRITE

PAGE_SIZE = 20


def _nav(user):
    return {"can_write": services.has_perm_anywhere(user, WRITE), "can_read": services.reads_anywhere(user),
            "can_manage": services.has_perm_anywhere(user, MANAGE)}


def _filters(request):
    """item, org, period from the query string; unknown or unreachable values are dropped."""
    params = request.GET
    item = org = None
    item_id, org_id = int_param(params.get("item")), int_param(params.get("org"))
    items = list(services.items_in_reach(request.user))
    if item_id:
        item = next((i for i in items if i.pk == item_id), None)
    if org_id:
        org = Organization.objects.filter(pk=org_id).first()
    period = rules.parse_period(params.get("period"))
    return items, item, org, period


@login_required
def feed(request):
    """The records the user sees, newest first: their own subtree's and the committee's opened items."""
    user = request.user
    items, item, org, period = _filters(request)
    bookmarked = request.GET.get("mine") == "1"
    records = services.feed(user, item=item, org=org, period=period, bookmarked=bookmarked)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    for r in page:
        r.excerpt = richtext.excerpt(r.text)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "workrecords/feed.html", {
        "page": page, "items": items, "item": item, "org": org, "period": period, "bookmarked": bookmarked,
        "query": query.urlencode(), "period_key": request.GET.get("period", ""), "section": "mine" if bookmarked
        else "feed", **_nav(user)})


@perm_anywhere_required(WRITE)
def record_new(request):
    user = request.user
    orgs = services.writable_orgs(user)
    if not orgs:
        raise Http404
    org_id = int_param(request.POST.get("org") or request.GET.get("org"))
    org = next((o for o in orgs if o.pk == org_id), orgs[0])
    items = services.items_for_org(org)
    if request.method == "POST":
        # the item is checked by the service (another committee's item is refused with a message)
        all_items = items + [i for i in WorkItem.objects.filter(pk=int_param(request.POST.get("item")) or 0)
                             if i not in items]
        form = RecordForm(request.POST, request.FILES, orgs=orgs, items=all_items)
        if form.is_valid():
            d = form.cleaned_data
            try:
                record = services.add_record(
                    user, item=next((i for i in all_items if i.pk == d["item"]), None), org=org, date=d["date"],
                    title=d["title"], text=d["text"], files=d["files"])
            except ValidationError as e:
                add_domain_error(form, e)
            else:
                messages.success(request, _("Record filed."))
                return redirect("workrecords:detail", record.pk)
    else:
        initial = {"org": org.pk, "date": timezone.localdate()}
        item_id = int_param(request.GET.get("item"))
        if any(i.pk == item_id for i in items):
            initial["item"] = item_id
        form = RecordForm(orgs=orgs, items=items, initial=initial)
    return render(request, "workrecords/form.html", {"form": form, "org": org, "section": "new", **_nav(user)})


@login_required
def record_detail(request, pk):
    user = request.user
    record = services.get_record_or_404(user, pk)
    comments = list(record.comments.select_related("author__person", "author_org"))
    files = list(record.files.all())
    kind = f"{record.source_type.app_label}.{record.source_type.model}" if record.source_type_id else ""
    return render(request, "workrecords/detail.html", {
        "record": record, "comments": comments, "photos": [f for f in files if f.kind == WorkRecordFile.Kind.PHOTO],
        "attachments": [f for f in files if f.kind != WorkRecordFile.Kind.PHOTO],
        "source_url": feeds.source_url(kind, record.source_id), "source_label": feeds.kinds().get(kind, ("",))[0],
        "bookmarked": record.bookmarks.filter(user=user).exists(), "comment_form": CommentForm(),
        "can_delete": not record.source_type_id and services.may_write(user, record.org), **_nav(user)})


@login_required
@require_POST
def comment(request, pk):
    record = services.get_record_or_404(request.user, pk)
    try:
        services.add_comment(request.user, record, request.POST.get("text", ""))
    except ValidationError as e:
        for m in messages_of(e):
            messages.error(request, m)
    else:
        messages.success(request, _("Comment added."))
    return redirect("workrecords:detail", record.pk)


@login_required
@require_POST
def bookmark(request, pk):
    record = services.get_record_or_404(request.user, pk)
    now = services.toggle_bookmark(request.user, record)
    messages.success(request, _("Kept in “Learn from”.") if now else _("Removed from “Learn from”."))
    return redirect("workrecords:detail", record.pk)


@login_required
@require_POST
def record_delete(request, pk):
    record = services.get_record_or_404(request.user, pk)
    try:
        services.delete_record(request.user, record)
    except ValidationError as e:
        for m in messages_of(e):
            messages.error(request, m)
        return redirect("workrecords:detail", record.pk)
    messages.success(request, _("Record withdrawn."))
    return redirect("workrecords:feed")


@login_required
def file_download(request, pk):
    f = WorkRecordFile.objects.filter(pk=pk).select_related("record").first()
    if f is None:
        raise Http404
    services.get_record_or_404(request.user, f.record_id)
    try:
        handle = f.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    return FileResponse(handle, as_attachment=f.kind != WorkRecordFile.Kind.PHOTO, filename=f.name,
                        content_type=f.content_type or "application/octet-stream")


@perm_anywhere_required(READ)
def grid(request):
    """Per organisation and item: filled, behind or missing in the period (red-amber-green), with drill-down."""
    user = request.user
    node = services.grid_root(user, int_param(request.GET.get("org")))
    month = rules.parse_month(request.GET.get("period")) or timezone.localdate().replace(day=1)
    data = services.grid(user, node, month)
    return render(request, "workrecords/grid.html", {
        **data, "period_value": f"{month:%Y-%m}", "prev": f"{rules.add_months(month, -1):%Y-%m}",
        "next": f"{rules.add_months(month, 1):%Y-%m}", "section": "grid", **_nav(user)})


@perm_anywhere_required(MANAGE)
def item_list(request):
    user = request.user
    committees = services.manageable_committees(user)
    items = list(WorkItem.objects.filter(org__in=committees).select_related("org").order_by(
        "org_path", "sort_order", "id"))
    kinds = feeds.kinds()
    for i in items:
        i.source_label = kinds.get(i.source_kind, ("",))[0]
    return render(request, "workrecords/items.html", {"items": items, "committees": committees,
                                                      "section": "items", **_nav(user)})


def _item_data(d):
    return {k: d.get(k) for k in ("code", "title", "description", "frequency", "expected_count", "applies_to",
                                  "siblings_visible", "source_kind", "active", "sort_order")}


@perm_anywhere_required(MANAGE)
def item_edit(request, pk=None):
    user = request.user
    committees = services.manageable_committees(user)
    if not committees:
        raise Http404
    item = None
    if pk is not None:
        item = WorkItem.objects.filter(pk=pk, org__in=committees).select_related("org").first()
        if item is None:
            raise Http404
    conflict = None
    if request.method == "POST":
        form = ItemForm(request.POST, orgs=committees if item is None else [item.org])
        if form.is_valid():
            d = form.cleaned_data
            try:
                if item is None:
                    org = next((o for o in committees if o.pk == d["org"]), None)
                    if org is None:
                        raise Http404
                    item = services.define_item(user, org, _item_data(d))
                    messages.success(request, _("Item defined."))
                else:
                    services.update_item(user, item, _item_data(d), expected_version=d.get("version"))
                    messages.success(request, _("Item saved."))
            except ConflictError as e:
                conflict = e.message
            except ValidationError as e:
                add_domain_error(form, e)
            else:
                return redirect("workrecords:items")
    elif item is not None:
        form = ItemForm(orgs=[item.org], initial={**{k: getattr(item, k) for k in _item_data({})},
                                                  "org": item.org_id, "version": item.version})
    else:
        form = ItemForm(orgs=committees, initial={"org": committees[0].pk, "applies_to": ["branch"],
                                                  "active": True, "expected_count": 1})
    return render(request, "workrecords/item_form.html", {"form": form, "item": item, "conflict": conflict,
                                                          "section": "items", **_nav(user)})
