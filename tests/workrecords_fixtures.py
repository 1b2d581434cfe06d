"""Items of base work for the `tree` fixture's committee, and a second committee with its own item."""

from types import SimpleNamespace

from dangjian.workrecords import services

from .factories import make_org


def item_data(**kw):
    data = {"code": "dynamics", "title": "支部工作动态", "frequency": "month", "expected_count": 1,
            "applies_to": ["branch"], "siblings_visible": False, "source_kind": "", "active": True, "sort_order": 0}
    data.update(kw)
    return data


def make_ledger(tree):
    """dynamics (monthly, open to siblings), building (quarterly, not open), meetings (fed from meetings),
    and a second committee's item."""
    u = tree.users
    dynamics = services.define_item(u.committee, tree.committee, item_data(siblings_visible=True, sort_order=1))
    building = services.define_item(u.committee, tree.committee, item_data(
        code="building", title="支部建设", frequency="quarter", sort_order=2))
    meetings = services.define_item(u.committee, tree.committee, item_data(
        code="meetings", title="三会一课", applies_to=["branch", "group"], source_kind="meetings.meeting",
        expected_count=2, sort_order=3))
    other = make_org("committee", name="其他党委", code="C2")
    foreign = services.define_item(None, other, item_data(code="x", title="别家的事项"))
    return SimpleNamespace(dynamics=dynamics, building=building, meetings=meetings, other=other, foreign=foreign)
