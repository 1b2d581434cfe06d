"""Demo base-work ledger: ten of the committee's 24 items of base work (seed 000: 基础工作标准, 支部建设, 发展党员,
支部工作动态, 党员培训 …), this period's records of most demo branches with some items left missing, and the records
fed from the demo meetings (and what else the modules register). Idempotent: nothing is added once the committee
has items."""

import random

from django.utils import timezone

from dangjian.audit import chain
from dangjian.orgs.models import Organization, OrgStatus, OrgType

from . import feeds, rules
from .models import WorkItem, WorkRecord

B, G, GB, C = "branch", "group", "general_branch", "committee"
# (code, title, frequency, expected, kept by, open to siblings, fed from, description) — the 24 items of the ledger
ITEMS = [
    ("standard", "基础工作标准", "year", 1, [B], False, "", "对照党支部基础工作标准开展自查，上传自查报告"),
    ("building", "支部建设", "quarter", 1, [B], True, "", "支部班子建设、阵地建设、制度建设情况"),
    ("development", "发展党员", "quarter", 1, [B], False, "", "发展党员工作进度（只报环节和人数，不上传个人材料）"),
    ("dynamics", "支部工作动态", "month", 2, [B, GB], True, "", "支部每月工作动态，图文并茂，供各支部交流借鉴"),
    ("training", "党员培训", "quarter", 1, [B], True, "", "党员教育培训、专题学习情况"),
    ("meetings", "三会一课", "month", 2, [B, G], False, "meetings.meeting", "召开支委会、党员大会、党小组会和上党课的记录，由组织生活模块自动汇入"),
    ("theme_day", "主题党日", "month", 1, [B], True, "", "主题党日活动开展情况"),
    ("fees", "党费收缴", "quarter", 1, [B], False, "fees.handover", "党费按期上缴（只显示已交接，不显示金额），由党费模块自动汇入"),
    ("exams", "学习考试", "month", 1, [C], False, "exams.monthlyset", "月度学习考试结束，由学习考试模块自动汇入"),
    ("talks", "谈心谈话", "quarter", 1, [B], False, "", "支部书记与党员谈心谈话开展情况（不写谈话内容）"),
    ("life_meeting", "组织生活会", "year", 1, [B], False, "", "组织生活会召开及整改落实情况"),
    ("appraisal", "民主评议党员", "year", 1, [B], False, "", "民主评议党员工作开展情况"),
    ("pioneer_post", "党员先锋岗", "half_year", 1, [B], True, "", "党员先锋岗创建和作用发挥"),
    ("duty_area", "党员责任区", "half_year", 1, [B], True, "", "党员责任区划分和工作情况"),
    ("integrity", "党风廉政建设", "half_year", 1, [B, GB], False, "", "党风廉政建设和警示教育"),
    ("excellence", "创先争优", "half_year", 1, [B], True, "", "创先争优活动和“我之最”竞赛"),
    ("volunteer", "志愿服务", "quarter", 1, [B], True, "", "党员志愿服务活动"),
    ("openness", "党务公开", "quarter", 1, [B, GB], False, "", "党务公开事项和公开情况"),
    ("plan", "工作计划总结", "half_year", 1, [B, GB], False, "", "支部半年、全年工作计划和总结"),
    ("points", "党员积分管理", "month", 1, [B], False, "", "党员积分竞赛开展情况（只报支部汇总）"),
    ("team_work", "班组基础工作", "quarter", 1, [B], True, "", "支部晋等级推进班组基础工作质量"),
    ("two_violations", "党员“两违”攻关", "quarter", 1, [B], True, "", "党员“两违”攻关，自觉执行作业标准"),
    ("masses", "群众工作", "quarter", 1, [B], False, "", "联系服务群众、职工思想动态"),
    ("exchange", "党建工作交流", "year", 1, [B, GB], True, "", "每年党建工作交流会材料"),
]
DEMO_ITEMS = 10

TITLES = {
    "building": ["支部阵地建设完成升级", "支委班子分工调整到位", "支部制度汇编修订"],
    "dynamics": ["本月支部工作动态", "春运党员突击队上岗", "党员示范岗亮牌", "支部开展安全大检查"],
    "training": ["党员专题培训班", "新党章学习辅导", "业务技能与党性教育结合培训"],
    "theme_day": ["主题党日：重温入党誓词", "主题党日：走进社区", "主题党日：参观红色教育基地"],
    "development": ["入党积极分子培养考察情况", "发展对象集中培训"],
    "talks": ["支部书记谈心谈话情况"],
    "standard": ["基础工作标准自查报告"],
}
TEXTS = ["支部认真组织，党员积极参与，达到预期效果。", "围绕中心工作，结合岗位实际，抓好落实。",
         "活动中党员发挥先锋模范作用，群众反映良好。"]


def seed_workrecords(root, today=None, seed=11):
    """Create the demo items and records under `root` unless it already has items. Returns rows created."""
    today = today or timezone.localdate()
    if WorkItem.objects.filter(org=root).exists():
        return 0
    items = WorkItem.objects.bulk_create([
        WorkItem(org=root, org_path=root.path, code=code, title=title, frequency=freq, expected_count=expected,
                 applies_to=kept, siblings_visible=open_, source_kind=source, description=desc, sort_order=n * 10)
        for n, (code, title, freq, expected, kept, open_, source, desc) in enumerate(ITEMS[:DEMO_ITEMS])])
    chain.created(items)
    by_code = {i.code: i for i in items}
    rng = random.Random(seed)
    branches = list(Organization.objects.filter(path__startswith=root.path, status=OrgStatus.ACTIVE,
                                                org_type=OrgType.BRANCH).order_by("path"))
    records = []
    for n, org in enumerate(branches):
        if n % 4 == 3:  # every fourth branch files nothing by hand: the grid shows it red or amber
            continue
        for code, titles in TITLES.items():
            item = by_code.get(code)
            if item is None or (n + len(code)) % 3 == 0:  # and each branch leaves some items missing
                continue
            period = rules.period_of(today, item.frequency)
            for _k in range(item.expected_count if n % 2 == 0 else 1):
                span = max((min(today, period.end) - period.start).days, 0)
                day = period.start + timezone.timedelta(days=rng.randint(0, span))
                records.append(WorkRecord(item=item, org=org, org_path=org.path, date=day,
                                          title=rng.choice(titles), text=f"<p>{rng.choice(TEXTS)}</p>"))
    WorkRecord.objects.bulk_create(records)
    chain.record(chain.AuditEntry.Action.IMPORT, "workrecords.workrecord", "", object_repr="demo work records",
                 org_path=root.path, after={"items": len(items), "records": len(records)},
                 note="demo data, written in bulk")
    fed = sum(feeds.backfill(root).values())
    return len(items) + len(records) + fed
