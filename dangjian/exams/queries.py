"""Reading exam results: monthly rankings of a subtree, the champions of its organisations, the participation
rate (答题率) per organisation and a person's history. Each reads MonthlyResult (one row per person, month and
tier, kept as attempts are scored) in a fixed number of queries whatever the size of the subtree."""

from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import has_perm, scope_for
from dangjian.orgs.models import Organization, OrgStatus, OrgType, lineage
from dangjian.people.codes import MEMBER_STATUSES, ON_ROLL
from dangjian.people.models import Person

from . import rules
from .models import Attempt, MonthlyResult

READ = perms.LEARNING_READ


def may_see_ranking(user, org):
    """Holders of learning:read over the organisation, and its own members (a ranking is shown to those ranked)."""
    return has_perm(user, READ, org) or any(p.startswith(org.path) for p in scope_for(user).own_paths)


def ranking_org_or_404(user, pk):
    org = Organization.objects.filter(pk=pk).first() if str(pk).isdigit() else None
    if org is None or not may_see_ranking(user, org):
        raise Http404
    return org


def ranking(path, month, members=True, limit=None):
    """Everyone's month in the subtree at `path`, best first: each person's best result over the tiers (score,
    then the harder tier, then the shorter time, then the earlier finish). Rows are dicts with rank."""
    rows = (MonthlyResult.objects.filter(month=month, org_path__startswith=path, is_member=members)
            .order_by("-score", "tier_rank", "seconds", "finished_at", "person_id")
            .values("person_id", "person__name", "org_path", "tier", "score", "seconds", "finished_at", "attempts"))
    seen, result = set(), []
    for row in rows:
        if row["person_id"] in seen:
            continue
        seen.add(row["person_id"])
        row["rank"] = len(result) + 1
        result.append(row)
        if limit and len(result) >= limit:
            break
    _name_orgs(result)
    return result


def _name_orgs(rows):
    paths = {r["org_path"] for r in rows}
    names = dict(Organization.objects.filter(path__in=paths).values_list("path", "name"))
    for r in rows:
        r["org_name"] = names.get(r["org_path"], "")


def champions(path, month, org_types=(OrgType.GROUP, OrgType.BRANCH, OrgType.GENERAL_BRANCH), members=True,
              rows=None):
    """The best person of every organisation of those kinds in the subtree at `path` (one who took part):
    [(organisation, row)] in tree order."""
    orgs = list(Organization.objects.filter(path__startswith=path, org_type__in=org_types, status=OrgStatus.ACTIVE)
                .order_by("path"))
    by_path = {o.path: o for o in orgs}
    best = {}
    for row in rows if rows is not None else ranking(path, month, members=members):
        for p in lineage(row["org_path"]):
            if p in by_path and p not in best:
                best[p] = row
    return [(o, best[o.path]) for o in orgs if o.path in best]


def participation(org, month):
    """答题率 of the organisation and of each organisation directly under it: members on the roll now, how many
    answered at least once this month, and the rate. One grouped query over the subtree's people."""
    took = MonthlyResult.objects.filter(person=OuterRef("pk"), month=month)
    rows = (Person.objects.filter(scope_path__startswith=org.path, political_status__in=MEMBER_STATUSES,
                                  status__in=ON_ROLL)
            .values("scope_path").annotate(members=Count("id"), answered=Count("id", filter=Q(Exists(took)))))
    children = list(Organization.objects.filter(parent=org, status=OrgStatus.ACTIVE).order_by("path"))
    total = {"org": org, "members": 0, "answered": 0}
    per_child = {c.path: {"org": c, "members": 0, "answered": 0} for c in children}
    width = len(org.path) + 8
    for row in rows:
        total["members"] += row["members"]
        total["answered"] += row["answered"]
        bucket = per_child.get(row["scope_path"][:width])
        if bucket is not None:
            bucket["members"] += row["members"]
            bucket["answered"] += row["answered"]
    for entry in [total, *per_child.values()]:
        entry["rate"] = rate(entry["answered"], entry["members"])
    return total, list(per_child.values())


def best_by_org(prefix, months, members=True):
    """[(organisation path, person-months answered, Σ of those best scores)] of the months `months` (first days)
    under `prefix`: each person's best score of a month over the tiers (the score that counts in the ranking),
    in the organisation where they answered. One grouped query over MonthlyResult (a row per person, month, tier)."""
    from django.db import connection

    table = connection.ops.quote_name(MonthlyResult._meta.db_table)
    marks = ", ".join(["%s"] * len(months))
    sql = f"""
        SELECT org_path, COUNT(*), SUM(best) FROM (
            SELECT person_id, month, MAX(org_path) AS org_path, MAX(score) AS best FROM {table}
            WHERE month IN ({marks}) AND is_member = %s AND org_path LIKE %s
            GROUP BY person_id, month
        ) b GROUP BY org_path"""
    with connection.cursor() as cur:
        cur.execute(sql, [*months, members, prefix + "%"])
        return cur.fetchall()


def rate(part, whole):
    return round(100 * part / whole, 1) if whole else None


def history(person, limit=24):
    """The person's months, newest first: best per tier and attempts."""
    months = {}
    for r in (MonthlyResult.objects.filter(person=person).order_by("-month", "tier_rank")
              .values("month", "tier", "score", "seconds", "attempts", "attempt_id")):
        months.setdefault(r["month"], []).append(r)
    return sorted(months.items(), key=lambda kv: kv[0], reverse=True)[:limit]


def recent_attempts(person, limit=30):
    return list(Attempt.objects.filter(person=person).order_by("-started_at")[:limit])


def month_choices(today, back=12):
    month = rules.month_of(today)
    return [rules.add_months(month, -i) for i in range(back)]
