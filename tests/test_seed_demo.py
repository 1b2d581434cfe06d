"""The demo organisation: idempotent, consistent, with accounts whose scopes are what the README promises.

The tests read the demo seeded once per worker (the `demo` fixture of tests/conftest.py); each runs in its own
savepoint, so what one writes is gone for the next."""

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from dangjian.accounts.models import Post, Role, User
from dangjian.accounts.scoping import has_perm, scoped
from dangjian.audit import chain
from dangjian.home import demo as core_demo
from dangjian.orgs.models import Organization, OrgType
from dangjian.orgs.services import subtree_warnings
from dangjian.people import rules as people_rules
from dangjian.people.codes import MemberStatus, PoliticalStatus
from dangjian.people.models import Person
from dangjian.transfers.models import FlowRecord, Transfer


def _counts():
    return {m.__name__: m.objects.count() for m in (Organization, Person, Post, User, FlowRecord, Transfer)}


@pytest.fixture
def seeded(demo):
    return demo.root


def test_seed_demo_builds_the_organisation_and_is_idempotent(demo, capsys):
    out = demo.output  # what `manage.py seed_demo` printed when it seeded the empty database
    assert "committee" in out and "masses1" in out and core_demo.DEMO_PASSWORD in out
    first = _counts()
    assert first["Organization"] >= 40 and 250 <= first["Person"] <= 350
    call_command("seed_demo")
    assert _counts() == first
    call_command("seed_demo", "--once")
    with translation.override(settings.LANGUAGE_CODE):  # commands speak the site's language
        assert translation.gettext("Demo data already loaded.") in capsys.readouterr().out
    assert _counts() == first

    root = Organization.objects.get(code=core_demo.COMMITTEE_CODE)
    assert root.org_type == OrgType.COMMITTEE and root.depth == 1
    types = {t: Organization.objects.filter(path__startswith=root.path, org_type=t).count() for t in OrgType.values}
    assert 2 <= types[OrgType.GENERAL_BRANCH] <= 3 and 14 <= types[OrgType.BRANCH] <= 16
    assert Organization.objects.filter(parent=root, org_type=OrgType.BRANCH).exists()  # some directly under it
    for branch in Organization.objects.filter(org_type=OrgType.BRANCH):
        assert 1 <= branch.children.filter(org_type=OrgType.GROUP).count() <= 3
    statuses = set(Person.objects.values_list("political_status", flat=True))
    assert statuses == set(PoliticalStatus.values)
    assert Person.objects.filter(political_status=PoliticalStatus.FULL).count() > Person.objects.count() / 2
    flowing = Person.objects.filter(status=MemberStatus.FLOWING)
    assert flowing.count() >= 2 and all(FlowRecord.objects.filter(person=p).exists() for p in flowing)
    assert chain.verify()[0]


def test_demo_accounts_log_in_with_the_stated_scope(seeded, client):
    users = {u.username: u for u in User.objects.select_related("person__org")}
    for username in core_demo.ACCOUNTS:
        client.logout()
        response = client.post(reverse("accounts:login"), {"username": username, "password": core_demo.DEMO_PASSWORD})
        assert response.status_code == 302, username
    committee, branch1, branch2 = users["committee"], users["branch1"], users["branch2"]
    post1 = Post.objects.active().get(person=branch1.person, role=Role.SECRETARY)
    post2 = Post.objects.active().get(person=branch2.person, role=Role.SECRETARY)
    assert post1.org.org_type == post2.org.org_type == OrgType.BRANCH
    assert post1.org.parent_id == post2.org.parent_id and post1.org != post2.org  # siblings
    assert has_perm(branch1, "people:write", post1.org) and not has_perm(branch1, "people:read", post2.org)
    assert not has_perm(branch2, "people:read", post1.org)
    assert Post.objects.active().get(person=committee.person).org == seeded
    assert has_perm(committee, "people:write", post2.org)
    leader = Post.objects.active().get(person=users["group1"].person)
    assert leader.role == Role.GROUP_LEADER and leader.org.parent == post1.org
    member1 = users["member1"].person
    assert member1.org == post1.org and member1.political_status == PoliticalStatus.FULL
    assert not Post.objects.filter(person=member1).exists()
    assert list(scoped(Person.objects.all(), users["member1"], "people:read")) == []
    masses1 = users["masses1"].person
    assert masses1.political_status == PoliticalStatus.MASSES and not Post.objects.filter(person=masses1).exists()
    assert users["admin"].is_superuser and users["admin"].person is None
    rows = {r[0]: r for r in core_demo.account_rows()}
    assert set(rows) == set(core_demo.ACCOUNTS)
    assert branch1.person.name in rows["branch1"][1]


def test_demo_shows_every_kind_of_warning_and_the_transfers(seeded):
    codes = {w.code for _org, ws in subtree_warnings(seeded) for w in ws}
    assert {"few_members", "no_committee", "term_expired", "term_expiring", "no_secretary"} <= codes
    today = date.today()
    internal = Transfer.objects.get(kind="internal")
    assert internal.state == "pending" and internal.to_org.org_type == OrgType.BRANCH
    assert internal.person.org == internal.from_org  # not moved until accepted
    outgoing = Transfer.objects.get(kind="outgoing")
    assert outgoing.expires_on < today and outgoing.receipt_on is None


def _check_person_dates(p):
    """The development dates of one person are in order and fit their category (domain.md §2)."""
    cat = p["political_status"]
    order = [p["applied_on"], p["activist_on"], p["candidate_on"], p["join_date"]]
    needed = {"masses": 0, "applicant": 1, "activist": 2, "candidate": 3, "probationary": 4, "full": 4}[cat]
    assert all(d is not None for d in order[:needed]) and all(d is None for d in order[needed:]), p
    present = [d for d in order if d]
    assert present == sorted(present) and len(set(present)) == len(present), p
    if p["applied_on"]:
        assert people_rules.age_on(p["birth_date"], p["applied_on"]) >= 18, p
    if p["activist_on"]:
        assert p["activist_on"] >= p["applied_on"] + timedelta(days=183), p
    if p["candidate_on"] and p["activist_on"]:
        assert p["candidate_on"] >= p["activist_on"] + timedelta(days=365), p
    if cat == "full":
        assert p["full_date"] == core_demo.add_years(p["join_date"], 1), p
    else:
        assert p["full_date"] is None, p
    number = p.get("id_number")
    if number:
        assert people_rules.validate_id_number(number, p["birth_date"]) == number
        assert people_rules.id_gender(number) == p["gender"]


def test_every_seeded_person_has_consistent_dates(seeded):
    today = date.today()
    fields = ("political_status", "birth_date", "gender", "applied_on", "activist_on", "candidate_on",
              "join_date", "full_date")
    rows = list(Person.objects.values(*fields, "id_number_enc", "org__org_type", "group__parent_id", "org_id"))
    assert rows
    for row in rows:
        _check_person_dates(row)
        assert all(row[f] is None or row[f] <= today for f in fields[3:])
        assert row["org__org_type"] == OrgType.BRANCH
        assert row["group__parent_id"] in (None, row["org_id"])
    one = Person.objects.order_by("id").first()
    assert people_rules.id_birth_date(one.get_id_number()) == one.birth_date


@hypothesis_settings(max_examples=15, deadline=None)
@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2040, 12, 31)))
def test_plan_is_consistent_whatever_the_day(today):
    plan = core_demo.build_plan(today)
    numbers = [p.data["id_number"] for p in plan]
    assert len(set(numbers)) == len(numbers)
    assert numbers == [p.data["id_number"] for p in core_demo.build_plan(today + timedelta(days=400))]  # stable
    for p in plan:
        _check_person_dates(p.data)
        assert all(p.data[f] is None or p.data[f] <= today
                   for f in ("applied_on", "activist_on", "candidate_on", "join_date", "full_date"))


def test_demo_party_fees(seeded):
    """Every member on the roll has a base and this year's dues; payments, receipts, arrears, hand-overs and the
    ledger are there and consistent; seeding again does nothing."""
    from django.db.models import Sum

    from dangjian.fees import bases, rules, services
    from dangjian.fees.demo import seed_fees
    from dangjian.fees.models import Due, FeeBase, HandOver, LedgerEntry, Payment, Receipt

    today = date.today()
    people = services.fee_people(seeded.path)
    assert people.count() and not people.exclude(pk__in=FeeBase.objects.values("person_id")).exists()
    months = rules.months_between(date(today.year, 1, 1), today)
    assert Due.objects.filter(superseded_at__isnull=True).count() == people.count() * len(months)
    for base in FeeBase.objects.filter(superseded_at__isnull=True)[:50]:
        assert base.amount == rules.monthly_amount(base.category, base.base, base.applies_from)[1]
    numbers = sorted(int(n.split("-")[1]) for n in Receipt.objects.values_list("number", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))  # no gaps
    paid = Payment.objects.aggregate(a=Sum("amount"))["a"]
    assert 0 < paid <= Due.objects.filter(superseded_at__isnull=True).aggregate(a=Sum("amount"))["a"]
    assert bases.arrears(seeded.path, today)
    if today.month >= 11:  # two members have paid nothing since April: six complete months by November
        assert bases.lapse_count(seeded.path, today) >= 2
    if today.month >= 8:
        assert HandOver.objects.filter(state="received").exists()
        assert LedgerEntry.objects.filter(org=seeded, purpose="handover_in").exists()
    assert seed_fees(seeded) == 0


@pytest.mark.parametrize("step", ["write", "read"])
def test_what_a_test_writes_to_the_shared_demo_is_gone_for_the_next(demo, step):
    """The two steps run one after the other on the same seeded demo: the first renames the committee and removes
    a branch's people, the second (in the same worker, or seeded afresh in another) finds them as seeded."""
    people = Person.objects.filter(org__path__startswith=demo.root.path)
    assert demo.root.name != "renamed" and people.count() >= 250 and demo.seedings >= 1
    if step == "write":
        Organization.objects.filter(pk=demo.root.pk).update(name="renamed")
        FlowRecord.objects.all().delete()
        assert Organization.objects.get(pk=demo.root.pk).name == "renamed" and not FlowRecord.objects.exists()
    else:
        assert FlowRecord.objects.exists()
