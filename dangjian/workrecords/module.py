"""How the work ledger plugs into the platform (menu, home card, to-do, URLs, demo)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from dangjian.core.modules import Card, MenuEntry, Module, Todo


class WorkRecordsModule(Module):
    order = 150  # after the domain modules' demo data: the demo feeds their meetings into the ledger
    url_prefix = "workrecords/"
    urls = "dangjian.workrecords.urls"
    api_prefix = "workrecords/"
    api_urls = "dangjian.workrecords.api_urls"

    def menu(self, request):
        if not request.user.is_authenticated:
            return []
        return [MenuEntry(key="workrecords", label=_("Branch work records"), url=reverse("workrecords:feed"),
                          icon="journal-richtext", order=35)]

    def _missing(self, request):
        from . import services

        user = request.user
        if not user.is_authenticated:
            return None, []
        cached = getattr(request, "_workrecords_missing", None)
        if cached is None:
            org = services.home_org(user)
            cached = (org, services.missing_for(org) if org else [])
            request._workrecords_missing = cached
        return cached

    def home_cards(self, request):
        org, missing = self._missing(request)
        if org is None:
            return []
        return [Card(key="workrecords", template="workrecords/cards/missing.html",
                     context={"org": org, "missing": missing}, order=60)]

    def todos(self, request):
        org, missing = self._missing(request)
        if not missing:
            return []
        return [Todo(key="workrecords-missing", label=_("Work records to file this period"),
                     url=reverse("workrecords:new") + f"?org={org.pk}", count=len(missing), severity="warning",
                     order=60)]

    def seed_demo(self, root, today):
        from .demo import seed_workrecords

        return {"work_records": seed_workrecords(root, today)}
