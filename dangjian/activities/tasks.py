"""Periodic work of the activities app (to be scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from dangjian.core.context import acting_as

from . import services


@shared_task
def advance_rounds():
    """Move rounds into voting and out of it as their windows open and close; safe to run twice. (Each service
    also advances the round it acts on, so the schedule only keeps the stored states and the audit trail timely.)"""
    with acting_as(None, via="task"):
        return services.advance_due()
