"""Pure rules of the work ledger: periods and the colour of a grid cell."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from dangjian.workrecords import rules

days = st.dates(min_value=date(2001, 1, 1), max_value=date(2099, 12, 31))
frequencies = st.sampled_from(list(rules.MONTHS_OF))


@given(days, frequencies)
def test_a_period_holds_its_day_and_its_key_parses_back(day, frequency):
    p = rules.period_of(day, frequency)
    assert p.contains(day)
    assert p.start.day == 1 and (p.end + timedelta(days=1)).day == 1
    assert rules.parse_period(p.key) == p
    assert rules.period_of(p.end + timedelta(days=1), frequency).start == p.end + timedelta(days=1)


def test_period_keys():
    assert rules.period_of(date(2026, 5, 9), "quarter").key == "2026-Q2"
    assert rules.period_of(date(2026, 7, 1), "half_year").key == "2026-H2"
    assert rules.period_of(date(2026, 3, 31), "month").key == "2026-03"
    assert rules.period_of(date(2026, 3, 31), "year").key == "2026"
    for bad in ("", "2026-13", "2026-Q5", "2026-H3", "abcd", "1999", "2026-3-1", "20260"):
        assert rules.parse_period(bad) is None, bad


@given(st.integers(0, 20), st.integers(1, 20), st.floats(0, 1))
def test_colour(done, due, elapsed):
    colour = rules.cell_colour(done, due, elapsed)
    if done >= due:
        assert colour == rules.GREEN
    elif elapsed >= 1:
        assert colour == rules.RED
    else:
        assert colour in (rules.AMBER, rules.RED)
        assert rules.cell_colour(done, due, 0) == rules.AMBER  # at the start there is always time
    # more done never makes it worse; more time gone never makes it better
    order = {rules.GREEN: 0, rules.AMBER: 1, rules.RED: 2}
    assert order[rules.cell_colour(done + 1, due, elapsed)] <= order[colour]
    assert order[rules.cell_colour(done, due, min(1.0, elapsed + 0.2))] >= order[colour]


def test_colour_examples():
    assert rules.cell_colour(0, 0, 0.5) == rules.NONE
    assert rules.cell_colour(0, 1, 0.5) == rules.AMBER
    assert rules.cell_colour(0, 1, 0.7) == rules.RED
    assert rules.cell_colour(1, 2, 0.9) == rules.AMBER
    assert rules.cell_colour(1, 2, 1) == rules.RED


def test_elapsed():
    p = rules.period_of(date(2026, 4, 1), "month")
    assert p.elapsed(date(2026, 3, 31)) == 0 and p.elapsed(date(2026, 5, 1)) == 1
    assert p.elapsed(date(2026, 4, 30)) == 1 and 0 < p.elapsed(date(2026, 4, 15)) < 1


def test_own_committee():
    assert rules.is_own_committee_item("0001", "00010002")
    assert not rules.is_own_committee_item("0003", "00010002")
    assert not rules.is_own_committee_item("", "0001")
