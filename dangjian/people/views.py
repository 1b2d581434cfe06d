"""People pages: thin callers of people.queries (reads), people.services (writes), people.imports/exports.
Every read goes through dangjian.accounts.scoping: outsiders get 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from dangjian.accounts import rules as perms
from dangjian.accounts.decorators import require_anywhere
from dangjian.accounts.scoping import (
    get_scoped_or_404,
    has_perm,
    has_perm_anywhere,
    own_person_q,
    scope_for,
    scoped,
)
from dangjian.audit import chain
from dangjian.core.errors import ConflictError
from dangjian.orgs.models import Organization, OrgStatus, OrgType

from . import exports, imports, queries, services, tasks
from .forms import PER_PAGE, ImportForm, MemberFilterForm, PersonForm
from .models import ImportJob, Person

FILTER_KEYS = queries.FILTER_FIELDS  # the list, the export and the API share one set of parameters
# Filters without a control in the form (links from the dashboard: members only, on the roll, minority …):
# kept as hidden inputs and shown as removable chips.
EXTRA_FILTERS = {
    "members": _l("Party members only"), "on_roll": _l("On the roll"), "minority": _l("Ethnic minorities"),
    "college": _l("College education or above"), "occupation": _l("Occupation"),
    "full_from": _l("Full member from"), "full_to": _l("Full member until"), "year": _l("Statistics year"),
}


def _filter_query(params, drop=()):
    """The current filters as a query string (for paging, export and category links)."""
    return urlencode([(k, v) for k in FILTER_KEYS + ("per_page",) if k not in drop
                      for v in params.getlist(k) if v])


def _per_page(params):
    try:
        value = int(params.get("per_page") or PER_PAGE[0])
    except ValueError:
        value = PER_PAGE[0]
    return value if value in PER_PAGE else PER_PAGE[0]


@login_required
def person_list(request):
    user = request.user
    require_anywhere(user, perms.PEOPLE_READ)
    params = request.GET
    orgs = queries.org_choices(user)
    form = MemberFilterForm(params, orgs=orgs)
    form.is_valid()  # the form only renders the controls; filter_people ignores malformed values
    org_lookup = queries.org_lookup_for(user)
    qs = queries.filter_people(queries.visible_people(user), params, org_lookup=org_lookup)
    counts = queries.list_counts(user, params, qs, org_lookup=org_lookup)
    paginator = Paginator(qs.select_related("org", "group"), _per_page(params))
    paginator.count = counts["total"]  # the aggregate already counted: no second COUNT(*)
    page = paginator.get_page(params.get("page"))
    context = {
        "form": form,
        "page": page,
        "people": list(page.object_list),
        "counts": counts,
        "query": _filter_query(params),
        "query_without_status": _filter_query(params, drop=("political_status",)),
        "export_params": [(k, v) for k in FILTER_KEYS for v in params.getlist(k) if v],
        "can_export": has_perm_anywhere(user, perms.PEOPLE_EXPORT),
        "can_sensitive": has_perm_anywhere(user, perms.PEOPLE_SENSITIVE),
        "can_create": has_perm_anywhere(user, perms.PEOPLE_WRITE),
        "can_import": has_perm_anywhere(user, perms.PEOPLE_IMPORT),
        "filtered": any(params.get(k) for k in FILTER_KEYS if k != "sort"),
        "extra_filters": [(k, label, v, _filter_query(params, drop=(k,))) for k, label in EXTRA_FILTERS.items()
                          for v in params.getlist(k)[:1] if v],
    }
    htmx = getattr(request, "htmx", None)
    if htmx and htmx.target == "member-results" and not htmx.history_restore_request:
        return render(request, "people/_results.html", context)
    return render(request, "people/list.html", context)


def _audit_url(user, person):
    if not has_perm(user, perms.AUDIT_READ, person.scope_path or "-"):
        return None
    try:
        return reverse("audit:object", args=["people.person", person.pk])
    except NoReverseMatch:
        return None


def _render_person(request, person):
    user = request.user
    return render(request, "people/detail.html", {
        "person": person,
        "timeline": queries.person_timeline(person),
        "can_edit": bool(person.scope_path) and has_perm(user, perms.PEOPLE_WRITE, person.scope_path),
        "can_reveal": services.can_reveal(user, person),
        "can_list": has_perm_anywhere(user, perms.PEOPLE_READ),
        "is_self": person.pk == user.person_id,
        "audit_url": _audit_url(user, person),
    })


@login_required
def person_detail(request, pk):
    person = get_scoped_or_404(Person.objects.select_related("org", "group"), request.user, perms.PEOPLE_READ,
                               extra=own_person_q(request.user), pk=pk)
    return _render_person(request, person)


@login_required
def me(request):
    if not request.user.person_id:
        raise Http404
    person = Person.objects.select_related("org", "group").get(pk=request.user.person_id)
    return _render_person(request, person)


@login_required
@require_POST
def reveal(request, pk, field):
    person = get_scoped_or_404(Person.objects.all(), request.user, perms.PEOPLE_READ,
                               extra=own_person_q(request.user), pk=pk)
    if field not in ("id_number", "phone"):
        raise Http404
    try:
        value = services.reveal(request.user, person, field)
    except PermissionDenied:
        raise Http404
    return render(request, "people/_revealed.html", {"value": value or "—"})


def _write_orgs(user):
    return list(scoped(Organization.objects.filter(status=OrgStatus.ACTIVE), user, perms.PEOPLE_WRITE)
                .exclude(org_type=OrgType.GROUP).order_by("path")[:1000])


def _groups(user, org=None):
    qs = scoped(Organization.objects.filter(status=OrgStatus.ACTIVE, org_type=OrgType.GROUP), user,
                perms.PEOPLE_WRITE)
    if org is not None:
        qs = qs.filter(parent=org)
    return list(qs.select_related("parent").order_by("path")[:1000])


@login_required
def person_create(request):
    user = request.user
    require_anywhere(user, perms.PEOPLE_WRITE)
    orgs, groups = _write_orgs(user), _groups(user)
    initial = {"ethnicity": "01", "political_status": "full", "status": "normal", "org": request.GET.get("org")}
    form = PersonForm(request.POST or None, orgs=orgs, groups=groups, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.create_person(user, form.service_data())
        except ValidationError as e:
            form.add_service_errors(e)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": person.name})
            return redirect("people:detail", pk=person.pk)
    return render(request, "people/form.html", {"form": form, "person": None})


@login_required
def person_edit(request, pk):
    user = request.user
    person = get_scoped_or_404(Person.objects.select_related("org", "group"), user, perms.PEOPLE_WRITE, pk=pk)
    orgs = [person.org] if person.org_id else []
    groups = _groups(user, person.org) if person.org_id else []
    initial = {name: getattr(person, name) for name in services.PLAIN_FIELDS}
    for name in services.DATE_FIELDS:
        initial[name] = initial[name].isoformat() if initial[name] else ""
    initial.update(org=person.org_id or "", group=person.group_id or "", version=person.version)
    form = PersonForm(request.POST or None, orgs=orgs, groups=groups, person=person, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_person(user, person, form.service_data(),
                                   expected_version=form.cleaned_data.get("version"))
        except ConflictError as e:
            messages.error(request, e.message)
        except ValidationError as e:
            form.add_service_errors(e)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("people:detail", pk=person.pk)
    return render(request, "people/form.html", {"form": form, "person": person})


@login_required
def export(request):
    user = request.user
    require_anywhere(user, perms.PEOPLE_EXPORT)
    params = request.GET
    qs = scoped(Person.objects.all(), user, perms.PEOPLE_EXPORT)
    qs = queries.filter_people(qs, params, org_lookup=queries.org_lookup_for(user, perms.PEOPLE_EXPORT))
    full = params.get("full_numbers") in ("1", "on", "true") and has_perm_anywhere(user, perms.PEOPLE_SENSITIVE)
    content, count, revealed = exports.build(qs, user, full_numbers=full)
    scope = scope_for(user)
    chain.record(chain.AuditEntry.Action.EXPORT, "people.person", "", actor=user,
                 object_repr=_("Member list"), org_path=(scope.prefixes(perms.PEOPLE_EXPORT) or ("",))[0],
                 after={"rows": count, "full_numbers": revealed,
                        "filters": {k: params.getlist(k) for k in FILTER_KEYS if params.get(k)}})
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="members-{stamp}.xlsx"'
    return response


# --- Roster import ---------------------------------------------------------------------------------------


def _import_orgs(user):
    return list(scoped(Organization.objects.filter(status=OrgStatus.ACTIVE), user, perms.PEOPLE_IMPORT)
                .exclude(org_type=OrgType.GROUP).order_by("path")[:1000])


@login_required
def import_template(request):
    require_anywhere(request.user, perms.PEOPLE_IMPORT)
    response = HttpResponse(imports.build_template(request.user),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="roster-template.xlsx"'
    return response


@login_required
def import_upload(request):
    user = request.user
    require_anywhere(user, perms.PEOPLE_IMPORT)
    orgs = _import_orgs(user)
    form = ImportForm(request.POST or None, request.FILES or None, orgs=orgs)
    if request.method == "POST" and form.is_valid():
        target = next((o for o in orgs if str(o.pk) == form.cleaned_data["org"]), None)
        if target is None or not has_perm(user, perms.PEOPLE_IMPORT, target):
            raise Http404
        upload = form.cleaned_data["file"]
        job = ImportJob.objects.create(org=target, created_by=user, filename=upload.name[:200],
                                       content=upload.read())
        tasks.validate_import.delay(job.pk, translation.get_language())
        return redirect("people:import_job", pk=job.pk)
    recent = scoped(ImportJob.objects.select_related("org", "created_by"), user, perms.PEOPLE_IMPORT).defer(
        "content", "errors")[:10]
    return render(request, "people/import.html", {"form": form, "recent": recent})


def _job(request, pk):
    return get_scoped_or_404(ImportJob.objects.select_related("org", "created_by").defer("content"),
                             request.user, perms.PEOPLE_IMPORT, pk=pk)


def _job_context(job):
    done, total = tasks.current_progress(job)
    percent = min(100, round(100 * done / total)) if total else (0 if job.running else 100)
    return {"job": job, "done": done, "total": total, "percent": percent}


@login_required
def import_job(request, pk):
    job = _job(request, pk)
    return render(request, "people/import_job.html", _job_context(job))


@login_required
def import_progress(request, pk):
    job = _job(request, pk)
    response = render(request, "people/_import_status.html", _job_context(job))
    if not job.running:
        response["HX-Refresh"] = "true"  # the job finished: reload the page to show the result
    return response


@login_required
@require_POST
def import_run(request, pk):
    job = _job(request, pk)
    if job.state != ImportJob.State.VALID:
        messages.error(request, _("This file cannot be imported in its current state."))
    else:
        tasks.run_import.delay(job.pk, translation.get_language())
    return redirect("people:import_job", pk=job.pk)
