from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeesConfig(AppConfig):
    name = "dangjian.fees"
    platform_module = "dangjian.fees.module.FeesModule"
    verbose_name = _("Party fees")

    def ready(self):
        from django.core import checks

        from . import providers

        checks.register(providers.check_providers, checks.Tags.security, deploy=True)
