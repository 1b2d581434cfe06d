"""Organisational life's figures in the platform registry (dangjian.metrics): how far the required meetings
(三会一课) were held, and how many of those invited signed in. Both answer for every organisation of the subtrees
at once, from the compliance read (monthly tallies) and one grouped query over the attendance of the period."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.metrics.registry import PERCENT, Metric, Tally, roll_up

from . import services


def compliance_tallies(subtrees, period, today=None):
    """Held ÷ due over the required meetings of the period, per the 三会一课 rules of `services.compliance` (the
    requirements in force, periods begun by `today`). A type's meetings count up to what it requires (holding four
    branch committee meetings in a month does not make up for a missing lesson)."""
    rows = services.compliance(subtrees.root, period.start, period.end, today=today or timezone.localdate())
    own = {}
    for row in rows:
        if not subtrees.contains(row["path"]):
            continue
        held = sum(min(c["held"], c["required"]) for c in row["cells"].values())
        due = sum(c["required"] for c in row["cells"].values())
        own[row["path"]] = Tally(held, due)
    return roll_up(own, subtrees)


def attendance_tallies(subtrees, period, now=None):
    """Signed in ÷ invited over the meetings held (started, not cancelled) in the period, by host organisation."""
    rows = services.attendance_by_org(subtrees.common_path, period.start, period.stop, now=now)
    own = {path: Tally(attended, invited) for path, invited, attended in rows if subtrees.contains(path)}
    return roll_up(own, subtrees)


METRICS = [
    Metric("meetings.compliance", _("Meeting compliance rate"), PERCENT, True, compliance_tallies,
           description=_("Required meetings held ÷ required (三会一课), over the periods begun"), order=10),
    Metric("meetings.attendance", _("Meeting attendance rate"), PERCENT, True, attendance_tallies,
           description=_("Invited people who signed in ÷ invited, over the meetings held"), order=11),
]
