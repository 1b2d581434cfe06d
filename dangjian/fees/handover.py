"""Party fees: hand-over (上缴) of the fees an organisation holds to the organisation above it.

How money is tied to a hand-over, so that nothing is handed over twice (docs/fees-reports.md):
- An organisation holds (a) the payments it received itself (Payment.org) and (b) what its lower organisations
  handed over to it and it received.
- (a) Submitting a hand-over claims the organisation's payments not handed over yet (Payment.handed_over = the
  hand-over) with paid_on up to the end of the period — late entries of an earlier period come along, a reversal
  (a negative payment) nets out in the next hand-over. The claim is one guarded UPDATE (only rows still
  unclaimed; the rows are locked first), so two hand-overs cannot claim one payment. A returned hand-over releases
  its payments for the corrected one.
- (b) Each organisation hands its periods over in order (a period starts after the last current one ends; whole
  months; the period must have ended): the lower organisations' hand-overs it received (by the day received)
  after its previous period and up to the end of this one are carried on, at the amount actually handed.
- `expected` = (a) dues + voluntary + (b); the large voluntary payments (≥ 1000 in one go, for the Centre) are
  shown apart. The amount handed may differ from it only with a note.
- States: submitted → received (fees:manage over the receiving organisation; an income entry "handed over by lower
  organisations" in its ledger) or → returned with a reason (then a corrected hand-over, a new row naming it).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Q, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import require
from dangjian.audit import chain
from dangjian.core.context import acting_user
from dangjian.core.errors import ConflictError, DomainError, check_version
from dangjian.core.text import clean_text
from dangjian.orgs.models import Organization, OrgStatus, OrgType

from . import rules, services, workfeed
from .models import Direction, HandOver, HandOverState, LedgerEntry, Payment, Purpose

ZERO = Decimal("0.00")
CURRENT = (HandOverState.SUBMITTED, HandOverState.RECEIVED)
HANDING_TYPES = (OrgType.BRANCH, OrgType.GENERAL_BRANCH, OrgType.COMMITTEE)

# The one table of transitions: action → (from state, to state, who decides: "receiver").
TRANSITIONS = {
    "receive": (HandOverState.SUBMITTED, HandOverState.RECEIVED),
    "return": (HandOverState.SUBMITTED, HandOverState.RETURNED),
}


# ---- pure rules -----------------------------------------------------------------------------------------------------

def next_state(state, action):
    """The state after `action` from `state`, or None when the action is not allowed then (pure)."""
    found = TRANSITIONS.get(action)
    return found[1] if found and found[0] == state else None


def period_bounds(first_month, last_month):
    """(first day, last day) of a period of whole months (pure)."""
    return rules.month_start(first_month), rules.add_months(rules.month_start(last_month), 1) - timedelta(days=1)


def needs_note(expected, amount):
    return expected != amount


# ---- what an organisation holds -------------------------------------------------------------------------------

@dataclass
class Pending:
    org: Organization
    period_from: date
    period_to: date
    after: date | None  # the end of the previous current hand-over
    payments: list = field(default_factory=list)  # Payment rows claimed (received by the organisation itself)
    late: int = 0  # of which paid before the period (recorded late)
    dues: Decimal = ZERO
    voluntary: Decimal = ZERO
    lower: list = field(default_factory=list)  # HandOver rows of lower organisations received and carried on
    lower_amount: Decimal = ZERO
    large: Decimal = ZERO

    @property
    def expected(self):
        return self.dues + self.voluntary + self.lower_amount


def _last_to(org_id, exclude=None):
    qs = HandOver.objects.filter(org_id=org_id, state__in=CURRENT)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return qs.aggregate(m=Max("period_to"))["m"]


def _received_between(org_id, after, until):
    """Hand-overs to `org_id` received (local day) after `after` and up to `until`."""
    tz = timezone.get_current_timezone()
    qs = HandOver.objects.filter(to_org_id=org_id, state=HandOverState.RECEIVED)
    qs = qs.filter(decided_at__lt=timezone.make_aware(datetime.combine(until + timedelta(days=1),
                                                                                time.min), tz))
    if after is not None:
        qs = qs.filter(decided_at__gte=timezone.make_aware(
            datetime.combine(after + timedelta(days=1), time.min), tz))
    return list(qs.select_related("org").order_by("decided_at", "id"))


def pending(org, period_from, period_to, lock=False):
    """What `org` would hand over for the period (first and last day): its unclaimed payments up to the end of the
    period and the lower organisations' hand-overs received since its last one. Three queries."""
    after = _last_to(org.pk)
    out = Pending(org, period_from, period_to, after)
    qs = Payment.objects.filter(org_id=org.pk, handed_over__isnull=True, paid_on__lte=period_to)
    if lock:
        qs = qs.select_for_update()
    out.payments = list(qs.only("id", "amount", "voluntary", "large", "paid_on").order_by("paid_on", "id"))
    for p in out.payments:
        out.dues += p.amount
        out.voluntary += p.voluntary
        if p.large:
            out.large += p.voluntary
        out.late += p.paid_on < period_from
    out.lower = _received_between(org.pk, after, period_to)
    for h in out.lower:
        out.lower_amount += h.amount
        out.large += h.large_voluntary
    return out


def included_lower(ho):
    """The lower organisations' hand-overs `ho` carried on (for its page). Two queries."""
    before = (HandOver.objects.filter(org_id=ho.org_id, state__in=CURRENT, period_to__lt=ho.period_from)
              .aggregate(m=Max("period_to"))["m"])
    if ho.state == HandOverState.RETURNED:
        return []
    return _received_between(ho.org_id, before, ho.period_to)


# ---- state changes ------------------------------------------------------------------------------------------------

def _parse_period(period_from, period_to):
    from .reports import parse_month

    first = period_from if isinstance(period_from, date) else parse_month(period_from, "period_from")
    last = period_to if isinstance(period_to, date) else parse_month(period_to, "period_to")
    first, last = period_bounds(first, last)
    if first > last:
        raise DomainError(_("The first month must not be after the last month."), field="period_from")
    return first, last


def _amount(value):
    return services.money_arg(value, "amount")


@transaction.atomic
def submit(actor, org, *, period_from, period_to, amount, handed_on=None, note="", corrects=None, today=None):
    """Record `org`'s hand-over of a period (months) to its parent (fees:manage over `org`). Returns the HandOver."""
    if not isinstance(org, Organization):
        raise Http404
    require(actor, perms.FEES_MANAGE, org)
    today = today or timezone.localdate()
    org = Organization.objects.select_for_update().get(pk=org.pk)  # one hand-over of an organisation at a time
    if org.org_type not in HANDING_TYPES or not org.parent_id or org.status != OrgStatus.ACTIVE:
        raise DomainError(_("Only a branch, a general branch or a committee with an organisation above it hands "
                            "fees over."), field="org")
    first, last = _parse_period(period_from, period_to)
    if last >= today:
        raise DomainError(_("Hand over a period that has ended: the last month must be before this one."),
                          field="period_to")
    amount = _amount(amount)
    if handed_on in (None, ""):
        handed_on = today
    else:
        handed_on = services.day_arg(handed_on, "handed_on")
    if handed_on > today or handed_on < first:
        raise DomainError(_("The hand-over date must lie between the start of the period and today."),
                          field="handed_on")
    note = clean_text(note, "note", 300)
    if corrects is not None:
        corrects = HandOver.objects.select_for_update().filter(pk=getattr(corrects, "pk", corrects),
                                                               org=org).first()
        if corrects is None:
            raise DomainError(_("The hand-over to correct was not found."), field="corrects")
        if corrects.state != HandOverState.RETURNED:
            raise DomainError(_("Only a returned hand-over can be corrected."), field="corrects")
        if HandOver.objects.filter(corrects=corrects).exists():
            raise DomainError(_("This hand-over has already been corrected."), field="corrects")
    after = _last_to(org.pk)
    if after is not None and first <= after:
        raise DomainError(_("Hand periods over in order: this period must start after %(day)s, the end of the "
                            "last hand-over.") % {"day": after.isoformat()}, field="period_from")
    found = pending(org, first, last, lock=True)
    if found.expected == 0 and amount == 0:
        raise DomainError(_("There is nothing to hand over for this period."), field="amount")
    if needs_note(found.expected, amount) and not note:
        raise DomainError(_("The amount differs from what was collected (%(expected)s): explain the difference in "
                            "the note.") % {"expected": found.expected}, field="note")
    ho = HandOver.objects.create(
        org=org, to_org_id=org.parent_id, org_path=org.path, period_from=first, period_to=last,
        expected=found.expected, amount=amount, large_voluntary=found.large, handed_on=handed_on, note=note,
        corrects=corrects, created_by=acting_user(actor))
    ids = [p.pk for p in found.payments]
    if ids:
        claimed = Payment.objects.filter(pk__in=ids, handed_over__isnull=True).update(handed_over=ho)
        if claimed != len(ids):
            raise ConflictError()
        chain.record(chain.AuditEntry.Action.UPDATE, "fees.payment", f"handover:{ho.pk}", org_path=org.path,
                     object_repr=str(ho), after={"handed_over": ho.pk, "payments": len(ids)},
                     actor=acting_user(actor), note="handover claim")
    return ho


def _decide(actor, ho, action, expected_version):
    if not isinstance(ho, HandOver):
        raise Http404
    to_org = Organization.objects.filter(pk=ho.to_org_id).only("id", "path").first()
    require(actor, perms.FEES_MANAGE, to_org)
    ho = HandOver.objects.select_for_update().get(pk=ho.pk)
    check_version(ho, expected_version)
    state = next_state(ho.state, action)
    if state is None:
        raise DomainError(_("This hand-over is no longer awaiting receipt."), field="state")
    ho.state = state
    ho.decided_by = acting_user(actor)
    ho.decided_at = timezone.now()
    return ho, to_org


@transaction.atomic
def receive(actor, ho, expected_version=None):
    """The receiving organisation confirms the money arrived; an income entry goes into its ledger."""
    ho, to_org = _decide(actor, ho, "receive", expected_version)
    ho.save()
    if ho.amount > 0:
        LedgerEntry.objects.create(
            org_id=to_org.pk, org_path=to_org.path, entry_date=timezone.localdate(), direction=Direction.INCOME,
            purpose=Purpose.HANDOVER_IN, amount=ho.amount, handover=ho, recorded_by=acting_user(actor),
            description=(_("Handed over by %(org)s, %(first)s – %(last)s") % {
                "org": ho.org.name, "first": f"{ho.period_from:%Y-%m}", "last": f"{ho.period_to:%Y-%m}"})[:300])
    workfeed.feed(ho)  # the months closed appear in the work ledger (no amounts)
    return ho


@transaction.atomic
def return_(actor, ho, *, reason, expected_version=None):
    """The receiving organisation sends the hand-over back with a reason; its payments are released for the
    corrected hand-over."""
    reason = clean_text(reason, "reason", 200, required=True)
    ho, _to = _decide(actor, ho, "return", expected_version)
    line = _("Returned: %(reason)s") % {"reason": reason}
    ho.note = (f"{ho.note}\n{line}" if ho.note else line)[-300:]
    ho.save()
    released = Payment.objects.filter(handed_over=ho).update(handed_over=None)
    if released:
        chain.record(chain.AuditEntry.Action.UPDATE, "fees.payment", f"handover:{ho.pk}", org_path=ho.org_path,
                     object_repr=str(ho), after={"handed_over": None, "payments": released},
                     actor=acting_user(actor), note="handover release")
    return ho


# ---- reads --------------------------------------------------------------------------------------------------------

def handing_orgs(user):
    """The organisations `user` may hand over for (fees:manage), in tree order."""
    from dangjian.accounts.scoping import scoped
    from dangjian.orgs.services import PICKER_FIELDS

    return list(scoped(Organization.objects.filter(status=OrgStatus.ACTIVE, org_type__in=HANDING_TYPES,
                                                   parent__isnull=False), user, perms.FEES_MANAGE)
                .only(*PICKER_FIELDS, "org_type", "parent_id").order_by("path")[:500])


def visible(user):
    """The hand-overs `user` may see: from or to an organisation in their fees:read subtrees (a hand-over's path is
    the sender's, inside the receiver's subtree)."""
    from dangjian.accounts.scoping import scoped

    return scoped(HandOver.objects.all(), user, perms.FEES_READ)


def awaiting_for(user):
    """Hand-overs awaiting receipt by an organisation where `user` holds fees:manage."""
    from dangjian.accounts.scoping import scope_for

    scope = scope_for(user)
    qs = HandOver.objects.filter(state=HandOverState.SUBMITTED)
    if scope.superuser:
        return qs
    q = Q(pk__in=[])
    for p in scope.prefixes(perms.FEES_MANAGE):
        q |= Q(to_org__path__startswith=p)
    return qs.filter(q)


def totals(qs):
    return qs.aggregate(amount=Sum("amount"), expected=Sum("expected"))


__all__ = ["TRANSITIONS", "Pending", "awaiting_for", "handing_orgs", "included_lower", "next_state", "pending",
           "period_bounds", "receive", "return_", "submit", "visible"]
