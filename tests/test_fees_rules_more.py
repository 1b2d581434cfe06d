"""Property tests of the pure fee rules: applies_from, backpay_allowed, lapse_run (and lapse_from_unpaid), money,
add_months/months_between, the base calculator, the transition tables, month_state, the reminder window and
parse_month."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from dangjian.fees import rules

D = Decimal
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
months = days.map(rules.month_start)
cents = st.integers(min_value=0, max_value=10**9).map(lambda c: (D(c) / 100).quantize(D("0.01")))


# ---- add_months / months_between ---------------------------------------------------------------------------------

@given(months, st.integers(-600, 600), st.integers(-600, 600))
def test_add_months_is_additive_and_lands_on_first_days(m, a, b):
    assume(date(1900, 1, 1) <= rules.add_months(m, a) <= date(2199, 1, 1))
    assert rules.add_months(rules.add_months(m, a), b) == rules.add_months(m, a + b)
    assert rules.add_months(m, a).day == 1
    assert rules.add_months(rules.add_months(m, a), -a) == m


@given(days, st.integers(0, 60))
def test_months_between_counts_and_orders(first, n):
    last = rules.add_months(rules.month_start(first), n)
    out = rules.months_between(first, last)
    assert len(out) == n + 1 and out[0] == rules.month_start(first) and out[-1] == last
    assert all(rules.add_months(x, 1) == y for x, y in zip(out, out[1:], strict=False))
    assert rules.months_between(rules.add_months(last, 1), first) == []


# ---- applies_from ------------------------------------------------------------------------------------------------

@given(days, st.sampled_from(["initial", "campaign", "rebase", "correction"]))
def test_applies_from_its_own_month_except_declared_changes(day, source):
    assert rules.applies_from(source, day) == rules.month_start(day)


@given(days)
def test_a_declared_change_applies_from_next_january_unless_it_is_january(day):
    got = rules.applies_from("declared", day)
    if day.month == 1:
        assert got == date(day.year, 1, 1)
    else:
        assert got == date(day.year + 1, 1, 1)
    assert got >= rules.month_start(day) and got.month == 1


# ---- backpay_allowed ---------------------------------------------------------------------------------------------

@given(days, st.integers(0, 36), st.integers(-40, 40))
def test_backpay_reaches_exactly_window_months_back(today, window, back):
    month = rules.add_months(rules.month_start(today), -back)
    assert rules.backpay_allowed(month, today, window) == (back <= window)


def test_backpay_default_window_is_six_months():
    assert rules.backpay_allowed(date(2026, 1, 1), date(2026, 7, 31))
    assert not rules.backpay_allowed(date(2026, 1, 1), date(2026, 8, 1))


# ---- lapse_run / lapse_from_unpaid -------------------------------------------------------------------------------

flags = st.lists(st.tuples(st.booleans(), st.booleans()), min_size=0, max_size=30)


@given(months, flags)
def test_lapse_run_is_the_trailing_run_of_unexcused_unpaid_months(start, seq):
    rows = [(rules.add_months(start, i), unpaid, excused) for i, (unpaid, excused) in enumerate(seq)]
    expected = 0
    for _m, unpaid, excused in reversed(rows):
        if not unpaid or excused:
            break
        expected += 1
    assert rules.lapse_run(rows) == expected
    assert rules.is_lapsed(rows) == (expected >= 6)


@given(months, st.integers(1, 12), st.integers(1, 12))
def test_a_gap_ends_the_run(start, before, after):
    rows = [(rules.add_months(start, i), True, False) for i in range(before)]
    rows += [(rules.add_months(start, before + 1 + i), True, False) for i in range(after)]  # one month missing
    assert rules.lapse_run(rows) == after


def test_lapse_boundary_five_and_six():
    start = date(2026, 1, 1)
    five = [(rules.add_months(start, i), True, False) for i in range(5)]
    six = [(rules.add_months(start, i), True, False) for i in range(6)]
    assert not rules.is_lapsed(five) and rules.is_lapsed(six)
    broken = six[:3] + [(six[3][0], True, True)] + six[4:]
    assert rules.lapse_run(broken) == 2


@given(months, st.lists(st.sampled_from(["paid", "unpaid", "excused"]), min_size=1, max_size=24))
def test_lapse_from_unpaid_matches_lapse_run_over_the_full_sequence(start, states):
    rows = [(rules.add_months(start, i), s != "paid", s == "excused") for i, s in enumerate(states)]
    last = rows[-1][0]
    unpaid = {m: excused for m, u, excused in rows if u}
    assert rules.lapse_from_unpaid(unpaid, last) == rules.lapse_run(rows)


def test_lapse_from_unpaid_ignores_later_months_and_needs_the_last_month():
    unpaid = {date(2026, m, 1): False for m in range(1, 8)}
    assert rules.lapse_from_unpaid(unpaid, date(2026, 6, 1)) == 6
    del unpaid[date(2026, 6, 1)]
    assert rules.lapse_from_unpaid(unpaid, date(2026, 6, 1)) == 0
    assert rules.lapse_from_unpaid({}, date(2026, 6, 1)) == 0


# ---- money -------------------------------------------------------------------------------------------------------

@given(cents)
def test_money_round_trips_two_places(amount):
    assert rules.money(str(amount)) == amount and rules.money(amount) == amount
    assert rules.money(f"{amount:,}") == amount
    assert rules.money(str(amount)).as_tuple().exponent == -2


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_money_refuses_floats(value):
    with pytest.raises(TypeError):
        rules.money(value)


@given(st.one_of(st.text(max_size=12), st.sampled_from(["-1", "1.001", "NaN", "inf", "", "  ", "1,0.5"])))
def test_money_refuses_anything_else_with_a_value_error(raw):
    try:
        got = rules.money(raw)
    except (ValueError, TypeError, ArithmeticError):
        # ArithmeticError: rules.money lets decimal.InvalidOperation out for huge exponents ("1E30"); bases._money
        # turns every refusal into a DomainError (test below)
        return
    assert isinstance(got, Decimal) and got >= 0 and got == got.quantize(D("0.01"))


@given(st.one_of(st.text(max_size=12), st.sampled_from(["1E30", "1e400", "99999999999", "-0.01", "1.001"])))
def test_the_bases_parser_refuses_with_a_domain_error_naming_the_field(raw):
    from dangjian.core.errors import DomainError
    from dangjian.fees import bases

    try:
        got = bases._money(raw, "base")
    except DomainError as e:
        assert "base" in e.error_dict
        return
    assert D("0") <= got <= bases.MAX_AMOUNT and got == got.quantize(D("0.01"))


# ---- the base calculator -----------------------------------------------------------------------------------------

@given(cents, st.lists(cents, max_size=6))
def test_base_from_pay_is_pay_minus_the_items(gross, items):
    deductions = {f"item{i}": str(a) for i, a in enumerate(items)}
    if sum(items, D(0)) > gross:
        with pytest.raises(ValueError):
            rules.base_from_pay(gross, deductions)
        return
    base, kept = rules.base_from_pay(str(gross), deductions)
    assert base == gross - sum(items, D(0)) and base >= 0
    assert set(kept) == {f"item{i}" for i, a in enumerate(items) if a}
    assert base.as_tuple().exponent == -2


def test_base_from_pay_names_the_bad_item_and_skips_empty_ones():
    assert rules.base_from_pay("8000", {"个人所得税": "", "养老保险": None, "医疗保险": "160.5"}) == (
        D("7839.50"), {"医疗保险": D("160.50")})
    with pytest.raises(ValueError, match="deduction:养老保险"):
        rules.base_from_pay("8000", {"养老保险": "-1"})
    with pytest.raises(TypeError):
        rules.base_from_pay(8000.0, {})


# ---- transition tables, month_state, reminder window, parse_month --------------------------------------------------

def test_declaration_and_relief_transitions():
    t = rules.DECL_TRANSITIONS
    assert rules.next_state(t, "", "enter") == "submitted"
    assert rules.next_state(t, "returned", "enter") == "submitted"
    assert rules.next_state(t, "confirmed", "enter") is None
    assert rules.next_state(t, "returned", "confirm") is None
    assert sorted(rules.actions_from(t, "submitted")) == ["confirm", "enter", "return"]
    r = rules.RELIEF_TRANSITIONS
    assert rules.next_state(r, None, "request") == "requested"
    assert rules.next_state(r, "approved", "revoke") == "revoked"
    assert rules.next_state(r, "rejected", "approve") is None and rules.next_state(r, "revoked", "revoke") is None
    assert rules.actions_from(r, "requested") == ["approve", "reject"]


@given(cents, cents)
def test_month_state(amount, paid):
    state = rules.month_state(amount, paid)
    assert state == ("paid" if paid >= amount else "partly" if paid > 0 else "unpaid")
    assert rules.month_state(D("0.00"), D("0.00"), exempt=True) == "exempt"


@given(days, st.integers(1, 28))
def test_reminder_window_is_the_last_days_of_the_month(day, remind):
    end = rules.month_end(day)
    assert rules.in_reminder_window(day, remind) == ((end - day).days < remind)
    assert rules.in_reminder_window(end, remind)
    assert (end + timedelta(days=1)).day == 1


@given(months)
def test_parse_month(month):
    assert rules.parse_month(f"{month:%Y-%m}") == month
    assert rules.parse_month(month.isoformat()) == month


@pytest.mark.parametrize("raw", ["2026-13", "2026-00", "26-01", "2026/01", "", None, "2026-02-30", "abcd-ef"])
def test_parse_month_refuses(raw):
    with pytest.raises(ValueError):
        rules.parse_month(raw)
