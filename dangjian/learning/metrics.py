"""Learning's figure in the platform registry (dangjian.metrics): the completion rate of the items published in
the period (completed ÷ assigned over the members on the roll, as on the completion-rates page), for every
organisation of the subtrees at once."""

from django.utils.translation import gettext_lazy as _

from dangjian.metrics.registry import PERCENT, Metric, own_tallies, roll_up

from . import services


def completion_tallies(subtrees, period):
    rows = services.completion_by_org(subtrees.common_path, period.start, period.stop)
    return roll_up(own_tallies((p, done, assigned) for p, assigned, done in rows if subtrees.contains(p)), subtrees)


METRICS = [
    Metric("learning.completion", _("Learning completion rate"), PERCENT, True, completion_tallies,
           description=_("Assigned items completed ÷ assigned, for the items published in the period"), order=40),
]
