"""Demo exams: a small bank for the demo committee (党建规章, 业务规章, 安全应急 in three tiers), this month's sets,
and a few weeks of attempts by the demo members so the rankings and the participation page have something to show."""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from dangjian.people.codes import MEMBER_STATUSES, ON_ROLL
from dangjian.people.models import Person

from . import rules, services
from .models import Attempt, ExamSettings, Question

# (category, tier, kind, stem, options, answer as written in the import template, explanation)
QUESTIONS = [
    ("党建规章", "C", "single", "党支部党员大会一般每季度召开几次？", ["1次", "2次", "3次", "每月1次"], "A",
     "《中国共产党支部工作条例（试行）》：党员大会一般每季度召开1次。"),
    ("党建规章", "C", "single", "党小组会一般多长时间召开一次？", ["每周", "每月", "每季度", "每半年"], "B",
     "党小组会一般每月召开1次。"),
    ("党建规章", "C", "truefalse", "党课每季度至少上1次。", [], "对", "支部条例规定党课每季度至少1次。"),
    ("党建规章", "C", "fill", "“三会一课”中的“一课”是指____。", [], "党课", "三会：支部党员大会、支委会、党小组会；一课：党课。"),
    ("党建规章", "B", "single", "正式党员有表决权、选举权和____。", ["被选举权", "建议权", "监督权", "知情权"], "A",
     "党章第四条。"),
    ("党建规章", "B", "multiple", "下列属于“三会一课”的有：", ["支部党员大会", "支部委员会会议", "党小组会", "职工代表大会"],
     "ABC", "职工代表大会不属于党的组织生活。"),
    ("党建规章", "B", "truefalse", "预备党员的预备期为两年。", [], "错", "预备期为一年。"),
    ("党建规章", "B", "fill", "党员应当按月交纳____。", [], "党费", "按月交纳党费是党员的义务。"),
    ("党建规章", "A", "single", "党支部委员会由几名委员组成，一般不超过几人？", ["3至5名，不超过7人", "5至7名，不超过9人",
                                                                    "3名，不超过5人", "7名，不超过9人"], "A",
     "支部条例第六章。"),
    ("党建规章", "A", "multiple", "组织生活会一般每年召开1次，主要内容包括：", ["对照检查", "开展批评和自我批评",
                                                                "民主评议党员", "评选先进职工"], "ABC",
     "组织生活会的基本内容。"),
    ("党建规章", "A", "truefalse", "正式党员不少于7人的党支部，应当设立支部委员会。", [], "对", "支部条例第六章。"),
    ("党建规章", "A", "fill", "党员连续____个月不交纳党费，又没有正当理由的，视为自行脱党。", [], "6|六", "党章第九条。"),
    ("业务规章", "C", "single", "旅客持儿童优惠票乘车，身高标准以下列哪项为准（示例）？", ["1.2米", "1.5米", "1.0米", "1.4米"],
     "B", "示例题：以本单位现行客规为准。"),
    ("业务规章", "C", "truefalse", "列车开车前应当确认车门关闭良好。", [], "对", "作业标准：开车前确认车门。"),
    ("业务规章", "C", "fill", "接班时应当认真进行____交接。", [], "设备|工具备品", "交接班制度。"),
    ("业务规章", "C", "single", "遇旅客突发疾病，列车员首先应当：", ["报告列车长并广播寻医", "继续作业", "等待到站", "自行用药"], "A",
     "客运应急处置流程。"),
    ("业务规章", "B", "multiple", "下列属于客运服务“三声”的是：", ["迎声", "问声", "送声", "笑声"], "ABC", "服务标准。"),
    ("业务规章", "B", "single", "发现车票信息与旅客身份不符时，应当：", ["核实并按规定处理", "直接没收车票", "拒绝其乘车并报警", "不予理会"],
     "A", "实名制验证规定。"),
    ("业务规章", "B", "truefalse", "重点旅客可以优先进站上车。", [], "对", "重点旅客服务规定。"),
    ("业务规章", "B", "fill", "列车晚点时应当及时向旅客____。", [], "通告|广播|说明", "服务规范。"),
    ("业务规章", "A", "multiple", "客运作业“两纪”指：", ["劳动纪律", "作业纪律", "财经纪律", "群众纪律"], "AB", "作业标准。"),
    ("业务规章", "A", "single", "旅客遗失物品经招领无人认领，应当保管多长时间后按规定处理（示例）？",
     ["7天", "15天", "30天", "90天"], "D", "示例题：以本单位现行规定为准。"),
    ("业务规章", "A", "truefalse", "退票手续可以在开车后任意时间办理。", [], "错", "按退票规定办理时限。"),
    ("业务规章", "A", "fill", "旅客列车编组顺序表由____发布。", [], "调度|调度所", "示例题。"),
    ("安全应急", "C", "single", "发生火灾时，首先应当：", ["报警并组织疏散", "收拾物品", "乘坐电梯", "继续工作"], "A", "火灾应急处置。"),
    ("安全应急", "C", "truefalse", "灭火器压力表指针在绿区表示压力正常。", [], "对", "灭火器检查方法。"),
    ("安全应急", "C", "fill", "干粉灭火器使用口诀：一提、二拔、三____、四压。", [], "瞄|对准", "灭火器使用方法。"),
    ("安全应急", "C", "single", "发现可疑物品应当：", ["立即报告，不要触碰", "打开查看", "丢进垃圾箱", "带回班组"], "A",
     "安全防范规定。"),
    ("安全应急", "B", "multiple", "应急演练的目的包括：", ["检验预案", "锻炼队伍", "磨合机制", "应付检查"], "ABC", "应急管理。"),
    ("安全应急", "B", "single", "触电急救的第一步是：", ["迅速切断电源", "人工呼吸", "拨打电话", "拉拽触电者"], "A", "触电急救。"),
    ("安全应急", "B", "truefalse", "安全检查发现的问题应当建立台账，跟踪整改闭环。", [], "对", "隐患排查治理。"),
    ("安全应急", "B", "fill", "安全生产方针是：安全第一、____为主、综合治理。", [], "预防", "《安全生产法》第三条。"),
    ("安全应急", "A", "multiple", "突发事件应急处置“四个第一时间”包括：", ["第一时间报告", "第一时间处置", "第一时间救援",
                                                              "第一时间追责"], "ABC", "应急预案。"),
    ("安全应急", "A", "single", "生产经营单位的主要负责人对本单位安全生产工作：", ["全面负责", "部分负责", "不负责", "协助负责"], "A",
     "《安全生产法》第五条。"),
    ("安全应急", "A", "truefalse", "应急预案制定后无需演练。", [], "错", "应急预案应当定期演练。"),
    ("安全应急", "A", "fill", "事故调查处理坚持“____不放过”原则。", [], "四|四个", "事故原因未查清不放过等。"),
]


def seed_exams(root, today=None, seed=11):
    """Load the demo bank into `root` (a committee) unless it has one. Returns the number of attempts made."""
    if Question.objects.filter(org=root).exists():
        return 0
    today = today or timezone.localdate()
    rng = random.Random(seed)
    with transaction.atomic():
        ExamSettings.objects.create(org=root, org_path=root.path, paper_size=10, minutes=20)
        for category, tier, kind, stem, options, answer, explanation in QUESTIONS:
            services.create_question(None, root, {
                "kind": kind, "stem": stem, "options": options, "tier": tier, "category": category,
                "answer": rules.parse_answer_text(kind, answer, len(options)), "explanation": explanation,
                "source": "演示题库"})
    services.monthly_sets_job(today)
    people = list(Person.objects.filter(scope_path__startswith=root.path, political_status__in=MEMBER_STATUSES,
                                        status__in=ON_ROLL, user__isnull=False).select_related("user")[:40])
    made = 0
    start = timezone.make_aware(timezone.datetime(today.year, today.month, 1, 8, 0))
    span = max(1, (timezone.now() - start).total_seconds() - 3600)
    for n, person in enumerate(people):
        if n % 4 == 3:  # a quarter has not answered yet this month
            continue
        for _ in range(rng.randint(1, 2)):
            moment = start + timedelta(seconds=rng.uniform(0, span))
            tier = rng.choice("ABC")
            try:
                attempt = services.start_attempt(person.user, tier, now=moment, seed=rng.random())
            except services.DomainError:
                continue
            skill = rng.uniform(0.5, 1.0)
            for item in attempt.items.all():
                answer = right_answer(item) if rng.random() < skill else _wrong(item)
                services.save_answer(person.user, attempt.pk, item.position, answer,
                                     now=moment + timedelta(seconds=30))
            services.submit(person.user, attempt.pk, now=moment + timedelta(seconds=rng.randint(180, 900)))
            made += 1
    return made


def right_answer(item):
    """The response a person who knows would give (for fill-in: the first accepted text of each blank)."""
    return [blank[0] for blank in item.key] if item.kind == "fill" else item.key


def _wrong(item):
    if item.kind in ("single", "multiple"):
        return [(item.key[0] + 1) % len(item.options)]
    if item.kind == "truefalse":
        return [not item.key[0]]
    return ["不知道"] * len(item.key)


def demo_attempts(root):
    return Attempt.objects.filter(org_path__startswith=root.path).count()
