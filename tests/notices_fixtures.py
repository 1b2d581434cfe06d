"""Helpers of the notices tests."""

from dangjian.notices import services


def announce(tree, actor=None, org=None, **kw):
    data = {"title": "关于开展主题党日活动的通知", "body": "<p>请各支部按时开展。</p>"}
    data.update(kw)
    return services.publish(actor if actor is not None else tree.users.committee, org or tree.committee, **data)
