"""Demo documents of the regulations library: three categories under the root organisation and a handful of
documents (Party rules, passenger rules, safety and emergency plans), one of them with two versions. The texts are
short excerpts written for the demo, in the usual layout (第X章 / 第X条), so the table of contents, search and
history have something to show."""

from datetime import timedelta

from django.utils import timezone

from . import services
from .models import Regulation

CATEGORIES = [("党建规章", 10), ("客运规章", 20), ("安全应急预案", 30)]

BRANCH_RULES = """第一章 总则
第一条 为了深入贯彻落实新时代党的建设总要求，加强党支部建设，根据《中国共产党章程》和有关党内法规，结合本单位实际，制定本办法。
第二条 党支部是党的基础组织，是党在基层单位全部工作和战斗力的基础，担负直接教育党员、管理党员、监督党员和组织群众、宣传群众、凝聚群众、服务群众的职责。
第三条 党支部工作坚持以下原则：坚持党要管党、全面从严治党；坚持围绕中心、服务大局，推动运输安全生产和服务质量提升；坚持民主集中制。
第二章 组织设置
第四条 正式党员3人以上的车间、班组，应当成立党支部。党员人数较多、分布较散的车间，可以划分若干党小组。
第五条 党支部委员会由党员大会选举产生，每届任期3年。党支部书记、副书记一般由党支部委员会会议选举产生。
第三章 组织生活
第六条 党支部应当坚持“三会一课”制度：党员大会一般每季度召开1次，支部委员会一般每月召开1次，党小组会一般每月召开1次，党课一般每季度1次。
第七条 党支部每月相对固定1天开展主题党日。主题党日可以结合安全检查、志愿服务、岗位练兵等开展。
第八条 党支部每年至少召开1次组织生活会，一般安排在第四季度，开展批评和自我批评。
第四章 附则
第九条 本办法由党委组织部负责解释。
第十条 本办法自印发之日起施行。"""

BRANCH_RULES_V2 = BRANCH_RULES.replace(
    "第七条 党支部每月相对固定1天开展主题党日。主题党日可以结合安全检查、志愿服务、岗位练兵等开展。",
    "第七条 党支部每月相对固定1天开展主题党日。主题党日可以结合安全检查、应急演练、志愿服务、岗位练兵等开展，"
    "活动情况应当在平台如实记录。").replace(
    "第八条 党支部每年至少召开1次组织生活会，一般安排在第四季度，开展批评和自我批评。",
    "第八条 党支部每年至少召开1次组织生活会，一般安排在第四季度，开展批评和自我批评。组织生活会前应当开展谈心谈话，"
    "党员人人都要谈。")

PASSENGER_RULES = """第一章 总则
第一条 为了维护旅客和承运人的合法权益，保障旅客运输安全、有序，根据国家有关规定，制定本规程。
第二条 本规程适用于本局管内各站车的旅客运输工作。
第二章 车票
第三条 车票是旅客乘车的凭证，也是旅客加入铁路意外伤害保险的凭证。旅客应当按票面载明的日期、车次、席别乘车。
第四条 旅客购买车票后不能按票面指定的日期、车次乘车时，可以在规定时间内办理改签或者退票。
第五条 儿童身高不足1.2米的，可以免费乘车；身高1.2米至1.5米的，应当购买儿童票。
第三章 行李
第六条 旅客可以免费携带一定重量的物品。严禁携带危险品、管制刀具进站上车。
第七条 站车工作人员应当加强进站安全检查，发现违禁物品及时处置并做好记录。
第四章 服务
第八条 站车应当为老、幼、病、残、孕旅客提供重点服务，设置爱心通道。
第九条 列车晚点时，列车长应当及时通告晚点原因和预计到达时间，做好解释和服务工作。"""

EMERGENCY_PLAN = """一、总则
为了有效预防和处置车站突发事件，最大限度减少人员伤亡和财产损失，保障旅客生命财产安全，制定本预案。
二、组织机构
车站成立应急处置领导小组，站长任组长，党支部书记任副组长，各车间主任为成员。领导小组办公室设在安全科。
三、预警和报告
发生或者可能发生突发事件时，现场人员应当立即报告值班站长。值班站长接报后，应当在5分钟内报告领导小组，并按规定逐级上报。
四、应急处置
（一）发生火灾时，立即组织疏散旅客，使用就近消防器材扑救初起火灾，同时拨打119报警。
（二）发生大客流时，启动限流措施，增开售票窗口和进站通道，组织党员突击队维护秩序。
（三）发生设备故障时，立即通知相关单位抢修，做好旅客解释和引导工作。
五、应急演练
车站每半年至少组织1次综合应急演练，每季度开展1次专项演练。演练结束后应当进行评估，修订完善预案。
六、安全检查
各车间每月开展安全检查和应急演练情况的自查，发现隐患立即整改。"""

FLOOD_PLAN = """第一章 总则
第一条 为了做好汛期铁路运输安全工作，防范暴雨、洪水等自然灾害对行车安全的影响，制定本预案。
第二章 防洪准备
第二条 每年5月1日前完成防洪准备工作，对重点地段、危险处所进行全面检查，备足防洪抢险物资。
第三条 汛期实行24小时值班制度，值班人员不得擅离岗位。
第三章 应急响应
第四条 降雨量达到警戒值时，立即启动应急响应，按规定限速运行或者封锁区间。
第五条 党员干部应当冲锋在前，组织党员突击队参加抢险。"""


def seed_regulations(root_org, today=None):
    """Create the demo library under `root_org` unless it already has documents. Returns the number created."""
    if Regulation.objects.filter(org_path__startswith=root_org.path).exists():
        return 0
    today = today or timezone.localdate()
    now = timezone.now()
    cats = {}
    for name, order in CATEGORIES:
        cats[name] = services.create_category(None, org=root_org, name=name, sort_order=order)
    docs = [
        ("党建规章", "党支部工作实施办法", "党委发〔2023〕12号", BRANCH_RULES, 400, BRANCH_RULES_V2, 5,
         "第七条增加“应急演练”和如实记录的要求；第八条增加组织生活会前开展谈心谈话的要求。"),
        ("客运规章", "旅客运输规程（节选）", "客运〔2022〕8号", PASSENGER_RULES, 600, None, 0, ""),
        ("安全应急预案", "车站突发事件应急预案", "安全〔2024〕3号", EMERGENCY_PLAN, 90, None, 0, ""),
        ("安全应急预案", "防洪应急预案", "安全〔2024〕5号", FLOOD_PLAN, 20, None, 0, ""),
    ]
    for cat, title, number, text, age, text2, age2, summary in docs:
        regulation = services.create_regulation(None, org=root_org, title=title, category=cats[cat],
                                                doc_number=number, issuer=root_org.name)
        services.publish_version(None, regulation, expected_version=None, title=title, body=text,
                                 effective_on=today - timedelta(days=age), now=now - timedelta(days=age))
        if text2:
            services.publish_version(None, regulation, expected_version=None, title=title, body=text2,
                                     effective_on=today - timedelta(days=age2), change_summary=summary,
                                     now=now - timedelta(days=age2))
    return len(docs)
