from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransfersConfig(AppConfig):
    name = "dangjian.transfers"
    platform_module = "dangjian.transfers.module.TransfersModule"
    label = "transfers"
    verbose_name = _("Membership transfers")
