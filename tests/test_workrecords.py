"""The work ledger's services: defining items, filing records (bad input names the field and changes nothing),
who sees what (a sibling sees none of another's records unless the committee opened the item), records fed by
meetings, exams and fees (idempotent, linked, no personal data), the backfill, comments and bookmarks, the grid."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.http import Http404
from django.utils import timezone

from dangjian.workrecords import feeds, services
from dangjian.workrecords.models import Bookmark, Comment, WorkItem, WorkRecord, WorkRecordFile

from .factories import make_org
from .workrecords_fixtures import item_data, make_ledger

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(tree):
    return make_ledger(tree)


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

    with translation.override("en"):
        yield


def add(tree, item, org=None, user=None, day=None, **kw):
    org = org or tree.branch1
    user = user or (tree.users.branch2 if org == tree.branch2 else tree.users.branch1)
    return services.add_record(user, item=item, org=org, date=day or timezone.localdate(),
                               title=kw.pop("title", "本月工作动态"), text=kw.pop("text", "开展了安全检查。"), **kw)


# ---- items ---------------------------------------------------------------------------------------------------

def test_only_a_committee_defines_items_and_bad_items_name_the_field(tree, ledger):
    u = tree.users
    with pytest.raises(Http404):
        services.define_item(u.branch1, tree.committee, item_data(code="y"))  # no manage right there
    with pytest.raises(ValidationError) as e:
        services.define_item(u.branch1, tree.branch1, item_data(code="y"))  # a branch defines nothing
    assert "org" in e.value.error_dict
    for change, field in [({"code": "dynamics"}, "code"), ({"code": "a b"}, "code"), ({"title": ""}, "title"),
                          ({"frequency": "weekly"}, "frequency"), ({"expected_count": 0}, "expected_count"),
                          ({"applies_to": []}, "applies_to"), ({"applies_to": ["higher_committee"]}, "applies_to"),
                          ({"source_kind": "people.person"}, "source_kind")]:
        before = WorkItem.objects.count()
        with pytest.raises(ValidationError) as e:
            services.define_item(u.committee, tree.committee, item_data(**{"code": "new", **change}))
        assert field in e.value.error_dict, change
        assert WorkItem.objects.count() == before


def test_update_item_refuses_a_stale_version(tree, ledger):
    from dangjian.core.errors import ConflictError

    item = services.update_item(tree.users.committee, ledger.building, item_data(
        code="building", title="支部建设（新）", frequency="quarter"), expected_version=ledger.building.version)
    assert item.version == 2 and item.title == "支部建设（新）"
    with pytest.raises(ConflictError):
        services.update_item(tree.users.committee, item, item_data(code="building"), expected_version=1)


def test_registered_source_kinds():
    assert {"meetings.meeting", "exams.monthlyset", "fees.handover"} <= set(feeds.kinds())


# ---- records -------------------------------------------------------------------------------------------------

def test_bad_records_name_the_field_and_change_nothing(tree, ledger):
    today = timezone.localdate()
    cases = [
        ({"item": ledger.foreign}, "item"),  # another committee's item
        ({"day": today + timedelta(days=1)}, "date"),
        ({"day": "2026-02-30"}, "date"),
        ({"title": ""}, "title"),
        ({"org": tree.group1, "user": tree.users.branch1}, "org"),  # dynamics is kept by branches, not groups
        ({"files": [SimpleUploadedFile("a.exe", b"MZ")]}, "files"),
        ({"files": [SimpleUploadedFile("fake.png", b"not a picture")]}, "files"),
        ({"files": [SimpleUploadedFile(f"{n}.txt", b"x") for n in range(10)]}, "files"),
    ]
    for kw, field in cases:
        item = kw.pop("item", ledger.dynamics)
        with pytest.raises(ValidationError) as e:
            add(tree, item, **kw)
        assert field in e.value.error_dict, kw
        assert WorkRecord.objects.count() == 0 and WorkRecordFile.objects.count() == 0
    inactive = services.update_item(tree.users.committee, ledger.building, item_data(
        code="building", frequency="quarter", active=False))
    with pytest.raises(ValidationError) as e:
        add(tree, inactive)
    assert "item" in e.value.error_dict


def test_foreign_item_message_is_clear_in_chinese(tree, ledger):
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(ValidationError) as e:
        add(tree, ledger.foreign)
    message = e.value.error_dict["item"][0].messages[0]
    assert "事项" in message and "党委" in message


def test_a_record_with_photos_and_attachments_sanitised(tree, ledger):
    r = add(tree, ledger.dynamics, text="<p>好<script>alert(1)</script><a href='javascript:x'>链</a></p>",
            files=[SimpleUploadedFile("现场.png", PNG), SimpleUploadedFile("总结.pdf", b"%PDF-1.4")])
    assert "<script" not in r.text and "javascript" not in r.text and "好" in r.text
    kinds = sorted(r.files.values_list("kind", flat=True))
    assert kinds == ["attachment", "photo"]
    assert r.org_path == tree.branch1.path and r.author == tree.users.branch1


def test_writing_needs_a_post_over_the_organisation(tree, ledger):
    with pytest.raises(Http404):
        add(tree, ledger.dynamics, org=tree.branch2, user=tree.users.branch1)
    with pytest.raises(Http404):
        add(tree, ledger.dynamics, user=tree.users.member1)
    add(tree, ledger.meetings, org=tree.group1, user=tree.users.group1)  # a group leader files for the group


def test_a_sibling_sees_none_of_anothers_records_unless_the_item_is_open(tree, ledger):
    closed = add(tree, ledger.building)
    opened = add(tree, ledger.dynamics)
    u = tree.users
    assert set(services.visible_records(u.branch2)) == {opened}
    with pytest.raises(Http404):
        services.get_record_or_404(u.branch2, closed.pk)
    assert services.get_record_or_404(u.branch2, opened.pk) == opened
    assert set(services.visible_records(u.branch1)) == {closed, opened}
    assert set(services.visible_records(u.committee)) == {closed, opened}
    assert set(services.visible_records(u.member1)) == {opened}  # a member sees the open exchange only
    # another committee's people see nothing of this one
    outsider_org = make_org("branch", parent=ledger.other, name="外单位支部", code="X1")
    from .factories import give_post, make_person, make_user

    person = make_person(outsider_org)
    give_post(person, outsider_org)
    assert not services.visible_records(make_user("outsider", person)).exists()
    # the committee closes the item again: the sibling loses sight of it
    services.update_item(u.committee, ledger.dynamics, item_data(siblings_visible=False))
    assert not services.visible_records(u.branch2).exists()


def test_comments_and_bookmarks_follow_visibility(tree, ledger):
    closed = add(tree, ledger.building)
    opened = add(tree, ledger.dynamics)
    u = tree.users
    c = services.add_comment(u.branch2, opened, "值得学习！")
    assert c.author_org == tree.branch2
    with pytest.raises(Http404):
        services.add_comment(u.branch2, closed, "x")
    with pytest.raises(ValidationError) as e:
        services.add_comment(u.committee, closed, "  ")
    assert "text" in e.value.error_dict
    services.add_comment(u.committee, closed, "请补充照片。")
    assert services.toggle_bookmark(u.branch2, opened) is True
    assert services.toggle_bookmark(u.branch2, opened) is False
    assert services.toggle_bookmark(u.branch2, opened) is True
    with pytest.raises(Http404):
        services.toggle_bookmark(u.branch2, closed)
    assert list(services.feed(u.branch2, bookmarked=True)) == [opened]
    assert Comment.objects.count() == 2 and Bookmark.objects.count() == 1


def test_delete_a_hand_filed_record(tree, ledger):
    r = add(tree, ledger.dynamics)
    with pytest.raises(Http404):
        services.delete_record(tree.users.branch2, r)
    services.delete_record(tree.users.branch1, r)
    assert not WorkRecord.objects.exists()


# ---- fed records ---------------------------------------------------------------------------------------------

def _held_meeting(tree, org=None, topic="支部党员大会：通报支部工作"):
    from dangjian.meetings import services as meetings

    start = timezone.now() - timedelta(hours=3)
    return meetings.plan_meeting(tree.users.branch1, org=org or tree.branch1, types=["assembly"], topic=topic,
                                 starts_at=start, ends_at=start + timedelta(hours=1), place="活动室",
                                 invite={"orgs": [org or tree.branch1]})


def test_recording_minutes_feeds_the_ledger_once_without_names(tree, ledger):
    from dangjian.meetings import services as meetings

    meeting = _held_meeting(tree)
    meetings.checkin_makeup(tree.users.branch1, meeting, tree.member1, "补签")
    meetings.record_minutes(tree.users.branch1, meeting, "会议讨论了……")
    meetings.record_minutes(tree.users.branch1, meeting, "会议讨论了……（更正）")
    records = list(WorkRecord.objects.all())
    assert len(records) == 1
    r = records[0]
    assert (r.item, r.org, r.source_id, r.author) == (ledger.meetings, tree.branch1, meeting.pk, None)
    assert r.source_type.model == "meeting" and r.title == meeting.topic
    assert "1/" in r.text and tree.member1.name not in r.text
    assert feeds.source_url("meetings.meeting", meeting.pk) == f"/meetings/{meeting.pk}/"
    # a sibling does not see it (the item is not open); the committee does
    assert not services.visible_records(tree.users.branch2).exists()
    assert services.visible_records(tree.users.committee).get() == r
    with pytest.raises(ValidationError):
        services.delete_record(tree.users.branch1, r)


def test_no_item_takes_the_kind_nothing_is_fed(tree):
    from dangjian.meetings import services as meetings

    meetings.record_minutes(tree.users.branch1, _held_meeting(tree), "纪要")
    assert not WorkRecord.objects.exists()


def test_the_nearest_committee_item_is_fed_and_refreshed(tree, ledger):
    meeting = _held_meeting(tree)
    r1 = services.record_from_source(tree.branch1, "meetings.meeting", meeting, date(2026, 1, 5), "旧题目", "x")
    r2 = services.record_from_source(tree.branch1, "meetings.meeting", meeting, date(2026, 1, 6), "新题目", "y")
    assert r1.pk == r2.pk and WorkRecord.objects.count() == 1
    r2.refresh_from_db()
    assert (r2.title, r2.date) == ("新题目", date(2026, 1, 6))


def test_a_received_hand_over_feeds_the_months_closed_without_money(tree, ledger):
    from dangjian.fees import handover

    services.define_item(tree.users.committee, tree.committee, item_data(
        code="fees", title="党费收缴", frequency="quarter", applies_to=["branch"], source_kind="fees.handover"))
    ho = handover.submit(tree.users.branch1, tree.branch1, period_from="2026-01", period_to="2026-03",
                         amount="36.50", today=date(2026, 4, 2), note="现金上缴")
    assert not WorkRecord.objects.filter(source_id=ho.pk, item__code="fees").exists()
    handover.receive(tree.users.committee, ho)
    r = WorkRecord.objects.get(item__code="fees")
    assert r.org == tree.branch1 and "2026-01" in r.title
    assert "36" not in r.text + r.title and "¥" not in r.text


def test_closed_exam_months_feed_the_bank_organisation(tree, ledger):
    from dangjian.exams import workfeed
    from dangjian.exams.models import MonthlySet, SetState

    services.define_item(tree.users.committee, tree.committee, item_data(
        code="exams", title="学习考试", applies_to=["committee"], source_kind="exams.monthlyset"))
    sets = [MonthlySet.objects.create(org=tree.committee, org_path=tree.committee.path, month=date(2026, 10, 1),
                                      tier=t, state=SetState.CLOSED) for t in ("A", "B")]
    assert workfeed.feed_closed([s.pk for s in sets]) == 1
    assert workfeed.backfill(tree.committee) == 1  # idempotent
    r = WorkRecord.objects.get()
    assert r.org == tree.committee and r.date == date(2026, 10, 31) and r.source_id == sets[0].pk


def test_backfill_command_is_idempotent(tree, ledger):
    from dangjian.meetings.models import Meeting, MeetingState, Minutes

    meeting = _held_meeting(tree)
    Meeting.objects.filter(pk=meeting.pk).update(state=MeetingState.RECORDED)  # as the demo writes them
    Minutes.objects.create(meeting=meeting, revision=1, text="纪要")
    out = StringIO()
    call_command("workrecords_backfill", stdout=out)
    assert "meetings: 1" in out.getvalue()
    call_command("workrecords_backfill", "--org", "C1", stdout=StringIO())
    assert WorkRecord.objects.count() == 1


# ---- grid and missing ----------------------------------------------------------------------------------------

def test_grid_counts_per_row_and_colours(tree, ledger):
    today = date.today()
    month = today.replace(day=1)
    add(tree, ledger.dynamics)
    add(tree, ledger.building)
    g = services.grid(tree.users.committee, tree.general, month, today=today)
    assert [row["org"] for row in g["rows"]] == [tree.general, tree.branch1, tree.branch2]
    assert [row["drill"] for row in g["rows"]] == [False, True, False]  # branch1 has a group below it
    by_org = {row["org"].pk: {c["item"].code: c for c in row["cells"]} for row in g["rows"]}
    assert by_org[tree.branch1.pk]["dynamics"]["colour"] == "green"
    assert by_org[tree.branch2.pk]["dynamics"]["done"] == 0
    assert by_org[tree.branch2.pk]["dynamics"]["colour"] in ("amber", "red")
    assert by_org[tree.general.pk]["dynamics"]["colour"] == "none"  # a general branch does not keep it
    # meetings is kept by branch1 and its group: two organisations in that row
    assert by_org[tree.branch1.pk]["meetings"]["due"] == 2
    # a past period that fell short is red
    last_year = services.grid(tree.users.committee, tree.general, date(today.year - 1, 1, 1), today=today)
    assert {c["colour"] for row in last_year["rows"][1:] for c in row["cells"]} == {"red"}
    with pytest.raises(Http404):
        services.grid(tree.users.branch2, tree.branch1, month)
    assert services.grid_root(tree.users.branch2) == tree.branch2


def test_missing_for_my_organisation(tree, ledger):
    add(tree, ledger.dynamics)
    missing = {i.code for i, _p, _n in services.missing_for(tree.branch1)}
    assert missing == {"building", "meetings"}
    assert services.home_org(tree.users.branch1) == tree.branch1
