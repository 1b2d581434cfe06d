"""Learning pages and API: the member's pages (my learning, reading with the heartbeat, my credits), the managers'
pages (items, assignments, rules, completion rates with xlsx), the API — and a sibling branch gets 404 on every
page and endpoint. Query counts of the list pages do not grow with the data."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from dangjian.learning import services
from dangjian.learning.models import Assignment, CreditEntry, CreditRule, ItemStatus, LearningItem, Progress

from .conftest import api_as

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def make_item(tree, org=None, actor=None, assign_to=None, **kw):
    data = {"kind": "article", "title": "学习党章", "summary": "读原文", "body": "<div>党章全文</div>",
            "min_minutes": 1, "credits": "2"}
    data.update(kw)
    actor = actor or tree.users.branch1
    item = services.create_item(actor, org or tree.branch1, data)
    item = services.publish_item(actor, item)
    services.assign(actor, item, orgs=assign_to or [org or tree.branch1])
    return item


# ---------------------------------------------------------------------------------------------------- member pages

def test_member_sees_assigned_items_reads_and_completes_by_heartbeat(client, tree):
    item = make_item(tree)
    client.force_login(tree.users.member1)
    page = client.get(reverse("learning:home")).content.decode()
    assert "学习党章" in page and 'data-state="todo"' in page
    page = client.get(reverse("learning:read", args=[item.pk])).content.decode()
    assert 'id="learning-timer"' in page and "hx-post" in page and "learning/reader.js" in page and "1:00" in page
    start = timezone.now()
    for s in (0, 20, 40, 60):
        with freeze_time(start + timedelta(seconds=s)):
            response = client.post(reverse("learning:heartbeat", args=[item.pk]))
        assert response.status_code == 200
    html = response.content.decode()
    assert 'id="timer-done"' in html and "hx-post" not in html  # polling stops once complete
    assert CreditEntry.objects.get(person=tree.member1).points == Decimal(2)
    page = client.get(reverse("learning:home") + "?tab=done").content.decode()
    assert 'data-state="done"' in page
    page = client.get(reverse("learning:credits")).content.decode()
    assert "学习党章" in page and 'data-total="2.0"' in page
    assert client.get(reverse("learning:heartbeat", args=[item.pk])).status_code == 405


def test_sibling_branch_and_outsiders_get_404_everywhere(client, tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    item = make_item(tree)
    pdf = services.create_item(tree.users.branch1, tree.branch1, {"kind": "document", "title": "文件", "min_minutes": 1,
                                                                  "credits": 1},
                               upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4 x"))
    services.publish_item(tree.users.branch1, pdf)
    services.assign(tree.users.branch1, pdf, orgs=[tree.branch1])
    entry = services.add_credit(tree.users.branch1, tree.member1, year=timezone.localdate().year, points=1, note="x")
    client.force_login(tree.users.branch2)
    a = Assignment.objects.filter(item=item).first()
    for name, args, query in [("read", [item.pk], ""), ("file", [pdf.pk], ""), ("item", [item.pk], ""),
                              ("item_edit", [item.pk], ""), ("assign", [item.pk], ""),
                              ("item_completion", [item.pk], ""),
                              ("item_completion", [item.pk], f"?org={tree.branch1.pk}"),
                              ("rates", [], f"?org={tree.branch1.pk}"), ("rules", [], f"?org={tree.branch1.pk}"),
                              ("person_credits", [tree.member1.pk], "")]:
        assert client.get(reverse(f"learning:{name}", args=args) + query).status_code == 404, name
    for name, args in [("heartbeat", [item.pk]), ("item_action", [item.pk, "withdraw"]),
                       ("unassign", [item.pk, a.pk]), ("person_credits", [tree.member1.pk])]:
        assert client.post(reverse(f"learning:{name}", args=args), {"action": "correct", "entry": entry.pk,
                                                                     "points": "-1", "note": "x"}).status_code == 404
    assert client.post(reverse("learning:rules"), {"org": tree.branch1.pk, "credits_per_exam": 9,
                                                   "yearly_target": 9}).status_code == 404
    assert not CreditRule.objects.exists() and LearningItem.objects.get(pk=item.pk).status == ItemStatus.PUBLISHED
    assert CreditEntry.objects.count() == 1
    api = api_as(tree.users.branch2)
    assert api.post(f"/api/v1/learning/items/{item.pk}/heartbeat").status_code == 404
    assert api.get("/api/v1/learning/items/").json()["results"] == []
    # the member of branch1 opens the file of an item assigned to them
    client.force_login(tree.users.member1)
    response = client.get(reverse("learning:file", args=[pdf.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    # a plain member has no manager pages
    for name, args in [("manage", []), ("item", [item.pk]), ("rates", []), ("rules", []),
                       ("person_credits", [tree.other1.pk])]:
        assert client.get(reverse(f"learning:{name}", args=args)).status_code == 404, name


def test_manager_previews_without_the_timer_and_readers_see_rates(client, tree):
    item = make_item(tree, assign_to=[tree.group1])
    client.force_login(tree.users.committee)  # manages the whole tree; the item is not assigned to them
    page = client.get(reverse("learning:read", args=[item.pk])).content.decode()
    assert 'id="preview-note"' in page and "learning-timer" not in page
    assert client.post(reverse("learning:heartbeat", args=[item.pk])).status_code == 404
    client.force_login(tree.users.group1)  # group leader: learning:read over group1; assigned through branch1
    page = client.get(reverse("learning:rates")).content.decode()
    assert "第一党小组" in page
    assert client.get(reverse("learning:item_completion", args=[item.pk]) + f"?org={tree.group1.pk}").status_code == 200
    assert client.get(reverse("learning:rates") + f"?org={tree.branch1.pk}").status_code == 404


# ---------------------------------------------------------------------------------------------------- manager pages

def test_manager_creates_assigns_publishes_and_versions_an_item(client, tree):
    client.force_login(tree.users.branch1)
    response = client.post(reverse("learning:item_new"), {
        "org": tree.branch1.pk, "kind": "article", "title": "新内容", "summary": "", "body": "<div>正文</div>",
        "min_minutes": 5, "credits": "1.5"})
    item = LearningItem.objects.get(title="新内容")
    assert response.status_code == 302 and item.status == ItemStatus.DRAFT and item.created_by == tree.users.branch1
    response = client.post(reverse("learning:assign", args=[item.pk]), {
        "orgs": [tree.group1.pk], "people": [tree.other1.pk], "required": "on", "due_on": "2030-01-01"})
    assert response.status_code == 302 and item.assignments.count() == 2
    response = client.post(reverse("learning:assign", args=[item.pk]), {"orgs": [tree.branch2.pk]})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()  # not offered
    client.post(reverse("learning:item_action", args=[item.pk, "publish"]))
    item.refresh_from_db()
    assert item.status == ItemStatus.PUBLISHED
    response = client.post(reverse("learning:item_edit", args=[item.pk]), {
        "kind": "article", "title": "新内容（修订）", "body": "<div>正文</div>", "min_minutes": 9, "credits": "1.5",
        "version": item.version})
    item.refresh_from_db()
    assert response.status_code == 302 and item.title == "新内容（修订）" and item.min_minutes == 5  # field disabled
    response = client.post(reverse("learning:item_action", args=[item.pk, "copy"]))
    copy = LearningItem.objects.get(copied_from=item)
    assert response.status_code == 302 and copy.status == ItemStatus.DRAFT and copy.assignments.count() == 2
    page = client.get(reverse("learning:item", args=[item.pk])).content.decode()
    assert "第一党小组" in page and "普通党员二" in page
    response = client.post(reverse("learning:item_new"), {
        "org": tree.branch1.pk, "kind": "video", "title": "视频", "video_url": "javascript:alert(1)",
        "min_minutes": 5, "credits": "1"})
    assert response.status_code == 200 and 'data-field-error="video_url"' in response.content.decode()


def test_rules_page_sets_the_rule_and_shows_where_it_comes_from(client, tree):
    client.force_login(tree.users.committee)
    response = client.post(reverse("learning:rules"), {"org": tree.committee.pk, "credits_per_item": "",
                                                       "credits_per_exam": "3", "yearly_target": "60"})
    assert response.status_code == 302
    page = client.get(reverse("learning:rules") + f"?org={tree.branch1.pk}").content.decode()
    assert 'data-target="60.0"' in page and "示例党委" in page
    client.force_login(tree.users.branch1)
    response = client.post(reverse("learning:rules"), {"org": tree.branch1.pk, "credits_per_item": "1",
                                                       "credits_per_exam": "3", "yearly_target": "1001"})
    assert response.status_code == 200 and 'data-field-error="yearly_target"' in response.content.decode()
    assert not CreditRule.objects.filter(org=tree.branch1).exists()


def test_rates_page_drills_down_and_exports_xlsx(client, tree):
    from openpyxl import load_workbook

    item = make_item(tree, org=tree.committee, actor=tree.users.committee, assign_to=[tree.committee])
    Progress.objects.create(person=tree.member1, item=item, seconds=60, completed_at=timezone.now())
    client.force_login(tree.users.committee)
    page = client.get(reverse("learning:rates") + f"?org={tree.general.pk}").content.decode()
    assert "第一党支部" in page and "第二党支部" in page and 'data-rate="20.0"' in page  # branch1: 1 of 5
    response = client.get(reverse("learning:rates") + f"?org={tree.general.pk}&format=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(BytesIO(response.content))
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    assert ("第一党支部", 5, 5, 1, 20.0, 0, 0.0) in rows
    assert len(wb.sheetnames) == 3
    response = client.get(reverse("learning:item_completion", args=[item.pk]) + f"?org={tree.branch1.pk}&format=xlsx")
    assert response.status_code == 200
    page = client.get(reverse("learning:item_completion", args=[item.pk]) + f"?org={tree.branch1.pk}&state=done")
    assert page.content.decode().count("data-person=") == 1


def test_manager_records_and_corrects_credits(client, tree):
    client.force_login(tree.users.branch1)
    year = timezone.localdate().year
    url = reverse("learning:person_credits", args=[tree.member1.pk])
    assert client.post(url, {"action": "add", "year": year, "points": "3", "note": "集中培训"}).status_code == 302
    entry = CreditEntry.objects.get(person=tree.member1)
    response = client.post(url, {"action": "correct", "entry": entry.pk, "points": "-5", "note": "多记"})
    assert response.status_code == 200 and CreditEntry.objects.count() == 1
    response = client.post(url, {"action": "correct", "entry": entry.pk, "points": "-1", "note": "多记"})
    assert response.status_code == 302 and CreditEntry.objects.filter(corrects=entry).count() == 1
    client.force_login(tree.users.group1)  # a reader: sees, cannot record
    assert client.get(url).status_code == 200
    assert client.post(url, {"action": "add", "year": year, "points": "3", "note": "x"}).status_code == 404


# ---------------------------------------------------------------------------------------------------- query counts

def test_list_pages_do_not_grow_with_the_data(client, tree, django_assert_max_num_queries):
    def counts():
        client.force_login(tree.users.member1)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        out = {}
        for name, url in [("home", reverse("learning:home")), ("credits", reverse("learning:credits"))]:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            out[name] = len(ctx)
        client.force_login(tree.users.committee)
        for name, url in [("manage", reverse("learning:manage")), ("rates", reverse("learning:rates")),
                          ("rules", reverse("learning:rules"))]:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            out[name] = len(ctx)
        return out

    make_item(tree, org=tree.committee, actor=tree.users.committee, assign_to=[tree.branch1])
    first = counts()
    for i in range(6):
        item = make_item(tree, org=tree.committee, actor=tree.users.committee, assign_to=[tree.general],
                         title=f"内容{i}")
        services.assign(tree.users.committee, item, people=[tree.member1])
        Progress.objects.create(person=tree.member1, item=item, seconds=60, completed_at=timezone.now())
        services.add_credit(None, tree.member1, year=timezone.localdate().year, points=1, note=f"x{i}")
    assert counts() == first
    client.force_login(tree.users.member1)
    with django_assert_max_num_queries(12):
        client.get(reverse("learning:home"))


# ---------------------------------------------------------------------------------------------------- API

def test_api_items_heartbeat_and_credits(tree):
    item = make_item(tree)
    api = api_as(tree.users.member1)
    data = api.get("/api/v1/learning/items/").json()
    assert data["count"] == 1
    row = data["results"][0]
    assert (row["id"], row["state"], row["required_seconds"], row["org"]["name"]) == (item.pk, "todo", 60,
                                                                                      "第一党支部")
    start = timezone.now()
    for s in (0, 30, 60):
        with freeze_time(start + timedelta(seconds=s)):
            response = api.post(f"/api/v1/learning/items/{item.pk}/heartbeat")
    body = response.json()
    assert body["completed_now"] and body["credited"] == "2.0" and body["item"]["state"] == "done"
    assert api.get("/api/v1/learning/items/?state=todo").json()["count"] == 0
    credits = api.get("/api/v1/learning/credits/").json()
    assert credits["total"] == "2.0" and credits["target"] == "50.0" and credits["entries"][0]["source"] == "item"
    assert api.get(f"/api/v1/learning/credits/?year={timezone.localdate().year - 1}").json()["total"] == "0.0"


@pytest.mark.parametrize("url, field", [
    ("/api/v1/learning/items/?state=all", "state"),
    ("/api/v1/learning/credits/?year=abc", "year"),
    ("/api/v1/learning/credits/?year=1990", "year"),
])
def test_api_bad_input_is_a_400_naming_the_field(tree, url, field):
    response = api_as(tree.users.member1).get(url)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field] and response.json()["errors"][field][0]


def test_api_messages_are_in_chinese_by_default(tree, settings):
    from django.utils import translation

    settings.LANGUAGE_CODE = "zh-hans"
    with translation.override("zh-hans"):
        response = api_as(tree.users.member1).get("/api/v1/learning/credits/?year=abc",
                                                  HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.json()["errors"]["year"] == ["请输入整数。"]


def test_api_heartbeat_after_the_deadline_is_a_400(tree):
    item = make_item(tree, deadline=timezone.localdate() - timedelta(days=1))
    response = api_as(tree.users.member1).post(f"/api/v1/learning/items/{item.pk}/heartbeat")
    assert response.status_code == 400 and "item" in response.json()["errors"]
    assert api_as(tree.users.admin).get("/api/v1/learning/items/").status_code == 404  # no person
