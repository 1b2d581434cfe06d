"""Exam answers under load: `POST /api/v1/exams/attempts/{id}/answers` through gunicorn on PostgreSQL, against a
trivial view (`GET /healthz`) on the same server in the same run. See bench/README.md.

    python bench/exams.py prepare [--members 500] [--db URL]
    python bench/exams.py run [--duration 30] [--threads 2] [--connections 32] [--rounds 2]
                              [--workers 5] [--worker-class sync|gthread] [--gthreads 4] [--db URL]
    python bench/exams.py profile [-n 2000] [--db URL]      # in-process: queries and cProfile of one request

prepare — a database of its own (default postgres://postgres@127.0.0.1:5432/dangjian_bench_exams, created if
missing, migrated): a committee with 10 branches, 60 single-choice questions in each tier, exam settings with a
600-minute clock, this month's sets opened (services.monthly_sets_job), and `--members` Party members, each with
a login, an API token and one OPEN attempt of 20 questions (services.start_attempt). Run again it only renews the
attempts whose clock has less than two hours left (submitting them first).

run — starts gunicorn on 127.0.0.1:<free port> (DEBUG off, sync workers, 2 × cores + 1 by default, persistent
connections as settings.py sets them: CONN_MAX_AGE 60), waits for /healthz, warms both URLs up (5 s each,
not counted), then alternates wrk against the answer endpoint and against /healthz `--rounds` times with the
same threads, connections and duration, and takes the medians. The wrk Lua script spreads the answers over
every (token, attempt) pair with a random position and option, and counts the statuses. After the run: every
answer 200, answers really saved (items answered since the start), every attempt still open. Prints the figures
and writes them to bench/results/exams-<date>.json. wrk, gunicorn and PostgreSQL share the machine's cores.

profile — the two requests through Django's test client (the whole middleware stack, DEBUG off) in this
process: the SQL each sends, and a cProfile of `-n` answer requests (the functions with the most own time).
"""

import argparse
import json
import os
import platform
import random
import resource
import shutil
import signal
import socket
import statistics as stats
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/dangjian_bench_exams"
BENCH_KEY = "dangjian-bench-exams-not-a-secret-only-for-a-local-benchmark-database"
CODE = "BENCH-EXAM"  # the committee's code; its branches are BENCH-EXAM-B01…
PREFIX = "bench-exam-"  # the members' login names
MIN_LEFT = timedelta(hours=2)  # prepare renews an attempt with less time than this left


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("case", choices=["prepare", "run", "profile"])
    parser.add_argument("--db", default=os.environ.get("BENCH_EXAMS_DATABASE_URL", DEFAULT_DB),
                        help=f"PostgreSQL URL on 127.0.0.1 (default {DEFAULT_DB}, or $BENCH_EXAMS_DATABASE_URL)")
    parser.add_argument("--seed", type=int, default=1)
    prep = parser.add_argument_group("prepare")
    prep.add_argument("--members", type=int, default=500, help="members, each with a token and an open attempt")
    run = parser.add_argument_group("run")
    run.add_argument("--duration", type=int, default=30, help="seconds of each wrk run")
    run.add_argument("--threads", type=int, default=2, help="wrk threads")
    run.add_argument("--connections", type=int, default=32, help="wrk connections (kept open)")
    run.add_argument("--rounds", type=int, default=2, help="answer/healthz pairs, alternated; medians reported")
    run.add_argument("--warmup", type=int, default=5, help="seconds of wrk on each URL before the timed runs")
    run.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers")
    run.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    run.add_argument("--gthreads", type=int, default=4, help="threads per worker with --worker-class gthread")
    run.add_argument("--conn-max-age", default=None,
                     help="CONN_MAX_AGE for the server (default: the settings' own default, 60)")
    run.add_argument("--redis", default=None, metavar="URL",
                     help="REDIS_URL of the server (e.g. redis://127.0.0.1:6379/9): the cache shared by the workers, "
                          "as deployed; without it each worker has its own local-memory cache")
    run.add_argument("--access-log", action="store_true", help="gunicorn access log (to /dev/null), as deployed")
    run.add_argument("--no-save", action="store_true", help="do not write bench/results/exams-<date>.json")
    run.add_argument("--label", default="", help="a note stored with the result")
    prof = parser.add_argument_group("profile")
    prof.add_argument("-n", type=int, default=2000, help="requests profiled")
    return parser.parse_args(argv)


ARGS = parse_args() if __name__ == "__main__" else None


def bench_environment(args):
    """The environment of this process and of the server: the bench database, DEBUG off, a fixed bench key."""
    url = urlparse(args.db)
    if url.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit("This benchmark runs on PostgreSQL: --db postgres://…@127.0.0.1:5432/<name>.")
    if url.hostname != "127.0.0.1":
        sys.exit(f"Refusing to run against host {url.hostname!r}: only 127.0.0.1.")
    env = dict(os.environ)
    env.update(DATABASE_URL=args.db, DEBUG="0", ALLOWED_HOSTS="127.0.0.1", DJANGO_SETTINGS_MODULE="dangjian.settings",
               LOG_LEVEL=os.environ.get("LOG_LEVEL", "WARNING"))
    env.setdefault("SECRET_KEY", BENCH_KEY)  # the bench people carry no encrypted fields
    if getattr(args, "redis", None):  # as deployed: the cache (API tokens, exam papers) in Redis, shared by workers
        env["REDIS_URL"] = args.redis
    else:
        env.pop("REDIS_URL", None)  # each worker process has its own local-memory cache
    if getattr(args, "conn_max_age", None) is not None:
        env["CONN_MAX_AGE"] = str(args.conn_max_age)
    return env


def create_database(db_url):
    """CREATE DATABASE when it does not exist yet (connecting to the `postgres` database)."""
    import psycopg

    url = urlparse(db_url)
    name = url.path.lstrip("/")
    admin = url._replace(path="/postgres").geturl().replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"  created database {name}")


if ARGS is not None:
    os.environ.update(bench_environment(ARGS))
    if ARGS.case == "prepare":
        create_database(ARGS.db)

sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from dangjian.accounts.models import User  # noqa: E402
from dangjian.exams import services  # noqa: E402
from dangjian.exams.models import Attempt, AttemptItem, AttemptState, ExamSettings, Question, Tier  # noqa: E402
from dangjian.orgs import services as org_services  # noqa: E402
from dangjian.orgs.models import Organization, OrgType  # noqa: E402
from dangjian.people import figures  # noqa: E402
from dangjian.people.codes import MemberStatus, PoliticalStatus  # noqa: E402
from dangjian.people.models import Person  # noqa: E402

BRANCHES = 10
QUESTIONS_PER_TIER = 60
CATEGORIES = ("党建规章", "业务规章", "安全应急")


def server_version():
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        return cur.fetchone()[0]


# ---- prepare -------------------------------------------------------------------------------------------------

def prepare(args):
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"  migrated: {time.perf_counter() - t0:.1f} s")
    committee = Organization.objects.filter(code=f"{CODE}-C").first() or org_services.create_org(
        None, org_type=OrgType.COMMITTEE, name="答题基准党委", code=f"{CODE}-C")
    branches = []
    for b in range(1, BRANCHES + 1):
        code = f"{CODE}-B{b:02d}"
        branches.append(Organization.objects.filter(code=code).first() or org_services.create_org(
            None, org_type=OrgType.BRANCH, parent=committee, name=f"答题基准第{b}党支部", code=code))

    # the bank: 60 single-choice questions per tier, four options, the key rotating
    t = time.perf_counter()
    made = 0
    for tier in Tier.values:
        have = Question.objects.filter(org=committee, tier=tier).count()
        for i in range(have, QUESTIONS_PER_TIER):
            services.create_question(None, committee, {
                "kind": "single", "stem": f"{tier}级基准题{i:03d}：下列哪项正确？", "options": ["甲", "乙", "丙", "丁"],
                "answer": [i % 4], "tier": tier, "category": CATEGORIES[i % len(CATEGORIES)],
                "explanation": "见规章。"})
            made += 1
    if made:
        print(f"  {made} questions (services.create_question): {time.perf_counter() - t:.1f} s")

    # a long clock, so no attempt times out during a run; no review window (this month's sets only)
    ExamSettings.objects.update_or_create(org=committee, defaults={
        "org_path": committee.path, "set_size": QUESTIONS_PER_TIER, "paper_size": 20, "minutes": 600,
        "attempts_per_month": 0, "avoid_months": 0, "review_days": 0})
    done = services.monthly_sets_job(timezone.localdate())
    if done["drawn"] or done["opened"]:
        print(f"  monthly sets: {done}")

    # the members: people in bulk (as bench/meetings.py), a login each (no usable password: the API takes a token)
    t = time.perf_counter()
    people = list(Person.objects.filter(org__in=branches).order_by("id"))
    if len(people) < args.members:
        per = {b.pk: sum(1 for p in people if p.org_id == b.pk) for b in branches}
        new = []
        for i in range(len(people), args.members):
            branch = min(branches, key=lambda b: per[b.pk])
            per[branch.pk] += 1
            new.append(Person(name=f"答题{i:05d}", gender="12"[i % 2], political_status=PoliticalStatus.FULL,
                              status=MemberStatus.NORMAL, join_date=date(2010, 7, 1),
                              full_date=date(2011, 7, 1),
                              birth_date=date(1960 + i % 40, 1 + i % 12, 1 + i % 28),
                              education="21", work_post="015", org=branch, scope_path=branch.path))
        Person.objects.bulk_create(new, batch_size=1000)
        figures.rebuild()
        people = list(Person.objects.filter(org__in=branches).order_by("id"))
        print(f"  {len(new)} people in bulk, figures rebuilt: {time.perf_counter() - t:.1f} s")
    people = people[:args.members]
    have = set(User.objects.filter(person__in=people).values_list("person_id", flat=True))
    unusable = make_password(None)
    User.objects.bulk_create([User(username=f"{PREFIX}{p.pk}", person=p, password=unusable)
                              for p in people if p.pk not in have])
    users = list(User.objects.filter(person__in=people).select_related("person").order_by("id"))
    with_token = set(Token.objects.filter(user__in=users).values_list("user_id", flat=True))
    Token.objects.bulk_create([Token(user=u, key=Token.generate_key()) for u in users if u.pk not in with_token])

    # one open attempt each, with at least two hours on the clock
    t = time.perf_counter()
    now = timezone.now()
    current = {a.person_id: a for a in Attempt.objects.filter(person__in=people, state=AttemptState.OPEN)}
    started = renewed = 0
    for k, user in enumerate(users):
        attempt = current.get(user.person_id)
        if attempt is not None and attempt.deadline - now >= MIN_LEFT:
            continue
        if attempt is not None:
            services.submit(user, attempt.pk)
            renewed += 1
        services.start_attempt(user, Tier.values[k % len(Tier.values)], seed=args.seed * 100_000 + k)
        started += 1
    if started:
        print(f"  {started} attempts started ({renewed} renewed) through services.start_attempt: "
              f"{time.perf_counter() - t:.1f} s")
    pairs = bench_pairs()
    print(f"ready: {len(pairs)} members with a token and an open attempt of "
          f"{min(n for _k, _a, n in pairs)}–{max(n for _k, _a, n in pairs)} questions, "
          f"PostgreSQL {server_version()}, database {connection.settings_dict['NAME']}")


def bench_pairs():
    """(token key, attempt id, questions) of every bench member with an open attempt of time left."""
    now = timezone.now()
    rows = (Attempt.objects.filter(person__user__username__startswith=PREFIX, state=AttemptState.OPEN,
                                   deadline__gt=now + timedelta(minutes=15))
            .values_list("person__user__auth_token__key", "pk", "total").order_by("pk"))
    return [r for r in rows if r[0]]


# ---- run -----------------------------------------------------------------------------------------------------

LUA = r"""
-- generated by bench/exams.py
local mode = "%(mode)s"
local pairs_ = { %(pairs)s }
counts = {}  -- global: thread:get() reads globals
local threads = {}
local n = 0

function setup(thread)
  n = n + 1
  thread:set("tid", n)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(%(seed)d + tid * 7919)
  counts = {}
end

function request()
  if mode == "healthz" then
    return wrk.format("GET", "/healthz")
  end
  local p = pairs_[math.random(#pairs_)]
  local body = '{"position": ' .. math.random(p[3]) .. ', "answer": ' .. math.random(0, 3) .. '}'
  return wrk.format("POST", "/api/v1/exams/attempts/" .. p[2] .. "/answers",
                    {["Authorization"] = "Token " .. p[1], ["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for status, c in pairs(t:get("counts")) do
      total[status] = (total[status] or 0) + c
    end
  end
  local parts = {}
  for status, c in pairs(total) do
    table.insert(parts, string.format('"%%d": %%d', status, c))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH-RESULT {"requests": %%d, "duration_us": %%d, "bytes": %%d, ' ..
    '"errors": {"connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d}, ' ..
    '"latency_us": {"p50": %%d, "p90": %%d, "p99": %%d, "max": %%d, "mean": %%.1f}, "statuses": {%%s}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    table.concat(parts, ", ")))
end
"""


def write_lua(folder, mode, pairs, seed):
    path = Path(folder) / f"{mode}.lua"
    items = ", ".join(f'{{"{key}", {pk}, {total}}}' for key, pk, total in pairs)
    path.write_text(LUA % {"mode": mode, "pairs": items, "seed": seed})
    return path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_status(port, path):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
            head = s.recv(64).decode("latin-1")
        return int(head.split()[1])
    except (OSError, IndexError, ValueError):
        return None


def start_server(args, env, port, log):
    cmd = [str(ROOT / ".venv" / "bin" / "gunicorn"), "dangjian.wsgi:application", "--bind", f"127.0.0.1:{port}",
           "--workers", str(args.workers), "--worker-class", args.worker_class, "--timeout", "60",
           "--config", "/dev/null", "--log-level", "warning"]
    if args.worker_class == "gthread":
        cmd += ["--threads", str(args.gthreads)]
    if args.access_log:
        cmd += ["--access-logfile", "/dev/null"]
    server = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while http_status(port, "/healthz") != 200:
        if server.poll() is not None or time.monotonic() > deadline:
            stop_server(server)
            sys.exit(f"gunicorn did not come up: see {log.name}")
        time.sleep(0.3)
    return server, " ".join(cmd[1:])


def stop_server(server):
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)  # the master stops its workers
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)


def process_tree(pid):
    """The pid and its children (gunicorn's master and workers)."""
    out = [pid]
    try:
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            out += process_tree(int(child))
    except OSError:
        pass
    return out


def cpu_seconds(pids):
    """{pid: CPU seconds (user + system)} of the processes still alive."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            out[pid] = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        except (OSError, IndexError):
            pass
    return out


def cpu_delta(before, after):
    """CPU seconds spent between two cpu_seconds() readings by the processes alive at both."""
    return sum(after[pid] - before[pid] for pid in after.keys() & before.keys())


def bench_backends():
    """The PostgreSQL backends connected to the bench database (the server's workers, CONN_MAX_AGE keeping them),
    this process's own excepted."""
    with connection.cursor() as cur:
        cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        pids = [r[0] for r in cur.fetchall()]
    connection.close()
    return pids


def machine_cpu():
    """(busy, total) jiffies of the whole machine."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def wrk(args, port, script, duration):
    """One wrk run; returns its figures (and the CPU seconds of wrk, the server and PostgreSQL meanwhile)."""
    cmd = ["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{duration}s", "--timeout", "10s",
           "-s", str(script), f"http://127.0.0.1:{port}"]
    server_pids, pg_pids = process_tree(args.server_pid), bench_backends()
    before = (resource.getrusage(resource.RUSAGE_CHILDREN), cpu_seconds(server_pids), cpu_seconds(pg_pids),
              machine_cpu())
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    after = (resource.getrusage(resource.RUSAGE_CHILDREN), cpu_seconds(server_pids), cpu_seconds(pg_pids),
             machine_cpu())
    line = next((x for x in out.stdout.splitlines() if x.startswith("BENCH-RESULT ")), None)
    if out.returncode != 0 or line is None:
        sys.exit(f"wrk failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    r = json.loads(line.removeprefix("BENCH-RESULT "))
    seconds = r["duration_us"] / 1e6
    r["rps"] = r["requests"] / seconds
    r["non_2xx"] = sum(c for status, c in r["statuses"].items() if not 200 <= int(status) < 300)
    r["socket_errors"] = sum(v for k, v in r["errors"].items() if k != "status")
    busy, total = after[3][0] - before[3][0], after[3][1] - before[3][1]
    r["cpu"] = {  # seconds of CPU during the run, and per request in ms
        "wrk_s": round((after[0].ru_utime + after[0].ru_stime) - (before[0].ru_utime + before[0].ru_stime), 2),
        "gunicorn_s": round(cpu_delta(before[1], after[1]), 2),
        "postgres_s": round(cpu_delta(before[2], after[2]), 2),  # backends of the bench database (no WAL writer)
        "machine_busy_share": round(busy / total, 3) if total else None,
    }
    r["cpu"]["gunicorn_ms_per_request"] = round(r["cpu"]["gunicorn_s"] * 1000 / max(1, r["requests"]), 3)
    r["cpu"]["postgres_ms_per_request"] = round(r["cpu"]["postgres_s"] * 1000 / max(1, r["requests"]), 3)
    return r


def show(label, r):
    lat = r["latency_us"]
    cpu = r["cpu"]
    print(f"  {label:8} {r['rps']:8.0f} req/s  p50 {lat['p50'] / 1000:6.2f} ms  p99 {lat['p99'] / 1000:6.2f} ms  "
          f"{r['requests']:7d} requests, non-2xx {r['non_2xx']}, socket errors {r['socket_errors']}; CPU per request: "
          f"gunicorn {cpu['gunicorn_ms_per_request']:.2f} ms, PostgreSQL {cpu['postgres_ms_per_request']:.2f} ms "
          f"(wrk {cpu['wrk_s']:.1f} s, machine busy {cpu['machine_busy_share']:.0%})")


def run(args, env):
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk (it is not a project dependency).")
    pairs = bench_pairs()
    if not pairs:
        sys.exit("No prepared members with an open attempt: run `python bench/exams.py prepare` first.")
    item_ids = AttemptItem.objects.filter(attempt_id__in=[pk for _k, pk, _n in pairs])
    started_at = timezone.now()
    meta = {
        "date": timezone.localdate().isoformat(), "started_at": started_at.isoformat(), "label": args.label,
        "machine": {"cores": os.cpu_count(), "ram_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
                                                              / 2**30, 1),
                    "cpu": cpu_model(), "python": platform.python_version(),
                    "load_average_before": [round(x, 2) for x in os.getloadavg()]},
        "postgresql": server_version(), "database": connection.settings_dict["NAME"],
        "conn_max_age": settings.DATABASES["default"]["CONN_MAX_AGE"] if args.conn_max_age is None
        else int(args.conn_max_age),
        "members": len(pairs),
        "wrk": {"threads": args.threads, "connections": args.connections, "duration_s": args.duration,
                "rounds": args.rounds, "warmup_s": args.warmup, "version": wrk_version()},
    }
    connection.close()  # the server's workers have their own; this process only checks afterwards
    port = free_port()
    tmp = Path(tempfile.mkdtemp(prefix="bench-exams-"))
    log = open(tmp / "gunicorn.log", "w")  # noqa: SIM115 (kept open for the server's lifetime)
    scripts = {m: write_lua(tmp, m, pairs, args.seed) for m in ("answer", "healthz")}
    print(f"exam answers under load: {len(pairs)} members, wrk -t{args.threads} -c{args.connections} "
          f"-d{args.duration}s × {args.rounds} rounds, {args.workers} {args.worker_class} workers"
          f"{f' × {args.gthreads} threads' if args.worker_class == 'gthread' else ''}, PostgreSQL {meta['postgresql']}, "
          f"CONN_MAX_AGE {meta['conn_max_age']}, load average {meta['machine']['load_average_before']}")
    server, server_cmd = start_server(args, env, port, log)
    args.server_pid = server.pid
    meta["gunicorn"] = {"command": server_cmd, "workers": args.workers, "worker_class": args.worker_class,
                        "threads": args.gthreads if args.worker_class == "gthread" else 1}
    runs = {"answer": [], "healthz": []}
    try:
        if args.warmup:
            for mode in ("answer", "healthz"):
                wrk(args, port, scripts[mode], args.warmup)
        for k in range(args.rounds):
            for mode in ("answer", "healthz"):
                r = wrk(args, port, scripts[mode], args.duration)
                runs[mode].append(r)
                show(f"{mode} {k + 1}", r)
    finally:
        stop_server(server)
        log.close()
    server_log = (tmp / "gunicorn.log").read_text()[-4000:]

    # correctness: every answer 200, the answers are in the database, no attempt left the open state. With the
    # cache in Redis the answers are written behind (exams/buffer.py): the beat task's flush is done here first.
    from dangjian.exams import buffer

    flushed = buffer.flush_dirty() if buffer.enabled() else None
    saved = item_ids.filter(answered_at__gte=started_at, response__isnull=False).count()
    not_open = Attempt.objects.filter(pk__in=[pk for _k, pk, _n in pairs]).exclude(state=AttemptState.OPEN).count()
    answer_requests = sum(r["requests"] for r in runs["answer"])  # timed runs; the warm-up saved some too
    errors = {m: {"non_2xx": sum(r["non_2xx"] for r in runs[m]), "socket": sum(r["socket_errors"] for r in runs[m])}
              for m in runs}

    def median(mode, getter):
        return stats.median(getter(r) for r in runs[mode])

    summary = {m: {"rps": round(median(m, lambda r: r["rps"]), 1),
                   "p50_ms": round(median(m, lambda r: r["latency_us"]["p50"]) / 1000, 2),
                   "p99_ms": round(median(m, lambda r: r["latency_us"]["p99"]) / 1000, 2),
                   "gunicorn_cpu_ms_per_request": round(median(m, lambda r: r["cpu"]["gunicorn_ms_per_request"]), 3),
                   "postgres_cpu_ms_per_request": round(median(m, lambda r: r["cpu"]["postgres_ms_per_request"]), 3)}
               for m in runs}
    ratio = summary["answer"]["rps"] / summary["healthz"]["rps"]
    checks = {"answers_in_timed_runs": answer_requests, "items_answered_since_start": saved,
              "written_behind_flushed_after_the_run": flushed,
              "attempts_not_open": not_open, "errors": errors}
    ok = (errors["answer"]["non_2xx"] == 0 and errors["healthz"]["non_2xx"] == 0 and saved > 0 and not_open == 0
          and all(e["socket"] == 0 for e in errors.values()))
    result = {**meta, "summary": summary, "ratio": round(ratio, 3), "target": 0.5, "meets_target": ratio >= 0.5,
              "checks": checks, "correct": ok, "runs": runs,
              "load_average_after": [round(x, 2) for x in os.getloadavg()]}

    print(f"{'':10} {'req/s':>8} {'p50':>9} {'p99':>9}   CPU per request (gunicorn / PostgreSQL)")
    for m in ("answer", "healthz"):
        s = summary[m]
        print(f"  {m:8} {s['rps']:8.0f} {s['p50_ms']:7.2f}ms {s['p99_ms']:7.2f}ms   "
              f"{s['gunicorn_cpu_ms_per_request']:.2f} / {s['postgres_cpu_ms_per_request']:.2f} ms")
    print(f"ratio answer / healthz = {ratio:.3f} (target ≥ 0.5: {'met' if ratio >= 0.5 else 'NOT met'})")
    print(f"checks: non-2xx answer {errors['answer']['non_2xx']}, healthz {errors['healthz']['non_2xx']}; socket errors "
          f"{errors['answer']['socket']} / {errors['healthz']['socket']}; {saved:,} distinct items answered since the "
          f"start (warm-up included; {answer_requests:,} timed answers, random over {item_ids.count():,} items); "
          f"attempts no longer open: "
          f"{not_open} → {'OK' if ok else 'FAILED'}")
    if not ok:
        print(f"gunicorn log (end):\n{server_log}")
    if not args.no_save:
        folder = ROOT / "bench" / "results"
        folder.mkdir(exist_ok=True)
        path = folder / f"exams-{meta['date']}.json"
        if path.exists():
            path = folder / f"exams-{meta['date']}-{started_at.astimezone().strftime('%H%M%S')}.json"
        path.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
        print(f"written: {path.relative_to(ROOT)}")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


def cpu_model():
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def wrk_version():
    out = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    return (out.stdout or out.stderr).split(" Copyright")[0].strip()


# ---- profile -------------------------------------------------------------------------------------------------

def profile(args):
    """The two requests in this process, through the whole middleware stack: SQL sent, time, cProfile."""
    import cProfile
    import pstats

    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    pairs = bench_pairs()
    if not pairs:
        sys.exit("No prepared members with an open attempt: run `python bench/exams.py prepare` first.")
    rng = random.Random(args.seed)
    client = Client(HTTP_HOST="127.0.0.1")

    def answer():
        key, pk, total = rng.choice(pairs)
        r = client.post(f"/api/v1/exams/attempts/{pk}/answers",
                        json.dumps({"position": rng.randint(1, total), "answer": rng.randint(0, 3)}),
                        content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}")
        assert r.status_code == 200, (r.status_code, r.content[:300])

    def healthz():
        r = client.get("/healthz")
        assert r.status_code == 200, r.status_code

    for label, fn in (("answer", answer), ("healthz", healthz)):
        fn()
        with CaptureQueriesContext(connection) as ctx:
            fn()
        print(f"{label}: {len(ctx.captured_queries)} statements")
        for q in ctx.captured_queries:
            print(f"    {q['time']}s  {q['sql'][:160]}")
        fn_times = []
        for _ in range(min(args.n, 500)):
            t = time.perf_counter()
            fn()
            fn_times.append((time.perf_counter() - t) * 1000)
        print(f"  one request in-process: median {stats.median(fn_times):.2f} ms over {len(fn_times)}")
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.n):
        answer()
    profiler.disable()
    out = pstats.Stats(profiler).strip_dirs().sort_stats("tottime")
    print(f"\ncProfile of {args.n} answers (own time):")
    out.print_stats(25)
    out.sort_stats("cumulative").print_stats(40)


def main(args):
    if args.case == "prepare":
        prepare(args)
        return 0
    if args.case == "profile":
        profile(args)
        return 0
    return run(args, bench_environment(args))


if __name__ == "__main__":
    sys.exit(main(ARGS))
