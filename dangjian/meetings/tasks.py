"""Periodic work of organisational life (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from dangjian.core.context import acting_as

from . import services


@shared_task
def send_reminders():
    """Remind the attendees of meetings starting soon; each meeting is claimed once, so running twice is safe."""
    with acting_as(None, via="task"):
        return services.send_reminders()


@shared_task
def count_started_meetings():
    """Count the meetings that have started into the monthly tallies the compliance table reads."""
    from . import tally

    with acting_as(None, via="task"):
        return tally.count_started()
