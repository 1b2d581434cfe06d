"""Demo Party fees: a fee base for every member on the roll of the demo tree (category from the work post, bases
spread over the brackets), the year's dues up to this month, payments as branches collect them (cash for the first
half-year, transfers for the third quarter, online for the recent months — a few voluntary extras, one large),
members behind by a few months and two who have paid nothing for seven months (the lapse flag), a re-basing, an
approved exemption and a requested reduction, next year's base adjustment open in one branch, hand-overs to the
level above and the committee's ledger. Everything goes through the services, so the demo is what the pages would
have written. Idempotent: nothing is done when the root already has fee bases."""

import random
from datetime import date
from decimal import Decimal

from django.utils import timezone

from dangjian.orgs.models import Organization, OrgStatus, OrgType
from dangjian.people.codes import MEMBER_STATUSES, ON_ROLL
from dangjian.people.models import Person

from . import rules, services
from .models import FeeBase

IN_SERVICE_BASES = (2650, 2980, 3000, 3420, 3860, 4300, 4750, 5000, 5480, 6120, 6900, 7800, 8650, 9800, 10500, 12600)
RETIRED_BASES = (3150, 3900, 4600, 5000, 5300, 6200)


def category_for(person):
    """A likely fee category from the work post (the branch confirms it when it records the base)."""
    return {"4": "retired", "1": "farmer", "113": "farmer", "3": "student"}.get(person.work_post, "in_service")


def _day(year, month, day, today):
    return min(date(year, month, min(day, 28)), today)


def seed_fees(root, today=None, seed=5):
    """Create the demo fees under `root` unless it already has fee bases. Returns the number of payments made."""
    from . import bases, ledger, payments

    today = today or timezone.localdate()
    if FeeBase.objects.filter(scope_path__startswith=root.path).exists():
        return 0
    rng = random.Random(seed)
    year = today.year
    jan = date(year, 1, 1)
    people = list(Person.objects.filter(scope_path__startswith=root.path, political_status__in=MEMBER_STATUSES,
                                        status__in=ON_ROLL).exclude(org__isnull=True).order_by("scope_path", "pk"))
    for person in people:
        category = category_for(person)
        base = {"in_service": rng.choice(IN_SERVICE_BASES), "retired": rng.choice(RETIRED_BASES)}.get(category, 0)
        services.set_base(None, person, category=category, base=Decimal(base), effective_from=jan)
    if len(people) > 3:  # a promotion re-based by the branch in July
        services.set_base(None, people[3], category="in_service", base=Decimal("7200"),
                          effective_from=_day(year, 7, 1, today), source="rebase", reason="职务晋升，支部委员会决定重新核定")
    this_month = rules.month_start(today)
    for month in rules.months_between(jan, this_month):
        services.generate_dues(month)

    roles = {}
    for i, person in enumerate(people):
        roll = rng.random()
        roles[person.pk] = "lapsed" if i in (7, 31) else "exempt" if i == 12 else (
            "behind" if roll < 0.09 else "current" if roll < 0.55 else "regular")
    # An approved exemption (hardship) and a reduction awaiting the branch's decision.
    exempt = [p for p in people if roles[p.pk] == "exempt"]
    for person in exempt:
        relief = bases.request_relief(None, person, kind="exempt", from_month=date(year, 7, 1),
                                      to_month=date(year, 12, 1), reason="家庭遭遇重大变故，生活困难，本人申请")
        bases.decide_relief(None, relief, "approve", note="支部委员会研究同意")
    if len(people) > 20:
        bases.request_relief(None, people[20], kind="reduce", amount=Decimal("5.00"), from_month=this_month,
                             to_month=rules.add_months(this_month, 2), reason="长期病休，收入减少")

    made = 0
    quarter_end = {1: 3, 2: 6, 3: 9}
    for person in people:
        role = roles[person.pk]
        months = rules.months_between(jan, this_month)
        paid_through = {"lapsed": date(year, 4, 1), "behind": rules.add_months(this_month, -rng.choice((2, 3)))}.get(
            role, this_month if role == "current" else rules.add_months(this_month, -1))
        if role == "exempt":
            paid_through = date(year, 6, 1)
        due_months = [m for m in months if m <= paid_through]
        # the first half-year in cash in June, the third quarter by transfer in September, the rest month by month
        batches = [([m for m in due_months if m.month <= 6], _day(year, 6, 18 + rng.randrange(8), today), "cash"),
                   ([m for m in due_months if 7 <= m.month <= quarter_end[3]], _day(year, 9, 12 + rng.randrange(10),
                                                                                   today), "transfer")]
        for m in due_months:
            if m.month > quarter_end[3]:
                batches.append(([m], _day(m.year, m.month, 8 + rng.randrange(15), today), "cash"))
        for chosen, paid_on, method in batches:
            chosen = [m for m in chosen if m <= rules.month_start(paid_on)] or []
            if not chosen:
                continue
            voluntary = Decimal("100.00") if paid_on.month == 6 and rng.random() < 0.08 else None
            payments.record_payment(None, person, months=chosen, voluntary=voluntary, method=method, paid_on=paid_on,
                                    note="")
            made += 1
    if people:  # one large voluntary payment (大额党费, goes on to the Centre) on 1 July
        payments.record_payment(None, people[0], voluntary=Decimal("2000.00"), method="transfer",
                                paid_on=_day(year, 7, 1, today), note="庆祝建党纪念日自愿交纳")
        made += 1

    branch = Organization.objects.filter(path__startswith=root.path, org_type=OrgType.BRANCH,
                                         status=OrgStatus.ACTIVE).order_by("path").first()
    if branch is not None and today.month >= 11:
        campaign = bases.open_campaign(None, branch, year=year + 1, deadline=date(year, 12, 20),
                                       note="请于12月20日前填报新一年度党费基数")
        members = [p for p in people if p.scope_path.startswith(branch.path)]
        for i, person in enumerate(members[: max(1, len(members) * 2 // 3)]):
            base = {"in_service": Decimal(rng.choice(IN_SERVICE_BASES)) + 200,
                    "retired": Decimal(rng.choice(RETIRED_BASES))}.get(category_for(person), Decimal(0))
            declaration = bases.declare(None, campaign, person, category=category_for(person), base=base)
            if i % 3 == 0:
                bases.decide_declaration(None, declaration, "confirm")

    _seed_handovers(root, year, today)
    _seed_ledger(root, ledger, year, today)
    return made


def _seed_handovers(root, year, today):
    """Branches hand the first half-year over in July and the third quarter in October, the general branches
    carry them on a few days later; each is received by the organisation above. The demo dates the receipts to the
    day the money arrived (the service stamps the moment it is called)."""
    from datetime import datetime, time, timedelta

    from . import handover
    from .models import HandOver, LedgerEntry

    tz = timezone.get_current_timezone()
    orgs = list(Organization.objects.filter(path__startswith=root.path, status=OrgStatus.ACTIVE,
                                            org_type__in=(OrgType.BRANCH, OrgType.GENERAL_BRANCH))
                .exclude(pk=root.pk).order_by("-depth", "path"))
    for first, last, day in ((date(year, 1, 1), date(year, 6, 1), 10), (date(year, 7, 1), date(year, 9, 1), 12)):
        handed = rules.add_months(last, 1).replace(day=day)
        if handed >= today:
            continue
        for level_days, org_type in ((0, OrgType.BRANCH), (5, OrgType.GENERAL_BRANCH)):
            on = handed + timedelta(days=level_days)
            for org in (o for o in orgs if o.org_type == org_type and o.parent_id):
                held = handover.pending(org, *handover.period_bounds(first, last))
                if held.expected <= 0:
                    continue
                ho = handover.submit(None, org, period_from=first, period_to=last, amount=held.expected,
                                     handed_on=on, note="", today=on + timedelta(days=1))
                handover.receive(None, ho)
                arrived = timezone.make_aware(datetime.combine(on + timedelta(days=2), time(10)), tz)
                HandOver.objects.filter(pk=ho.pk).update(decided_at=arrived)
                LedgerEntry.objects.filter(handover=ho).update(entry_date=arrived.date())


def _seed_ledger(root, ledger, year, today):
    entries = [
        (date(year, 3, 20), "spending", "education", Decimal("3600.00"), "党员教育培训班教材及场地费", "PZ-0312"),
        (date(year, 6, 28), "spending", "hardship", Decimal("4000.00"), "“七一”走访慰问生活困难党员8名", "PZ-0627"),
        (date(year, 6, 30), "spending", "awards", Decimal("2500.00"), "表彰优秀共产党员、优秀党务工作者", "PZ-0630"),
        (date(year, 9, 21), "income", "interest", Decimal("86.42"), "党费专户第三季度利息", "YH-0921"),
        (date(year, 10, 15), "spending", "grassroots", Decimal("3000.00"), "补助基层党支部阵地建设", "PZ-1015"),
    ]
    for day, direction, purpose, amount, description, voucher in entries:
        if day <= today:
            ledger.add_entry(None, root, entry_date=day, direction=direction, purpose=purpose, amount=amount,
                             description=description, voucher=voucher)
