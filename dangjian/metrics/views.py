"""The figures page (/metrics/): every registered metric for an organisation and the organisations directly under
it, for a month, quarter or year; sortable by any metric, each row drilling down to its own children. For holders
of metrics:read; an organisation outside their scope is a 404."""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from dangjian.accounts.decorators import perm_anywhere_required
from dangjian.accounts.scoping import has_perm

from . import periods, queries, registry
from .queries import READ


def _period_choices(today):
    this = periods.this_month(today)
    out, p = [], this
    for _i in range(12):
        out.append(p)
        p = p.previous()
    q = periods.of(periods.QUARTER, today)
    for _i in range(4):
        out.append(q)
        q = q.previous()
    out += [periods.Period(today.year, periods.YEAR), periods.Period(today.year - 1, periods.YEAR)]
    return out


@perm_anywhere_required(READ)
def figures(request):
    user = request.user
    today = timezone.localdate()
    roots = queries.scope_roots(user)
    raw_org = request.GET.get("org")
    if raw_org:
        org = queries.org_or_404(user, raw_org)
    elif roots:
        org = roots[0]
    else:
        raise Http404
    try:
        period = queries.period_or_default(request.GET.get("period"), today)
    except periods.PeriodError:
        period, error = periods.this_month(today), True
    else:
        error = False
    sort = request.GET.get("sort") or queries.SORT_NAME
    if sort != queries.SORT_NAME and sort not in registry.registry():
        sort = queries.SORT_NAME
    descending = request.GET.get("dir") == "desc"
    metrics, total, rows = queries.table(org, period, sort=sort, descending=descending)
    parent = None
    if org.parent_id and org not in roots:
        up = org.parent
        parent = up if has_perm(user, READ, up) else None
    choices = _period_choices(today)
    if period not in choices:
        choices.insert(0, period)
    return render(request, "metrics/figures.html", {
        "org": org, "period": period, "periods": choices, "metrics": metrics, "total": total, "rows": rows,
        "sort": sort, "descending": descending, "roots": roots, "parent": parent, "period_error": error})
