"""Exams: the bank, monthly sets, attempts (clock, answers, scoring once, best of the month) and their refusals."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import timezone

from dangjian.core.errors import DomainError
from dangjian.exams import queries, services
from dangjian.exams.models import (
    Attempt,
    AttemptItem,
    AttemptState,
    MonthlyResult,
    MonthlySet,
    Question,
    SetState,
)

from .factories import make_person, make_user

pytestmark = pytest.mark.django_db


def add_questions(user, org, tier="A", n=30, categories=("党建规章", "业务规章", "安全应急")):
    made = []
    for i in range(n):
        made.append(services.create_question(user, org, {
            "kind": "single", "stem": f"{tier}题{i}：下列哪项正确？", "options": ["甲", "乙", "丙", "丁"],
            "answer": [i % 4], "tier": tier, "category": categories[i % len(categories)],
            "explanation": "见规章。"}))
    return made


@pytest.fixture
def bank(tree):
    add_questions(tree.users.committee, tree.committee, "A", 30)
    add_questions(tree.users.committee, tree.committee, "C", 6)
    return tree


def now_in(month_day=date(2026, 11, 10)):
    return timezone.make_aware(timezone.datetime(month_day.year, month_day.month, month_day.day, 9, 0))


def open_month(tree, day=date(2026, 11, 10)):
    return services.monthly_sets_job(day)


def answer_all(user, attempt, right=True, now=None):
    for item in attempt.items.all():
        response = item.key if right else [(item.key[0] + 1) % len(item.options)]
        services.save_answer(user, attempt.pk, item.position, response, now=now)


def test_the_job_draws_and_opens_this_months_sets_and_drafts_the_next(bank):
    done = open_month(bank, date(2026, 11, 27))
    assert done["drawn"] == 4  # A and C this month (open) and next month (under review)
    nov = MonthlySet.objects.get(month=date(2026, 11, 1), tier="A")
    dec = MonthlySet.objects.get(month=date(2026, 12, 1), tier="A")
    assert nov.state == SetState.OPEN and dec.state == SetState.DRAFT
    assert nov.items.count() == 30  # fewer questions than the set size: all of them
    assert services.monthly_sets_job(date(2026, 11, 27))["drawn"] == 0  # idempotent
    assert services.monthly_sets_job(date(2026, 12, 1)) == {"drawn": 0, "opened": 2, "closed": 2}


def test_a_paper_is_drawn_from_the_set_and_the_best_attempt_counts(bank, settings):
    open_month(bank)
    user = bank.users.member1
    t0 = now_in()
    attempt = services.start_attempt(user, "A", now=t0)
    assert attempt.total == 20 and attempt.items.count() == 20
    assert attempt.deadline == t0 + timedelta(minutes=30)
    answer_all(user, attempt, right=False, now=t0 + timedelta(minutes=2))
    services.submit(user, attempt.pk, now=t0 + timedelta(minutes=3))
    attempt.refresh_from_db()
    assert attempt.score == Decimal("0.00") and attempt.state == AttemptState.SUBMITTED and attempt.seconds == 180
    second = services.start_attempt(user, "A", now=t0 + timedelta(minutes=5))
    answer_all(user, second, now=t0 + timedelta(minutes=6))
    services.submit(user, second.pk, now=t0 + timedelta(minutes=7))
    services.submit(user, second.pk, now=t0 + timedelta(minutes=9))  # scored once
    best = MonthlyResult.objects.get(person=bank.member1, tier="A")
    assert best.score == Decimal("100.00") and best.attempt_id == second.pk and best.attempts == 2
    assert best.seconds == 120
    rows = queries.ranking(bank.committee.path, date(2026, 11, 1))
    assert [r["person_id"] for r in rows] == [bank.member1.pk]


def test_refusals_change_nothing(bank):
    open_month(bank)
    user = bank.users.member1
    t0 = now_in()
    attempt = services.start_attempt(user, "A", now=t0)
    with pytest.raises(DomainError):  # a second open attempt
        services.start_attempt(user, "C", now=t0)
    with pytest.raises(DomainError) as e:  # a question not in the paper
        services.save_answer(user, attempt.pk, 99, [0], now=t0)
    assert e.value.field == "question"
    with pytest.raises(Http404):  # someone else's attempt
        services.save_answer(bank.users.branch2, attempt.pk, 1, [0], now=t0)
    with pytest.raises(DomainError) as e:  # not an option
        services.save_answer(user, attempt.pk, 1, [9], now=t0)
    assert not AttemptItem.objects.filter(attempt=attempt, response__isnull=False).exists()
    with pytest.raises(DomainError):  # after the deadline: scored with what was saved
        services.save_answer(user, attempt.pk, 1, [0], now=t0 + timedelta(minutes=31))
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.TIMED_OUT and attempt.score == 0
    assert not AttemptItem.objects.filter(attempt=attempt, response__isnull=False).exists()


def test_a_sibling_cannot_touch_the_bank(bank):
    q = Question.objects.first()
    with pytest.raises(Http404):
        services.get_question_or_404(bank.users.branch2, q.pk)
    with pytest.raises(Http404):
        services.create_question(bank.users.branch2, bank.committee, {"kind": "truefalse", "stem": "x",
                                                                      "answer": [True], "tier": "A",
                                                                      "category": "c"})


def test_masses_take_part_outside_the_member_ranking(bank):
    open_month(bank)
    worker = make_person(bank.branch1, name="群众甲", political_status="masses")
    user = make_user("worker", worker)
    attempt = services.start_attempt(user, "C", now=now_in())
    services.submit(user, attempt.pk, now=now_in() + timedelta(minutes=1))
    assert Attempt.objects.get(pk=attempt.pk).is_member is False
    assert queries.ranking(bank.committee.path, date(2026, 11, 1)) == []
    assert [r["person_id"] for r in queries.ranking(bank.committee.path, date(2026, 11, 1), members=False)] == [
        worker.pk]


def test_an_answer_in_time_is_one_statement_once_the_paper_is_known(bank):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    open_month(bank)
    user = bank.users.member1
    open_month(bank, timezone.localdate())
    t0 = timezone.now()
    attempt = services.start_attempt(user, "A", now=t0)
    services.save_answer(user, attempt.pk, 1, [0], now=t0)  # reads the paper once
    with CaptureQueriesContext(connection) as ctx:
        item = services.save_answer(user, attempt.pk, 2, [1], now=t0 + timedelta(seconds=5))
    assert len(ctx.captured_queries) == 1 and ctx.captured_queries[0]["sql"].startswith("UPDATE")
    assert item.response == [1] and AttemptItem.objects.get(attempt=attempt, position=2).response == [1]
    services._PAPERS.clear()  # another worker: the paper comes from the shared cache, not the database
    with CaptureQueriesContext(connection) as ctx:
        services.save_answer(user, attempt.pk, 3, None, now=t0 + timedelta(seconds=6))
    assert len(ctx.captured_queries) == 1
