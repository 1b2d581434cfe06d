"""Announcements: audiences of each kind, the bulk writing with its progress, versioned receipts (a substantive
edit asks again, a typo fix keeps them), read rates per child organisation with drill-down, reminders, who sees the
receipts (the sender and the posts above; a sibling gets 404 by page and API), withdrawal and bad input."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone

from dangjian.accounts.models import Role
from dangjian.audit.models import AuditEntry
from dangjian.notices import services, tasks
from dangjian.notices.models import Announcement, Notice, Receipt

from .conftest import api_as
from .factories import give_post, make_person, make_user
from .notices_fixtures import announce

pytestmark = pytest.mark.django_db


def names(ann):
    return set(Receipt.objects.filter(announcement=ann, revision=ann.revision).values_list("person__name", flat=True))


def test_subtree_reaches_everyone_under_the_sender_and_writes_a_notice_each(tree):
    ann = announce(tree)
    assert ann.state == "published" and ann.recipients_total == ann.recipients_written == 7
    assert len(names(ann)) == 7
    notices = Notice.objects.filter(kind="announcement")
    assert notices.count() == 7 and {n.link for n in notices} == {f"/notices/announcements/{ann.pk}/"}
    assert AuditEntry.objects.filter(model="notices.announcement", action="transition",
                                     object_id=str(ann.pk)).exists()
    branch = announce(tree, tree.users.branch1, tree.branch1)
    assert names(branch) == {"委员会书记", "支部书记一", "小组长一", "普通党员一", "普通党员二"}


def test_members_only_or_everyone_on_the_roll(tree):
    make_person(tree.branch2, name="入党积极分子", political_status="activist")
    assert "入党积极分子" not in names(announce(tree))
    assert "入党积极分子" in names(announce(tree, members_only=False))


def test_chosen_organisations(tree):
    ann = announce(tree, audience_kind="orgs", audience_orgs=[tree.branch2.pk, tree.group1.pk])
    assert names(ann) == {"支部书记二", "二支部党员", "支部书记一", "小组长一", "普通党员一"}


def test_posts_reach_the_holders_within_the_sender(tree):
    give_post(tree.other1, tree.branch1, Role.FEE_COLLECTOR)
    assert names(announce(tree, audience_kind="posts", audience_roles=[Role.SECRETARY])) == {
        "委员会书记", "支部书记一", "支部书记二"}
    assert names(announce(tree, audience_kind="posts", audience_roles=[Role.SECRETARY, Role.FEE_COLLECTOR],
                          audience_orgs=[tree.branch1.pk])) == {"支部书记一", "普通党员二"}
    assert names(announce(tree, tree.users.branch1, tree.branch1, audience_kind="posts",
                          audience_roles=[Role.SECRETARY])) == {"支部书记一"}  # not the committee's secretary


@pytest.mark.parametrize("kw, field", [
    ({"audience_kind": "orgs", "audience_orgs": []}, "audience_orgs"),
    ({"audience_kind": "posts", "audience_roles": []}, "audience_roles"),
    ({"audience_kind": "posts", "audience_roles": ["king"]}, "audience_roles"),
    ({"audience_kind": "everyone"}, "audience_kind"),
    ({"audience_kind": "posts", "audience_roles": [Role.DISCIPLINE]}, "audience_kind"),  # nobody holds it
    ({"title": "  "}, "title"),
    ({"body": "<p> </p>"}, "body"),
    ({"must_read": True, "deadline": "2001-01-01T10:00"}, "deadline"),
    ({"must_read": True, "deadline": "tomorrow"}, "deadline"),
    ({"must_read": True, "remind_every_days": 99}, "remind_every_days"),
])
def test_bad_input_names_the_field_and_writes_nothing(tree, kw, field):
    with pytest.raises(ValidationError) as e:
        announce(tree, **kw)
    assert field in e.value.error_dict
    assert not Announcement.objects.exists() and not Notice.objects.exists()


def test_audience_orgs_outside_the_sender_are_refused(tree):
    with pytest.raises(ValidationError) as e:
        announce(tree, tree.users.branch1, tree.branch1, audience_kind="orgs", audience_orgs=[tree.branch2.pk])
    assert "audience_orgs" in e.value.error_dict


def test_only_those_with_the_right_send_and_only_from_their_subtree(tree):
    with pytest.raises(Http404):
        announce(tree, tree.users.branch2, tree.branch1)
    with pytest.raises(Http404):
        announce(tree, tree.users.member1, tree.branch1)
    with pytest.raises(Http404):
        announce(tree, tree.users.group1, tree.group1)  # a group leader does not publish announcements
    propaganda = make_person(tree.branch2, name="宣传委员")
    give_post(propaganda, tree.branch2, Role.PROPAGANDA)
    assert announce(tree, make_user("prop", propaganda), tree.branch2).recipients_total == 3


def test_body_is_sanitised(tree):
    ann = announce(tree, body='<p onclick="x()">好<script>alert(1)</script><a href="javascript:x">链接</a></p>')
    assert "script" not in ann.body and "onclick" not in ann.body and "javascript" not in ann.body
    assert "好" in ann.body


def test_written_in_batches_with_progress_and_resumable(tree, monkeypatch):
    monkeypatch.setattr(tasks.write_recipients, "delay", lambda pk: None)  # a broker that has not run it yet
    ann = announce(tree)
    assert ann.state == "publishing" and ann.recipients_total == 7 and ann.progress == 0
    assert services.write_batch(ann.pk, batch=3) == 3
    ann.refresh_from_db()
    assert ann.recipients_written == 3 and ann.progress == 43
    assert services.write_all(ann.pk, batch=3) == 4  # resumes after the last person written
    ann.refresh_from_db()
    assert ann.state == "published" and ann.progress == 100
    assert Receipt.objects.filter(announcement=ann).count() == 7 == Notice.objects.count()
    assert services.write_all(ann.pk) == 0  # again: nothing twice


def test_progress_page_polls_until_done(client, tree, monkeypatch):
    monkeypatch.setattr(tasks.write_recipients, "delay", lambda pk: None)
    ann = announce(tree)
    client.force_login(tree.users.committee)
    page = client.get(f"/notices/announcements/{ann.pk}/progress/").content.decode()
    assert 'hx-trigger="every 1s"' in page and 'data-state="publishing"' in page
    services.write_all(ann.pk)
    part = client.get(f"/notices/announcements/{ann.pk}/progress/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in part and 'data-state="published"' in part and "hx-trigger" not in part
    client.force_login(tree.users.branch2)
    assert client.get(f"/notices/announcements/{ann.pk}/progress/").status_code == 404


def test_reading_and_must_read_confirmation(client, tree):
    plain = announce(tree)
    client.force_login(tree.users.member1)
    assert client.get(f"/notices/announcements/{plain.pk}/").status_code == 200
    assert Receipt.objects.get(announcement=plain, person=tree.member1).read_at is not None  # opening reads it
    must = announce(tree, title="必读", must_read=True, deadline=timezone.now() + timedelta(days=3))
    page = client.get(f"/notices/announcements/{must.pk}/").content.decode()
    assert 'id="confirm-read"' in page
    assert Receipt.objects.get(announcement=must, person=tree.member1).read_at is None  # opened is not confirmed
    assert [a.pk for a in services.must_read_unread(tree.users.member1)] == [must.pk]
    client.post(f"/notices/announcements/{must.pk}/confirm/")
    assert Receipt.objects.get(announcement=must, person=tree.member1).read_at is not None
    assert not services.must_read_unread(tree.users.member1)
    assert not Notice.objects.filter(person=tree.member1, source_id=must.pk, read_at__isnull=True).exists()


def test_a_substantive_edit_asks_everyone_again_a_typo_fix_keeps_receipts(tree):
    ann = announce(tree, must_read=True)
    services.read(tree.users.member1, ann, confirm=True)
    ann = services.edit(tree.users.committee, ann, title=ann.title + "（更正）", body=ann.body, substantive=False,
                        version=ann.version)
    assert ann.revision == 1 and Receipt.objects.get(person=tree.member1).read_at is not None
    ann = services.edit(tree.users.committee, ann, title=ann.title, body="<p>时间改为周五。</p>", substantive=True,
                        version=ann.version)
    assert ann.revision == 2 and ann.state == "published" and ann.recipients_written == 7
    current = Receipt.objects.filter(announcement=ann, revision=2)
    assert current.count() == 7 and not current.filter(read_at__isnull=False).exists()
    assert Receipt.objects.filter(announcement=ann, revision=1, read_at__isnull=False).count() == 1  # history kept
    assert Notice.objects.filter(person=tree.member1, kind="announcement").count() == 2
    assert [a.pk for a in services.must_read_unread(tree.users.member1)] == [ann.pk]
    from dangjian.core.errors import ConflictError

    with pytest.raises(ConflictError):
        services.edit(tree.users.committee, ann, title="x", body="<p>y</p>", substantive=False, version=1)
    with pytest.raises(Http404):
        services.edit(tree.users.branch1, ann, title="x", body="<p>y</p>", substantive=False)


def test_receipts_per_child_organisation_with_drill_down(tree):
    ann = announce(tree)
    for user in (tree.users.member1, tree.users.branch2, tree.users.branch1):
        services.read(user, ann)
    top = services.receipts(tree.users.committee, ann)
    assert (top["total"].total, top["total"].read) == (7, 3)
    assert [(o.pk, r.total, r.read) for o, r in top["children"]] == [(tree.general.pk, 7, 3)]
    general = services.receipts(tree.users.committee, ann, tree.general)
    assert [(o.pk, r.total, r.read) for o, r in general["children"]] == [(tree.branch1.pk, 5, 2),
                                                                       (tree.branch2.pk, 2, 1)]
    branch1 = services.receipts(tree.users.committee, ann, tree.branch1)
    assert [(o.pk, r.total, r.read) for o, r in branch1["children"]] == [(tree.group1.pk, 3, 2)]
    assert (branch1["own"].total, branch1["own"].read) == (2, 0)
    assert {r.person.name for r in branch1["unread"]} == {"委员会书记", "普通党员二", "小组长一"}
    with pytest.raises(Http404):  # outside the sender's organisation
        services.receipts(tree.users.admin, announce(tree, tree.users.branch1, tree.branch1), tree.branch2)


def test_receipts_page_with_queries_bounded(client, tree, django_assert_max_num_queries):
    ann = announce(tree)
    client.force_login(tree.users.committee)
    with django_assert_max_num_queries(16):
        page = client.get(f"/notices/announcements/{ann.pk}/receipts/?org={tree.general.pk}")
    html = page.content.decode()
    assert page.status_code == 200 and f'data-org="{tree.branch1.pk}" data-read="0" data-total="5"' in html
    for i in range(15):
        make_person(tree.branch2, name=f"新党员{i}")
    big = announce(tree)
    with django_assert_max_num_queries(16):
        assert client.get(f"/notices/announcements/{big.pk}/receipts/?org={tree.general.pk}").status_code == 200


def test_sender_and_posts_above_see_receipts_siblings_and_members_get_404(client, tree):
    ann = announce(tree, tree.users.branch1, tree.branch1)
    url = f"/notices/announcements/{ann.pk}/receipts/"
    api_url = f"/api/v1/announcements/{ann.pk}/receipts/"
    for user, code in [(tree.users.branch1, 200), (tree.users.committee, 200), (tree.users.branch2, 404),
                       (tree.users.member1, 404), (tree.users.group1, 404)]:
        client.force_login(user)
        assert client.get(url).status_code == code, user
        assert api_as(user).get(api_url).status_code == code, user
    client.force_login(tree.users.branch2)  # not a recipient either: the announcement does not exist for them
    assert client.get(f"/notices/announcements/{ann.pk}/").status_code == 404
    assert api_as(tree.users.branch2).get(f"/api/v1/announcements/{ann.pk}/").status_code == 404
    assert api_as(tree.users.branch2).get(api_url + f"?org={tree.branch1.pk}").status_code == 404


def test_api_publish_and_receipts(tree):
    api = api_as(tree.users.committee)
    made = api.post("/api/v1/announcements/", {"org": tree.committee.pk, "title": "通知", "body": "请阅",
                                               "audience_kind": "orgs", "audience_orgs": [tree.branch2.pk],
                                               "must_read": True}, format="json")
    assert made.status_code == 201, made.json()
    pk = made.json()["id"]
    assert made.json()["state"] == "published" and made.json()["recipients_total"] == 2
    mine = api_as(tree.users.branch2)
    assert [a["id"] for a in mine.get("/api/v1/announcements/").json()] == [pk]
    assert mine.post(f"/api/v1/announcements/{pk}/read").json()["read_at"]
    body = api.get(f"/api/v1/announcements/{pk}/receipts/?org={tree.general.pk}").json()
    assert (body["total"], body["read"]) == (2, 1)
    assert [(c["org"]["id"], c["read"], c["total"]) for c in body["children"]] == [(tree.branch2.pk, 1, 2)]
    assert body["unread_people"] == [{"id": tree.member2.pk, "name": "二支部党员"}]


def test_api_bad_input_is_a_400_in_chinese(tree, settings):
    api = api_as(tree.users.committee)
    empty = api.post("/api/v1/announcements/", {"org": tree.committee.pk, "title": "通知", "body": "请阅",
                                                "audience_kind": "orgs"}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert empty.status_code == 400 and "audience_orgs" in empty.json()["errors"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in empty.json()["errors"]["audience_orgs"][0])
    missing = api.post("/api/v1/announcements/", {"org": tree.committee.pk}, format="json")
    assert missing.status_code == 400 and {"title", "body"} <= set(missing.json()["errors"])
    other = api_as(tree.users.branch2).post("/api/v1/announcements/", {"org": tree.branch1.pk, "title": "t",
                                                                       "body": "b"}, format="json")
    assert other.status_code == 404
    assert not Announcement.objects.exists()


def test_reminders_once_and_on_a_schedule(tree):
    now = timezone.now()
    ann = announce(tree, must_read=True, deadline=now + timedelta(days=10), remind_every_days=2)
    services.read(tree.users.member1, ann, confirm=True)
    assert services.remind_unread(tree.users.committee, ann) == 6
    assert Notice.objects.filter(kind="reminder").count() == 6
    assert not Notice.objects.filter(kind="reminder", person=tree.member1).exists()
    with pytest.raises(Http404):
        services.remind_unread(tree.users.branch2, ann)
    assert services.remind_due(now + timedelta(days=1)) == 0  # reminded just now
    assert services.remind_due(now + timedelta(days=2, minutes=1)) == 1
    assert services.remind_due(now + timedelta(days=11)) == 0  # past the deadline
    assert Notice.objects.filter(kind="reminder").count() == 12


def test_withdrawn_is_kept_marked_and_not_asked_for(client, tree):
    ann = announce(tree, must_read=True)
    with pytest.raises(ValidationError):
        services.withdraw(tree.users.committee, ann, "  ")
    services.withdraw(tree.users.committee, ann, "发错了")
    ann.refresh_from_db()
    assert ann.state == "withdrawn" and ann.withdraw_reason == "发错了"
    assert not services.must_read_unread(tree.users.member1)
    client.force_login(tree.users.member1)
    page = client.get(f"/notices/announcements/{ann.pk}/").content.decode()
    assert 'id="withdrawn"' in page and 'id="confirm-read"' not in page
    assert 'data-state="withdrawn"' in client.get("/notices/announcements/").content.decode()
    with pytest.raises(ValidationError):
        services.withdraw(tree.users.committee, ann, "again")


def test_attachments_checked_and_served_to_readers_only(client, tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    pdf = SimpleUploadedFile("方案.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    ann = announce(tree, tree.users.branch1, tree.branch1, attachments=[pdf])
    row = ann.attachments.get()
    assert row.name == "方案.pdf" and row.size == 13
    client.force_login(tree.users.member1)
    url = f"/notices/announcements/{ann.pk}/files/{row.pk}/"
    assert client.get(url).status_code == 200
    client.force_login(tree.users.branch2)
    assert client.get(url).status_code == 404
    for bad in (SimpleUploadedFile("x.exe", b"MZ", content_type="application/octet-stream"),
                SimpleUploadedFile("fake.pdf", b"<html>", content_type="application/pdf")):
        with pytest.raises(ValidationError) as e:
            announce(tree, attachments=[bad])
        assert "attachments" in e.value.error_dict


def test_the_form_publishes_and_shows_field_errors(client, tree):
    client.force_login(tree.users.branch1)
    bad = client.post("/notices/announcements/new/", {"org": tree.branch1.pk, "title": "t", "body": "b",
                                                     "audience_kind": "orgs"})
    assert bad.status_code == 200 and 'data-field-error="audience_orgs"' in bad.content.decode()
    good = client.post("/notices/announcements/new/", {"org": tree.branch1.pk, "title": "支部通知",
                                                      "body": "<div>请阅</div>", "audience_kind": "subtree",
                                                      "members_only": "on"})
    ann = Announcement.objects.get()
    assert good["Location"] == f"/notices/announcements/{ann.pk}/progress/" and ann.recipients_total == 5
    client.force_login(tree.users.member1)
    assert client.get("/notices/announcements/new/").status_code == 404
    listing = client.get("/notices/announcements/").content.decode()
    assert "支部通知" in listing


def test_home_card_and_todo_for_unread_must_read(client, tree, rf):
    from django.apps import apps

    from dangjian.notices.module import NoticesModule

    ann = announce(tree, title="必读通知", must_read=True)
    request = rf.get("/")
    request.user = tree.users.member1
    notices = NoticesModule(apps.get_app_config("notices"))
    assert [c.key for c in notices.home_cards(request)] == ["notices-must-read"]
    assert [(t.key, t.count) for t in notices.todos(request)] == [("notices-must-read", 1)]
    services.read(tree.users.member1, ann, confirm=True)
    request = rf.get("/")
    request.user = tree.users.member1
    assert notices.home_cards(request) == [] and notices.todos(request)[0].count == 0
    assert [e.key for e in notices.menu(request)] == ["notices"]  # a member has the bell, not the sender's menu
    assert notices.menu(request)[0].side == "right" and notices.menu(request)[0].badge == 0
    assert {"announcements", "notices-new"} <= {e.key for e in notices.menu(_as(rf, tree.users.branch1))}


def _as(rf, user):
    request = rf.get("/")
    request.user = user
    return request


def test_seed_demo_is_idempotent_with_partial_reads(tree):
    from dangjian.notices.demo import seed_announcements

    assert seed_announcements(tree.committee) == 3
    assert seed_announcements(tree.committee) == 0
    first = Announcement.objects.get(title__startswith="关于开展年度")
    assert first.must_read and first.pinned and first.state == "published"
