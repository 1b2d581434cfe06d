from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExamsConfig(AppConfig):
    name = "dangjian.exams"
    platform_module = "dangjian.exams.module.ExamsModule"
    label = "exams"
    verbose_name = _("Exams and competitions")
