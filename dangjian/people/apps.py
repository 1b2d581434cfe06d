from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "dangjian.people"
    platform_module = "dangjian.people.module.PeopleModule"
    label = "people"
    verbose_name = _("People and members")

    def ready(self):
        from . import signals  # noqa: F401
