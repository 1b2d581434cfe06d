"""我是冠军: rounds from the month's results (branch, general branch, committee finalists, every tie-break), the
live final (one fixed paper, its clock, who may enter), the big-screen leaderboard (provisional counts, no keys,
a fixed number of queries), finishing and the titles (idempotent, 群众 as 技术能手), state transitions, scoping."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dangjian.core.errors import DomainError
from dangjian.exams import competition as comp
from dangjian.exams import services
from dangjian.exams.models import (
    Attempt,
    AttemptState,
    Award,
    AwardTitle,
    CompetitionState,
    Final,
    FinalState,
    MonthlyResult,
)

from .factories import give_post, make_org, make_person, make_user

pytestmark = pytest.mark.django_db

MONTH = date(2026, 11, 1)


def at(day, hour=9, minute=0):
    return timezone.make_aware(datetime(2026, 11, day, hour, minute))


def add_questions(user, org, tier, n=30, categories=("党建规章", "业务规章", "安全应急")):
    for i in range(n):
        services.create_question(user, org, {
            "kind": "single", "stem": f"{tier}竞赛题{i}：下列哪项正确？", "options": ["甲", "乙", "丙", "丁"],
            "answer": [i % 4], "tier": tier, "category": categories[i % len(categories)],
            "explanation": "见规章。"})


def take(user, tier, right, start, seconds):
    """One monthly attempt: `right` of the 20 questions answered right, submitted `seconds` after `start`."""
    attempt = services.start_attempt(user, tier, now=start)
    for item in attempt.items.all():
        response = item.key if item.position <= right else [(item.key[0] + 1) % len(item.options)]
        services.save_answer(user, attempt.pk, item.position, response, now=start + timedelta(seconds=1))
    services.submit(user, attempt.pk, now=start + timedelta(seconds=seconds))
    return attempt


@pytest.fixture
def month(tree):
    """The committee's bank, the month's sets open, a branch directly under the committee, and results:

    branch1: member1 90 A 300 s (day 10) · leader1 90 A 300 s (day 11, later) · other1 90 C 100 s
    branch2: member2 90 A 200 s · sec2 80 A        branch3 (under the committee): member3 50 A
    """
    t = tree
    add_questions(t.users.committee, t.committee, "A")
    add_questions(t.users.committee, t.committee, "C")
    services.monthly_sets_job(date(2026, 11, 10))
    t.branch3 = make_org("branch", parent=t.committee, name="直属党支部", code="B3")
    t.member3 = make_person(t.branch3, name="直属党员")
    t.users.other1 = make_user("other1", t.other1)
    t.users.member2 = make_user("member2", t.member2)
    t.users.member3 = make_user("member3", t.member3)
    take(t.users.member1, "A", 18, at(10), 300)
    take(t.users.group1, "A", 18, at(11), 300)  # leader1: same score, tier and time, finished later
    take(t.users.other1, "C", 18, at(10), 100)  # same score, easier tier (faster does not help)
    take(t.users.member2, "A", 18, at(10), 200)  # same score and tier, shorter time
    take(t.users.branch2, "A", 16, at(10), 100)  # sec2
    take(t.users.member3, "A", 10, at(10), 100)
    return t


@pytest.fixture
def opened(month):
    return comp.open_competition(month.users.committee, month.committee, date(2026, 11, 17), experts=2,
                                 technicians=1)


def final_data(**kw):
    data = {"tier": "A", "starts_at": at(28, 15), "minutes": 20, "size": 10}
    data.update(kw)
    return data


# ---- opening and the state machine ------------------------------------------------------------------------

def test_opening_a_competition(month, opened):
    assert opened.month == MONTH and opened.title == "我是冠军 2026年11月" and opened.state == CompetitionState.OPEN
    with pytest.raises(DomainError) as e:  # one per committee and month
        comp.open_competition(month.users.committee, month.committee, MONTH)
    assert e.value.field == "month"
    with pytest.raises(DomainError) as e:  # a branch does not organise one
        comp.open_competition(month.users.committee, month.branch1, MONTH)
    assert e.value.field == "org"
    with pytest.raises(Http404):  # no learning:manage over the committee
        comp.open_competition(month.users.branch1, month.committee, date(2026, 12, 1))


def test_state_changes_are_only_the_allowed_ones(month, opened):
    with pytest.raises(DomainError):
        comp.start_final(month.users.committee, opened, now=at(27))  # no final
    with pytest.raises(DomainError):
        comp._move(opened, CompetitionState.OPEN)  # not a transition
    assert comp.finish(month.users.committee, opened, now=at(30)) > 0  # OPEN → FINISHED: no final is allowed
    opened.refresh_from_db()
    assert opened.state == CompetitionState.FINISHED
    for attempt in (lambda: comp._move(opened, CompetitionState.FINAL),
                    lambda: comp.setup_final(month.users.committee, opened, final_data(), now=at(27))):
        with pytest.raises(DomainError):
            attempt()
    opened.refresh_from_db()
    assert opened.state == CompetitionState.FINISHED and not Final.objects.exists()


def test_transitions_are_audited(month, opened):
    from dangjian.audit.chain import AuditEntry

    comp.setup_final(month.users.committee, opened, final_data(), now=at(27), seed=1)
    entries = AuditEntry.objects.filter(model="exams.competition", object_id=str(opened.pk))
    assert any((e.after or {}).get("state") == "final" for e in entries)


# ---- rounds -------------------------------------------------------------------------------------------------

def test_champions_of_every_level_and_the_finalists(month, opened):
    t = month
    state = comp.rounds(opened)
    branches = {org.pk: (row["person_id"], [(g.pk, gr["person_id"]) for g, gr in groups])
                for org, row, groups in state["branches"]}
    # branch1: member1 beats other1 (harder tier) and leader1 (earlier finish); group1 shown as a detail
    assert branches[t.branch1.pk] == (t.member1.pk, [(t.group1.pk, t.member1.pk)])
    assert branches[t.branch2.pk][0] == t.member2.pk
    assert branches[t.branch3.pk][0] == t.member3.pk
    # general branch: the best of its branch champions — member2 (shorter time than member1)
    assert [(o.pk, r["person_id"]) for o, r in state["generals"]] == [(t.general.pk, t.member2.pk)]
    # finalists: the general branch's champion and the champion of the branch directly under the committee
    assert [(o.pk, r["person_id"]) for o, r in state["finalists"]] == [(t.general.pk, t.member2.pk),
                                                                       (t.branch3.pk, t.member3.pk)]
    assert state["champion"]["person_id"] == t.member2.pk
    ranking = [r["person_id"] for r in state["rows"]]
    assert ranking == [t.member2.pk, t.member1.pk, t.leader1.pk, t.other1.pk, t.sec2.pk, t.member3.pk]


# ---- the final ----------------------------------------------------------------------------------------------

@pytest.fixture
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.mark.usefixtures("english")
def test_the_final_is_one_paper_at_one_time_for_the_finalists_only(month, opened):
    t = month
    final = comp.setup_final(t.users.committee, opened, final_data(), now=at(27), seed=3)
    assert len(final.questions) == 10 and len(set(final.questions)) == 10
    assert set(final.finalists.values_list("pk", flat=True)) == {t.member2.pk, t.member3.pk}
    opened.refresh_from_db()
    assert opened.state == CompetitionState.FINAL
    start = final.starts_at
    with pytest.raises(DomainError) as e:
        comp.enter_final(t.users.member2, opened, now=start - timedelta(minutes=1))
    assert "not started" in str(e.value)
    with pytest.raises(DomainError) as e:
        comp.enter_final(t.users.member1, opened, now=start + timedelta(minutes=1))
    assert "not a finalist" in str(e.value)
    a2, _closed = comp.enter_final(t.users.member2, opened, now=start + timedelta(minutes=1), seed=1)
    a3, _closed = comp.enter_final(t.users.member3, opened, now=start + timedelta(minutes=2), seed=2)
    assert comp.enter_final(t.users.member2, opened, now=start + timedelta(minutes=3))[0] == a2  # once
    items2, items3 = list(a2.items.order_by("position")), list(a3.items.order_by("position"))
    assert [i.question_id for i in items2] == [i.question_id for i in items3] == final.questions
    assert any(x.options != y.options for x, y in zip(items2, items3, strict=True))  # options shuffled per person
    assert a2.final == final and a2.exam_set is None and a2.month == MONTH and a2.tier == "A"
    assert a2.deadline == a3.deadline == start + timedelta(minutes=20)
    with pytest.raises(DomainError) as e:
        comp.setup_final(t.users.committee, opened, final_data(), now=start + timedelta(minutes=1))
    assert "begun" in str(e.value)
    # a final attempt never counts in the monthly results
    before = list(MonthlyResult.objects.order_by("pk").values_list("pk", "score", "attempts"))
    for item in items2:
        services.save_answer(t.users.member2, a2.pk, item.position, item.key, now=start + timedelta(minutes=4))
    services.submit(t.users.member2, a2.pk, now=start + timedelta(minutes=5))
    assert list(MonthlyResult.objects.order_by("pk").values_list("pk", "score", "attempts")) == before
    a2.refresh_from_db()
    assert comp.keys_hidden(a2, now=start + timedelta(minutes=6))  # the others are still answering
    assert not comp.keys_hidden(a2, now=start + timedelta(minutes=21))


@pytest.mark.usefixtures("english")
def test_entering_after_the_end_is_refused_and_an_open_monthly_exam_is_submitted_first(month, opened):
    t = month
    final = comp.setup_final(t.users.committee, opened, final_data(), now=at(27), seed=3)
    monthly = services.start_attempt(t.users.member3, "C", now=final.starts_at - timedelta(minutes=2))
    attempt, closed = comp.enter_final(t.users.member3, opened, now=final.starts_at + timedelta(seconds=30))
    assert closed.pk == monthly.pk and closed.state == AttemptState.SUBMITTED
    assert Attempt.objects.get(pk=monthly.pk).state == AttemptState.SUBMITTED and attempt.is_open
    with pytest.raises(DomainError) as e:
        comp.enter_final(t.users.member2, opened, now=final.starts_at + timedelta(minutes=21))
    assert "over" in str(e.value)
    assert not Attempt.objects.filter(final=final, person=t.member2).exists()


def test_finalists_can_be_chosen_and_only_from_the_committee(month, opened):
    t = month
    final = comp.setup_final(t.users.committee, opened, final_data(finalists=[t.member1.pk, t.member2.pk]),
                             now=at(27), seed=1)
    assert set(final.finalists.values_list("pk", flat=True)) == {t.member1.pk, t.member2.pk}
    questions = list(final.questions)
    final = comp.setup_final(t.users.committee, opened, final_data(minutes=30, finalists=[t.member1.pk]),
                             now=at(27), seed=2)
    assert final.questions == questions and final.minutes == 30  # the paper is drawn once
    other_committee = make_org("committee", name="另一党委", code="C2")
    outsider = make_person(make_org("branch", parent=other_committee, code="X1"))
    with pytest.raises(DomainError) as e:
        comp.setup_final(t.users.committee, opened, final_data(finalists=[outsider.pk]), now=at(27))
    assert e.value.field == "finalists"
    with pytest.raises(DomainError) as e:
        comp.setup_final(t.users.committee, opened, final_data(starts_at=at(26)), now=at(27))
    assert e.value.field == "starts_at"


# ---- the leaderboard ----------------------------------------------------------------------------------------

def live_final(month, opened, start=None):
    start = start or timezone.now() - timedelta(minutes=1)
    final = comp.setup_final(month.users.committee, opened, final_data(), now=at(27), seed=3)
    Final.objects.filter(pk=final.pk).update(starts_at=start)
    final.refresh_from_db()
    return final


def answer(user, attempt, right, wrong, now):
    for item in attempt.items.order_by("position")[:right + wrong]:
        response = item.key if item.position <= right else [(item.key[0] + 1) % 4]
        services.save_answer(user, attempt.pk, item.position, response, now=now)


def test_the_leaderboard_counts_saved_answers_without_sending_keys(client, month, opened):
    t = month
    final = live_final(t, opened)
    now = timezone.now()
    a2, _ = comp.enter_final(t.users.member2, opened, now=now)
    a3, _ = comp.enter_final(t.users.member3, opened, now=now)
    answer(t.users.member2, a2, right=1, wrong=1, now=now)
    answer(t.users.member3, a3, right=3, wrong=2, now=now)
    rows = comp.leaderboard(final, now + timedelta(seconds=5))
    assert [(r["person_id"], r["answered"], r["correct"], r["score"]) for r in rows] == [
        (t.member3.pk, 5, 3, None), (t.member2.pk, 2, 1, None)]
    assert not any({"key", "response", "options"} & set(r) for r in rows)
    services.submit(t.users.member2, a2.pk, now=now + timedelta(seconds=10))
    rows = comp.leaderboard(final, now + timedelta(seconds=11))
    by_person = {r["person_id"]: r for r in rows}
    assert by_person[t.member2.pk]["score"] == Decimal("10.00") and by_person[t.member2.pk]["state"] == "submitted"
    client.force_login(t.users.committee)
    html = client.get(f"/exams/competitions/{opened.pk}/leaderboard/live/").content.decode()
    assert "二支部党员" in html and "直属党员" in html
    for secret in ("下列哪项", "甲", "丁", "见规章", "data-key", '"key"'):
        assert secret not in html
    page = client.get(f"/exams/competitions/{opened.pk}/leaderboard/")
    assert page.status_code == 200 and b'hx-trigger="every 3s"' in page.content
    assert b"dj-navbar" not in page.content  # the big screen has no navigation


def test_the_leaderboard_fragment_takes_a_fixed_number_of_queries(client, month, opened,
                                                                   django_assert_max_num_queries):
    t = month
    final = live_final(t, opened)
    now = timezone.now()
    a2, _ = comp.enter_final(t.users.member2, opened, now=now)
    answer(t.users.member2, a2, right=2, wrong=1, now=now)
    client.force_login(t.users.committee)
    url = f"/exams/competitions/{opened.pk}/leaderboard/live/"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    extra = [make_person(t.branch2, name=f"加赛{i}") for i in range(6)]
    final.finalists.add(*extra)
    for i, person in enumerate(extra[:3]):
        user = make_user(f"extra{i}", person)
        attempt, _ = comp.enter_final(user, opened, now=now)
        answer(user, attempt, right=1, wrong=1, now=now)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    with django_assert_max_num_queries(9):  # session, user, scope (2), competition with its final, board (4)
        client.get(url)


# ---- finishing and the titles -------------------------------------------------------------------------------

def test_finishing_scores_the_final_and_records_the_titles_once(month, opened):
    t = month
    worker = make_person(t.branch2, name="群众能手", political_status="masses")
    take(make_user("worker", worker), "A", 12, at(12), 100)
    final = comp.setup_final(t.users.committee, opened, final_data(), now=at(27), seed=3)
    start = final.starts_at
    a2, _ = comp.enter_final(t.users.member2, opened, now=start + timedelta(minutes=1))
    a3, _ = comp.enter_final(t.users.member3, opened, now=start + timedelta(minutes=1))
    answer(t.users.member2, a2, right=4, wrong=0, now=start + timedelta(minutes=2))
    answer(t.users.member3, a3, right=6, wrong=0, now=start + timedelta(minutes=2))
    services.submit(t.users.member2, a2.pk, now=start + timedelta(minutes=3))  # member3 never submits
    with pytest.raises(DomainError):
        comp.finish(t.users.committee, opened, now=start - timedelta(minutes=5))  # before the final
    with pytest.raises(Http404):
        comp.finish(t.users.branch1, opened, now=start + timedelta(minutes=30))
    recorded = comp.finish(t.users.committee, opened, now=start + timedelta(minutes=30))
    a3.refresh_from_db()
    assert a3.state == AttemptState.TIMED_OUT and a3.score == Decimal("60.00")
    final.refresh_from_db()
    opened.refresh_from_db()
    assert final.state == FinalState.FINISHED and opened.state == CompetitionState.FINISHED
    got = set(Award.objects.filter(competition=opened).values_list("title", "org_id", "person_id"))
    assert got == {
        (AwardTitle.CHAMPION, t.branch1.pk, t.member1.pk), (AwardTitle.CHAMPION, t.branch2.pk, t.member2.pk),
        (AwardTitle.CHAMPION, t.branch3.pk, t.member3.pk), (AwardTitle.CHAMPION, t.general.pk, t.member2.pk),
        (AwardTitle.CHAMPION, t.committee.pk, t.member2.pk),
        (AwardTitle.FINAL_CHAMPION, t.committee.pk, t.member3.pk),
        (AwardTitle.EXPERT, t.committee.pk, t.leader1.pk), (AwardTitle.EXPERT, t.committee.pk, t.other1.pk),
        (AwardTitle.TECHNICIAN, t.committee.pk, worker.pk),
    }
    assert recorded == len(got)
    final_award = Award.objects.get(title=AwardTitle.FINAL_CHAMPION)
    assert final_award.score == Decimal("60.00") and final_award.month == MONTH
    assert comp.finish(t.users.committee, opened, now=start + timedelta(minutes=40)) == 0  # idempotent
    assert Award.objects.count() == len(got)
    assert comp._record_awards(opened, final) == 0  # even recorded again, nothing new


def test_finish_due_closes_finals_that_are_over(month, opened):
    final = comp.setup_final(month.users.committee, opened, final_data(), now=at(27), seed=3)
    assert comp.finish_due(now=final.starts_at + timedelta(minutes=10)) == 0
    assert comp.finish_due(now=final.starts_at + timedelta(minutes=21)) == 1
    opened.refresh_from_db()
    assert opened.state == CompetitionState.FINISHED
    assert not Award.objects.filter(title=AwardTitle.FINAL_CHAMPION).exists()  # no one answered
    assert Award.objects.filter(title=AwardTitle.CHAMPION).count() == 5


# ---- pages --------------------------------------------------------------------------------------------------

def test_pages_for_the_organiser(client, month):
    t = month
    client.force_login(t.users.committee)
    assert client.get("/exams/competitions/").status_code == 200
    assert client.get("/exams/competitions/new/").status_code == 200
    response = client.post("/exams/competitions/new/", {"org": t.committee.pk, "month": "2026-11", "title": "",
                                                        "experts": 2, "technicians": 1})
    assert response.status_code == 302
    opened = comp.visible(t.users.committee).get()
    assert response["Location"] == f"/exams/competitions/{opened.pk}/"
    again = client.post("/exams/competitions/new/", {"org": t.committee.pk, "month": "2026-11", "experts": 2,
                                                     "technicians": 1})
    assert again.status_code == 400
    page = client.get(f"/exams/competitions/{opened.pk}/").content.decode()
    assert "二支部党员" in page and 'id="round-finalists"' in page and 'id="round-branches"' in page
    assert client.get(f"/exams/competitions/{opened.pk}/final/").status_code == 200
    starts = timezone.localtime(timezone.now() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/exams/competitions/{opened.pk}/final/", {
        "tier": "A", "starts_at": starts, "minutes": 15, "size": 8, "finalists": [t.member2.pk, t.member3.pk]})
    assert response.status_code == 302
    final = Final.objects.get(competition=opened)
    assert len(final.questions) == 8 and final.minutes == 15
    assert client.post(f"/exams/competitions/{opened.pk}/final/start/").status_code == 302
    final.refresh_from_db()
    assert final.state == FinalState.LIVE and final.starts_at <= timezone.now()
    assert client.get(f"/exams/competitions/{opened.pk}/leaderboard/").status_code == 200
    response = client.post(f"/exams/competitions/{opened.pk}/final/finish/", follow=True)
    assert response.status_code == 200
    opened.refresh_from_db()
    assert opened.state == CompetitionState.FINISHED
    awards = client.get("/exams/competitions/awards/?month=2026-11").content.decode()
    assert "二支部党员" in awards and "直属党员" in awards


def test_the_finalists_entry_page(client, month, opened):
    t = month
    final = comp.setup_final(t.users.committee, opened, final_data(), now=at(27), seed=3)
    url = f"/exams/competitions/{opened.pk}/final/paper/"
    Final.objects.filter(pk=final.pk).update(starts_at=timezone.now() + timedelta(minutes=10))
    client.force_login(t.users.member2)
    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 400 and "entry-error" in response.content.decode()
    Final.objects.filter(pk=final.pk).update(starts_at=timezone.now() - timedelta(minutes=1))
    client.force_login(t.users.member1)  # not a finalist (but in the committee): told so
    response = client.post(url)
    assert response.status_code == 400 and not Attempt.objects.filter(final=final).exists()
    client.force_login(t.users.member2)
    response = client.post(url)
    attempt = Attempt.objects.get(final=final, person=t.member2)
    assert response.status_code == 302 and response["Location"] == f"/exams/attempts/{attempt.pk}/"
    assert client.get(url)["Location"] == f"/exams/attempts/{attempt.pk}/"  # back into the same paper
    Final.objects.filter(pk=final.pk).update(starts_at=timezone.now() - timedelta(minutes=30))
    client.force_login(t.users.member3)
    response = client.post(url)
    assert response.status_code == 400 and not Attempt.objects.filter(final=final, person=t.member3).exists()


def test_outsiders_get_404(client, month, opened):
    t = month
    comp.setup_final(t.users.committee, opened, final_data(), now=at(27), seed=3)
    other = make_org("committee", name="另一党委", code="C9")
    stranger = make_person(make_org("branch", parent=other, code="X9"))
    give_post(stranger, other)
    pages = ["", "final/", "leaderboard/", "leaderboard/live/", "final/paper/"]
    for user in (t.users.branch2, make_user("stranger", stranger)):
        client.force_login(user)
        for page in pages:
            if page == "final/paper/" and user == t.users.branch2:
                continue  # the committee's own people see the entry page (and are told they are not finalists)
            assert client.get(f"/exams/competitions/{opened.pk}/{page}").status_code == 404, (user, page)
        for action in ("final/start/", "final/finish/"):
            assert client.post(f"/exams/competitions/{opened.pk}/{action}").status_code == 404
        assert client.post(f"/exams/competitions/{opened.pk}/", {"title": "x", "experts": 1,
                                                                 "technicians": 1}).status_code == 404
    client.force_login(t.users.group1)  # learning:read over a group only
    assert client.get(f"/exams/competitions/{opened.pk}/").status_code == 404
    client.force_login(t.users.member1)  # may read? no: a plain member
    assert client.get(f"/exams/competitions/{opened.pk}/leaderboard/").status_code == 404
    opened.refresh_from_db()
    assert opened.state == CompetitionState.FINAL


def test_awards_are_scoped_to_the_readers_organisations(client, month, opened):
    comp.finish(month.users.committee, opened, now=at(30))
    client.force_login(month.users.branch1)
    html = client.get("/exams/competitions/awards/").content.decode()
    assert f'data-person="{month.member1.pk}"' in html  # branch1's champion
    assert f'data-person="{month.member2.pk}"' not in html  # branch2's and the committee's titles
    client.force_login(month.users.committee)
    html = client.get(f"/exams/competitions/awards/?org={month.branch2.pk}&month=2026-11").content.decode()
    assert f'data-person="{month.member2.pk}"' in html and f'data-person="{month.member1.pk}"' not in html
    assert client.get(f"/exams/competitions/awards/?org={month.committee.pk}").status_code == 200
    client.force_login(month.users.branch1)
    assert client.get(f"/exams/competitions/awards/?org={month.committee.pk}").status_code == 404


# ---- the big screen in a real browser ------------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width,height", [(1920, 1080), (1366, 768)])
def test_the_big_screen_fits_and_updates_itself(live_server, month, width, height, chromium):
    import os
    import re

    t = month
    opened = comp.open_competition(t.users.committee, t.committee, MONTH)
    final = live_final(t, opened)
    now = timezone.now()
    attempt, _ = comp.enter_final(t.users.member2, opened, now=now)
    answer(t.users.member2, attempt, right=1, wrong=1, now=now)
    context = chromium.new_context(locale="zh-CN", viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", "committee")
        page.fill("input[name=password]", "dangjian-demo")
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r".*/$"))
        page.goto(f"{live_server.url}/exams/competitions/{opened.pk}/leaderboard/")
        row = page.locator(f"#leaderboard tr[data-person='{t.member2.pk}']")
        assert row.get_attribute("data-answered") == "2"
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
        page.wait_for_function("() => /^\\d+:\\d\\d$/.test(document.querySelector('#board-clock .dj-count').textContent)")
        item = attempt.items.order_by("position")[2]
        services.save_answer(t.users.member2, attempt.pk, item.position, item.key, now=timezone.now())
        page.wait_for_function(  # the fragment polled every 3 s brings the new answer
            f"() => document.querySelector(\"#leaderboard tr[data-person='{t.member2.pk}']\")"
            ".getAttribute('data-answered') === '3'", timeout=10000)
        folder = os.environ.get("DANGJIAN_SCREENSHOTS")
        if folder:
            os.makedirs(folder, exist_ok=True)
            page.screenshot(path=os.path.join(folder, f"competition-screen-{width}.png"))
    finally:
        context.close()
    assert final.finalists.count() == 2


def test_an_early_finalist_sees_no_answers_until_the_final_is_over(client, month, opened):
    from freezegun import freeze_time

    from .conftest import api_as

    t = month
    final = comp.setup_final(t.users.committee, opened, final_data(), now=at(27), seed=3)
    start = final.starts_at
    attempt, _closed = comp.enter_final(t.users.member2, opened, now=start + timedelta(minutes=1))
    item = attempt.items.first()
    services.save_answer(t.users.member2, attempt.pk, item.position, item.key, now=start + timedelta(minutes=2))
    services.submit(t.users.member2, attempt.pk, now=start + timedelta(minutes=3))
    with freeze_time(start + timedelta(minutes=5)):
        client.force_login(t.users.member2)
        r = client.get(f"/exams/attempts/{attempt.pk}/result/")
        assert r.status_code == 200, r
        page = r.content.decode()
        assert 'id="review-later"' in page and item.explanation not in page and "data-review" not in page
        data = api_as(t.users.member2).get(f"/api/v1/exams/attempts/{attempt.pk}").json()
        assert all("key" not in i and "correct" not in i for i in data["items"])
    with freeze_time(start + timedelta(minutes=25)):
        client.force_login(t.users.member2)
        page = client.get(f"/exams/attempts/{attempt.pk}/result/").content.decode()
        assert "data-review" in page
        data = api_as(t.users.member2).get(f"/api/v1/exams/attempts/{attempt.pk}").json()
        assert all("key" in i for i in data["items"])
