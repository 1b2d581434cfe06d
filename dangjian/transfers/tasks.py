"""Periodic work of the transfers app (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from dangjian.core.context import acting_as

from . import services


@shared_task
def mark_overdue():
    """Flag pending letters past their validity (口袋党员) for follow-up; safe to run twice."""
    with acting_as(None, via="task"):
        return services.mark_overdue()
