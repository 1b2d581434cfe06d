"""Demo publications under the demo committee: a 公示 in its period with one named and one anonymous objection
(one answered), a few 党务公开 items (one public), and a catalogue of what must be disclosed. Idempotent."""

from datetime import timedelta

from dangjian.orgs.models import Organization, OrgStatus, OrgType
from dangjian.people.models import Person

from . import services
from .models import CatalogueItem, Frequency, Publication, Reach


def seed_demo(root, today):
    if Publication.objects.filter(org_path__startswith=root.path).exists():
        return {}
    branch = (Organization.objects.filter(path__startswith=root.path, org_type=OrgType.BRANCH,
                                          status=OrgStatus.ACTIVE).order_by("path").first()) or root
    quarterly = services.define_item(None, root, "党员发展情况", Frequency.QUARTER, Reach.INSIDE,
                                     [OrgType.BRANCH], "本季度入党申请、积极分子、发展对象和预备党员情况")
    services.define_item(None, root, "支部工作计划和总结", Frequency.YEAR, Reach.INSIDE, [],
                         "年度工作计划、半年和年度工作总结")
    services.define_item(None, root, "党费收缴、使用和管理情况", Frequency.YEAR, Reach.INSIDE, [])
    CatalogueItem.objects.filter(org=root).update(created_at=root.created_at)  # in force before last period
    starts = today - timedelta(days=2)
    notice = services.publish(
        None, branch, "development_candidate", "关于拟确定张某某同志为发展对象的公示",
        "经支部委员会研究，拟确定张某某同志为发展对象。公示期间，党员和群众可通过本页面或来信来访反映情况。",
        "public", starts, days=5)
    member = Person.objects.filter(org=branch).order_by("pk").first()
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(person=member).first() if member else None
    named = services.object_to(user, notice, "该同志参加组织生活情况较好，赞成。", type="comment",
                               name="" if user else "李群众")
    services.object_to(None, notice, "建议进一步核实其工作表现。", anonymous=True)
    services.answer(None, named, "感谢您的意见。")
    services.publish(None, branch, "disclosure", "第三季度党员发展情况",
                     "本季度收到入党申请书2份，确定入党积极分子1名。", "members", today - timedelta(days=20),
                     catalogue_item=quarterly)
    services.publish(None, root, "disclosure", "年度党建工作计划", "围绕中心工作，加强基层组织建设……", "public",
                     today - timedelta(days=30))
    services.publish(None, root, "disclosure", "主题党日活动安排", "每月第一个周五开展主题党日活动。", "platform",
                     today - timedelta(days=10))
    return {"publications": 4, "objections": 2, "catalogue items": 3}
