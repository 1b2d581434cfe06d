"""Benchmarks of organisational life (meetings). See bench/README.md.

Sign-in throughput — one meeting of a branch of 2,000 members, every card posted from N threads at once (each
thread its own connection; --kind process: forked processes, as a server's workers are), then checked: each
person signed in exactly once. Writes data (the branch once, a meeting a round): use a database of its own.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dangjian_bench_meetings DEBUG=1 \
        python bench/meetings.py signins [--members 2000] [--threads 8] [--kind thread|process] [-n 5]
                                         [--repeats 1] [--via services|api]

Compliance — services.compliance over the seed_scale tree (60,000 organisations) for the current year. The
meetings of the year are generated once (bulk, marked by their topic; the monthly tallies rebuilt after);
--reset deletes and regenerates them. Each case is also counted straight from the meetings, without the tallies
(compliance_from_meetings), as a cross-check and for comparison.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dangjian_bench DEBUG=1 \
        python bench/meetings.py compliance [-n 10] [--reset] [--explain] [--profile]

Prints median and p95 of each case; the compliance cases also replay the captured SQL raw (as run.py does).
"""

import argparse
import os
import random
import statistics as stats
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")

import django  # noqa: E402

django.setup()

from datetime import date, datetime, timedelta  # noqa: E402

from common import p95, raw_replay, timed  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from dangjian.audit import chain  # noqa: E402
from dangjian.home.scale import ROOT_CODE  # noqa: E402
from dangjian.meetings import services, tally  # noqa: E402
from dangjian.meetings.models import (  # noqa: E402
    Attendance,
    Card,
    CheckinMethod,
    Meeting,
    MeetingState,
    MeetingTally,
    MeetingType,
)
from dangjian.orgs import services as org_services  # noqa: E402
from dangjian.orgs.models import Organization, OrgStatus, OrgType  # noqa: E402
from dangjian.people import figures  # noqa: E402
from dangjian.people.codes import MemberStatus, PoliticalStatus  # noqa: E402
from dangjian.people.models import Person  # noqa: E402

BENCH_CODE = "BENCH-MEET"  # the sign-in case's committee and branches
BENCH_TOPIC = "［基准］"  # the generated meetings of the compliance case start with this


def check_database():
    db = connection.settings_dict
    if connection.vendor != "postgresql":
        sys.exit("These benchmarks run on PostgreSQL: set DATABASE_URL=postgres://…@127.0.0.1:5432/<name>.")
    if db.get("HOST") != "127.0.0.1":
        sys.exit(f"Refusing to run against host {db.get('HOST')!r}: only 127.0.0.1.")
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        return f"PostgreSQL {cur.fetchone()[0]}, database {db['NAME']}"


# ---- sign-in throughput ----------------------------------------------------------------------------------------

def signin_branch(members):
    """A committee and a branch of `members` Party members with a card each (created once, reused after)."""
    committee = Organization.objects.filter(code=f"{BENCH_CODE}-C").first() or org_services.create_org(
        None, org_type=OrgType.COMMITTEE, name="签到基准党委", code=f"{BENCH_CODE}-C")
    code = f"{BENCH_CODE}-B{members}"
    branch = Organization.objects.filter(code=code).first() or org_services.create_org(
        None, org_type=OrgType.BRANCH, parent=committee, name=f"签到基准党支部（{members}人）", code=code)
    have = Person.objects.filter(org=branch).count()
    if have < members:
        t = time.perf_counter()
        rng = random.Random(members)
        Person.objects.bulk_create([
            Person(name=f"签到{i:05d}", gender=rng.choice("12"), political_status=PoliticalStatus.FULL,
                   status=MemberStatus.NORMAL, join_date=date(2010, 7, 1), full_date=date(2011, 7, 1),
                   birth_date=date(1960 + i % 40, 1 + i % 12, 1 + i % 28), education="21", work_post="015",
                   org=branch, scope_path=branch.path)
            for i in range(have, members)], batch_size=1000)
        figures.rebuild()
        print(f"  {members - have} people created in bulk, figures rebuilt: {time.perf_counter() - t:.1f} s")
    people = list(Person.objects.filter(org=branch).order_by("id"))
    cards = dict(Card.objects.filter(person__in=people, active=True).values_list("person_id", "number"))
    missing = [p for p in people if p.pk not in cards]
    if missing:
        t = time.perf_counter()
        for p in missing:
            cards[p.pk] = services.register_card(None, p, f"BM{p.pk:010d}").number
        print(f"  {len(missing)} cards registered (services.register_card): {time.perf_counter() - t:.1f} s")
    return branch, people, cards


def post_cards(numbers, meeting_pk, device, key, via):
    """Post each card in turn; returns (latencies in ms, answers: "signed_in" / "already")."""
    client = None
    if via == "api":
        from rest_framework.test import APIClient

        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Device {key}")
    url = f"/api/v1/meetings/{meeting_pk}/checkins"
    latencies, answers = [], []
    for number in numbers:
        t0 = time.perf_counter()
        if client is not None:
            response = client.post(url, {"card": number}, format="json")
            if response.status_code != 200:
                raise RuntimeError(f"{response.status_code} {response.content[:200]!r}")
            answer = response.json()["status"]
        else:
            result = services.checkin_card(device, meeting_pk, number)
            answer = "already" if result.already else "signed_in"
        latencies.append((time.perf_counter() - t0) * 1000)
        answers.append(answer)
    return latencies, answers


def _thread_worker(i, share, meeting_pk, device, key, via, barrier, out):
    try:
        barrier.wait(timeout=60)
        out[i] = post_cards(share, meeting_pk, device, key, via)
    except Exception as e:  # reported by the caller: a sign-in must not fail
        out[i] = e
    finally:
        connection.close()


def _process_worker(i, share, meeting_pk, device_pk, key, via, barrier, queue):
    """In a forked process: its own connection (the parent closed its own before forking)."""
    from dangjian.meetings.models import Device

    try:
        device = Device.objects.select_related("org").get(pk=device_pk)
        barrier.wait(timeout=60)
        queue.put((i, post_cards(share, meeting_pk, device, key, via)))
    except Exception as e:
        queue.put((i, RuntimeError(repr(e))))
    finally:
        connection.close()


def run_workers(kind, workers, jobs, meeting_pk, device, key, via):
    """Post `jobs` from `workers` threads or processes started together; returns (wall seconds, per-worker
    results), each result (latencies, answers) or the exception the worker met."""
    shares = [jobs[i::workers] for i in range(workers)]
    if kind == "thread":
        barrier, out = threading.Barrier(workers + 1), [None] * workers
        pool = [threading.Thread(target=_thread_worker, args=(i, shares[i], meeting_pk, device, key, via, barrier,
                                                              out), daemon=True) for i in range(workers)]
        for w in pool:
            w.start()
        barrier.wait(timeout=60)
        t0 = time.perf_counter()
        for w in pool:
            w.join(600)
        wall = time.perf_counter() - t0
        if any(w.is_alive() for w in pool):
            raise AssertionError(f"sign-ins still running after {wall:.0f} s")
        return wall, out
    import multiprocessing
    import queue as queue_module

    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(workers + 1), ctx.Queue()
    connection.close()  # the children open their own
    pool = [ctx.Process(target=_process_worker, args=(i, shares[i], meeting_pk, device.pk, key, via, barrier,
                                                       results), daemon=True) for i in range(workers)]
    for w in pool:
        w.start()
    barrier.wait(timeout=60)
    t0 = time.perf_counter()
    out = [None] * workers
    try:
        for _ in range(workers):
            i, result = results.get(timeout=600)
            out[i] = result
    except queue_module.Empty:
        pass
    wall = time.perf_counter() - t0
    for w in pool:
        w.join(30)
        if w.is_alive():
            w.terminate()  # one of ours, stuck: reported below
    if any(r is None for r in out):
        raise AssertionError(f"sign-ins still running after {wall:.0f} s")
    return wall, out


def signin_round(branch, people, cards, args, rng):
    """Plan a meeting inviting the branch, then post every card `args.repeats` times from `args.workers` threads
    or processes at once. Returns the figures of the round; AssertionError unless each person is signed in
    exactly once."""
    t = time.perf_counter()
    start = timezone.now() + timedelta(minutes=10)
    meeting = services.plan_meeting(None, org=branch, types=["assembly"], topic="签到基准：支部党员大会",
                                    starts_at=start, ends_at=start + timedelta(hours=2), place="礼堂",
                                    invite={"orgs": [branch]}, notify=False)
    plan_s = time.perf_counter() - t
    device, key = services.create_device(None, branch, f"基准门禁 {meeting.pk}")
    jobs = [cards[p.pk] for p in people for _ in range(args.repeats)]
    rng.shuffle(jobs)
    wall, out = run_workers(args.kind, args.threads, jobs, meeting.pk, device, key, args.via)
    failures = [f"worker {i}: {r!r}" for i, r in enumerate(out) if isinstance(r, BaseException)]
    assert not failures, failures[:5]

    # every person exactly once: one row each, signed in, by card; one "signed_in" answer each, the rest "already"
    answers = [a for _lat, per in out for a in per]
    assert len(answers) == len(jobs), (len(answers), len(jobs))
    assert answers.count("signed_in") == len(people), answers.count("signed_in")
    rows = list(Attendance.objects.filter(meeting=meeting).values_list("person_id", "checked_in_at", "method"))
    assert len(rows) == len(people) == len({pk for pk, _at, _m in rows}), len(rows)
    assert {pk for pk, _at, _m in rows} == {p.pk for p in people}
    assert all(at is not None and m == CheckinMethod.CARD for _pk, at, m in rows)
    assert services.attendance(meeting)["counts"]["present"] == len(people)
    all_lat = [v for per, _answers in out for v in per]
    return {"meeting": meeting.pk, "plan_s": plan_s, "wall": wall, "rate": len(jobs) / wall,
            "lat_median": stats.median(all_lat), "lat_p95": p95(all_lat)}


def run_signins(args):
    workers = f"{args.threads} {'threads' if args.kind == 'thread' else 'processes'}"
    print(f"sign-ins: {args.members:,} members, {workers}, {args.repeats} post(s) a card, "
          f"via {args.via}, n={args.n}, DEBUG={settings.DEBUG}")
    branch, people, cards = signin_branch(args.members)
    rng = random.Random(args.seed)
    rounds = []
    for k in range(args.n):
        r = signin_round(branch, people, cards, args, rng)
        rounds.append(r)
        print(f"  round {k + 1}: meeting {r['meeting']}, planned ({len(people):,} invitations) in "
              f"{r['plan_s'] * 1000:.0f} ms; {len(people) * args.repeats:,} sign-ins in {r['wall']:.2f} s = {r['rate']:.0f}/s; "
              f"per sign-in median {r['lat_median']:.1f} ms, p95 {r['lat_p95']:.1f} ms; every person exactly once")
    walls = [r["wall"] for r in rounds]
    rates = [r["rate"] for r in rounds]
    print(f"{'case':55} {'median':>9} {'p95':>9}")
    print(f"{'wall time, all sign-ins':55} {stats.median(walls):8.2f}s {p95(walls):8.2f}s")
    print(f"{'sign-ins per second':55} {stats.median(rates):9.0f} {min(rates):9.0f} (min)")
    print(f"{'one sign-in (median / p95 of each round)':55} "
          f"{stats.median(r['lat_median'] for r in rounds):7.1f}ms {stats.median(r['lat_p95'] for r in rounds):7.1f}ms")
    print(f"{'plan_meeting with the invitations':55} {stats.median(r['plan_s'] for r in rounds) * 1000:7.0f}ms")
    return rounds


# ---- compliance ------------------------------------------------------------------------------------------------

# (type codes of one meeting, meetings a year) of a branch and a group. The 组织生活会 is held together with the
# 民主评议党员, one meeting counting for both (as the compliance rules allow).
BRANCH_PLAN = [(("committee",), 12), (("theme_day",), 12), (("lesson",), 4), (("assembly",), 4),
               (("life_meeting", "appraisal"), 1)]
GROUP_PLAN = [(("group",), 12)]


def _month_of(per_year, k, rng):
    if per_year == 12:
        return k + 1
    if per_year == 4:
        return 3 * k + rng.randint(1, 3)
    return rng.randint(1, 3)  # once a year: early in the year, as is common


def generate_year(root, year, seed, behind_share):
    """The meetings of `year` for every active branch and group under `root`, in bulk; meetings more than a month
    ahead are not planned yet. A share of the organisations fall behind (skip meetings); 1 % are cancelled."""
    rng = random.Random(seed)
    now = timezone.now()
    horizon = now + timedelta(days=31)
    types = dict(MeetingType.objects.values_list("code", "pk"))
    Through = Meeting.types.through
    orgs = list(Organization.objects.filter(path__startswith=root.path, status=OrgStatus.ACTIVE,
                                            org_type__in=[OrgType.BRANCH, OrgType.GROUP])
                .order_by("id").values_list("id", "path", "org_type"))
    made = links = 0
    t = time.perf_counter()
    for i in range(0, len(orgs), 1000):
        meetings, codes = [], []
        for org_id, path, org_type in orgs[i:i + 1000]:
            behind = rng.random() < behind_share
            for type_codes, per_year in (BRANCH_PLAN if org_type == OrgType.BRANCH else GROUP_PLAN):
                for k in range(per_year):
                    if behind and rng.random() < 0.35:
                        continue
                    month = _month_of(per_year, k, rng)
                    start = timezone.make_aware(datetime(year, month, rng.randint(1, 28), rng.randint(8, 16)))
                    if start > horizon:
                        continue
                    state = (MeetingState.PLANNED if start > now else
                             MeetingState.CANCELLED if rng.random() < 0.01 else MeetingState.RECORDED)
                    meetings.append(Meeting(org_id=org_id, org_path=path, state=state, place="党员活动室",
                                            topic=f"{BENCH_TOPIC}{type_codes[0]} {month}月",
                                            starts_at=start, ends_at=start + timedelta(hours=2)))
                    codes.append(type_codes)
        with transaction.atomic():
            Meeting.objects.bulk_create(meetings, batch_size=2000)
            rows = [Through(meeting_id=m.pk, meetingtype_id=types[c]) for m, cs in zip(meetings, codes, strict=True)
                    for c in cs]
            Through.objects.bulk_create(rows, batch_size=5000)
        made += len(meetings)
        links += len(rows)
        if (i // 1000) % 10 == 0:
            print(f"  … {i + 1000:,} / {len(orgs):,} organisations, {made:,} meetings, {time.perf_counter() - t:.0f} s")
    chain.record(chain.AuditEntry.Action.CREATE, "meetings.meeting", "", object_repr=f"bench: meetings of {year}",
                 org_path=root.path, after={"meetings": made, "types": links})
    print(f"  generated {made:,} meetings ({links:,} type rows) for {len(orgs):,} branches and groups "
          f"in {time.perf_counter() - t:.0f} s")
    t = time.perf_counter()
    tallies = tally.rebuild()  # bulk rows bypass the services: count them as meeting_tally --rebuild does
    with connection.cursor() as cur:
        cur.execute(f"ANALYZE {Meeting._meta.db_table}, {Through._meta.db_table}, {MeetingTally._meta.db_table}")
    print(f"  tallies rebuilt ({tallies:,} rows) and tables analysed in {time.perf_counter() - t:.0f} s")


def delete_generated(root):
    """Remove the generated meetings (raw SQL: a queryset delete would load and signal a million rows). The
    tallies are rebuilt after the next generation."""
    Through = Meeting.types.through
    meeting, through = Meeting._meta.db_table, Through._meta.db_table
    marker, prefix = BENCH_TOPIC + "%", root.path + "%"
    t = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"DELETE FROM {through} WHERE meeting_id IN "
                    f"(SELECT id FROM {meeting} WHERE topic LIKE %s AND org_path LIKE %s)", [marker, prefix])
        cur.execute(f"DELETE FROM {meeting} WHERE topic LIKE %s AND org_path LIKE %s", [marker, prefix])
        deleted = cur.rowcount
        chain.record(chain.AuditEntry.Action.DELETE, "meetings.meeting", "", object_repr="bench: generated meetings",
                     org_path=root.path, before={"meetings": deleted})
    with connection.cursor() as cur:
        cur.execute(f"VACUUM ANALYZE {meeting}")
        cur.execute(f"VACUUM ANALYZE {through}")
    print(f"  deleted {deleted:,} generated meetings in {time.perf_counter() - t:.0f} s")


def compliance_from_meetings(root, start, end, today=None):
    """The compliance table counted straight from the meetings, without the tallies (meetings/tally.py): a
    cross-check of services.compliance (same result for ranges of whole months) and the cost of the table without
    them. Written 2026-11-27 as the proposal against the first services.compliance (5–6 s on this tree), most of
    which services.compliance has since adopted:

    1. the database counts each organisation's meetings per type and calendar month (`COUNT … FILTER` over the
       months' bounds; every period is a run of whole months), one row per organisation and type instead of one
       per organisation, type and day; grouped by the type's id (no join to the types, only the required ones);
    2. that statement is run through a bare cursor: tuples of integers, no per-value ORM converters;
    3. the periods of a requirement are worked out once, not once per organisation, and the cell of a given
       (period, count, monthly counts) once: most organisations hold their meetings in the same pattern;
       without committee rules (no override) no organisation's ancestors are looked at."""
    from django.db.models import Count, Q

    from dangjian.meetings import rules
    from dangjian.meetings.models import Requirement
    from dangjian.meetings.services import _ancestors

    today = today or timezone.localdate()
    found = list(Requirement.objects.values_list("set_by__path", "meeting_type__code", "org_type", "period", "count",
                                                 "meeting_type_id"))
    rows = [r[:5] for r in found]
    type_code = {r[5]: r[1] for r in found}
    org_types = {r[2] for r in rows}
    orgs = list(Organization.objects.filter(path__startswith=root.path, status=OrgStatus.ACTIVE,
                                            org_type__in=org_types)
                .values("id", "name", "path", "org_type", "depth").order_by("path"))
    make = timezone.make_aware
    tz_start = make(datetime.combine(start, datetime.min.time()))
    tz_stop = min(make(datetime.combine(end + timedelta(days=1), datetime.min.time())), timezone.now())
    months, counts = [], {}  # months: the first day of each month counted, in the order of the columns
    for m_start, m_end in rules.periods_in(rules.Period.MONTH, start, end):
        lo = max(make(datetime.combine(m_start, datetime.min.time())), tz_start)
        hi = min(make(datetime.combine(m_end, datetime.min.time())), tz_stop)
        if lo < hi:
            counts[f"m{len(months)}"] = Count("id", filter=Q(meeting__starts_at__gte=lo, meeting__starts_at__lt=hi))
            months.append(m_start)
    held = {}
    if months:
        qs = (Meeting.types.through.objects
              .filter(meeting__org_path__startswith=root.path, meeting__starts_at__gte=tz_start,
                      meeting__starts_at__lt=tz_stop, meetingtype_id__in=list(type_code))
              .exclude(meeting__state=MeetingState.CANCELLED)
              .values_list("meeting__org_id", "meetingtype_id").annotate(**counts).order_by())
        with connection.cursor() as cur:
            cur.execute(*qs.query.sql_with_params())
            held = {(r[0], type_code[r[1]]): r[2:] for r in cur.fetchall()}
    plans = {period: rules.month_plan(period, start, end, today, months) for period in {r[3] for r in rows}}
    no_meetings = (0,) * len(months)

    override_paths = {r[0] for r in rows if r[0] is not None}
    cache, cells_seen, out = {}, {}, []
    for org in orgs:
        relevant = (frozenset(p for p in _ancestors(org["path"]) if p in override_paths) if override_paths
                    else frozenset())
        key = (org["org_type"], relevant)
        if key not in cache:
            cache[key] = rules.resolve_requirements(org["org_type"], relevant, rows)
        cells = {}
        for code, (period, count) in cache[key].items():
            if not plans[period]:
                continue
            seen = (period, count, held.get((org["id"], code), no_meetings))
            if seen not in cells_seen:
                cells_seen[seen] = rules.cell(plans[period], *seen)
            cells[code] = cells_seen[seen]
        if cells:
            out.append({**org, "cells": cells, "verdict": rules.worst(c["verdict"] for c in cells.values())})
    return out


def run_compliance(args):
    root = Organization.objects.filter(code=ROOT_CODE).first()
    if root is None:
        sys.exit("No scale data: run `python manage.py seed_scale` against this database first.")
    year = timezone.localdate().year
    generated = Meeting.objects.filter(org_path__startswith=root.path, topic__startswith=BENCH_TOPIC)
    if args.reset and generated.exists():
        delete_generated(root)
    if not generated.exists():
        generate_year(root, year, args.seed, args.behind)
    if args.generate_only:
        return []
    start, end = date(year, 1, 1), date(year, 12, 31)
    committee = (Organization.objects.filter(path__startswith=root.path, org_type=OrgType.COMMITTEE)
                 .order_by("path")[100:].first())
    higher = Organization.objects.filter(parent=root).order_by("path").first()
    counts = {
        "organisations": Organization.objects.filter(path__startswith=root.path).count(),
        "meetings": Meeting.objects.filter(org_path__startswith=root.path).count(),
        "type rows": Meeting.types.through.objects.filter(meeting__org_path__startswith=root.path).count(),
        "tally rows": MeetingTally.objects.filter(org__path__startswith=root.path).count(),
        "started meetings not tallied yet": Meeting.objects.filter(
            org_path__startswith=root.path, tallied=False, starts_at__lte=timezone.now())
        .exclude(state=MeetingState.CANCELLED).count(),
    }
    print("compliance over " + ", ".join(f"{v:,} {k}" for k, v in counts.items()) + f"; {start} – {end}; "
          f"today {timezone.localdate()}; n={args.n}")
    table = services.compliance(root, start, end)
    verdicts = {v: sum(1 for r in table if r["verdict"] == v) for v in ("green", "amber", "red")}
    print(f"  whole tree: {len(table):,} rows, " + ", ".join(f"{v} {n:,}" for v, n in verdicts.items()))
    def size(org):
        return Organization.objects.filter(path__startswith=org.path).count()

    cases = []
    for label, org in ((f"one committee ({size(committee)} orgs)", committee),
                       (f"one higher committee ({size(higher):,} orgs)", higher),
                       (f"whole tree ({counts['organisations']:,} orgs)", root)):
        cases.append((f"compliance, {label}", lambda org=org: services.compliance(org, start, end)))
        cases.append((f"  the same from the meetings (no tallies), {label}",
                      lambda org=org: compliance_from_meetings(org, start, end)))
    for org in (committee, higher, root):  # the tallies must say exactly what the meetings say
        if compliance_from_meetings(org, start, end) != services.compliance(org, start, end):
            print(f"  ⚠️  services.compliance differs from the count over the meetings under {org.name}")
    print(f"{'case':75} {'median':>9} {'p95':>9} {'raw med':>9} {'ratio':>6}")
    results = []
    for label, fn in cases:
        if args.only not in label:
            continue
        app = timed(fn, args.n, warmup=1)
        replay, sqls = raw_replay(fn)
        raw = timed(replay, args.n, warmup=1)
        ratio = stats.median(app) / stats.median(raw)
        print(f"{label:75} {stats.median(app):8.1f}ms {p95(app):8.1f}ms {stats.median(raw):8.1f}ms {ratio:6.2f}")
        results.append((label, stats.median(app), p95(app), stats.median(raw)))
        if args.explain:
            with connection.cursor() as cur:
                for sql in sqls:
                    cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                    print("\n".join(r[0] for r in cur.fetchall()))
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        services.compliance(root, start, end)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("case", choices=["signins", "compliance"])
    parser.add_argument("-n", type=int, default=None, help="timed runs (default: 5 sign-in rounds, 10 compliance)")
    parser.add_argument("--seed", type=int, default=1)
    sign = parser.add_argument_group("signins")
    sign.add_argument("--members", type=int, default=2000, help="people in the branch, signed in each round")
    sign.add_argument("--threads", type=int, default=8, help="workers posting cards, each its own connection")
    sign.add_argument("--kind", choices=["thread", "process"], default="thread",
                      help="workers are threads of this process (one GIL) or forked processes (as web workers are)")
    sign.add_argument("--repeats", type=int, default=1, help="posts of each card (more than 1: readers repeating)")
    sign.add_argument("--via", choices=["services", "api"], default="services",
                      help="call services.checkin_card, or POST to the card reader API through the test client")
    comp = parser.add_argument_group("compliance")
    comp.add_argument("--reset", action="store_true", help="delete the generated meetings and generate them again")
    comp.add_argument("--generate-only", action="store_true", help="only make sure the meetings are there")
    comp.add_argument("--behind", type=float, default=0.1, help="share of organisations that fall behind")
    comp.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of each captured query")
    comp.add_argument("--profile", action="store_true", help="cProfile one whole-tree call")
    comp.add_argument("--only", default="", help="run only the cases whose label contains this text")
    args = parser.parse_args()
    if not 1 <= args.threads <= 64 or not 1 <= args.members <= 100_000 or not 1 <= args.repeats <= 10:
        parser.error("--threads 1–64, --members 1–100000, --repeats 1–10")
    args.n = max(1, min(args.n or (5 if args.case == "signins" else 10), 100))
    print(check_database())
    return run_signins(args) if args.case == "signins" else run_compliance(args)


if __name__ == "__main__":
    main()
