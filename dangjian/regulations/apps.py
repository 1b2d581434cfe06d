from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegulationsConfig(AppConfig):
    name = "dangjian.regulations"
    platform_module = "dangjian.regulations.module.RegulationsModule"
    label = "regulations"
    verbose_name = _("Regulations library")
