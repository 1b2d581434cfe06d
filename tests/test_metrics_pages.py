"""The figures page, its API and the home card: scope (a sibling branch and a plain member get 404 by page and by
API), sorting and drill-down, and query counts that do not grow with the number of organisations."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from dangjian.metrics import queries, registry
from dangjian.metrics.module import MetricsModule

from . import metrics_fixtures as fx
from .conftest import api_as
from .factories import make_org, make_person

pytestmark = pytest.mark.django_db
URL = "/metrics/"
API = "/api/v1/metrics/"


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def test_urls():
    assert reverse("metrics:figures") == URL
    assert reverse("api:metrics") == API and reverse("api:metric-values") == API + "values/"


def test_page_shows_children_with_subtree_figures_and_drills_down(client, tree):
    fx.exam_results(tree)
    client.force_login(tree.users.committee)
    page = client.get(URL, {"org": tree.general.pk, "period": "2026-11"})
    assert page.status_code == 200
    html = page.content.decode()
    rows = page.context["rows"]
    assert [r["org"] for r in rows] == [tree.branch1, tree.branch2]
    index = [m.name for m in page.context["metrics"]].index("exams.best_score")
    assert rows[0]["values"][index].value == Decimal("75.0")
    assert page.context["total"]["values"][index].value == Decimal("83.3")
    assert rows[0]["has_children"] and not rows[1]["has_children"]
    assert f'href="?org={tree.branch1.pk}&amp;period=2026-11' in html  # branch1 drills down to group1
    assert 'data-metric="exams.best_score" data-value="83.3"' in html
    down = client.get(URL, {"org": tree.branch1.pk, "period": "2026-11"})
    assert [r["org"] for r in down.context["rows"]] == [tree.group1]
    assert down.context["parent"] == tree.general


def test_page_sorts_by_a_metric_either_way_with_missing_figures_last(client, tree):
    fx.exam_results(tree)
    extra = make_org("branch", parent=tree.general, name="第三党支部", code="B3")
    make_person(extra)
    client.force_login(tree.users.committee)
    params = {"org": tree.general.pk, "period": "2026-11", "sort": "exams.best_score"}
    up = client.get(URL, params).context["rows"]
    assert [r["org"] for r in up] == [tree.branch1, tree.branch2, extra]  # 75, 100, none
    down = client.get(URL, {**params, "dir": "desc"}).context["rows"]
    assert [r["org"] for r in down] == [tree.branch2, tree.branch1, extra]


def test_a_bad_period_falls_back_to_this_month_with_a_message(client, tree):
    client.force_login(tree.users.committee)
    page = client.get(URL, {"period": "2026-13"})
    assert page.status_code == 200 and page.context["period_error"]
    assert b"data-error" in page.content


@pytest.mark.parametrize("who", ["branch2", "member1"])
def test_out_of_scope_is_404_by_page_and_api(client, tree, who):
    user = getattr(tree.users, who)
    client.force_login(user)
    assert client.get(URL, {"org": tree.branch1.pk}).status_code == 404
    api = api_as(user)
    assert api.get(API + "values/", {"org": tree.branch1.pk}).status_code == 404
    if who == "member1":  # no metrics:read anywhere: the page and the list do not exist
        assert client.get(URL).status_code == 404
        assert api.get(API).status_code == 404
    else:
        assert client.get(URL, {"org": tree.branch2.pk}).status_code == 200
        assert api.get(API + "values/", {"org": tree.branch2.pk}).status_code == 200
    assert client.get(URL, {"org": "99999999"}).status_code == 404
    assert client.get(URL, {"org": "x1"}).status_code == 404


def test_api_lists_metrics_and_values(tree):
    fx.transfers(tree)
    api = api_as(tree.users.committee)
    listed = api.get(API).json()
    by_name = {m["name"]: m for m in listed}
    assert by_name["transfers.overdue"] == {"name": "transfers.overdue", "label": "Overdue transfers",
                                            "unit": "count", "higher_is_better": False,
                                            "period_kinds": ["month", "quarter", "year"],
                                            "description": "Pending transfer letters past their validity"}
    assert set(by_name) == set(registry.registry())
    got = api.get(API + "values/", {"org": tree.general.pk, "period": "2026-03",
                                    "names": "transfers.overdue,exams.participation"}).json()
    assert got["period"] == "2026-03" and got["org"]["id"] == tree.general.pk
    assert [v["name"] for v in got["org"]["values"]] == ["exams.participation", "transfers.overdue"]
    overdue = {c["id"]: c["values"][1]["value"] for c in got["children"]}
    assert overdue == {tree.branch1.pk: "2.0", tree.branch2.pk: "1.0"}
    assert got["org"]["values"][0]["denominator"] == "7" and got["org"]["values"][0]["value"] == "0.0"
    bad = api.get(API + "values/", {"org": tree.general.pk, "period": "2026-Q9"})
    assert bad.status_code == 400 and "period" in str(bad.json())
    unknown = api.get(API + "values/", {"names": "nope"})
    assert unknown.status_code == 400 and "names" in str(unknown.json())


def test_home_card_for_managers_only(tree):
    factory = RequestFactory()
    module = MetricsModule(None)
    request = factory.get("/")
    request.user = tree.users.committee
    cards = module.home_cards(request)
    assert [c.key for c in cards] == ["metrics"]
    figures = cards[0].context["figures"]
    assert [r["org"] for r in figures["roots"]] == [tree.committee]
    assert {v.name for v in figures["roots"][0]["values"]} == set(registry.registry())
    from django.template.loader import render_to_string

    html = render_to_string(cards[0].template, {"card": cards[0].context})
    assert "Figures at a glance" in html and "bi-arrow-down-short" in html and "bi-arrow-up-short" in html
    request.user = tree.users.member1
    assert module.home_cards(request) == [] and module.menu(request) == []
    assert queries.home_figures(tree.users.member1) is None
    request.user = tree.users.branch1
    assert [e.key for e in module.menu(request)] == ["metrics"]


def _queries(fn):
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def _grow(tree, n):
    for i in range(n):
        branch = make_org("branch", parent=tree.general, name=f"扩充支部{n}-{i}", code=f"X{n}-{i}")
        if i % 3 == 0:
            make_org("group", parent=branch, name=f"扩充小组{n}-{i}", code=f"XG{n}-{i}")


def test_query_counts_do_not_grow_with_the_organisations(client, tree, django_assert_max_num_queries):
    fx.exam_results(tree)
    fx.transfers(tree)
    client.force_login(tree.users.committee)
    page = lambda: client.get(URL, {"org": tree.general.pk, "period": "2026-11"})  # noqa: E731
    api = api_as(tree.users.committee)
    values = lambda: api.get(API + "values/", {"org": tree.general.pk, "period": "2026-11"})  # noqa: E731
    everything = lambda: registry.metrics_for([tree.committee], "2026-11")  # noqa: E731
    page(), values()  # warm-up: the session's and the token's first use
    _grow(tree, 3)
    small = (_queries(page), _queries(values), _queries(everything))
    _grow(tree, 27)
    large = (_queries(page), _queries(values), _queries(everything))
    assert small == large
    assert len(page().context["rows"]) == 32
    with django_assert_max_num_queries(30):
        page()
