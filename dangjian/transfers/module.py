"""What transfers of organisational relationship contribute to the platform (see dangjian/core/modules.py)."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import has_perm_anywhere, path_q, scope_for, scoped
from dangjian.core.modules import Card, MenuEntry, Module


def transfer_figures(user, today=None):
    """Pending transfers in the user's care: awaiting a decision, addressed to their organisations, overdue."""
    if not has_perm_anywhere(user, perms.TRANSFERS_MANAGE):
        return None
    from .models import Transfer, TransferState

    today = today or timezone.localdate()
    scope = scope_for(user)
    qs = scoped(Transfer.objects.filter(state=TransferState.PENDING), user, perms.TRANSFERS_MANAGE)
    incoming_q = (Q(to_org__isnull=False) if scope.superuser
                  else path_q(["to_org__path"], scope.prefixes(perms.TRANSFERS_MANAGE)))
    return qs.aggregate(pending=Count("id"), incoming=Count("id", filter=incoming_q),
                        overdue=Count("id", filter=Q(expires_on__lt=today)))


class TransfersModule(Module):
    order = 60
    url_prefix = "transfers/"
    urls = "dangjian.transfers.urls"

    def menu(self, request):
        if has_perm_anywhere(request.user, perms.TRANSFERS_MANAGE):
            return [MenuEntry("transfers", _("Transfers"), reverse("transfers:list"), icon="arrow-left-right",
                              order=60)]
        return []

    def person_events(self, person):
        from .models import FlowRecord, Transfer

        events = []
        for t in Transfer.objects.filter(person=person).select_related("from_org", "to_org").order_by("issued_on"):
            origin = t.from_org.name if t.from_org else t.external_org
            target = t.to_org.name if t.to_org else t.external_org
            events.append({"date": t.issued_on, "kind": "transfer", "icon": "arrow-left-right",
                           "title": _("Transfer: %(from)s → %(to)s") % {"from": origin or "—", "to": target or "—"},
                           "detail": f"{t.letter_no} · {t.get_state_display()}"})
        for f in FlowRecord.objects.filter(person=person).order_by("left_on"):
            events.append({"date": f.left_on, "kind": "flow", "icon": "geo-alt", "detail": f.reason,
                           "title": _("Left to %(place)s (flowing member)") % {"place": f.destination}})
            events.append({"date": f.returned_on, "kind": "flow_return", "icon": "house",
                           "title": _("Returned from %(place)s") % {"place": f.destination}})
        return events

    def home_cards(self, request):
        if not has_perm_anywhere(request.user, perms.PEOPLE_READ):
            return []
        return [Card("transfers.glance", "transfers/cards/glance.html",
                     {"transfers": transfer_figures(request.user)}, order=21, col="col-lg-4")]
