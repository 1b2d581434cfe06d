from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TalksConfig(AppConfig):
    name = "dangjian.talks"
    platform_module = "dangjian.talks.module.TalksModule"
    label = "talks"
    verbose_name = _("Heart-to-heart talks")
