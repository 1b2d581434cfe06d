from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkdaysConfig(AppConfig):
    name = "dangjian.workdays"
    label = "workdays"
    verbose_name = _("Working-day calendar")
    platform_module = "dangjian.workdays.module.WorkdaysModule"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from . import calendar
        from .models import CalendarDay

        def _invalidate(sender, instance, **kwargs):
            calendar.invalidate(instance.date.year)

        post_save.connect(_invalidate, sender=CalendarDay, dispatch_uid="workdays-invalidate-save")
        post_delete.connect(_invalidate, sender=CalendarDay, dispatch_uid="workdays-invalidate-delete")
