"""Fee bases and the generation of a month's dues (fees.services)."""

from datetime import date
from decimal import Decimal

import pytest
from django.http import Http404

from dangjian.core.errors import DomainError
from dangjian.fees import rules, services
from dangjian.fees.models import BaseSource, Due, FeeBase, FeeSettings, Relief, ReliefState

D = Decimal


def _base(tree, person, category="in_service", base="4000", day=date(2026, 1, 1), **kw):
    return services.set_base(tree.users.branch1 if person.scope_path.startswith(tree.branch1.path)
                             else tree.users.branch2, person, category=category, base=base, effective_from=day, **kw)


def test_base_fixes_the_monthly_amount_from_the_rate_table(tree):
    b = _base(tree, tree.member1, base="4000.00")
    assert (b.computed, b.amount, b.applies_from) == (D("40.00"), D("40.00"), date(2026, 1, 1))
    retired = _base(tree, tree.other1, category="retired", base="5000.01")
    assert retired.amount == D("50.00")


def test_soft_cap_charges_at_most_1000_a_month(tree):
    b = _base(tree, tree.member1, base="60000")
    assert (b.computed, b.amount) == (D("1200.00"), D("1000.00"))


def test_farmers_amount_comes_from_the_nearest_settings(tree):
    FeeSettings.objects.create(org=tree.committee, org_path=tree.committee.path, farmer_amount=D("0.50"))
    b = _base(tree, tree.member1, category="farmer", base="")
    assert b.amount == D("0.50") and b.base == 0


def test_a_pay_change_declared_during_the_year_applies_from_next_january(tree):
    b = _base(tree, tree.member1, base="4000", day=date(2026, 5, 10), source=BaseSource.DECLARED)
    assert b.applies_from == date(2027, 1, 1)
    r = _base(tree, tree.member1, base="4000", day=date(2026, 5, 10), source=BaseSource.REBASE, reason="支部决定")
    assert r.applies_from == date(2026, 5, 1)


def test_rebase_needs_a_reason_and_bad_input_changes_nothing(tree):
    with pytest.raises(DomainError) as e:
        _base(tree, tree.member1, day=date(2026, 5, 1), source=BaseSource.REBASE)
    assert "reason" in e.value.error_dict
    for bad in ("-1", "abc", "1.234"):
        with pytest.raises(DomainError) as e:
            _base(tree, tree.member1, base=bad)
        assert "base" in e.value.error_dict
    with pytest.raises(DomainError) as e:
        _base(tree, tree.member1, category="pirate")
    assert "category" in e.value.error_dict
    assert FeeBase.objects.count() == 0


def test_sibling_branch_cannot_set_a_base(tree):
    with pytest.raises(Http404):
        services.set_base(tree.users.branch2, tree.member1, category="in_service", base="1", effective_from=date(2026, 1, 1))


def test_generate_dues_is_idempotent_and_uses_the_base_in_force(tree):
    _base(tree, tree.member1, base="4000")
    _base(tree, tree.other1, base="2000", day=date(2026, 3, 1))
    assert services.generate_dues(date(2026, 2, 15), path=tree.committee.path, actor=tree.users.committee) == 1
    assert services.generate_dues(date(2026, 2, 1)) == 0
    assert services.generate_dues(date(2026, 3, 1)) == 2
    due = Due.objects.get(person=tree.other1, month=date(2026, 3, 1))
    assert due.amount == D("10.00") and due.org_id == tree.other1.org_id and due.scope_path == tree.other1.scope_path


def test_generate_dues_only_inside_the_actors_subtree(tree):
    _base(tree, tree.member1)
    _base(tree, tree.member2)
    with pytest.raises(Http404):
        services.generate_dues(date(2026, 1, 1), path=tree.branch2.path, actor=tree.users.branch1)
    assert services.generate_dues(date(2026, 1, 1), path=tree.branch1.path, actor=tree.users.branch1) == 1


def test_reliefs_in_the_generated_dues(tree):
    _base(tree, tree.member1)
    _base(tree, tree.other1)
    _base(tree, tree.member2)
    m = date(2026, 4, 1)
    Relief.objects.create(person=tree.member1, kind="exempt", from_month=m, to_month=m, reason="病",
                          state=ReliefState.APPROVED, scope_path=tree.member1.scope_path)
    Relief.objects.create(person=tree.other1, kind="reduce", amount=D("5.00"), from_month=m, to_month=m, reason="困难",
                          state=ReliefState.APPROVED, scope_path=tree.other1.scope_path)
    Relief.objects.create(person=tree.member2, kind="exempt", from_month=m, to_month=m, reason="未批",
                          scope_path=tree.member2.scope_path)
    services.generate_dues(m)
    amounts = {d.person_id: d.amount for d in Due.objects.filter(month=m)}
    assert amounts == {tree.member1.pk: D("0.00"), tree.other1.pk: D("5.00"), tree.member2.pk: D("40.00")}


def test_a_correction_supersedes_and_recomputes_generated_dues(tree):
    wrong = _base(tree, tree.member1, base="40000")
    services.generate_dues(date(2026, 1, 1))
    services.generate_dues(date(2026, 2, 1))
    right = _base(tree, tree.member1, base="4000", corrects=wrong, reason="录入错误")
    wrong.refresh_from_db()
    assert wrong.superseded_at is not None and right.applies_from == wrong.applies_from
    current = Due.objects.filter(person=tree.member1, superseded_at__isnull=True).order_by("month")
    assert [d.amount for d in current] == [D("40.00"), D("40.00")]
    assert all(d.corrects_id for d in current)
    assert Due.objects.filter(person=tree.member1).count() == 4  # the old rows are kept
    with pytest.raises(DomainError):
        _base(tree, tree.member1, base="1", corrects=wrong, reason="again")


def test_members_not_on_the_roll_owe_nothing(tree):
    tree.member1.status = "left"
    tree.member1.save()
    with pytest.raises(DomainError):
        _base(tree, tree.member1)


def test_settings_nearest_wins(tree):
    FeeSettings.objects.create(org=tree.committee, org_path=tree.committee.path, backpay_months=3)
    FeeSettings.objects.create(org=tree.branch1, org_path=tree.branch1.path, backpay_months=5)
    assert services.settings_for(tree.member1.scope_path).backpay_months == 5
    assert services.settings_for(tree.member2.scope_path).backpay_months == 3
    assert services.settings_for("99999999").backpay_months == rules.BACKPAY_MONTHS


def test_a_reduction_never_charges_more_than_the_base(tree):
    _base(tree, tree.member1)  # 40.00 a month
    m = date(2026, 4, 1)
    Relief.objects.create(person=tree.member1, kind="reduce", amount=D("100000.00"), from_month=m, to_month=m,
                          reason="录入错误", state=ReliefState.APPROVED, scope_path=tree.member1.scope_path)
    services.generate_dues(m)
    assert Due.objects.get(person=tree.member1, month=m).amount == D("40.00")


def test_recomputing_keeps_the_dues_of_a_member_who_left_the_roll(tree):
    _base(tree, tree.member1)
    for month in (1, 2, 3):
        services.generate_dues(date(2026, month, 1))
    tree.member1.status = "transferred_out"
    tree.member1.save()
    services.recompute_dues(tree.member1, date(2026, 1, 1))
    assert Due.objects.filter(person=tree.member1, superseded_at__isnull=True).count() == 3


def test_recomputed_dues_stay_with_the_organisation_that_charged_them(tree):
    wrong = _base(tree, tree.member1, base="40000")
    services.generate_dues(date(2026, 1, 1))
    old_path, old_org = tree.member1.scope_path, tree.member1.org_id
    tree.member1.org, tree.member1.scope_path = tree.branch2, tree.branch2.path  # moved (as a transfer would)
    tree.member1.save()
    services.set_base(tree.users.branch2, tree.member1, category="in_service", base="4000", corrects=wrong,
                      effective_from=None, reason="录入错误")
    due = Due.objects.get(person=tree.member1, superseded_at__isnull=True)
    assert due.amount == D("40.00") and (due.org_id, due.scope_path) == (old_org, old_path)


def test_dues_written_meanwhile_do_not_fail_the_run(tree, monkeypatch):
    """A payment may generate a member's month while the monthly run is under way: the run skips that member."""
    _base(tree, tree.member1)
    _base(tree, tree.member2)
    services.generate_dues(date(2026, 5, 1), person_ids=[tree.member1.pk])
    monkeypatch.setattr(services, "_ABSENT_SQL", "")  # as if the run had checked before that payment
    assert services.generate_dues(date(2026, 5, 1)) == 1
    assert Due.objects.filter(month=date(2026, 5, 1)).count() == 2


def test_base_dates_are_bounded(tree):
    for day, source in ((date(2007, 1, 1), BaseSource.INITIAL), (date(2400, 1, 1), BaseSource.INITIAL),
                        (date(date.today().year - 1, 6, 1), BaseSource.REBASE)):
        with pytest.raises(DomainError) as e:
            _base(tree, tree.member1, day=day, source=source, reason="x")
        assert "effective_from" in e.value.error_dict
    assert not FeeBase.objects.exists()


def test_a_statement_is_money_with_two_places(tree):
    from dangjian.fees import payments

    _base(tree, tree.member1)
    services.generate_dues(date.today())
    payments.record_payment(tree.users.branch1, tree.member1, months=[date.today()], amounts={
        f"{date.today():%Y-%m}": "40"})
    row = services.statement(tree.member1, date.today(), date.today())[0]
    assert str(row["paid"]) == "40.00" and str(row["outstanding"]) == "0.00"
