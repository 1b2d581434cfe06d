"""What the figures pages, the API and the home card read: the registry's values for the user's scope. Every
organisation is looked up through the scoping helper (404 outside the scope)."""

import hashlib

from django.core.cache import cache
from django.http import Http404
from django.utils import timezone

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import has_perm, has_perm_anywhere, scope_for
from dangjian.orgs.models import Organization, OrgStatus

from . import periods, registry

READ = perms.METRICS_READ
SORT_NAME = "name"
HOME_CACHE_SECONDS = 300


def scope_roots(user):
    """The top organisations of the user's scope for metrics:read (every root of the tree for a superuser)."""
    scope = scope_for(user)
    if scope.superuser:
        return list(Organization.objects.filter(parent__isnull=True, status=OrgStatus.ACTIVE).order_by("path"))
    prefixes = scope.prefixes(READ)
    return list(Organization.objects.filter(path__in=prefixes, status=OrgStatus.ACTIVE).order_by("path")) \
        if prefixes else []


def org_or_404(user, raw):
    """The active organisation `raw` (an id) names, if the user may read its figures; else 404."""
    if not (str(raw).isdigit() and len(str(raw)) < 19):
        raise Http404
    org = Organization.objects.filter(pk=int(raw), status=OrgStatus.ACTIVE).first()
    if org is None or not has_perm(user, READ, org):
        raise Http404
    return org


def period_or_default(raw, today=None):
    """The period the request names ("2026-11", "2026-Q4", "2026"); this month when absent. PeriodError if bad."""
    if raw in (None, ""):
        return periods.this_month(today)
    return periods.parse(raw)


def names_or_all(raw):
    """The metric names of a comma-separated list (KeyError for an unknown one); all when absent."""
    if raw in (None, ""):
        return None
    names = [n.strip() for n in str(raw).split(",") if n.strip()]
    for n in names:
        registry.get(n)
    return names


def as_row(value):
    return {"name": value.name, "value": value.value, "numerator": value.numerator,
            "denominator": value.denominator, "label": value.label, "unit": value.unit,
            "higher_is_better": value.higher_is_better}


def table(org, period, names=None, sort=SORT_NAME, descending=False):
    """The figures of `org` and of each active organisation directly under it for `period`: (metrics, total row,
    child rows). Rows: {"org", "values": [Value per metric, in the metrics' order], "has_children"}. A fixed number
    of queries whatever the size of the subtree (one registry pass over it)."""
    metrics = registry.selected(names, period)
    values = registry.metrics_for([org], period, [m.name for m in metrics])
    children = list(Organization.objects.filter(parent=org, status=OrgStatus.ACTIVE)
                    .only("id", "name", "short_name", "path", "org_type", "sort_order").order_by("sort_order", "path"))
    parents = set(Organization.objects.filter(parent__in=children, status=OrgStatus.ACTIVE)
                  .values_list("parent_id", flat=True).distinct())

    def row(o):
        return {"org": o, "values": [values[m.name][o.pk] for m in metrics], "has_children": o.pk in parents}

    total = row(org)
    rows = [row(c) for c in children]
    index = next((i for i, m in enumerate(metrics) if m.name == sort), None)
    if index is not None:
        present = [r for r in rows if r["values"][index].value is not None]
        missing = [r for r in rows if r["values"][index].value is None]
        present.sort(key=lambda r: r["values"][index].value, reverse=descending)
        rows = present + missing  # no figure: last, whichever the direction
    elif descending:
        rows.reverse()
    return metrics, total, rows


def home_figures(user, today=None):
    """The home card's figures: this month's value of every metric for each of the user's scope roots, or None
    for a user without metrics:read. {"period", "roots": [{"org", "values": [Value]}]}."""
    if not has_perm_anywhere(user, READ):
        return None
    roots = scope_roots(user)[:3]
    if not roots:
        return None
    period = periods.this_month(today or timezone.localdate())
    metrics = registry.selected(None, period)
    key = "metrics:home:" + hashlib.sha1(f"{period}|{','.join(r.path for r in roots)}|"
                                         f"{','.join(m.name for m in metrics)}".encode()).hexdigest()
    found = cache.get(key)
    if found is None:  # a large scope's month takes seconds: the card's figures are kept a few minutes
        values = registry.metrics_for(roots, period, [m.name for m in metrics])
        found = {r.pk: [values[m.name][r.pk] for m in metrics] for r in roots}
        cache.set(key, found, HOME_CACHE_SECONDS)
    return {"period": period, "roots": [{"org": r, "values": found[r.pk]} for r in roots]}
