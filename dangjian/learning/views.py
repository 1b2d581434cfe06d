"""Learning pages: thin callers of services.py. A member sees the items assigned to them and their own credits;
learning:manage over an organisation keeps its items, assignments and credit rules; learning:read over it sees
completion rates and members' credits. Outsiders get 404."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.accounts.decorators import require_anywhere
from dangjian.accounts.scoping import has_perm, has_perm_anywhere, scoped
from dangjian.core.errors import ConflictError, messages_of
from dangjian.core.text import int_param, year_param
from dangjian.orgs.forms import add_domain_error
from dangjian.orgs.models import Organization
from dangjian.orgs.services import PICKER_FIELDS, active_orgs_for, pick_org

from . import rules, services
from .forms import AssignForm, CorrectionForm, CreditForm, ItemFilterForm, ItemForm, OrgYearForm, RuleForm
from .models import Assignment, CreditEntry, CreditRule, ItemStatus, LearningItem, Progress
from .services import MANAGE, READ

PAGE_SIZE = 20
PEOPLE_LIMIT = 1000
COMPLETION_PAGE = 100
ORG_FIELDS = PICKER_FIELDS
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _subnav(user):
    return {"can_manage": has_perm_anywhere(user, MANAGE), "can_read": has_perm_anywhere(user, READ)}


_int = int_param
_year = year_param


def _query(request):
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# ---------------------------------------------------------------------------------------------------- member pages

def _me(request):
    person = services._person(request.user)
    if person is None:
        raise Http404
    return person


@login_required
def home(request):
    """My learning: the items assigned to me, to do and done, with progress and due dates, and this year's credits."""
    user = request.user
    person = services._person(user)
    if person is None:
        if has_perm_anywhere(user, MANAGE):
            return redirect("learning:manage")
        if has_perm_anywhere(user, READ):
            return redirect("learning:rates")
        raise Http404
    tasks = services.tasks_for(person)
    tab = request.GET.get("tab") if request.GET.get("tab") in ("todo", "done") else "todo"
    todo = [t for t in tasks if not t.done]
    done = [t for t in tasks if t.done]
    year = timezone.localdate().year
    summary = services.credits_of(person, year)
    return render(request, "learning/home.html", {
        "tab": tab, "tasks": todo if tab == "todo" else done, "todo_count": len(todo), "done_count": len(done),
        "today": timezone.localdate(), "summary": summary, **_subnav(user)})


@login_required
def read(request, pk):
    """An item's reading page. For the person it is assigned to, the page pings the server every 15 s while it is
    visible and shows the time left; managers and readers see it without the timer."""
    item, task, access = services.open_item(request.user, pk)
    return render(request, "learning/read.html", {
        "item": item, "task": task, "access": access, "today": timezone.localdate(),
        "ping_seconds": rules.PING_SECONDS, "cap_seconds": rules.INTERVAL_CAP,
        "closed": bool(item.deadline and timezone.localdate() > item.deadline),
        "can_manage": access == "manager" or has_perm(request.user, MANAGE, item.org_path)})


@require_POST
@login_required
def heartbeat(request, pk):
    """The reading page's heartbeat (HTMX): counts the time and answers with the timer."""
    error = None
    try:
        result = services.heartbeat(request.user, pk)
        task, completed_now = result.task, result.completed_now
    except ValidationError as e:
        error = " ".join(messages_of(e))
        item, task, _access = services.open_item(request.user, pk)
        completed_now = False
    return render(request, "learning/_timer.html", {
        "item": task.item, "task": task, "completed_now": completed_now, "error": error,
        "ping_seconds": rules.PING_SECONDS, "cap_seconds": rules.INTERVAL_CAP})


@login_required
def item_file(request, pk):
    """An item's file, for those who may open the item (never a public URL)."""
    item, _task, _access = services.open_item(request.user, pk)
    if not item.file:
        raise Http404
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=item.file_type or "application/octet-stream",
                            as_attachment=request.GET.get("download") == "1", filename=item.file_name or "file")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; media-src 'self'; style-src 'unsafe-inline'"
    response["X-Frame-Options"] = "SAMEORIGIN"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def credits(request):
    """My credits: this year's total against the target, the ledger by source, past years."""
    person = _me(request)
    year = _year(request.GET.get("year"))
    return render(request, "learning/credits.html", {"person": person, "data": services.credits_of(person, year),
                                                     "own": True, **_subnav(request.user)})


# ---------------------------------------------------------------------------------------------------- items (managers)

@login_required
def manage(request):
    """The items of the organisations I manage, newest first, with how many completed each."""
    user = request.user
    require_anywhere(user, MANAGE)
    form = ItemFilterForm(request.GET or None)
    done = (Progress.objects.filter(item=OuterRef("pk"), completed_at__isnull=False).values("item")
            .annotate(n=Count("pk")).values("n"))
    qs = services.visible_items(user).select_related("org").annotate(
        n_assignments=Count("assignments"), n_done=Subquery(done))
    if form.is_valid():
        if form.cleaned_data.get("q"):
            qs = qs.filter(title__icontains=form.cleaned_data["q"])
        if form.cleaned_data.get("status"):
            qs = qs.filter(status=form.cleaned_data["status"])
    qs = qs.order_by("-created_at", "-id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "learning/manage.html", {"form": form, "page": page, "query": _query(request),
                                                    **_subnav(user)})


def _item_data(form):
    d = dict(form.cleaned_data)
    return {k: d.get(k) for k in ("kind", "title", "summary", "body", "video_url", "min_minutes", "credits",
                                  "deadline")}


@login_required
def item_new(request):
    user = request.user
    orgs = active_orgs_for(user, MANAGE)
    if not orgs:
        raise Http404
    if request.method == "POST":
        form = ItemForm(request.POST, request.FILES, orgs=orgs)
        if form.is_valid():
            org = pick_org(orgs, form.cleaned_data["org"], lambda o: has_perm(user, MANAGE, o))
            try:
                item = services.create_item(user, org, _item_data(form), upload=form.cleaned_data.get("file"))
            except ValidationError as e:
                add_domain_error(form, e)
            else:
                messages.success(request, _("Draft saved. Assign it and publish it when it is ready."))
                return redirect("learning:item", item.pk)
    else:
        form = ItemForm(orgs=orgs, initial={"org": orgs[0].pk, "kind": request.GET.get("kind") or "article"})
    return render(request, "learning/item_form.html", {"form": form, "item": None})


def _managed_item(user, pk):
    from dangjian.accounts.scoping import get_scoped_or_404

    return get_scoped_or_404(LearningItem.objects.select_related("org", "copied_from"), user, MANAGE, pk=pk)


@login_required
def item_edit(request, pk):
    user = request.user
    item = _managed_item(user, pk)
    if request.method == "POST":
        form = ItemForm(request.POST, request.FILES, item=item, initial=_initial(item))
        if form.is_valid():
            data = _item_data(form)
            try:
                services.update_item(user, item, data, upload=form.cleaned_data.get("file") or None,
                                     expected_version=form.cleaned_data.get("version"))
            except ConflictError as e:
                form.add_error(None, e.message)
            except ValidationError as e:
                add_domain_error(form, e)
            else:
                messages.success(request, _("Saved."))
                return redirect("learning:item", item.pk)
    else:
        form = ItemForm(item=item, initial=_initial(item))
    return render(request, "learning/item_form.html", {"form": form, "item": item})


def _initial(item):
    return {"kind": item.kind, "title": item.title, "summary": item.summary, "body": item.body,
            "video_url": item.video_url, "min_minutes": item.min_minutes, "credits": item.credits,
            "deadline": item.deadline, "version": item.version}


@login_required
def item_detail(request, pk):
    """A manager's view of an item: its state, assignments and completion, and what can be done with it."""
    user = request.user
    item = _managed_item(user, pk)
    assignments = list(item.assignments.select_related("org", "person", "person__org").order_by("org_path", "id"))
    counts = Progress.objects.filter(item=item).aggregate(
        started=Count("pk"), done=Count("pk", filter=Q(completed_at__isnull=False)))
    return render(request, "learning/item.html", {
        "item": item, "assignments": assignments, "counts": counts,
        "copies": list(item.copies.only("id", "title", "status")), **_subnav(user)})


@require_POST
@login_required
def item_action(request, pk, action):
    user = request.user
    item = _managed_item(user, pk)
    try:
        if action == "publish":
            services.publish_item(user, item)
            messages.success(request, _("Published: the people it is assigned to see it now."))
        elif action == "withdraw":
            services.withdraw_item(user, item)
            messages.success(request, _("Withdrawn: members no longer see it; completions and credits stay."))
        elif action == "copy":
            copy = services.copy_item(user, item)
            messages.success(request, _("A new version was made as a draft, with the same assignments."))
            return redirect("learning:item_edit", copy.pk)
        else:
            raise Http404
    except ValidationError as e:
        for m in messages_of(e):
            messages.error(request, m)
    return redirect("learning:item", item.pk)


def _assign_people(user, item):
    base = services.roll_people(item.org_path)
    people = list(scoped(base, user, MANAGE).select_related("org").order_by("scope_path", "name", "id")
                  [:PEOPLE_LIMIT])
    return people


@login_required
def item_assign(request, pk):
    user = request.user
    item = _managed_item(user, pk)
    orgs = [o for o in active_orgs_for(user, MANAGE) if o.path.startswith(item.org_path)]
    people = _assign_people(user, item)
    if request.method == "POST":
        form = AssignForm(request.POST, orgs=orgs, people=people)
        if form.is_valid():
            d = form.cleaned_data
            by_org = {o.pk: o for o in orgs}
            by_person = {p.pk: p for p in people}
            try:
                written = services.assign(user, item, orgs=[by_org[i] for i in d["orgs"]],
                                          people=[by_person[i] for i in d["people"]], required=d["required"],
                                          due_on=d.get("due_on"))
            except ValidationError as e:
                add_domain_error(form, e)
            else:
                messages.success(request, _("%(n)d assignments saved.") % {"n": len(written)})
                return redirect("learning:item", item.pk)
    else:
        form = AssignForm(orgs=orgs, people=people, initial={"required": True})
    return render(request, "learning/assign.html", {"form": form, "item": item,
                                                    "truncated": len(people) >= PEOPLE_LIMIT})


@require_POST
@login_required
def item_unassign(request, pk, assignment_pk):
    user = request.user
    item = _managed_item(user, pk)
    row = Assignment.objects.filter(item=item, pk=assignment_pk).first()
    if row is None:
        raise Http404
    services.unassign(user, row)
    messages.success(request, _("Assignment removed; progress and credits already earned stay."))
    return redirect("learning:item", item.pk)


@login_required
def item_completion(request, pk):
    """Who of an organisation completed an item, to do first. learning:read (or manage) over the organisation; the
    item must reach it."""
    user = request.user
    try:
        item = LearningItem.objects.select_related("org").get(pk=int(pk))
    except (LearningItem.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    orgs = list(active_orgs_for(user, READ))
    root = pick_org(orgs, request.GET.get("org"), lambda o: has_perm(user, READ, o))
    if root is None:
        if not has_perm(user, READ, item.org_path):
            raise Http404
        root = item.org
    if item.status == ItemStatus.DRAFT and not has_perm(user, MANAGE, item.org_path):
        raise Http404
    rows = services.item_completion(item, root)
    if not rows and not has_perm(user, READ, item.org_path):
        raise Http404  # an item that does not reach the organisation is not shown to its readers
    state = request.GET.get("state") if request.GET.get("state") in ("todo", "done") else ""
    done = sum(1 for r in rows if r["completed_at"])
    shown = [r for r in rows if (state == "done") == bool(r["completed_at"])] if state else rows
    if request.GET.get("format") == "xlsx":
        return _completion_xlsx(item, root, rows)
    page = Paginator(shown, COMPLETION_PAGE).get_page(request.GET.get("page"))
    return render(request, "learning/completion.html", {
        "item": item, "root": root, "page": page, "state": state, "total": len(rows), "done": done,
        "rate": rules.rate(done, len(rows)), "query": _query(request),
        "can_manage": has_perm(user, MANAGE, item.org_path), **_subnav(user)})


def _completion_xlsx(item, root, rows):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = _("Completion")[:31]
    ws.append([item.title])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([_("Organisation"), root.name])
    ws.append([])
    ws.append([_("Name"), _("Organisation"), _("Minutes read"), _("Completed at")])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for r in rows:
        p = r["person"]
        ws.append([p.name, (p.group or p.org).name if (p.group_id or p.org_id) else "", round(r["seconds"] / 60, 1),
                   timezone.localtime(r["completed_at"]).strftime("%Y-%m-%d %H:%M") if r["completed_at"] else ""])
    for col, width in zip("ABCD", (14, 24, 12, 18), strict=True):
        ws.column_dimensions[col].width = width
    return _xlsx_response(wb, f"learning-item-{item.pk}.xlsx")


def _xlsx_response(wb, filename):
    out = io.BytesIO()
    wb.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# ---------------------------------------------------------------------------------------------------- rates

@login_required
def rates(request):
    """Completion rates of an organisation's subtree, by child organisation (drilling down), by item and by member;
    with credits: members reaching their yearly target. Exported as xlsx."""
    user = request.user
    orgs = active_orgs_for(user, READ)
    if not orgs:
        raise Http404
    root = pick_org(orgs, request.GET.get("org"), lambda o: has_perm(user, READ, o)) or orgs[0]
    year = _year(request.GET.get("year"))
    form = OrgYearForm(initial={"org": root.pk, "year": year}, orgs=orgs)
    data = services.completion(root, year)
    if request.GET.get("format") == "xlsx":
        return _rates_xlsx(data)
    parent = None
    if root.parent_id and has_perm(user, READ, root.path[:-rules.PATH_SEGMENT]):
        parent = Organization.objects.filter(pk=root.parent_id).only(*ORG_FIELDS).first()
    return render(request, "learning/rates.html", {"form": form, "data": data, "year": year, "root": root,
                                                   "parent": parent, **_subnav(user)})


def _pct(value):
    return "" if value is None else value


def _rates_xlsx(data):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = _("Organisations")[:31]
    ws.append([_("Completion rates of %(org)s, %(year)d") % {"org": data["root"].name, "year": data["year"]}])
    ws["A1"].font = Font(bold=True, size=13)
    header = [_("Organisation"), _("Members"), _("Assigned"), _("Completed"), _("Completion rate (%)"),
              _("Reached the target"), _("Share reaching the target (%)")]
    ws.append(header)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for r in data["rows"]:
        name = _("%(org)s (own members)") % {"org": r["org"].name} if r["own"] else r["org"].name
        ws.append([name, r["members"], r["assigned"], r["completed"], _pct(r["rate"]), r["reached"],
                   _pct(r["reached_rate"])])
    t = data["total"]
    ws.append([_("Total"), t["members"], t["assigned"], t["completed"], _pct(t["rate"]), t["reached"],
               _pct(t["reached_rate"])])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    ws.column_dimensions["A"].width = 30
    items = wb.create_sheet(_("Items")[:31])
    items.append([_("Title"), _("Assigned"), _("Completed"), _("Completion rate (%)")])
    for r in data["items"]:
        items.append([r["item"].title, r["assigned"], r["completed"], _pct(r["rate"])])
    items.column_dimensions["A"].width = 40
    if data["members"] is not None:
        members = wb.create_sheet(_("Members")[:31])
        members.append([_("Name"), _("Organisation"), _("Assigned"), _("Completed"), _("Credits"), _("Target"),
                        _("Reached the target")])
        for m in data["members"]:
            members.append([m["name"], m["org"], m["assigned"], m["completed"], float(m["credits"]),
                            float(m["target"]), _("yes") if m["reached"] else _("no")])
        members.column_dimensions["B"].width = 24
    return _xlsx_response(wb, f"learning-{data['root'].code if hasattr(data['root'], 'code') else 'org'}-"
                              f"{data['year']}.xlsx")


# ---------------------------------------------------------------------------------------------------- credits

@login_required
def person_credits(request, pk):
    """A member's credits, for learning:read over their organisation; managers record credits and corrections."""
    user = request.user
    person = services.managed_person(user, pk)
    year = _year(request.GET.get("year"))
    can_manage = has_perm(user, MANAGE, person.scope_path)
    credit_form = CreditForm(initial={"year": year})
    correction_form = CorrectionForm()
    if request.method == "POST":
        if not can_manage:
            raise Http404
        try:
            if request.POST.get("action") == "correct":
                correction_form = CorrectionForm(request.POST)
                if correction_form.is_valid():
                    d = correction_form.cleaned_data
                    entry = CreditEntry.objects.filter(pk=d["entry"], person=person).first()
                    if entry is None:
                        raise Http404
                    services.correct_credit(user, entry, points=d["points"], note=d["note"])
                    messages.success(request, _("Correction recorded."))
                    return redirect(reverse("learning:person_credits", args=[person.pk]) + f"?year={entry.year}")
            else:
                credit_form = CreditForm(request.POST)
                if credit_form.is_valid():
                    d = credit_form.cleaned_data
                    services.add_credit(user, person, year=d["year"], points=d["points"], note=d["note"])
                    messages.success(request, _("Credits recorded."))
                    return redirect(reverse("learning:person_credits", args=[person.pk]) + f"?year={d['year']}")
        except ValidationError as e:
            add_domain_error(correction_form if request.POST.get("action") == "correct" else credit_form, e)
    return render(request, "learning/credits.html", {
        "person": person, "data": services.credits_of(person, year), "own": False, "can_manage": can_manage,
        "credit_form": credit_form, "correction_form": correction_form, **_subnav(user)})


# ---------------------------------------------------------------------------------------------------- rules

@login_required
def credit_rules(request):
    """The credit rule that applies under an organisation (its own or the nearest above it) and the rules set inside
    its subtree; managers set or clear the organisation's own rule."""
    user = request.user
    orgs = active_orgs_for(user, READ)
    if not orgs:
        raise Http404
    raw = request.POST.get("org") if request.method == "POST" else request.GET.get("org")
    org = pick_org(orgs, raw, lambda o: has_perm(user, READ, o)) or orgs[0]
    can_manage = has_perm(user, MANAGE, org.path)
    own = CreditRule.objects.filter(org=org).first()
    if request.method == "POST":
        if not can_manage:
            raise Http404
        if request.POST.get("action") == "clear":
            services.clear_rule(user, org)
            messages.success(request, _("The organisation's own rule was removed: the rule above it applies."))
            return redirect(reverse("learning:rules") + f"?org={org.pk}")
        form = RuleForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.set_rule(user, org, credits_per_item=d.get("credits_per_item"),
                                  credits_per_exam=d["credits_per_exam"], yearly_target=d["yearly_target"],
                                  note=d.get("note", ""), expected_version=d.get("version"))
            except ConflictError as e:
                form.add_error(None, e.message)
            except ValidationError as e:
                add_domain_error(form, e)
            else:
                messages.success(request, _("Credit rule saved."))
                return redirect(reverse("learning:rules") + f"?org={org.pk}")
    else:
        effective = services.rule_for_path(org.path)
        form = RuleForm(initial={
            "credits_per_item": effective.credits_per_item, "credits_per_exam": effective.credits_per_exam,
            "yearly_target": effective.yearly_target, "note": own.note if own else "",
            "version": own.version if own else None})
    effective = services.rule_for_path(org.path)
    source = None
    if effective.org_id:
        source = Organization.objects.filter(pk=effective.org_id).only("id", "name").first()
    inside = list(CreditRule.objects.filter(org__path__startswith=org.path).exclude(org=org).select_related("org")
                  .order_by("org__path")[:200])
    return render(request, "learning/rules.html", {
        "org_form": OrgYearForm(initial={"org": org.pk}, orgs=orgs), "org": org, "form": form, "own": own,
        "effective": effective, "source": source, "inside": inside, "can_manage_org": can_manage,
        "default": rules.DEFAULT_RULE, **_subnav(user)})

