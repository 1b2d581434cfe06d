"""Each registered metric's value on a small tree with known data: a subtree's figure is the sum of what was done
over the sum of what was due (never an average of the children's figures), and every organisation of the asked
subtrees is answered at once."""

from decimal import Decimal

import pytest

from dangjian.metrics import periods, registry
from dangjian.metrics.registry import WHOLE_TREE

from . import metrics_fixtures as fx

pytestmark = pytest.mark.django_db
D = Decimal


def values(name, orgs, period):
    return registry.metrics_for(orgs, period, [name])[name]


def figures(name, tree, period, orgs=None):
    found = values(name, orgs or [tree.committee], period)
    return {key: found[getattr(tree, key).pk].value
            for key in ("committee", "general", "branch1", "branch2", "group1")}


def test_meeting_compliance_is_held_over_due_of_the_subtree(tree):
    fx.meetings_march_2025(tree)
    got = figures("meetings.compliance", tree, "2025-03")
    # a branch owes six meetings in March (committee, theme day, and the quarter's, the year's ones begun),
    # a group one; two committee meetings count as one
    assert got["group1"] == D("100.0")
    assert got["branch2"] == D("66.7")  # 4 of 6
    assert got["branch1"] == D("42.9")  # (2 + 1) of (6 + 1): the subtree, group included
    assert got["general"] == D("53.8")  # 7 of 13, not the average 54.8 of 42.9 and 66.7
    v = registry.metric("meetings.compliance", tree.general, periods.parse("2025-03"))
    assert (v.numerator, v.denominator, v.unit, v.higher_is_better) == (7, 13, "%", True)


def test_meeting_compliance_reuses_the_compliance_rule(tree):
    """The figure's denominator is the sum of `required` of meetings.services.compliance's cells."""
    from datetime import date

    from dangjian.meetings.services import compliance

    fx.meetings_march_2025(tree)
    rows = compliance(tree.general, date(2025, 3, 1), date(2025, 3, 31))
    due = sum(c["required"] for r in rows for c in r["cells"].values())
    assert registry.metric("meetings.compliance", tree.general, "2025-03").denominator == due


def test_meeting_attendance_is_signed_in_over_invited(tree):
    fx.meetings_march_2025(tree)
    got = figures("meetings.attendance", tree, "2025-03")
    assert got["group1"] == D("100.0")  # 3 of 3
    assert got["branch2"] == D("50.0")  # 4 of 8
    assert got["branch1"] == D("33.3")  # (3 + 3) of (15 + 3)
    assert got["general"] == D("38.5")  # 10 of 26
    assert figures("meetings.attendance", tree, "2025-04")["branch1"] is None  # nothing held: no figure


def test_exam_participation_and_best_score(tree):
    fx.exam_results(tree)
    part = figures("exams.participation", tree, "2026-11")
    assert part["group1"] == D("33.3")  # 1 of 3
    assert part["branch1"] == D("40.0")  # 2 of 5
    assert part["branch2"] == D("50.0")  # 1 of 2 (the 群众's result does not count)
    assert part["general"] == D("42.9")  # 3 of 7, not 45
    best = figures("exams.best_score", tree, "2026-11")
    assert best["group1"] == D("90.0")  # the better of the two tiers
    assert best["branch1"] == D("75.0")
    assert best["general"] == D("83.3")  # (90 + 60 + 100) / 3, not (75 + 100) / 2
    v = registry.metric("exams.best_score", tree.general, "2026-11")
    assert (v.numerator, v.denominator, v.unit) == (D("250.00"), 3, "points")
    # a quarter: person-months over member-months
    q = figures("exams.participation", tree, "2026-Q4")
    assert q["general"] == D("14.3")  # 3 of 7 × 3


def test_learning_completion(tree):
    fx.learning_march_2026(tree)
    got = figures("learning.completion", tree, "2026-03")
    assert got["group1"] == D("16.7")  # 1 of 6 (two items to each of 3)
    assert got["branch1"] == D("20.0")  # 2 of 10
    assert got["branch2"] == D("50.0")  # 1 of 2
    assert got["general"] == D("25.0")  # 3 of 12
    april = figures("learning.completion", tree, "2026-04")
    assert april["general"] == D("14.3")  # 1 of 7
    assert figures("learning.completion", tree, "2026-05")["general"] is None


def test_fee_payment_rate_reuses_the_report_figures(tree):
    from datetime import date

    from dangjian.fees import reports

    fx.fees_jan_2026(tree)
    got = figures("fees.payment_rate", tree, "2026-01")
    assert got["group1"] == D("100.0")  # overpaid counts as paid in full
    assert got["branch1"] == D("80.0")  # 40 of 50
    assert got["branch2"] == D("50.0")
    assert got["general"] == D("63.6")  # 70 of 110, not 65
    assert reports.report(tree.general, date(2026, 1, 1), date(2026, 1, 1)).total["rate"] == got["general"]
    assert figures("fees.payment_rate", tree, "2026-02")["general"] is None


def test_overdue_transfers_count_once_per_subtree(tree):
    fx.transfers(tree)
    feb = figures("transfers.overdue", tree, "2026-02")
    assert feb == {"committee": 1, "general": 1, "branch1": 1, "branch2": 1, "group1": 1}  # T1 both sides, once
    mar = figures("transfers.overdue", tree, "2026-03")
    assert (mar["general"], mar["branch1"], mar["branch2"], mar["group1"]) == (2, 2, 1, 1)
    assert figures("transfers.overdue", tree, "2025-12")["general"] == 0
    assert registry.metric("transfers.overdue", tree.branch2, "2026-03").higher_is_better is False


def test_many_roots_and_the_whole_tree_agree(tree):
    fx.exam_results(tree)
    one = values("exams.best_score", [tree.branch1, tree.branch2, tree.group1], "2026-11")
    assert set(one) == {tree.branch1.pk, tree.branch2.pk, tree.group1.pk}  # group1 inside branch1
    whole = values("exams.best_score", WHOLE_TREE, "2026-11")
    for pk, v in one.items():
        assert whole[pk] == v
    assert whole[tree.committee.pk].value == D("83.3")


def test_a_subtree_without_activity(tree):
    """Nothing happened in branch2 in November 2026: what was due shows as 0 %, what had nothing to be computed
    from has no figure (None, not 0), a count is 0."""
    got = {name: by_org[tree.branch2.pk] for name, by_org in registry.metrics_for([tree.branch2], "2026-11").items()}
    assert (got["meetings.compliance"].value, got["meetings.compliance"].denominator) == (D("0.0"), 6)
    assert (got["exams.participation"].value, got["exams.participation"].denominator) == (D("0.0"), 2)
    for name in ("meetings.attendance", "exams.best_score", "learning.completion", "fees.payment_rate"):
        assert got[name].value is None and not got[name].denominator, name
    assert got["transfers.overdue"].value == 0


def test_participation_and_best_score_read_the_results_once(tree, django_assert_num_queries):
    fx.exam_results(tree)
    from dangjian.metrics.registry import Subtrees

    subtrees = Subtrees([tree.general])
    list(subtrees.orgs)
    with django_assert_num_queries(2):  # the results once (shared by both figures), the people figures once
        registry.metrics_for(subtrees, "2026-11", ["exams.participation", "exams.best_score"])
