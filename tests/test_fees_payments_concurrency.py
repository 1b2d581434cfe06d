"""Fee payments racing (PostgreSQL only): the same paid callback delivered twice at once pays once; receipts issued
at once get consecutive numbers without gaps or duplicates."""

import os
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from dangjian.accounts.models import Role
from dangjian.fees import payments, providers, rules, services
from dangjian.fees.models import OrderState, Payment, PaymentOrder, ProviderEvent, Receipt

from .factories import give_post, make_org, make_person, make_user

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                       reason="SQLite's in-memory test database locks whole tables across threads; runs on PostgreSQL"),
]

FAKE = providers.FakeProvider()


@pytest.fixture
def branch():
    committee = make_org("committee")
    org = make_org("branch", parent=committee)
    secretary = make_person(org)
    give_post(secretary, org, Role.SECRETARY)
    sec = make_user("sec", secretary)
    members = []
    start = rules.add_months(rules.month_start(timezone.localdate()), -12)
    for i in range(4):
        person = make_person(org)
        services.set_base(sec, person, category="in_service", base="4000", effective_from=start)
        members.append((person, make_user(f"m{i}", person)))
    for n in range(-5, 1):
        services.generate_dues(rules.add_months(rules.month_start(timezone.localdate()), n))
    return sec, members


def _race(n, work):
    barrier, results = threading.Barrier(n), [None] * n

    def run(i):
        try:
            barrier.wait(10)
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_the_same_paid_callback_twice_at_once_pays_once(branch):
    _sec, members = branch
    person, user = members[0]
    month = rules.month_start(timezone.localdate())
    order = payments.create_order(user, [rules.add_months(month, -1), month], "3.00")
    body = FAKE.event_body(order, "paid")
    acks = _race(4, lambda i: payments.handle_callback("fake", body, FAKE.signed(body)))
    assert all(isinstance(a, providers.Ack) and a.status == 200 for a in acks), acks
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert Payment.objects.filter(order=order).count() == 3 and Receipt.objects.count() == 1
    assert ProviderEvent.objects.filter(verified=True).count() == 1


def test_two_events_for_one_order_at_once_pay_once(branch):
    _sec, members = branch
    person, user = members[0]
    order = payments.create_order(user, [rules.month_start(timezone.localdate())])
    bodies = [FAKE.event_body(order, "paid") for _ in range(3)]  # three event ids, one transaction
    acks = _race(3, lambda i: payments.handle_callback("fake", bodies[i], FAKE.signed(bodies[i])))
    assert all(a.status == 200 for a in acks), acks
    assert Payment.objects.filter(order=order).count() == 1
    assert sorted(ProviderEvent.objects.values_list("outcome", flat=True)) == ["already_paid", "already_paid", "paid"]


def test_receipts_issued_at_once_are_numbered_without_gaps(branch):
    sec, members = branch
    month = rules.month_start(timezone.localdate())
    receipts = _race(8, lambda i: payments.record_payment(sec, members[i % 4][0],
                                                          months=[rules.add_months(month, -(i // 4))]))
    assert all(isinstance(r, Receipt) for r in receipts), receipts
    year = timezone.localdate().year
    assert sorted(r.number for r in receipts) == [f"DF{year}-{i:07d}" for i in range(1, 9)]
    assert Payment.objects.aggregate(total=Sum("amount"))["total"] == Decimal("320.00")


def test_two_orders_for_the_same_month_at_once_one_is_refused(branch):
    _sec, members = branch
    _person, user = members[1]
    month = rules.month_start(timezone.localdate())
    results = _race(2, lambda i: payments.create_order(user, [month]))
    assert sorted(type(r).__name__ for r in results) == ["DomainError", "PaymentOrder"], results
    assert PaymentOrder.objects.count() == 1
