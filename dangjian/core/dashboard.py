"""What the home page shows: the figures of the user's scope. Views stay thin; this reads through the
scoping helper like every other page."""

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts import rules as perms
from dangjian.accounts.models import Post
from dangjian.accounts.scoping import has_perm_anywhere, scope_for, scoped
from dangjian.orgs.models import Organization, OrgStatus
from dangjian.people.codes import AGE_BANDS, Education, Occupation, PoliticalStatus
from dangjian.people.queries import filter_people, list_counts, statistics_for, visible_people

WARNINGS_INLINE_LIMIT = 2000  # bigger subtrees show a link to the warnings list instead of computing inline


def my_posts(user, on=None):
    if not user.person_id:
        return []
    return list(Post.objects.active(on or timezone.localdate()).filter(person_id=user.person_id)
                .select_related("org").order_by("org__path"))


def scope_roots(user):
    """The top organisations of the user's scope for reading (their posts' organisations, minimal)."""
    scope = scope_for(user)
    if scope.superuser:
        return list(Organization.objects.filter(parent__isnull=True, status=OrgStatus.ACTIVE).order_by("path"))
    prefixes = scope.prefixes(perms.ORGS_READ)
    return list(Organization.objects.filter(path__in=prefixes).order_by("path")) if prefixes else []


def people_figures(user):
    """Headline counts and chart series for the people the user may read."""
    stats = statistics_for(user)
    total = stats["total"] or 0
    development = {"members": "", "political_status": [PoliticalStatus.APPLICANT, PoliticalStatus.ACTIVIST,
                                                       PoliticalStatus.CANDIDATE]}
    visible = visible_people(user)
    counts = list_counts(user, development, filter_people(visible, development))
    pending = {code: n for code, _label, n in counts["by_status"]}
    return {
        "stats": stats,
        "female_share": round(100 * stats["gender"]["2"] / total) if total else 0,
        "college_share": round(100 * stats["college"] / total) if total else 0,
        "development": [(label, pending.get(value, 0)) for value, label in PoliticalStatus.choices
                        if value in (PoliticalStatus.APPLICANT, PoliticalStatus.ACTIVIST, PoliticalStatus.CANDIDATE)],
        "charts": {
            "category": [{"name": str(PoliticalStatus.FULL.label), "value": stats["full"]},
                         {"name": str(PoliticalStatus.PROBATIONARY.label), "value": stats["probationary"]}],
            "age": {"labels": [label for label, _l, _h in AGE_BANDS],
                    "values": [stats["age_band"][label] for label, _l, _h in AGE_BANDS]},
            "education": [{"name": str(label), "value": stats["education"].get(code, 0)}
                          for code, label in Education.choices if stats["education"].get(code)],
            "occupation": [{"name": str(label), "value": stats["occupation"].get(code, 0)}
                           for code, label in Occupation.choices if stats["occupation"].get(code)],
            "titles": {"category": _("Members by category"), "age": _("Members by age band"),
                       "education": _("Members by education"), "occupation": _("Members by occupation")},
        },
    }


def transfer_figures(user, today=None):
    if not has_perm_anywhere(user, perms.TRANSFERS_MANAGE):
        return None
    from dangjian.transfers.models import Transfer, TransferState

    today = today or timezone.localdate()
    scope = scope_for(user)
    qs = scoped(Transfer.objects.filter(state=TransferState.PENDING), user, perms.TRANSFERS_MANAGE)
    if scope.superuser:
        incoming_q = Q(to_org__isnull=False)
    else:
        incoming_q = Q(pk__in=[])
        for p in scope.prefixes(perms.TRANSFERS_MANAGE):
            incoming_q |= Q(to_org__path__startswith=p)
    row = qs.aggregate(pending=Count("id"), incoming=Count("id", filter=incoming_q),
                       overdue=Count("id", filter=Q(expires_on__lt=today)))
    return row


def warning_figures(user, roots):
    from dangjian.orgs.services import subtree_warnings

    if not has_perm_anywhere(user, perms.ORGS_READ) or not roots:
        return None
    size = Organization.objects.filter(
        _paths_q(roots), status=OrgStatus.ACTIVE).count()
    if size > WARNINGS_INLINE_LIMIT:
        return {"too_many": True, "orgs": size}
    found = []
    for root in roots:
        found.extend(subtree_warnings(root))
    return {"too_many": False, "orgs": size, "count": sum(len(ws) for _o, ws in found), "items": found[:6]}


def _paths_q(roots):
    q = Q(pk__in=[])
    for r in roots:
        q |= Q(path__startswith=r.path)
    return q


def upcoming_meetings(user, limit=3):
    """The next meetings the user is invited to (not cancelled), soonest first."""
    if not user.person_id:
        return []
    from dangjian.meetings.models import Attendance, MeetingState

    rows = (Attendance.objects.filter(person_id=user.person_id, expected=True, meeting__ends_at__gte=timezone.now())
            .exclude(meeting__state=MeetingState.CANCELLED).select_related("meeting", "meeting__org")
            .order_by("meeting__starts_at")[:limit])
    return list(rows)


def meeting_figures(user, roots):
    """This year's organisational life at a glance: how many organisations are on track, behind, short."""
    if not has_perm_anywhere(user, perms.MEETINGS_READ) or not roots:
        return None
    from dangjian.meetings import rules as meeting_rules
    from dangjian.meetings.services import compliance

    size = Organization.objects.filter(_paths_q(roots), status=OrgStatus.ACTIVE).count()
    if size > WARNINGS_INLINE_LIMIT:
        return {"too_many": True, "orgs": size}
    today = timezone.localdate()
    rows = []
    for root in roots:
        rows.extend(compliance(root, today.replace(month=1, day=1), today, today=today))
    totals = {v: sum(1 for r in rows if r["verdict"] == v)
              for v in (meeting_rules.GREEN, meeting_rules.AMBER, meeting_rules.RED)}
    return {"too_many": False, "totals": totals, "short": [r for r in rows if r["verdict"] == meeting_rules.RED][:5]}


def fee_todo(user):
    """The Party-fee items of the to-do list (unpaid this month before the month ends, Article 13 flags,
    declarations and reliefs awaiting a decision, members without a base) for fee collectors and managers."""
    if not has_perm_anywhere(user, perms.FEES_COLLECT):
        return []
    from dangjian.fees.bases import todo_for

    return todo_for(user)


def my_exams(user):
    """This month's exams at a glance for a person: the tiers open, best scores, an exam in progress."""
    if not user.person_id:
        return None
    from dangjian.exams import rules, services

    tiers, _config = services.my_month(user.person, rules.month_of(timezone.localdate()))
    if not any(t["open"] or t["best"] for t in tiers):
        return None
    return {"tiers": tiers, "current": services.open_attempt(user.person_id)}
