"""Notices' figure in the platform registry (dangjian.metrics): the announcements read rate (通知已读率) — receipts
of the current revision marked read ÷ receipts due, for the announcements published in the period, by the
recipient's organisation when it was sent (the receipts pages' own grouping), summed over each subtree."""

from datetime import datetime, time

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.metrics.registry import PERCENT, Metric, own_tallies, roll_up

from .models import Receipt


def _moment(day):
    return timezone.make_aware(datetime.combine(day, time.min))


def read_rate_tallies(subtrees, period):
    qs = Receipt.objects.filter(revision=F("announcement__revision"),
                                announcement__published_at__gte=_moment(period.start),
                                announcement__published_at__lt=_moment(period.stop),
                                announcement__withdrawn_at__isnull=True)
    if subtrees.common_path:
        qs = qs.filter(org_path__startswith=subtrees.common_path)
    rows = (qs.values("org_path").annotate(due=Count("id"), read=Count("id", filter=Q(read_at__isnull=False)))
            .values_list("org_path", "read", "due").order_by())
    return roll_up(own_tallies(r for r in rows if subtrees.contains(r[0])), subtrees)


METRICS = [
    Metric("notices.read_rate", _("Announcements read rate"), PERCENT, True, read_rate_tallies,
           description=_("Receipts of the current version read, of those due, for announcements published in the "
                         "period"), order=70),
]
