"""Organisational life: planning and notices, leave, QR / card / manual / make-up sign-in, minutes, attendance,
compliance — the rules, the permissions (a sibling branch sees nothing) and the API of the card readers."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from freezegun import freeze_time

from dangjian.audit.models import AuditEntry
from dangjian.meetings import rules, services
from dangjian.meetings.models import (
    Attendance,
    CheckinMethod,
    LeaveState,
    Meeting,
    MeetingState,
    MeetingType,
    Minutes,
    Requirement,
)
from dangjian.notices import services as notices
from dangjian.notices.models import Notice

from .conftest import api_as
from .factories import make_person

pytestmark = pytest.mark.django_db


def notices_of(meeting):
    """The notices about `meeting` (in the platform inbox, dangjian.notices)."""
    from django.contrib.contenttypes.models import ContentType

    return Notice.objects.filter(source_type=ContentType.objects.get_for_model(Meeting), source_id=meeting.pk)


@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in English here; test_translations proves each has its zh-hans text."""
    from django.utils import translation

    with translation.override("en"):
        yield


def plan(tree, actor=None, org=None, start_in=timedelta(minutes=10), hours=2, **kw):
    org = org or tree.branch1
    start = timezone.now() + start_in
    data = {"types": ["committee"], "topic": "支委会：研究发展党员工作", "starts_at": start,
            "ends_at": start + timedelta(hours=hours), "place": "党员活动室", "invite": {"orgs": [org]}}
    data.update(kw)
    return services.plan_meeting(actor if actor is not None else tree.users.branch1, org=org, **data)


def test_builtin_types_and_default_requirements_are_there():
    codes = set(MeetingType.objects.values_list("code", flat=True))
    assert {"assembly", "committee", "group", "lesson", "theme_day", "life_meeting", "appraisal"} <= codes
    committee = Requirement.objects.get(set_by=None, meeting_type__code="committee", org_type="branch")
    assert (committee.period, committee.count) == ("month", 1)
    assert Requirement.objects.get(set_by=None, meeting_type__code="group").org_type == "group"


def test_plan_invites_the_branch_members_and_notifies_them(tree, django_capture_on_commit_callbacks, caplog):
    with caplog.at_level("INFO", logger="dangjian.notices"), django_capture_on_commit_callbacks(execute=True):
        meeting = plan(tree, types=["theme_day", "lesson"])
    invited = set(meeting.attendances.values_list("person__name", flat=True))
    assert invited == {"委员会书记", "支部书记一", "小组长一", "普通党员一", "普通党员二"}  # the group's members too
    assert set(meeting.types.values_list("code", flat=True)) == {"theme_day", "lesson"}
    assert notices_of(meeting).filter(kind="notice").count() == 5
    assert "支委会" in caplog.text  # the console channel
    assert AuditEntry.objects.filter(model="meetings.meeting", object_id=str(meeting.pk), action="create").exists()


@pytest.mark.parametrize("change, field", [
    ({"topic": "  "}, "topic"),
    ({"types": []}, "types"),
    ({"types": ["no-such-type"]}, "types"),
    ({"place": "", "online_url": ""}, "place"),
    ({"hours": -1}, "ends_at"),
    ({"starts_at": "not a date"}, "starts_at"),
    ({"invite": {"orgs": [999999]}}, "invite_orgs"),
    ({"checkin_before": -5}, "checkin_before"),
])
def test_bad_plans_name_the_field_and_write_nothing(tree, change, field):
    before = Meeting.objects.count(), Attendance.objects.count()
    with pytest.raises(ValidationError) as e:
        if "hours" in change:
            plan(tree, hours=change["hours"])
        else:
            plan(tree, **change)
    assert field in e.value.error_dict
    assert (Meeting.objects.count(), Attendance.objects.count()) == before


def test_a_sibling_branch_can_neither_plan_for_nor_see_the_other(tree):
    with pytest.raises(Http404):
        plan(tree, actor=tree.users.branch2)
    meeting = plan(tree)
    assert not services.visible_meetings(tree.users.branch2).filter(pk=meeting.pk).exists()
    with pytest.raises(Http404):
        services.get_meeting_or_404(tree.users.branch2, meeting.pk)
    assert services.get_meeting_or_404(tree.users.committee, meeting.pk) == meeting  # the committee above sees it
    assert services.get_meeting_or_404(tree.users.member1, meeting.pk) == meeting  # an invitee sees it
    with pytest.raises(Http404):
        services.cancel_meeting(tree.users.branch2, meeting, "x")
    with pytest.raises(Http404):
        services.checkin_manual(tree.users.branch2, meeting, tree.member1)


def test_leave_is_asked_before_the_start_and_decided_by_the_host(tree):
    meeting = plan(tree)
    row = services.request_leave(tree.users.member1, meeting, "出差")
    assert row.leave == LeaveState.REQUESTED
    with pytest.raises(ValidationError, match="already asked"):
        services.request_leave(tree.users.member1, meeting, "出差")
    with pytest.raises(Http404):
        services.decide_leave(tree.users.branch2, row, True)
    with pytest.raises(ValidationError) as e:
        services.decide_leave(tree.users.branch1, row, False, note="")
    assert "note" in e.value.error_dict
    assert services.decide_leave(tree.users.branch1, row, True).leave == LeaveState.APPROVED
    assert Notice.objects.filter(person=tree.member1, kind="leave").exists()
    with pytest.raises(ValidationError):  # not invited
        services.request_leave(tree.users.branch2, meeting, "x")
    started = plan(tree, start_in=timedelta(minutes=-5))
    with pytest.raises(ValidationError) as e:
        services.request_leave(tree.users.member1, started, "迟到")
    assert "reason" in e.value.error_dict
    assert Attendance.objects.get(meeting=started, person=tree.member1).leave == ""


def test_qr_sign_in_once_within_the_window(tree):
    meeting = plan(tree, start_in=timedelta(minutes=10))
    token = services.qr_token(meeting)
    result = services.checkin_qr(tree.users.member1, token)
    assert not result.already and result.attendance.method == CheckinMethod.QR
    again = services.checkin_qr(tree.users.member1, token)
    assert again.already and "Already signed in" in again.message or "已于" in again.message
    assert Attendance.objects.filter(meeting=meeting, person=tree.member1).count() == 1


def test_qr_codes_expire_belong_to_one_meeting_and_cannot_be_forged(tree):
    meeting = plan(tree)
    other = plan(tree, topic="另一个会")
    now = timezone.now()
    old = services.qr_token(meeting, now - timedelta(seconds=3 * rules.QR_STEP_SECONDS))
    for token, message in ((old, "expired"), (f"{meeting.pk}.123.abc", "not a sign-in code"),
                           ("garbage", "not a sign-in code")):
        with pytest.raises(ValidationError, match=message):
            services.checkin_qr(tree.users.member1, token)
    # the code of another meeting signs you in there, not here — and only if invited
    services.checkin_qr(tree.users.member1, services.qr_token(other))
    assert not Attendance.objects.filter(meeting=meeting, checked_in_at__isnull=False).exists()
    assert rules.check_qr_token(b"k", rules.qr_token(b"k", 1, 5), 1, _slot_time(5)) is None
    with pytest.raises(rules.TokenError, match="another meeting"):
        rules.check_qr_token(b"k", rules.qr_token(b"k", 1, 5), 2, _slot_time(5))


def _slot_time(slot):
    from datetime import UTC, datetime

    return datetime.fromtimestamp(slot * rules.QR_STEP_SECONDS + 1, UTC)


def test_qr_sign_in_refuses_outsiders_early_arrivals_and_cancelled_meetings(tree):
    meeting = plan(tree, start_in=timedelta(hours=3))
    with pytest.raises(ValidationError, match="Sign-in is open|签到时间"):
        services.checkin_qr(tree.users.member1, services.qr_token(meeting))
    soon = plan(tree)
    with pytest.raises(ValidationError, match="not invited|未受邀"):
        services.checkin_qr(tree.users.branch2, services.qr_token(soon))
    services.cancel_meeting(tree.users.branch1, soon, "改期")
    with pytest.raises(ValidationError, match="cancelled|取消"):
        services.checkin_qr(tree.users.member1, services.qr_token(soon))
    assert not Attendance.objects.filter(checked_in_at__isnull=False).exists()


def test_an_open_meeting_lets_anyone_sign_in(tree):
    meeting = plan(tree, is_open=True)
    result = services.checkin_qr(tree.users.branch2, services.qr_token(meeting))
    assert not result.attendance.expected and result.attendance.method == CheckinMethod.SELF
    assert services.attendance(meeting)["walk_ins"] == [result.attendance]


def test_manual_and_make_up_sign_in(tree):
    meeting = plan(tree, start_in=timedelta(minutes=-30))
    row = services.checkin_manual(tree.users.branch1, meeting, tree.member1).attendance
    assert row.method == CheckinMethod.MANUAL and row.signed_by == tree.users.branch1
    with pytest.raises(ValidationError) as e:
        services.checkin_makeup(tree.users.branch1, meeting, tree.other1, "")
    assert "reason" in e.value.error_dict
    made = services.checkin_makeup(tree.users.branch1, meeting, tree.other1, "会前在现场签到表签字").attendance
    assert made.method == CheckinMethod.MAKEUP and made.makeup_reason
    future = plan(tree, start_in=timedelta(days=2))
    with pytest.raises(ValidationError):
        services.checkin_makeup(tree.users.branch1, future, tree.other1, "x")


def test_minutes_only_after_the_start_and_corrections_are_revisions(tree):
    future = plan(tree)
    with pytest.raises(ValidationError) as e:
        services.record_minutes(tree.users.branch1, future, "会议记录")
    assert "text" in e.value.error_dict
    held = plan(tree, start_in=timedelta(hours=-2))
    with pytest.raises(Http404):
        services.record_minutes(tree.users.branch2, held, "x")
    first = services.record_minutes(tree.users.branch1, held, "研究了两名积极分子的培养情况。", "同意列为发展对象")
    second = services.record_minutes(tree.users.branch1, held, "研究了两名积极分子的培养情况（更正）。")
    assert (first.revision, second.revision) == (1, 2)
    assert Minutes.objects.filter(meeting=held).count() == 2
    held.refresh_from_db()
    assert held.state == MeetingState.RECORDED
    with pytest.raises(ValidationError):
        services.cancel_meeting(tree.users.branch1, held, "x")  # a held meeting is not cancelled


def test_attendance_report(tree):
    meeting = plan(tree, start_in=timedelta(minutes=5))
    services.request_leave(tree.users.member1, meeting, "病假")
    services.decide_leave(tree.users.branch1, Attendance.objects.get(meeting=meeting, person=tree.member1), True)
    services.checkin_qr(tree.users.branch1, services.qr_token(meeting))
    services.checkin_manual(tree.users.branch1, meeting, tree.other1)
    report = services.attendance(meeting)
    assert report["counts"] == {"expected": 5, "present": 2, "on_leave": 1, "absent": 2, "left": 0}
    assert {r.person.name for r in report["absent"]} == {"委员会书记", "小组长一"}


def test_member_history_and_rate(tree):
    for hours in (-30, -20, -10):
        plan(tree, start_in=timedelta(hours=hours))
    held = Meeting.objects.order_by("starts_at")
    services.checkin_makeup(tree.users.branch1, held[0], tree.member1, "补签")
    services.checkin_makeup(tree.users.branch1, held[1], tree.member1, "补签")
    plan(tree, start_in=timedelta(days=3))  # not held yet: not counted
    history = services.member_history(tree.member1)
    assert (history["held"], history["attended"], history["rate"]) == (3, 2, 67)


# ---- compliance ------------------------------------------------------------------------------------------------

def _held(tree, org, code, on):
    with freeze_time(on):
        start = timezone.now()
        return services.plan_meeting(tree.users.committee, org=org, types=[code], topic=f"{code} {on}",
                                     starts_at=start, ends_at=start + timedelta(hours=1), place="会议室",
                                     invite={"orgs": [org]}, notify=False)


def test_compliance_red_amber_green(tree):
    year = date.today().year
    today = date(year, 5, 20)
    for month in (1, 2, 3, 4):
        _held(tree, tree.branch1, "committee", f"{year}-{month:02d}-10 09:00:00+08:00")
    _held(tree, tree.branch2, "committee", f"{year}-01-10 09:00:00+08:00")
    rows = {r["id"]: r for r in services.compliance(tree.committee, date(year, 1, 1), date(year, 5, 31), today=today)}
    b1, b2 = rows[tree.branch1.pk]["cells"]["committee"], rows[tree.branch2.pk]["cells"]["committee"]
    assert (b1["held"], b1["required"], b1["verdict"]) == (4, 5, rules.AMBER)  # May is still running
    assert (b2["held"], b2["verdict"]) == (1, rules.RED)  # February to April ended short
    assert rows[tree.group1.pk]["cells"]["group"]["verdict"] == rules.RED
    assert tree.general.pk not in rows and tree.committee.pk not in rows  # no requirements for them by default
    # the committee switches the group meeting off for its subtree
    Requirement.objects.create(set_by=tree.committee, meeting_type=MeetingType.objects.get(code="group"),
                               org_type="group", period="month", count=0)
    rows = {r["id"]: r for r in services.compliance(tree.committee, date(year, 1, 1), date(year, 5, 31), today=today)}
    assert tree.group1.pk not in rows


def test_compliance_is_a_few_queries_whatever_the_tree(tree, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        services.compliance(tree.committee, date(2026, 1, 1), date(2026, 12, 31))


def test_cancelled_meetings_do_not_count(tree):
    year = date.today().year
    meeting = _held(tree, tree.branch1, "assembly", f"{year}-01-10 09:00:00+08:00")
    Meeting.objects.filter(pk=meeting.pk).update(state=MeetingState.CANCELLED)
    rows = {r["id"]: r for r in services.compliance(tree.committee, date(year, 1, 1), date(year, 3, 31),
                                                     today=date(year, 6, 1))}
    assert rows[tree.branch1.pk]["cells"]["assembly"]["held"] == 0


# ---- the card readers' API -------------------------------------------------------------------------------------

def test_card_reader_api(tree, api):
    meeting = plan(tree)
    device, key = services.create_device(tree.users.branch1, tree.branch1, "活动室门禁")
    services.register_card(tree.users.branch1, tree.member1, "a0001")
    url = f"/api/v1/meetings/{meeting.pk}/checkins"
    assert api.post(url, {"card": "A0001"}, format="json").status_code == 401
    api.credentials(HTTP_AUTHORIZATION="Device wrong-key-wrong-key-wrong-key")
    assert api.post(url, {"card": "A0001"}, format="json").status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Device {key}")
    first = api.post(url, {"card": "a0001"}, format="json")
    assert first.status_code == 200 and first.json()["status"] == "signed_in"
    again = api.post(url, {"card": "A0001", "event": "in"}, format="json")
    assert again.status_code == 200 and again.json()["status"] == "already"
    assert Attendance.objects.get(meeting=meeting, person=tree.member1).method == CheckinMethod.CARD
    unknown = api.post(url, {"card": "ZZZ"}, format="json")
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_card" and unknown.json()["detail"]
    bad = api.post(url, {"card": "A0001", "event": "sideways"}, format="json")
    assert bad.status_code == 400 and "event" in bad.json()["errors"]
    out = api.post(url, {"card": "A0001", "event": "out"}, format="json")
    assert out.json()["status"] == "signed_out"
    assert services.attendance(meeting)["counts"]["left"] == 1
    # a meeting of the sibling branch is not this device's business
    other = plan(tree, actor=tree.users.branch2, org=tree.branch2)
    assert api.post(f"/api/v1/meetings/{other.pk}/checkins", {"card": "A0001"}, format="json").status_code == 404


def test_qr_sign_in_through_the_api(tree):
    meeting = plan(tree)
    client = api_as(tree.users.member1)
    response = client.post("/api/v1/meetings/checkin", {"token": services.qr_token(meeting)}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "signed_in"
    bad = client.post("/api/v1/meetings/checkin", {"token": "x.y.z"}, format="json")
    assert bad.status_code == 400 and "token" in bad.json()["errors"]


def test_cards_are_registered_once(tree):
    services.register_card(tree.users.branch1, tree.member1, "C1")
    assert services.register_card(tree.users.branch1, tree.member1, "c1").number == "C1"
    with pytest.raises(ValidationError) as e:
        services.register_card(tree.users.branch1, tree.other1, "C1")
    assert "number" in e.value.error_dict
    with pytest.raises(Http404):
        services.register_card(tree.users.branch2, make_person(tree.branch1), "C2")


def test_reminders_go_once_to_those_expected(tree):
    soon = plan(tree, start_in=timedelta(minutes=40))
    later = plan(tree, start_in=timedelta(hours=5))
    services.request_leave(tree.users.member1, soon, "出差")
    services.decide_leave(tree.users.branch1, Attendance.objects.get(meeting=soon, person=tree.member1), True)
    assert services.send_reminders() == 1
    assert services.send_reminders() == 0  # claimed: a second run (or a second worker) reminds nobody again
    reminded = set(notices_of(soon).filter(kind="reminder").values_list("person__name", flat=True))
    assert reminded == {"委员会书记", "支部书记一", "小组长一", "普通党员二"}  # not the one on approved leave
    assert not notices_of(later).filter(kind="reminder").exists()
    from dangjian.meetings.tasks import send_reminders

    assert send_reminders.delay().get() == 0


def test_notices_page_reads_them(client, tree):
    plan(tree)
    client.force_login(tree.users.member1)
    assert notices.unread_count(tree.users.member1) == 1
    home = client.get("/")
    assert 'data-unread="1"' in home.content.decode()
    old = client.get("/meetings/notices/")  # the old address still opens the inbox
    assert old.status_code == 302 and old["Location"] == "/notices/"
    page = client.get(old["Location"])
    assert page.status_code == 200 and len(page.context["notices"]) == 1
    assert page.context["notices"][0].link == f"/meetings/{Meeting.objects.get().pk}/"
    assert notices.unread_count(tree.users.member1) == 0


def test_periods_still_to_come_ask_for_nothing_yet(tree):
    year = date.today().year
    for month in (1, 2, 3):
        _held(tree, tree.branch1, "committee", f"{year}-{month:02d}-10 09:00:00+08:00")
    rows = {r["id"]: r for r in services.compliance(tree.committee, date(year, 1, 1), date(year, 12, 31),
                                                     today=date(year, 3, 20))}
    cell = rows[tree.branch1.pk]["cells"]["committee"]
    assert (cell["held"], cell["required"], cell["verdict"]) == (3, 3, rules.GREEN)
    assert "life_meeting" in rows[tree.branch1.pk]["cells"]  # the year has begun: amber until it is held
    assert rows[tree.branch1.pk]["cells"]["life_meeting"]["verdict"] == rules.AMBER
    early = services.compliance(tree.committee, date(year + 1, 1, 1), date(year + 1, 12, 31), today=date(year, 3, 20))
    assert early == []  # nothing has begun


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@given(st.sampled_from(["month", "quarter", "year"]), st.dates(date(2000, 1, 1), date(2099, 12, 31)),
       st.integers(0, 800))
def test_periods_tile_the_range_without_gaps(period, start, days):
    end = start + timedelta(days=days)
    periods = rules.periods_in(period, start, end)
    assert periods[0][0] <= start < periods[0][1] and periods[-1][0] <= end < periods[-1][1]
    for (a_start, a_end), (b_start, _b_end) in zip(periods, periods[1:], strict=False):
        assert a_end == b_start and a_start < a_end
    for p_start, p_end in periods:
        assert rules.period_bounds(period, p_start) == (p_start, p_end)
        assert rules.period_bounds(period, p_end - timedelta(days=1)) == (p_start, p_end)


@given(st.lists(st.tuples(st.sampled_from([None, "00000001", "0000000100000002", "000000010000000200000003"]),
                          st.sampled_from(["a", "b"]), st.sampled_from(["branch", "group"]),
                          st.sampled_from(["month", "year"]), st.integers(0, 3)), max_size=12))
def test_the_nearest_rule_wins(rows):
    ancestors = {"00000001", "0000000100000002", "000000010000000200000003"}
    found = rules.resolve_requirements("branch", ancestors, rows)
    for code in ("a", "b"):
        candidates = [r for r in rows if r[1] == code and r[2] == "branch"]
        if not candidates:
            assert code not in found
            continue
        nearest = max(candidates, key=lambda r: -1 if r[0] is None else len(r[0]))
        depth = -1 if nearest[0] is None else len(nearest[0])
        same = [r for r in candidates if (-1 if r[0] is None else len(r[0])) == depth]
        if nearest[4] == 0 and len(same) == 1:
            assert code not in found
        elif len(same) == 1:
            assert found[code] == (nearest[3], nearest[4])


def test_effective_requirements_show_the_nearest_rule(tree):
    lesson = MeetingType.objects.get(code="lesson")
    Requirement.objects.create(set_by=tree.committee, meeting_type=lesson, org_type="branch", period="month", count=2)
    rows = services.effective_requirements(tree.branch1)
    row = next(r for r in rows if r["org_type"] == "branch" and r["requirement"].meeting_type.code == "lesson")
    assert row["requirement"].set_by == tree.committee and not row["own"]
    services.set_requirement(tree.users.branch1, tree.branch1, meeting_type="lesson", org_type="branch",
                             period="quarter", count=1)
    row = next(r for r in services.effective_requirements(tree.branch1)
               if r["org_type"] == "branch" and r["requirement"].meeting_type.code == "lesson")
    assert row["own"] and row["requirement"].period == "quarter"
    with pytest.raises(Http404):
        services.set_requirement(tree.users.branch2, tree.branch1, meeting_type="lesson", org_type="branch",
                                 period="month", count=1)
    for bad, field in (({"org_type": "committee"}, "org_type"), ({"period": "week"}, "period"),
                       ({"count": "x"}, "count"), ({"meeting_type": "nope"}, "meeting_type")):
        kwargs = {"meeting_type": "lesson", "org_type": "branch", "period": "month", "count": 1, **bad}
        with pytest.raises(ValidationError) as e:
            services.set_requirement(tree.users.branch1, tree.branch1, **kwargs)
        assert field in e.value.error_dict


def test_minutes_are_sanitised_rich_text(tree):
    held = plan(tree, start_in=timedelta(hours=-1))
    m = services.record_minutes(tree.users.branch1, held, '<div><strong>决议</strong><script>alert(1)</script>'
                                '<a href="javascript:alert(1)" onclick="x()">链接</a><ul><li>一</li></ul></div>')
    assert "<strong>决议</strong>" in m.text and "<li>一</li>" in m.text
    assert "script" not in m.text and "javascript" not in m.text and "onclick" not in m.text
    plain = services.record_minutes(tree.users.branch1, held, "第一行\n第二行 <b")
    assert "<br>" in plain.text or "</p>" in plain.text
    with pytest.raises(ValidationError) as e:
        services.record_minutes(tree.users.branch1, held, "<div><br></div>")
    assert "text" in e.value.error_dict


def test_photos_and_attachments(tree, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    held = plan(tree, start_in=timedelta(hours=-1))
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 100
    photo = services.add_file(tree.users.branch1, held, SimpleUploadedFile("会场.png", png), "photo")
    assert photo.size == len(png) and photo.content_type == "image/png" and photo.file.name.endswith(".png")
    doc = services.add_file(tree.users.branch1, held, SimpleUploadedFile("学习材料.pdf", b"%PDF-1.4"), "attachment")
    assert doc.content_type == "application/pdf"
    for name, content, kind, message in (("x.exe", b"MZ", "attachment", "not accepted"),
                                         ("fake.jpg", b"not a jpeg", "photo", "not a picture"),
                                         ("doc.pdf", b"%PDF", "photo", "not accepted")):
        with pytest.raises(ValidationError, match=message):
            services.add_file(tree.users.branch1, held, SimpleUploadedFile(name, content), kind)
    with pytest.raises(Http404):
        services.add_file(tree.users.branch2, held, SimpleUploadedFile("a.png", png), "photo")
    assert held.files.count() == 2


def test_meetings_api_reads_with_the_pages_scope(tree):
    meeting = plan(tree, types=["theme_day"], topic="主题党日：学党章")
    plan(tree, topic="支委会")
    committee = api_as(tree.users.committee)
    body = committee.get("/api/v1/meetings/").json()
    assert body["count"] == 2
    assert committee.get("/api/v1/meetings/?type=theme_day").json()["count"] == 1
    assert committee.get("/api/v1/meetings/?q=学党章").json()["results"][0]["id"] == meeting.pk
    assert committee.get(f"/api/v1/meetings/?org={tree.branch2.pk}").json()["count"] == 0
    detail = committee.get(f"/api/v1/meetings/{meeting.pk}/").json()
    assert detail["types"] == ["theme_day"] and detail["attendance"]["expected"] == 5
    bad = committee.get("/api/v1/meetings/?date_from=2026-13-01")
    assert bad.status_code == 400 and "date_from" in bad.json()["errors"]
    sibling = api_as(tree.users.branch2)
    assert sibling.get("/api/v1/meetings/").json()["count"] == 0
    assert sibling.get(f"/api/v1/meetings/{meeting.pk}/").status_code == 404
    member = api_as(tree.users.member1)  # invited
    assert member.get(f"/api/v1/meetings/{meeting.pk}/").status_code == 200


class _FakeSms:
    sent = []


def test_channels_email_and_sms_each_notice(tree, settings, mailoutbox, django_capture_on_commit_callbacks):
    from dangjian.meetings.channels import SmsChannel

    class Gateway(SmsChannel):
        def send_sms(self, phone, text):
            _FakeSms.sent.append((phone, text))

    import sys

    sys.modules[__name__].Gateway = Gateway
    settings.MEETING_CHANNELS = ["dangjian.meetings.channels.EmailChannel", f"{__name__}.Gateway"]
    tree.users.member1.email = "member1@example.org"
    tree.users.member1.save()
    _FakeSms.sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        plan(tree, topic="支部党员大会")
    assert [m.to for m in mailoutbox] == [["member1@example.org"]] and "支部党员大会" in mailoutbox[0].subject
    assert len(_FakeSms.sent) == 5 and all(phone.startswith("139") for phone, _t in _FakeSms.sent)
    assert AuditEntry.objects.filter(action="reveal", after__purpose="sms notice").count() == 5


def test_tallies_count_started_meetings_once_and_uncount_cancelled_ones(tree):
    from dangjian.meetings import tally
    from dangjian.meetings.models import MeetingTally

    year = date.today().year
    first = _held(tree, tree.branch1, "committee", f"{year}-01-10 09:00:00+08:00")
    _held(tree, tree.branch1, "committee", f"{year}-02-10 09:00:00+08:00")
    plan(tree, start_in=timedelta(days=3))  # not started: not counted
    assert tally.count_started() == 2 and tally.count_started() == 0
    row = MeetingTally.objects.get(org=tree.branch1, meeting_type__code="committee", year=year)
    assert (row.m01, row.m02) == (1, 1)
    assert tally.drift() == []
    services.cancel_meeting(tree.users.branch1, first, "没有开成")  # it never took place
    row.refresh_from_db()
    assert row.m01 == 0 and tally.drift() == []
    rows = {r["id"]: r for r in services.compliance(tree.committee, date(year, 1, 1), date(year, 2, 28),
                                                     today=date(year, 6, 1))}
    assert rows[tree.branch1.pk]["cells"]["committee"]["held"] == 1
    MeetingTally.objects.all().delete()  # drift, put right by a rebuild
    assert tally.drift() != []
    tally.rebuild()
    assert tally.drift() == []


def test_compliance_is_the_same_counted_live_or_from_tallies(tree):
    from dangjian.meetings import tally

    year = date.today().year
    for month in (1, 2, 4):
        _held(tree, tree.branch1, "committee", f"{year}-{month:02d}-10 09:00:00+08:00")
    _held(tree, tree.group1, "group", f"{year}-03-03 09:00:00+08:00")
    args = (tree.committee, date(year, 1, 1), date(year, 12, 31))
    live = services.compliance(*args, today=date(year, 5, 20))
    tally.count_started()
    assert services.compliance(*args, today=date(year, 5, 20)) == live


def test_tally_command_and_task(tree):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from dangjian.meetings.models import MeetingTally
    from dangjian.meetings.tasks import count_started_meetings

    _held(tree, tree.branch1, "committee", f"{date.today().year}-01-10 09:00:00+08:00")
    assert count_started_meetings.delay().get() == 1
    call_command("meeting_tally", "--check")
    MeetingTally.objects.update(m01=7)
    with pytest.raises(CommandError, match="differ"):
        call_command("meeting_tally", "--check")
    call_command("meeting_tally", "--rebuild")
    call_command("meeting_tally", "--check")


def test_compliance_across_the_new_year(tree):
    from dangjian.meetings import tally

    year = date.today().year - 1
    _held(tree, tree.branch1, "committee", f"{year}-12-05 09:00:00+08:00")
    _held(tree, tree.branch1, "committee", f"{year + 1}-01-05 09:00:00+08:00")
    for counted in (False, True):
        if counted:
            tally.count_started()
        rows = {r["id"]: r for r in services.compliance(tree.committee, date(year, 12, 1), date(year + 1, 2, 28),
                                                         today=date(year + 1, 3, 15))}
        cell = rows[tree.branch1.pk]["cells"]["committee"]
        assert (cell["held"], cell["required"], cell["verdict"]) == (2, 3, rules.RED)  # February fell short


def test_the_recorder_adds_only_people_they_can_see(tree):
    meeting = plan(tree, start_in=timedelta(minutes=-5))
    with pytest.raises(ValidationError) as e:
        services.checkin_manual(tree.users.branch1, meeting, tree.member2)  # the sibling branch's member
    assert "person" in e.value.error_dict
    walk_in = make_person(tree.branch1, political_status="masses", name="来访群众")
    assert not services.checkin_manual(tree.users.branch1, meeting, walk_in).attendance.expected


def test_the_verdict_rule():
    plan = [([0], True), ([1], True), ([2], False)]  # two months ended, the third running
    assert rules.cell(plan, "month", 1, (1, 1, 1))["verdict"] == rules.GREEN
    assert rules.cell(plan, "month", 1, (1, 1, 0))["verdict"] == rules.AMBER
    red = rules.cell(plan, "month", 1, (2, 0, 1))
    assert (red["held"], red["required"], red["verdict"]) == (3, 3, rules.RED)  # extra in one month does not cover
    assert rules.worst([rules.GREEN, rules.AMBER]) == rules.AMBER and rules.worst([rules.AMBER, rules.RED]) == rules.RED
    assert rules.month_plan("quarter", date(2026, 1, 1), date(2026, 12, 31), date(2026, 5, 1),
                            [date(2026, m, 1) for m in range(1, 13)]) == [([0, 1, 2], True), ([3, 4, 5], False)]
