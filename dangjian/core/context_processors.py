from django.conf import settings
from django.utils.translation import gettext as _

from dangjian.accounts import rules
from dangjian.accounts.scoping import has_perm_anywhere, scope_for


def _unread(user):
    from dangjian.notices.services import unread_count

    return unread_count(user)


def platform(request):
    user = getattr(request, "user", None)
    nav = {}
    if user is not None and user.is_authenticated:
        scope = scope_for(user)
        nav = {
            "manages": scope.has_any_post,
            "can_read_people": has_perm_anywhere(user, rules.PEOPLE_READ),
            "can_manage_transfers": has_perm_anywhere(user, rules.TRANSFERS_MANAGE),
            "can_read_audit": has_perm_anywhere(user, rules.AUDIT_READ),
            "meetings": bool(user.person_id) or has_perm_anywhere(user, rules.MEETINGS_READ),
            "learning": bool(user.person_id) or scope.has_any_post,
            "fees": bool(user.person_id) or has_perm_anywhere(user, rules.FEES_READ),
            "unread_notices": _unread(user),
            "own_org_id": user.person.org_id if user.person_id and user.person else None,
        }
    return {"platform_name": settings.DANGJIAN_PLATFORM_NAME or _("Dangjian Party-building platform"), "nav": nav}
