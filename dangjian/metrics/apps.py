from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MetricsConfig(AppConfig):
    name = "dangjian.metrics"
    verbose_name = _("Platform figures")
    platform_module = "dangjian.metrics.module.MetricsModule"
