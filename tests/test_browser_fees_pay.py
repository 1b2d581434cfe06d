"""A member pays Party fees on a 390 px phone (Playwright driving Debian's Chromium): my fees → pay two months →
the fake provider's cashier → 支付 → the result page polls until paid → the receipt. Nothing is wider than the
phone."""

from decimal import Decimal

import pytest
from django.utils import timezone

from dangjian.fees import rules, services
from dangjian.fees.models import OrderState, Payment, PaymentOrder, Receipt

from .test_browser import PHONE, _shot
from .test_browser_meetings import _login, browser  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_pays_two_months_on_a_phone_and_sees_the_receipt(browser, live_server, tree):  # noqa: F811
    current = rules.month_start(timezone.localdate())
    previous = rules.add_months(current, -1)
    services.set_base(tree.users.branch1, tree.member1, category="in_service", base="4000",
                      effective_from=rules.add_months(current, -12))
    for month in (previous, current):
        services.generate_dues(month)

    phone = browser.new_context(locale="zh-CN", **PHONE).new_page()
    _login(phone, live_server.url, "member1")
    phone.goto(f"{live_server.url}/fees/my/")
    phone.wait_for_selector("#fee-months")
    assert phone.locator(f'[data-month="{previous:%Y-%m}"] [data-state=outstanding]').count() == 1
    _shot(phone, "fees-1-my")

    phone.click("#pay-button")
    phone.wait_for_selector("#pay-form")
    boxes = phone.locator("#pay-months input[name=months]:checked")
    assert sorted(boxes.evaluate_all("els => els.map(e => e.value)")) == [f"{previous:%Y-%m}", f"{current:%Y-%m}"]
    assert phone.locator("#pay-total").inner_text().strip() == "¥80.00"
    _shot(phone, "fees-2-pay")
    phone.click("#pay-submit")

    phone.wait_for_selector("#fake-cashier")
    assert "80.00" in phone.locator("#fake-cashier [data-total]").inner_text()
    _shot(phone, "fees-3-cashier")
    phone.click("#fake-pay")

    phone.wait_for_selector("#order-state[data-state=paid]", timeout=10_000)
    _shot(phone, "fees-4-paid")
    phone.click("#receipt-link")
    phone.wait_for_selector("#receipt")
    receipt = Receipt.objects.get()
    assert receipt.number in phone.locator("#receipt").inner_text()
    assert phone.locator("#receipt [data-total]").inner_text().strip() == "80.00"
    _shot(phone, "fees-5-receipt")

    order = PaymentOrder.objects.get()
    assert order.state == OrderState.PAID and order.total == Decimal("80.00")
    assert sorted(Payment.objects.filter(order=order).values_list("month", flat=True)) == [previous, current]

    phone.goto(f"{live_server.url}/fees/my/")
    assert phone.locator(f'[data-month="{current:%Y-%m}"] [data-state=paid]').count() == 1
    assert phone.locator(f'[data-receipt="{receipt.number}"]').count() == 1
    _shot(phone, "fees-6-my-paid")


def test_the_order_page_polls_until_the_callback_arrives(browser, live_server, tree):  # noqa: F811
    """The result page opened before the money arrives updates by itself when the provider's callback comes."""
    from dangjian.fees import payments, providers

    current = rules.month_start(timezone.localdate())
    services.set_base(tree.users.branch1, tree.member1, category="in_service", base="2000", effective_from=current)
    order = payments.create_order(tree.users.member1, [current])
    phone = browser.new_context(locale="zh-CN", **PHONE).new_page()
    _login(phone, live_server.url, "member1")
    phone.goto(f"{live_server.url}/fees/orders/{order.out_trade_no}/")
    phone.wait_for_selector("#order-state[data-state=created]")
    _shot(phone, "fees-7-waiting")
    fake = providers.FakeProvider()
    body = fake.event_body(order, "paid")
    import urllib.request

    request = urllib.request.Request(f"{live_server.url}/fees/callback/fake/", data=body, method="POST",
                                     headers={"Content-Type": "application/json", **fake.signed(body)})
    with urllib.request.urlopen(request) as answer:  # noqa: S310 - the test server
        assert answer.status == 200
    phone.wait_for_selector("#order-state[data-state=paid]", timeout=10_000)
    assert phone.locator("#receipt-link").count() == 1


def test_a_collector_records_cash_on_a_phone(browser, live_server, tree):  # noqa: F811
    from dangjian.accounts.models import Role

    from .factories import give_post, make_person, make_user

    current = rules.month_start(timezone.localdate())
    services.set_base(tree.users.branch1, tree.member1, category="in_service", base="4000",
                      effective_from=rules.add_months(current, -12))
    services.generate_dues(current)
    collector = make_person(tree.branch1, name="收缴员")
    give_post(collector, tree.branch1, Role.FEE_COLLECTOR)
    make_user("collector1", collector)

    phone = browser.new_context(locale="zh-CN", **PHONE).new_page()
    _login(phone, live_server.url, "collector1")
    phone.goto(f"{live_server.url}/fees/record/?q={tree.member1.name}")
    phone.click(f'#found-people [data-person="{tree.member1.pk}"]')
    phone.wait_for_selector("#record-form")
    _shot(phone, "fees-8-record")
    assert phone.locator(f'#record-months input[value="{current:%Y-%m}"]').is_checked()
    phone.fill(f'input[name="amount_{current:%Y-%m}"]', "25.00")
    phone.click("#record-submit")
    phone.wait_for_selector("#receipt")
    assert phone.locator("#receipt [data-total]").inner_text().strip() == "25.00"
    _shot(phone, "fees-9-recorded")
    assert Payment.objects.get().amount == Decimal("25.00")
