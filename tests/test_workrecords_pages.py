"""Work records pages and API: the feed (with its query count), filing a record with photos, sibling 404s on
page and API, the grid with drill-down (its query count too), items, comments, bookmarks, the module hooks."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.utils import timezone

from dangjian.workrecords import services
from dangjian.workrecords.models import Bookmark, Comment, WorkItem, WorkRecord

from .conftest import api_as
from .workrecords_fixtures import make_ledger

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(tree):
    return make_ledger(tree)


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


def add(tree, item, org=None, **kw):
    org = org or tree.branch1
    user = tree.users.branch2 if org == tree.branch2 else tree.users.branch1
    return services.add_record(user, item=item, org=org, date=kw.pop("day", timezone.localdate()),
                               title=kw.pop("title", "工作动态"), text=kw.pop("text", "内容"), **kw)


def test_feed_page_lists_what_the_user_sees_in_few_queries(client, tree, ledger, django_assert_max_num_queries):
    for n in range(12):
        r = add(tree, ledger.dynamics if n % 2 else ledger.building, title=f"记录{n}",
                files=[SimpleUploadedFile("a.png", PNG)])
        services.add_comment(tree.users.committee, r, "好")
    add(tree, ledger.dynamics, org=tree.branch2, title="二支部动态")
    client.force_login(tree.users.branch2)
    with django_assert_max_num_queries(12):
        page = client.get("/workrecords/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "二支部动态" in body and "记录1" in body and "记录0" not in body  # building (closed) is not shown
    client.force_login(tree.users.committee)
    with django_assert_max_num_queries(12):
        page = client.get("/workrecords/?page=1")
    assert page.content.decode().count("data-record=") == 13
    with django_assert_max_num_queries(12):
        filtered = client.get(f"/workrecords/?item={ledger.building.pk}&org={tree.branch1.pk}"
                              f"&period={timezone.localdate():%Y-%m}")
    assert filtered.content.decode().count("data-record=") == 6


def test_sibling_gets_404_for_a_record_of_a_closed_item_by_page_and_api(client, tree, ledger):
    closed = add(tree, ledger.building, files=[SimpleUploadedFile("p.png", PNG)])
    opened = add(tree, ledger.dynamics)
    client.force_login(tree.users.branch2)
    assert client.get(f"/workrecords/{closed.pk}/").status_code == 404
    assert client.get(f"/workrecords/files/{closed.files.get().pk}/").status_code == 404
    assert client.post(f"/workrecords/{closed.pk}/comment/", {"text": "x"}).status_code == 404
    assert client.post(f"/workrecords/{closed.pk}/bookmark/").status_code == 404
    assert client.get(f"/workrecords/{opened.pk}/").status_code == 200
    api = api_as(tree.users.branch2)
    assert api.get(f"/api/v1/workrecords/records/{closed.pk}/").status_code == 404
    assert api.get(f"/api/v1/workrecords/records/{opened.pk}/").status_code == 200
    ids = [r["id"] for r in api.get("/api/v1/workrecords/records/").json()["results"]]
    assert ids == [opened.pk]
    assert api.get(f"/api/v1/workrecords/grid/?org={tree.branch1.pk}").status_code == 404
    client.force_login(tree.users.branch1)
    assert client.get(f"/workrecords/{closed.pk}/").status_code == 200
    assert client.get(f"/workrecords/files/{closed.files.get().pk}/").status_code == 200


def test_file_a_record_by_page_with_photos(client, tree, ledger):
    client.force_login(tree.users.branch1)
    form = client.get(f"/workrecords/new/?item={ledger.dynamics.pk}")
    assert form.status_code == 200 and "支部工作动态" in form.content.decode()
    day = timezone.localdate()
    response = client.post("/workrecords/new/", {
        "org": tree.branch1.pk, "item": ledger.dynamics.pk, "date": day.isoformat(), "title": "党员先锋岗亮牌",
        "text": "全体党员亮身份", "files": [SimpleUploadedFile("1.png", PNG), SimpleUploadedFile("2.pdf", b"%PDF")]})
    record = WorkRecord.objects.get()
    assert response.status_code == 302 and response.url == f"/workrecords/{record.pk}/"
    assert record.files.count() == 2
    detail = client.get(response.url).content.decode()
    assert "党员先锋岗亮牌" in detail and "2.pdf" in detail


def test_page_refuses_another_committees_item_with_the_field_named(client, tree, ledger):
    client.force_login(tree.users.branch1)
    response = client.post("/workrecords/new/", {
        "org": tree.branch1.pk, "item": ledger.foreign.pk, "date": timezone.localdate().isoformat(), "title": "x"})
    assert response.status_code == 200 and not WorkRecord.objects.exists()
    assert "item" in response.context["form"].errors
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = client.post("/workrecords/new/", {
        "org": tree.branch1.pk, "item": ledger.dynamics.pk, "date": future, "title": "x"})
    assert "date" in response.context["form"].errors and not WorkRecord.objects.exists()
    client.force_login(tree.users.member1)
    assert client.get("/workrecords/new/").status_code == 404


def test_api_files_records_and_names_bad_fields(tree, ledger):
    api = api_as(tree.users.branch1)
    day = timezone.localdate().isoformat()
    ok = api.post("/api/v1/workrecords/records/", {"item": ledger.dynamics.pk, "org": tree.branch1.pk,
                                                    "date": day, "title": "API 记录", "text": "<b>好</b>"},
                  format="json")
    assert ok.status_code == 201 and ok.json()["item"]["code"] == "dynamics"
    bad = api.post("/api/v1/workrecords/records/", {"item": ledger.foreign.pk, "org": tree.branch1.pk,
                                                     "date": day, "title": "x"}, format="json")
    assert bad.status_code == 400 and "item" in bad.json()["errors"]
    sibling = api.post("/api/v1/workrecords/records/", {"item": ledger.dynamics.pk, "org": tree.branch2.pk,
                                                         "date": day, "title": "x"}, format="json")
    assert sibling.status_code == 404
    assert WorkRecord.objects.count() == 1
    assert api.get("/api/v1/workrecords/records/?period=2026-13").status_code == 400
    items = api.get("/api/v1/workrecords/items/").json()["results"]
    assert {i["code"] for i in items} == {"dynamics", "building", "meetings"}


def test_api_list_in_few_queries(tree, ledger, django_assert_max_num_queries):
    for n in range(15):
        add(tree, ledger.dynamics, title=f"r{n}")
    api = api_as(tree.users.committee)
    with django_assert_max_num_queries(8):
        body = api.get("/api/v1/workrecords/records/").json()
    assert body["count"] == 15


def test_grid_page_and_api_drill_down_in_few_queries(client, tree, ledger, django_assert_max_num_queries):
    from .factories import make_org

    add(tree, ledger.dynamics)
    for n in range(6):  # more organisations, more records: the same number of queries
        org = make_org("branch", parent=tree.general, name=f"第{n + 3}党支部")
        make_org("group", parent=org)
        WorkRecord.objects.create(item=ledger.dynamics, org=org, org_path=org.path, date=timezone.localdate(),
                                  title="t")
    client.force_login(tree.users.committee)
    with django_assert_max_num_queries(12):
        page = client.get("/workrecords/grid/")
    body = page.content.decode()
    assert page.status_code == 200 and f'data-org="{tree.general.pk}"' in body and "drill" in body
    with django_assert_max_num_queries(12):
        page = client.get(f"/workrecords/grid/?org={tree.general.pk}&period={timezone.localdate():%Y-%m}")
    rows = page.context["rows"]
    assert [r["org"] for r in rows][:3] == [tree.general, tree.branch1, tree.branch2] and len(rows) == 9
    assert rows[1]["cells"][0]["colour"] == "green"
    api = api_as(tree.users.committee)
    data = api.get(f"/api/v1/workrecords/grid/?org={tree.general.pk}").json()
    assert data["rows"][1]["cells"][0] == {**data["rows"][1]["cells"][0], "colour": "green", "done": 1}
    assert api.get("/api/v1/workrecords/grid/?period=x").status_code == 400
    client.force_login(tree.users.branch2)
    assert client.get(f"/workrecords/grid/?org={tree.branch1.pk}").status_code == 404
    client.force_login(tree.users.member1)
    assert client.get("/workrecords/grid/").status_code == 404


def test_comment_and_learn_from_pages(client, tree, ledger):
    r = add(tree, ledger.dynamics)
    client.force_login(tree.users.branch2)
    assert client.post(f"/workrecords/{r.pk}/comment/", {"text": "学习了"}).status_code == 302
    assert client.post(f"/workrecords/{r.pk}/bookmark/").status_code == 302
    assert Comment.objects.get().author_org == tree.branch2 and Bookmark.objects.filter(user=tree.users.branch2)
    mine = client.get("/workrecords/?mine=1").content.decode()
    assert f'data-record="{r.pk}"' in mine
    client.post(f"/workrecords/{r.pk}/comment/", {"text": ""})
    assert Comment.objects.count() == 1


def test_items_pages_for_the_committee_only(client, tree, ledger):
    client.force_login(tree.users.committee)
    assert "三会一课" in client.get("/workrecords/items/").content.decode()
    response = client.post("/workrecords/items/new/", {
        "org": tree.committee.pk, "code": "training", "title": "党员培训", "frequency": "quarter",
        "expected_count": 1, "applies_to": ["branch"], "siblings_visible": "on", "active": "on", "sort_order": 5})
    assert response.status_code == 302
    item = WorkItem.objects.get(code="training")
    assert item.siblings_visible and item.applies_to == ["branch"]
    stale = client.post(f"/workrecords/items/{item.pk}/", {
        "org": tree.committee.pk, "code": "training", "title": "改", "frequency": "quarter", "expected_count": 1,
        "applies_to": ["branch"], "active": "on", "version": item.version + 5})
    assert stale.status_code == 200 and stale.context["conflict"]
    client.force_login(tree.users.branch1)  # a branch secretary holds manage, but over no committee
    assert client.get("/workrecords/items/").status_code == 200
    assert client.get(f"/workrecords/items/{item.pk}/").status_code == 404
    assert client.get("/workrecords/items/new/").status_code == 404
    client.force_login(tree.users.member1)
    assert client.get("/workrecords/items/").status_code == 404


def test_module_menu_card_and_todo(tree, ledger):
    from django.apps import apps

    from dangjian.workrecords.module import WorkRecordsModule

    # (Django's AppConfig sets its own `module` attribute to the app's package, so core.modules.modules() does
    # not yet find the dotted path on the class; instantiate directly)
    m = WorkRecordsModule(apps.get_app_config("workrecords"))
    request = RequestFactory().get("/")
    request.user = tree.users.branch1
    assert [e.key for e in m.menu(request)] == ["workrecords"]
    cards = m.home_cards(request)
    assert cards and {i.code for i, _p, _n in cards[0].context["missing"]} == {"dynamics", "building", "meetings"}
    assert m.todos(request)[0].count == 3
    request = RequestFactory().get("/")
    request.user = tree.users.member1
    assert m.home_cards(request) == [] and m.todos(request) == []


def test_seed_demo_defines_items_and_records_with_gaps(tree):
    from dangjian.meetings.models import Meeting, MeetingState, Minutes
    from dangjian.workrecords.demo import DEMO_ITEMS, seed_workrecords

    start = timezone.now() - timedelta(days=1)
    m = Meeting.objects.create(org=tree.branch1, org_path=tree.branch1.path, topic="支委会", starts_at=start,
                               ends_at=start + timedelta(hours=1), state=MeetingState.RECORDED)
    Minutes.objects.create(meeting=m, revision=1, text="纪要")
    today = timezone.localdate()
    created = seed_workrecords(tree.committee, today)
    assert WorkItem.objects.filter(org=tree.committee).count() == DEMO_ITEMS
    assert created > DEMO_ITEMS
    assert WorkRecord.objects.filter(source_id=m.pk, item__code="meetings").exists()
    assert seed_workrecords(tree.committee, today) == 0  # idempotent
    assert services.missing_for(tree.branch2)  # some items are left missing
