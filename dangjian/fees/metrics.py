"""Party fees' figure in the platform registry (dangjian.metrics): the payment rate of a period's dues months —
the report's "payment rate" (reports.py: paid ÷ due, a month overpaid counting as paid in full) for every
organisation of the subtrees at once."""

from django.utils.translation import gettext_lazy as _

from dangjian.metrics.registry import PERCENT, Metric, own_tallies, roll_up

from . import reports


def payment_tallies(subtrees, period):
    months = period.months
    rows = reports.by_org(subtrees.common_path, months[0], months[-1])
    return roll_up(own_tallies((path, paid, due) for path, due, paid in rows if subtrees.contains(path)), subtrees)


METRICS = [
    Metric("fees.payment_rate", _("Party fee payment rate"), PERCENT, True, payment_tallies,
           description=_("Dues paid ÷ dues of the months of the period"), order=50),
]
