"""Platform figures: every registered metric (dangjian.metrics) for all organisations of one month, and for one
committee's subtree, on the seed_scale data. See docs/metrics.md.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dangjian_bench DEBUG=1 \
        python bench/metrics_bench.py prepare [--month 2026-11] [--share 0.6] [--seed 1]
    DATABASE_URL=… python bench/metrics_bench.py run [--month 2026-11] [-n 5] [--only NAME]

prepare — adds what the other benches do not make: a best exam result of `--month` for a share of the Party
members on the roll (one submitted attempt and its MonthlyResult each), and the month's fee dues of every member
on the roll with payments for about nine in ten (bulk-written, not audited; earlier rows of that month are removed
first: a benchmark database only). Meetings come from `bench/meetings.py compliance --generate-only` (then
`manage.py meeting_tally --rebuild`).

run — times `metrics_for(WHOLE_TREE, month)` (every metric, every organisation) and `metrics_for([committee],
month)` for the committee with the most organisations under it, each metric on its own and all together: median
and p95 of `-n` runs after one warm-up, the queries each sends. Targets (issue): whole tree < 10 s in all on
PostgreSQL, one committee < 200 ms. Results go to bench/results/metrics-<date>.json.
"""

import argparse
import json
import os
import platform
import random
import statistics as stats
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")

import django  # noqa: E402

django.setup()

from common import p95  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from dangjian.metrics import periods, registry  # noqa: E402
from dangjian.metrics.registry import WHOLE_TREE  # noqa: E402
from dangjian.orgs.models import Organization, OrgStatus, OrgType  # noqa: E402

BENCH_NOTE = "bench-metrics"


def _database():
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        if db.get("HOST") != "127.0.0.1":
            sys.exit(f"Refusing to run against host {db.get('HOST')!r}: only 127.0.0.1.")
        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            return f"PostgreSQL {cur.fetchone()[0]}, database {db['NAME']}"
    return f"{connection.vendor} {db['NAME']}"


def prepare(month, share, seed):
    from dangjian.exams.models import Attempt, AttemptState, MonthlyResult, MonthlySet, SetState, Tier
    from dangjian.fees.models import Due, Payment
    from dangjian.people.codes import MEMBER_STATUSES, ON_ROLL
    from dangjian.people.models import Person

    rng = random.Random(seed)
    root = Organization.objects.filter(parent__isnull=True).order_by("path").first()
    with transaction.atomic():
        sets = {}
        for tier in (Tier.A, Tier.B, Tier.C):
            sets[tier], _ = MonthlySet.objects.get_or_create(
                org=root, month=month, tier=tier, defaults={"org_path": root.path, "state": SetState.OPEN,
                                                            "note": BENCH_NOTE})
        ids = [s.pk for s in sets.values() if s.note == BENCH_NOTE]
        MonthlyResult.objects.filter(attempt__exam_set_id__in=ids).delete()
        Attempt.objects.filter(exam_set_id__in=ids).delete()
        people = list(Person.objects.filter(status__in=ON_ROLL, political_status__in=MEMBER_STATUSES)
                      .values_list("id", "scope_path", "org_id"))
        chosen = [p[:2] for p in people if rng.random() < share]
        at = timezone.make_aware(datetime(month.year, month.month, 12, 9))
        attempts = []
        for pid, path in chosen:
            tier = rng.choice("ABC")
            score = Decimal(rng.randrange(40, 101))
            attempts.append(Attempt(person_id=pid, org_path=path, is_member=True, exam_set=sets[tier], month=month,
                                    tier=tier, state=AttemptState.SUBMITTED, started_at=at,
                                    deadline=at + timedelta(minutes=30), finished_at=at + timedelta(minutes=20),
                                    seconds=1200, total=20, correct=int(score) // 5, score=score,
                                    passed=score >= 60))
        Attempt.objects.bulk_create(attempts, batch_size=5000)
        MonthlyResult.objects.bulk_create(
            [MonthlyResult(person_id=a.person_id, month=month, tier=a.tier, tier_rank="ABC".index(a.tier),
                           org_path=a.org_path, is_member=True, attempt_id=a.pk, score=a.score, seconds=a.seconds,
                           finished_at=a.finished_at) for a in attempts], batch_size=5000)
        # the month's dues for every member, paid by about nine in ten (a few partly)
        Payment.objects.filter(month=month).delete()
        Due.objects.filter(month=month).delete()
        dues = Due.objects.bulk_create([Due(person_id=pid, month=month, org_id=org_id, scope_path=path,
                                            category="in_service", amount=Decimal(rng.randrange(5, 120)))
                                        for pid, path, org_id in people], batch_size=5000)
        paid_on = month.replace(day=15)
        Payment.objects.bulk_create([
            Payment(person_id=d.person_id, month=month, due=d, amount=d.amount if rng.random() < 0.95 else d.amount / 2,
                    voluntary=Decimal(0), method="cash", paid_on=paid_on, org_id=d.org_id, scope_path=d.scope_path)
            for d in dues if rng.random() < 0.9], batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE fees_due")
            cur.execute("ANALYZE fees_payment")
            cur.execute("ANALYZE exams_attempt")
            cur.execute("ANALYZE exams_monthlyresult")
    print(f"{len(attempts)} exam results and {len(dues)} dues of {month:%Y-%m} for {len(people)} members on the roll")


def _committee():
    """The committee with the most organisations under it."""
    best, size = None, -1
    for c in Organization.objects.filter(org_type=OrgType.COMMITTEE, status=OrgStatus.ACTIVE):
        n = Organization.objects.filter(path__startswith=c.path).count()
        if n > size:
            best, size = c, n
    return best, size


def _case(label, fn, n):
    with CaptureQueriesContext(connection) as ctx:
        fn()  # warm-up, and the queries it sends
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    row = {"case": label, "median_ms": round(stats.median(times), 1), "p95_ms": round(p95(times), 1),
           "queries": len(ctx.captured_queries)}
    print(f"{label:<58} {row['median_ms']:>10.1f} ms  p95 {row['p95_ms']:>10.1f} ms  {row['queries']:>3} queries")
    return row


def run(month, n, only):
    period = periods.Period(month.year, periods.MONTH, month.month)
    committee, size = _committee()
    orgs = Organization.objects.filter(status=OrgStatus.ACTIVE).count()
    names = [m.name for m in registry.selected(None, period) if only in m.name]
    print(_database())
    print(f"{orgs} active organisations; committee {committee.name} ({size} organisations); month {period}")
    counts = Organization.objects.values("org_type").annotate(n=Count("id")).order_by()
    print("  " + ", ".join(f"{r['org_type']} {r['n']}" for r in counts))
    rows = []
    for name in names:
        rows.append(_case(f"whole tree: {name}", lambda name=name: registry.metrics_for(WHOLE_TREE, period, [name]),
                          n))
    rows.append(_case("whole tree: every metric", lambda: registry.metrics_for(WHOLE_TREE, period, names), n))
    for name in names:
        rows.append(_case(f"committee: {name}", lambda name=name: registry.metrics_for([committee], period, [name]),
                          n))
    rows.append(_case("committee: every metric", lambda: registry.metrics_for([committee], period, names), n))
    out = Path(__file__).resolve().parent / "results" / f"metrics-{date.today():%Y-%m-%d}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"database": _database(), "machine": platform.platform(), "month": str(period),
                               "organisations": orgs, "committee_size": size, "cases": rows}, indent=1,
                              ensure_ascii=False))
    print(f"written {out}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("case", choices=["prepare", "run"])
    parser.add_argument("--month", default=None, help="YYYY-MM (default: this month)")
    parser.add_argument("-n", type=int, default=5)
    parser.add_argument("--share", type=float, default=0.6, help="prepare: share of members with a result")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", default="", help="run: only the metrics whose name contains this text")
    args = parser.parse_args()
    month = (periods.parse(args.month).start if args.month else periods.this_month().start)
    if args.case == "prepare":
        prepare(month, args.share, args.seed)
    else:
        run(month, args.n, args.only)


if __name__ == "__main__":
    main()
