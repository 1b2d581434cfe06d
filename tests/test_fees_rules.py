"""The party-fee rate table (domain.md §3.1) on every bracket boundary: the bracket's rate on the whole base, edges
inclusive at the top, fixed amounts, rounding to the fen, Decimal only (hypothesis)."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangjian.fees.rules import NATIONAL_2008, RateTable, monthly_due

ON = date(2026, 11, 1)
CENT = Decimal("0.01")
money = st.decimals(min_value=0, max_value=1_000_000, places=2, allow_nan=False, allow_infinity=False)


def expected(rate, base):
    return (base * Decimal(rate)).quantize(CENT, rounding="ROUND_HALF_UP")


@pytest.mark.parametrize("base,due", [
    ("0", "0.00"), ("2999.99", "15.00"), ("3000", "15.00"), ("3000.01", "30.00"), ("5000", "50.00"),
    ("5000.01", "75.00"), ("10000", "150.00"), ("10000.01", "200.00"), ("12345.67", "246.91")])
def test_in_service_brackets_and_their_edges(base, due):
    assert monthly_due("in_service", Decimal(base), ON) == Decimal(due)


@pytest.mark.parametrize("base,due", [("5000", "25.00"), ("5000.01", "50.00"), ("1234.50", "6.17")])
def test_retired_brackets(base, due):
    assert monthly_due("retired", Decimal(base), ON) == Decimal(due)


@given(money)
def test_in_service_applies_the_brackets_rate_to_the_whole_base(base):
    rate = ("0.005" if base <= 3000 else "0.01" if base <= 5000 else "0.015" if base <= 10000 else "0.02")
    due = monthly_due("in_service", base, ON)
    assert due == expected(rate, base) and due.as_tuple().exponent == -2


@given(money)
def test_retired(base):
    assert monthly_due("retired", base, ON) == expected("0.005" if base <= 5000 else "0.01", base)


@given(st.sampled_from(["farmer", "student", "unemployed"]), money)
def test_fixed_amounts_ignore_the_base(category, base):
    assert monthly_due(category, base, ON) == Decimal("0.20")


@given(money, money)
def test_within_a_bracket_a_higher_base_never_pays_less(a, b):
    low, high = sorted((a, b))
    edges = [Decimal(3000), Decimal(5000), Decimal(10000)]
    if not any(low <= e < high for e in edges):
        assert monthly_due("in_service", low, ON) <= monthly_due("in_service", high, ON)


def test_the_cliff_at_each_edge_is_the_next_rate_on_the_whole_base():
    for edge, next_rate in ((3000, "0.01"), (5000, "0.015"), (10000, "0.02")):
        assert monthly_due("in_service", Decimal(edge) + CENT, ON) == expected(next_rate, Decimal(edge) + CENT)


def test_refusals():
    with pytest.raises(TypeError):
        monthly_due("in_service", 3000.0, ON)
    with pytest.raises(TypeError):
        monthly_due("in_service", True, ON)
    with pytest.raises(ValueError):
        monthly_due("in_service", Decimal("-1"), ON)
    with pytest.raises(ValueError):
        monthly_due("soldier", Decimal("100"), ON)
    with pytest.raises(ValueError):  # no table before 2008-04-01
        monthly_due("in_service", Decimal("100"), date(2008, 3, 31))


def test_the_table_in_effect_on_the_day_applies():
    later = RateTable(effective_from=date(2030, 1, 1), source="a later table (test)",
                      brackets={"in_service": ((None, Decimal("0.01")),), "retired": ((None, Decimal("0.01")),)},
                      fixed=dict(NATIONAL_2008.fixed))
    tables = (NATIONAL_2008, later)
    assert monthly_due("in_service", Decimal("2000"), date(2029, 12, 31), tables) == Decimal("10.00")
    assert monthly_due("in_service", Decimal("2000"), date(2030, 1, 1), tables) == Decimal("20.00")


@given(st.sampled_from(["in_service", "retired"]), money)
def test_the_charged_amount_is_the_computed_one_up_to_the_soft_cap(category, base):
    from dangjian.fees.rules import SOFT_CAP, monthly_amount

    computed, charged = monthly_amount(category, base, ON)
    assert computed == monthly_due(category, base, ON)
    assert charged == min(computed, SOFT_CAP)
    assert charged.as_tuple().exponent == -2


def test_the_soft_cap_edge():
    from dangjian.fees.rules import monthly_amount

    assert monthly_amount("in_service", Decimal("50000.00"), ON) == (Decimal("1000.00"), Decimal("1000.00"))
    assert monthly_amount("in_service", Decimal("50000.50"), ON) == (Decimal("1000.01"), Decimal("1000.00"))


@given(st.decimals(min_value=Decimal("0"), max_value=Decimal("2"), places=2))
def test_farmers_amount_must_lie_between_twenty_fen_and_one_yuan(amount):
    from dangjian.fees.rules import monthly_amount

    if Decimal("0.20") <= amount <= Decimal("1.00"):
        assert monthly_amount("farmer", Decimal(0), ON, farmer_amount=amount) == (amount, amount)
    else:
        with pytest.raises(ValueError):
            monthly_amount("farmer", Decimal(0), ON, farmer_amount=amount)
