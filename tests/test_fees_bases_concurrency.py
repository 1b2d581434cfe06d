"""Races on the yearly adjustment and reliefs (PostgreSQL only): two secretaries confirming the same declaration at
once record one fee base; two approvals of the same relief recompute the dues once; a member entering their base
while the branch confirms it either lands before (and is confirmed) or is refused after."""

import os
import threading
from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from dangjian.core.errors import DomainError
from dangjian.fees import bases, services
from dangjian.fees.models import BaseDeclaration, Due, FeeBase, Relief

from .factories import give_post, make_org, make_person, make_user

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                       reason="SQLite's in-memory test database locks whole tables across threads; runs on PostgreSQL"),
]


@pytest.fixture
def branch():
    from dangjian.meetings.services import ensure_types

    ensure_types()
    committee = make_org("committee")
    org = make_org("branch", parent=committee)
    secretaries = []
    for i in range(2):
        p = make_person(org, name=f"书记{i}")
        give_post(p, org)
        secretaries.append(make_user(f"sec{i}", p))
    member = make_person(org, name="党员")
    return org, secretaries, member, make_user("member", member)


def _race(*calls):
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(10)
            outcomes[i] = call()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test looks at
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes


def test_two_confirmations_of_one_declaration_record_one_base(branch):
    org, (s0, s1), member, user = branch
    c = bases.open_campaign(s0, org, year=2027, deadline=timezone.localdate() + timedelta(days=5))
    d = bases.declare(user, c, member, category="in_service", base="4000")
    outcomes = _race(lambda: bases.decide_declaration(s0, d, "confirm"),
                     lambda: bases.decide_declaration(s1, d, "confirm"))
    assert sum(isinstance(o, BaseDeclaration) for o in outcomes) == 1
    assert sum(isinstance(o, DomainError) for o in outcomes) == 1
    assert FeeBase.objects.filter(person=member).count() == 1
    assert BaseDeclaration.objects.get().state == "confirmed"


def test_two_approvals_of_one_relief_recompute_once(branch):
    org, (s0, s1), member, user = branch
    bases.record_base(s0, member, mode="initial", category="in_service", base="4000",
                      effective_from=date(2026, 1, 1))
    services.generate_dues(date(2026, 3, 1))
    r = bases.request_relief(user, member, kind="exempt", from_month="2026-03", to_month="2026-03", reason="病")
    outcomes = _race(lambda: bases.decide_relief(s0, r, "approve"), lambda: bases.decide_relief(s1, r, "approve"))
    assert sum(isinstance(o, Relief) for o in outcomes) == 1
    assert Due.objects.filter(person=member, superseded_at__isnull=True).get().amount == 0
    assert Due.objects.filter(person=member).count() == 2


def test_entering_while_the_branch_confirms(branch):
    org, (s0, _s1), member, user = branch
    c = bases.open_campaign(s0, org, year=2027, deadline=timezone.localdate() + timedelta(days=5))
    d = bases.declare(user, c, member, category="in_service", base="4000")
    outcomes = _race(lambda: bases.decide_declaration(s0, d, "confirm"),
                     lambda: bases.declare(user, c, member, category="in_service", base="5000"))
    d.refresh_from_db()
    base = FeeBase.objects.get(person=member)
    assert d.state == "confirmed" and base.base == d.base  # what was confirmed is what was recorded
    if isinstance(outcomes[1], Exception):
        assert isinstance(outcomes[1], DomainError) and base.base == 4000
    else:
        assert base.base == 5000
