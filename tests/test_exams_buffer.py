"""Answers written behind through Redis (exams/buffer.py; on with REDIS_URL): an answer in time goes to Redis, the
paper and the API show it at once, the scoring writes it to the paper first, nothing is accepted once the scoring
began, a flush writes only over older answers and only while the attempt is open, and a rolled-back scoring loses
nothing. Runs against the Redis of CI machines and this one (127.0.0.1:6379, a database per test process from 14 down)."""

import os
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangjian.core.errors import DomainError
from dangjian.exams import buffer, services
from dangjian.exams.models import Attempt, AttemptItem, AttemptState

from .conftest import api_as
from .test_exams import add_questions, open_month

pytestmark = pytest.mark.django_db(transaction=True)  # real commits: what was written leaves Redis on commit
REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")


@pytest.fixture
def behind(settings, worker_id):
    number = 14 - (int(worker_id[2:]) if worker_id.startswith("gw") else 0)  # clear() empties a whole database
    settings.CACHES = {"default": {"BACKEND": "dangjian.core.cache.RedisCache", "LOCATION": f"{REDIS}/{number}"}}
    settings.EXAMS_WRITE_BEHIND = True
    from django.core.cache import cache

    cache.clear()
    assert buffer.enabled()
    yield
    cache.clear()


@pytest.fixture
def paper(tree, behind):
    add_questions(tree.users.committee, tree.committee, "A", 30)
    open_month(tree, timezone.localdate())
    user = tree.users.member1
    attempt = services.start_attempt(user, "A")
    return user, attempt


def test_an_answer_goes_to_redis_and_shows_at_once(client, paper):
    user, attempt = paper
    item = attempt.items.get(position=1)
    services.save_answer(user, attempt.pk, 1, item.key)  # reads the paper's facts once
    with CaptureQueriesContext(connection) as ctx:
        services.save_answer(user, attempt.pk, 2, [0])
    assert ctx.captured_queries == []  # no database statement for an answer in time
    assert AttemptItem.objects.get(attempt=attempt, position=1).response is None  # not flushed yet
    assert set(buffer.pending(attempt.pk)) == {1, 2}
    client.force_login(user)
    page = client.get(reverse("exams:paper", args=[attempt.pk])).content.decode()
    assert page.count("checked") == 2 and 'id="answered">2<' in page  # resuming shows them
    data = api_as(user).get(f"/api/v1/exams/attempts/{attempt.pk}").json()
    assert {i["position"]: i["response"] for i in data["items"] if i["response"]} == {1: item.key, 2: [0]}


def test_the_scoring_writes_them_first_and_then_refuses_more(paper):
    user, attempt = paper
    for item in attempt.items.all():
        services.save_answer(user, attempt.pk, item.position, item.key)
    done = services.submit(user, attempt.pk)
    assert done.correct == done.total == 20
    assert AttemptItem.objects.filter(attempt=attempt, response__isnull=False).count() == 20
    assert buffer.pending(attempt.pk) == {}  # written, then forgotten after the commit
    with pytest.raises(DomainError):
        services.save_answer(user, attempt.pk, 1, [0])
    assert buffer.pending(attempt.pk) == {}


def test_a_flush_writes_only_newer_answers_and_only_while_open(paper):
    user, attempt = paper
    t0 = timezone.now()
    services.save_answer(user, attempt.pk, 1, [0], now=t0)
    AttemptItem.objects.filter(attempt=attempt, position=1).update(response=[3], answered_at=t0 + timedelta(
        seconds=5))  # a later answer already on the paper (the long way)
    services.save_answer(user, attempt.pk, 2, [1], now=t0)
    assert buffer.flush_dirty() == 1
    assert AttemptItem.objects.get(attempt=attempt, position=1).response == [3]
    assert AttemptItem.objects.get(attempt=attempt, position=2).response == [1]
    assert buffer.pending(attempt.pk) == {}
    # an answer kept for an attempt that is no longer open is never written
    services.save_answer(user, attempt.pk, 3, [2], now=t0)
    Attempt.objects.filter(pk=attempt.pk).update(state=AttemptState.SUBMITTED)
    assert buffer.flush_dirty() == 0
    assert AttemptItem.objects.get(attempt=attempt, position=3).response is None


def test_answers_given_during_a_flush_wait_for_the_next(paper):
    user, attempt = paper
    services.save_answer(user, attempt.pk, 1, [0])
    with transaction.atomic():
        buffer.flush(attempt.pk)
        services.save_answer(user, attempt.pk, 1, [2])  # a new answer before the flush commits
    assert AttemptItem.objects.get(attempt=attempt, position=1).response == [0]
    assert [v[0] for v in buffer.pending(attempt.pk).values()] == [[2]]  # kept for the next flush
    buffer.flush_dirty()
    assert AttemptItem.objects.get(attempt=attempt, position=1).response == [2]


def test_a_rolled_back_scoring_loses_nothing(paper):
    user, attempt = paper
    services.save_answer(user, attempt.pk, 1, [1])

    class Stop(Exception):
        pass

    with pytest.raises(Stop), transaction.atomic():
        locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
        services._score(locked, timezone.now(), AttemptState.SUBMITTED)
        raise Stop
    assert Attempt.objects.get(pk=attempt.pk).state == AttemptState.OPEN
    assert set(buffer.pending(attempt.pk)) == {1}  # still kept
    done = services.submit(user, attempt.pk)  # the long way, and the kept answer is scored
    assert AttemptItem.objects.get(attempt=attempt, position=1).response == [1] and done.state == "submitted"
