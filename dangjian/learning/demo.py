"""Demo learning content: a few articles and their assignments to the demo tree, the
root's credit rule, and progress for part of the members (completions with their credits, a few passed exams), so
the member pages, the credits page and the completion table have something to show. Idempotent: nothing is written
when the root already has the demo items. Progress and credits are written in bulk (one audit summary entry)."""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from dangjian.audit import chain
from dangjian.people.codes import MEMBER_STATUSES, ON_ROLL
from dangjian.people.models import Person

from . import rules, services
from .models import CreditEntry, CreditRule, CreditSource, ItemKind, LearningItem, Progress

ITEMS = [
    (ItemKind.ARTICLE, "党员干部教育在线学分制管理办法（解读）", 5, Decimal("2"),
     "统筹兼顾，突出重点；分层负责，综合考评；量化评分，动态管理。",
     "<div><strong>一、总体要求</strong></div><div>坚持统筹兼顾、突出重点，分层负责、综合考评，量化评分、动态管理的原则，"
     "推动党员干部经常性学习。</div><div><strong>二、学分构成</strong></div><ul><li>在线学习：完成指定学习内容，按内容计分；</li>"
     "<li>月度考试：每月考试合格计分；</li><li>集中培训：由党组织登记计分。</li></ul><div><strong>三、考核要求</strong></div>"
     "<div>党员干部每年应取得不少于50学分，学分情况纳入年度考核和民主评议党员的重要参考。</div>"),
    (ItemKind.ARTICLE, "学习贯彻党的二十届三中全会精神", 10, Decimal("3"),
     "全会精神学习要点，支部组织党员逐段学习。",
     "<div>进一步全面深化改革，推进中国式现代化。</div><div>各支部要结合实际，组织党员原原本本学、联系实际学，"
     "做到学思用贯通、知信行统一。</div><ol><li>学习全会公报；</li><li>学习《决定》全文；</li><li>开展专题研讨。</li></ol>"),
    (ItemKind.ARTICLE, "《中国共产党纪律处分条例》学习要点", 8, Decimal("2"),
     "党纪学习教育：读原文、学条文、知敬畏。",
     "<div>把纪律挺在前面，做到知敬畏、存戒惧、守底线。</div><div>重点学习六项纪律的主要内容，对照检查自身不足。</div>"),
    (ItemKind.ARTICLE, "微党课：红船精神（讲稿）", 15, Decimal("3"),
     "学习微党课讲稿，撰写学习心得。",
     "<div>红船精神：开天辟地、敢为人先的首创精神，坚定理想、百折不挠的奋斗精神，立党为公、忠诚为民的奉献精神。</div>"
     "<div>学习后，请在支部学习群交流心得体会。</div>"),
]
MARKER = ITEMS[0][1]


def _at(day, hour=20):
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


@transaction.atomic
def seed_learning(root_org, today=None, seed=11):
    """Create the demo learning content under `root_org` unless it is there already. Returns the number of items
    created (0 when nothing was done)."""
    today = today or timezone.localdate()
    if LearningItem.objects.filter(org_path=root_org.path, title=MARKER).exists():
        return 0
    rng = random.Random(seed)
    if not CreditRule.objects.filter(org=root_org).exists():
        services.set_rule(None, root_org, credits_per_item=None, credits_per_exam=2, yearly_target=50,
                          note="党员干部教育在线学分制管理办法")
    start = today.replace(month=1, day=1)
    items = []
    for n, (kind, title, minutes, credits, summary, body) in enumerate(ITEMS):
        data = {"kind": kind, "title": title, "summary": summary, "body": body, "min_minutes": minutes,
                "credits": credits, "video_url": "/media/demo/hongchuan.mp4" if kind == ItemKind.VIDEO else ""}
        item = services.create_item(None, root_org, data)
        published = start + timedelta(days=min(30 * n + 3, max(0, (today - start).days)))
        services.publish_item(None, item, now=_at(published, 9))
        due = published + timedelta(days=30)
        services.assign(None, item, orgs=[root_org], required=n != 3, due_on=due)
        items.append((LearningItem.objects.get(pk=item.pk), published))
    people = list(Person.objects.filter(scope_path__startswith=root_org.path, status__in=ON_ROLL,
                                        political_status__in=MEMBER_STATUSES).values_list("pk", "scope_path"))
    rule = services.rule_for_path(root_org.path)
    progress, entries = [], []
    for pk, _path in people:
        diligence = rng.random()
        for item, published in items:
            if published > today:
                continue
            roll = rng.random()
            if roll < diligence * 0.9:
                day = min(today, published + timedelta(days=rng.randint(0, 25)))
                progress.append(Progress(person_id=pk, item=item, seconds=item.required_seconds,
                                         pings=item.required_seconds // rules.PING_SECONDS,
                                         last_ping_at=_at(day), completed_at=_at(day)))
                points = rules.item_credits(rule, item.credits)
                if points > 0:
                    entries.append(CreditEntry(person_id=pk, year=day.year, points=points, source=CreditSource.ITEM,
                                               source_key=rules.item_key(item.pk), ref=f"item:{item.pk}", item=item,
                                               earned_on=day))
            elif roll < diligence:
                seconds = rng.randint(1, item.required_seconds - 1)
                progress.append(Progress(person_id=pk, item=item, seconds=seconds, pings=seconds // 15,
                                         last_ping_at=_at(published)))
        for month in range(1, today.month):
            if rng.random() < diligence * 0.8 and rule.credits_per_exam > 0:
                first = today.replace(month=month, day=1)
                entries.append(CreditEntry(person_id=pk, year=first.year, points=rule.credits_per_exam,
                                           source=CreditSource.EXAM, source_key=rules.exam_key(first, "A"),
                                           ref="demo", earned_on=first + timedelta(days=rng.randint(5, 20))))
    Progress.objects.bulk_create(progress, batch_size=2000)
    CreditEntry.objects.bulk_create(entries, batch_size=2000)
    chain.record(chain.AuditEntry.Action.IMPORT, "learning.creditentry", "", object_repr="demo learning",
                 org_path=root_org.path, after={"items": len(items), "progress": len(progress),
                                                "credit_entries": len(entries)},
                 note="demo data, written in bulk")
    return len(items)
