from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "dangjian.meetings"
    platform_module = "dangjian.meetings.module.MeetingsModule"
    label = "meetings"
    verbose_name = _("Organisational life")
