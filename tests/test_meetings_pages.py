"""Meeting pages: plan, detail, leave, sign-in screen and phone sign-in, minutes, reports, compliance — and a sibling
branch gets 404 on every one of them."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dangjian.meetings import services
from dangjian.meetings.models import Attendance, LeaveState, Meeting, MeetingState, Minutes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def plan(tree, start_in=timedelta(minutes=10), org=None, actor=None, **kw):
    start = timezone.now() + start_in
    org = org or tree.branch1
    return services.plan_meeting(actor or tree.users.branch1, org=org, types=kw.pop("types", ["committee"]),
                                 topic=kw.pop("topic", "支委会"), starts_at=start, ends_at=start + timedelta(hours=2),
                                 place="党员活动室", invite={"orgs": [org]}, **kw)


def test_plan_a_meeting_through_the_form(client, tree):
    client.force_login(tree.users.branch1)
    page = client.get(reverse("meetings:new"))
    assert page.status_code == 200
    orgs = [v for v, _label in page.context["form"].fields["org"].choices]
    assert tree.branch1.pk in orgs and tree.branch2.pk not in orgs
    start = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    end = (timezone.localtime() + timedelta(days=1, hours=1)).strftime("%Y-%m-%dT%H:%M")
    data = {"org": tree.branch1.pk, "types": ["theme_day", "lesson"], "topic": "主题党日：重温入党誓词",
            "starts_at": start, "ends_at": end, "place": "党员活动室", "invite_host": "on", "members_only": "on",
            "guests": "社区代表 张三\n", "checkin_before": "30"}
    response = client.post(reverse("meetings:new"), data)
    meeting = Meeting.objects.get(topic="主题党日：重温入党誓词")
    assert response.status_code == 302 and response["Location"] == reverse("meetings:detail", args=[meeting.pk])
    assert meeting.attendances.filter(person__isnull=False).count() == 5
    assert meeting.attendances.filter(guest_name="社区代表 张三").exists()


def test_a_bad_plan_shows_the_field_error_and_writes_nothing(client, tree):
    client.force_login(tree.users.branch1)
    start = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(reverse("meetings:new"), {
        "org": tree.branch1.pk, "types": ["committee"], "topic": "x", "starts_at": start, "ends_at": start,
        "place": "会议室", "checkin_before": "30"})
    assert response.status_code == 200 and "ends_at" in response.context["form"].errors
    # an organisation outside the user's scope is not a choice
    response = client.post(reverse("meetings:new"), {
        "org": tree.branch2.pk, "types": ["committee"], "topic": "x", "starts_at": start, "ends_at": start,
        "place": "会议室", "checkin_before": "30"})
    assert "org" in response.context["form"].errors
    assert not Meeting.objects.exists()


def test_a_sibling_branch_gets_404_everywhere(client, tree):
    meeting = plan(tree)
    attendance = Attendance.objects.get(meeting=meeting, person=tree.member1)
    client.force_login(tree.users.branch2)
    for name, args in (("detail", [meeting.pk]), ("screen", [meeting.pk]), ("screen_qr", [meeting.pk]),
                       ("screen_live", [meeting.pk]), ("live", [meeting.pk]), ("report", [meeting.pk]),
                       ("minutes", [meeting.pk])):
        assert client.get(reverse(f"meetings:{name}", args=args)).status_code == 404, name
    for name, args, data in (("cancel", [meeting.pk], {"reason": "x"}), ("leave", [meeting.pk], {"reason": "x"}),
                             ("leave_decide", [meeting.pk, attendance.pk], {"decision": "approve"}),
                             ("sign", [meeting.pk], {"person": tree.member1.pk})):
        assert client.post(reverse(f"meetings:{name}", args=args), data).status_code == 404, name
    listing = client.get(reverse("meetings:list"))
    assert meeting not in listing.context["page"].object_list
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.PLANNED and not Attendance.objects.filter(checked_in_at__isnull=False).exists()


def test_a_member_sees_their_meeting_asks_for_leave_but_cannot_run_it(client, tree):
    meeting = plan(tree)
    client.force_login(tree.users.member1)
    assert client.get(reverse("meetings:detail", args=[meeting.pk])).status_code == 200
    assert client.get(reverse("meetings:screen", args=[meeting.pk])).status_code == 404
    assert client.post(reverse("meetings:cancel", args=[meeting.pk]), {"reason": "x"}).status_code == 404
    response = client.post(reverse("meetings:leave", args=[meeting.pk]), {"reason": "出差"}, follow=True)
    assert response.status_code == 200
    assert Attendance.objects.get(meeting=meeting, person=tree.member1).leave == LeaveState.REQUESTED
    # the secretary sees the request and approves it
    client.force_login(tree.users.branch1)
    page = client.get(reverse("meetings:detail", args=[meeting.pk]))
    assert "出差" in page.content.decode()
    row = Attendance.objects.get(meeting=meeting, person=tree.member1)
    client.post(reverse("meetings:leave_decide", args=[meeting.pk, row.pk]), {"decision": "approve"})
    row.refresh_from_db()
    assert row.leave == LeaveState.APPROVED


def test_screen_shows_a_qr_code_that_signs_in_from_the_phone(client, tree):
    meeting = plan(tree)
    client.force_login(tree.users.branch1)
    screen = client.get(reverse("meetings:screen", args=[meeting.pk]))
    assert screen.status_code == 200 and "<svg" in screen.content.decode()
    url = screen.context["qr_url"]
    assert "/meetings/checkin/?t=" in url
    token = url.split("?t=")[1]
    client.force_login(tree.users.member1)
    landing = client.get(reverse("meetings:checkin") + "?t=" + token)
    assert landing.status_code == 200 and not Attendance.objects.get(meeting=meeting, person=tree.member1).checked_in_at
    done = client.post(reverse("meetings:checkin"), {"t": token})
    assert done.status_code == 200 and done.context["result"] and not done.context["result"].already
    again = client.post(reverse("meetings:checkin"), {"t": token})
    assert again.context["result"].already
    bad = client.post(reverse("meetings:checkin"), {"t": "1.2.3"})
    assert bad.status_code == 400 and bad.context["error"]
    client.force_login(tree.users.branch1)
    live = client.get(reverse("meetings:screen_live", args=[meeting.pk]))
    assert live.context["report"]["counts"]["present"] == 1


def test_manual_sign_in_minutes_and_reports(client, tree):
    meeting = plan(tree, start_in=timedelta(hours=-1))
    client.force_login(tree.users.branch1)
    client.post(reverse("meetings:sign", args=[meeting.pk]), {"person": tree.member1.pk, "kind": "manual"})
    client.post(reverse("meetings:sign", args=[meeting.pk]), {"person": tree.other1.pk, "kind": "makeup",
                                                              "reason": "纸质签到表"})
    assert Attendance.objects.filter(meeting=meeting, checked_in_at__isnull=False).count() == 2
    response = client.post(reverse("meetings:minutes", args=[meeting.pk]), {"text": "讨论了发展党员工作。",
                                                                            "resolutions": "同意"})
    assert response.status_code == 302 and Minutes.objects.filter(meeting=meeting).count() == 1
    report = client.get(reverse("meetings:report", args=[meeting.pk]))
    assert report.status_code == 200 and "纸质签到表" not in report.content.decode()  # reasons stay off the print
    xlsx = client.get(reverse("meetings:report", args=[meeting.pk]) + "?format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    names = {row[0] for row in sheet.iter_rows(min_row=7, values_only=True)}
    assert {"普通党员一", "普通党员二", "小组长一"} <= names


def test_minutes_of_a_future_meeting_are_refused_on_the_form(client, tree):
    meeting = plan(tree, start_in=timedelta(days=1))
    client.force_login(tree.users.branch1)
    response = client.post(reverse("meetings:minutes", args=[meeting.pk]), {"text": "x"})
    assert response.status_code == 200 and "text" in response.context["form"].errors
    assert not Minutes.objects.exists()


def test_compliance_page_and_member_history(client, tree, django_assert_max_num_queries):
    plan(tree, start_in=timedelta(days=-3))
    client.force_login(tree.users.committee)
    with django_assert_max_num_queries(13):
        page = client.get(reverse("meetings:compliance"))
    assert page.status_code == 200
    ids = [r["id"] for r in page.context["page"].object_list]
    assert tree.branch1.pk in ids and tree.branch2.pk in ids
    client.force_login(tree.users.branch2)
    page = client.get(reverse("meetings:compliance"))
    assert [r["id"] for r in page.context["page"].object_list] == [tree.branch2.pk]
    assert client.get(reverse("meetings:compliance") + f"?org={tree.branch1.pk}").status_code == 404
    client.force_login(tree.users.member1)
    assert client.get(reverse("meetings:compliance")).status_code == 404
    history = client.get(reverse("meetings:history"))
    assert history.status_code == 200 and history.context["history"]["held"] == 1


def test_meeting_list_query_count_does_not_grow(client, tree, django_assert_max_num_queries):
    for i in range(3):
        plan(tree, topic=f"会议{i}")
    client.force_login(tree.users.branch1)
    with django_assert_max_num_queries(12):
        first = client.get(reverse("meetings:list"))
    for i in range(10):
        plan(tree, topic=f"更多会议{i}")
    with django_assert_max_num_queries(12):
        more = client.get(reverse("meetings:list"))
    assert len(first.context["page"].object_list) == 3 and len(more.context["page"].object_list) == 13
    found = client.get(reverse("meetings:list") + "?q=更多会议1")
    assert [m.topic for m in found.context["page"].object_list] == ["更多会议1"]


def test_settings_requirements_types_devices_and_cards(client, tree):
    from dangjian.meetings.models import Card, Device, MeetingType, Requirement

    client.force_login(tree.users.committee)
    url = reverse("meetings:settings") + f"?org={tree.committee.pk}"
    assert client.get(url).status_code == 200
    client.post(reverse("meetings:settings"), {"org": tree.committee.pk, "action": "require", "org_type": "branch",
                                               "meeting_type": "lesson", "period": "month", "count": "1"})
    own = Requirement.objects.get(set_by=tree.committee, meeting_type__code="lesson", org_type="branch")
    assert (own.period, own.count) == ("month", 1)
    rows = client.get(url).context["rows"]
    lesson = next(r for r in rows if r["org_type"] == "branch" and r["requirement"].meeting_type.code == "lesson")
    assert lesson["own"]
    bad = client.post(reverse("meetings:settings"), {"org": tree.committee.pk, "action": "require",
                                                     "org_type": "branch", "meeting_type": "lesson",
                                                     "period": "month", "count": "99"}, follow=True)
    assert any("31" in str(m) for m in bad.context["messages"])
    assert Requirement.objects.get(pk=own.pk).count == 1
    client.post(reverse("meetings:settings"), {"org": tree.committee.pk, "action": "unrequire",
                                               "requirement": own.pk})
    assert not Requirement.objects.filter(pk=own.pk).exists()
    client.post(reverse("meetings:settings"), {"org": tree.committee.pk, "action": "type", "name": "理论学习中心组"})
    assert MeetingType.objects.filter(name="理论学习中心组").exists()
    page = client.post(reverse("meetings:settings"), {"org": tree.committee.pk, "action": "device", "name": "大门"})
    assert page.status_code == 200 and page.context["new_key"]
    from dangjian.meetings import services as s

    assert s.device_for_key(page.context["new_key"]) == Device.objects.get(name="大门")
    client.post(reverse("meetings:settings"), {"org": tree.committee.pk, "action": "card",
                                               "person": tree.member2.pk, "number": "k-77"})
    assert Card.objects.get(number="K-77").person == tree.member2
    # a branch secretary: only their subtree; a free type needs a committee post
    client.force_login(tree.users.branch1)
    assert client.get(reverse("meetings:settings") + f"?org={tree.committee.pk}").status_code == 404
    assert client.get(reverse("meetings:settings") + f"?org={tree.branch2.pk}").status_code == 404
    assert client.post(reverse("meetings:settings"), {"org": tree.branch1.pk, "action": "type",
                                                      "name": "x"}).status_code == 404
    client.post(reverse("meetings:settings"), {"org": tree.branch1.pk, "action": "card", "person": tree.member2.pk,
                                               "number": "K-78"})
    assert not Card.objects.filter(number="K-78").exists()  # member2 is in the sibling branch
    client.force_login(tree.users.member1)
    assert client.get(reverse("meetings:settings")).status_code == 404


def test_files_are_served_only_to_those_who_may_read_the_meeting(client, tree, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    held = plan(tree, start_in=timedelta(hours=-1))
    client.force_login(tree.users.branch1)
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 64
    client.post(reverse("meetings:file_upload", args=[held.pk]),
                {"kind": "photo", "file": SimpleUploadedFile("会场.png", png, content_type="image/png")})
    photo = held.files.get()
    url = reverse("meetings:file", args=[held.pk, photo.pk])
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == png
    assert response["Content-Type"] == "image/png" and response["X-Content-Type-Options"] == "nosniff"
    assert "<img" in client.get(reverse("meetings:detail", args=[held.pk])).content.decode()
    client.force_login(tree.users.member1)  # invited: may see it
    assert client.get(url).status_code == 200
    client.force_login(tree.users.branch2)
    assert client.get(url).status_code == 404
    assert client.post(reverse("meetings:file_upload", args=[held.pk]),
                       {"kind": "photo", "file": SimpleUploadedFile("b.png", png)}).status_code == 404
    assert held.files.count() == 1


def test_the_appointed_recorder_runs_the_meeting_without_a_post(client, tree):
    start = timezone.now() - timedelta(minutes=10)
    meeting = services.plan_meeting(tree.users.branch1, org=tree.branch1, types=["group"], topic="党小组会",
                                    starts_at=start, ends_at=start + timedelta(hours=1), place="活动室",
                                    invite={"orgs": [tree.group1]}, recorder=tree.member1)
    client.force_login(tree.users.member1)  # a plain member, appointed recorder
    assert client.get(reverse("meetings:screen", args=[meeting.pk])).status_code == 200
    client.post(reverse("meetings:sign", args=[meeting.pk]), {"person": tree.leader1.pk, "kind": "manual"})
    assert Attendance.objects.get(meeting=meeting, person=tree.leader1).checked_in_at
    assert client.post(reverse("meetings:minutes", args=[meeting.pk]), {"text": "学习讨论"}).status_code == 302
    assert client.post(reverse("meetings:cancel", args=[meeting.pk]), {"reason": "x"}).status_code == 404
    other = plan(tree)  # not their meeting to run
    assert client.get(reverse("meetings:screen", args=[other.pk])).status_code == 404


def test_the_form_sets_chair_recorder_and_a_custom_list(client, tree):
    client.force_login(tree.users.committee)
    start = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    end = (timezone.localtime() + timedelta(days=1, hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(reverse("meetings:new"), {
        "org": tree.general.pk, "types": ["study"], "topic": "专题研讨", "starts_at": start, "ends_at": end,
        "place": "会议室", "host": tree.committee_sec.pk, "recorder": tree.sec2.pk,
        "invite_people": [tree.sec1.pk, tree.sec2.pk], "checkin_before": "15"})
    assert response.status_code == 302
    meeting = Meeting.objects.get(topic="专题研讨")
    assert (meeting.host, meeting.recorder, meeting.checkin_before) == (tree.committee_sec, tree.sec2, 15)
    assert set(meeting.attendances.values_list("person__name", flat=True)) == {"支部书记一", "支部书记二"}


def test_a_secretary_sees_a_members_attendance_rate_a_sibling_does_not(client, tree):
    held = plan(tree, start_in=timedelta(hours=-2))
    services.checkin_makeup(tree.users.branch1, held, tree.member1, "补签")
    client.force_login(tree.users.branch1)
    page = client.get(reverse("meetings:person_history", args=[tree.member1.pk]))
    assert page.status_code == 200 and page.context["history"]["rate"] == 100
    assert 'id="person-meetings"' in client.get(reverse("people:detail", args=[tree.member1.pk])).content.decode()
    client.force_login(tree.users.branch2)
    assert client.get(reverse("meetings:person_history", args=[tree.member1.pk])).status_code == 404


def test_home_shows_my_next_meetings_and_the_year_at_a_glance(client, tree):
    plan(tree, topic="下周主题党日")
    client.force_login(tree.users.member1)
    page = client.get("/")
    cards = {c.key: c.context for c in page.context["cards"]}
    assert [a.meeting.topic for a in cards["meetings.upcoming"]["upcoming"]] == ["下周主题党日"]
    assert "下周主题党日" in page.content.decode()
    client.force_login(tree.users.committee)
    page = client.get("/")
    totals = {c.key: c.context for c in page.context["cards"]}["meetings.glance"]["meetings"]["totals"]
    assert sum(totals.values()) == 3  # two branches and a group have required meetings
    assert 'id="meeting-glance"' in page.content.decode()
