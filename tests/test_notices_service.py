"""The notice service: notify (one inbox row per person, channels after the commit), the inbox and the bell, the
notices API, and the migration that moved meetings.Notice into notices.Notice."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from dangjian.meetings.models import Meeting
from dangjian.notices import services
from dangjian.notices.models import Notice

from .conftest import api_as

pytestmark = pytest.mark.django_db


def test_notify_writes_one_notice_each_with_link_and_source(tree, django_capture_on_commit_callbacks, caplog):
    with caplog.at_level("INFO", logger="dangjian.notices"), django_capture_on_commit_callbacks(execute=True):
        n = services.notify([tree.member1, tree.other1.pk], "test", "标题" * 150, "正文", link="/x/",
                            source=tree.branch1)
    assert n == 2
    rows = list(Notice.objects.order_by("person_id"))
    assert {r.person_id for r in rows} == {tree.member1.pk, tree.other1.pk}
    assert all(len(r.title) == 200 and r.link == "/x/" and r.source == tree.branch1 for r in rows)
    assert caplog.text.count("notice to") == 2  # the console channel, after the commit


def test_notify_accepts_a_queryset_and_nobody(tree):
    from dangjian.people.models import Person

    assert services.notify(Person.objects.filter(org=tree.branch2), "k", "t") == 2
    assert services.notify([], "k", "t") == 0


def test_notice_channels_setting_wins_and_meeting_channels_is_the_fallback(tree, settings):
    from dangjian.notices import channels

    settings.NOTICE_CHANNELS = ["dangjian.notices.channels.EmailChannel"]
    assert [type(c).__name__ for c in channels.channels()] == ["EmailChannel"]
    del settings.NOTICE_CHANNELS
    settings.MEETING_CHANNELS = ["dangjian.meetings.channels.SmsChannel"]  # the old name and the old path
    assert [type(c).__name__ for c in channels.channels()] == ["SmsChannel"]


def test_unread_count_and_mark_read(tree):
    services.notify([tree.member1], "k", "一")
    services.notify([tree.member1, tree.other1], "k", "二")
    user = tree.users.member1
    assert services.unread_count(user) == 2
    first = Notice.objects.filter(person=tree.member1).order_by("id").first()
    assert services.mark_read(user, first.pk).read_at is not None
    assert services.unread_count(user) == 1
    other = Notice.objects.get(person=tree.other1)
    with pytest.raises(Exception) as e:
        services.mark_read(user, other.pk)  # someone else's notice: 404
    assert e.type.__name__ == "Http404"
    assert services.mark_read(user) == 1 and services.unread_count(user) == 0
    assert services.unread_count(tree.users.admin) == 0  # no person: nothing


def test_the_badge_is_one_query(tree, django_assert_num_queries):
    services.notify([tree.member1], "k", "t")
    with django_assert_num_queries(1):
        assert services.unread_count(tree.users.member1) == 1


@pytest.mark.parametrize("count", [3, 40])
def test_inbox_page_queries_do_not_grow(client, tree, django_assert_max_num_queries, count):
    for i in range(count):
        services.notify([tree.member1], "k", f"通知{i}", link="/meetings/")
    client.force_login(tree.users.member1)
    with django_assert_max_num_queries(14):
        page = client.get("/notices/")
    assert page.status_code == 200 and len(page.context["notices"]) == count
    assert page.content.decode().count('data-kind="k"') == count
    assert services.unread_count(tree.users.member1) == 0  # opening the inbox reads them


def test_opening_a_notice_reads_it_and_follows_its_link(client, tree):
    services.notify([tree.member1], "k", "t", link="/meetings/")
    services.notify([tree.member1], "k", "evil", link="https://evil.example/")
    ok, evil = Notice.objects.order_by("id")
    client.force_login(tree.users.member1)
    assert client.get(f"/notices/{ok.pk}/open/")["Location"] == "/meetings/"
    assert client.get(f"/notices/{evil.pk}/open/")["Location"] == "/notices/"  # never off the platform
    ok.refresh_from_db()
    assert ok.read_at is not None
    client.force_login(tree.users.branch2)
    assert client.get(f"/notices/{ok.pk}/open/").status_code == 404


def test_the_bell_points_at_the_inbox_and_counts(client, tree):
    services.notify([tree.member1], "k", "t")
    client.force_login(tree.users.member1)
    html = client.get("/").content.decode()
    assert 'href="/notices/" id="nav-notices"' in html and 'data-unread="1"' in html
    assert client.get("/meetings/notices/")["Location"] == "/notices/"


def test_api_mine_unread_and_read(tree):
    services.notify([tree.member1], "k", "一")
    services.notify([tree.member1], "k", "二")
    services.notify([tree.member2], "k", "别人的")
    api = api_as(tree.users.member1)
    body = api.get("/api/v1/notices/").json()
    assert body["unread"] == 2 and [n["title"] for n in body["results"]] == ["二", "一"]
    pk = body["results"][0]["id"]
    read = api.post(f"/api/v1/notices/{pk}/read")
    assert read.status_code == 200 and read.json()["read_at"]
    unread = api.get("/api/v1/notices/?unread=1").json()
    assert unread["unread"] == 1 and [n["title"] for n in unread["results"]] == ["一"]
    other = Notice.objects.get(person=tree.member2).pk
    assert api.post(f"/api/v1/notices/{other}/read").status_code == 404
    assert api.post("/api/v1/notices/999999/read").status_code == 404
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/notices/").status_code in (401, 403)


def test_meetings_and_fees_write_through_the_service(tree):
    from dangjian.meetings import services as meetings

    start = timezone.now() + timezone.timedelta(hours=2)
    meeting = meetings.plan_meeting(tree.users.branch1, org=tree.branch1, types=["committee"], topic="支委会",
                                    starts_at=start, ends_at=start + timezone.timedelta(hours=1), place="活动室",
                                    invite={"orgs": [tree.branch1]})
    rows = Notice.objects.filter(source_type=ContentType.objects.get_for_model(Meeting), source_id=meeting.pk)
    assert rows.count() == 5 and {r.link for r in rows} == {f"/meetings/{meeting.pk}/"}


@pytest.mark.django_db(transaction=True)
def test_migration_moves_every_meeting_notice(tree):
    from dangjian.meetings import services as meetings

    start = timezone.now() + timezone.timedelta(days=1)
    meeting = meetings.plan_meeting(None, org=tree.branch1, types=["committee"], topic="支委会", starts_at=start,
                                    ends_at=start + timezone.timedelta(hours=1), place="活动室",
                                    invite={"orgs": [tree.branch1]}, notify=False)
    before = [("meetings", "0004_meeting_tally"), ("notices", "0001_initial")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    Old = old_apps.get_model("meetings", "Notice")
    read_at = timezone.now() - timezone.timedelta(hours=1)
    Old.objects.create(person_id=tree.member1.pk, meeting_id=meeting.pk, kind="notice", title="会议通知：支委会",
                       body="明天 14:30", read_at=read_at)
    Old.objects.create(person_id=tree.other1.pk, meeting_id=meeting.pk, kind="reminder", title="提醒：支委会")
    Old.objects.create(person_id=tree.member1.pk, meeting_id=None, kind="fees", title="党费未交")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    rows = {(n.person_id, n.kind): n for n in Notice.objects.all()}
    assert len(rows) == 3
    first = rows[(tree.member1.pk, "notice")]
    assert first.title == "会议通知：支委会" and first.body == "明天 14:30" and first.read_at == read_at
    assert first.link == f"/meetings/{meeting.pk}/" and first.source == Meeting.objects.get(pk=meeting.pk)
    assert rows[(tree.other1.pk, "reminder")].read_at is None
    fees = rows[(tree.member1.pk, "fees")]
    assert fees.source_id is None and fees.link == "/fees/"
    assert "meetings_notice" not in connection.introspection.table_names()
