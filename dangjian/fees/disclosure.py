"""The yearly fee disclosure as a publication: "publish the year's disclosure" writes the collection and the
ledger's income and spending by purpose (no vouchers) into a publication of kind `fee_disclosure` through the one
publishing service, linked back to the organisation and the year; the disclosure page links it."""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import require
from dangjian.core.errors import DomainError
from dangjian.publications import services as publications

from . import ledger, reports

KIND = "fee_disclosure"


def _money(value):
    return f"{value:,.2f}"


def collection_of(org, year, today=None):
    today = today or timezone.localdate()
    last = date(year, 12, 1) if year < today.year else date(today.year, today.month, 1)
    if last < date(year, 1, 1):
        return None
    return reports.total_of(list(reports.by_child(org.path, date(year, 1, 1), last).values()))


def body_of(org, year, summary, collection):
    lines = []
    if collection is not None:
        rate = "—" if collection["rate"] is None else f"{collection['rate']}%"
        lines += [_("Collection"),
                  _("Due %(due)s yuan, paid %(paid)s yuan, payment rate %(rate)s, voluntary %(vol)s yuan.") % {
                      "due": _money(collection["due"]), "paid": _money(collection["paid"]), "rate": rate,
                      "vol": _money(collection["voluntary"])}, ""]
    lines += [_("Use"),
              _("Brought forward %(o)s yuan; income %(i)s yuan; spending %(s)s yuan; balance at the end of the year "
                "%(c)s yuan.") % {"o": _money(summary.opening), "i": _money(summary.income_total),
                                  "s": _money(summary.spending_total), "c": _money(summary.closing)}]
    for title, rows in ((_("Income by purpose"), summary.income), (_("Spending by purpose"), summary.spending)):
        if rows:
            lines += ["", title] + [f"· {r['label']}: {_money(r['amount'])}" for r in rows]
    return "\n".join(lines)


def published(org, year):
    """The publication of `org`'s disclosure for `year` (the latest still shown or archived), or None."""
    found = [p for p in publications.for_source(org, ref=year, kind=KIND) if p.state in ("published", "archived")]
    return found[0] if found else None


@transaction.atomic
def publish(actor, org, year, audience="members"):
    """Publish `org`'s disclosure of `year` to its members (fees:manage over it; once a year)."""
    require(actor, perms.FEES_MANAGE, org)
    today = timezone.localdate()
    if not 2000 <= int(year) <= today.year:
        raise DomainError(_("Choose a year up to this one."), field="year")
    if published(org, year):
        raise DomainError(_("This year's disclosure has already been published."), field="year")
    summary = ledger.summary(org, year)
    body = body_of(org, year, summary, collection_of(org, year, today))
    title = _("Party fee collection and use of %(org)s, %(year)s") % {"org": org.name, "year": year}
    return publications.publish(actor, org, KIND, title, body, audience, today, source=org, ref=str(year))
