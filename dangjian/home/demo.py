"""The demo organisation: 青河市市场监督管理局机关党委 with three general branches, sixteen branches with their
groups, about 300 people in every category, posts, committee terms, flowing members and two transfers.

Everything is derived from a fixed random seed, so the same people (same ID numbers) come out on every run;
`seed_demo()` creates what is missing and leaves what exists alone (idempotent). Organisations and people go
through the services (placement, ID checksum and date rules apply); dates are relative to today so that the
term warnings, the pending transfer and the overdue letter stay current on a fresh install.
"""

import itertools
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts import rules as perms
from dangjian.accounts.models import Post, Role, User
from dangjian.core.context import acting_as
from dangjian.core.modules import modules
from dangjian.orgs import services as org_services
from dangjian.orgs.models import Organization, OrgType
from dangjian.people import crypto
from dangjian.people import rules as people_rules
from dangjian.people import services as people_services
from dangjian.people.codes import MemberStatus, PoliticalStatus
from dangjian.people.models import Person

DEMO_PASSWORD = "dangjian-demo"
COMMITTEE_CODE = "DEMO-QHSJ"
SEED = 20260701

# Names: common surnames weighted roughly by frequency, and characters used in given names.
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
            "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔")
SURNAME_CUM_WEIGHTS = list(itertools.accumulate(max(1, 60 - i) for i in range(len(SURNAMES))))
GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳志建国文博海东晨亮成峰毅"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀燕玲桂丹萍红琳雪莉倩婷颖慧洁晶佳欣怡悦璐瑶露莹雯岚雅琴蕾薇梅"
GIVEN_ANY = "子嘉晓一思雨文佳诗梓欣宏永振春秋立新小天德玉"

# County codes (GB/T 2260) for the birthplace part of the ID numbers: a nearby province weighted first.
REGIONS = ("320102", "320104", "320105", "320106", "320111", "320113", "320115", "320116", "320281", "320582",
           "321002", "321081", "320902", "320311", "330106", "330102", "340104", "370102", "410105", "420106",
           "110105", "310104", "440305", "510104", "430102", "610113", "350102", "360102", "130102", "140105",
           "210102", "220102", "230102", "450103", "500103", "520102", "530102", "620102", "640104", "650102")
REGION_CUM_WEIGHTS = list(itertools.accumulate([12] * 14 + [2] * (len(REGIONS) - 14)))

FLOW_PLACES = (("广东省", "深圳市", "南山区", "深圳湾科技园某企业"), ("上海市", "上海市", "浦东新区", "张江某研究院"),
               ("浙江省", "杭州市", "滨江区", "某互联网公司"), ("北京市", "北京市", "海淀区", "中关村某单位"))


def random_name(rng, gender):
    surname = rng.choices(SURNAMES, cum_weights=SURNAME_CUM_WEIGHTS)[0]
    pool = GIVEN_MALE if gender == "1" else GIVEN_FEMALE
    if rng.random() < 0.3:
        return surname + rng.choice(pool)
    return surname + rng.choice(pool + GIVEN_ANY) + rng.choice(pool)


def random_phone(rng):
    return rng.choice(("139", "138", "137", "136", "135", "158", "159", "188", "187", "150", "151", "152",
                       "130", "131", "132", "155", "156", "186", "133", "153", "180", "189", "177", "199")) \
        + f"{rng.randrange(10 ** 8):08d}"


def id_number_for(rng, born, gender):
    """A valid GB 11643 number whose 17th digit matches the gender (odd: male)."""
    region = rng.choices(REGIONS, cum_weights=REGION_CUM_WEIGHTS)[0]
    seq = rng.randrange(500) * 2 + (1 if gender == "1" else 0)
    return people_rules.make_id_number(region, born, seq)


def add_years(d, years):
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def career_dates(rng, born, category, today):
    """Development dates consistent with domain.md §2: application at 18 or older, activist at least six
    months after applying (a common local rule), candidate after at least a year of cultivation, admission a few
    months later, full membership one year after admission. Draws a fixed number of random numbers."""
    u = [rng.random() for _ in range(5)]
    # the longest chain of draws below: 270 + 566 + 383 days from application to admission
    earliest_join = add_years(born, 18) + timedelta(days=1230)
    if category == PoliticalStatus.FULL:
        latest_join = add_years(today, -1) - timedelta(days=20)
        span = max((latest_join - earliest_join).days, 0)
        # most joined in their twenties: bias the draw towards the early end
        join = earliest_join + timedelta(days=int(span * (u[0] ** 1.6)) + int(u[4] * 60))
        join = min(join, latest_join)
    elif category == PoliticalStatus.PROBATIONARY:
        join = today - timedelta(days=30 + int(u[0] * 300))
    else:
        join = None
    if category == PoliticalStatus.CANDIDATE:
        candidate = today - timedelta(days=20 + int(u[0] * 280))
    elif join:
        candidate = join - timedelta(days=90 + int(u[1] * 180))
    else:
        candidate = None
    if category == PoliticalStatus.ACTIVIST:
        activist = today - timedelta(days=30 + int(u[0] * 600))
    elif candidate:
        activist = candidate - timedelta(days=366 + int(u[2] * 200))
    else:
        activist = None
    if category == PoliticalStatus.APPLICANT:
        applied = today - timedelta(days=10 + int(u[0] * 200))
    elif activist:
        applied = activist - timedelta(days=183 + int(u[3] * 200))
    else:
        applied = None
    full = add_years(join, 1) if category == PoliticalStatus.FULL else None
    return {"applied_on": applied, "activist_on": activist, "candidate_on": candidate, "join_date": join,
            "full_date": full}


# ---------------------------------------------------------------------------------------------------------
# The organisation: (key, code, name, short name, parent key, type, people, groups, term offset in days, flags)


@dataclass
class OrgSpec:
    key: str
    name: str
    short_name: str
    parent: str | None
    org_type: str
    people: int = 0
    groups: int = 0
    term_end_in: int = 600  # days from today to the end of the committee term (negative: expired)
    flags: tuple = ()

    @property
    def code(self):
        return COMMITTEE_CODE if self.key == "C" else f"{COMMITTEE_CODE}-{self.key}"


ORGS = [
    OrgSpec("C", "青河市市场监督管理局机关委员会", "局机关党委", None, OrgType.COMMITTEE, term_end_in=45),
    OrgSpec("G1", "青河市市场监督管理局机关第一总支部委员会", "机关第一党总支", "C", OrgType.GENERAL_BRANCH,
            term_end_in=700),
    OrgSpec("G2", "青河市市场监督管理局机关第二总支部委员会", "机关第二党总支", "C", OrgType.GENERAL_BRANCH,
            term_end_in=-25),
    OrgSpec("G3", "青河市市场监督管理局执法稽查局总支部委员会", "执法稽查局党总支", "C", OrgType.GENERAL_BRANCH,
            term_end_in=400),
    OrgSpec("B01", "办公室党支部", "办公室党支部", "G1", OrgType.BRANCH, 26, 3, 500),
    OrgSpec("B02", "人事教育科党支部", "人事教育科党支部", "G1", OrgType.BRANCH, 20, 2, 300),
    OrgSpec("B03", "政策法规科党支部", "政策法规科党支部", "G1", OrgType.BRANCH, 16, 1, 800),
    OrgSpec("B04", "财务装备科党支部", "财务装备科党支部", "G1", OrgType.BRANCH, 16, 2, 900),
    OrgSpec("B05", "登记注册科党支部", "登记注册科党支部", "G2", OrgType.BRANCH, 18, 2, 650),
    OrgSpec("B06", "食品生产监管科党支部", "食品生产科党支部", "G2", OrgType.BRANCH, 20, 2, 420),
    OrgSpec("B07", "食品经营监管科党支部", "食品经营科党支部", "G2", OrgType.BRANCH, 20, 2, 60),
    OrgSpec("B08", "药品医疗器械监管科党支部", "药械科党支部", "G2", OrgType.BRANCH, 18, 2, 720),
    OrgSpec("B09", "特种设备安全监察科党支部", "特种设备科党支部", "G2", OrgType.BRANCH, 14, 1, 540,
            flags=("secretary_only",)),
    OrgSpec("B10", "执法稽查一大队党支部", "稽查一大队党支部", "G3", OrgType.BRANCH, 22, 3, 380),
    OrgSpec("B11", "执法稽查二大队党支部", "稽查二大队党支部", "G3", OrgType.BRANCH, 20, 2, -40),
    OrgSpec("B12", "执法稽查三大队党支部", "稽查三大队党支部", "G3", OrgType.BRANCH, 18, 2, 610,
            flags=("vacant_secretary",)),
    OrgSpec("B13", "信息中心党支部", "信息中心党支部", "C", OrgType.BRANCH, 16, 2, 480),
    OrgSpec("B14", "计量检定测试所党支部", "计量所党支部", "C", OrgType.BRANCH, 18, 2, 830),
    OrgSpec("B15", "离退休干部党支部", "离退休党支部", "C", OrgType.BRANCH, 22, 3, 260, flags=("retired",)),
    OrgSpec("B16", "知识产权科党支部", "知识产权科党支部", "C", OrgType.BRANCH, 6, 1, 700, flags=("small",)),
]
GROUP_NAMES = ("第一党小组", "第二党小组", "第三党小组")
# How a branch's people split into categories (small and retired branches have their own mix).
MIX = ((PoliticalStatus.FULL, 0.64), (PoliticalStatus.PROBATIONARY, 0.05), (PoliticalStatus.CANDIDATE, 0.04),
       (PoliticalStatus.ACTIVIST, 0.06), (PoliticalStatus.APPLICANT, 0.05), (PoliticalStatus.MASSES, 0.16))
EDUCATION = (("14", 18), ("21", 55), ("31", 14), ("11", 3), ("41", 4), ("61", 6))
EDUCATION_RETIRED = (("21", 30), ("31", 25), ("41", 15), ("61", 20), ("71", 10))
WORK_POSTS = (("011", 70), ("012", 10), ("013", 12), ("016", 8))
MINORITIES = ("03", "11", "08", "06", "15", "10")


@dataclass
class PersonSpec:
    key: str
    branch: str
    group: int | None
    data: dict
    posts: list = field(default_factory=list)  # [(org key, role, start, end)]
    flow: dict | None = None  # a FlowRecord for a flowing member


def _categories(spec, rng):
    if "small" in spec.flags:
        return [PoliticalStatus.FULL] * 2 + [PoliticalStatus.PROBATIONARY, PoliticalStatus.ACTIVIST,
                                             PoliticalStatus.MASSES, PoliticalStatus.MASSES]
    if "retired" in spec.flags:
        return [PoliticalStatus.FULL] * spec.people
    out = []
    for category, share in MIX:
        out += [category] * max(1, round(spec.people * share))
    out = out[: spec.people]
    out += [PoliticalStatus.FULL] * (spec.people - len(out))
    return out


def build_plan(today=None):
    """The whole demo as plain data (no database access): orgs, people with posts, and extras."""
    today = today or timezone.localdate()
    ident = random.Random(SEED)  # identities (names, birth dates, ID numbers): never depend on today
    dates = random.Random(SEED + 1)
    people = []
    seen = set()
    for spec in ORGS:
        if spec.org_type != OrgType.BRANCH:
            continue
        categories = _categories(spec, ident)
        retired = "retired" in spec.flags
        member_index = 0
        for i, category in enumerate(categories):
            gender = "1" if ident.random() < (0.62 if category != PoliticalStatus.MASSES else 0.5) else "2"
            if retired:
                born = date(1940, 1, 1) + timedelta(days=ident.randrange(22 * 365))
            elif category == PoliticalStatus.FULL:
                born = date(1965, 1, 1) + timedelta(days=ident.randrange(34 * 365))
            else:
                born = date(1986, 1, 1) + timedelta(days=ident.randrange(15 * 365))
            number = id_number_for(ident, born, gender)
            while number in seen:
                number = id_number_for(ident, born, gender)
            seen.add(number)
            data = {
                "name": random_name(ident, gender),
                "gender": gender,
                "ethnicity": ident.choice(MINORITIES) if ident.random() < 0.07 else "01",
                "birth_date": born,
                "id_number": number,
                "phone": random_phone(ident),
                "education": ident.choices(*zip(*(EDUCATION_RETIRED if retired else EDUCATION), strict=True))[0],
                "work_post": "4" if retired else ident.choices(*zip(*WORK_POSTS, strict=True))[0],
                "political_status": category,
                "address": f"青河市{ident.choice(('城东区', '城西区', '滨江区', '高新区'))}"
                           f"{ident.choice(('和平路', '人民路', '解放路', '建设路', '长江路', '文化路'))}"
                           f"{ident.randrange(1, 300)}号",
            }
            data.update(career_dates(dates, born, category, today))
            is_member = category in (PoliticalStatus.FULL, PoliticalStatus.PROBATIONARY)
            group = None
            if is_member and spec.groups:
                group = member_index % spec.groups
                member_index += 1
            people.append(PersonSpec(f"{spec.key}-{i:02d}", spec.key, group, data))
    _plan_posts(people, today)
    _plan_statuses(people, today)
    return people


def _plan_posts(people, today):
    by_branch = {}
    for p in people:
        by_branch.setdefault(p.branch, []).append(p)
    taken = set()

    def take(branch, group=None):
        candidates = [p for p in by_branch[branch]
                      if p.data["political_status"] == PoliticalStatus.FULL and p.key not in taken
                      and (group is None or p.group == group)]
        candidates.sort(key=lambda p: (p.data["join_date"], p.key))
        chosen = candidates[0]
        taken.add(chosen.key)
        return chosen

    specs = {s.key: s for s in ORGS}

    def term_start(key):
        spec = specs[key]
        years = 5 if spec.org_type == OrgType.COMMITTEE else 3
        return add_years(today + timedelta(days=spec.term_end_in), -years)

    # Committee: secretary (the `committee` demo account), deputy, the three committee members, a Party worker.
    for branch, role in (("B01", Role.SECRETARY), ("B13", Role.DEPUTY_SECRETARY), ("B02", Role.ORGANISATION),
                         ("B03", Role.PROPAGANDA), ("B04", Role.DISCIPLINE), ("B14", Role.PARTY_WORKER)):
        take(branch).posts.append(("C", role, term_start("C"), None))
    # General branches: secretary, organisation and propaganda members from their branches.
    for g in ("G1", "G2", "G3"):
        branches = [s.key for s in ORGS if s.parent == g]
        for branch, role in zip(branches[1:] + branches[:1], (Role.SECRETARY, Role.ORGANISATION, Role.PROPAGANDA),
                                strict=False):
            take(branch).posts.append((g, role, term_start(g), None))
    for spec in ORGS:
        if spec.org_type != OrgType.BRANCH:
            continue
        start = term_start(spec.key)
        full = sum(1 for p in by_branch[spec.key] if p.data["political_status"] == PoliticalStatus.FULL)
        if "secretary_only" in spec.flags or full < 7:
            roles = [Role.SECRETARY]
        else:
            roles = [Role.SECRETARY, Role.ORGANISATION, Role.PROPAGANDA, Role.DISCIPLINE]
            if full >= 12:
                roles.insert(1, Role.DEPUTY_SECRETARY)
        for role in roles:
            end = None
            if role == Role.SECRETARY and "vacant_secretary" in spec.flags:
                end = today - timedelta(days=30)  # the secretary left; nobody elected yet
            take(spec.key).posts.append((spec.key, role, start, end))
        for g in range(spec.groups):
            take(spec.key, group=g).posts.append((f"{spec.key}-GR{g + 1}", Role.GROUP_LEADER, start, None))


def _plan_statuses(people, today):
    """A few flowing members (with where they are), one lost contact, one deceased retiree."""
    plain = [p for p in people if p.data["political_status"] == PoliticalStatus.FULL and not p.posts
             and p.branch not in ("B01", "B15", "B16")]
    for i, p in enumerate(plain[3::17][:4]):
        province, city, county, place = FLOW_PLACES[i % len(FLOW_PLACES)]
        p.data["status"] = MemberStatus.FLOWING
        p.data["flow_destination"] = f"{province}{city if city != province else ''}{county} {place}"
        p.flow = {"province": province, "city": city, "county": county, "place": place,
                  "reason": _("Working away from home"), "left_on": today - timedelta(days=200 + 40 * i),
                  "certificate_no": f"流动证〔{today.year}〕{i + 1:03d}号"}
    lost = [p for p in plain if p.branch == "B12" and "status" not in p.data][-1:]
    for p in lost:
        p.data["status"] = MemberStatus.LOST
        p.data["lost_contact_on"] = today - timedelta(days=240)
    retired = [p for p in people if p.branch == "B15" and not p.posts]
    if retired:
        retired[-1].data["status"] = MemberStatus.DECEASED


# Demo accounts: username -> how to find the person in the plan, what to say about them.
ACCOUNTS = ("committee", "branch1", "branch2", "group1", "member1", "masses1", "admin")


def _account_people(people):
    def holder(org, role):
        return next(p for p in people if any(o == org and r == role and e is None for o, r, _s, e in p.posts))

    member1 = next(p for p in people if p.branch == "B01" and p.group == 0 and not p.posts
                   and p.data["political_status"] == PoliticalStatus.FULL and "status" not in p.data)
    masses1 = next(p for p in people if p.branch == "B01" and p.data["political_status"] == PoliticalStatus.MASSES)
    return {
        "committee": holder("C", Role.SECRETARY),
        "branch1": holder("B01", Role.SECRETARY),
        "branch2": holder("B02", Role.SECRETARY),
        "group1": holder("B01-GR1", Role.GROUP_LEADER),
        "member1": member1,
        "masses1": masses1,
    }


# ---------------------------------------------------------------------------------------------------------


def demo_loaded():
    return Organization.objects.filter(code=COMMITTEE_CODE).exists()


@transaction.atomic
def seed_demo(today=None, stdout=None):
    """Create whatever of the demo is missing. Returns a dict of counts of the rows created."""
    today = today or timezone.localdate()
    created = {"orgs": 0, "people": 0, "posts": 0, "users": 0, "flows": 0, "transfers": 0}
    with acting_as(None, via="seed_demo"):
        orgs = _seed_orgs(today, created)
        people = build_plan(today)
        persons = _seed_people(people, orgs, created)
        _seed_posts(people, persons, orgs, created)
        _seed_flows(people, persons, orgs, created)
        users = _seed_users(people, persons, created)
        _seed_transfers(people, persons, orgs, users, today, created)
        root = Organization.objects.get(code=COMMITTEE_CODE)
        for module in modules():  # each module seeds its own demo under the committee (core/modules.py)
            for key, n in module.seed_demo(root, today).items():
                created[key] = created.get(key, 0) + n
    return created


def _seed_orgs(today, created):
    orgs = {}
    existing = {o.code: o for o in Organization.objects.filter(code__startswith=COMMITTEE_CODE)}
    specs = list(ORGS)
    for spec in ORGS:  # groups
        for g in range(spec.groups):
            specs.append(OrgSpec(f"{spec.key}-GR{g + 1}", GROUP_NAMES[g], GROUP_NAMES[g], spec.key, OrgType.GROUP))
    for n, spec in enumerate(specs):
        org = existing.get(spec.code)
        if org is None:
            data = {"name": spec.name, "short_name": spec.short_name, "code": spec.code,
                    "founded_on": date(1998, 7, 1) if spec.key == "C" else date(2001 + n % 20, 1 + n % 12, 1)}
            if spec.org_type != OrgType.GROUP:
                years = 5 if spec.org_type == OrgType.COMMITTEE else 3
                end = today + timedelta(days=spec.term_end_in)
                data.update(term_start=add_years(end, -years), term_end=end,
                            contact_phone=f"0523-8{3510000 + n * 37:07d}")
            if spec.key == "C":
                data.update(address="青河市城东区和平路88号", contact_name="局机关党委办公室")
            org = org_services.create_org(None, org_type=spec.org_type,
                                          parent=orgs[spec.parent] if spec.parent else None, **data)
            created["orgs"] += 1
        orgs[spec.key] = org
    return orgs


def _seed_people(people, orgs, created):
    hashes = {crypto.blind_index(p.data["id_number"]): p for p in people}
    existing = {x.id_number_hash: x for x in Person.objects.filter(id_number_hash__in=list(hashes))}
    persons = {}
    for h, p in hashes.items():
        person = existing.get(h)
        if person is None:
            data = dict(p.data, org=orgs[p.branch])
            if p.group is not None:
                data["group"] = orgs[f"{p.branch}-GR{p.group + 1}"]
            person = people_services.create_person(None, data)
            created["people"] += 1
        persons[p.key] = person
    return persons


def _seed_posts(people, persons, orgs, created):
    existing = set(Post.objects.filter(org__in=list(orgs.values())).values_list("person_id", "org_id", "role"))
    for p in people:
        for org_key, role, start, end in p.posts:
            key = (persons[p.key].pk, orgs[org_key].pk, role)
            if key in existing:
                continue
            Post.objects.create(person=persons[p.key], org=orgs[org_key], role=role, start_date=start, end_date=end)
            existing.add(key)
            created["posts"] += 1


def _seed_flows(people, persons, orgs, created):
    from dangjian.transfers.models import FlowRecord

    for p in people:
        flow = getattr(p, "flow", None)
        if flow and not FlowRecord.objects.filter(person=persons[p.key]).exists():
            FlowRecord.objects.create(person=persons[p.key], org=orgs[p.branch], contact=p.data["phone"], **flow)
            created["flows"] += 1


def _seed_users(people, persons, created):
    chosen = _account_people(people)
    users = {}
    for username in ACCOUNTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            person = persons[chosen[username].key] if username in chosen else None
            user = User(username=username, person=person)
            if username == "admin":
                user.is_superuser = user.is_staff = True
            user.set_password(DEMO_PASSWORD)
            user.save()
            created["users"] += 1
        users[username] = user
    return users


def _seed_transfers(people, persons, orgs, users, today, created):
    """One transfer awaiting the receiving branch (B05 → B06) and one letter to outside the platform whose
    validity ran out without a receipt (口袋党员 to follow up)."""
    from dangjian.transfers.models import Transfer, TransferKind

    def plain_member(branch):
        return next(p for p in reversed(people) if p.branch == branch and not p.posts and "status" not in p.data
                    and p.data["political_status"] == PoliticalStatus.FULL)

    plans = [
        (plain_member("B05"), TransferKind.INTERNAL, orgs["B06"], "", 5, 30, _("Moved to the food production "
                                                                               "supervision section")),
        (plain_member("B10"), TransferKind.OUTGOING, None, "中共江南省临川市市场监督管理局机关委员会", 75, 30,
         _("Transferred to another city")),
    ]
    for i, (p, kind, to_org, external, ago, valid, reason) in enumerate(plans, start=1):
        person = persons[p.key]
        if Transfer.objects.filter(person=person, kind=kind).exists():
            continue
        issued = today - timedelta(days=ago)
        try:
            from dangjian.transfers import services as transfer_services
        except ImportError:  # the workflow module not there yet: write the letter as the workflow would
            Transfer.objects.create(
                kind=kind, person=person, from_org=orgs[p.branch], to_org=to_org, external_org=external,
                letter_no=f"DEMO-{issued.year}-{i:03d}", reason=reason, issued_on=issued, valid_days=valid,
                expires_on=issued + timedelta(days=valid), created_by=users["committee"])
        else:
            transfer_services.start_transfer(users["committee"], person, to_org=to_org, external_org=external,
                                             reason=reason, issued_on=issued, valid_days=valid)
        created["transfers"] += 1


def account_rows():
    """[(username, who, what they can do)] for the demo accounts that exist."""
    from dangjian.accounts.scoping import scope_for

    rows = []
    users = {u.username: u for u in User.objects.filter(username__in=ACCOUNTS).select_related("person__org")}
    for username in ACCOUNTS:
        user = users.get(username)
        if user is None:
            continue
        if user.is_superuser:
            rows.append((username, _("Administrator"), _("Everything, including the Django admin")))
            continue
        person = user.person
        posts = list(Post.objects.active().filter(person=person).select_related("org__parent")) if person else []
        if posts:
            held = "; ".join(f"{_org_label(p.org)} {p.get_role_display()}" for p in posts)
            who = _("%(name)s, %(posts)s") % {"name": person.name, "posts": held}
        elif person and person.political_status == PoliticalStatus.MASSES:
            who = _("%(name)s, non-Party person in %(org)s") % {"name": person.name, "org": person.org.display_name}
        elif person:
            who = _("%(name)s, member of %(org)s") % {"name": person.name, "org": person.org.display_name}
        else:
            who = "—"
        if posts and scope_for(user).allows(perms.PEOPLE_WRITE, posts[0].org.path):
            can = _("Manages %(org)s and everything under it") % {"org": posts[0].org.display_name}
        elif posts:
            can = _("Reads the roster of %(org)s") % {"org": _org_label(posts[0].org)}
        else:
            can = _("Sees their own record and their organisation's public page")
        rows.append((username, who, can))
    return rows


def _org_label(org):
    if org.org_type == OrgType.GROUP and org.parent_id:
        return f"{org.parent.display_name}{org.display_name}"
    return org.display_name


def format_accounts(rows):
    header = (_("Username"), _("Who"), _("What they can do"))
    lines = [header, *rows]
    widths = [max(_width(r[i]) for r in lines) for i in range(2)]
    out = []
    for n, row in enumerate(lines):
        out.append("  ".join(_pad(str(row[i]), widths[i]) for i in range(2)) + "  " + str(row[2]))
        if n == 0:
            out.append("-" * (sum(widths) + 4 + _width(header[2])))
    out.append(_("Password for every demo account: %(password)s") % {"password": DEMO_PASSWORD})
    return "\n".join(out)


def _width(text):
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in str(text))


def _pad(text, width):
    return text + " " * (width - _width(text))
