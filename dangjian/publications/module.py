from django.urls import reverse
from django.utils.translation import gettext as _

from dangjian.accounts.scoping import has_perm_anywhere
from dangjian.core.modules import Card, MenuEntry, Module, Todo

from .services import READ


class PublicationsModule(Module):
    order = 80
    url_prefix = "publications/"
    urls = "dangjian.publications.urls"
    api_prefix = "publications/"
    api_urls = "dangjian.publications.api_urls"
    extra_urls = (("p/", "dangjian.publications.public_urls"),)  # the public pages (/p/…, no login)

    def menu(self, request):
        if not request.user.is_authenticated:
            return []
        return [MenuEntry(key="publications", label=_("Disclosure and 公示"), url=reverse("publications:list"),
                          icon="megaphone", order=70)]

    def _overdue(self, request):
        if not has_perm_anywhere(request.user, READ):
            return 0
        cached = getattr(request, "_publications_overdue", None)
        if cached is None:
            from .services import overdue_count

            cached = request._publications_overdue = overdue_count(request.user)
        return cached

    def home_cards(self, request):
        n = self._overdue(request)
        return [Card(key="publications-overdue", template="publications/cards/overdue.html",
                     context={"overdue": n}, order=25, col="col-lg-4")] if n else []

    def todos(self, request):
        n = self._overdue(request)
        return [Todo(key="publications-overdue", label=_("Overdue Party affairs disclosure"),
                     url=reverse("publications:catalogue") + "?overdue=1", count=n, severity="danger")]

    def seed_demo(self, root, today):
        from .demo import seed_demo

        return seed_demo(root, today)
