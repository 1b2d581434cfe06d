"""Answers racing the scoring (PostgreSQL only): an answer that arrives while the attempt is being submitted waits
for the submission and is then refused — it is never written after the scoring read the paper; answers from
several connections at once are all saved."""

import os
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from dangjian.core.errors import DomainError
from dangjian.exams import services
from dangjian.exams.models import Attempt, AttemptItem, AttemptState

from .factories import give_post, make_org, make_person, make_user
from .test_exams import add_questions

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                       reason="SQLite's in-memory test database locks whole tables across threads; runs on PostgreSQL"),
]


@pytest.fixture
def exam():
    committee = make_org("committee")
    branch = make_org("branch", parent=committee)
    secretary = make_person(branch)
    give_post(secretary, committee)
    add_questions(make_user("sec", secretary), committee, "A", 30)
    services.monthly_sets_job(timezone.localdate())
    members = [make_user(f"m{i}", make_person(branch)) for i in range(6)]
    return members


def test_an_answer_during_the_submission_waits_and_is_refused(exam):
    user = exam[0]
    attempt = services.start_attempt(user, "A")
    item = attempt.items.get(position=1)
    services.paper_card(attempt.pk)  # the paper is known: the answer takes the one-statement way
    started, outcome = threading.Event(), {}

    def submitter():
        try:
            with transaction.atomic():
                locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
                started.set()
                time.sleep(1.0)  # the scoring is under way
                services._score(locked, timezone.now(), AttemptState.SUBMITTED)
        finally:
            connection.close()

    thread = threading.Thread(target=submitter)
    thread.start()
    started.wait(10)
    t0 = time.monotonic()
    try:
        services.save_answer(user, attempt.pk, 1, item.key)
        outcome["saved"] = True
    except DomainError as e:
        outcome["refused"] = str(e)
    waited = time.monotonic() - t0
    thread.join(10)
    assert "refused" in outcome and waited > 0.5
    assert AttemptItem.objects.get(pk=item.pk).response is None
    assert Attempt.objects.get(pk=attempt.pk).correct == 0


def test_answers_from_many_connections_are_all_saved(exam):
    attempts = [services.start_attempt(user, "A") for user in exam]
    failures = []

    def answerer(user, attempt):
        try:
            for item in attempt.items.all():
                services.save_answer(user, attempt.pk, item.position, item.key)
        except Exception as e:  # noqa: BLE001 — reported below
            failures.append(repr(e))
        finally:
            connection.close()

    threads = [threading.Thread(target=answerer, args=pair) for pair in zip(exam, attempts, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not failures
    for user, attempt in zip(exam, attempts, strict=True):
        done = services.submit(user, attempt.pk, now=timezone.now() + timedelta(seconds=1))
        assert done.correct == done.total == 20
