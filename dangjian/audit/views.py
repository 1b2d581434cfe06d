"""Audit pages: the trail of the user's subtrees, one entry with its before/after diff and request, and the
trail of one object. Every read through accounts.scoping on AuditEntry.org_path (audit:read)."""

from datetime import datetime, time, timedelta

from django import forms
from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from dangjian.accounts import rules as perms
from dangjian.accounts.decorators import require_anywhere
from dangjian.accounts.scoping import get_scoped_or_404, scoped
from dangjian.orgs.models import PATH_STEP, Organization

from .mixins import AuditedModel
from .models import AuditEntry

PAGE_SIZE = 50


def audited_models():
    """(label, verbose name) of every model whose changes are audited."""
    out = [(m._meta.label_lower, m._meta.verbose_name) for m in apps.get_models() if issubclass(m, AuditedModel)]
    return sorted(out, key=lambda x: x[0])


class AuditFilterForm(forms.Form):
    org = forms.IntegerField(required=False, widget=forms.HiddenInput)
    org_code = forms.CharField(label=_("Organisation code"), max_length=40, required=False)
    action = forms.ChoiceField(label=_("Action"), required=False,
                               choices=[("", _("All actions"))] + list(AuditEntry.Action.choices))
    model = forms.ChoiceField(label=_("Object type"), required=False, choices=())
    actor = forms.CharField(label=_("By (username)"), max_length=150, required=False)
    date_from = forms.DateField(label=_("From"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    date_to = forms.DateField(label=_("Until"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [("", _("All types"))] + audited_models()
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select form-select-sm"
            elif name != "org":
                field.widget.attrs["class"] = "form-control form-control-sm"

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("The end of the range is before its start."))
        return data


def _day_start(day):
    return timezone.make_aware(datetime.combine(day, time.min))


def filter_entries(queryset, user, data):
    """Apply the cleaned filters; the organisation filter only accepts organisations the user may audit."""
    org = None
    if data.get("org"):
        org = get_scoped_or_404(Organization.objects.all(), user, perms.AUDIT_READ, pk=data["org"])
    elif data.get("org_code"):
        org = scoped(Organization.objects.filter(code=data["org_code"].strip()), user, perms.AUDIT_READ).first()
        if org is None:
            return queryset.none(), None
    if org is not None:
        queryset = queryset.filter(org_path__startswith=org.path)
    if data.get("action"):
        queryset = queryset.filter(action=data["action"])
    if data.get("model"):
        queryset = queryset.filter(model=data["model"])
    if data.get("actor"):
        queryset = queryset.filter(actor_repr__iexact=data["actor"].strip())
    if data.get("date_from"):
        queryset = queryset.filter(at__gte=_day_start(data["date_from"]))
    if data.get("date_to"):
        queryset = queryset.filter(at__lt=_day_start(data["date_to"]) + timedelta(days=1))
    return queryset, org


def _org_names(entries):
    """{org_path: organisation name} for the entries on a page (one query)."""
    paths = {e.org_path for e in entries if e.org_path}
    ids = {int(p[-PATH_STEP:]) for p in paths if len(p) >= PATH_STEP and p[-PATH_STEP:].isdigit()}
    names = dict(Organization.objects.filter(pk__in=ids).values_list("path", "name")) if ids else {}
    for e in entries:
        e.org_name = names.get(e.org_path, "")
    return entries


def _model_names():
    return dict(audited_models())


def _page(request, queryset):
    page = Paginator(queryset.order_by("-seq"), PAGE_SIZE).get_page(request.GET.get("page"))
    names = _model_names()
    for e in _org_names(list(page.object_list)):
        e.model_name = names.get(e.model, e.model)
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def _visible(user):
    require_anywhere(user, perms.AUDIT_READ)
    return scoped(AuditEntry.objects.all(), user, perms.AUDIT_READ)


@login_required
@require_GET
def entry_list(request):
    entries = _visible(request.user)
    form = AuditFilterForm(request.GET or None)
    org = None
    if form.is_bound and form.is_valid():
        entries, org = filter_entries(entries, request.user, form.cleaned_data)
    elif form.is_bound:
        entries = entries.none()
    page, query = _page(request, entries)
    return render(request, "audit/list.html", {"form": form, "page": page, "query": query, "org": org})


def object_link(model, object_id):
    """The page of an audited object, when it has one."""
    names = {"orgs.organization": "orgs:detail", "people.person": "people:detail"}
    if model in names:
        try:
            return reverse(names[model], args=[object_id])
        except NoReverseMatch:
            return None
    return None


@login_required
@require_GET
def object_trail(request, model, object_id):
    entries = _visible(request.user).filter(model=model, object_id=object_id)
    page, query = _page(request, entries)
    if not page.object_list:
        raise Http404  # nothing the user may see: an outsider learns nothing
    latest = page.object_list[0]
    return render(request, "audit/object.html", {
        "page": page, "query": query, "model": model, "object_id": object_id,
        "model_name": _model_names().get(model, model), "object_repr": latest.object_repr,
        "link": object_link(model, object_id),
    })


def _label(model_class, key):
    if model_class is None:
        return key
    for f in model_class._meta.concrete_fields:
        if key in (f.attname, f.name):
            return f.verbose_name
    try:
        return model_class._meta.get_field(key).verbose_name
    except FieldDoesNotExist:
        return key


def diff_rows(entry):
    """[(field, label, before, after, changed)] over the union of the recorded fields."""
    before, after = entry.before or {}, entry.after or {}
    if not isinstance(before, dict):
        before = {"value": before}
    if not isinstance(after, dict):
        after = {"value": after}
    try:
        model_class = apps.get_model(entry.model)
    except (LookupError, ValueError):
        model_class = None
    keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
    return [(k, _label(model_class, k), before.get(k), after.get(k),
             entry.before is None or entry.after is None or before.get(k) != after.get(k)) for k in keys]


@login_required
@require_GET
def entry_detail(request, pk):
    _visible(request.user)
    entry = get_scoped_or_404(AuditEntry.objects.all(), request.user, perms.AUDIT_READ, pk=pk)
    _org_names([entry])
    return render(request, "audit/detail.html", {
        "entry": entry, "rows": diff_rows(entry), "model_name": _model_names().get(entry.model, entry.model),
        "has_before": entry.before is not None, "has_after": entry.after is not None,
        "link": object_link(entry.model, entry.object_id),
    })
