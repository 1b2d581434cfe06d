"""The fee rules written once: each rule of rules.py that is also evaluated in the database (bases.EXEMPT_Q,
VALID_REASON_Q, OWING_Q, _state_q, lapsed_people) agrees with its Python form on random rows, and the nearest-wins
settings walk (services.settings_resolver) is the only one — settings_for is that walk for a single path."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dangjian.fees import bases, rules, services
from dangjian.fees.models import Category, Due, FeeSettings, Payment, Relief, ReliefKind, ReliefState

D = Decimal
pytestmark = pytest.mark.django_db
db_examples = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

RELIEFS = [None, ("exempt", "approved"), ("excused", "approved"), ("reduce", "approved"), ("excused", "revoked"),
           ("exempt", "revoked"), ("excused", "requested")]
AMOUNTS = [D("0.00"), D("0.20"), D("40.00")]
PAYMENTS = st.lists(st.sampled_from([D("0.10"), D("0.20"), D("20.00"), D("40.00"), D("-0.20")]), max_size=3)


def write_months(person, rows):
    """rows: [(month, amount, relief (kind, state) or None, [payment amounts])] → the Due rows, written directly
    (bulk, like generate_dues: no audit, no recomputation) so that any pattern can be tried."""
    kw = {"person": person, "scope_path": person.scope_path}
    reliefs = {m: Relief(kind=r[0], state=r[1], from_month=m, to_month=m, reason="理由", **kw)
               for m, _a, r, _p in rows if r is not None}
    Relief.objects.bulk_create(reliefs.values())
    Due.objects.bulk_create(Due(month=m, org=person.org, category="in_service", amount=a, relief=reliefs.get(m), **kw)
                            for m, a, _r, _p in rows)
    Payment.objects.bulk_create(Payment(month=m, amount=x, method="cash", paid_on=m, org=person.org, **kw)
                                for m, _a, _r, pays in rows for x in pays)


def test_the_rules_constants_are_the_models_values():
    assert (rules.EXEMPT, rules.EXCUSED, rules.APPROVED) == (ReliefKind.EXEMPT, ReliefKind.EXCUSED,
                                                             ReliefState.APPROVED)
    assert tuple(Category.values) == rules.CATEGORIES and set(rules.SALARIED) == set(rules.NATIONAL_2008.brackets)
    assert bases.SALARIED is rules.SALARIED


# ---- "exempt", the month's state, owing and a valid reason: the database forms against the Python forms ---------


@db_examples
@given(st.lists(st.tuples(st.sampled_from(AMOUNTS), st.sampled_from(RELIEFS), PAYMENTS), min_size=1, max_size=12))
def test_state_exempt_owing_and_valid_reason_agree_in_python_and_in_the_database(tree, months):
    person = tree.member1
    with transaction.atomic():
        rows = [(rules.add_months(date(2025, 1, 1), i), a, r, p) for i, (a, r, p) in enumerate(months)]
        write_months(person, rows)
        qs = bases.dues_with_paid(tree.branch1.path).select_related("relief")
        python = {}
        for due in qs:
            paid = D(due.paid)
            kind, state = (due.relief.kind, due.relief.state) if due.relief_id else (None, None)
            python[due.pk] = {"state": bases.roster_row(due)["state"], "owes": rules.owes(due.amount, paid),
                              "reason": rules.valid_reason(state, kind), "exempt": rules.is_exempt(due.amount, kind)}
        assert len(python) == len(rows)
        for s in bases.ROSTER_STATES:
            assert set(qs.filter(bases._state_q(s)).values_list("pk", flat=True)) == {
                pk for pk, v in python.items() if v["state"] == s}, s
        for month, *_rest in rows:  # the roster's counts (one aggregate a month) and its lines
            lines, totals = bases.month_roster(tree.branch1.path, month)
            (due,) = lines
            assert {s: totals[f"n_{s}"] for s in bases.ROSTER_STATES} == {
                s: int(python[due.pk]["state"] == s) for s in bases.ROSTER_STATES}
        for name, q in (("owes", bases.OWING_Q), ("reason", bases.VALID_REASON_Q), ("exempt", bases.EXEMPT_Q)):
            assert set(qs.filter(q).values_list("pk", flat=True)) == {pk for pk, v in python.items() if v[name]}, name
        assert set(bases.unpaid_dues(tree.branch1.path).values_list("pk", flat=True)) == {
            pk for pk, v in python.items() if v["owes"] and not v["reason"]}
        # the member's own statement (and so their page) shows the roster's state
        statement = {r["due"].pk: r["state"] for r in services.statement(person, rows[0][0], rows[-1][0])}
        assert statement == {pk: v["state"] for pk, v in python.items()}
        transaction.set_rollback(True)


def test_a_due_of_nothing_is_exempt_only_under_an_exemption(tree):
    """The roster once called any 0.00 due with a relief "exempt" in its counts but "paid" on its lines: a 0.00 due
    under a valid reason (or a reduction, or none) owes nothing and is paid up; only an exemption is "exempt"."""
    month = date(2026, 3, 1)
    bases.record_base(tree.users.branch1, tree.member1, mode="initial", category="in_service", base="0.50",
                      effective_from=month)  # 0.50 × 0.5 % rounds to 0.00
    bases.record_base(tree.users.branch1, tree.other1, mode="initial", category="in_service", base="4000",
                      effective_from=month)
    for person, kind in ((tree.member1, "excused"), (tree.other1, "exempt")):
        relief = bases.request_relief(tree.users.branch1, person, kind=kind, from_month=month, to_month=month,
                                      reason="理由")
        bases.decide_relief(tree.users.branch1, relief, "approve")
    services.generate_dues(month)
    rows, totals = bases.month_roster(tree.branch1.path, month)
    states = {d.person_id: bases.roster_row(d)["state"] for d in rows}
    assert states == {tree.member1.pk: "paid", tree.other1.pk: "exempt"}
    assert (totals["n_paid"], totals["n_exempt"], totals["n_unpaid"]) == (1, 1, 0)
    assert [d.person_id for d in bases.month_roster(tree.branch1.path, month, state="exempt")[0]] == [tree.other1.pk]


# ---- 第十三条: arrears' flag (Python) and lapsed_people / lapse_count (one query) ---------------------------------

# A month of a member: no dues (None) or (amount, relief, payments). A member's months are a run of unpaid months
# with a few months of another kind put in, so that runs of six and more, and runs broken by one month, come up often.
UNPAID = (D("40.00"), None, [])
MONTH = st.sampled_from([None, (D("40.00"), None, [D("40.00")]), (D("40.00"), None, [D("0.10")]),
                         (D("0.00"), None, []), (D("0.20"), None, [D("0.20"), D("-0.20")])]
                        + [(amount, relief, []) for amount in (D("0.00"), D("40.00")) for relief in RELIEFS[1:]])
PATTERN = st.builds(lambda edits: [next((c for i, c in reversed(edits) if i == k), UNPAID) for k in range(12)],
                    st.lists(st.tuples(st.integers(6, 11) | st.integers(0, 11), MONTH), max_size=3))
END = 12  # today in the month after the twelfth: the twelfth is the last complete month


def edited(**cells):
    return [cells.get(f"m{k}", UNPAID) for k in range(12)]
FIRST = date(2025, 9, 1)


def oracle_run(pattern, last):
    """The pure rule straight from the pattern: lapse_from_unpaid over the months owed, valid_reason for each."""
    unpaid = {}
    for i, cell in enumerate(pattern):
        if cell is not None:
            amount, relief, pays = cell
            kind, state = relief or (None, None)
            if rules.owes(amount, sum(pays, D("0.00"))):
                unpaid[rules.add_months(FIRST, i)] = rules.valid_reason(state, kind)
    return rules.lapse_from_unpaid(unpaid, last)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(patterns=st.lists(PATTERN, min_size=1, max_size=3),
       offset=st.sampled_from([END] * 6 + list(range(15))), day=st.integers(1, 28))
@example(patterns=[edited(m8=(D("40.00"), ("excused", "revoked"), [])),
                   edited(m9=(D("40.00"), ("excused", "requested"), [])),
                   edited(m10=(D("40.00"), ("excused", "approved"), []))], offset=END, day=1)
@example(patterns=[edited(m7=(D("40.00"), ("reduce", "approved"), [])), edited(m9=(D("0.00"), ("exempt", "approved"), [])),
                   edited(m6=None)], offset=END, day=28)
@example(patterns=[edited(m11=(D("40.00"), None, [D("0.10")])), edited(m6=(D("40.00"), None, [D("40.00")])),
                   edited(m5=(D("40.00"), ("excused", "approved"), []))], offset=END, day=15)
def test_the_lapse_flag_is_the_same_in_python_and_in_the_database(tree, patterns, offset, day):
    people = [tree.member1, tree.other1, tree.member2][:len(patterns)]
    today = rules.add_months(FIRST, offset).replace(day=day)
    last = rules.last_complete_month(today)
    with transaction.atomic():
        for person, pattern in zip(people, patterns, strict=True):
            write_months(person, [(rules.add_months(FIRST, i), *cell) for i, cell in enumerate(pattern)
                                  if cell is not None])
        expected = {p.pk: oracle_run(pattern, last) for p, pattern in zip(people, patterns, strict=True)}
        flagged = {pk for pk, run in expected.items() if run >= rules.LAPSE_MONTHS}
        arrears = bases.arrears(tree.general.path, today)
        assert {a.person_id: a.run for a in arrears if a.run} == {pk: run for pk, run in expected.items() if run}
        assert {a.person_id for a in arrears if a.lapsed} == flagged
        assert {r["person_id"] for r in bases.lapsed_people(tree.general.path, today)} == flagged
        assert bases.lapse_count(tree.general.path, today) == len(flagged)
        assert bases.lapse_count(tree.branch2.path, today) == len(flagged & {tree.member2.pk})
        transaction.set_rollback(True)


def test_the_lapse_window_is_the_last_six_complete_months():
    assert rules.lapse_window(date(2026, 8, 1)) == (date(2026, 2, 1), date(2026, 7, 1))
    assert rules.lapse_window(date(2026, 3, 31)) == (date(2025, 9, 1), date(2026, 2, 1))
    assert len(rules.months_between(*rules.lapse_window(date(2026, 1, 15)))) == rules.LAPSE_MONTHS


# ---- the nearest-wins settings walk ------------------------------------------------------------------------------


def test_the_nearest_organisations_row_wins_as_a_whole(tree, django_assert_num_queries):
    FeeSettings.objects.create(org=tree.committee, org_path=tree.committee.path, backpay_months=5, ahead_months=3,
                               remind_days=10, deduction_items=["个人所得税"])
    FeeSettings.objects.create(org=tree.branch1, org_path=tree.branch1.path, backpay_months=2)
    with django_assert_num_queries(1):
        near = services.settings_for(tree.member1.scope_path)  # member1 is in group1, under branch1
    # per row: branch1's row wins whole — its ahead_months and remind_days are its own defaults, not the committee's
    assert (near.backpay_months, near.ahead_months, near.remind_days, near.org_id) == (2, 12, 7, tree.branch1.pk)
    assert services.deduction_items_for(tree.member1.scope_path) == services.DEFAULT_DEDUCTION_ITEMS
    far = services.settings_for(tree.member2.scope_path)
    assert (far.backpay_months, far.ahead_months, far.remind_days, far.org_id) == (5, 3, 10, tree.committee.pk)
    assert services.deduction_items_for(tree.member2.scope_path) == ("个人所得税",)
    assert services.settings_for("") == services.settings_for("99999999") == services.DEFAULT_SETTINGS
    with django_assert_num_queries(1):
        resolve = services.settings_resolver(tree.general.path)
        assert resolve(tree.member1.scope_path) == near and resolve(tree.member2.scope_path) == far
        assert resolve(tree.general.path).org_id == tree.committee.pk
    assert bases._settings_resolver is services.settings_resolver


ORG_NAMES = ("committee", "general", "branch1", "branch2", "group1")


@db_examples
@given(st.dictionaries(st.sampled_from(ORG_NAMES), st.integers(0, 24), max_size=5),
       st.sampled_from(("", "committee", "general", "branch1")))
def test_the_resolver_over_a_subtree_is_settings_for_each_path(tree, rows, root):
    with transaction.atomic():
        for name, months in rows.items():
            org = getattr(tree, name)
            FeeSettings.objects.create(org=org, org_path=org.path, backpay_months=months)
        root_path = getattr(tree, root).path if root else ""
        resolve = services.settings_resolver(root_path)
        paths = [getattr(tree, n).path for n in ORG_NAMES] + [
            p.scope_path for p in (tree.member1, tree.other1, tree.member2, tree.sec1)]
        for path in (p for p in paths if p.startswith(root_path)):
            nearest = max((n for n in rows if path.startswith(getattr(tree, n).path)),
                          key=lambda n: len(getattr(tree, n).path), default=None)
            want = rows[nearest] if nearest else rules.BACKPAY_MONTHS
            assert resolve(path).backpay_months == services.settings_for(path).backpay_months == want, path
        transaction.set_rollback(True)
