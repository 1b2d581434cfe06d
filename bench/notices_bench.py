"""Notices at scale on PostgreSQL (a script, not a test):

1. an announcement to N recipients (default 1,000,000; target < 60 s): the people are cloned in SQL under a bench
   committee, then the announcement is published through services.publish — the same batched path as the page
   and the API (tasks.write_recipients inline, one notice and one receipt per recipient, bulk_create per batch);
2. the bell: the notices table topped up to M rows (default 10,000,000; 1 in 20 unread) in SQL, then
   services.unread_count timed for random people (target ≤ 5 ms), with the plan PostgreSQL chose.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dj_bench python manage.py migrate
    DATABASE_URL=… python bench/notices_bench.py [-n 1000000] [--notices 10000000] [--force]

The database's name must contain "bench" (or pass --force): the script truncates the notices tables.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")

import django  # noqa: E402

django.setup()

from common import p95, timed  # noqa: E402
from django.db import connection  # noqa: E402

from dangjian.core.context import acting_as  # noqa: E402
from dangjian.notices import services  # noqa: E402
from dangjian.notices.models import Notice  # noqa: E402
from dangjian.orgs.models import Organization  # noqa: E402
from dangjian.people.models import Person  # noqa: E402

CODE = "NOTICES-BENCH"


def _guard(force):
    name = connection.settings_dict.get("NAME", "")
    if connection.vendor != "postgresql" or ("bench" not in name and not force):
        sys.exit(f"Run on a PostgreSQL benchmark database (its name contains 'bench', or --force), not {name!r}.")


def _people(n):
    """The bench committee with n on-roll Party members (cloned from one in SQL)."""
    from dangjian.orgs import services as org_services

    org = Organization.objects.filter(code=CODE).first()
    if org is None:
        org = org_services.create_org(None, org_type="committee", name="通知压测党委", code=CODE)
    have = Person.objects.filter(scope_path__startswith=org.path).count()
    if have == 0:
        Person.objects.create(name="压测党员", gender="1", political_status="full", education="21",
                              work_post="015", ethnicity="01", org=org, scope_path=org.path)
        have = 1
    if have < n:
        fields = [f.column for f in Person._meta.concrete_fields if f.column != "id"]
        picked = ", ".join("NULL" if c == "id_number_hash" else ("'压测' || g" if c == "name" else f'p."{c}"')
                           for c in fields)
        cols = ", ".join(f'"{c}"' for c in fields)
        t = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute(f"INSERT INTO people_person ({cols}) SELECT {picked} FROM people_person p, "
                        f"generate_series(1, %s) g WHERE p.id = (SELECT min(id) FROM people_person "
                        f"WHERE scope_path LIKE %s)", [n - have, org.path + "%"])
            cur.execute("VACUUM ANALYZE people_person")
        print(f"{n - have} people cloned in {time.perf_counter() - t:.1f}s")
    return org


def announce(org, n):
    with connection.cursor() as cur:
        cur.execute("TRUNCATE notices_receipt, notices_notice, notices_attachment, "
                    "notices_announcement_audience_orgs, notices_announcement CASCADE")
    t = time.perf_counter()
    with acting_as(None, via="bench"):
        ann = services.publish(None, org, title="压测通知", body="<p>请全体党员阅读。</p>", must_read=True)
    took = time.perf_counter() - t
    print(f"announcement to {ann.recipients_written} recipients ({ann.state}): {took:.1f}s "
          f"({ann.recipients_written / took:,.0f} recipients/s; target for 1,000,000: < 60 s)")
    return took


def badge(org, total, samples=200):
    have = Notice.objects.count()
    if have < total:
        lo, hi = (Person.objects.filter(scope_path__startswith=org.path).order_by("id")
                  .values_list("id", flat=True)[:1][0],
                  Person.objects.filter(scope_path__startswith=org.path).order_by("-id")
                  .values_list("id", flat=True)[:1][0])
        t = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute("INSERT INTO notices_notice (person_id, kind, title, body, link, created_at, read_at) "
                        "SELECT %s + (g %% %s), 'bench', '压测消息', '', '', now() - (g || ' seconds')::interval, "
                        "CASE WHEN g %% 20 = 0 THEN NULL ELSE now() END FROM generate_series(1, %s) g",
                        [lo, hi - lo + 1, total - have])
            cur.execute("VACUUM ANALYZE notices_notice")
        print(f"{total - have} notices added in {time.perf_counter() - t:.1f}s")
    ids = list(Person.objects.filter(scope_path__startswith=org.path).values_list("id", flat=True)[:100000])
    rng = random.Random(7)

    class U:
        person_id = None

    user = U()

    def one():
        user.person_id = rng.choice(ids)
        services.unread_count(user)

    ms = timed(one, samples, warmup=20)
    with connection.cursor() as cur:
        cur.execute("EXPLAIN SELECT COUNT(*) FROM notices_notice WHERE person_id = %s AND read_at IS NULL", [ids[0]])
        plan = " / ".join(r[0].strip() for r in cur.fetchall())
    print(f"unread badge with {Notice.objects.count():,} notices: median {statistics.median(ms):.2f} ms, "
          f"p95 {p95(ms):.2f} ms (target ≤ 5 ms); plan: {plan}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1_000_000, help="recipients of the announcement")
    parser.add_argument("--notices", type=int, default=10_000_000, help="rows in the notices table for the badge")
    parser.add_argument("--force", action="store_true", help="run on a database whose name lacks 'bench'")
    args = parser.parse_args(argv)
    _guard(args.force)
    org = _people(args.n)
    announce(org, args.n)
    badge(org, args.notices)


if __name__ == "__main__":
    main()
