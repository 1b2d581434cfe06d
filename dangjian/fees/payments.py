"""Party fees: payments — online orders through a provider, the provider's callbacks, payments recorded by a
collector, reversals and receipts. State changes here, each in one transaction; rules come from rules.py and the
shared reads and dues from services.py (dues are only ever computed by services.generate_dues).

Decisions (see docs/fees-payments.md):
- The back-payment window (settings_for(path).backpay_months, rules.backpay_allowed) counts from the day the money
  is paid: today online, `paid_on` for a recorded payment. Only a fees:manage holder may record an older month, and
  only with a note saying why. Paying ahead reaches `ahead_months` months after the current one; dues for those
  months are generated on demand.
- A recorded amount for a month may be less than owed (the rest stays outstanding) but never more: the surplus is
  refused with a message saying to enter it as a voluntary extra.
- A month in an online order that is still open (not paid, not expired) cannot be put in another order nor
  recorded; an order expires after FEES_ORDER_MINUTES (30).
- A wrong receipt is reversed as a whole (fees:manage, a reason): one negative Payment per payment, each
  `corrects`-ing its original, and one cancelling Receipt. Nothing is edited or deleted.
- A paid callback is always recorded when the money was taken — also for an order already closed or expired (the
  event's outcome says so, and which months were paid twice, for a refund).
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import get_scoped_or_404, has_perm, require
from dangjian.audit import chain
from dangjian.core.context import acting_user
from dangjian.core.errors import DomainError
from dangjian.core.text import clean_text
from dangjian.people.models import Person

from . import providers as provider_registry
from . import rules, services
from .models import Due, FeeBase, Method, OrderState, Payment, PaymentOrder, ProviderEvent, Receipt

log = logging.getLogger(__name__)

ZERO = Decimal("0.00")
VOLUNTARY_MAX = Decimal("1000000.00")
RECORDED_METHODS = (Method.CASH, Method.TRANSFER)
_RECEIPT_LOCK = 1178944851  # pg_advisory_xact_lock namespace for receipt numbers ("FEES")


def order_minutes():
    return int(getattr(settings, "FEES_ORDER_MINUTES", 30))


def receipt_prefix():
    return str(getattr(settings, "FEES_RECEIPT_PREFIX", "DF"))


# ---- input ------------------------------------------------------------------------------------------------------




def _month_label(month):
    return f"{month:%Y-%m}"


def parse_month(value, field="months"):
    return services.month_arg(value, field)


def parse_months(values, field="months"):
    if isinstance(values, str | date):
        values = [values]
    try:
        values = list(values or ())
    except TypeError:
        raise DomainError(_("Enter months as YYYY-MM."), field=field) from None
    if len(values) > 60:
        raise DomainError(_("Choose at most 60 months at a time."), field=field)
    return sorted({parse_month(v, field) for v in values})


def _money(value, field):
    return services.money_arg(value, field, blank=ZERO, maximum=VOLUNTARY_MAX)


_parse_day = services.day_arg


# ---- what is owed -----------------------------------------------------------------------------------------------


@dataclass
class Line:
    month: date
    due: Due | None
    amount: Decimal  # what is charged for the month
    paid: Decimal
    outstanding: Decimal
    kind: str  # arrears / current / ahead
    busy: bool = False  # in an open online order
    estimated: bool = False  # no dues yet: the amount is the base's fixed monthly amount

    @property
    def payable(self):
        return self.outstanding > 0 and not self.busy


def open_orders(person_id, now=None):
    return PaymentOrder.objects.filter(person_id=person_id, state=OrderState.CREATED,
                                       expires_at__gt=now or timezone.now())


def busy_months(person_id, now=None, exclude=None):
    """The months (first days) in the person's open online orders."""
    out = set()
    qs = open_orders(person_id, now)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    for months in qs.values_list("months", flat=True):
        for row in months or ():
            out.add(date.fromisoformat(row["month"]))
    return out


def window(person, on=None):
    """(first, current, last): the oldest month still payable by back-payment, the current month and the last one
    that may be paid ahead, on `on` (today), by the settings in force for the person."""
    on = on or timezone.localdate()
    conf = services.settings_for(person.scope_path)
    current = rules.month_start(on)
    return rules.add_months(current, -conf.backpay_months), current, rules.add_months(current, conf.ahead_months)


def payable_months(person, on=None):
    """What the member may pay now, for the pay page: arrears within the window, the current month and the months
    ahead, with what is still owed. Months ahead without dues yet show the base's fixed monthly amount (`estimated`);
    the order generates their dues. Months with nothing owed are left out."""
    first, current, last = window(person, on)
    rows = {r["month"]: r for r in services.statement(person, first, last)}
    busy = busy_months(person.pk)
    bases = list(FeeBase.objects.filter(person=person, superseded_at__isnull=True, applies_from__lte=last)
                 .order_by("applies_from", "id").values_list("applies_from", "amount"))
    lines = []
    for month in rules.months_between(first, last):
        kind = "arrears" if month < current else ("current" if month == current else "ahead")
        row = rows.get(month)
        if row is not None:
            line = Line(month, row["due"], row["amount"], row["paid"], row["outstanding"], kind)
        elif month >= current:
            amount = next((a for applies, a in reversed(bases) if applies <= month), None)  # as current_base
            if amount is None:
                continue
            line = Line(month, None, amount, ZERO, amount, kind, estimated=True)
        else:
            continue
        line.busy = month in busy
        if line.outstanding > 0:
            lines.append(line)
    return lines


def _lines_for(person, months, *, on, allow_old=False, exclude_order=None):
    """Check `months` against the window and what is owed on `on`, generating missing dues; [Line] or a
    DomainError naming `months`."""
    first, current, last = window(person, on)
    for month in months:
        if month < first and not allow_old:
            raise DomainError(_("%(month)s is too long ago: back-payment is possible for the last %(n)d months "
                                "only. Ask your branch.") % {"month": _month_label(month),
                                                             "n": services.settings_for(person.scope_path)
                                                             .backpay_months}, field="months")
        if month > last:
            raise DomainError(_("%(month)s is too far ahead: you can pay at most until %(last)s.")
                              % {"month": _month_label(month), "last": _month_label(last)}, field="months")
    dues = _current_dues(person, months)
    missing = [m for m in months if m not in dues]
    for month in missing:
        services.generate_dues(month, person_ids=[person.pk])
    if missing:
        dues = _current_dues(person, months)
    paid = services.paid_by_month(person.pk, months)
    busy = busy_months(person.pk, exclude=exclude_order)
    lines = []
    for month in months:
        due = dues.get(month)
        if due is None:
            raise DomainError(_("No dues are set for %(month)s: the fee base is not recorded yet. Ask your branch.")
                              % {"month": _month_label(month)}, field="months")
        if due.amount <= 0:
            raise DomainError(_("Nothing is due for %(month)s.") % {"month": _month_label(month)}, field="months")
        outstanding = due.amount - paid[month][0]
        if outstanding <= 0:
            raise DomainError(_("%(month)s is already paid.") % {"month": _month_label(month)}, field="months")
        if month in busy:
            raise DomainError(_("%(month)s is in an online payment that is not finished yet; wait until it is "
                                "paid or expires (at most %(n)d minutes).")
                              % {"month": _month_label(month), "n": order_minutes()}, field="months")
        kind = "arrears" if month < current else ("current" if month == current else "ahead")
        lines.append(Line(month, due, due.amount, paid[month][0], outstanding, kind))
    return lines


def _current_dues(person, months):
    return {d.month: d for d in Due.objects.filter(person=person, month__in=months, superseded_at__isnull=True)}


_lock_person = services.lock_person


# ---- receipts ---------------------------------------------------------------------------------------------------


def _issue_receipt(person, org_id, total, method, actor, *, cancels=None, year=None):
    """A receipt numbered PREFIX + year + '-' + 7 digits, one sequence per year without gaps: the number is the
    year's highest + 1 inside the caller's transaction. On PostgreSQL an advisory lock held until the commit takes
    the numbers one at a time; anywhere, the unique number makes a racing duplicate fail and retry the next one."""
    year = year or timezone.localdate().year
    prefix = f"{receipt_prefix()}{year}-"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_RECEIPT_LOCK, year])
    for _attempt in range(20):
        last = (Receipt.objects.filter(number__gt=prefix, number__lt=prefix + "~").order_by("-number")
                .values_list("number", flat=True).first())
        n = int(last[len(prefix):]) + 1 if last else 1
        try:
            with transaction.atomic():
                return Receipt.objects.create(number=f"{prefix}{n:07d}", person=person, org_id=org_id, total=total,
                                              method=method, issued_by=acting_user(actor), cancels=cancels,
                                              scope_path=person.scope_path)
        except IntegrityError:
            continue
    raise RuntimeError("could not number a receipt")  # pragma: no cover


def _org_of(person, lines):
    org_id = person.org_id or next((ln.due.org_id for ln in lines if ln.due is not None), None)
    if org_id is None:
        raise DomainError(_("This member belongs to no organisation."), field="person")
    return org_id


def _record(person, lines, voluntary, *, method, paid_on, actor, note="", order=None):
    """Payment rows (one per month, one for the voluntary extra) and one Receipt; in the caller's transaction."""
    org_id = _org_of(person, lines)
    total = sum((ln.amount for ln in lines), ZERO) + voluntary
    receipt = _issue_receipt(person, org_id, total, method, actor)
    common = {"person": person, "method": method, "order": order, "receipt": receipt, "paid_on": paid_on,
              "org_id": org_id, "scope_path": person.scope_path, "note": note, "recorded_by": acting_user(actor)}
    rows = [Payment(month=line.month, due=line.due, amount=line.amount, **common) for line in lines]
    if voluntary > 0:
        rows.append(Payment(month=None, amount=ZERO, voluntary=voluntary, large=voluntary >= rules.LARGE_VOLUNTARY,
                            **common))
    chain.created(Payment.objects.bulk_create(rows), actor=acting_user(actor))  # one audit append for the receipt
    return receipt


# ---- online orders ----------------------------------------------------------------------------------------------


def own_person(actor):
    """The Person of the logged-in member, or 404."""
    person_id = getattr(actor, "person_id", None)
    if not person_id:
        raise Http404
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        raise Http404
    return person


def _trade_no():
    return f"DF{timezone.localtime():%Y%m%d%H%M%S}{secrets.token_hex(5).upper()}"


@transaction.atomic
def create_order(actor, months, voluntary=None, *, provider=None):
    """A member's online payment for `months` (of their own record) and a voluntary extra. The server computes
    each month's outstanding amount; the order expires after FEES_ORDER_MINUTES. Returns the PaymentOrder."""
    person = own_person(actor)
    _lock_person(person)
    person.refresh_from_db()
    if not services.on_roll(person):
        raise DomainError(_("Only Party members on the roll pay Party fees."), field="months")
    months = parse_months(months)
    voluntary = _money(voluntary, "voluntary")
    if not months and voluntary <= 0:
        raise DomainError(_("Choose at least one month or enter a voluntary amount."), field="months")
    provider = provider or provider_registry.default_provider()
    if provider is None:
        raise DomainError(_("Online payment is not available here: pay your branch's fee collector."),
                          field="months")
    lines = _lines_for(person, months, on=timezone.localdate())
    dues_amount = sum((ln.outstanding for ln in lines), ZERO)
    return PaymentOrder.objects.create(
        out_trade_no=_trade_no(), person=person, provider=provider.name,
        months=[{"month": ln.month.isoformat(), "amount": str(ln.outstanding)} for ln in lines],
        dues_amount=dues_amount, voluntary=voluntary, total=dues_amount + voluntary,
        expires_at=timezone.now() + timedelta(minutes=order_minutes()), created_by=acting_user(actor),
        scope_path=person.scope_path)


def start_payment(order, request=None):
    """Where to send the payer for `order` (providers.Start)."""
    provider = provider_registry.get_provider(order.provider)
    if provider is None:
        raise Http404
    return provider.start(order, request)


def order_lines(order):
    return [(date.fromisoformat(r["month"]), Decimal(r["amount"])) for r in order.months or ()]


def receipt_of(order):
    """The receipt issued when `order` was paid, or None."""
    payment = (Payment.objects.filter(order=order, corrects__isnull=True, receipt__isnull=False)
               .select_related("receipt").first())
    return payment.receipt if payment else None


# ---- callbacks --------------------------------------------------------------------------------------------------

REFUSED = ("unknown_order", "amount_mismatch")


def handle_callback(provider_name, body, headers):
    """A provider's callback, as the HTTP endpoint and the fake cashier deliver it: returns providers.Ack.

    Verified first (a forged or unsigned body: 400, recorded unverified, nothing else changed). A replayed event id
    gets the same answer and does nothing again. The order is locked while the event is applied: paid → Payment rows,
    the voluntary extra and one Receipt in one transaction (also when the order had been closed or had expired — the
    money was taken; the outcome says so); failed/closed after paid → ignored; an amount other than the order's total
    or an unknown order → refused (400) and recorded."""
    provider = provider_registry.get_provider(provider_name)
    if provider is None:
        raise Http404
    try:
        event = provider.verify(body, headers)
    except provider_registry.ProviderError as exc:
        peek = provider.peek(body)
        ProviderEvent.objects.create(
            provider=provider.name, event_id=str(peek.get("event_id", ""))[:80],
            out_trade_no=str(peek.get("out_trade_no", ""))[:40], verified=False, outcome=exc.outcome,
            detail=str(exc)[:300], payload=peek)
        log.warning("fees: %s callback refused: %s", provider.name, exc)
        return provider.ack(False, exc.outcome)
    try:
        outcome = _apply(provider, event)
    except IntegrityError:  # the same event recorded by a concurrent delivery a moment ago
        outcome = ProviderEvent.objects.get(provider=provider.name, event_id=event.event_id, verified=True).outcome
    return provider.ack(outcome not in REFUSED, outcome)


@transaction.atomic
def _apply(provider, event):
    def known():
        return (ProviderEvent.objects.filter(provider=provider.name, event_id=event.event_id, verified=True)
                .values_list("outcome", flat=True).first())

    seen = known()
    if seen is not None:
        return seen
    order = (PaymentOrder.objects.select_for_update().select_related("person")
             .filter(out_trade_no=event.out_trade_no, provider=provider.name).first())
    seen = known()  # a concurrent delivery of the same event may have finished while we waited for the lock
    if seen is not None:
        return seen
    outcome, detail = _outcome(order, event)
    ProviderEvent.objects.create(provider=provider.name, event_id=event.event_id, out_trade_no=event.out_trade_no,
                                 verified=True, outcome=outcome, detail=detail[:300],
                                 payload=event.raw)
    return outcome


def _outcome(order, event):
    """Apply a verified event to the (locked) order: (outcome, detail)."""
    if order is None:
        return "unknown_order", ""
    if event.status == provider_registry.PAID:
        if event.amount != order.total:
            return "amount_mismatch", f"paid {event.amount}, order total {order.total}"
        if order.state == OrderState.PAID:
            if event.txn_id and order.provider_txn and event.txn_id != order.provider_txn:
                return "paid_twice", f"another transaction {event.txn_id}: refund it"
            return "already_paid", ""
        paid_at = event.at if timezone.is_aware(event.at) else timezone.make_aware(event.at)
        late = order.state in (OrderState.CLOSED, OrderState.FAILED) or order.expires_at <= paid_at
        person = order.person
        _lock_person(person)
        lines = order_lines(order)
        months = [m for m, _a in lines]
        dues = _current_dues(person, months)
        before = services.paid_by_month(person.pk, months)
        twice = [m for m, amount in lines if before[m][0] + amount > (dues[m].amount if m in dues else amount)]
        _record(person, [Line(m, dues.get(m), amount, ZERO, amount, "") for m, amount in lines], order.voluntary,
                method=Method.ONLINE, paid_on=timezone.localdate(paid_at), actor=None, order=order)
        previous = order.state
        order.state, order.paid_at, order.provider_txn = OrderState.PAID, paid_at, event.txn_id
        order.save(update_fields=["state", "paid_at", "provider_txn"])
        detail = ""
        if late:
            detail = f"paid after the order was {previous if previous != OrderState.CREATED else 'expired'}"
        if twice:
            detail += (f"{'; ' if detail else ''}overpaid: {', '.join(_month_label(m) for m in twice)} "
                       "(paid otherwise meanwhile; refund or re-allocate)")
        return ("paid_late" if late else ("paid_overpaid" if twice else "paid")), detail
    # failed / closed
    if order.state == OrderState.PAID:
        return "ignored_after_paid", ""
    if order.state != OrderState.CREATED:
        return "ignored", f"order already {order.state}"
    order.state = OrderState.FAILED if event.status == provider_registry.FAILED else OrderState.CLOSED
    order.save(update_fields=["state"])
    return event.status, ""


def sync_order(order):
    """Ask the order's provider about a still open order (providers that support `query`; the result page's poll
    calls this) and apply what it says like a callback. Returns the outcome, or None when there was nothing to
    learn."""
    if order.state != OrderState.CREATED:
        return None
    provider = provider_registry.get_provider(order.provider)
    event = provider.query(order) if provider is not None else None
    if event is None or event.out_trade_no != order.out_trade_no:
        return None
    try:
        return _apply(provider, event)
    except IntegrityError:
        return ProviderEvent.objects.get(provider=provider.name, event_id=event.event_id, verified=True).outcome


def fake_pay(actor, out_trade_no, status):
    """The fake cashier's buttons (支付 / 失败 / 取消): the fake provider signs a callback for the member's own open
    order and delivers it to handle_callback, as the real one would over HTTP."""
    provider = provider_registry.get_provider(provider_registry.FakeProvider.name)
    if provider is None or status not in provider_registry.STATUSES:
        raise Http404
    order = PaymentOrder.objects.filter(out_trade_no=out_trade_no, provider=provider.name,
                                        person_id=getattr(actor, "person_id", None) or -1).first()
    if order is None:
        raise Http404
    body = provider.event_body(order, status)
    return handle_callback(provider.name, body, provider.signed(body))


def close_expired(now=None, limit=1000):
    """Close the online orders whose time ran out (the beat task). A paid callback arriving later still records the
    money. Returns how many were closed."""
    now = now or timezone.now()
    closed = 0
    with transaction.atomic():
        for order in (PaymentOrder.objects.select_for_update(skip_locked=True)
                      .filter(state=OrderState.CREATED, expires_at__lte=now).order_by("expires_at")[:limit]):
            order.state = OrderState.CLOSED
            order.save(update_fields=["state"])
            closed += 1
    return closed


# ---- recorded payments ------------------------------------------------------------------------------------------


@transaction.atomic
def record_payment(actor, person, *, months=(), amounts=None, voluntary=None, method=Method.CASH, paid_on=None,
                   note=""):
    """A collector (fees:collect over the member) records cash or a bank transfer for `months`, each for its
    outstanding amount unless `amounts` ({month: amount}) says less, plus a voluntary extra. An amount above what is
    owed is refused (enter the rest as voluntary). Months beyond the back-payment window: fees:manage only, with a
    note. Returns the Receipt."""
    if not isinstance(person, Person):
        raise Http404
    require(actor, perms.FEES_COLLECT, person.scope_path)
    _lock_person(person)
    person.refresh_from_db()
    if not services.on_roll(person):
        raise DomainError(_("Only Party members on the roll pay Party fees."), field="person")
    if method not in RECORDED_METHODS:
        raise DomainError(_("Choose cash or bank transfer."), field="method")
    today = timezone.localdate()
    paid_on = today if paid_on in (None, "") else _parse_day(paid_on, "paid_on")
    if paid_on > today:
        raise DomainError(_("The payment date cannot be in the future."), field="paid_on")
    if paid_on < date(today.year - 1, 1, 1):
        raise DomainError(_("Enter a payment date from last January on."), field="paid_on")
    note = clean_text(note, "note", 300)
    months = parse_months(months)
    given = {parse_month(k): _money(v, "months") for k, v in (amounts or {}).items() if v not in (None, "")}
    voluntary = _money(voluntary, "voluntary")
    if not months and voluntary <= 0:
        raise DomainError(_("Choose at least one month or enter a voluntary amount."), field="months")
    # the window counts from the day paid, but a date typed in more than a month back does not stretch it
    counted_from = max(paid_on, today - timedelta(days=31))
    first, _current, _last = window(person, counted_from)
    old = [m for m in months if m < first]
    allow_old = False
    if old and actor is not None and has_perm(actor, perms.FEES_MANAGE, person.scope_path):
        if not note:
            raise DomainError(_("Say in the note why %(month)s is paid after the back-payment window.")
                              % {"month": _month_label(old[0])}, field="note")
        allow_old = True
    lines = _lines_for(person, months, on=counted_from, allow_old=allow_old or actor is None)
    for line in lines:
        amount = given.get(line.month, line.outstanding)
        if amount <= 0:
            raise DomainError(_("%(month)s: enter an amount greater than 0.") % {"month": _month_label(line.month)},
                              field="months")
        if amount > line.outstanding:
            raise DomainError(_("%(month)s: %(amount)s is more than the %(owed)s still owed. Enter the rest as a "
                                "voluntary extra.") % {"month": _month_label(line.month), "amount": amount,
                                                       "owed": line.outstanding}, field="months")
        line.amount = amount
    return _record(person, lines, voluntary, method=method, paid_on=paid_on, actor=actor, note=note)


@transaction.atomic
def reverse_receipt(actor, receipt, reason):
    """Reverse a wrongly recorded receipt (fees:manage over the member): a negative Payment `corrects`-ing each of
    its payments and one cancelling Receipt. Returns the cancelling Receipt."""
    if not isinstance(receipt, Receipt):
        raise Http404
    require(actor, perms.FEES_MANAGE, receipt.scope_path)
    receipt = Receipt.objects.select_for_update().select_related("person").get(pk=receipt.pk)
    reason = clean_text(reason, "reason", 300, required=True)
    if receipt.cancels_id is not None:
        raise DomainError(_("This receipt is itself a cancellation."), field="receipt")
    if Receipt.objects.filter(cancels=receipt).exists():
        raise DomainError(_("This receipt has already been cancelled."), field="receipt")
    originals = list(receipt.payments.filter(corrects__isnull=True))
    cancel = _issue_receipt(receipt.person, receipt.org_id, -receipt.total, receipt.method, actor, cancels=receipt)
    today = timezone.localdate()
    for p in originals:
        Payment.objects.create(person_id=p.person_id, month=p.month, due=p.due, amount=-p.amount,
                               voluntary=-p.voluntary, large=p.large, method=p.method, order=p.order, receipt=cancel,
                               paid_on=today, org_id=p.org_id, scope_path=p.scope_path, note=reason, corrects=p,
                               recorded_by=acting_user(actor))
    return cancel


# ---- reads ------------------------------------------------------------------------------------------------------


def my_year(person, year):
    """The member's twelve months of `year`: [{month, amount, paid, voluntary, outstanding, relief, has_due}]."""
    rows = {r["month"]: r for r in services.statement(person, date(year, 1, 1), date(year, 12, 1))}
    out = []
    for n in range(1, 13):
        month = date(year, n, 1)
        row = rows.get(month)
        if row is None:
            out.append({"month": month, "has_due": False, "amount": None, "paid": ZERO, "voluntary": ZERO,
                        "outstanding": ZERO, "relief": None})
        else:
            out.append({**row, "has_due": True})
    return out


def totals(rows):
    keys = ("amount", "paid", "outstanding")
    return {k: sum((r[k] or ZERO for r in rows), ZERO) for k in keys}


def arrears(person, on=None):
    """Months before the current one still owed: (payable within the window, too old to pay online)."""
    first, current, _last = window(person, on)
    rows = [r for r in services.statement(person, date(1990, 1, 1), rules.add_months(current, -1))
            if r["outstanding"] > 0]
    return [r for r in rows if r["month"] >= first], [r for r in rows if r["month"] < first]


def order_for(user, out_trade_no):
    """An order the user may see: their own, or in a subtree where they hold fees:read; else 404."""
    pid = getattr(user, "person_id", None)
    return get_scoped_or_404(PaymentOrder.objects.select_related("person"), user, perms.FEES_READ,
                             extra=Q(person_id=pid) if pid else None, out_trade_no=str(out_trade_no)[:40])


def receipt_for(user, number):
    pid = getattr(user, "person_id", None)
    return get_scoped_or_404(Receipt.objects.select_related("person", "org", "issued_by__person", "cancels"), user,
                             perms.FEES_READ, extra=Q(person_id=pid) if pid else None, number=str(number)[:32])


def receipt_payments(receipt):
    return list(receipt.payments.order_by("month", "id"))


def cancelled_by(receipt):
    return Receipt.objects.filter(cancels=receipt).first()


def receipts_of(person):
    return Receipt.objects.filter(person=person).select_related("cancels").order_by("-issued_at", "-id")
