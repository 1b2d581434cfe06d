"""The registry of what an organisation publishes. A kind says how long it is displayed, whether the days are
working days (a 公示 counts working days), and whether the audience may object or comment — named, or also
anonymously.

Later modules register their own kinds (in their AppConfig.ready) and publish through
`dangjian.publications.services.publish`:

    from dangjian.publications import kinds
    kinds.register(kinds.Kind("development_candidate", _("公示 of a development candidate"), notice=True,
                              min_days=5, counts_working_days=True, allows_objections=True, allows_anonymous=True))
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.core.errors import DomainError


@dataclass(frozen=True)
class Kind:
    code: str
    label: str  # a lazy translation
    notice: bool = False  # a 公示: a display period with a minimum, and usually objections
    min_days: int = 0  # the shortest display period (working days when counts_working_days)
    default_days: int = 0  # the period the form proposes (0: open-ended for a disclosure item)
    counts_working_days: bool = False
    allows_objections: bool = False
    allows_anonymous: bool = False
    default_audience: str = "members"


_REGISTRY: dict[str, Kind] = {}


def register(kind):
    """Add (or replace, for a module's reload) a kind. Returns it."""
    _REGISTRY[kind.code] = kind
    return kind


def get(code, field="kind"):
    kind = _REGISTRY.get(code)
    if kind is None:
        raise DomainError(_("Choose a kind of publication."), field=field)
    return kind


def all_kinds():
    return list(_REGISTRY.values())


def choices():
    return [(k.code, k.label) for k in _REGISTRY.values()]


DISCLOSURE = register(Kind("disclosure", gettext_lazy("Party affairs disclosure item")))
NOTICE = register(Kind("notice", gettext_lazy("Public notice (公示)"), notice=True, min_days=5, default_days=5,
                       counts_working_days=True, allows_objections=True, allows_anonymous=True))
DEVELOPMENT = register(Kind("development_candidate", gettext_lazy("Public notice of a development candidate"),
                            notice=True, min_days=5, default_days=5, counts_working_days=True,
                            allows_objections=True, allows_anonymous=True))
ELECTION = register(Kind("election_result", gettext_lazy("Public notice of an election result"), notice=True,
                         min_days=5, default_days=5, counts_working_days=True, allows_objections=True,
                         allows_anonymous=False))
ASSESSMENT = register(Kind("assessment_result", gettext_lazy("Published assessment results"), notice=True,
                           min_days=5, default_days=5, counts_working_days=True, allows_objections=True,
                           allows_anonymous=False))
FEE_DISCLOSURE = register(Kind("fee_disclosure", gettext_lazy("Yearly Party fee disclosure")))
