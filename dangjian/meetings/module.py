"""What meetings (三会一课) contribute to the platform (see dangjian/core/modules.py)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import has_perm_anywhere, scope_roots
from dangjian.core.modules import Card, MenuEntry, Module
from dangjian.orgs.module import WARNINGS_INLINE_LIMIT, subtree_size


def upcoming_meetings(user, limit=3):
    """The next meetings the user is invited to (not cancelled), soonest first."""
    if not user.person_id:
        return []
    from .models import Attendance, MeetingState

    rows = (Attendance.objects.filter(person_id=user.person_id, expected=True, meeting__ends_at__gte=timezone.now())
            .exclude(meeting__state=MeetingState.CANCELLED).select_related("meeting", "meeting__org")
            .order_by("meeting__starts_at")[:limit])
    return list(rows)


def meeting_figures(user, roots):
    """This year's organisational life at a glance: how many organisations are on track, behind, short."""
    if not has_perm_anywhere(user, perms.MEETINGS_READ) or not roots:
        return None
    from . import rules
    from .services import compliance

    size = subtree_size(roots)
    if size > WARNINGS_INLINE_LIMIT:
        return {"too_many": True, "orgs": size}
    today = timezone.localdate()
    rows = []
    for root in roots:
        rows.extend(compliance(root, today.replace(month=1, day=1), today, today=today))
    totals = {v: sum(1 for r in rows if r["verdict"] == v) for v in (rules.GREEN, rules.AMBER, rules.RED)}
    return {"too_many": False, "totals": totals, "short": [r for r in rows if r["verdict"] == rules.RED][:5]}


def _may_see_meetings(user):
    return bool(user.person_id) or has_perm_anywhere(user, perms.MEETINGS_READ)


class MeetingsModule(Module):
    order = 30
    url_prefix = "meetings/"
    urls = "dangjian.meetings.urls"
    api_prefix = ""  # /api/v1/meetings/… (the card readers' addresses predate the per-module prefixes)
    api_urls = "dangjian.meetings.api_urls"

    def menu(self, request):
        user = request.user
        entries = []
        if _may_see_meetings(user):
            entries.append(MenuEntry("meetings", _("Meetings"), reverse("meetings:list"), icon="calendar-event",
                                     order=30))
        return entries

    def home_cards(self, request):
        user = request.user
        manager = has_perm_anywhere(user, perms.PEOPLE_READ)
        cards = [Card("meetings.upcoming", "meetings/cards/upcoming.html",
                      {"upcoming": upcoming_meetings(user), "all_link": _may_see_meetings(user)},
                      order=30, col="col-lg-6" if manager else "col-md-6")]
        if manager:
            cards.append(Card("meetings.glance", "meetings/cards/glance.html",
                              {"meetings": meeting_figures(user, scope_roots(user))}, order=31))
        return cards

    def seed_demo(self, root, today):
        from .demo import seed_meetings

        return {"meetings": seed_meetings(root, today)}
