"""Work records' figure in the platform registry (dangjian.metrics): base-work items filled (基础工作填报率) —
of the (organisation, item, item period) triples due, the share whose records reached the item's expected count.

Due: every active organisation keeps the active items its committees (an organisation on its path, itself
included) defined for its type, once per item period overlapping the metric's period (a monthly item is due 12 times
in a year; a quarterly item once in each of its months). Filled: the organisation's records against the item dated
in that item period reach ``expected_count`` (the grid's rule, ``rules.period_of``). Three grouped queries for any
subtree; the per-organisation sums are then added up over each subtree (Σ filled ÷ Σ due)."""

from collections import defaultdict
from datetime import timedelta

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from dangjian.metrics.registry import PERCENT, Metric, Tally, roll_up
from dangjian.orgs.models import Organization, OrgStatus, lineage

from . import rules
from .models import WorkItem, WorkRecord


def item_periods(frequency, start, stop):
    """The item's periods overlapping [start, stop), in order."""
    found, day = [], start
    while day < stop:
        p = rules.period_of(day, frequency)
        found.append(p)
        day = p.end + timedelta(days=1)
    return found


def filled_tallies(subtrees, period):
    items = list(WorkItem.objects.filter(active=True).values("id", "org_path", "frequency", "applies_to",
                                                              "expected_count"))
    if not items:
        return {}
    spans = {i["id"]: item_periods(i["frequency"], period.start, period.stop) for i in items}
    first = min(p[0].start for p in spans.values())
    last = max(p[-1].end for p in spans.values())
    orgs = Organization.objects.filter(status=OrgStatus.ACTIVE)
    records = WorkRecord.objects.filter(date__range=(first, last))
    if subtrees.common_path:
        orgs = orgs.filter(path__startswith=subtrees.common_path)
        records = records.filter(org_path__startswith=subtrees.common_path)
    counts = defaultdict(int)  # (org path, item, period start) -> records
    for path, item_id, day, n in (records.values_list("org_path", "item_id", "date").annotate(n=Count("id"))
                                  .order_by()):
        for p in spans.get(item_id, ()):
            if p.start <= day <= p.end:
                counts[path, item_id, p.start] += n
    by_committee = defaultdict(list)
    for i in items:
        by_committee[i["org_path"]].append(i)
    own = {}
    for path, org_type in orgs.values_list("path", "org_type").order_by():
        if not subtrees.contains(path):
            continue
        done = due = 0
        for committee in lineage(path):
            for i in by_committee.get(committee, ()):
                if org_type not in i["applies_to"]:
                    continue
                for p in spans[i["id"]]:
                    due += 1
                    done += counts[path, i["id"], p.start] >= i["expected_count"]
        if due:
            own[path] = Tally(done, due)
    return roll_up(own, subtrees)


METRICS = [
    Metric("workrecords.filled", _("Base-work items filled"), PERCENT, True, filled_tallies,
           description=_("Items of base work whose records reached the expected count in their period, of those "
                         "due"), order=80),
]
