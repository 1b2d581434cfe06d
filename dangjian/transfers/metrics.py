"""Transfers' figure in the platform registry (dangjian.metrics): overdue transfer letters (口袋党员 risk) — the
letters still pending whose validity ran out before the end of the period (before today for the running period;
services.overdue_q) — counted in every organisation whose subtree holds the sending or the receiving organisation
(once, even when both are inside), as the transfer pages show them."""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.metrics.registry import COUNT, Metric, Tally
from dangjian.orgs.models import lineage

from . import services
from .models import Transfer


def overdue_tallies(subtrees, period, today=None):
    today = today or timezone.localdate()
    on = min(today, period.stop)
    prefix = subtrees.common_path
    qs = Transfer.objects.filter(services.overdue_q(on))
    if prefix:
        qs = qs.filter(Q(from_org__path__startswith=prefix) | Q(to_org__path__startswith=prefix))
    counts = {}
    for from_path, to_path in qs.values_list("from_org__path", "to_org__path").order_by():
        for p in set(lineage(from_path or "")) | set(lineage(to_path or "")):
            counts[p] = counts.get(p, 0) + 1
    return {pk: Tally(counts[path]) for pk, path in subtrees.orgs if path in counts}


METRICS = [
    Metric("transfers.overdue", _("Overdue transfers"), COUNT, False, overdue_tallies,
           description=_("Pending transfer letters past their validity"), order=60),
]
