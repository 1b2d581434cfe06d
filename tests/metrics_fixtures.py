"""Known data for the platform figures' tests, on the `tree` fixture (committee ─ general ─ branch1 (group1) /
branch2). Members on the roll: group1 3 (sec1, leader1, member1), branch1 itself 2 (committee_sec, other1),
branch2 2 (sec2, member2)."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone
from freezegun import freeze_time

from dangjian.exams.models import Attempt, AttemptState, MonthlyResult, MonthlySet, SetState
from dangjian.fees import services as fee_services
from dangjian.fees.models import Due, Payment
from dangjian.learning import services as learning_services
from dangjian.learning.models import Progress
from dangjian.meetings import services as meeting_services
from dangjian.meetings.models import Attendance
from dangjian.transfers.models import Transfer, TransferKind, TransferState

D = Decimal
NOV = date(2026, 11, 1)


def held(tree, org, code, on):
    with freeze_time(on):
        start = timezone.now()
        return meeting_services.plan_meeting(tree.users.committee, org=org, types=[code], topic=f"{code} {on}",
                                             starts_at=start, ends_at=start + timedelta(hours=1), place="会议室",
                                             invite={"orgs": [org]}, notify=False)


def sign_in(meeting, *people):
    Attendance.objects.filter(meeting=meeting, person__in=people).update(checked_in_at=meeting.starts_at)


def meetings_march_2025(tree):
    """branch1: two committee meetings (one counts) and a theme day; branch2: committee, theme day, assembly,
    lesson; group1: its group meeting. Sign-ins: branch1 3 of 15 invited, branch2 4 of 8, group1 3 of 3."""
    b1 = [held(tree, tree.branch1, "committee", "2025-03-05 09:00:00+08:00"),
          held(tree, tree.branch1, "committee", "2025-03-12 09:00:00+08:00"),
          held(tree, tree.branch1, "theme_day", "2025-03-20 09:00:00+08:00")]
    b2 = [held(tree, tree.branch2, code, f"2025-03-{day:02d} 09:00:00+08:00")
          for code, day in (("committee", 3), ("theme_day", 10), ("assembly", 17), ("lesson", 24))]
    g1 = held(tree, tree.group1, "group", "2025-03-07 19:00:00+08:00")
    sign_in(b1[0], tree.member1)
    sign_in(b1[1], tree.sec1)
    sign_in(b1[2], tree.sec1)
    sign_in(b2[0], tree.sec2, tree.member2)
    sign_in(b2[1], tree.sec2, tree.member2)
    sign_in(g1, tree.sec1, tree.leader1, tree.member1)
    held(tree, tree.branch2, "committee", "2025-04-03 09:00:00+08:00")  # another month: not counted


def exam_results(tree, month=NOV):
    """member1 (group1) best 90 of tiers A 80 / B 90; other1 (branch1) 60; member2 (branch2) 100; a 群众's result
    (not a member) does not count."""
    sets = {tier: MonthlySet.objects.create(org=tree.committee, org_path=tree.committee.path, month=month, tier=tier,
                                            state=SetState.OPEN) for tier in "AB"}
    at = timezone.make_aware(datetime(month.year, month.month, 10, 9))

    def result(person, tier, score, member=True):
        attempt = Attempt.objects.create(person=person, org_path=person.scope_path, is_member=member,
                                         exam_set=sets[tier], month=month, tier=tier,
                                         state=AttemptState.SUBMITTED, started_at=at, deadline=at + timedelta(hours=1),
                                         finished_at=at + timedelta(minutes=20), seconds=1200, total=20,
                                         correct=int(score) // 5, score=D(score), passed=score >= 60)
        MonthlyResult.objects.create(person=person, month=month, tier=tier, tier_rank="AB".index(tier),
                                     org_path=person.scope_path, is_member=member, attempt=attempt, score=D(score),
                                     seconds=1200, finished_at=attempt.finished_at)

    result(tree.member1, "A", 80)
    result(tree.member1, "B", 90)
    result(tree.other1, "A", 60)
    result(tree.member2, "B", 100)
    result(tree.sec2, "A", 10, member=False)


def learning_march_2026(tree):
    """Item 1 (to branch1: 5 members) completed by member1 and other1; item 2 (to general: 7 members) completed by
    member2; a third item published in April does not count for March."""
    data = {"kind": "article", "title": "学习党章", "summary": "", "body": "<div>党章全文</div>", "min_minutes": 1,
            "credits": "2"}
    actor = tree.users.committee
    items = []
    for day, target in (("2026-03-05", tree.branch1), ("2026-03-20", tree.general), ("2026-04-02", tree.general)):
        with freeze_time(f"{day} 10:00:00+08:00"):
            item = learning_services.publish_item(actor, learning_services.create_item(actor, tree.committee, data))
            learning_services.assign(actor, item, orgs=[target])
        items.append(item)
    done = timezone.make_aware(datetime(2026, 3, 25, 10))
    for person, item in ((tree.member1, items[0]), (tree.other1, items[0]), (tree.member2, items[1]),
                         (tree.sec1, items[2])):
        Progress.objects.create(item=item, person=person, seconds=120, completed_at=done)
    return items


def fees_jan_2026(tree):
    """Dues of January 2026: member1 (group1) 40.00, paid 40.00 and 10.00 more (capped: paid in full); other1
    (branch1) 10.00 unpaid; member2 (branch2) 60.00, paid 30.00."""
    jan = date(2026, 1, 1)
    fee_services.set_base(None, tree.member1, category="in_service", base="4000", effective_from=jan)
    fee_services.set_base(None, tree.other1, category="in_service", base="2000", effective_from=jan)
    fee_services.set_base(None, tree.member2, category="retired", base="6000", effective_from=jan)
    fee_services.generate_dues(jan)

    def pay(person, amount):
        due = Due.objects.get(person=person, month=jan, superseded_at__isnull=True)
        Payment.objects.create(person=person, month=jan, due=due, amount=D(amount), voluntary=D("0"), large=False,
                               method="cash", paid_on=date(2026, 1, 15), org=person.org, scope_path=person.scope_path)

    pay(tree.member1, "40.00")
    pay(tree.member1, "10.00")
    pay(tree.member2, "30.00")


def transfers(tree):
    """T1 group1's member1 → branch2, expired 10 Jan 2026; T2 other1 out of the platform from branch1, expires
    1 March 2026; T3 member2 branch2 → branch1, valid until 2027; T4 accepted long ago (not pending)."""

    def letter(n, person, from_org, to_org, expires, state=TransferState.PENDING, kind=TransferKind.INTERNAL):
        return Transfer.objects.create(kind=kind, state=state, person=person, from_org=from_org, to_org=to_org,
                                       external_org="" if to_org else "外单位党委", letter_no=f"T{n}",
                                       issued_on=expires - timedelta(days=30), valid_days=30, expires_on=expires)

    letter(1, tree.member1, tree.group1, tree.branch2, date(2026, 1, 10))
    letter(2, tree.other1, tree.branch1, None, date(2026, 3, 1), kind=TransferKind.OUTGOING)
    letter(3, tree.member2, tree.branch2, tree.branch1, date(2027, 1, 1))
    letter(4, tree.sec2, tree.branch2, tree.branch1, date(2025, 1, 1), state=TransferState.ACCEPTED)
