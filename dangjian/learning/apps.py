from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearningConfig(AppConfig):
    name = "dangjian.learning"
    platform_module = "dangjian.learning.module.LearningModule"
    label = "learning"
    verbose_name = _("Learning and credits")
