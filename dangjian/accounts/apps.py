from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "dangjian.accounts"
    platform_module = "dangjian.accounts.module.AccountsModule"
    label = "accounts"
    verbose_name = _("Accounts and posts")
