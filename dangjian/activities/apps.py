from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "dangjian.activities"
    platform_module = "dangjian.activities.module.ActivitiesModule"
    label = "activities"
    verbose_name = _("Activities designed by members")
