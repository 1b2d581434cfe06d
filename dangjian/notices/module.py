"""How notices plug into the platform (dangjian.core.modules)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from dangjian.accounts.scoping import has_perm_anywhere
from dangjian.core.modules import Card, MenuEntry, Module, Todo


class NoticesModule(Module):
    order = 15
    url_prefix = "notices/"
    urls = "dangjian.notices.urls"
    api_prefix = ""
    api_urls = "dangjian.notices.api_urls"

    def menu(self, request):
        user = request.user
        if not getattr(user, "is_authenticated", False):
            return []
        entries = []
        if user.person_id:  # the bell: the inbox with the unread badge
            from .services import unread_count

            entries.append(MenuEntry("notices", _("Notices"), reverse("notices:inbox"), icon="bell", side="right",
                                     badge=unread_count(user), order=10))
        if has_perm_anywhere(user, "notices:send"):
            entries += [
                MenuEntry("announcements", _("Notices and announcements"), icon="megaphone", order=15),
                MenuEntry("notices-announcements", _("Announcements"), reverse("notices:announcements"),
                          icon="megaphone", parent="announcements", order=1),
                MenuEntry("notices-new", _("New announcement"), reverse("notices:new"), icon="plus-circle",
                          parent="announcements", order=2),
            ]
        return entries

    def _unread(self, request):
        from . import services

        cached = getattr(request, "_dj_must_read", None)
        if cached is None:
            cached = request._dj_must_read = list(services.must_read_unread(request.user, limit=5))
        return cached

    def home_cards(self, request):
        if not getattr(request.user, "is_authenticated", False):
            return []
        items = self._unread(request)
        if not items:
            return []
        return [Card("notices-must-read", "notices/cards/must_read.html", {"items": items}, order=2, col="col-12")]

    def todos(self, request):
        if not getattr(request.user, "is_authenticated", False):
            return []
        from . import services

        pid = getattr(request.user, "person_id", None)
        n = services.must_read_count(pid) if pid else 0
        return [Todo("notices-must-read", _("Announcements to read and confirm"), reverse("notices:announcements"),
                     count=n, severity="warning", order=5)]

    def seed_demo(self, root, today):
        from .demo import seed_announcements

        return {"announcements": seed_announcements(root, today)}
