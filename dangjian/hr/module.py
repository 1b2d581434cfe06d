"""How HR post changes plug into the platform (dangjian.core.modules): the pages under /hr/, the API under
/api/v1/hr/, a menu entry, a home card and the to-dos — suggested transfers for the sending organisation's
managers, unresolved changes for the committee — and the demo's HR system with a change waiting."""

from django.urls import reverse
from django.utils.translation import gettext as _

from dangjian.accounts.scoping import has_perm_anywhere
from dangjian.core.modules import Card, MenuEntry, Module, Todo

from .services import HR_MANAGE, TRANSFERS


def _staff(request):
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated and (
        has_perm_anywhere(user, TRANSFERS) or has_perm_anywhere(user, HR_MANAGE))


class HrModule(Module):
    order = 35  # just after transfers
    url_prefix = "hr/"
    urls = "dangjian.hr.urls"
    api_prefix = "hr/"
    api_urls = "dangjian.hr.api_urls"

    def menu(self, request):
        if not _staff(request):
            return []
        return [MenuEntry(key="hr", label=_("HR post changes"), url=reverse("hr:list"), icon="person-gear",
                          order=65)]

    def _counts(self, request):
        cached = getattr(request, "_hr_counts", None)
        if cached is None:
            from . import services

            cached = services.todo_counts(request.user)
            request._hr_counts = cached
        return cached

    def todos(self, request):
        if not _staff(request):
            return []
        suggested, unresolved = self._counts(request)
        url = reverse("hr:list")
        return [
            Todo(key="hr-suggested", label=_("%(n)d suggested transfer(s) from HR") % {"n": suggested},
                 url=url + "?tab=suggested", count=suggested, severity="warning", order=35),
            Todo(key="hr-unresolved", label=_("%(n)d HR post change(s) to resolve") % {"n": unresolved},
                 url=url + "?tab=unresolved", count=unresolved, severity="danger", order=36),
        ]

    def home_cards(self, request):
        if not _staff(request):
            return []
        suggested, unresolved = self._counts(request)
        return [Card(key="hr", template="hr/cards/changes.html", order=35,
                     context={"suggested": suggested, "unresolved": unresolved})]

    def seed_demo(self, root, today):
        from .demo import seed_demo

        return seed_demo(root, today)
