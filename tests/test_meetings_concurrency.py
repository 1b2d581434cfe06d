"""Organisational life under load: many sign-ins of one meeting at the same moment, by card, QR code and the
recorder's hand, from several connections at once (PostgreSQL only) — every person ends signed in exactly once."""

import os
import random
import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from dangjian.accounts.models import User
from dangjian.accounts.scoping import scope_for
from dangjian.meetings import services
from dangjian.meetings.models import Attendance, CheckinMethod

from .factories import give_post, make_org, make_person, make_user

MEMBERS = 200
THREADS = 8


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                    reason="SQLite's in-memory test database locks whole tables across threads; runs on PostgreSQL")
def test_concurrent_sign_ins_record_each_person_once():
    """Eight connections sign in the 200 members of a branch at once, each person two or three times by card, QR
    code or the recorder's hand, in random order: one attendance row each, signed in once, none lost."""
    from django.db import connection

    services.ensure_types()  # a transactional test's flush removes the rows the migrations wrote
    branch = make_org("branch", parent=make_org("committee"))
    secretary = make_person(branch, name="支部书记")
    give_post(secretary, branch)
    recorder = make_user("recorder", secretary)
    people = [secretary] + [make_person(branch) for _ in range(MEMBERS - 1)]
    start = timezone.now() + timedelta(minutes=5)  # sign-in opens 30 minutes before: open now
    meeting = services.plan_meeting(recorder, org=branch, types=["theme_day"], topic="主题党日：集中学习",
                                    starts_at=start, ends_at=start + timedelta(hours=2), place="党员活动室",
                                    invite={"orgs": [branch]}, notify=False)
    device, _key = services.create_device(recorder, branch, "活动室门禁")
    cards = {p.pk: services.register_card(recorder, p, f"CARD{p.pk:06d}").number for p in people}
    assert Attendance.objects.filter(meeting=meeting).count() == MEMBERS
    scope_for(recorder)  # computed once here, then only read by the threads

    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    jobs = [(person, rng.choice(("card", "qr", "manual")))
            for person in people for _ in range(rng.choice((2, 3)))]
    rng.shuffle(jobs)
    barrier = threading.Barrier(THREADS)
    failures, outcomes = [], []
    lock = threading.Lock()

    def signer(mine):
        try:
            barrier.wait(timeout=30)
            for person, how in mine:
                if how == "card":
                    result = services.checkin_card(device, meeting.pk, cards[person.pk])
                elif how == "qr":
                    result = services.checkin_qr(User(person=person), services.qr_token(meeting))
                else:
                    result = services.checkin_manual(recorder, meeting, person)
                with lock:
                    outcomes.append((person.pk, how, result.already))
        except Exception as e:  # reported below: a sign-in must not fail
            failures.append(repr(e))
        finally:
            connection.close()

    threads = [threading.Thread(target=signer, args=(jobs[i::THREADS],)) for i in range(THREADS)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    elapsed = time.perf_counter() - began
    assert not any(t.is_alive() for t in threads), f"sign-ins still running after {elapsed:.0f} s (seed {seed})"
    assert failures == [], f"seed {seed}"
    assert len(outcomes) == len(jobs)

    # each person signed in by exactly one of their sign-ins; the others were told "already"
    firsts = {}
    for pk, how, already in outcomes:
        if not already:
            assert pk not in firsts, f"person {pk} signed in twice (seed {seed})"
            firsts[pk] = how
    assert set(firsts) == {p.pk for p in people}
    rows = list(Attendance.objects.filter(meeting=meeting).values_list("person_id", "checked_in_at", "method"))
    assert len(rows) == MEMBERS
    assert sorted(pk for pk, _at, _m in rows) == sorted(p.pk for p in people)
    assert all(at is not None for _pk, at, _m in rows)
    method = {"card": CheckinMethod.CARD, "qr": CheckinMethod.QR, "manual": CheckinMethod.MANUAL}
    assert {pk: m for pk, _at, m in rows} == {pk: method[how] for pk, how in firsts.items()}  # the winner's way
    assert services.attendance(meeting)["counts"]["present"] == MEMBERS
