"""Fee payments (fees.payments, fees.providers): online orders, the provider's callbacks (replayed, forged, unsigned,
out of order, wrong amount, unknown order), payments recorded by a collector, reversals and receipt numbering."""

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from dangjian.accounts.models import Role
from dangjian.audit.models import AuditEntry
from dangjian.core.errors import DomainError
from dangjian.fees import payments, providers, rules, services
from dangjian.fees.models import (
    Due,
    FeeSettings,
    Method,
    OrderState,
    Payment,
    PaymentOrder,
    ProviderEvent,
    Receipt,
)

from .factories import give_post, make_user

D = Decimal


def this_month():
    return rules.month_start(timezone.localdate())


def m(n):
    """The month n months from the current one."""
    return rules.add_months(this_month(), n)


@pytest.fixture
def fees(tree):
    """member1 and member2 pay 40.00 a month since long ago; a collector in branch1."""
    start = rules.add_months(this_month(), -24)
    for person, user in ((tree.member1, tree.users.branch1), (tree.other1, tree.users.branch1),
                         (tree.member2, tree.users.branch2)):
        services.set_base(user, person, category="in_service", base="4000", effective_from=start)
    for n in range(-10, 1):
        services.generate_dues(m(n))
    from .factories import make_person

    collector = make_person(tree.branch1, name="收缴员")
    give_post(collector, tree.branch1, Role.FEE_COLLECTOR)
    tree.users.collector = make_user("collector1", collector)
    return tree


FAKE = providers.FakeProvider()


def deliver(order, status="paid", **kw):
    body = FAKE.event_body(order, status, **kw)
    return payments.handle_callback("fake", body, FAKE.signed(body)), body


def pay(user, months, voluntary=None):
    order = payments.create_order(user, months, voluntary)
    ack, _body = deliver(order)
    assert ack.status == 200
    order.refresh_from_db()
    return order


# ---- orders -----------------------------------------------------------------------------------------------------


def test_an_order_for_two_months_pays_them_with_one_receipt(fees):
    user = fees.users.member1
    order = payments.create_order(user, [m(-1), m(0)], "5.00")
    assert order.months == [{"month": m(-1).isoformat(), "amount": "40.00"},
                            {"month": m(0).isoformat(), "amount": "40.00"}]
    assert (order.dues_amount, order.voluntary, order.total, order.state) == (D("80.00"), D("5.00"), D("85.00"),
                                                                              OrderState.CREATED)
    assert order.scope_path == fees.member1.scope_path and order.provider == "fake"
    ack, _ = deliver(order)
    assert (ack.status, json.loads(ack.content)) == (200, {"code": "SUCCESS"})
    order.refresh_from_db()
    assert order.state == OrderState.PAID and order.provider_txn and order.paid_at
    rows = list(Payment.objects.filter(order=order).order_by(F("month").asc(nulls_first=True)))
    assert [(p.month, p.amount, p.voluntary, p.method) for p in rows] == [
        (None, D("0.00"), D("5.00"), Method.ONLINE), (m(-1), D("40.00"), D("0"), Method.ONLINE),
        (m(0), D("40.00"), D("0"), Method.ONLINE)]
    assert {p.org_id for p in rows} == {fees.branch1.pk} and {p.receipt_id for p in rows} == {rows[0].receipt_id}
    receipt = rows[0].receipt
    assert receipt.total == D("85.00") and receipt.method == Method.ONLINE and receipt.person == fees.member1
    assert rows[1].due == Due.objects.get(person=fees.member1, month=m(-1), superseded_at__isnull=True)
    assert AuditEntry.objects.filter(model="fees.payment").count() == 3
    assert [r["outstanding"] for r in services.statement(fees.member1, m(-1), m(0))] == [D("0.00"), D("0.00")]


def test_months_already_paid_or_in_an_open_order_are_refused(fees):
    user = fees.users.member1
    pay(user, [m(0)])
    with pytest.raises(DomainError) as e:
        payments.create_order(user, [m(0)])
    assert "months" in e.value.error_dict
    payments.create_order(user, [m(-1)])
    with pytest.raises(DomainError) as e:
        payments.create_order(user, [m(-2), m(-1)])
    assert "months" in e.value.error_dict
    assert PaymentOrder.objects.count() == 2


def test_an_expired_order_frees_its_months_and_the_task_closes_it(fees):
    order = payments.create_order(fees.users.member1, [m(0)])
    PaymentOrder.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    again = payments.create_order(fees.users.member1, [m(0)])
    from dangjian.fees.pay_tasks import close_expired_orders

    assert close_expired_orders() == 1
    order.refresh_from_db()
    again.refresh_from_db()
    assert (order.state, again.state) == (OrderState.CLOSED, OrderState.CREATED)
    assert close_expired_orders() == 0


def test_back_payment_window_and_paying_ahead(fees):
    user = fees.users.member1
    with pytest.raises(DomainError) as e:
        payments.create_order(user, [m(-7)])
    assert "months" in e.value.error_dict and m(-7).strftime("%Y-%m") in str(e.value)
    payments.create_order(user, [m(-6)])  # the window's edge
    FeeSettings.objects.create(org=fees.branch1, org_path=fees.branch1.path, backpay_months=3, ahead_months=2)
    with pytest.raises(DomainError):
        payments.create_order(user, [m(-4)])
    with pytest.raises(DomainError) as e:
        payments.create_order(user, [m(3)])
    assert "months" in e.value.error_dict
    assert not Due.objects.filter(month=m(3)).exists()
    order = pay(user, [m(1), m(2)])  # dues generated on demand
    assert Due.objects.filter(person=fees.member1, month__in=[m(1), m(2)]).count() == 2
    assert not Due.objects.filter(person=fees.other1, month=m(1)).exists()
    assert order.total == D("80.00")


def test_bad_input_names_the_field_and_changes_nothing(fees):
    user = fees.users.member1
    for months, voluntary, field in (([], "0", "months"), (["2026-13"], None, "months"), (["x"], None, "months"),
                                     ([m(0)], "-1", "voluntary"), ([m(0)], "1.234", "voluntary"),
                                     ([m(0)], "abc", "voluntary"), ([m(0)], "99999999", "voluntary")):
        with pytest.raises(DomainError) as e:
            payments.create_order(user, months, voluntary)
        assert field in e.value.error_dict, (months, voluntary)
    with pytest.raises(TypeError):
        rules.money(1.5)
    assert PaymentOrder.objects.count() == 0


def test_no_person_no_order_and_not_on_the_roll(fees):
    with pytest.raises(Http404):
        payments.create_order(fees.users.admin, [m(0)])
    fees.member1.status = "left"
    fees.member1.save()
    with pytest.raises(DomainError):
        payments.create_order(fees.users.member1, [m(0)])


def test_a_voluntary_only_payment_and_a_large_one(fees):
    order = pay(fees.users.member1, [], "1000.00")
    p = Payment.objects.get(order=order)
    assert (p.month, p.amount, p.voluntary, p.large) == (None, D("0.00"), D("1000.00"), True)
    small = pay(fees.users.member1, [m(0)], "999.99")
    assert not Payment.objects.get(order=small, month=None).large


def test_an_exempt_month_is_not_payable(fees):
    from dangjian.fees.models import Relief, ReliefState

    r = Relief.objects.create(person=fees.member1, kind="exempt", from_month=m(0), to_month=m(0), reason="病",
                              state=ReliefState.APPROVED, scope_path=fees.member1.scope_path)
    services.recompute_dues(fees.member1, m(0))
    assert Due.objects.get(person=fees.member1, month=m(0), superseded_at__isnull=True).relief == r
    with pytest.raises(DomainError):
        payments.create_order(fees.users.member1, [m(0)])
    assert m(0) not in [ln.month for ln in payments.payable_months(fees.member1)]


def test_payable_months_preselects_what_is_owed(fees):
    pay(fees.users.member1, [m(-2)])
    payments.create_order(fees.users.member1, [m(-1)])
    lines = {ln.month: ln for ln in payments.payable_months(fees.member1)}
    assert m(-7) not in lines and m(-6) in lines and m(-2) not in lines
    assert lines[m(-1)].busy and not lines[m(-1)].payable
    assert lines[m(0)].kind == "current" and lines[m(0)].outstanding == D("40.00")
    assert lines[m(12)].estimated and lines[m(12)].amount == D("40.00") and m(13) not in lines


# ---- callbacks --------------------------------------------------------------------------------------------------


def test_a_replayed_callback_gets_the_same_answer_and_pays_once(fees):
    order = payments.create_order(fees.users.member1, [m(0)])
    body = FAKE.event_body(order, "paid")
    first = payments.handle_callback("fake", body, FAKE.signed(body))
    second = payments.handle_callback("fake", body, FAKE.signed(body))
    assert first == second and first.status == 200
    assert Payment.objects.filter(order=order).count() == 1 and Receipt.objects.count() == 1
    assert ProviderEvent.objects.filter(verified=True).count() == 1
    # the provider re-sends with a new event id: recognised as already paid
    ack, _ = deliver(order)
    assert ack.status == 200 and Payment.objects.count() == 1
    assert ProviderEvent.objects.filter(outcome="already_paid").count() == 1
    # another transaction for the same order: flagged for a refund, not paid twice
    deliver(order, txn_id="OTHER")
    assert Payment.objects.count() == 1 and ProviderEvent.objects.filter(outcome="paid_twice").count() == 1


@pytest.mark.parametrize("headers", [{}, {"X-Fake-Signature": "0" * 64}, {"X-Fake-Signature": "not hex"}])
def test_forged_or_unsigned_callbacks_are_refused_and_recorded(fees, headers):
    order = payments.create_order(fees.users.member1, [m(0)])
    body = FAKE.event_body(order, "paid")
    ack = payments.handle_callback("fake", body, headers)
    assert ack.status == 400 and json.loads(ack.content)["code"] == "FAIL"
    event = ProviderEvent.objects.get()
    assert not event.verified and event.outcome == ("missing_signature" if not headers else "bad_signature")
    assert event.out_trade_no == order.out_trade_no
    order.refresh_from_db()
    assert order.state == OrderState.CREATED and not Payment.objects.exists() and not Receipt.objects.exists()


def test_a_signed_body_changed_on_the_way_is_refused(fees):
    order = payments.create_order(fees.users.member1, [m(0)])
    body = FAKE.event_body(order, "paid")
    signature = FAKE.signed(body)
    tampered = body.replace(b'"40.00"', b'"0.01"')
    assert payments.handle_callback("fake", tampered, signature).status == 400
    assert not Payment.objects.exists()
    garbage = b"not json"
    assert payments.handle_callback("fake", garbage, FAKE.signed(garbage)).status == 400
    assert ProviderEvent.objects.filter(outcome="bad_payload", verified=False).count() == 1


def test_amount_mismatch_and_unknown_order_are_refused_and_recorded(fees):
    order = payments.create_order(fees.users.member1, [m(0)])
    ack, body = deliver(order, amount=D("0.01"))
    assert ack.status == 400
    assert payments.handle_callback("fake", body, FAKE.signed(body)).status == 400  # replay: same answer
    order.refresh_from_db()
    assert order.state == OrderState.CREATED and not Payment.objects.exists()
    assert ProviderEvent.objects.get(verified=True).outcome == "amount_mismatch"
    ghost = PaymentOrder(out_trade_no="DFNOSUCHORDER", total=D("1.00"))
    ack, _ = deliver(ghost)
    assert ack.status == 400 and ProviderEvent.objects.filter(outcome="unknown_order").count() == 1
    with pytest.raises(Http404):
        payments.handle_callback("nosuchprovider", b"{}", {})


def test_failed_or_closed_after_paid_is_ignored(fees):
    order = pay(fees.users.member1, [m(0)])
    for status in ("failed", "closed"):
        ack, _ = deliver(order, status)
        assert ack.status == 200
    order.refresh_from_db()
    assert order.state == OrderState.PAID and Payment.objects.filter(order=order).count() == 1
    assert ProviderEvent.objects.filter(outcome="ignored_after_paid").count() == 2


def test_paid_after_failed_closed_or_expired_still_records_the_money(fees):
    user = fees.users.member1
    failed = payments.create_order(user, [m(-1)])
    deliver(failed, "failed")
    failed.refresh_from_db()
    assert failed.state == OrderState.FAILED
    deliver(failed, "paid")
    failed.refresh_from_db()
    assert failed.state == OrderState.PAID and Payment.objects.filter(order=failed).count() == 1
    assert ProviderEvent.objects.get(out_trade_no=failed.out_trade_no, outcome="paid_late").detail

    expired = payments.create_order(user, [m(0)])
    PaymentOrder.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    payments.close_expired()
    other = pay(user, [m(0)])  # the month paid by another order meanwhile
    assert other.state == OrderState.PAID
    deliver(expired, "paid")
    expired.refresh_from_db()
    event = ProviderEvent.objects.get(out_trade_no=expired.out_trade_no, verified=True)
    assert expired.state == OrderState.PAID and event.outcome == "paid_late"
    assert "overpaid" in event.detail and m(0).strftime("%Y-%m") in event.detail
    assert services.paid_by_month(fees.member1.pk, [m(0)])[m(0)][0] == D("80.00")


def test_the_fake_cashier_pays_only_the_members_own_order(fees):
    order = payments.create_order(fees.users.member1, [m(0)])
    other = make_user("m2", fees.member2)
    with pytest.raises(Http404):
        payments.fake_pay(other, order.out_trade_no, "paid")
    with pytest.raises(Http404):
        payments.fake_pay(fees.users.member1, order.out_trade_no, "refund")
    assert payments.fake_pay(fees.users.member1, order.out_trade_no, "closed").status == 200
    order.refresh_from_db()
    assert order.state == OrderState.CLOSED


# ---- recorded payments and reversals ----------------------------------------------------------------------------


def test_a_collector_records_cash_for_chosen_months(fees):
    receipt = payments.record_payment(fees.users.collector, fees.member1, months=[m(-2), m(-1)],
                                      amounts={m(-1).strftime("%Y-%m"): "15.00"}, voluntary="10", method="cash",
                                      paid_on=timezone.localdate(), note="现金")
    rows = {p.month: p for p in receipt.payments.all()}
    assert rows[m(-2)].amount == D("40.00") and rows[m(-1)].amount == D("15.00")
    assert rows[None].voluntary == D("10.00") and receipt.total == D("65.00") and receipt.method == "cash"
    assert rows[m(-2)].recorded_by == fees.users.collector
    assert services.statement(fees.member1, m(-1), m(-1))[0]["outstanding"] == D("25.00")
    # the rest of the month may be paid online
    order = payments.create_order(fees.users.member1, [m(-1)])
    assert order.total == D("25.00")


def test_more_than_owed_is_refused_and_the_window_applies(fees):
    c = fees.users.collector
    with pytest.raises(DomainError) as e:
        payments.record_payment(c, fees.member1, months=[m(0)], amounts={m(0): "40.01"})
    assert "months" in e.value.error_dict and "40.00" in str(e.value)
    for kw, field in (({"method": "online"}, "method"), ({"paid_on": timezone.localdate() + timedelta(days=1)},
                                                         "paid_on"), ({"paid_on": "yesterday"}, "paid_on"),
                      ({"amounts": {m(0): "0"}}, "months")):
        with pytest.raises(DomainError) as e:
            payments.record_payment(c, fees.member1, months=[m(0)], **kw)
        assert field in e.value.error_dict
    with pytest.raises(DomainError) as e:
        payments.record_payment(c, fees.member1, months=[m(-7)], note="补交")
    assert "months" in e.value.error_dict
    # a secretary (fees:manage) may record an older month, with a note
    with pytest.raises(DomainError) as e:
        payments.record_payment(fees.users.branch1, fees.member1, months=[m(-7)])
    assert "note" in e.value.error_dict
    receipt = payments.record_payment(fees.users.branch1, fees.member1, months=[m(-7)], note="外出务工，返乡补交")
    assert receipt.payments.get().month == m(-7)
    assert Receipt.objects.count() == 1


def test_a_month_in_an_open_online_order_cannot_be_recorded(fees):
    payments.create_order(fees.users.member1, [m(0)])
    with pytest.raises(DomainError) as e:
        payments.record_payment(fees.users.collector, fees.member1, months=[m(0)])
    assert "months" in e.value.error_dict


def test_recording_needs_fees_collect_over_the_member(fees):
    with pytest.raises(Http404):
        payments.record_payment(fees.users.collector, fees.member2, months=[m(0)])
    with pytest.raises(Http404):
        payments.record_payment(fees.users.branch2, fees.member1, months=[m(0)])
    with pytest.raises(Http404):
        payments.record_payment(fees.users.member1, fees.member1, months=[m(0)])
    assert not Payment.objects.exists()


def test_a_reversal_is_a_new_negative_payment_and_a_cancelling_receipt(fees):
    receipt = payments.record_payment(fees.users.collector, fees.member1, months=[m(0)], voluntary="5")
    with pytest.raises(Http404):
        payments.reverse_receipt(fees.users.collector, receipt, "录错")  # fees:collect is not enough
    with pytest.raises(Http404):
        payments.reverse_receipt(fees.users.branch2, receipt, "录错")
    with pytest.raises(DomainError) as e:
        payments.reverse_receipt(fees.users.branch1, receipt, "  ")
    assert "reason" in e.value.error_dict
    cancel = payments.reverse_receipt(fees.users.branch1, receipt, "录错了人")
    assert cancel.cancels == receipt and cancel.total == D("-45.00") and cancel.number != receipt.number
    negatives = list(cancel.payments.order_by("id"))
    assert sorted((p.amount, p.voluntary) for p in negatives) == [(D("-40.00"), D("0")), (D("0"), D("-5.00"))]
    assert {p.corrects.receipt_id for p in negatives} == {receipt.pk}
    assert Payment.objects.filter(receipt=receipt).count() == 2  # the originals are kept
    assert services.statement(fees.member1, m(0), m(0))[0]["outstanding"] == D("40.00")
    with pytest.raises(DomainError):
        payments.reverse_receipt(fees.users.branch1, receipt, "again")
    with pytest.raises(DomainError):
        payments.reverse_receipt(fees.users.branch1, cancel, "again")


def test_receipts_are_numbered_per_year_without_gaps(fees):
    year = timezone.localdate().year
    numbers = [payments.record_payment(fees.users.collector, fees.member1, months=[m(n)]).number
               for n in (-3, -2, -1)]
    assert numbers == [f"DF{year}-{i:07d}" for i in (1, 2, 3)]
    nxt = payments._issue_receipt(fees.member1, fees.branch1.pk, D("1"), "cash", None, year=year + 1)
    assert nxt.number == f"DF{year + 1}-0000001"
    assert payments._issue_receipt(fees.member1, fees.branch1.pk, D("1"), "cash", None).number.endswith("0000004")


# ---- the provider -----------------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=200), st.text(max_size=70))
def test_the_fake_provider_accepts_only_its_own_signature(body, signature):
    provider = providers.FakeProvider()
    if signature.strip() == provider.sign(body):
        return
    with pytest.raises(providers.ProviderError):
        provider.verify(body, {"X-Fake-Signature": signature} if signature else {})


@settings(max_examples=60, deadline=None)
@given(st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False))
def test_the_fake_provider_round_trips_amounts(amount):
    provider = providers.FakeProvider()
    order = PaymentOrder(out_trade_no="DF1", total=amount)
    body = provider.event_body(order, "paid")
    event = provider.verify(body, provider.signed(body))
    assert event.amount == amount and isinstance(event.amount, Decimal) and event.status == "paid"


def test_the_provider_comes_from_settings(settings):
    assert providers.default_provider().name == "fake"
    body = b"{}"
    derived = FAKE.sign(body)
    settings.FEES_PAYMENT_PROVIDER = "tests.test_fees_payments.OtherProvider"
    settings.FEES_PAYMENT_PROVIDERS = ["tests.test_fees_payments.OtherProvider", "dangjian.fees.providers.FakeProvider"]
    assert providers.default_provider().name == "other"
    assert set(providers.providers()) == {"other", "fake"}
    settings.FEES_FAKE_PROVIDER_SECRET = "s3cret"
    assert providers.FakeProvider().sign(body) != derived


class OtherProvider(providers.PaymentProvider):
    name = "other"


def test_month_parsing():
    assert payments.parse_months(["2026-02", "2026-02-15", date(2026, 1, 31)]) == [date(2026, 1, 1),
                                                                                    date(2026, 2, 1)]
    for bad in ("2026-2", "202602", "", None, "2026-00"):
        with pytest.raises(DomainError):
            payments.parse_month(bad)


@settings(max_examples=80, deadline=None)
@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)))
def test_months_parse_from_either_form_to_the_first_day(day):
    assert payments.parse_month(day.isoformat()) == payments.parse_month(f"{day:%Y-%m}") == day.replace(day=1)


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=12))
def test_anything_else_is_not_a_month(text):
    try:
        parsed = payments.parse_month(text)
    except DomainError as exc:
        assert "months" in exc.error_dict
    else:
        assert parsed.day == 1 and text.strip()[:7] == f"{parsed:%Y-%m}"


def test_iso_week_dates_and_other_forms_are_not_months():
    for bad in ("2026-W01-1", "2026-02-30", "２０２６-01", "2026-01-01T00:00", " 2026-1 "):
        with pytest.raises(DomainError):
            payments.parse_month(bad)


def test_the_deploy_check_warns_about_the_fake_provider(settings):
    settings.DEBUG = False
    assert [w.id for w in providers.check_providers()] == ["fees.W001"]
    settings.FEES_PAYMENT_PROVIDER = "tests.test_fees_payments.OtherProvider"
    assert providers.check_providers() == []
    settings.FEES_PAYMENT_PROVIDER = "tests.no.Such"
    assert [w.id for w in providers.check_providers()] == ["fees.E001"]


class QueryingProvider(providers.FakeProvider):
    """A provider that answers `query`: the order was paid (its callback never came)."""

    name = "querying"

    def query(self, order):
        body = self.event_body(order, "paid", event_id="Q-" + order.out_trade_no)
        return self.verify(body, self.signed(body))


def test_a_provider_that_can_be_asked_settles_the_order_without_a_callback(fees, settings):
    settings.FEES_PAYMENT_PROVIDER = "tests.test_fees_payments.QueryingProvider"
    order = payments.create_order(fees.users.member1, [m(0)])
    assert order.provider == "querying"
    assert payments.sync_order(order) == "paid"
    order.refresh_from_db()
    assert order.state == OrderState.PAID and Payment.objects.filter(order=order).count() == 1
    assert payments.sync_order(order) is None  # nothing more to learn
    settings.FEES_PAYMENT_PROVIDER = "dangjian.fees.providers.FakeProvider"
    assert payments.sync_order(payments.create_order(fees.users.member1, [m(1)])) is None


def test_a_large_forged_body_is_recorded_as_a_snippet(fees):
    body = json.dumps({"event_id": "x", "padding": "a" * 100_000}).encode()
    assert payments.handle_callback("fake", body, {"X-Fake-Signature": "00"}).status == 400
    event = ProviderEvent.objects.get()
    assert event.payload["size"] == len(body) and len(event.payload["raw"]) == 1000 and not event.verified
