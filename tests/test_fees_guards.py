"""Guards found in review: reductions bounded by the amount, nobody approves their own relief, generating only
sensible months, a typed-in payment date cannot stretch the back-payment window, dates out of range are field
errors, ledger totals beyond one row's width."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.core.errors import DomainError
from dangjian.fees import bases, ledger, payments
from dangjian.fees.models import Payment, Relief

from .conftest import api_as
from .test_fees_payments import fees, m  # noqa: F401 (fixture)

D = Decimal


def test_a_reduction_must_be_less_than_the_monthly_amount(fees):  # noqa: F811
    for amount in ("40.00", "100000"):
        with pytest.raises(DomainError) as e:
            bases.request_relief(fees.users.branch1, fees.member1, kind="reduce", amount=amount, from_month=m(0),
                                 to_month=m(0), reason="困难")
        assert "amount" in e.value.error_dict
    assert not Relief.objects.exists()


def test_nobody_approves_their_own_relief(fees):  # noqa: F811
    relief = bases.request_relief(fees.users.branch1, fees.sec1, kind="exempt", from_month=m(0), to_month=m(0),
                                  reason="困难")
    with pytest.raises(DomainError) as e:
        bases.decide_relief(fees.users.branch1, relief, "approve")
    assert "action" in e.value.error_dict
    bases.decide_relief(fees.users.committee, relief, "approve")  # another committee member decides
    relief.refresh_from_db()
    assert relief.state == "approved"


def test_generating_dues_only_for_months_up_to_now(fees):  # noqa: F811
    for month in ("2999-12", f"{date.today().year - 2}-01", rules_next_month()):
        with pytest.raises(DomainError) as e:
            bases.generate_month(fees.users.branch1, fees.branch1, month)
        assert "month" in e.value.error_dict


def rules_next_month():
    today = timezone.localdate()
    nxt = (today.replace(day=28) + timedelta(days=5)).replace(day=1)
    return f"{nxt:%Y-%m}"


def test_a_backdated_payment_date_does_not_stretch_the_window(fees):  # noqa: F811
    """A collector may not record a month beyond the window by typing an old payment date."""
    with pytest.raises(DomainError) as e:
        payments.record_payment(fees.users.collector, fees.member1, months=[m(-8)], paid_on=m(-7).replace(day=20))
    assert "months" in e.value.error_dict
    for day in ("0001-03-01", f"{date.today().year - 2}-12-31"):
        with pytest.raises(DomainError) as e:
            payments.record_payment(fees.users.collector, fees.member1, months=[m(0)], paid_on=day)
        assert "paid_on" in e.value.error_dict
    assert not Payment.objects.exists()
    # last month's collection typed in today still counts from the day it was paid
    payments.record_payment(fees.users.collector, fees.member1, months=[m(-6)],
                            paid_on=timezone.localdate() - timedelta(days=20))
    assert Payment.objects.count() == 1


def test_ledger_totals_wider_than_a_row(fees):  # noqa: F811
    for _ in range(2):
        ledger.add_entry(fees.users.committee, fees.committee, entry_date=date.today(), direction="income",
                         purpose="interest", amount="9999999999.99", description="大额")
    r = api_as(fees.users.committee).get(reverse("api:fees-ledger"), {"org": fees.committee.pk})
    assert r.status_code == 200, r.content
    assert "19999999999.98" in r.content.decode()
