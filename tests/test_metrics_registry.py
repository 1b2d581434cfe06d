"""The registry itself: period parsing (hypothesis), discovery of every app's METRICS, Subtrees and roll_up."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangjian.metrics import periods, registry
from dangjian.metrics.periods import Period, PeriodError
from dangjian.metrics.registry import COUNT, PERCENT, Metric, Subtrees, Tally, roll_up

years = st.integers(min_value=periods.MIN_YEAR, max_value=periods.MAX_YEAR)
any_period = st.one_of(
    st.builds(lambda y, m: Period(y, periods.MONTH, m), years, st.integers(1, 12)),
    st.builds(lambda y, q: Period(y, periods.QUARTER, q), years, st.integers(1, 4)),
    st.builds(lambda y: Period(y, periods.YEAR), years),
)


@given(any_period)
def test_period_text_round_trips_and_bounds_hold(p):
    assert periods.parse(str(p)) == p
    assert p.start <= p.end < p.stop and p.stop - p.end == timedelta(days=1)
    assert p.months[0] == p.start and len(p.months) == {"month": 1, "quarter": 3, "year": 12}[p.kind]
    assert all(m.day == 1 and p.contains(m) for m in p.months)
    assert not p.contains(p.stop) and not p.contains(p.start - timedelta(days=1))
    if p.year > periods.MIN_YEAR:
        assert p.previous().stop == p.start


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)), st.sampled_from(periods.KINDS))
def test_the_period_of_a_day_contains_it(day, kind):
    assert periods.of(kind, day).contains(day)


@given(st.text(max_size=12))
def test_parse_refuses_what_is_not_a_period(text):
    try:
        p = periods.parse(text)
    except PeriodError:
        return
    assert re.fullmatch(r"\d{4}(-(\d{1,2}|[Qq][1-4]))?", text.strip())  # only the three forms are taken
    assert periods.parse(str(p)) == p


@pytest.mark.parametrize("text", ["2026-13", "2026-0", "2026-Q5", "2026-Q0", "26-11", "2026/11", "", "1999",
                                  "2026-11-01", "abcd"])
def test_parse_refusals(text):
    with pytest.raises(PeriodError):
        periods.parse(text)


def test_parse_examples():
    assert periods.parse("2026-11") == Period(2026, "month", 11)
    assert periods.parse("2026-q4").start == date(2026, 10, 1) and periods.parse("2026-Q4").end == date(2026, 12, 31)
    assert periods.parse(" 2026 ").stop == date(2027, 1, 1)
    assert periods.parse("2026-2").end == date(2026, 2, 28) and periods.parse("2028-02").end == date(2028, 2, 29)


def test_every_module_registers_its_metrics():
    registry.reset()
    names = set(registry.registry())
    assert {"meetings.compliance", "meetings.attendance", "exams.participation", "exams.best_score",
            "learning.completion", "fees.payment_rate", "transfers.overdue"} <= names
    m = registry.get("transfers.overdue")
    assert (m.unit, m.higher_is_better) == (COUNT, False)
    assert all(isinstance(m.label, object) and str(m.label) for m in registry.registry().values())
    with pytest.raises(KeyError):
        registry.get("nope.nothing")


def test_discovery_refuses_a_name_twice(monkeypatch):
    import types

    from django.apps import apps

    fake = types.ModuleType("fake_metrics")
    dup = Metric("exams.participation", "x", PERCENT, True, lambda s, p: {})
    fake.METRICS = [dup]
    real = registry.import_module

    def fake_import(name):
        return fake if name == "dangjian.talks.metrics" else real(name)

    real_has = registry.module_has_submodule
    talks = apps.get_app_config("talks").module
    monkeypatch.setattr(registry, "module_has_submodule", lambda mod, name: mod is talks or real_has(mod, name))
    monkeypatch.setattr(registry, "import_module", fake_import)
    registry.reset()
    try:
        with pytest.raises(ValueError, match="registered twice"):
            registry.registry()
    finally:
        registry.reset()


def test_value_of_a_tally():
    m = Metric("x.rate", "x", PERCENT, True, None)
    assert m.value_of(Tally(1, 3)) == Decimal("33.3") and m.value_of(Tally(2, 3)) == Decimal("66.7")
    assert m.value_of(Tally(0, 0)) is None
    assert Metric("x.n", "n", COUNT, False, None).value_of(Tally(4)) == 4
    assert Metric("x.p", "p", "points", True, None).value_of(Tally(Decimal("250"), 3)) == Decimal("83.3")


@pytest.mark.django_db
def test_subtrees_and_roll_up(tree):
    s = Subtrees([tree.branch1, tree.group1, tree.branch2])
    assert list(s) == [tree.branch1, tree.branch2]  # group1 lies inside branch1
    assert s.common_path == tree.general.path
    assert {pk for pk, _p in s.orgs} == {tree.branch1.pk, tree.group1.pk, tree.branch2.pk}
    own = {tree.group1.path: Tally(1, 3), tree.branch1.path: Tally(1, 2), tree.branch2.path: Tally(2, 2),
           tree.general.path: Tally(5, 5)}
    up = roll_up(own, s)
    assert up == {tree.group1.pk: Tally(1, 3), tree.branch1.pk: Tally(2, 5), tree.branch2.pk: Tally(2, 2)}
    whole = Subtrees(registry.WHOLE_TREE)
    assert whole.whole and whole.common_path == ""
    assert roll_up(own, whole)[tree.committee.pk] == Tally(9, 12)
    assert Subtrees([tree.committee]).common_path == tree.committee.path
