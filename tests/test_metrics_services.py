"""The platform services' own figures in the metrics registry: announcements read rate (notices) and base-work
items filled (workrecords) — values on a known tree, summed over subtrees (not averaged over children)."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from dangjian.metrics.registry import metric, metrics_for
from dangjian.notices import services as notices
from dangjian.notices.models import Receipt
from dangjian.workrecords import services as workrecords

from .notices_fixtures import announce
from .workrecords_fixtures import make_ledger

pytestmark = pytest.mark.django_db


def _file(tree, item, org, day, n=1):
    for k in range(n):
        workrecords.add_record(tree.users.committee, item=item, org=org, date=day, title=f"记录{k}")


def test_base_work_filled_is_summed_over_the_subtree(tree):
    ledger = make_ledger(tree)
    _file(tree, ledger.dynamics, tree.branch1, date(2026, 10, 10))  # monthly, met
    _file(tree, ledger.building, tree.branch1, date(2026, 11, 5))  # quarterly: Q4 overlaps October, met
    _file(tree, ledger.meetings, tree.branch1, date(2026, 10, 20))  # expects 2: not met
    _file(tree, ledger.meetings, tree.group1, date(2026, 10, 3), n=2)  # the group keeps it too: met
    _file(tree, ledger.dynamics, tree.branch2, date(2026, 9, 30))  # September: not October's
    branch1 = metric("workrecords.filled", tree.branch1, "2026-10")
    assert (branch1.numerator, branch1.denominator) == (3, 4)  # branch1 2/3 and group1 1/1
    assert branch1.value == Decimal("75.0")
    general = metric("workrecords.filled", tree.general, "2026-10")
    assert (general.numerator, general.denominator) == (3, 7)  # branch2 0/3: 42.9 %, not the average 37.5 %
    assert general.value == Decimal("42.9")
    year = metric("workrecords.filled", tree.branch2, "2026")
    assert (year.numerator, year.denominator) == (1, 12 + 4 + 12)  # monthly ×12, quarterly ×4, September met
    assert metric("workrecords.filled", ledger.other, "2026-10").denominator in (0, None)  # no branches there


def test_base_work_filled_queries_do_not_grow_with_organisations(tree, django_assert_max_num_queries):
    from tests.factories import make_org

    make_ledger(tree)
    with django_assert_max_num_queries(4):
        metrics_for([tree.committee], "2026-10", names=["workrecords.filled"])
    for k in range(10):
        make_org("branch", parent=tree.general, name=f"新支部{k}", code=f"NB{k}")
    with django_assert_max_num_queries(4):
        values = metrics_for([tree.committee], "2026-10", names=["workrecords.filled"])
    assert values["workrecords.filled"][tree.committee.pk].denominator == 3 * 12 + 1  # 12 branches, 1 group


def test_announcements_read_rate_from_the_current_revision(tree):
    ann = announce(tree, title="请学习全会精神")
    due = Receipt.objects.filter(announcement=ann)
    in_branch1 = due.filter(org_path__startswith=tree.branch1.path).count()
    assert in_branch1 and due.count() > in_branch1
    notices.read(tree.users.member1, ann, confirm=True)
    month = timezone.localdate().strftime("%Y-%m")
    branch1 = metric("notices.read_rate", tree.branch1, month)
    assert (branch1.numerator, branch1.denominator) == (1, in_branch1)
    committee = metric("notices.read_rate", tree.committee, month)
    assert (committee.numerator, committee.denominator) == (1, due.count())
    assert metric("notices.read_rate", tree.branch2, month).numerator == 0
    notices.edit(tree.users.committee, ann, title=ann.title, body="<p>全文修订</p>", substantive=True,
                 version=ann.version)
    ann.refresh_from_db()
    again = metric("notices.read_rate", tree.branch1, month)
    assert again.numerator == 0  # a substantive edit asks everyone again: the old receipts no longer count
    notices.withdraw(tree.users.committee, ann, "发错了", version=ann.version)
    assert metric("notices.read_rate", tree.committee, month).denominator in (0, None)
