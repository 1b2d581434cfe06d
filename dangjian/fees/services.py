"""Party fees: the shared state changes and reads — settings, fee bases, generating a month's dues and what a member
has paid. Area modules build on these: payments.py (online and recorded payments, receipts), bases.py (campaigns,
reliefs, arrears), handover.py, ledger.py and reports.py. Every function checks the actor's post (None = the
platform itself) and writes in one transaction."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import require
from dangjian.audit import chain
from dangjian.core.context import acting_user
from dangjian.core.errors import DomainError
from dangjian.core.text import clean_text
from dangjian.orgs.models import lineage
from dangjian.people.codes import MEMBER_STATUSES, ON_ROLL
from dangjian.people.models import Person

from . import rules
from .models import BaseSource, Category, Due, FeeBase, FeeSettings, Payment, ReliefState

# ---- settings ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    backpay_months: int = rules.BACKPAY_MONTHS
    ahead_months: int = 12
    soft_cap: Decimal = rules.SOFT_CAP
    farmer_amount: Decimal = Decimal("0.20")
    remind_days: int = 7
    deduction_items: tuple = ()
    org_id: int | None = None


DEFAULT_SETTINGS = Settings()


def settings_resolver(path="", *, subtree=True):
    """The one walk of "the nearest organisation's settings win": a function from a scope path (a person's or an
    organisation's) to the Settings in force there — the row of the nearest organisation at or above it, taken as a
    whole (per row, not per field: a nearer row's every field wins, even one left at its default), else
    DEFAULT_SETTINGS. One query, for the rows of the organisations above `path` and, with `subtree`, within it: ask
    it only about paths at or under `path` (with `subtree`) or about `path` itself. Each path is resolved once."""
    paths = lineage(path or "")
    where = Q(org_path__in=paths) | Q(org_path__startswith=path or "") if subtree else Q(org_path__in=paths)
    rows = {s.org_path: s for s in FeeSettings.objects.filter(where)}
    cache = {}

    def resolve(scope_path):
        if scope_path not in cache:
            row = next((rows[p] for p in reversed(lineage(scope_path or "")) if p in rows), None)
            cache[scope_path] = DEFAULT_SETTINGS if row is None else Settings(
                row.backpay_months, row.ahead_months, row.soft_cap, row.farmer_amount, row.remind_days,
                tuple(row.deduction_items or ()), row.org_id)
        return cache[scope_path]

    return resolve


def settings_for(path):
    """The fee settings in force at `path` (a person's scope path or an organisation's): the nearest
    organisation's, else the defaults (settings_resolver). One query."""
    return settings_resolver(path, subtree=False)(path or "")


def on_roll(person):
    """Does `person` owe dues? Party members (probationary members too) on the roll."""
    return person.political_status in MEMBER_STATUSES and person.status in ON_ROLL and bool(person.scope_path)


def lock_person(person):
    """One fee change per member at a time (bases, reliefs, orders, recorded payments, callbacks): the member's row
    locked until the transaction ends."""
    Person.objects.select_for_update().filter(pk=person.pk).values_list("pk", flat=True).first()


def fee_people(path):
    """The members of the subtree at `path` who owe dues."""
    return Person.objects.filter(scope_path__startswith=path, political_status__in=MEMBER_STATUSES,
                                 status__in=ON_ROLL)


def money_arg(value, field, *, blank=None, maximum=None, positive=False):
    """A money amount from a form or the API (rules.money), or a DomainError naming `field`. `blank`: what an empty
    value means (refused when None); `maximum`: the largest accepted; `positive`: zero refused too."""
    if value in (None, "") and blank is not None:
        return blank
    try:
        amount = rules.money(value, field)
    except (TypeError, ValueError, ArithmeticError):
        raise DomainError(_("Enter an amount in yuan with at most two decimal places, not negative."),
                          field=field) from None
    if positive and amount <= 0:
        raise DomainError(_("The amount must be more than zero."), field=field)
    if maximum is not None and amount > maximum:
        raise DomainError(_("Enter an amount of at most %(max)s yuan.") % {"max": maximum}, field=field)
    return amount


def month_arg(value, field):
    """A month from "YYYY-MM", "YYYY-MM-DD" or a date: its first day; anything else a DomainError naming `field`."""
    from datetime import date, datetime

    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return rules.month_start(value)
    try:
        return rules.parse_month(value)
    except ValueError:
        raise DomainError(_("Enter a month as YYYY-MM, e.g. 2026-03."), field=field) from None


def day_arg(value, field):
    """A day from "YYYY-MM-DD" or a date (a datetime's date); anything else a DomainError naming `field`."""
    from datetime import datetime

    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise DomainError(_("Enter a valid date."), field=field) from None


_money = money_arg


def _category(value):
    if value not in rules.CATEGORIES:
        raise DomainError(_("Choose a fee category."), field="category")
    return value


# ---- fee bases --------------------------------------------------------------------------------------------------


def current_base(person_id, month):
    """The fee base charged for `month` (first day): the latest current base that applies by then, or None."""
    return (FeeBase.objects.filter(person_id=person_id, superseded_at__isnull=True, applies_from__lte=month)
            .order_by("-applies_from", "-id").first())


def base_history(person_id):
    return list(FeeBase.objects.filter(person_id=person_id).select_related("created_by", "corrects")
                .order_by("-applies_from", "-id"))


@transaction.atomic
def set_base(actor, person, *, category, base, effective_from, source=BaseSource.INITIAL, reason="",
             deductions=None, corrects=None, perm=perms.FEES_MANAGE):
    """Record a member's fee base from `effective_from` and fix the monthly amount from it (rules.monthly_amount,
    the soft cap and the farmers' amount of the settings in force). A correction names the base it corrects (which
    is kept, superseded) and applies from the same month. Dues already generated from the month the new base applies
    are recomputed (recompute_dues). Returns the new FeeBase."""
    if not isinstance(person, Person):
        raise Http404
    require(actor, perm, person.scope_path)
    if not on_roll(person):
        raise DomainError(_("Only Party members on the roll pay Party fees."), field="person")
    category = _category(category)
    amount_base = _money(base if base not in (None, "") else "0", "base")
    if source not in BaseSource.values:
        raise DomainError(_("Choose where this base comes from."), field="source")
    reason = clean_text(reason, "reason", 300, required=source in (BaseSource.REBASE, BaseSource.CORRECTION))
    if corrects is not None:
        corrects = FeeBase.objects.select_for_update().filter(pk=getattr(corrects, "pk", corrects),
                                                              person=person).first()
        if corrects is None:
            raise DomainError(_("The base to correct was not found."), field="corrects")
        if corrects.superseded_at is not None:
            raise DomainError(_("This base has already been corrected."), field="corrects")
        source = BaseSource.CORRECTION
        effective_from = corrects.effective_from
        applies = corrects.applies_from
    else:
        if effective_from is None:
            raise DomainError(_("Enter the date the base takes effect."), field="effective_from")
        today = timezone.localdate()
        if not rules.DEFAULT_TABLES[0].effective_from <= effective_from <= date(today.year + 1, 12, 31):
            raise DomainError(_("Enter a date from %(first)s to the end of next year.")
                              % {"first": rules.DEFAULT_TABLES[0].effective_from.isoformat()}, field="effective_from")
        if source == BaseSource.REBASE and effective_from < date(today.year, 1, 1):
            raise DomainError(_("A re-basing applies from a month of this year (the amount is fixed for a year); "
                                "correct a wrong base instead."), field="effective_from")
        applies = rules.applies_from(source, effective_from)
    settings = settings_for(person.scope_path)
    try:
        computed, charged = rules.monthly_amount(category, amount_base, applies,
                                                 farmer_amount=settings.farmer_amount, soft_cap=settings.soft_cap)
    except ValueError:
        raise DomainError(_("The monthly amount cannot be computed from this base and date."), field="base") from None
    row = FeeBase.objects.create(
        person=person, category=category, base=amount_base if category in rules.SALARIED else 0,
        deductions=deductions or {}, effective_from=effective_from, applies_from=applies, computed=computed,
        amount=charged, source=source, reason=reason, corrects=corrects, scope_path=person.scope_path,
        created_by=acting_user(actor))
    if corrects is not None:
        FeeBase.objects.filter(pk=corrects.pk).update(superseded_at=timezone.now())
    recompute_dues(person, applies)
    return row


# ---- dues -------------------------------------------------------------------------------------------------------

# The one place a month's dues are computed from the base in force and an approved relief: an exemption charges
# nothing, a reduction its amount, a valid reason (excused) the full amount. Portable SQL (SQLite ≥ 3.35 and
# PostgreSQL ≥ 12), set-based, so a month for a million members is one statement.
#
# Shape (bench/README.md, "Party fees"): the members and the ids of their base and relief are found first, in a
# MATERIALIZED CTE, so each correlated lookup runs once per member (joining on a subquery ran it twice), then the
# base and relief rows are joined by primary key. A reduction never charges more than the base's amount. ON CONFLICT
# DO NOTHING: a member's dues written meanwhile by a payment (paying ahead) are left alone instead of failing the run
# (SQLite needs the WHERE before it to parse the upsert). `{absent}` is the "no current dues for this month yet" condition:
# left out when the scope has no dues for the month at all (the monthly run) — on PostgreSQL, a nested-loop anti-join
# over a fees_due the planner believes empty scans the rows the statement itself inserts, once per member.
_GENERATE_SQL = """
INSERT INTO fees_due (person_id, month, org_id, scope_path, category, fee_base_id, relief_id, amount, created_at)
WITH x AS MATERIALIZED (
    SELECT p.id AS person_id, p.org_id, p.scope_path,
        (SELECT b2.id FROM fees_feebase b2
         WHERE b2.person_id = p.id AND b2.superseded_at IS NULL AND b2.applies_from <= %(month)s
         ORDER BY b2.applies_from DESC, b2.id DESC LIMIT 1) AS base_id,
        (SELECT r2.id FROM fees_relief r2
         WHERE r2.person_id = p.id AND r2.state = 'approved' AND r2.from_month <= %(month)s
               AND r2.to_month >= %(month)s
         ORDER BY r2.id DESC LIMIT 1) AS relief_id
    FROM people_person p
    WHERE p.political_status IN ({statuses}) AND p.status IN ({roll}) AND p.org_id IS NOT NULL {where} {absent}
)
SELECT x.person_id, %(month)s, x.org_id, x.scope_path, b.category, b.id, r.id,
       CASE WHEN r.kind = 'exempt' THEN 0 WHEN r.kind = 'reduce' AND r.amount < b.amount THEN r.amount
            ELSE b.amount END, %(now)s
FROM x JOIN fees_feebase b ON b.id = x.base_id LEFT JOIN fees_relief r ON r.id = x.relief_id
WHERE 1 = 1
ON CONFLICT DO NOTHING
"""
_ABSENT_SQL = """AND NOT EXISTS (SELECT 1 FROM fees_due d
                     WHERE d.person_id = p.id AND d.month = %(month)s AND d.superseded_at IS NULL)"""
_ANALYZE_AFTER = 10000  # rows: PostgreSQL's statistics of fees_due are refreshed after a larger run


def generate_dues(month, *, path=None, person_ids=None, actor=None, audit=True):
    """Create the dues of `month` (any day of it) for every member on the roll (within the subtree at `path`, or
    for `person_ids`) who has a fee base by then and no dues for that month yet. Idempotent; returns the number
    created. Members without a base get none (missing_bases lists them)."""
    month = rules.month_start(month)
    if path is not None:
        require(actor, perms.FEES_MANAGE, path)
    params = {"month": month, "now": timezone.now()}
    where = ""
    existing = Due.objects.filter(month=month, superseded_at__isnull=True)
    if path:
        where += " AND p.scope_path LIKE %(prefix)s"
        params["prefix"] = path + "%"
        existing = existing.filter(person__scope_path__startswith=path)
    if person_ids is not None:
        ids = [int(i) for i in person_ids]
        if not ids:
            return 0
        where += f" AND p.id IN ({', '.join(str(i) for i in ids)})"
        existing = existing.filter(person_id__in=ids)
    with transaction.atomic(), connection.cursor() as cursor:
        sql = _GENERATE_SQL.format(
            statuses=", ".join(f"'{s}'" for s in MEMBER_STATUSES), roll=", ".join(f"'{s}'" for s in ON_ROLL),
            where=where, absent=_ABSENT_SQL if existing.exists() else "")
        cursor.execute(sql, params)
        created = cursor.rowcount
        if created >= _ANALYZE_AFTER and connection.vendor == "postgresql":
            cursor.execute("ANALYZE fees_due")
        if audit and created:
            chain.record(chain.AuditEntry.Action.CREATE, "fees.due", f"{month:%Y-%m}", org_path=path or "",
                         object_repr=f"{month:%Y-%m}", after={"month": month.isoformat(), "created": created},
                         actor=acting_user(actor), note="generate_dues")
    return created


@transaction.atomic
def recompute_dues(person, from_month):
    """After a new base or a decided relief: the person's current dues from `from_month` on whose amount would now
    differ are superseded by new ones (the old are kept). Payments stay with the person and month."""
    from_month = rules.month_start(from_month)
    existing = list(Due.objects.select_for_update().filter(person=person, month__gte=from_month,
                                                           superseded_at__isnull=True))
    if not existing:
        return 0
    now = timezone.now()
    Due.objects.filter(pk__in=[d.pk for d in existing]).update(superseded_at=now)
    changed = 0
    for old in existing:
        generate_dues(old.month, person_ids=[person.pk], audit=False)
        new = Due.objects.filter(person=person, month=old.month, superseded_at__isnull=True).first()
        if new is None:  # no longer on the roll or without a base: the month's dues stay as they were
            Due.objects.filter(pk=old.pk).update(superseded_at=None)
            continue
        if new.amount == old.amount and new.fee_base_id == old.fee_base_id and new.relief_id == old.relief_id:
            # nothing changed: keep the old row current rather than a copy
            new.delete()
            Due.objects.filter(pk=old.pk).update(superseded_at=None)
        else:
            # the month stays with the organisation it was charged by, whatever the member's organisation now
            Due.objects.filter(pk=new.pk).update(corrects=old, org_id=old.org_id, scope_path=old.scope_path)
            changed += 1
    if changed:
        chain.record(chain.AuditEntry.Action.UPDATE, "fees.due", str(person.pk), org_path=person.scope_path,
                     object_repr=str(person), after={"from": from_month.isoformat(), "recomputed": changed},
                     note="recompute_dues")
    return changed


def paid_by_month(person_id, months=None):
    """{month: (dues paid, voluntary)} for a person (corrections included, so reversed payments net out)."""
    qs = Payment.objects.filter(person_id=person_id, month__isnull=False)
    if months is not None:
        qs = qs.filter(month__in=list(months))
    out = defaultdict(lambda: (Decimal("0.00"), Decimal("0.00")))
    for row in qs.values("month").annotate(a=Sum("amount"), v=Sum("voluntary")):
        out[row["month"]] = (Decimal(row["a"] or 0).quantize(rules.CENT), Decimal(row["v"] or 0).quantize(rules.CENT))
    return out


def statement(person, first, last):
    """A member's months from `first` to `last`: [{month, due, paid, outstanding, relief, state}] with dues that
    exist (`state`: rules.month_state, as the roster has it)."""
    dues = {d.month: d for d in Due.objects.filter(person=person, superseded_at__isnull=True,
                                                   month__gte=rules.month_start(first),
                                                   month__lte=rules.month_start(last)).select_related("relief")}
    paid = paid_by_month(person.pk, dues.keys())
    rows = []
    for month in sorted(dues):
        due = dues[month]
        amount_paid = paid[month][0]
        rows.append({"month": month, "due": due, "amount": due.amount, "paid": amount_paid,
                     "voluntary": paid[month][1], "outstanding": max(due.amount - amount_paid, Decimal("0.00")),
                     "relief": due.relief if due.relief and due.relief.state == ReliefState.APPROVED else None,
                     "state": rules.month_state(due.amount, amount_paid, exempt=rules.is_exempt(
                         due.amount, due.relief.kind if due.relief else None))})
    return rows


__all__ = ["Category", "DEFAULT_SETTINGS", "Settings", "base_history", "current_base", "fee_people",
           "generate_dues", "on_roll", "paid_by_month", "recompute_dues", "set_base", "settings_for", "statement"]


# ---- settings pages ---------------------------------------------------------------------------------------------

DEFAULT_DEDUCTION_ITEMS = ("个人所得税", "养老保险", "医疗保险", "失业保险", "住房公积金", "职业年金/企业年金")


def _whole(value, field, low, high):
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= high:
        raise DomainError(_("Enter a whole number from %(low)s to %(high)s.") % {"low": low, "high": high},
                          field=field)
    return number


@transaction.atomic
def save_settings(actor, org, *, backpay_months, ahead_months, soft_cap, farmer_amount, remind_days,
                  deduction_items=(), expected_version=None):
    """Set `org`'s fee settings for its subtree (fees:manage over `org`; the nearest organisation's settings win).
    Every field is checked before anything is written."""
    from dangjian.core.errors import check_version
    from dangjian.orgs.models import Organization, OrgStatus

    if not isinstance(org, Organization):
        raise Http404
    require(actor, perms.FEES_MANAGE, org.path)
    if org.status != OrgStatus.ACTIVE:
        raise DomainError(_("A dissolved organisation has no fee settings."), field="org")
    values = {
        "backpay_months": _whole(backpay_months, "backpay_months", 0, 24),
        "ahead_months": _whole(ahead_months, "ahead_months", 0, 24),
        "remind_days": _whole(remind_days, "remind_days", 1, 28),
        "soft_cap": _money(soft_cap, "soft_cap"),
        "farmer_amount": _money(farmer_amount, "farmer_amount"),
    }
    if values["soft_cap"] <= 0:
        raise DomainError(_("The soft cap must be more than zero."), field="soft_cap")
    if not rules.FARMER_RANGE[0] <= values["farmer_amount"] <= rules.FARMER_RANGE[1]:
        raise DomainError(_("Farmers pay 0.20 to 1.00 yuan a month."), field="farmer_amount")
    items = []
    for raw in deduction_items or ():
        item = clean_text(raw, "deduction_items", 40)
        if item and item not in items:
            items.append(item)
    if len(items) > 20:
        raise DomainError(_("At most 20 deduction items."), field="deduction_items")
    values["deduction_items"] = items
    row = FeeSettings.objects.select_for_update().filter(org=org).first()
    if row is None:
        return FeeSettings.objects.create(org=org, org_path=org.path, **values)
    check_version(row, expected_version)
    for key, value in values.items():
        setattr(row, key, value)
    row.version += 1
    row.save()
    return row


def deduction_items_for(path):
    return settings_for(path).deduction_items or DEFAULT_DEDUCTION_ITEMS
