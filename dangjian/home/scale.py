"""Synthetic scale data: a tree of tens of thousands of organisations and a million people, for benchmarks.

The tree is root 工委 → higher committees → 基层党委 → 党总支 → 党支部 → 党小组 (some branches directly under a
committee), with materialized paths and depths as orgs.services would write them. People follow the
proportions of the 2024 党内统计公报 (domain.md): categories, women 30.9 %, minorities 7.7 %, college 57.6 %,
age bands, occupations; development dates follow the same rules as the demo (demo.career_dates). ID numbers
are valid GB 11643 numbers, encrypted, blind-indexed and masked exactly as Person.set_id_number does (one
AES-GCM object reused: ~2 µs a row), so search by ID number and reveal work on scale data too.

Rows are written without the ORM: COPY on PostgreSQL (secondary indexes of the person table dropped first and
rebuilt once at the end), executemany in chunks on SQLite. No per-row audit: a single summary entry.
"""

import itertools
import os
import random
import time
from base64 import b64encode
from datetime import UTC, date, datetime, timedelta
from hashlib import sha256
from hmac import new as hmac_new

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import connection, transaction
from django.utils import timezone

from dangjian.accounts.models import Post, Role
from dangjian.audit import chain
from dangjian.core.modules import modules
from dangjian.orgs.models import PATH_STEP, Organization, OrgStatus, OrgType
from dangjian.people import crypto, figures
from dangjian.people.codes import MemberStatus, PoliticalStatus
from dangjian.people.models import Person
from dangjian.people.rules import id_check_char

from . import demo

ROOT_CODE = "SCALE-ROOT"
CODE_PREFIX = "SCALE-"

# Shares of the whole person table (members dominate; applicants and activists per the bulletin's ratios).
CATEGORIES = ((PoliticalStatus.FULL, 74.0), (PoliticalStatus.PROBATIONARY, 2.5), (PoliticalStatus.CANDIDATE, 1.5),
              (PoliticalStatus.ACTIVIST, 6.0), (PoliticalStatus.APPLICANT, 8.0), (PoliticalStatus.MASSES, 8.0))
MIN_AGE = {PoliticalStatus.FULL: 24, PoliticalStatus.PROBATIONARY: 23, PoliticalStatus.CANDIDATE: 23,
           PoliticalStatus.ACTIVIST: 21, PoliticalStatus.APPLICANT: 19, PoliticalStatus.MASSES: 18}
MEMBER_STATUSES = ((MemberStatus.NORMAL, 95.8), (MemberStatus.FLOWING, 2.5), (MemberStatus.LOST, 0.3),
                   (MemberStatus.SUSPENDED, 0.1), (MemberStatus.LEFT, 0.2), (MemberStatus.DECEASED, 1.1))
# Age bands of the bulletin: ≤30 12.2 %, ≥61 28.9 %, the middle bands sharing the rest.
AGE_BANDS = ((18, 30, 12.2), (31, 35, 9.0), (36, 40, 8.8), (41, 45, 8.0), (46, 50, 8.6), (51, 55, 12.0),
             (56, 60, 12.3), (61, 95, 28.9))
EDUCATION = (("11", 1.2), ("14", 8.0), ("21", 28.0), ("31", 20.4), ("41", 9.0), ("44", 2.0), ("47", 1.4),
             ("61", 12.0), ("71", 14.0), ("81", 4.0))  # 大专及以上 57.6 %
# Occupations (millions of members, domain.md): farmers 26.1, retired 21.5, professionals 16.4, managers 11.6,
# organs 7.6, workers 6.6, students 2.6, other 7.8 — spread over the work-post codes.
WORK_POSTS = (("1", 22.0), ("113", 4.1), ("4", 21.5), ("013", 6.0), ("015", 6.4), ("022", 4.0), ("012", 3.5),
              ("014", 4.5), ("021", 2.8), ("023", 0.8), ("011", 7.6), ("016", 4.0), ("025", 2.6), ("3", 2.6),
              ("2", 0.8), ("5", 7.0))
PHONE_PREFIXES = ("139", "138", "137", "136", "135", "158", "159", "188", "187", "150", "151", "152", "130",
                  "131", "132", "155", "156", "186", "133", "153", "180", "189", "177", "199")
PROVINCES = ("广东省", "浙江省", "江苏省", "上海市", "北京市", "四川省", "湖北省", "福建省", "山东省", "河南省")
TYPE_LABEL = {OrgType.HIGHER_COMMITTEE: "工委", OrgType.COMMITTEE: "党委", OrgType.GENERAL_BRANCH: "党总支",
              OrgType.BRANCH: "党支部", OrgType.GROUP: "党小组"}
UNIT_WORDS = ("市直机关", "交通运输局", "教育局", "卫生健康委", "城投集团", "供电公司", "人民医院", "第一中学",
              "经济开发区", "街道", "镇", "农业农村局", "水务集团", "科技园区", "税务局", "文旅集团")


def _cum(pairs):
    values = [v for v, _w in pairs]
    return values, list(itertools.accumulate(w for _v, w in pairs))


def plan_tree(n_orgs, rng):
    """[(type, parent index or None)] in creation order (parents first)."""
    if n_orgs < 10:
        raise ValueError("seed_scale needs at least 10 organisations")
    n_higher = max(1, n_orgs // 3000)
    n_committee = max(2, round(n_orgs * 0.02))
    n_general = max(2, round(n_orgs * 0.05))
    n_branch = max(3, round(n_orgs * 0.40))
    n_group = n_orgs - 1 - n_higher - n_committee - n_general - n_branch
    if n_group < 0:
        raise ValueError("too few organisations for the tree")
    plan = [(OrgType.HIGHER_COMMITTEE, None)]
    higher = list(range(1, 1 + n_higher))
    plan += [(OrgType.HIGHER_COMMITTEE, 0)] * n_higher
    committees = list(range(len(plan), len(plan) + n_committee))
    plan += [(OrgType.COMMITTEE, rng.choice(higher)) for _ in range(n_committee)]
    generals = list(range(len(plan), len(plan) + n_general))
    plan += [(OrgType.GENERAL_BRANCH, committees[i % n_committee] if i < n_committee else rng.choice(committees))
             for i in range(n_general)]
    branches = list(range(len(plan), len(plan) + n_branch))
    for i in range(n_branch):  # every committee and general branch gets at least one branch
        if i < n_committee:
            parent = committees[i]
        elif i < n_committee + n_general:
            parent = generals[i - n_committee]
        else:
            parent = rng.choice(generals) if rng.random() < 0.7 else rng.choice(committees)
        plan.append((OrgType.BRANCH, parent))
    plan += [(OrgType.GROUP, branches[i % n_branch] if i < n_branch else rng.choice(branches))
             for i in range(n_group)]
    return plan


class _Writer:
    """Append rows to a table: COPY on PostgreSQL, executemany on SQLite (both without the ORM or signals)."""

    def __init__(self, model, chunk=20000):
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.columns = [f.column for f in self.fields]
        self.defaults = {f.column: (f.get_default() if f.has_default() or f.null else None) for f in self.fields}
        self.pg = connection.vendor == "postgresql"
        self.chunk = chunk
        self.rows = []
        self.count = 0
        self._copy = None
        self._cursor = None

    def __enter__(self):
        self._cursor = connection.cursor()
        if self.pg:
            cols = ", ".join(f'"{c}"' for c in self.columns)
            self._copy_cm = self._cursor.cursor.copy(f'COPY "{self.model._meta.db_table}" ({cols}) FROM STDIN')
            self._copy = self._copy_cm.__enter__()
        return self

    def add(self, values):
        defaults = self.defaults
        self.rows.append([values[c] if c in values else defaults[c] for c in self.columns])
        if len(self.rows) >= self.chunk:
            self.flush()

    def flush(self):
        if not self.rows:
            return
        if self.pg:
            self._copy.write("".join("\t".join(map(_pg_text, row)) + "\n" for row in self.rows))
        else:
            placeholders = ", ".join(["%s"] * len(self.columns))
            cols = ", ".join(f'"{c}"' for c in self.columns)
            self._cursor.executemany(f'INSERT INTO "{self.model._meta.db_table}" ({cols}) VALUES ({placeholders})',
                                     [[_sqlite_value(v) for v in row] for row in self.rows])
        self.count += len(self.rows)
        self.rows = []

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.flush()
        if self.pg:
            self._copy_cm.__exit__(exc_type, exc, tb)
        self._cursor.close()
        return False


def _pg_text(v):
    if type(v) is str:  # nearly every value: the fast path first
        return v
    if v is None:
        return "\\N"
    if v is True:
        return "t"
    if v is False:
        return "f"
    if isinstance(v, dict | list):
        import json

        return json.dumps(v, ensure_ascii=False).replace("\\", "\\\\")
    return str(v)


def _sqlite_value(v):
    if isinstance(v, datetime):
        return v.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, dict | list):
        import json

        return json.dumps(v, ensure_ascii=False)
    return v


def _next_id(model):
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def _sync_sequence(model):
    if connection.vendor == "postgresql":
        table = model._meta.db_table
        with connection.cursor() as cur:
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 1) FROM {table}))")


def _drop_secondary(table):
    """Drop the foreign keys and the indexes backing no constraint of `table` (PostgreSQL); returns the SQL
    that recreates them. Loading a million rows and then building each index once (and checking each foreign
    key with one join) is several times faster than maintaining them row by row."""
    with connection.cursor() as cur:
        cur.execute("""SELECT i.indexname, i.indexdef FROM pg_indexes i
                       WHERE i.tablename = %s AND i.indexname NOT IN (
                         SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)""", [table, table])
        indexes = cur.fetchall()
        cur.execute("""SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
                       WHERE conrelid = %s::regclass AND contype = 'f'""", [table])
        fks = cur.fetchall()
        for name, _definition in fks:
            cur.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cur.execute(f'DROP INDEX "{name}"')
    return [d for _n, d in indexes] + [f'ALTER TABLE "{table}" ADD CONSTRAINT "{n}" {d}' for n, d in fks]


def reset(stdout=None):
    """Remove the scale data (every organisation under the scale root and the people in them)."""
    roots = list(Organization.objects.filter(code__startswith=ROOT_CODE, parent=None).values_list("path", flat=True))
    if not roots:
        return 0
    with transaction.atomic(), connection.cursor() as cur:
        removed = 0
        for path in roots:
            like = path + "%"
            org_ids = "SELECT id FROM orgs_organization WHERE path LIKE %s"
            person_ids = "SELECT id FROM people_person WHERE scope_path LIKE %s OR org_id IN (" + org_ids + ")"
            cur.execute(f"UPDATE accounts_user SET person_id = NULL WHERE person_id IN ({person_ids})", [like, like])
            for table in ("transfers_flowrecord", "transfers_transfer", "accounts_post"):
                cur.execute(f"DELETE FROM {table} WHERE person_id IN ({person_ids})", [like, like])
            cur.execute(f"DELETE FROM accounts_post WHERE org_id IN ({org_ids})", [like])
            cur.execute(f"DELETE FROM people_person WHERE id IN ({person_ids})", [like, like])
            removed += cur.rowcount
            cur.execute(f"DELETE FROM orgs_orgevent WHERE org_id IN ({org_ids})", [like])
            cur.execute(f"DELETE FROM people_orgfigures WHERE org_id IN ({org_ids})", [like])
            # children before parents (the parent FK is checked at once on SQLite)
            cur.execute("UPDATE orgs_organization SET parent_id = NULL WHERE path LIKE %s", [like])
            cur.execute("DELETE FROM orgs_organization WHERE path LIKE %s", [like])
        chain.record(chain.AuditEntry.Action.DELETE, "core.scale_data", "", object_repr="seed_scale --reset",
                     after={"people_removed": removed}, note="synthetic scale data removed")
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # make the freed space reusable, or the next load appends after a million dead rows
        with connection.cursor() as cur:
            cur.execute("VACUUM people_person")
            cur.execute("VACUUM orgs_organization")
    return removed


def seed_scale(people=1_000_000, orgs=60_000, seed=1, log=print):
    """Build the tree and the people. Returns a dict of counts and timings (seconds)."""
    rng = random.Random(seed)
    today = timezone.localdate()
    now = timezone.now()
    timings = {}
    started = time.perf_counter()
    plan = plan_tree(orgs, rng)
    pg = connection.vendor == "postgresql"

    with transaction.atomic():
        if pg:
            with connection.cursor() as cur:
                cur.execute("LOCK TABLE orgs_organization, people_person IN EXCLUSIVE MODE")
                cur.execute("SET LOCAL maintenance_work_mem = '1GB'")
                cur.execute("SET LOCAL synchronous_commit = off")
        # --- organisations -------------------------------------------------------------------------------
        first_org = _next_id(Organization)
        if first_org + len(plan) >= 10 ** PATH_STEP:
            raise ValueError("organisation ids would overflow the 8-digit path segments")
        root_code = ROOT_CODE if not Organization.objects.filter(code=ROOT_CODE).exists() else f"{ROOT_CODE}-{first_org}"
        paths, types = [], []
        counters = {}
        with _Writer(Organization) as w:
            for i, (org_type, parent) in enumerate(plan):
                pk = first_org + i
                path = (paths[parent] if parent is not None else "") + f"{pk:0{PATH_STEP}d}"
                paths.append(path)
                types.append(org_type)
                n = counters[org_type] = counters.get(org_type, 0) + 1
                if org_type == OrgType.GROUP:
                    name = f"第{n}党小组"
                elif org_type in (OrgType.BRANCH, OrgType.GENERAL_BRANCH):
                    name = f"第{n}{TYPE_LABEL[org_type]}"
                elif parent is None:
                    name = "规模测试市委组织部直属工委"
                else:
                    name = f"{UNIT_WORDS[n % len(UNIT_WORDS)]}{n}{TYPE_LABEL[org_type]}"
                term = None
                if org_type != OrgType.GROUP:
                    years = 5 if org_type in (OrgType.COMMITTEE, OrgType.HIGHER_COMMITTEE) else 3
                    term_end = today + timedelta(days=rng.randrange(-200, years * 365))
                    term = (demo.add_years(term_end, -years), term_end)
                w.add({
                    "id": pk, "name": name, "short_name": name[:60], "org_type": org_type,
                    "code": root_code if parent is None else f"{CODE_PREFIX}{pk}",
                    "parent_id": first_org + parent if parent is not None else None, "path": path,
                    "depth": len(path) // PATH_STEP, "is_joint": False,
                    "founded_on": date(1990 + rng.randrange(35), 1 + rng.randrange(12), 1),
                    "term_start": term[0] if term else None, "term_end": term[1] if term else None,
                    "contact_name": "", "contact_phone": "", "address": "", "status": OrgStatus.ACTIVE,
                    "dissolved_on": None, "sort_order": 0, "version": 1, "created_at": now, "updated_at": now,
                })
        _sync_sequence(Organization)
        if pg:  # check the parent keys now: ALTER TABLE below refuses to run with checks pending
            with connection.cursor() as cur:
                cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cur.execute("SET CONSTRAINTS ALL DEFERRED")
        timings["orgs"] = time.perf_counter() - started
        log(f"  {len(plan)} organisations in {timings['orgs']:.1f}s")

        # --- people --------------------------------------------------------------------------------------
        t0 = time.perf_counter()
        recreate = _drop_secondary(Person._meta.db_table) if pg else []
        branches = [i for i, t in enumerate(types) if t == OrgType.BRANCH]
        groups_of = {}
        for i, (t, parent) in enumerate(plan):
            if t == OrgType.GROUP:
                groups_of.setdefault(parent, []).append(i)
        counts = _write_people(people, rng, today, now, plan, paths, branches, groups_of, first_org, log)
        timings["people_rows"] = time.perf_counter() - t0
        log(f"  {people} people written in {timings['people_rows']:.1f}s")
        if recreate:
            t1 = time.perf_counter()
            with connection.cursor() as cur:
                for statement in recreate:
                    cur.execute(statement)
            timings["indexes"] = time.perf_counter() - t1
            log(f"  {len(recreate)} person indexes and foreign keys rebuilt in {timings['indexes']:.1f}s")
        _sync_sequence(Person)

        # --- posts: a secretary for most organisations ---------------------------------------------------
        t2 = time.perf_counter()
        holder = counts.pop("holders")
        n_posts = 0
        first_post = _next_id(Post)
        with _Writer(Post) as w:
            for i, t in enumerate(types):
                if t == OrgType.GROUP or i not in holder or rng.random() < 0.04:
                    continue
                w.add({"id": first_post + n_posts, "person_id": holder[i], "org_id": first_org + i,
                       "role": Role.SECRETARY, "start_date": today - timedelta(days=rng.randrange(30, 1500)),
                       "end_date": None, "note": "", "created_at": now})
                n_posts += 1
        _sync_sequence(Post)
        timings["posts"] = time.perf_counter() - t2
        t5 = time.perf_counter()
        figures.rebuild(today.year)  # the per-organisation counts the statistics read (people.figures)
        timings["figures"] = time.perf_counter() - t5
        log(f"  people figures of every organisation counted in {timings['figures']:.1f}s")
        if pg:
            t3 = time.perf_counter()
            with connection.cursor() as cur:
                for table in ("orgs_organization", "people_person", "accounts_post", "people_orgfigures"):
                    cur.execute(f"ANALYZE {table}")
            timings["analyze"] = time.perf_counter() - t3
        root = Organization.objects.get(path=paths[0])
        for module in modules():  # each module adds its own rows at scale (core/modules.py)
            t6 = time.perf_counter()
            module.seed_scale(root, today, log)
            if time.perf_counter() - t6 > 0.5:
                timings[module.label] = time.perf_counter() - t6
        timings["total"] = time.perf_counter() - started
        result = {"orgs": len(plan), "people": people, "posts": n_posts, **counts,
                  "seconds": {k: round(v, 1) for k, v in timings.items()}, "database": connection.vendor,
                  "seed": seed}
        chain.record(chain.AuditEntry.Action.IMPORT, "core.scale_data", first_org,
                     object_repr="seed_scale", org_path=paths[0], after=result,
                     note="synthetic scale data, written in bulk: rows are not audited one by one")
    if pg and not connection.in_atomic_block:  # set the visibility map: index-only scans from the start
        t4 = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE people_person")
        result["seconds"]["vacuum"] = round(time.perf_counter() - t4, 1)
        result["seconds"]["total"] = round(time.perf_counter() - started, 1)
    return result


def _write_people(n_people, rng, today, now, plan, paths, branches, groups_of, first_org, log):
    enc_key, index_key = crypto.keys()
    aes = AESGCM(enc_key)
    urandom = os.urandom
    rand = rng.random
    choices = rng.choices
    randrange = rng.randrange
    categories, cat_cum = _cum(CATEGORIES)
    statuses, status_cum = _cum(MEMBER_STATUSES)
    bands, band_cum = _cum([((lo, hi), w) for lo, hi, w in AGE_BANDS])
    educations, edu_cum = _cum(EDUCATION)
    posts, post_cum = _cum(WORK_POSTS)
    minorities = [code for code, _name in demo_ethnicities() if code not in ("01", "97", "98")]
    regions, region_cum = demo.REGIONS, demo.REGION_CUM_WEIGHTS
    today_ord = today.toordinal()
    ref = date(today.year, 12, 31)
    seen = set(Person.objects.exclude(id_number_hash=None).values_list("id_number_hash", flat=True))
    first_person = _next_id(Person)
    holders = {}
    counts = {"flowing": 0, "by_category": dict.fromkeys(categories, 0)}
    full_code, prob_code = PoliticalStatus.FULL, PoliticalStatus.PROBATIONARY
    flows = []

    def encrypt(value):
        nonce = urandom(12)
        return crypto.PREFIX + b64encode(nonce + aes.encrypt(nonce, value.encode(), None)).decode()

    def blind(value):
        return hmac_new(index_key, value.encode(), sha256).hexdigest()

    n_branches = len(branches)
    with _Writer(Person, chunk=10000) as w:
        for k in range(n_people):
            pk = first_person + k
            category = choices(categories, cum_weights=cat_cum)[0]
            counts["by_category"][category] += 1
            is_member = category in (full_code, prob_code)
            female = rand() < (0.309 if is_member else 0.45)
            gender = "2" if female else "1"
            lo, hi = choices(bands, cum_weights=band_cum)[0]
            lo = max(lo, MIN_AGE[category])
            if category != full_code:
                hi = min(max(hi, lo), 45)
                lo = min(lo, hi)
            age = lo + randrange(hi - lo + 1)
            born = date.fromordinal(ref.toordinal() - age * 365 - randrange(365) - age // 4)
            if born > today:
                born = today
            # the ID number: region, birth date, sequence with the gender's parity, check character
            while True:
                first17 = (f"{choices(regions, cum_weights=region_cum)[0]}{born:%Y%m%d}"
                           f"{randrange(500) * 2 + (0 if female else 1):03d}")
                number = first17 + id_check_char(first17)
                id_hash = blind(number)
                if id_hash not in seen:
                    seen.add(id_hash)
                    break
            phone = choices(PHONE_PREFIXES)[0] + f"{randrange(10 ** 8):08d}"
            dates = demo.career_dates(rng, born, category, today)
            branch = branches[k % n_branches] if k < n_branches else branches[randrange(n_branches)]
            group = None
            if is_member and branch in groups_of and rand() < 0.8:
                g = groups_of[branch]
                group = g[randrange(len(g))]
            status = MemberStatus.NORMAL
            flow_destination = ""
            lost_on = None
            if is_member:
                status = choices(statuses, cum_weights=status_cum)[0]
                if status == MemberStatus.FLOWING:
                    flow_destination = f"{PROVINCES[randrange(len(PROVINCES))]} 务工经商"
                    counts["flowing"] += 1
                    flows.append((pk, first_org + branch, flow_destination))
                elif status == MemberStatus.LOST:
                    lost_on = date.fromordinal(today_ord - 200 - randrange(600))
                if category == full_code and status == MemberStatus.NORMAL and branch not in holders:
                    holders[branch] = pk
            work_post = choices(posts, cum_weights=post_cum)[0]
            if work_post == "4" and age < 50:
                work_post = "5"
            elif work_post == "3" and age > 30:
                work_post = "015"
            w.add({
                "id": pk, "created_at": now, "updated_at": now, "version": 1,
                "name": demo.random_name(rng, gender), "gender": gender,
                "ethnicity": minorities[randrange(len(minorities))] if rand() < 0.077 else "01",
                "birth_date": born,
                "id_number_enc": encrypt(number), "id_number_hash": id_hash,
                "id_number_masked": crypto.mask_id_number(number),
                "phone_enc": encrypt(phone), "phone_hash": blind(phone), "phone_masked": crypto.mask_phone(phone),
                "education": choices(educations, cum_weights=edu_cum)[0], "work_post": work_post,
                "address": "", "political_status": category,
                "status": status, **dates,
                "org_id": first_org + branch, "group_id": first_org + group if group is not None else None,
                "scope_path": paths[group if group is not None else branch],
                "flow_destination": flow_destination, "lost_contact_on": lost_on, "notes": "",
            })
            if k and k % 100000 == 0:
                log(f"    {k} people…")
    # the holders of the branch secretary posts; committees take one from a branch below them
    by_org = dict(holders)
    for i in sorted(holders, key=lambda b: -len(paths[b])):
        parent = plan[i][1]
        while parent is not None and parent not in by_org:
            by_org[parent] = holders[i]
            parent = plan[parent][1]
    counts["holders"] = by_org
    _write_flows(flows, rng, today, now)
    counts["by_category"] = {str(k): v for k, v in counts["by_category"].items()}
    return counts


def _write_flows(flows, rng, today, now):
    from dangjian.transfers.models import FlowRecord

    first = _next_id(FlowRecord)
    with _Writer(FlowRecord) as w:
        for n, (person_id, org_id, destination) in enumerate(flows):
            w.add({"id": first + n, "person_id": person_id, "org_id": org_id, "province": destination.split()[0],
                   "city": "", "county": "", "place": "", "reason": "务工经商", "contact": "",
                   "certificate_no": "", "left_on": today - timedelta(days=30 + rng.randrange(900)),
                   "returned_on": None, "created_at": now})
    _sync_sequence(FlowRecord)


def demo_ethnicities():
    from dangjian.people.codes import ETHNICITIES

    return ETHNICITIES
