"""Benchmarks on the scale data (python manage.py seed_scale first). See bench/README.md.

    DATABASE_URL=postgres://…/dangjian_bench DEBUG=1 python bench/run.py [-n 30] [--no-view]

For each case: the application path (the same query functions the member list and the statistics page call)
timed N times after a warm-up, then the SQL those calls sent — captured once — replayed raw through a cursor
in the same process. Prints median, p95 and the app/raw ratio of the medians.
"""

import argparse
import os
import statistics as stats
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")

import django  # noqa: E402

django.setup()

from common import p95, raw_replay, timed  # noqa: E402
from django.core.paginator import Paginator  # noqa: E402
from django.db import connection  # noqa: E402

from dangjian.accounts import rules as perms  # noqa: E402
from dangjian.accounts.models import Post, User  # noqa: E402
from dangjian.accounts.scoping import Scope  # noqa: E402
from dangjian.home.scale import ROOT_CODE  # noqa: E402
from dangjian.orgs.models import Organization, OrgType  # noqa: E402
from dangjian.people import queries  # noqa: E402
from dangjian.people.models import Person  # noqa: E402

PER_PAGE = 20


def user_over(org):
    """An unsaved user whose scope is a secretary's over `org` (no rows written)."""
    user = User(username=f"bench-{org.pk}")
    user._dangjian_scope = Scope(grants=dict.fromkeys(perms.ALL_PERMISSIONS, (org.path,)))
    return user


def member_page(user, params):
    """What people.views.person_list asks the database: counts by category, then one page of rows."""
    org_lookup = queries.org_lookup_for(user)
    qs = queries.filter_people(queries.visible_people(user), params, org_lookup=org_lookup)
    counts = queries.list_counts(user, params, qs, org_lookup=org_lookup)
    paginator = Paginator(qs.select_related("org", "group"), PER_PAGE)
    paginator.count = counts["total"]
    rows = list(paginator.get_page(params.get("page")).object_list)
    return counts["total"], len(rows)


def root_statistics(user):
    """What the home page shows: the statistics of the user's scope, from the per-organisation figures."""
    return queries.statistics_for(user)


def scan_statistics(user):
    """The same figures counted over the people themselves (the fallback, and the old way)."""
    return queries.statistics(queries.visible_people(user))


def view_case(org, params):
    """The whole page through the test client (middleware, template), as the branch secretary / root."""
    from django.test import Client

    holder = Post.objects.filter(org=org, end_date=None).select_related("person").first()
    if holder is None:
        return None
    user, _ = User.objects.get_or_create(username=f"bench_{org.pk}", defaults={"person": holder.person})
    client = Client()
    client.force_login(user)
    from urllib.parse import urlencode

    url = "/people/list/?" + urlencode(params)

    def fetch():
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    return fetch


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=30, help="timed runs per case")
    parser.add_argument("--view", action="store_true", help="also time the whole member page (test client)")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of each captured query")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a PostgreSQL session setting for the run, e.g. --set jit=off")
    parser.add_argument("--only", default="", help="run only the cases whose label contains this text")
    args = parser.parse_args()
    if args.set and connection.vendor == "postgresql":
        with connection.cursor() as cur:
            for item in args.set:
                name, value = item.split("=", 1)
                cur.execute(f"SET {name} = %s", [value])

    root = Organization.objects.filter(code=ROOT_CODE).first()
    if root is None:
        sys.exit("No scale data: run `python manage.py seed_scale` against this database first.")
    people = Person.objects.count()
    orgs = Organization.objects.count()
    branch = (Organization.objects.filter(path__startswith=root.path, org_type=OrgType.BRANCH)
              .order_by("path")[len(root.path) % 7 + 100:].first())
    sample = Person.objects.filter(scope_path__startswith=root.path).order_by("id").values_list("name", flat=True)
    surname = (sample[len(sample) // 2] if people else "王")[:1]
    search_term = (sample[people // 3] if people else "王伟")[:2]
    full_name = sample[people // 4] if people else "王伟"
    given = (sample[people // 5] if people else "王伟")[1:]
    root_user, branch_user = user_over(root), user_over(branch)
    vendor = connection.vendor
    version = ""
    if vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            version = cur.fetchone()[0]
    print(f"database: {vendor} {version}; {people:,} people, {orgs:,} organisations; "
          f"branch {branch.name} ({branch.pk}); n={args.n}; settings: {', '.join(args.set) or 'defaults'}")

    member_filter = {"members": "1", "sort": "name"}
    cases = [
        ("member page, branch (members, by name)", lambda: member_page(branch_user, member_filter)),
        ("member page, root (members, by name)", lambda: member_page(root_user, member_filter)),
        ("member page, root, filtered (women, college, 31–35)",
         lambda: member_page(root_user, {"members": "1", "gender": "2", "college": "1", "age_band": "31–35"})),
        ("member page, root, page 50", lambda: member_page(root_user, {**member_filter, "page": "50"})),
        ("statistics, whole tree", lambda: root_statistics(root_user)),
        ("statistics, one branch", lambda: root_statistics(branch_user)),
        ("statistics, whole tree, scanning the people", lambda: scan_statistics(root_user)),
        (f"name search at root ({search_term})", lambda: member_page(root_user, {"q": search_term})),
        (f"name search at root, one character ({surname})", lambda: member_page(root_user, {"q": surname})),
        (f"name search at root, given name ({given})", lambda: member_page(root_user, {"q": given})),
        (f"name search at root, whole name ({full_name})", lambda: member_page(root_user, {"q": full_name})),
    ]
    if args.view:
        for label, org in (("whole page (client), branch", branch), ("whole page (client), root", root)):
            fetch = view_case(org, member_filter)
            if fetch:
                cases.append((label, fetch))

    print(f"{'case':55} {'median':>9} {'p95':>9} {'raw med':>9} {'ratio':>6}")
    results = []
    for label, fn in cases:
        if args.only not in label:
            continue
        app = timed(fn, args.n)
        if label.startswith("whole page"):
            raw_med, ratio = None, None
        else:
            replay, sqls = raw_replay(fn)
            raw = timed(replay, args.n)
            raw_med = stats.median(raw)
            ratio = stats.median(app) / raw_med if raw_med else None
            if args.explain and vendor == "postgresql":
                with connection.cursor() as cur:
                    for sql in sqls:
                        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                        print("\n".join(r[0] for r in cur.fetchall()))
        results.append((label, stats.median(app), p95(app), raw_med, ratio))
        print(f"{label:55} {stats.median(app):8.1f}ms {p95(app):8.1f}ms "
              f"{(f'{raw_med:8.1f}ms' if raw_med is not None else '        —'):>9} "
              f"{(f'{ratio:5.2f}' if ratio else '    —'):>6}")
    return results


if __name__ == "__main__":
    main()
