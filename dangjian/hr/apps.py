from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HrConfig(AppConfig):
    name = "dangjian.hr"
    label = "hr"
    verbose_name = _("HR post changes")
    platform_module = "dangjian.hr.module.HrModule"  # read by dangjian.core.modules
