"""Party fees: a month's dues for every member on the roll — services.generate_dues (one set-based SQL statement) on
the seed_scale data. See bench/README.md.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dangjian_bench DEBUG=1 \
        python bench/fees.py prepare [--people N] [--seed 1]
    DATABASE_URL=… python bench/fees.py run [--month 2026-03] [--explain] [--proposed]

prepare — a fee base for every Party member on the roll (or the first N by id with --people N), written with COPY:
a realistic mix of categories (in service 55 %, retired 30 %, farmers 8 %, students 3 %, unemployed / low income
4 %) and bases (in service 1,500–30,000 a month, skewed low; retired 1,500–12,000), the monthly amount fixed from
each by rules.monthly_amount (soft cap 1,000, farmers 0.20) as services.set_base would. Earlier fee data of the
bench database is removed first (TRUNCATE of the fee tables: this is a benchmark database only).

run — deletes the dues of `--month` and the month after, then times services.generate_dues for the whole tree for
each month (the second with the first's rows in the table), checks the counts (one due per member with a base) and
that the amounts of a random sample of 2,000 dues equal rules.monthly_amount of their base; then times a rerun
(nothing to create: the idempotence check). --explain prints EXPLAIN (ANALYZE, BUFFERS) of the statement for a
third month in a rolled-back transaction. --proposed times one more month with the schema change proposed for
fees_due (PROPOSED_DDL: no database-level foreign keys to the person, organisation and fee base, fewer indexes), the
constraints checked, all rolled back. Results go to bench/results/fees-<date>.json.
"""

import argparse
import io
import json
import os
import platform
import random
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from dangjian.fees import rules, services  # noqa: E402
from dangjian.fees.models import Due, FeeBase  # noqa: E402
from dangjian.people.codes import MEMBER_STATUSES, ON_ROLL  # noqa: E402

MIX = (("in_service", 55), ("retired", 30), ("farmer", 8), ("student", 3), ("unemployed", 4))
YEAR_START = date(2026, 1, 1)


def _guard():
    name = connection.settings_dict.get("NAME", "")
    if connection.vendor != "postgresql" or "bench" not in name:
        sys.exit(f"Run on a PostgreSQL benchmark database (its name contains 'bench'), not {name!r}.")


def _base_for(category, rng):
    if category == "in_service":
        return Decimal(min(30000, max(1500, int(rng.lognormvariate(8.6, 0.45))))).quantize(rules.CENT) + \
            Decimal(rng.randrange(100)) / 100
    if category == "retired":
        return Decimal(min(12000, max(1500, int(rng.lognormvariate(8.3, 0.35))))) + Decimal(rng.randrange(100)) / 100
    return Decimal("0.00")


def prepare(args):
    _guard()
    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("TRUNCATE fees_due, fees_payment, fees_receipt, fees_paymentorder, fees_handover, "
                    "fees_ledgerentry, fees_basedeclaration, fees_relief, fees_feebase CASCADE")
        statuses = ", ".join(f"'{s}'" for s in MEMBER_STATUSES)
        roll = ", ".join(f"'{s}'" for s in ON_ROLL)
        sql = (f"SELECT id, scope_path FROM people_person WHERE political_status IN ({statuses}) "
               f"AND status IN ({roll}) AND org_id IS NOT NULL ORDER BY id")
        if args.people:
            sql += f" LIMIT {int(args.people)}"
        cur.execute(sql)
        people = cur.fetchall()
    t1 = time.perf_counter()
    cats = [c for c, w in MIX for _ in range(w)]
    now = timezone.now().isoformat()
    buf = io.StringIO()
    counts = {}
    for pid, path in people:
        category = rng.choice(cats)
        base = _base_for(category, rng)
        computed, amount = rules.monthly_amount(category, base, YEAR_START, farmer_amount=Decimal("0.20"))
        counts[category] = counts.get(category, 0) + 1
        buf.write(f"{pid}\t{category}\t{base}\t{{}}\t{YEAR_START}\t{YEAR_START}\t{computed}\t{amount}\tinitial\t\t"
                  f"{path}\t{now}\n")
    t2 = time.perf_counter()
    buf.seek(0)
    copy_sql = ("COPY fees_feebase (person_id, category, base, deductions, effective_from, applies_from, computed, "
                "amount, source, reason, scope_path, created_at) FROM STDIN")
    with connection.cursor() as cur, cur.copy(copy_sql) as copy:
        while chunk := buf.read(1 << 20):
            copy.write(chunk)
    t3 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE fees_feebase")  # as autovacuum leaves a table that has been there a while
        cur.execute("VACUUM ANALYZE fees_due")
    t4 = time.perf_counter()
    print(f"{len(people)} members on the roll read in {t1 - t0:.1f}s; bases computed in {t2 - t1:.1f}s, "
          f"COPY {t3 - t2:.1f}s, VACUUM ANALYZE {t4 - t3:.1f}s — {counts}")


def _month(raw):
    return date.fromisoformat(raw + "-01")


def _verify(month, n=2000, seed=7):
    """A random sample of the month's dues: each amount equals rules.monthly_amount of its base."""
    ids = list(Due.objects.filter(month=month, superseded_at__isnull=True).values_list("id", flat=True)
               .order_by("?")[:n])
    bad = 0
    for due in Due.objects.filter(pk__in=ids).select_related("fee_base"):
        b = due.fee_base
        expected = rules.monthly_amount(b.category, b.base, month, farmer_amount=Decimal("0.20"))[1]
        bad += due.amount != expected or due.category != b.category or due.scope_path != b.scope_path
    return len(ids), bad


def run(args):
    _guard()
    first = _month(args.month)
    second = rules.add_months(first, 1)
    with connection.cursor() as cur:
        cur.execute("DELETE FROM fees_payment WHERE month >= %s", [first])
        cur.execute("DELETE FROM fees_due WHERE month >= %s", [first])
        cur.execute("VACUUM ANALYZE fees_due")
    bases = FeeBase.objects.filter(superseded_at__isnull=True).count()
    result = {"date": date.today().isoformat(), "machine": f"{os.cpu_count()} cores, {platform.processor() or ''}",
              "postgres": connection.cursor().connection.info.server_version, "bases": bases, "months": {}}
    for month in (first, second):
        t = time.perf_counter()
        created = services.generate_dues(month)
        seconds = time.perf_counter() - t
        checked, bad = _verify(month)
        result["months"][f"{month:%Y-%m}"] = {"created": created, "seconds": round(seconds, 2),
                                             "sample": checked, "sample_wrong": bad}
        print(f"{month:%Y-%m}: {created} dues in {seconds:.1f}s; sample of {checked}: {bad} wrong")
        if created != bases:
            print(f"  !! expected {bases} dues")
    t = time.perf_counter()
    again = services.generate_dues(second)
    result["rerun_seconds"] = round(time.perf_counter() - t, 2)
    print(f"rerun of {second:%Y-%m}: {again} created in {result['rerun_seconds']}s")
    from dangjian.fees import reports
    from dangjian.orgs.models import Organization

    with connection.cursor() as cur:  # bench data for the reports: ≈ 92 % of the first month's dues paid in cash
        cur.execute("DELETE FROM fees_payment WHERE month >= %s", [first])
        t = time.perf_counter()
        cur.execute("INSERT INTO fees_payment (person_id, month, due_id, amount, voluntary, large, method, paid_on, "
                    "org_id, scope_path, note, created_at) SELECT person_id, month, id, amount, 0, false, 'cash', "
                    "month + 14, org_id, scope_path, 'bench', now() FROM fees_due WHERE month = %s AND "
                    "superseded_at IS NULL AND (person_id * 7919) %% 100 < 92", [first])
        print(f"{cur.rowcount} payments of {first:%Y-%m} written in {time.perf_counter() - t:.1f}s (bench data)")
        cur.execute("ANALYZE fees_payment")

    top = Organization.objects.filter(parent__isnull=True, code__startswith="SCALE").order_by("path").first()
    branch = Organization.objects.filter(org_type="branch", path__startswith=top.path).order_by("path")[500]
    for label, org in (("report, whole tree", top), ("report, one branch", branch)):
        times = []
        for _ in range(3):
            t = time.perf_counter()
            rep = reports.report(org, first, second)
            times.append(time.perf_counter() - t)
        result[label] = {"seconds": round(sorted(times)[1], 3), "members": rep.total["members"],
                         "rows": len(rep.rows)}
        print(f"{label}: {sorted(times)[1] * 1000:.0f} ms (median of 3) — {rep.total['members']} members, "
              f"{len(rep.rows)} rows, rate {rep.total['rate']}%")
    if args.explain:
        third = rules.add_months(second, 1)
        from dangjian.fees.services import _GENERATE_SQL

        sql = _GENERATE_SQL.format(statuses=", ".join(f"'{s}'" for s in MEMBER_STATUSES),
                                   roll=", ".join(f"'{s}'" for s in ON_ROLL), where="", absent="")
        try:
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, {"month": third, "now": timezone.now()})
                print("\n".join(r[0] for r in cur.fetchall()))
                raise _Rollback
        except _Rollback:
            pass
    if args.proposed:
        result["proposed"] = proposed(rules.add_months(second, 2))
    if not args.no_save:
        out = Path(__file__).resolve().parent / "results" / f"fees-{date.today().isoformat()}.json"
        out.write_text(json.dumps(result, indent=2))
        print(f"saved {out}")


# The schema change proposed for fees.Due (bench/README.md): no database-level foreign keys from the dues to the
# person, organisation and fee base (the statement takes those ids from the rows it joins; none of them is ever
# deleted), no single-column indexes that the composite ones cover, no (person, month) index beside the unique one on
# the current dues (every reader asks for current dues), partial indexes for the rarely set relief and correction. Applied here inside a transaction that is rolled back.
PROPOSED_DDL = (
    "ALTER TABLE fees_due DROP CONSTRAINT fees_due_person_id_c91cff25_fk_people_person_id",
    "ALTER TABLE fees_due DROP CONSTRAINT fees_due_org_id_aaed03ce_fk_orgs_organization_id",
    "ALTER TABLE fees_due DROP CONSTRAINT fees_due_fee_base_id_74a3eb47_fk_fees_feebase_id",
    "DROP INDEX fees_due_person_id_c91cff25", "DROP INDEX fees_due_org_id_aaed03ce",
    "DROP INDEX fees_due_fee_base_id_74a3eb47", "DROP INDEX fees_due_relief_id_89f06794",
    "DROP INDEX fees_due_corrects_id_1dafe0d9", "DROP INDEX due_person_month_idx",
    "CREATE INDEX due_relief_idx ON fees_due (relief_id) WHERE relief_id IS NOT NULL",
    "CREATE INDEX due_corrects_idx ON fees_due (corrects_id) WHERE corrects_id IS NOT NULL",
)


class _Rollback(Exception):
    pass


def proposed(month):
    """generate_dues for `month` with the proposed schema, constraints checked, then everything rolled back."""
    out = {}
    try:
        with transaction.atomic(), connection.cursor() as cur:
            for ddl in PROPOSED_DDL:
                cur.execute(ddl)
            t = time.perf_counter()
            out["created"] = services.generate_dues(month, audit=False)
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            out["seconds"] = round(time.perf_counter() - t, 2)
            raise _Rollback
    except _Rollback:
        pass
    print(f"proposed schema, {month:%Y-%m}: {out['created']} dues in {out['seconds']:.1f}s (rolled back)")
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("case", choices=["prepare", "run"])
    parser.add_argument("--people", type=int, default=0, help="prepare: bases for the first N members only")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--month", default="2026-03", help="run: the first month (YYYY-MM)")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--proposed", action="store_true",
                        help="run: also time a month with the proposed schema of fees_due (rolled back)")
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args(argv)
    (prepare if args.case == "prepare" else run)(args)


if __name__ == "__main__":
    main()
