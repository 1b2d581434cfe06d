"""Periodic work of Party fees (scheduled in settings.CELERY_BEAT_SCHEDULE; see docs/fees.md):

- generate_month_dues: every day shortly after midnight (it only creates what is missing, so running it on the 1st
  and again later is safe): this month's dues for every member on the roll with a fee base.
- remind_unpaid: every day; in each organisation's reminder window (the last `remind_days` days of the month) a
  notice to each member whose month is unpaid, once a month.
"""

from datetime import date

from celery import shared_task
from django.utils import timezone

from dangjian.core.context import acting_as

from . import bases, services


def _day(today):
    if today in (None, ""):
        return timezone.localdate()
    return today if isinstance(today, date) else date.fromisoformat(str(today))


@shared_task
def generate_month_dues(today=None):
    """This month's dues, platform-wide (services.generate_dues: idempotent). Returns the number created."""
    with acting_as(None, via="task"):
        return services.generate_dues(_day(today))


@shared_task
def remind_unpaid(today=None):
    """Notices to the members with this month's dues unpaid, in the reminder window, once a month."""
    with acting_as(None, via="task"):
        return bases.remind_unpaid(_day(today))
