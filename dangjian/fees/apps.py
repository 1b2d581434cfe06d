from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeesConfig(AppConfig):
    name = "dangjian.fees"
    verbose_name = _("Party fees")
