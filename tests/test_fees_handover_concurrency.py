"""Hand-overs racing each other (PostgreSQL only): two hand-overs of one organisation recorded at the same moment
(two managers, two connections) — one is recorded, the other refused; no payment is claimed twice."""

import os
import threading

import pytest
from django.db import connection

from dangjian.core.errors import DomainError
from dangjian.fees import handover
from dangjian.fees.models import HandOver, Payment

from .test_fees_reports import setup_fees

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                       reason="SQLite's in-memory test database locks whole tables across threads; runs on PostgreSQL"),
]


def test_two_hand_overs_at_once_claim_each_payment_once(tree):
    setup_fees(tree)
    barrier = threading.Barrier(2)
    outcomes = []

    def hand_over(first, last):
        try:
            barrier.wait(10)
            ho = handover.submit(tree.users.branch1, tree.branch1, period_from=first, period_to=last,
                                 amount="65.00", note="并发")
            outcomes.append(("ok", ho.pk))
        except DomainError as exc:
            outcomes.append(("refused", list(exc.error_dict)))
        finally:
            connection.close()

    threads = [threading.Thread(target=hand_over, args=("2026-01", "2026-02")),
               threading.Thread(target=hand_over, args=("2026-02", "2026-03"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(o[0] for o in outcomes) == ["ok", "refused"], outcomes
    refused = next(o for o in outcomes if o[0] == "refused")
    assert refused[1] == ["period_from"]  # the second waited for the first, then found its months taken
    ho = HandOver.objects.get()
    assert Payment.objects.filter(handed_over=ho).count() == Payment.objects.filter(org=tree.branch1).count() == 5
