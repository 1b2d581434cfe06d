from celery import shared_task


@shared_task
def archive_expired():
    from dangjian.core.context import acting_as

    from . import services

    with acting_as(None, via="task"):
        return services.archive_expired()
