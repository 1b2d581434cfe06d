"""Pure rules of the organisation tree (domain.md §1): placement, and the warnings shown to secretaries."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core import params

from .models import OrgType

# Which parent types each type may sit under; None = may be a root.
ALLOWED_PARENTS = {
    OrgType.HIGHER_COMMITTEE: {None, OrgType.HIGHER_COMMITTEE},
    OrgType.COMMITTEE: {None, OrgType.HIGHER_COMMITTEE, OrgType.COMMITTEE},
    OrgType.GENERAL_BRANCH: {OrgType.HIGHER_COMMITTEE, OrgType.COMMITTEE},
    OrgType.BRANCH: {OrgType.HIGHER_COMMITTEE, OrgType.COMMITTEE, OrgType.GENERAL_BRANCH},
    OrgType.GROUP: {OrgType.BRANCH},
}


def placement_error(org_type, parent_type):
    """None if an organisation of `org_type` may sit under a parent of `parent_type` (None = root),
    else the message explaining why not."""
    allowed = ALLOWED_PARENTS[OrgType(org_type)]
    if parent_type in allowed or (parent_type is not None and OrgType(parent_type) in allowed):
        return None
    if org_type == OrgType.GROUP:
        return _("A Party group can only be set up inside a Party branch.")
    if parent_type is None:
        return _("Only a Party committee can be the top of a tree; choose a parent organisation.")
    return _("A %(child)s cannot be placed under a %(parent)s.") % {
        "child": OrgType(org_type).label, "parent": OrgType(parent_type).label}


@dataclass(frozen=True)
class Warning:
    code: str
    message: str
    level: str = "warning"  # bootstrap colour: warning / danger


@dataclass(frozen=True)
class OrgFacts:
    """What the warnings need to know about one organisation (gathered in bulk by services.org_facts)."""

    org_type: str
    full_members: int
    committee_posts: int
    has_secretary: bool
    term_end: date | None


def warnings_for(facts: OrgFacts, today: date | None = None):
    today = today or timezone.localdate()
    out = []
    is_branch = facts.org_type == OrgType.BRANCH
    min_full = params.get("branch.min_full_members", today)
    committee_at = params.get("branch.committee_threshold", today)
    committee_posts = params.get("branch.committee_min_posts", today)
    warn_days = params.get("org.term_warning_days", today)
    if is_branch and facts.full_members < min_full:
        out.append(Warning("few_members", _("Fewer than %(n)s full members (%(count)s): a branch needs at least "
                                            "%(n)s; consider a joint branch.") % {"n": min_full,
                                                                                   "count": facts.full_members},
                           "danger"))
    if is_branch and facts.full_members >= committee_at and facts.committee_posts < committee_posts:
        out.append(Warning("no_committee", _("%(count)s full members but no branch committee: a branch with %(n)s "
                                             "or more full members elects a committee.") % {
            "count": facts.full_members, "n": committee_at}))
    if facts.org_type != OrgType.GROUP and facts.term_end:
        if facts.term_end < today:
            out.append(Warning("term_expired", _("The committee term ended on %(date)s: re-election is overdue.")
                               % {"date": facts.term_end.isoformat()}, "danger"))
        elif facts.term_end <= today + timedelta(days=warn_days):
            out.append(Warning("term_expiring", _("The committee term ends on %(date)s, within %(n)s days: "
                                                  "prepare the re-election.") % {
                "date": facts.term_end.isoformat(), "n": warn_days}))
    if facts.org_type != OrgType.GROUP and not facts.has_secretary:
        out.append(Warning("no_secretary", _("No secretary in post."), "danger"))
    return out


WARNING_CODES = {
    "few_members": _("Branch with too few full members"),
    "no_committee": _("Branch that should have a committee"),
    "term_expired": _("Committee term expired"),
    "term_expiring": _("Committee term ending soon"),
    "no_secretary": _("No secretary"),
}
