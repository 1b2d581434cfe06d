from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "dangjian.audit"
    platform_module = "dangjian.audit.module.AuditModule"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self):
        from . import signals  # noqa: F401
