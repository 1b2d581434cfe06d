"""Party fees: fee bases, the yearly base adjustment, reductions and exemptions, the month roster, arrears and the
secretary's to-do list. State changes here, each in one transaction; the pure rules are in rules.py (its last
section), the amounts are only ever computed by services.set_base / generate_dues / recompute_dues.

Who may do what (accounts/rules.py): fees:read over a member's organisation sees their bases, reliefs and dues (a
member sees their own); fees:collect enters a member's declaration and requests a relief for them; fees:manage sets,
re-bases and corrects bases, opens and closes an adjustment, confirms or returns declarations, decides and revokes
reliefs and generates a month's dues. A member enters their own declaration and requests their own relief.
Outsiders get 404 (accounts.scoping.require)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Case, Count, DecimalField, Exists, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import has_perm, require, scope_for
from dangjian.core.context import acting_user
from dangjian.core.errors import DomainError, check_version
from dangjian.core.text import clean_text
from dangjian.orgs.models import Organization, OrgStatus, lineage
from dangjian.people.models import Person

from . import rules, services
from .models import (
    BaseCampaign,
    BaseDeclaration,
    BaseSource,
    CampaignState,
    DeclarationState,
    Due,
    FeeBase,
    Payment,
    Relief,
    ReliefKind,
    ReliefState,
)

READ, COLLECT, MANAGE = perms.FEES_READ, perms.FEES_COLLECT, perms.FEES_MANAGE
ZERO = Decimal("0.00")
SALARIED = rules.SALARIED  # the categories whose amount depends on a base
MAX_RELIEF_MONTHS = 36

# ---- helpers ----------------------------------------------------------------------------------------------------


MAX_AMOUNT = rules.MAX_MONEY  # the columns hold 12 digits, two after the point


def _money(value, field):
    return services.money_arg(value, field)


_category = services._category


_month = services.month_arg


def _own(actor, person):
    return actor is not None and getattr(actor, "person_id", None) == person.pk


def _require_self_or(actor, perm, person):
    """A member acting for themself, or `perm` over the member's organisation; else 404."""
    if not _own(actor, person):
        require(actor, perm, person.scope_path)


def deduction_items(path):
    """The deduction items of the base calculator at `path` (services.deduction_items_for: the committee's list,
    else domain.md §3.2's)."""
    return tuple(services.deduction_items_for(path))


def _base_amount(category, base, gross, deductions):
    """(base, deductions kept) from what was entered: the calculator when the included pay is given, else the base;
    categories with a fixed amount have no base."""
    if category not in SALARIED:
        return ZERO, {}
    if gross not in (None, ""):
        _money(gross, "gross")
        try:
            amount, kept = rules.base_from_pay(gross, deductions)
        except (TypeError, ValueError, ArithmeticError) as exc:
            text = str(exc)
            if text.startswith("deduction:"):
                item = text.split(":", 2)[1]
                raise DomainError(_("%(item)s: enter an amount in yuan with at most two decimal places, not "
                                    "negative.") % {"item": item}, field="deductions") from None
            if text.startswith("deductions"):
                raise DomainError(_("The deductions are more than the included pay."), field="deductions") from None
            raise DomainError(_("Enter an amount in yuan with at most two decimal places, not negative."),
                              field="gross") from None
        return amount, {k: str(v) for k, v in kept.items()}
    if base in (None, ""):
        raise DomainError(_("Enter the monthly base, or the included pay and the deductions."), field="base")
    return _money(base, "base"), {}


def visible_person(user, pk, perm=READ):
    """A member whose fee records `user` may see with `perm` (their own always), else 404."""
    if not (str(pk).isdigit() and len(str(pk)) < 19):
        raise Http404
    person = Person.objects.select_related("org").filter(pk=int(pk)).first()
    if person is None or not person.scope_path:
        raise Http404
    if not (_own(user, person) or has_perm(user, perm, person.scope_path)):
        raise Http404
    return person


# ---- fee bases --------------------------------------------------------------------------------------------------

BASE_MODES = ("initial", "rebase", "correct")


@transaction.atomic
def record_base(actor, person, *, mode, category, base=None, gross=None, deductions=None, effective_from=None,
                reason="", corrects=None):
    """A member's fee base by the branch (fees:manage): the first base (`initial`), a re-basing during the year
    (`rebase`, reason required, charged from its own month — 2017 notice) or a correction of a wrong base
    (`correct`, reason required; the corrected base is kept, superseded). The base is entered, or computed from the
    included pay minus the deduction items (rules.base_from_pay). Returns the new FeeBase."""
    require(actor, MANAGE, person.scope_path)
    services.lock_person(person)  # two first bases at once: the second sees the first
    if mode not in BASE_MODES:
        raise DomainError(_("Unknown action."), field="mode")
    category = _category(category)
    amount, kept = _base_amount(category, base, gross, deductions)
    current = FeeBase.objects.filter(person=person, superseded_at__isnull=True).exists()
    if mode == "initial" and current:
        raise DomainError(_("This member already has a fee base: re-base or correct it."), field="mode")
    if mode == "rebase" and not current:
        raise DomainError(_("This member has no fee base yet: set the first one."), field="mode")
    if mode == "correct":
        if corrects in (None, ""):
            raise DomainError(_("Choose the base to correct."), field="corrects")
        reason = clean_text(reason, "reason", 300, required=True)
        return services.set_base(actor, person, category=category, base=amount, effective_from=None,
                                 reason=reason, deductions=kept, corrects=corrects)
    if mode == "rebase":
        reason = clean_text(reason, "reason", 300, required=True)
    source = BaseSource.REBASE if mode == "rebase" else BaseSource.INITIAL
    return services.set_base(actor, person, category=category, base=amount, effective_from=effective_from,
                             source=source, reason=reason, deductions=kept)


# ---- the yearly base adjustment ---------------------------------------------------------------------------------


def _org(org):
    if not isinstance(org, Organization):
        raise Http404
    return org


@transaction.atomic
def open_campaign(actor, org, *, year, deadline, effective_from=None, note=""):
    """Open `year`'s base adjustment for `org`'s subtree (fees:manage over `org`): members or collectors enter the
    new bases until `deadline`, the branch confirms them; they apply from `effective_from` (1 January by default).
    One adjustment a year for a member: none may already cover an organisation above or below."""
    org = _org(org)
    require(actor, MANAGE, org.path)
    if org.status != OrgStatus.ACTIVE:
        raise DomainError(_("This organisation has been dissolved."), field="org")
    try:
        year = int(str(year).strip())
    except (TypeError, ValueError):
        year = 0
    if not 2000 <= year <= 2100:
        raise DomainError(_("Enter a year from 2000 to 2100."), field="year")
    if effective_from in (None, ""):
        effective_from = date(year, 1, 1)
    if not isinstance(effective_from, date):
        raise DomainError(_("Enter a valid date."), field="effective_from")
    if effective_from.year != year:
        raise DomainError(_("The new bases must take effect during the adjustment's year."), field="effective_from")
    if not isinstance(deadline, date):
        raise DomainError(_("Enter the date by which the bases are to be entered."), field="deadline")
    if deadline < timezone.localdate():
        raise DomainError(_("This date is in the past."), field="deadline")
    note = clean_text(note, "note", 300)
    clash = BaseCampaign.objects.filter(year=year).filter(
        Q(org_path__in=lineage(org.path)) | Q(org_path__startswith=org.path)).first()
    if clash is not None:
        raise DomainError(_("%(org)s already has an adjustment for %(year)d that covers these members.") % {
            "org": clash.org.name, "year": year}, field="year")
    return BaseCampaign.objects.create(org=org, org_path=org.path, year=year, effective_from=effective_from,
                                       deadline=deadline, note=note, created_by=acting_user(actor))


def _locked_campaign(campaign):
    return BaseCampaign.objects.select_for_update().select_related("org").get(pk=campaign.pk)


@transaction.atomic
def close_campaign(actor, campaign, *, expected_version=None):
    """Close an adjustment: nothing more is entered or confirmed. Declarations not confirmed stay as they are."""
    require(actor, MANAGE, campaign.org_path)
    current = _locked_campaign(campaign)
    check_version(current, expected_version)
    if current.state != CampaignState.OPEN:
        raise DomainError(_("This adjustment is already closed."))
    current.state = CampaignState.CLOSED
    current.version += 1
    current.save()
    return current


def campaigns_for_person(person):
    """The open adjustments covering `person` (at most one a year), newest first."""
    return list(BaseCampaign.objects.filter(state=CampaignState.OPEN, org_path__in=lineage(person.scope_path))
                .select_related("org").order_by("-year"))


def _transition(table, state, action, label):
    to = rules.next_state(table, state, action)
    if to is None:
        raise DomainError(_("This is “%(state)s”: it cannot be done now.") % {"state": label})
    return to


@transaction.atomic
def declare(actor, campaign, person, *, category, base=None, gross=None, deductions=None, expected_version=None):
    """Enter a member's new base for an adjustment: the member for themself (until the deadline) or a collector
    (fees:collect over the member). A submitted declaration may be entered again until the branch decides; a
    returned one is entered again. Returns the declaration."""
    _require_self_or(actor, COLLECT, person)
    if not person.scope_path.startswith(campaign.org_path):
        raise Http404
    campaign = _locked_campaign(campaign)
    if campaign.state != CampaignState.OPEN:
        raise DomainError(_("This adjustment is closed."), field="campaign")
    staff = actor is None or has_perm(actor, COLLECT, person.scope_path)
    if not staff and timezone.localdate() > campaign.deadline:
        raise DomainError(_("The deadline for entering the base has passed: ask the branch's fee collector."),
                          field="campaign")
    if not services.on_roll(person):
        raise DomainError(_("Only Party members on the roll pay Party fees."), field="person")
    category = _category(category)
    amount, kept = _base_amount(category, base, gross, deductions)
    gross_amount = _money(gross, "gross") if gross not in (None, "") and category in SALARIED else None
    decl = BaseDeclaration.objects.select_for_update().filter(campaign=campaign, person=person).first()
    state = decl.state if decl else rules.DECL_NEW
    label = decl.get_state_display() if decl else ""
    to = _transition(rules.DECL_TRANSITIONS, state, "enter", label)
    if decl is None:
        decl = BaseDeclaration(campaign=campaign, person=person, scope_path=person.scope_path)
    else:
        check_version(decl, expected_version)
        decl.version += 1
    decl.category, decl.base, decl.gross, decl.deductions = category, amount, gross_amount, kept
    decl.state, decl.entered_by, decl.reason = to, acting_user(actor), ""
    decl.decided_by, decl.decided_at = None, None
    decl.save()
    return decl


@transaction.atomic
def decide_declaration(actor, declaration, action, *, reason="", expected_version=None):
    """The branch (fees:manage over the member) confirms a declaration — the new base is recorded from the
    adjustment's date (services.set_base, source CAMPAIGN) — or returns it with a reason to be entered again."""
    require(actor, MANAGE, declaration.scope_path)
    _locked_campaign(declaration.campaign)  # the same lock order as declare and close_campaign: campaign, then row
    decl = (BaseDeclaration.objects.select_for_update(of=("self",)).select_related("campaign", "person")
            .get(pk=declaration.pk))
    check_version(decl, expected_version)
    if action not in ("confirm", "return"):
        raise DomainError(_("Unknown action."), field="action")
    if decl.campaign.state != CampaignState.OPEN:
        raise DomainError(_("This adjustment is closed."), field="campaign")
    to = _transition(rules.DECL_TRANSITIONS, decl.state, action, decl.get_state_display())
    reason = clean_text(reason, "reason", 300, required=action in rules.DECL_REASON_REQUIRED)
    if action == "confirm":
        decl.fee_base = services.set_base(
            actor, decl.person, category=decl.category, base=decl.base, effective_from=decl.campaign.effective_from,
            source=BaseSource.CAMPAIGN, deductions=decl.deductions,
            reason=_("Yearly adjustment %(year)d") % {"year": decl.campaign.year})
    decl.state, decl.reason = to, reason
    decl.decided_by, decl.decided_at = acting_user(actor), timezone.now()
    decl.version += 1
    decl.save()
    return decl


def campaign_paths(user, campaign, perm=READ):
    """The parts of an adjustment's subtree `user` holds `perm` over: the whole of it for its organisation's
    managers, a branch's own subtree for the branch under a committee's adjustment; 404 when none."""
    if user is None or scope_for(user).allows(perm, campaign.org_path):
        return [campaign.org_path]
    paths = [p for p in scope_for(user).prefixes(perm) if p.startswith(campaign.org_path)]
    if not paths:
        raise Http404
    return paths


def bulk_confirm(actor, campaign, ids):
    """Confirm the selected declarations of an adjustment, each in its own transaction (those outside the actor's
    subtree are ignored). Returns (confirmed count, [(declaration id, message)]) for those refused."""
    campaign_paths(actor, campaign, MANAGE)
    clean = [int(i) for i in ids if str(i).isdigit() and len(str(i)) < 19]
    rows = list(BaseDeclaration.objects.filter(campaign=campaign, pk__in=clean))
    done, refused = 0, []
    for decl in rows:
        try:
            decide_declaration(actor, decl, "confirm")
        except Http404:
            continue  # outside the actor's subtree: as if not there
        except DomainError as exc:
            from dangjian.core.errors import messages_of

            refused.append((decl.pk, " ".join(messages_of(exc))))
        else:
            done += 1
    return done, refused


@dataclass
class ProgressRow:
    org: Organization
    members: int = 0
    submitted: int = 0
    confirmed: int = 0
    returned: int = 0

    @property
    def declared(self):
        return self.submitted + self.confirmed + self.returned

    @property
    def not_yet(self):
        return max(self.members - self.declared, 0)


def campaign_progress(campaign, path=None):
    """Per organisation of the adjustment's subtree (or of `path` inside it): the members on the roll, declared
    (awaiting, confirmed, returned) and not yet. Three queries."""
    path = path or campaign.org_path
    members = dict(services.fee_people(path).values("org_id").annotate(n=Count("pk")).values_list("org_id", "n"))
    states = (BaseDeclaration.objects.filter(campaign=campaign, scope_path__startswith=path)
              .values("person__org_id", "state").annotate(n=Count("pk")))
    org_ids = set(members)
    by_org = defaultdict(dict)
    for row in states:
        by_org[row["person__org_id"]][row["state"]] = row["n"]
        org_ids.add(row["person__org_id"])
    orgs = Organization.objects.filter(pk__in=org_ids).only("id", "name", "path", "org_type").order_by("path")
    rows = []
    for org in orgs:
        s = by_org.get(org.pk, {})
        rows.append(ProgressRow(org, members.get(org.pk, 0), s.get(DeclarationState.SUBMITTED, 0),
                                s.get(DeclarationState.CONFIRMED, 0), s.get(DeclarationState.RETURNED, 0)))
    total = ProgressRow(campaign.org, sum(r.members for r in rows), sum(r.submitted for r in rows),
                        sum(r.confirmed for r in rows), sum(r.returned for r in rows))
    return rows, total


# ---- reductions and exemptions ----------------------------------------------------------------------------------


def _overlapping(person, from_month, to_month, states, exclude=None):
    qs = Relief.objects.filter(person=person, state__in=states, from_month__lte=to_month, to_month__gte=from_month)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return qs.exists()


@transaction.atomic
def request_relief(actor, person, *, kind, from_month, to_month, reason, amount=None):
    """Request a reduction (`reduce`, with the monthly amount to pay), an exemption (`exempt`) or a recorded valid
    reason for not paying yet (`excused`) for the months `from_month`–`to_month`: by the member for themself or by
    a collector or manager (fees:collect over the member). The branch decides (decide_relief)."""
    _require_self_or(actor, COLLECT, person)
    services.lock_person(person)  # the overlap check below holds until the commit
    if not services.on_roll(person):
        raise DomainError(_("Only Party members on the roll pay Party fees."), field="person")
    if kind not in ReliefKind.values:
        raise DomainError(_("Choose the kind of relief."), field="kind")
    first, last = _month(from_month, "from_month"), _month(to_month, "to_month")
    if last < first:
        raise DomainError(_("The last month cannot be before the first."), field="to_month")
    if len(rules.months_between(first, last)) > MAX_RELIEF_MONTHS:
        raise DomainError(_("At most %(n)d months at a time.") % {"n": MAX_RELIEF_MONTHS}, field="to_month")
    if kind == ReliefKind.REDUCE:
        if amount in (None, ""):
            raise DomainError(_("Enter the monthly amount the member is to pay."), field="amount")
        amount = _money(amount, "amount")
        if amount <= 0:
            raise DomainError(_("A reduction to nothing is an exemption: choose “Exempt”."), field="amount")
        charged = services.current_base(person.pk, first)
        if charged is not None and amount >= charged.amount:
            raise DomainError(_("A reduction must be less than the monthly amount of %(amount)s yuan.")
                              % {"amount": charged.amount}, field="amount")
    else:
        amount = None
    reason = clean_text(reason, "reason", 500, required=True)
    if _overlapping(person, first, last, (ReliefState.REQUESTED, ReliefState.APPROVED)):
        raise DomainError(_("These months already have a relief requested or approved."), field="from_month")
    return Relief.objects.create(person=person, kind=kind, amount=amount, from_month=first, to_month=last,
                                 reason=reason, requested_by=acting_user(actor), scope_path=person.scope_path)


RELIEF_ACTIONS = ("approve", "reject", "revoke")


@transaction.atomic
def decide_relief(actor, relief, action, *, note="", expected_version=None):
    """The branch (fees:manage over the member) approves or rejects (reason required) a requested relief, or
    revokes (reason required) an approved one. Approving or revoking recomputes the member's dues already generated
    from the relief's first month (services.recompute_dues)."""
    require(actor, MANAGE, relief.scope_path)
    current = Relief.objects.select_for_update(of=("self",)).select_related("person").get(pk=relief.pk)
    services.lock_person(current.person)  # the overlap check below holds until the commit
    check_version(current, expected_version)
    if action not in RELIEF_ACTIONS:
        raise DomainError(_("Unknown action."), field="action")
    if action == "approve" and actor is not None and getattr(actor, "person_id", None) == current.person_id:
        raise DomainError(_("Nobody approves their own reduction or exemption: another member of the committee "
                            "decides."), field="action")
    to = _transition(rules.RELIEF_TRANSITIONS, current.state, action, current.get_state_display())
    note = clean_text(note, "note", 500, required=action in rules.RELIEF_REASON_REQUIRED)
    if action == "approve" and _overlapping(current.person, current.from_month, current.to_month,
                                            (ReliefState.APPROVED,), exclude=current.pk):
        raise DomainError(_("Another approved relief covers some of these months: revoke it first."),
                          field="from_month")
    current.state, current.decision_note = to, note
    current.decided_by, current.decided_at = acting_user(actor), timezone.now()
    current.version += 1
    current.save()
    if action in ("approve", "revoke"):
        services.recompute_dues(current.person, current.from_month)
    return current


# ---- the month roster -------------------------------------------------------------------------------------------


def _paid_subquery():
    paid = (Payment.objects.filter(person_id=OuterRef("person_id"), month=OuterRef("month"))
            .values("person_id").annotate(s=Sum("amount")).values("s"))
    return Coalesce(Subquery(paid, output_field=DecimalField(max_digits=12, decimal_places=2)),
                    Value(ZERO, output_field=DecimalField(max_digits=12, decimal_places=2)))


def dues_with_paid(path, **filters):
    """The current dues of the subtree at `path`, each annotated with what was paid for it (`paid`)."""
    return (Due.objects.filter(scope_path__startswith=path, superseded_at__isnull=True, **filters)
            .annotate(paid=_paid_subquery()))


ROSTER_STATES = ("paid", "partly", "unpaid", "exempt")

# The database forms of the rules of rules.py's "what a month's dues and relief mean", over a Due annotated with
# `paid` (dues_with_paid), built from the same constants; tests/test_fees_rules_db.py checks each against its Python
# form on random rows. EXEMPT_Q is rules.is_exempt, VALID_REASON_Q rules.valid_reason, OWING_Q rules.owes.
EXEMPT_Q = Q(amount__lte=0, relief__kind=rules.EXEMPT)
VALID_REASON_Q = Q(relief__state=rules.APPROVED, relief__kind=rules.EXCUSED)
OWING_Q = Q(amount__gt=0, paid__lt=F("amount"))


def _state_q(state):
    """rules.month_state's database form (the roster's counts and its state filter), case by case in its order."""
    if state == "exempt":
        return EXEMPT_Q
    if state == "paid":
        return Q(paid__gte=F("amount")) & ~EXEMPT_Q
    if state == "partly":
        return Q(paid__gt=0, paid__lt=F("amount"))  # owed, so never exempt (an exempt due is 0.00)
    return Q(paid__lte=0, paid__lt=F("amount")) & ~EXEMPT_Q


def month_roster(path, month, state=None):
    """The month's dues of the subtree at `path`: (queryset of Due rows with `paid`, person, org and relief,
    totals). `totals` has due, paid, outstanding and the count of each state. One query plus the page."""
    month = rules.month_start(month)
    qs = dues_with_paid(path, month=month)
    money_field = DecimalField(max_digits=14, decimal_places=2)
    owed = Case(When(paid__lt=F("amount"), then=F("amount") - F("paid")), default=Value(ZERO),
                output_field=money_field)
    totals = qs.aggregate(
        t_due=Coalesce(Sum("amount"), Value(ZERO), output_field=money_field),
        t_paid=Coalesce(Sum("paid"), Value(ZERO), output_field=money_field),
        t_outstanding=Coalesce(Sum(owed), Value(ZERO), output_field=money_field), rows=Count("pk"),
        **{f"n_{s}": Count("pk", filter=_state_q(s)) for s in ROSTER_STATES})
    for key in ("due", "paid", "outstanding"):
        totals[key] = Decimal(totals.pop(f"t_{key}")).quantize(rules.CENT)
    if state in ROSTER_STATES:
        qs = qs.filter(_state_q(state))
    rows = qs.select_related("person", "org", "relief").order_by("scope_path", "person__name", "person_id")
    return rows, totals


def roster_row(due):
    """What a roster line shows for a Due annotated with `paid`."""
    exempt = rules.is_exempt(due.amount, due.relief.kind if due.relief_id is not None else None)
    due.paid = Decimal(due.paid).quantize(rules.CENT)  # SQLite hands back the COALESCE default as 0
    return {"due": due, "person": due.person, "amount": due.amount, "paid": due.paid,
            "outstanding": max(due.amount - due.paid, ZERO), "relief": due.relief,
            "state": rules.month_state(due.amount, due.paid, exempt=exempt)}


def without_base(path, month):
    """Members on the roll of the subtree at `path` with no fee base charged by `month`: they get no dues."""
    has_base = FeeBase.objects.filter(person_id=OuterRef("pk"), superseded_at__isnull=True,
                                      applies_from__lte=rules.month_start(month))
    return services.fee_people(path).exclude(Exists(has_base)).select_related("org").order_by("scope_path", "name")


def not_generated(path, month):
    """How many members of the subtree have a base charged by `month` but no dues for it yet."""
    month = rules.month_start(month)
    has_base = FeeBase.objects.filter(person_id=OuterRef("pk"), superseded_at__isnull=True, applies_from__lte=month)
    has_due = Due.objects.filter(person_id=OuterRef("pk"), month=month, superseded_at__isnull=True)
    return services.fee_people(path).filter(Exists(has_base)).exclude(Exists(has_due)).count()


def generate_month(actor, org, month):
    """Generate the month's dues of `org`'s subtree (fees:manage over it): a month of this year up to the current
    one (later months are generated when a member pays ahead)."""
    org = _org(org)
    month = _month(month, "month")
    today = timezone.localdate()
    if not date(today.year - 1, 1, 1) <= month <= rules.month_start(today):
        raise DomainError(_("Generate the dues of a month from last January to this month."), field="month")
    return services.generate_dues(month, path=org.path, actor=actor)


# ---- arrears ----------------------------------------------------------------------------------------------------


@dataclass
class Arrear:
    person_id: int
    months: list = field(default_factory=list)  # [(month, outstanding, excused)] ascending
    outstanding: Decimal = ZERO
    beyond: int = 0  # months that can no longer be back-paid (older than the window)
    run: int = 0  # the lapse run ending at the last complete month
    lapsed: bool = False
    person: Person | None = None
    window: int = rules.BACKPAY_MONTHS

    @property
    def count(self):
        return len(self.months)

    @property
    def oldest(self):
        return self.months[0][0] if self.months else None


_settings_resolver = services.settings_resolver  # the nearest-wins walk over a subtree's settings: one query


def arrears(path, today=None):
    """Members of the subtree at `path` with dues outstanding for complete months (before `today`'s month): the
    months, the amount, the oldest, how many are beyond the back-payment window (settings), and the lapse flag of
    第十三条 — six consecutive complete months unpaid without a valid reason (rules.valid_reason: an approved
    "excused" relief — a reduction is not a reason to pay nothing; a month paid in full ends the run;
    rules.lapse_from_unpaid). lapsed_people is the same flag in one query. Ordered by the longest run, then the oldest
    month. Two queries."""
    today = today or timezone.localdate()
    this_month = rules.month_start(today)
    last = rules.last_complete_month(today)
    rows = (dues_with_paid(path, month__lt=this_month).filter(OWING_Q)
            .values_list("person_id", "month", "amount", "paid", "relief__state", "relief__kind", "scope_path")
            .order_by("person_id", "month"))
    resolve = _settings_resolver(path)
    out = {}
    for person_id, month, amount, paid, relief_state, relief_kind, scope_path in rows:
        a = out.get(person_id)
        if a is None:
            a = out[person_id] = Arrear(person_id, window=resolve(scope_path).backpay_months)
        owed = amount - paid
        a.months.append((month, owed, rules.valid_reason(relief_state, relief_kind)))
        a.outstanding += owed
        if not rules.backpay_allowed(month, today, a.window):
            a.beyond += 1
    for a in out.values():
        a.run = rules.lapse_from_unpaid({m: excused for m, _o, excused in a.months}, last)
        a.lapsed = a.run >= rules.LAPSE_MONTHS
    people = Person.objects.filter(pk__in=list(out)).select_related("org").only(
        "id", "name", "org__name", "org__path", "scope_path")
    for p in people:
        out[p.pk].person = p
    return sorted((a for a in out.values() if a.person is not None),
                  key=lambda a: (-a.run, a.oldest, a.person.name))


def unpaid_dues(path, **filters):
    """The current dues of the subtree at `path` still owed without a valid reason (OWING_Q and not VALID_REASON_Q):
    what the to-do list's unpaid members and the lapse flag count."""
    return dues_with_paid(path, **filters).filter(OWING_Q).exclude(VALID_REASON_Q)


def lapsed_people(path, today=None):
    """第十三条's flag in the database (the same rule as arrears' flag, which is computed in Python): the ids of the
    members of the subtree owing without a valid reason in each month of rules.lapse_window(today). One query (a
    values queryset: use it as a subquery or count it)."""
    first, last = rules.lapse_window(today or timezone.localdate())
    return (unpaid_dues(path, month__gte=first, month__lte=last).values("person_id")
            .annotate(n=Count("pk")).filter(n__gte=rules.LAPSE_MONTHS).values("person_id"))


def lapse_count(path, today=None):
    """How many members of the subtree are flagged under 第十三条 on `today` (lapsed_people). One aggregate query."""
    return lapsed_people(path, today).count()


# ---- the secretary's to-do list ---------------------------------------------------------------------------------


@dataclass
class Todo:
    kind: str  # unpaid, lapse, declarations, reliefs, no_base
    org: Organization
    count: int
    text: str
    url: str
    level: str = "warning"


def _url(name, **query):
    from urllib.parse import urlencode

    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name) + ("?" + urlencode(query) if query else "")
    except NoReverseMatch:
        return ""


def todo_for(user, today=None):
    """The fee items of a secretary's or collector's to-do list, per organisation they hold fees:manage or
    fees:collect over (the top of each subtree): in the last `remind_days` days of the month, the members who have
    not paid this month; and at any time the members flagged under 第十三条, the declarations awaiting confirmation,
    the reliefs awaiting a decision (those three for fees:manage) and the members without a fee base. One query for
    the organisations with three counts, then two aggregate queries per organisation."""
    today = today or timezone.localdate()
    scope = scope_for(user)
    if scope.superuser:
        return []
    manage = scope.prefixes(MANAGE)
    roots = sorted({*manage, *scope.prefixes(COLLECT)})
    roots = [p for p in roots if not any(p != q and p.startswith(q) for q in roots)]
    if not roots:
        return []
    month = rules.month_start(today)
    decls = (BaseDeclaration.objects.filter(scope_path__startswith=OuterRef("path"), state=DeclarationState.SUBMITTED,
                                            campaign__state=CampaignState.OPEN)
             .order_by().values("state").annotate(n=Count("pk")).values("n"))
    reliefs = (Relief.objects.filter(scope_path__startswith=OuterRef("path"), state=ReliefState.REQUESTED)
               .order_by().values("state").annotate(n=Count("pk")).values("n"))
    orgs = list(Organization.objects.filter(path__in=roots, status=OrgStatus.ACTIVE).annotate(
        n_decls=Coalesce(Subquery(decls), 0), n_reliefs=Coalesce(Subquery(reliefs), 0)).order_by("path"))
    resolve = _settings_resolver("")  # every organisation's settings: a handful of rows
    items = []
    for org in orgs:
        is_manager = any(org.path.startswith(p) for p in manage)
        settings = resolve(org.path)
        if rules.in_reminder_window(today, settings.remind_days):
            unpaid = unpaid_dues(org.path, month=month).count()
            if unpaid:
                items.append(Todo("unpaid", org, unpaid, _(
                    "%(n)d members of %(org)s have not paid %(month)s's dues (the month ends on %(end)s).") % {
                    "n": unpaid, "org": org.name, "month": f"{month:%Y-%m}",
                    "end": rules.month_end(today).isoformat()},
                    _url("fees:month", org=org.pk, month=f"{month:%Y-%m}", state="unpaid"), "danger"))
        if is_manager:
            lapsed = lapse_count(org.path, today)
            if lapsed:
                items.append(Todo("lapse", org, lapsed, _(
                    "%(n)d members of %(org)s have not paid for six consecutive months without a valid reason "
                    "(Article 13 of the fee rules).") % {"n": lapsed, "org": org.name},
                    _url("fees:arrears", org=org.pk, lapsed=1), "danger"))
            if org.n_decls:
                items.append(Todo("declarations", org, org.n_decls, _(
                    "%(n)d new fee bases in %(org)s await confirmation.") % {"n": org.n_decls, "org": org.name},
                    _url("fees:campaigns", org=org.pk)))
            if org.n_reliefs:
                items.append(Todo("reliefs", org, org.n_reliefs, _(
                    "%(n)d reduction or exemption requests in %(org)s await a decision.") % {
                    "n": org.n_reliefs, "org": org.name}, _url("fees:reliefs", org=org.pk, state="requested")))
        missing = without_base(org.path, month).count()
        if missing:
            items.append(Todo("no_base", org, missing, _(
                "%(n)d members of %(org)s have no fee base and are not charged.") % {"n": missing, "org": org.name},
                _url("fees:month", org=org.pk, month=f"{month:%Y-%m}") + "#no-base", "secondary"))
    return items


# ---- reminders to members ---------------------------------------------------------------------------------------


def reminder_title(month):
    return _("Party fees for %(month)s are not paid yet") % {"month": f"{month:%Y-%m}"}


def remind_unpaid(today=None):
    """A notice (dangjian.notices, kind "fees") to each member with this month's dues unpaid, when the month is in
    their organisation's reminder window; once a month (a member already sent this month's notice is skipped).
    Returns the number of notices sent."""
    from django.conf import settings as django_settings
    from django.urls import reverse
    from django.utils import translation

    from dangjian.notices.services import already_notified, notify_each

    today = today or timezone.localdate()
    month = rules.month_start(today)
    resolve = _settings_resolver("")
    with translation.override(getattr(django_settings, "LANGUAGE_CODE", "zh-hans")):
        title = reminder_title(month)
        sent = already_notified(OuterRef("person_id"), "fees", title)
        rows = (unpaid_dues("", month=month).exclude(Exists(sent))
                .values_list("person_id", "scope_path", "amount", "paid"))
        notices = []
        for person_id, scope_path, amount, paid in rows:
            if not rules.in_reminder_window(today, resolve(scope_path).remind_days):
                continue
            body = _("%(month)s: %(owed)s yuan of Party fees are outstanding. Please pay by %(end)s, online or to "
                     "your branch's fee collector.") % {"month": f"{month:%Y-%m}", "owed": amount - paid,
                                                       "end": rules.month_end(today).isoformat()}
            notices.append((person_id, title, body))
    with transaction.atomic():
        return notify_each(notices, "fees", link=reverse("fees:home"), deliver=False)
