"""What exams (the tiered question banks) contribute to the platform (see dangjian/core/modules.py)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import has_perm_anywhere, scope_for
from dangjian.core.modules import Card, MenuEntry, Module


def my_exams(user):
    """This month's exams at a glance for a person: the tiers open, best scores, an exam in progress."""
    if not user.person_id:
        return None
    from . import rules, services

    tiers, _config = services.my_month(user.person, rules.month_of(timezone.localdate()))
    if not any(t["open"] or t["best"] for t in tiers):
        return None
    return {"tiers": tiers, "current": services.open_attempt(user.person_id)}


def learns(user):
    """Learning pages are for members and for anyone holding a post."""
    return bool(user.person_id) or scope_for(user).has_any_post


class ExamsModule(Module):
    order = 41
    url_prefix = "exams/"
    urls = "dangjian.exams.urls"
    api_prefix = "exams/"
    api_urls = "dangjian.exams.api_urls"

    def menu(self, request):
        if not learns(request.user):
            return []
        return [MenuEntry("exams", _("Exams"), reverse("exams:home"), icon="pencil-square", parent="learning",
                          order=1)]

    def home_cards(self, request):
        user = request.user
        if has_perm_anywhere(user, perms.PEOPLE_READ):  # a member's card; managers find theirs under Learning
            return []
        exams = my_exams(user)
        return [Card("exams.glance", "exams/cards/glance.html", {"exams": exams}, order=35, col="col-md-6")] \
            if exams else []

    def seed_demo(self, root, today):
        from .demo import seed_exams

        return {"exam_attempts": seed_exams(root, today)}
