"""Demo announcements of the demo committee: three, published the ordinary way, with some receipts read so the
receipts pages show partial read rates. Idempotent (nothing is added when the committee has announcements)."""

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from dangjian.accounts.models import Role

from . import services
from .models import Announcement, Receipt

ANNOUNCEMENTS = [
    {"title": "关于开展年度党员民主评议工作的通知",
         "body": "<div>各党支部：</div><div>根据党委年度工作安排，请各支部于本月底前完成党员民主评议，"
              "按时报送评议结果。</div>", "must_read": True, "pinned": True, "days": 10, "read": 0.6},
    {"title": "关于做好党费收缴工作的提醒",
         "body": "<div>请各支部党费收缴员核对本季度党费收缴情况，做到应收尽收。</div>",
         "audience_kind": "posts", "audience_roles": [Role.SECRETARY, Role.FEE_COLLECTOR], "read": 0.8},
    {"title": "党委理论学习中心组学习安排",
         "body": "<div>本月集中学习安排如下：<ul><li>第一周：学习党章</li><li>第三周：专题研讨</li></ul></div>",
         "read": 0.35},
]


def seed_announcements(root, today=None, seed=11):
    today = today or timezone.localdate()
    if Announcement.objects.filter(org_path__startswith=root.path).exists():
        return 0
    rng = random.Random(seed)
    now = timezone.make_aware(datetime.combine(today, time(9, 0)))
    made = 0
    for spec in ANNOUNCEMENTS:
        spec = dict(spec)
        share, days = spec.pop("read"), spec.pop("days", None)
        deadline = now + timedelta(days=days) if days else None
        ann = services.publish(None, root, deadline=deadline, now=now - timedelta(days=1), **spec)
        ids = [pk for pk in Receipt.objects.filter(announcement=ann).values_list("pk", flat=True)
               if rng.random() < share]
        Receipt.objects.filter(pk__in=ids).update(read_at=now)
        made += 1
    return made
