"""Periodic work of fee payments (to be scheduled in settings.CELERY_BEAT_SCHEDULE as
"fees-close-expired-orders": {"task": "dangjian.fees.pay_tasks.close_expired_orders", "schedule": 60.0})."""

from celery import shared_task

from dangjian.core.context import acting_as

from . import payments


@shared_task
def close_expired_orders():
    """Close online orders whose time ran out; safe to run twice. A paid callback arriving later still records the
    money (the event's outcome flags it)."""
    with acting_as(None, via="task"):
        return payments.close_expired()
