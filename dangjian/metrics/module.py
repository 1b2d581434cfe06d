"""How the figures plug into the platform (dangjian.core.modules): the /metrics/ page and its API, a menu entry
and the home card "Figures at a glance" for holders of metrics:read."""

from django.urls import reverse
from django.utils.translation import gettext as _

from dangjian.accounts.scoping import has_perm_anywhere
from dangjian.core.modules import Card, MenuEntry, Module

from .queries import READ, home_figures


class MetricsModule(Module):
    order = 90
    url_prefix = "metrics/"
    urls = "dangjian.metrics.urls"
    api_prefix = "metrics/"
    api_urls = "dangjian.metrics.api_urls"

    def menu(self, request):
        if not has_perm_anywhere(request.user, READ):
            return []
        return [MenuEntry("metrics", _("Figures"), reverse("metrics:figures"), icon="speedometer2", order=85)]

    def home_cards(self, request):
        figures = home_figures(request.user)
        if not figures:
            return []
        return [Card("metrics", "metrics/cards/figures.html", {"figures": figures}, order=23, col="col-lg-6")]
