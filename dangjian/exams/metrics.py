"""Exams' figures in the platform registry (dangjian.metrics): participation (答题率: members on the roll who
answered at least once in a month ÷ members on the roll) and the average best score, for every organisation of the
subtrees at once — from the monthly results (one row per person, month and tier) and the per-organisation people
figures (people.figures), never by going through the members of each organisation."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from dangjian.metrics.registry import PERCENT, POINTS, Metric, Tally, roll_up
from dangjian.people import figures as people_figures

from . import queries


def _best(subtrees, period):
    """The month's best results by organisation, read once for both figures when they are computed together."""
    return subtrees.shared(("exams.best_by_org", period), lambda: [
        r for r in queries.best_by_org(subtrees.common_path, period.months) if subtrees.contains(r[0])])


def participation_tallies(subtrees, period):
    """Person-months answered ÷ (members on the roll now × months of the period)."""
    n_months = len(period.months)
    own = {}
    for path, members in people_figures.by_org(subtrees.common_path, "m_total"):
        if subtrees.contains(path):
            own[path] = Tally(0, members * n_months)
    for path, answered, _total in _best(subtrees, period):
        seen = own.get(path, Tally(0, 0))
        own[path] = Tally(seen.numerator + answered, seen.denominator)
    return roll_up(own, subtrees)


def best_score_tallies(subtrees, period):
    """Σ of each member's best score of each month ÷ the person-months answered."""
    own = {path: Tally(Decimal(str(total or 0)), answered) for path, answered, total in _best(subtrees, period)}
    return roll_up(own, subtrees)


METRICS = [
    Metric("exams.participation", _("Exam participation rate"), PERCENT, True, participation_tallies,
           description=_("Members on the roll who answered in the month ÷ members on the roll"), order=30),
    Metric("exams.best_score", _("Average best exam score"), POINTS, True, best_score_tallies,
           description=_("Average of each member's best score of the month"), order=31),
]
