"""What the organisations module contributes to the platform (see dangjian/core/modules.py)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import has_perm_anywhere, path_q, scope_for, scope_roots
from dangjian.core.modules import Card, MenuEntry, Module

WARNINGS_INLINE_LIMIT = 2000  # bigger subtrees show a link to the warnings list instead of computing inline


def subtree_size(roots):
    from .models import Organization, OrgStatus

    return Organization.objects.filter(path_q(["path"], [r.path for r in roots]),
                                       status=OrgStatus.ACTIVE).count() if roots else 0


def warning_figures(user, roots):
    """The rule warnings of the organisations in the user's care (inline for a few thousand, a link beyond)."""
    from .services import subtree_warnings

    if not has_perm_anywhere(user, perms.ORGS_READ) or not roots:
        return None
    size = subtree_size(roots)
    if size > WARNINGS_INLINE_LIMIT:
        return {"too_many": True, "orgs": size}
    found = []
    for root in roots:
        found.extend(subtree_warnings(root))
    return {"too_many": False, "orgs": size, "count": sum(len(ws) for _o, ws in found), "items": found[:6]}


class OrgsModule(Module):
    order = 10
    url_prefix = "orgs/"
    urls = "dangjian.orgs.urls"

    def menu(self, request):
        user = request.user
        if scope_for(user).has_any_post:
            return [MenuEntry("orgs", _("Organisations"), reverse("orgs:tree"), icon="diagram-3", order=10)]
        if user.person_id and user.person and user.person.org_id:
            return [MenuEntry("orgs", _("My organisation"), reverse("orgs:detail", args=[user.person.org_id]),
                              icon="diagram-3", order=10)]
        return []

    def home_cards(self, request):
        user = request.user
        if not has_perm_anywhere(user, perms.PEOPLE_READ):
            return []
        return [Card("orgs.warnings", "orgs/cards/warnings.html",
                     {"warnings": warning_figures(user, scope_roots(user))}, order=22, col="col-lg-4")]
