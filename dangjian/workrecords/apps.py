from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkrecordsConfig(AppConfig):
    name = "dangjian.workrecords"
    label = "workrecords"
    verbose_name = _("Branch work records")
    platform_module = "dangjian.workrecords.module.WorkRecordsModule"
