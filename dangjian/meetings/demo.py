"""Demo organisational life: this year's meetings of the demo branches and groups up to today, with attendance and
minutes, a few gaps so the compliance table shows red and amber, and two upcoming meetings with their notices.
Written in bulk (one audit summary entry); called by core.demo.seed_demo, once."""

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from dangjian.audit import chain
from dangjian.orgs.models import Organization, OrgStatus, OrgType
from dangjian.people.codes import MEMBER_STATUSES, ON_ROLL
from dangjian.people.models import Person

from . import services, tally
from .models import Attendance, CheckinMethod, LeaveState, Meeting, MeetingState, MeetingType, Minutes

TOPICS = {
    "committee": ["研究本月党建工作安排", "讨论入党积极分子培养情况", "研究党费收缴和使用情况", "部署主题党日活动"],
    "theme_day": ["重温入党誓词", "走进社区志愿服务", "学习党章党规", "参观红色教育基地", "安全生产大家谈"],
    "assembly": ["支部党员大会：通报支部工作", "支部党员大会：讨论发展党员"],
    "group": ["党小组学习交流", "党小组谈心交流"],
    "lesson": ["书记讲党课：牢记初心使命"],
}
LEAVE_REASONS = ["出差", "病假", "值班", "外出培训"]


def _at(day, hour=14, minute=30):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def seed_meetings(root, today=None, seed=7):
    """Create the demo meetings under `root` unless it already has meetings. Returns the number created."""
    today = today or timezone.localdate()
    if Meeting.objects.filter(org_path__startswith=root.path).exists():
        return 0
    services.ensure_types()
    rng = random.Random(seed)
    types = {t.code: t for t in MeetingType.objects.all()}
    orgs = list(Organization.objects.filter(path__startswith=root.path, status=OrgStatus.ACTIVE,
                                            org_type__in=[OrgType.BRANCH, OrgType.GROUP]).order_by("path"))
    members = {}
    for pk, path in Person.objects.filter(political_status__in=MEMBER_STATUSES, status__in=ON_ROLL,
                                          scope_path__startswith=root.path).values_list("pk", "scope_path"):
        for org in orgs:
            if path.startswith(org.path):
                members.setdefault(org.pk, []).append(pk)
    plans = []  # (org, [codes], topic, day)
    for n, org in enumerate(orgs):
        lagging = n % 5 == 3  # every fifth organisation falls behind, so the compliance table is not all green
        for month in range(1, today.month + 1):
            first = today.replace(month=month, day=1)
            if org.org_type == OrgType.GROUP:
                if not (lagging and month % 3 == 0):
                    plans.append((org, ["group"], rng.choice(TOPICS["group"]), first.replace(day=rng.randint(8, 20))))
                continue
            if not (lagging and month in (2, 6, 9)):
                plans.append((org, ["committee"], rng.choice(TOPICS["committee"]), first.replace(day=rng.randint(3, 8))))
            codes = ["theme_day"] + (["lesson"] if month % 3 == 0 else [])
            if not (lagging and month == today.month - 1):
                plans.append((org, codes, rng.choice(TOPICS["theme_day"]), first.replace(day=rng.randint(12, 20))))
            if month % 3 == 0 and not lagging:
                plans.append((org, ["assembly"], rng.choice(TOPICS["assembly"]), first.replace(day=rng.randint(21, 27))))
    plans = [p for p in plans if p[3] < today]
    meetings = Meeting.objects.bulk_create([
        Meeting(org=org, org_path=org.path, topic=topic, starts_at=_at(day), ends_at=_at(day, 16), place="党员活动室",
                state=MeetingState.RECORDED, agenda="1. 学习\n2. 讨论\n3. 部署下阶段工作")
        for org, _codes, topic, day in plans])
    through = Meeting.types.through
    through.objects.bulk_create([through(meeting_id=m.pk, meetingtype_id=types[c].pk)
                                 for m, (_o, codes, _t, _d) in zip(meetings, plans, strict=True) for c in codes])
    rows, minutes = [], []
    for m, (org, _codes, topic, day) in zip(meetings, plans, strict=True):
        for pk in members.get(org.pk, []):
            roll = rng.random()
            row = Attendance(meeting_id=m.pk, person_id=pk, expected=True)
            if roll < 0.84:
                row.checked_in_at = _at(day, 14, rng.randint(5, 35))
                row.method = rng.choice([CheckinMethod.QR, CheckinMethod.QR, CheckinMethod.CARD, CheckinMethod.MANUAL])
            elif roll < 0.93:
                row.leave, row.leave_reason = LeaveState.APPROVED, rng.choice(LEAVE_REASONS)
            rows.append(row)
        minutes.append(Minutes(meeting_id=m.pk, revision=1, text=f"<div>会议围绕“{topic}”进行学习讨论，与会党员逐一发言。</div>",
                               resolutions="<div>按会议部署抓好落实。</div>"))
    Attendance.objects.bulk_create(rows, batch_size=2000)
    Minutes.objects.bulk_create(minutes, batch_size=2000)
    tally.count_started()
    chain.record(chain.AuditEntry.Action.IMPORT, "meetings.meeting", "", object_repr="demo meetings",
                 org_path=root.path, after={"meetings": len(meetings), "attendance": len(rows)},
                 note="demo data, written in bulk")
    # two upcoming meetings of the first branch, planned the ordinary way (notices included)
    branch = next((o for o in orgs if o.org_type == OrgType.BRANCH), None)
    upcoming = 0
    if branch is not None:
        start = _at(today + timedelta(days=2), 9, 0)
        services.plan_meeting(None, org=branch, types=["theme_day", "lesson"], topic="主题党日：学习贯彻全会精神",
                              starts_at=start, ends_at=start + timedelta(hours=2), place="党员活动室",
                              invite={"orgs": [branch]}, notify=True)
        start = _at(today + timedelta(days=5), 15, 0)
        services.plan_meeting(None, org=branch, types=["committee"], topic="支委会：研究年终党员民主评议",
                              starts_at=start, ends_at=start + timedelta(hours=1), place="支部办公室",
                              invite={"orgs": [branch]}, notify=True)
        upcoming = 2
    return len(meetings) + upcoming
