"""What Party fees feed into the work ledger: a hand-over (上缴) received by the organisation above closes the
handing organisation's months, and becomes its record “fees for 2026-01 – 2026-03 handed over and received”.
No amount and no member appears in it."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.workrecords.services import record_from_source

KIND = "fees.handover"
KINDS = {KIND: (gettext_lazy("Party fee months closed (hand-over received)"), "fees:handover")}


def feed(ho):
    """Push the record of a received hand-over (called by handover.receive; idempotent)."""
    first, last = f"{ho.period_from:%Y-%m}", f"{ho.period_to:%Y-%m}"
    months = first if first == last else f"{first} – {last}"
    title = _("Party fees %(months)s handed over") % {"months": months}
    text = _("The Party fees of %(months)s were handed over and received: the months are closed.") % {
        "months": months}
    day = timezone.localdate(ho.decided_at) if ho.decided_at else ho.handed_on
    return record_from_source(ho.org, KIND, ho, day, title, text)


def backfill(root=None):
    from .models import HandOver, HandOverState

    qs = HandOver.objects.filter(state=HandOverState.RECEIVED).select_related("org")
    if root is not None:
        qs = qs.filter(org_path__startswith=root.path)
    return sum(feed(ho) is not None for ho in qs.order_by("id").iterator(chunk_size=500))
