from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    """The top floor: composes the home page, the menu, the demo and the scale data from the modules' contributions
    (see dangjian/core/modules.py). Nothing imports it."""

    name = "dangjian.home"
    label = "home"
    verbose_name = _("Home")
