from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicationsConfig(AppConfig):
    name = "dangjian.publications"
    label = "publications"
    verbose_name = _("Disclosure and 公示")
    platform_module = "dangjian.publications.module.PublicationsModule"
