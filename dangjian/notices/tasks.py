"""Background work of notices (scheduled ones in settings.CELERY_BEAT_SCHEDULE). Without REDIS_URL they run
inline."""

from celery import shared_task

from dangjian.core.context import acting_as

from . import services


@shared_task
def write_recipients(pk):
    """Write an announcement's notices and receipts in batches, saving the progress after each; resumable."""
    with acting_as(None, via="task"):
        return services.write_all(pk)


@shared_task
def remind_due():
    """Scheduled reminders of must-read announcements to those who have not read them."""
    with acting_as(None, via="task"):
        return services.remind_due()
