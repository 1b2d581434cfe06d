"""Roster imports in the background. Tasks take the job id, are safe to run twice (each step claims the job
with a conditional UPDATE) and run inline when no broker is configured (CELERY_TASK_ALWAYS_EAGER)."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dangjian.core.context import acting_as

from . import imports
from .models import ImportJob

State = ImportJob.State
logger = logging.getLogger(__name__)


def progress_key(job_id):
    return f"dangjian:import-progress:{job_id}"


def _progress(job_id):
    def report(done, total):
        cache.set(progress_key(job_id), (done, total), 3600)
        ImportJob.objects.filter(pk=job_id).update(processed=done, total=total)

    return report


def current_progress(job):
    """(processed, total) from the cache (visible even while the import's transaction is open)."""
    value = cache.get(progress_key(job.pk))
    return value if value else (job.processed, job.total)


def _finish(job_id, **fields):
    """A finished job no longer keeps its file: the roster holds clear ID numbers and phones."""
    cache.delete(progress_key(job_id))
    ImportJob.objects.filter(pk=job_id).update(finished_at=timezone.now(), content=b"", **fields)


@shared_task
def validate_import(job_id, language=None):
    job = ImportJob.objects.select_related("org", "created_by").filter(pk=job_id, state=State.VALIDATING).first()
    if job is None:
        return
    with translation.override(language or settings.LANGUAGE_CODE), acting_as(job.created_by, via="task"):
        try:
            with imports.Timer() as timer:
                rows, errors, total = imports.validate(bytes(job.content), job.org, job.created_by,
                                                       progress=_progress(job_id))
        except imports.FileError as e:
            _finish(job_id, state=State.INVALID, errors=[{"row": 1, "column": "", "message": str(e)}], message=str(e))
            return
        state = State.INVALID if errors else State.VALID
        message = "" if errors else _("%(n)s rows are valid.") % {"n": len(rows)}
        cache.delete(progress_key(job_id))
        ImportJob.objects.filter(pk=job_id).update(state=state, errors=errors, total=total, processed=total,
                                                   message=message, validated_seconds=timer.seconds,
                                                   **({"content": b""} if errors else {}))


@shared_task
def run_import(job_id, language=None):
    """Validate again (the database may have changed since the dry run) and write everything, or nothing."""
    if not ImportJob.objects.filter(pk=job_id, state=State.VALID).update(state=State.IMPORTING, processed=0):
        return
    job = ImportJob.objects.select_related("org", "created_by").get(pk=job_id)
    with translation.override(language or settings.LANGUAGE_CODE), acting_as(job.created_by, via="task"):
        try:
            with imports.Timer() as timer:
                report = _progress(job_id)
                # The import re-checks the file (first half of the bar), then writes it (second half).
                rows, errors, total = imports.validate(bytes(job.content), job.org, job.created_by,
                                                       progress=lambda done, n: report(done, 2 * n))
                if errors:
                    _finish(job_id, state=State.INVALID, errors=errors, processed=total, total=total,
                            message=_("The data changed since the check; nothing was imported."))
                    return
                people = imports.write(rows, job.org, job.created_by, filename=job.filename,
                                       progress=lambda done, n: report(n + done, 2 * n))
        except imports.FileError as e:
            _finish(job_id, state=State.FAILED, message=str(e))
            return
        except Exception as e:  # noqa: BLE001 - anything else: nothing was written (one transaction)
            logger.exception("import job %s failed", job_id)
            _finish(job_id, state=State.FAILED, message=_("The import failed; nothing was imported.") + f" ({e})")
            return
        _finish(job_id, state=State.DONE, created=len(people), processed=total, total=total,
                imported_seconds=timer.seconds,
                message=_("%(n)s people imported.") % {"n": len(people)})


@shared_task
def rebuild_figures():
    """Nightly (settings.CELERY_BEAT_SCHEDULE): recount every organisation's people figures — the age bands move
    into the new statistical year on 1 January, and any drift is put right. Safe to run twice."""
    from . import figures

    with acting_as(None, via="task"):
        return figures.rebuild()
