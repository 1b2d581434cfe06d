"""What the monthly exams feed into the work ledger: when a month's exam closes, the bank's organisation gets the
record “the monthly exam of 2026-11 has closed”, linked to the month's set. No score and no name appears."""

from datetime import timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.workrecords.services import record_from_source

KIND = "exams.monthlyset"
KINDS = {KIND: (gettext_lazy("Monthly exams closed"), "exams:set_detail")}


def feed_closed(set_ids):
    """Push one record per organisation and month among the sets `set_ids` just closed (idempotent)."""
    from .models import MonthlySet

    first = {}
    for s in MonthlySet.objects.filter(pk__in=list(set_ids)).select_related("org").order_by("id"):
        first.setdefault((s.org_id, s.month), s)
    done = 0
    for s in first.values():
        last_day = (s.month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        title = _("Monthly exam of %(month)s closed") % {"month": f"{s.month:%Y-%m}"}
        text = _("The monthly learning exam of %(month)s has closed.") % {"month": f"{s.month:%Y-%m}"}
        done += record_from_source(s.org, KIND, s, last_day, title, text) is not None
    return done


def backfill(root=None):
    from .models import MonthlySet, SetState

    qs = MonthlySet.objects.filter(state=SetState.CLOSED)
    if root is not None:
        qs = qs.filter(org_path__startswith=root.path)
    return feed_closed(qs.values_list("pk", flat=True))
