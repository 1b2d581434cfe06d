"""Party fees: an organisation's fee ledger (党费账) of income and spending with purposes (党费规定 第十五至十八条).

Any organisation whose fees:manage holder keeps one has a ledger (in practice the grassroots committee). Entries
are never edited or deleted: a wrong entry is reversed by an entry of the opposite sign that names it (`corrects`,
with a reason) — an entry is reversed at most once and a reversal is not reversed — and the right entry, if any,
is added anew. The balance is income − spending over every entry (reversals included). Members of the subtree may
read the yearly summary (domain.md §3.3: publish collection and use to members at least once a year), not the
vouchers.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Case, DecimalField, F, Sum, When
from django.db.models.functions import ExtractYear
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import has_perm, require
from dangjian.core.context import acting_user
from dangjian.core.errors import DomainError
from dangjian.core.text import clean_text
from dangjian.orgs.models import Organization

from . import rules, services
from .models import MONEY, Direction, LedgerEntry, Purpose

ZERO = Decimal("0.00")

# ---- pure rules -----------------------------------------------------------------------------------------------------

INCOME_PURPOSES = (Purpose.DUES, Purpose.HANDOVER_IN, Purpose.ALLOCATION, Purpose.INTEREST, Purpose.OTHER)
SPENDING_PURPOSES = (Purpose.EDUCATION, Purpose.GRASSROOTS, Purpose.HARDSHIP, Purpose.VETERANS, Purpose.AWARDS,
                     Purpose.DISASTER, Purpose.HANDOVER_OUT, Purpose.OTHER)


def purposes_for(direction):
    """The purposes an entry of `direction` may have (pure)."""
    return INCOME_PURPOSES if direction == Direction.INCOME else SPENDING_PURPOSES


def signed(direction, amount):
    """The entry's effect on the balance (pure): income adds, spending subtracts."""
    return amount if direction == Direction.INCOME else -amount


# ---- input --------------------------------------------------------------------------------------------------------

def _money(value):
    return services.money_arg(value, "amount", positive=True)


def _date(value, field="entry_date"):
    return services.day_arg(value, field)


def may_keep(user, org):
    return has_perm(user, perms.FEES_MANAGE, org)


def may_read(user, org):
    return has_perm(user, perms.FEES_READ, org)


# ---- state changes ----------------------------------------------------------------------------------------------

@transaction.atomic
def add_entry(actor, org, *, entry_date, direction, purpose, amount, description, voucher="", handover=None):
    """Record an income or spending entry in `org`'s ledger (fees:manage over `org`). Returns the LedgerEntry."""
    if not isinstance(org, Organization):
        raise Http404
    require(actor, perms.FEES_MANAGE, org)
    if direction not in Direction.values:
        raise DomainError(_("Choose income or spending."), field="direction")
    if purpose not in [p.value for p in purposes_for(direction)]:
        raise DomainError(_("Choose a purpose that fits income or spending."), field="purpose")
    amount = _money(amount)
    entry_date = _date(entry_date)
    if entry_date > timezone.localdate():
        raise DomainError(_("The date cannot be in the future."), field="entry_date")
    description = clean_text(description, "description", 300, required=True)
    voucher = clean_text(voucher, "voucher", 40)
    return LedgerEntry.objects.create(org=org, org_path=org.path, entry_date=entry_date, direction=direction,
                                      purpose=purpose, amount=amount, description=description, voucher=voucher,
                                      handover=handover, recorded_by=acting_user(actor))


@transaction.atomic
def reverse_entry(actor, entry, *, reason, entry_date=None):
    """Reverse a wrong entry: a new entry of the same direction and purpose with the negated amount that names it
    (`corrects`) and gives the reason. An entry is reversed once; a reversal is not reversed; an entry made by a
    hand-over's receipt is not reversed here. Returns the reversing entry."""
    if not isinstance(entry, LedgerEntry):
        raise Http404
    require(actor, perms.FEES_MANAGE, entry.org_path)
    entry = LedgerEntry.objects.select_for_update().get(pk=entry.pk)
    reason = clean_text(reason, "reason", 300, required=True)
    if entry.corrects_id:
        raise DomainError(_("A reversal cannot be reversed: record the entry anew."), field="corrects")
    if entry.handover_id:
        raise DomainError(_("This entry was made by a hand-over's receipt and cannot be reversed here."),
                          field="corrects")
    if LedgerEntry.objects.filter(corrects=entry).exists():
        raise DomainError(_("This entry has already been reversed."), field="corrects")
    entry_date = _date(entry_date) if entry_date else timezone.localdate()
    if entry_date < entry.entry_date:
        raise DomainError(_("A reversal cannot be dated before the entry it reverses."), field="entry_date")
    return LedgerEntry.objects.create(
        org_id=entry.org_id, org_path=entry.org_path, entry_date=entry_date, direction=entry.direction,
        purpose=entry.purpose, amount=-entry.amount, voucher=entry.voucher, corrects=entry,
        description=(_("Reversal: %(reason)s") % {"reason": reason})[:300], recorded_by=acting_user(actor))


# ---- reads --------------------------------------------------------------------------------------------------------

_SIGNED = Case(When(direction=Direction.INCOME, then=F("amount")), default=-F("amount"),
               output_field=DecimalField(**MONEY))


def _dec(value):
    return Decimal(str(value or 0)).quantize(rules.CENT)


def balance(org, until=None):
    """The balance of `org`'s ledger (on `until` inclusive, or now). One query."""
    qs = LedgerEntry.objects.filter(org=org)
    if until is not None:
        qs = qs.filter(entry_date__lte=until)
    return _dec(qs.aggregate(s=Sum(_SIGNED))["s"])


def entries(org, year=None):
    """`org`'s entries (of `year`) with the running balance after each, oldest first: list of (entry, balance).
    Two queries (the opening balance and the entries)."""
    qs = LedgerEntry.objects.filter(org=org).select_related("recorded_by").order_by("entry_date", "id")
    running = ZERO
    if year is not None:
        running = balance(org, date(year - 1, 12, 31))
        qs = qs.filter(entry_date__year=year)
    reversed_ids = set(LedgerEntry.objects.filter(org=org, corrects__isnull=False)
                       .values_list("corrects_id", flat=True))
    out = []
    for entry in qs:
        running += signed(entry.direction, entry.amount)
        entry.reversed = entry.pk in reversed_ids
        out.append((entry, running))
    return out


@dataclass
class Summary:
    org: Organization
    year: int
    opening: Decimal
    income: list  # [{"purpose", "label", "amount"}]
    spending: list
    income_total: Decimal
    spending_total: Decimal
    closing: Decimal
    count: int


def summary(org, year):
    """The year's income and spending by purpose (reversals net out), with the opening and closing balance. Two
    queries."""
    opening = balance(org, date(year - 1, 12, 31))
    rows = (LedgerEntry.objects.filter(org=org, entry_date__year=year).values("direction", "purpose")
            .annotate(s=Sum("amount")).order_by())
    labels = dict(Purpose.choices)
    order = {p.value: i for i, p in enumerate(Purpose)}
    income, spending, count = [], [], 0
    for row in rows:
        amount = _dec(row["s"])
        count += 1
        item = {"purpose": row["purpose"], "label": str(labels.get(row["purpose"], row["purpose"])), "amount": amount}
        (income if row["direction"] == Direction.INCOME else spending).append(item)
    income.sort(key=lambda r: order.get(r["purpose"], 99))
    spending.sort(key=lambda r: order.get(r["purpose"], 99))
    income_total = sum((r["amount"] for r in income), ZERO)
    spending_total = sum((r["amount"] for r in spending), ZERO)
    return Summary(org, year, opening, income, spending, income_total, spending_total,
                   opening + income_total - spending_total, count)


def ledger_years(org):
    years = set(LedgerEntry.objects.filter(org=org).annotate(y=ExtractYear("entry_date"))
                .values_list("y", flat=True).distinct())
    years.add(timezone.localdate().year)
    return sorted(years, reverse=True)


def disclosure_orgs(user):
    """The organisations whose yearly summary `user` may read as a member: those of their own organisation's line
    (their organisation and every one above it) that keep a ledger. One or two queries."""
    from dangjian.orgs.models import lineage
    from dangjian.people.models import Person

    if not getattr(user, "person_id", None):
        return []
    path = Person.objects.filter(pk=user.person_id).values_list("scope_path", flat=True).first() or ""
    paths = lineage(path)
    if not paths:
        return []
    with_ledger = set(LedgerEntry.objects.filter(org_path__in=paths).values_list("org_path", flat=True).distinct())
    return list(Organization.objects.filter(path__in=with_ledger).only("id", "name", "path", "depth")
                .order_by("path"))


def may_see_disclosure(user, org):
    """A member of `org`'s subtree (or a fees:read holder over it) may read its yearly summary."""
    if may_read(user, org):
        return True
    from dangjian.people.models import Person

    pid = getattr(user, "person_id", None)
    return bool(pid) and Person.objects.filter(pk=pid, scope_path__startswith=org.path).exists()


def xlsx(org, year):
    """The year's entries with the running balance and the summary by purpose, as an Excel workbook (bytes)."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    bold = Font(bold=True)
    wb = Workbook()
    ws = wb.active
    ws.title = _("Ledger")[:31]
    ws.append([_("Party fee ledger of %(org)s, %(year)d") % {"org": org.name, "year": year}])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([_("Date"), _("Voucher number"), _("Income or spending"), _("Purpose"), _("Description"), _("Income"),
               _("Spending"), _("Balance")])
    for cell in ws[2]:
        cell.font = bold
    ws.freeze_panes = "A3"
    s = summary(org, year)
    ws.append(["", "", "", "", _("Brought forward"), None, None, s.opening])
    for entry, running in entries(org, year):
        income = entry.amount if entry.direction == Direction.INCOME else None
        spending = entry.amount if entry.direction == Direction.SPENDING else None
        ws.append([entry.entry_date, entry.voucher, entry.get_direction_display(), entry.get_purpose_display(),
                   entry.description, income, spending, running])
    for row in ws.iter_rows(min_row=3):
        row[0].number_format = "yyyy-mm-dd"
        for cell in row[5:8]:
            cell.number_format = "0.00"
    for col, width in zip("ABCDEFGH", (12, 14, 10, 22, 40, 12, 12, 12), strict=True):
        ws.column_dimensions[col].width = width
    ws2 = wb.create_sheet(_("Summary")[:31])
    ws2.append([_("Purpose"), _("Income"), _("Spending")])
    for cell in ws2[1]:
        cell.font = bold
    ws2.freeze_panes = "A2"
    ws2.append([_("Brought forward"), s.opening, None])
    for r in s.income:
        ws2.append([r["label"], r["amount"], None])
    for r in s.spending:
        ws2.append([r["label"], None, r["amount"]])
    ws2.append([_("Total"), s.income_total, s.spending_total])
    ws2.append([_("Balance at the end of the year"), s.closing, None])
    for row in ws2.iter_rows(min_row=2):
        for cell in row[1:3]:
            cell.number_format = "0.00"
    ws2.column_dimensions["A"].width = 40
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


__all__ = ["INCOME_PURPOSES", "SPENDING_PURPOSES", "Summary", "add_entry", "balance", "disclosure_orgs", "entries",
           "ledger_years", "may_see_disclosure", "purposes_for", "reverse_entry", "signed", "summary", "xlsx"]
