"""Exam pages and API: taking an exam (the key never reaches the browser before scoring, autosave, resume,
submit once), the bad inputs of the issue (an answer to a question not in the paper, after the deadline, for
someone else's attempt, a second open attempt) through page and API, rankings, participation, sets, settings,
and the sibling branch's 404s."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from dangjian.exams import services
from dangjian.exams.models import Attempt, AttemptItem, AttemptState, ExamSettings, MonthlyResult, MonthlySet

from .conftest import api_as
from .factories import make_person, make_user
from .test_exams import add_questions

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 10)


@pytest.fixture
def exam(tree):
    add_questions(tree.users.committee, tree.committee, "A", 30)
    add_questions(tree.users.committee, tree.committee, "B", 25)
    services.monthly_sets_job(TODAY)
    return tree


def start(client, tier="A"):
    response = client.post(reverse("exams:start"), {"tier": tier})
    assert response.status_code == 302, response
    return Attempt.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


@freeze_time("2026-11-10 09:00:00+08:00")
def test_take_an_exam_through_the_pages(client, exam):
    client.force_login(exam.users.member1)
    home = client.get(reverse("exams:home")).content.decode()
    assert 'data-tier="A"' in home and 'data-tier="C"' in home
    attempt = start(client)
    page = client.get(reverse("exams:paper", args=[attempt.pk])).content.decode()
    items = list(attempt.items.all())
    assert page.count('class="card shadow-sm mb-3 exam-item"') == 20
    for item in items:  # the key and the explanation are not on the page
        assert item.explanation not in page
    assert 'name="kind" value="single"' in page
    for item in items:
        r = client.post(reverse("exams:answer", args=[attempt.pk]),
                        {"position": item.position, "kind": item.kind, "answer": str(item.key[0])},
                        HTTP_HX_REQUEST="true")
        assert r.status_code == 200 and "data-saved" in r.content.decode()
    # resuming shows the saved choices
    page = client.get(reverse("exams:paper", args=[attempt.pk])).content.decode()
    assert page.count("checked") == 20
    assert client.post(reverse("exams:submit", args=[attempt.pk])).status_code == 302
    assert client.post(reverse("exams:submit", args=[attempt.pk])).status_code == 302  # scored once
    attempt.refresh_from_db()
    assert attempt.score == 100 and MonthlyResult.objects.get(person=exam.member1).attempts == 1
    result = client.get(reverse("exams:result", args=[attempt.pk])).content.decode()
    assert items[0].explanation in result
    # a scored paper sends the member to the result
    assert client.get(reverse("exams:paper", args=[attempt.pk])).status_code == 302


@freeze_time("2026-11-10 09:00:00+08:00")
def test_refusals_through_the_pages(client, exam):
    client.force_login(exam.users.member1)
    attempt = start(client)
    second = client.post(reverse("exams:start"), {"tier": "B"}, follow=True).content.decode()
    assert "正在进行" in second
    assert Attempt.objects.filter(person=exam.member1).count() == 1
    r = client.post(reverse("exams:answer", args=[attempt.pk]), {"position": 99, "kind": "single", "answer": "0"},
                    HTTP_HX_REQUEST="true")
    assert "data-error" in r.content.decode()
    other = make_user("other", make_person(exam.branch2, name="他人"))
    client.force_login(other)
    assert client.get(reverse("exams:paper", args=[attempt.pk])).status_code == 404
    assert client.post(reverse("exams:answer", args=[attempt.pk]),
                       {"position": 1, "kind": "single", "answer": "0"}).status_code == 404
    assert client.post(reverse("exams:submit", args=[attempt.pk])).status_code == 404
    assert not AttemptItem.objects.filter(attempt=attempt, response__isnull=False).exists()


def test_after_the_deadline_the_page_goes_to_the_result(client, exam):
    client.force_login(exam.users.member1)
    with freeze_time("2026-11-10 09:00:00+08:00"):
        attempt = start(client)
    with freeze_time("2026-11-10 09:40:00+08:00"):
        r = client.post(reverse("exams:answer", args=[attempt.pk]),
                        {"position": 1, "kind": "single", "answer": "0"}, HTTP_HX_REQUEST="true")
        assert r["HX-Redirect"] == reverse("exams:result", args=[attempt.pk])
        attempt.refresh_from_db()
        assert attempt.state == AttemptState.TIMED_OUT
        assert not attempt.items.filter(response__isnull=False).exists()


@freeze_time("2026-11-10 09:00:00+08:00")
def test_the_api_never_sends_the_key_before_scoring_and_refuses_bad_input(exam):
    api = api_as(exam.users.member1)
    month = api.get("/api/v1/exams/month").json()
    assert [t["open"] for t in month["tiers"]] == [True, True, False]
    r = api.post("/api/v1/exams/attempts", {"tier": "A"}, format="json")
    assert r.status_code == 201
    paper = r.json()
    assert all("key" not in i and "explanation" not in i for i in paper["items"])
    pk = paper["id"]
    assert api.post("/api/v1/exams/attempts", {"tier": "B"}, format="json").status_code == 400  # second open
    bad = api.post(f"/api/v1/exams/attempts/{pk}/answers", {"position": 42, "answer": 0}, format="json")
    assert bad.status_code == 400 and "question" in bad.json()["errors"]
    bad = api.post(f"/api/v1/exams/attempts/{pk}/answers", {"position": 1, "answer": 9}, format="json")
    assert bad.status_code == 400 and "answer" in bad.json()["errors"]
    ok = api.post(f"/api/v1/exams/attempts/{pk}/answers", {"position": 1, "answer": "B"}, format="json")
    assert ok.status_code == 200 and ok.json()["response"] == [1]
    assert api_as(exam.users.branch2).post(f"/api/v1/exams/attempts/{pk}/answers", {"position": 1, "answer": 0},
                                           format="json").status_code == 404
    assert api_as(exam.users.branch2).get(f"/api/v1/exams/attempts/{pk}").status_code == 404
    done = api.post(f"/api/v1/exams/attempts/{pk}/submit").json()
    again = api.post(f"/api/v1/exams/attempts/{pk}/submit").json()
    assert done["score"] == again["score"] and all("key" in i for i in done["items"])
    late = api.post(f"/api/v1/exams/attempts/{pk}/answers", {"position": 1, "answer": 0}, format="json")
    assert late.status_code == 400
    assert Attempt.objects.get(pk=pk).items.get(position=1).response == [1]


def test_the_api_refuses_an_answer_after_the_deadline(exam):
    api = api_as(exam.users.member1)
    with freeze_time("2026-11-10 09:00:00+08:00"):
        pk = api.post("/api/v1/exams/attempts", {"tier": "A"}, format="json").json()["id"]
    with freeze_time("2026-11-10 09:31:00+08:00"):
        r = api.post(f"/api/v1/exams/attempts/{pk}/answers", {"position": 1, "answer": 0}, format="json")
    assert r.status_code == 400 and "answer" in r.json()["errors"]
    assert Attempt.objects.get(pk=pk).state == AttemptState.TIMED_OUT


def _results(exam):
    """member1 (branch1, group1) 100 in A; member2 (branch2) 100 in B; other1 (branch1) 50 in A."""
    for user, tier, right in ((exam.users.member1, "A", 20), (make_user("m2", exam.member2), "B", 20),
                              (make_user("o1", exam.other1), "A", 10)):
        with freeze_time("2026-11-10 09:00:00+08:00"):
            attempt = services.start_attempt(user, tier)
            for item in attempt.items.all()[:right]:
                services.save_answer(user, attempt.pk, item.position, item.key)
        with freeze_time("2026-11-10 09:10:00+08:00"):
            services.submit(user, attempt.pk)


@freeze_time("2026-11-12 09:00:00+08:00")
def test_rankings_and_participation(client, exam, django_assert_max_num_queries):
    _results(exam)
    client.force_login(exam.users.committee)
    with django_assert_max_num_queries(20):
        page = client.get(reverse("exams:rankings"), {"org": exam.committee.pk, "month": "2026-11"})
    rows = page.context["rows"]
    assert [r["person_id"] for r in rows] == [exam.member1.pk, exam.member2.pk, exam.other1.pk]  # A beats B
    champions = {o.pk: r["person_id"] for o, r in page.context["champions"]}
    assert champions == {exam.general.pk: exam.member1.pk, exam.branch1.pk: exam.member1.pk,
                         exam.branch2.pk: exam.member2.pk, exam.group1.pk: exam.member1.pk}
    with django_assert_max_num_queries(20):
        page = client.get(reverse("exams:participation"), {"org": exam.general.pk, "month": "2026-11"})
    by_org = {c["org"].pk: c for c in page.context["children"]}
    assert by_org[exam.branch1.pk]["answered"] == 2 and by_org[exam.branch2.pk]["answered"] == 1
    assert page.context["total"]["members"] == 7
    assert page.context["total"]["rate"] == round(300 / 7, 1)
    # API
    rows = api_as(exam.users.committee).get(f"/api/v1/exams/rankings?org={exam.branch1.pk}&month=2026-11").json()
    assert [r["person_id"] for r in rows] == [exam.member1.pk, exam.other1.pk]


@freeze_time("2026-11-12 09:00:00+08:00")
def test_members_see_their_branch_ranking_and_a_sibling_sees_nothing(client, exam):
    _results(exam)
    client.force_login(exam.users.member1)
    page = client.get(reverse("exams:rankings"), {"org": exam.branch1.pk})
    assert page.status_code == 200 and page.context["mine"]["rank"] == 1
    assert client.get(reverse("exams:rankings"), {"org": exam.branch2.pk}).status_code == 404
    assert client.get(reverse("exams:participation")).status_code == 404
    client.force_login(exam.users.branch2)
    assert client.get(reverse("exams:rankings"), {"org": exam.branch1.pk}).status_code == 404
    assert client.get(reverse("exams:participation"), {"org": exam.branch1.pk}).status_code == 404
    assert api_as(exam.users.branch2).get(f"/api/v1/exams/rankings?org={exam.branch1.pk}").status_code == 404
    assert client.get(reverse("exams:sets")).status_code == 200  # branch2 manages its own (empty) bank
    nov = MonthlySet.objects.filter(org=exam.committee).first()
    assert client.get(reverse("exams:set_detail", args=[nov.pk])).status_code == 404
    assert client.get(reverse("exams:sets"), {"org": exam.committee.pk}).status_code == 404
    assert client.get(reverse("exams:settings"), {"org": exam.committee.pk}).status_code == 404


@freeze_time("2026-11-27 09:00:00+08:00")
def test_review_and_open_next_months_set(client, exam):
    services.monthly_sets_job(date(2026, 11, 27))
    december = MonthlySet.objects.get(org=exam.committee, month=date(2026, 12, 1), tier="A")
    assert december.state == "draft"
    client.force_login(exam.users.committee)
    page = client.get(reverse("exams:sets"), {"org": exam.committee.pk}).content.decode()
    assert reverse("exams:set_detail", args=[december.pk]) in page
    first = december.items.first().question_id
    client.post(reverse("exams:set_detail", args=[december.pk]),
                {"action": "remove", "question": first, "version": december.version})
    assert not december.items.filter(question_id=first).exists()
    stale = client.post(reverse("exams:set_detail", args=[december.pk]),
                        {"action": "add", "question": first, "version": december.version}, follow=True)
    assert not december.items.filter(question_id=first).exists()  # the stale version changed nothing
    assert "changed" in stale.content.decode() or "修改" in stale.content.decode()
    december.refresh_from_db()
    client.post(reverse("exams:set_detail", args=[december.pk]),
                {"action": "open", "version": december.version})
    december.refresh_from_db()
    assert december.state == "open"
    r = client.post(reverse("exams:set_detail", args=[december.pk]), {"action": "redraw"}, follow=True)
    assert r.status_code == 200 and december.items.count() == 29


def test_settings_nearest_rule_and_validation(client, exam):
    client.force_login(exam.users.committee)
    r = client.post(reverse("exams:settings") + f"?org={exam.general.pk}",
                    {"set_size": 100, "paper_size": 10, "minutes": 15, "attempts_per_month": 3, "avoid_months": 2,
                     "pass_score": "80", "review_days": 3})
    assert r.status_code == 302
    assert services.settings_for(exam.branch1.path)["paper_size"] == 10
    assert services.settings_for(exam.committee.path)["paper_size"] == 20
    r = client.post(reverse("exams:settings") + f"?org={exam.general.pk}",
                    {"set_size": 10, "paper_size": 50, "minutes": 15, "attempts_per_month": 3, "avoid_months": 2,
                     "pass_score": "80", "review_days": 3, "version": 1})
    assert r.status_code == 200 and 'data-field-error="paper_size"' in r.content.decode()
    assert ExamSettings.objects.get(org=exam.general).paper_size == 10


def test_attempt_limit_per_month(exam):
    services.save_settings(exam.users.committee, exam.committee,
                           {**services.rules.DEFAULTS, "attempts_per_month": 1})
    now = timezone.make_aware(timezone.datetime(2026, 11, 10, 9))
    a = services.start_attempt(exam.users.member1, "A", now=now)
    services.submit(exam.users.member1, a.pk, now=now + timedelta(minutes=1))
    with pytest.raises(services.DomainError):
        services.start_attempt(exam.users.member1, "A", now=now + timedelta(minutes=2))
    services.start_attempt(exam.users.member1, "B", now=now + timedelta(minutes=2))  # another tier is fine


@freeze_time("2026-11-12 09:00:00+08:00")
def test_a_members_history_for_those_who_read_the_branch(client, exam):
    _results(exam)
    client.force_login(exam.users.branch1)
    page = client.get(reverse("exams:person_history", args=[exam.member1.pk]))
    assert page.status_code == 200 and page.context["months"][0][1][0]["score"] == 100
    assert reverse("exams:person_history", args=[exam.member1.pk]) in client.get(
        reverse("exams:rankings"), {"org": exam.branch1.pk}).content.decode()
    client.force_login(exam.users.branch2)
    assert client.get(reverse("exams:person_history", args=[exam.member1.pk])).status_code == 404
    client.force_login(exam.users.member1)
    assert client.get(reverse("exams:person_history", args=[exam.other1.pk])).status_code == 404
    assert client.get(reverse("exams:history")).status_code == 200


@freeze_time("2026-11-12 09:00:00+08:00")
def test_a_members_home_page_shows_the_months_exams(client, exam):
    _results(exam)
    client.force_login(exam.users.member1)
    page = client.get(reverse("home:home")).content.decode()
    assert 'id="exam-glance"' in page and 'data-glance-tier="A"' in page and "100" in page


@freeze_time("2026-11-10 09:00:00+08:00")
@pytest.mark.parametrize("body,field", [({"answer": 0}, "position"), ({"position": "1", "answer": 0}, "position"),
                                        ({"position": True, "answer": 0}, "position"),
                                        ({"position": 0, "answer": 0}, "position"), ({"position": 1}, "answer"),
                                        ([1, 2], "position")])
def test_the_answer_endpoint_names_the_bad_field(exam, body, field):
    api = api_as(exam.users.member1)
    pk = api.post("/api/v1/exams/attempts", {"tier": "A"}, format="json").json()["id"]
    r = api.post(f"/api/v1/exams/attempts/{pk}/answers", body, format="json")
    assert r.status_code == 400 and field in r.json()["errors"]
    assert not AttemptItem.objects.filter(attempt_id=pk, response__isnull=False).exists()


@freeze_time("2026-11-10 09:00:00+08:00")
def test_every_question_letters_its_options_from_a(client, exam):
    client.force_login(exam.users.member1)
    attempt = start(client)
    page = client.get(reverse("exams:paper", args=[attempt.pk])).content.decode()
    assert page.count(">A. ") == attempt.total and ">E. " not in page


@freeze_time("2026-11-10 09:00:00+08:00")
def test_the_answer_endpoint_the_short_way_and_through_drf_alike(exam):
    from rest_framework.test import APIClient

    token = api_as(exam.users.member1)
    pk = token.post("/api/v1/exams/attempts", {"tier": "A"}, format="json").json()["id"]
    short = token.post(f"/api/v1/exams/attempts/{pk}/answers", {"position": 1, "answer": 0}, format="json")
    session = APIClient()
    session.force_login(exam.users.member1)  # no token: through DRF
    drf = session.post(f"/api/v1/exams/attempts/{pk}/answers", {"position": 2, "answer": 1}, format="json")
    assert short.status_code == drf.status_code == 200
    assert set(short.json()) == set(drf.json()) == {"position", "response", "answered_at"}
    bad_short = token.post(f"/api/v1/exams/attempts/{pk}/answers", {"position": 99, "answer": 0}, format="json")
    bad_drf = session.post(f"/api/v1/exams/attempts/{pk}/answers", {"position": 99, "answer": 0}, format="json")
    assert bad_short.status_code == bad_drf.status_code == 400 and bad_short.json() == bad_drf.json()
    other = api_as(exam.users.branch2).post(f"/api/v1/exams/attempts/{pk}/answers", {"position": 1, "answer": 0},
                                            format="json")
    assert other.status_code == 404 and other.json()["code"] == "not_found"
    wrong = APIClient()
    wrong.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert wrong.post(f"/api/v1/exams/attempts/{pk}/answers", {"position": 1, "answer": 0},
                      format="json").status_code == 401
