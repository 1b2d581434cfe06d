"""Scheduled exam work (Celery beat; inline without Redis): the monthly sets and the attempts whose time ran out."""

from celery import shared_task

from . import buffer, competition, services


@shared_task
def monthly_sets():
    return services.monthly_sets_job()


@shared_task
def expire_attempts():
    return services.expire_due()


@shared_task
def finish_finals():
    """Finish the 我是冠军 competitions whose final is over (scores open final attempts, records the titles)."""
    return competition.finish_due()


@shared_task
def flush_answers():
    """Write the answers kept in Redis to PostgreSQL (write-behind, see buffer.py)."""
    return buffer.flush_dirty()
