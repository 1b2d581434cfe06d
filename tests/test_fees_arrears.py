"""The month roster, arrears with the 第十三条 lapse flag, the secretary's to-do list and the members' reminders on a
small hand-built case (fees.bases, fees.tasks)."""

from datetime import date
from decimal import Decimal

import pytest

from dangjian.accounts.models import Role
from dangjian.fees import bases, services, tasks
from dangjian.fees.models import FeeSettings, Payment
from dangjian.notices.models import Notice

from .factories import give_post, make_person, make_user

D = Decimal
pytestmark = pytest.mark.django_db


def pay(person, month, amount):
    return Payment.objects.create(person=person, month=month, amount=D(amount), method="cash", paid_on=month,
                                  org=person.org, scope_path=person.scope_path)


def m(n, year=2026):
    return date(year, n, 1)


@pytest.fixture
def case(tree):
    """member1 40.00 a month, other1 (retired) 10.00, member2 (branch2) 0.20, Jan–Jul 2026 generated.
    member1 paid nothing; other1 paid March in full and 4.00 of April; member2 paid everything."""
    for person, cat, base, actor in ((tree.member1, "in_service", "4000", tree.users.branch1),
                                     (tree.other1, "retired", "2000", tree.users.branch1),
                                     (tree.member2, "student", "", tree.users.branch2)):
        bases.record_base(actor, person, mode="initial", category=cat, base=base, effective_from=m(1))
    for n in range(1, 8):
        services.generate_dues(m(n))
        pay(tree.member2, m(n), "0.20")
    pay(tree.other1, m(3), "10.00")
    pay(tree.other1, m(4), "4.00")
    return tree


def test_month_roster_numbers(case):
    rows, totals = bases.month_roster(case.general.path, m(4))
    assert totals["due"] == D("50.20") and totals["paid"] == D("4.20") and totals["outstanding"] == D("46.00")
    assert (totals["n_paid"], totals["n_partly"], totals["n_unpaid"], totals["n_exempt"]) == (1, 1, 1, 0)
    states = {r["person"].pk: (r["state"], r["outstanding"]) for r in map(bases.roster_row, rows)}
    assert states == {case.member1.pk: ("unpaid", D("40.00")), case.other1.pk: ("partly", D("6.00")),
                      case.member2.pk: ("paid", D("0.00"))}
    rows, totals = bases.month_roster(case.branch1.path, m(4), state="partly")
    assert [d.person_id for d in rows] == [case.other1.pk] and totals["due"] == D("50.00")


def test_roster_shows_exempt_and_members_without_a_base(case):
    r = bases.request_relief(case.users.branch1, case.member1, kind="exempt", from_month=m(4), to_month=m(4),
                             reason="重病")
    bases.decide_relief(case.users.branch1, r, "approve")
    rows, totals = bases.month_roster(case.branch1.path, m(4))
    assert totals["n_exempt"] == 1 and totals["due"] == D("10.00")
    assert {bases.roster_row(d)["state"] for d in rows if d.person_id == case.member1.pk} == {"exempt"}
    missing = {p.pk for p in bases.without_base(case.branch1.path, m(4))}
    assert case.member1.pk not in missing and case.sec1.pk in missing and case.leader1.pk in missing
    assert bases.not_generated(case.branch1.path, m(8)) == 2
    assert bases.generate_month(case.users.branch1, case.branch1, m(8)) == 2
    assert bases.not_generated(case.branch1.path, m(8)) == 0


def test_arrears_numbers_and_window(case):
    rows = bases.arrears(case.general.path, today=date(2026, 7, 15))
    by = {a.person_id: a for a in rows}
    assert set(by) == {case.member1.pk, case.other1.pk}
    a = by[case.member1.pk]
    assert (a.count, a.outstanding, a.oldest, a.beyond, a.run, a.lapsed) == (6, D("240.00"), m(1), 0, 6, True)
    b = by[case.other1.pk]
    assert (b.count, b.outstanding, b.oldest, b.run, b.lapsed) == (5, D("46.00"), m(1), 3, False)
    assert rows[0].person_id == case.member1.pk  # the longest run first
    later = {a.person_id: a for a in bases.arrears(case.general.path, today=date(2026, 8, 2))}
    assert later[case.member1.pk].beyond == 1 and later[case.member1.pk].count == 7
    FeeSettings.objects.create(org=case.branch1, org_path=case.branch1.path, backpay_months=2)
    later = {a.person_id: a for a in bases.arrears(case.general.path, today=date(2026, 8, 2))}
    assert later[case.member1.pk].beyond == 5


def test_lapse_boundary_five_versus_six_months(case):
    pay(case.member1, m(1), "40.00")
    flag = {a.person_id: a for a in bases.arrears(case.branch1.path, today=date(2026, 7, 31))}[case.member1.pk]
    assert (flag.run, flag.lapsed) == (5, False)
    assert bases.lapse_count(case.branch1.path, date(2026, 7, 31)) == 0
    flag = {a.person_id: a for a in bases.arrears(case.branch1.path, today=date(2026, 8, 1))}[case.member1.pk]
    assert (flag.run, flag.lapsed) == (6, True)
    assert bases.lapse_count(case.branch1.path, date(2026, 8, 1)) == 1


def test_an_excused_month_breaks_the_run(case):
    r = bases.request_relief(case.users.branch1, case.member1, kind="excused", from_month=m(3), to_month=m(3),
                             reason="出差")
    bases.decide_relief(case.users.branch1, r, "approve")
    flag = {a.person_id: a for a in bases.arrears(case.branch1.path, today=date(2026, 7, 15))}[case.member1.pk]
    assert (flag.run, flag.lapsed, flag.count) == (3, False, 6)
    assert bases.lapse_count(case.branch1.path, date(2026, 7, 15)) == 0


def test_a_reduction_left_unpaid_is_no_reason(case):
    """A reduced amount is still owed: not paying it counts toward the six months like any other month."""
    r = bases.request_relief(case.users.branch1, case.member1, kind="reduce", amount="5", from_month=m(3),
                             to_month=m(3), reason="困难")
    bases.decide_relief(case.users.branch1, r, "approve")
    flag = {a.person_id: a for a in bases.arrears(case.branch1.path, today=date(2026, 7, 15))}[case.member1.pk]
    assert (flag.run, flag.lapsed) == (6, True)
    assert bases.lapse_count(case.branch1.path, date(2026, 7, 15)) == 1


def test_a_month_paid_in_full_breaks_the_run_a_partial_payment_does_not(case):
    pay(case.member1, m(3), "39.99")
    flag = {a.person_id: a for a in bases.arrears(case.branch1.path, today=date(2026, 7, 15))}[case.member1.pk]
    assert flag.lapsed and flag.outstanding == D("200.01")
    pay(case.member1, m(3), "0.01")
    flag = {a.person_id: a for a in bases.arrears(case.branch1.path, today=date(2026, 7, 15))}[case.member1.pk]
    assert (flag.run, flag.lapsed) == (3, False)


def test_the_todo_list_only_in_the_reminder_window(case):
    before = [t.kind for t in bases.todo_for(case.users.branch1, date(2026, 7, 24))]
    assert "unpaid" not in before and "lapse" in before and "no_base" in before
    items = {t.kind: t for t in bases.todo_for(case.users.branch1, date(2026, 7, 25))}
    assert items["unpaid"].count == 2 and items["unpaid"].org == case.branch1
    assert "2026-07-31" in items["unpaid"].text
    assert items["lapse"].count == 1
    FeeSettings.objects.create(org=case.committee, org_path=case.committee.path, remind_days=3)
    assert "unpaid" not in [t.kind for t in bases.todo_for(case.users.branch1, date(2026, 7, 28))]
    assert "unpaid" in [t.kind for t in bases.todo_for(case.users.branch1, date(2026, 7, 29))]


def test_todo_declarations_reliefs_and_who_sees_what(case):
    from datetime import timedelta

    from django.utils import timezone

    c = bases.open_campaign(case.users.branch1, case.branch1, year=2027,
                            deadline=timezone.localdate() + timedelta(days=10))
    bases.declare(case.users.member1, c, case.member1, category="student")
    bases.request_relief(case.users.member1, case.member1, kind="exempt", from_month=m(8), to_month=m(8),
                         reason="失业")
    items = {t.kind: t for t in bases.todo_for(case.users.branch1, date(2026, 7, 10))}
    assert items["declarations"].count == 1 and items["reliefs"].count == 1
    assert bases.todo_for(case.users.member1, date(2026, 7, 25)) == []
    assert [t.org for t in bases.todo_for(case.users.committee, date(2026, 7, 25))] != []
    assert {t.org.pk for t in bases.todo_for(case.users.committee, date(2026, 7, 25))} == {case.committee.pk}
    person = make_person(case.branch1, name="收缴员")
    give_post(person, case.branch1, Role.FEE_COLLECTOR)
    kinds = {t.kind for t in bases.todo_for(make_user("col", person), date(2026, 7, 25))}
    assert kinds == {"unpaid", "no_base"}  # a collector: not the decisions nor the lapse flags
    b2 = {t.kind: t for t in bases.todo_for(case.users.branch2, date(2026, 7, 25))}
    assert "unpaid" not in b2 and "declarations" not in b2  # member2 paid; nothing of branch1


def test_todo_query_count(case, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        bases.todo_for(case.users.branch1, date(2026, 7, 25))


def test_generate_month_dues_task_and_reminders_once_a_month(case, settings):
    settings.LANGUAGE_CODE = "en"
    assert tasks.generate_month_dues(today="2026-08-01") == 3
    assert tasks.generate_month_dues(today="2026-08-01") == 0
    assert tasks.remind_unpaid(today="2026-08-10") == 0  # not in the window yet
    sent = tasks.remind_unpaid(today="2026-08-26")
    assert sent == 3
    assert tasks.remind_unpaid(today="2026-08-27") == 0  # once a month
    n = Notice.objects.get(person=case.member1, kind="fees")
    assert "2026-08" in n.title and "40.00" in n.body
    pay(case.other1, m(9), "10.00")
    services.generate_dues(m(9))
    assert tasks.remind_unpaid(today="2026-09-27") == 2  # other1 paid September
