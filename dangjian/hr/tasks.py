"""Periodic work of HR post changes (scheduled in settings.CELERY_BEAT_SCHEDULE; see docs/hr.md):

- import_dropped: every night, the spreadsheets HR systems dropped in HR_IMPORT_DIR/<system id>/.
"""

from celery import shared_task

from . import imports


@shared_task
def import_dropped():
    return imports.import_dropped()
