"""What Party fees contribute to the platform (see dangjian/core/modules.py)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import has_perm_anywhere
from dangjian.core.modules import Card, MenuEntry, Module


class FeesModule(Module):
    order = 50
    url_prefix = "fees/"
    urls = "dangjian.fees.urls"
    api_prefix = "fees/"
    api_urls = "dangjian.fees.api_urls"

    def menu(self, request):
        user = request.user
        if user.person_id or has_perm_anywhere(user, perms.FEES_READ):
            return [MenuEntry("fees", _("Party fees"), reverse("fees:home"), icon="cash-stack", order=50)]
        return []

    def home_cards(self, request):
        """The fee items of the to-do list (unpaid this month before the month ends, Article 13 flags, declarations
        and reliefs awaiting a decision, members without a base) for fee collectors and managers."""
        if not has_perm_anywhere(request.user, perms.FEES_COLLECT):
            return []
        from .bases import todo_for

        items = todo_for(request.user)
        return [Card("fees.todo", "fees/cards/todo.html", {"items": items}, order=1, col="col-12")] if items else []

    def seed_demo(self, root, today):
        from .demo import seed_fees

        return {"fee_payments": seed_fees(root, today)}
