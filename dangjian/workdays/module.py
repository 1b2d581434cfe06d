from django.urls import reverse
from django.utils.translation import gettext as _

from dangjian.core.modules import MenuEntry, Module

from . import services


class WorkdaysModule(Module):
    order = 90
    url_prefix = "workdays/"
    urls = "dangjian.workdays.urls"

    def menu(self, request):
        if not services.can_manage(request.user):
            return []
        return [MenuEntry(key="workdays", label=_("Working-day calendar"), url=reverse("workdays:year"),
                          icon="calendar3", order=95)]
