from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "dangjian.orgs"
    platform_module = "dangjian.orgs.module.OrgsModule"
    label = "orgs"
    verbose_name = _("Organisations")
