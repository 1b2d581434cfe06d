from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "dangjian.notices"
    label = "notices"
    verbose_name = _("Notices")
    platform_module = "dangjian.notices.module.NoticesModule"
