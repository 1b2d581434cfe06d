"""Fee payment pages and API: the member's page, paying through the fake cashier, the callback endpoint, recording,
receipts, reversal; permissions (a member sees only their own; a sibling branch gets 404 everywhere)."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from dangjian.fees import payments
from dangjian.fees.models import OrderState, Payment, PaymentOrder, ProviderEvent, Receipt

from . import test_fees_payments as base
from .conftest import api_as
from .factories import make_user
from .test_fees_payments import FAKE, m

fees = base.fees  # the fixture

D = Decimal


def ym(month):
    return f"{month:%Y-%m}"


@pytest.fixture
def member(client, fees):
    client.force_login(fees.users.member1)
    return client


# ---- the member's pages -----------------------------------------------------------------------------------------


def test_my_page_shows_the_year_and_the_arrears(member, fees, django_assert_max_num_queries):
    payments.record_payment(fees.users.collector, fees.member1, months=[m(-2)])
    with django_assert_max_num_queries(16):
        r = member.get(reverse("fees:my"))
    assert r.status_code == 200
    html = r.content.decode()
    assert f'data-month="{ym(m(0))}"' in html and 'id="pay-button"' in html
    assert ym(m(-1)) in html and 'data-receipt="' in html
    # six months back are payable; older ones are listed as beyond the window
    payable, too_old = payments.arrears(fees.member1)
    assert m(-1) in [r["month"] for r in payable] and m(-2) not in [r["month"] for r in payable]
    assert [r["month"] for r in too_old] == [m(n) for n in range(-10, -6)]
    assert 'id="too-old"' in html


def test_my_page_needs_a_person(client, fees):
    client.force_login(fees.users.admin)
    assert client.get(reverse("fees:my")).status_code == 404
    assert client.get(reverse("fees:pay")).status_code == 404


def test_pay_through_the_fake_cashier(member, fees):
    r = member.get(reverse("fees:pay"))
    assert r.status_code == 200
    html = r.content.decode()
    assert f'value="{ym(m(0))}" data-amount="40.00" checked' in html
    assert f'value="{ym(m(1))}" data-amount="40.00">' in html  # ahead: offered, not preselected
    r = member.post(reverse("fees:pay"), {"months": [ym(m(-1)), ym(m(0))], "voluntary": "2.50"})
    order = PaymentOrder.objects.get()
    assert r.status_code == 302 and r.url == reverse("fees:fake_cashier", args=[order.out_trade_no])
    assert order.total == D("82.50")
    r = member.get(r.url)
    assert r.status_code == 200 and "¥82.50" in r.content.decode()
    page = member.get(reverse("fees:order", args=[order.out_trade_no])).content.decode()
    assert 'hx-trigger="every 2s"' in page and 'data-state="created"' in page
    r = member.post(reverse("fees:fake_cashier", args=[order.out_trade_no]), {"status": "paid"})
    assert r.url == reverse("fees:order", args=[order.out_trade_no])
    state = member.get(reverse("fees:order_state", args=[order.out_trade_no])).content.decode()
    receipt = Receipt.objects.get()
    assert 'data-state="paid"' in state and "hx-trigger" not in state and receipt.number in state
    r = member.get(reverse("fees:receipt", args=[receipt.number]))
    assert r.status_code == 200 and "82.50" in r.content.decode()
    # tapping again does nothing more
    member.post(reverse("fees:fake_cashier", args=[order.out_trade_no]), {"status": "paid"})
    assert Payment.objects.count() == 3


def test_pay_refusals_are_shown_next_to_the_months(member, fees):
    with translation.override("en"):
        r = member.post(reverse("fees:pay"), {"months": [ym(m(-8))]}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200
    assert 'data-field-error="months"' in r.content.decode()
    r = member.post(reverse("fees:pay"), {"months": [ym(m(0))], "voluntary": "-5"})
    assert r.status_code == 200 and "is-invalid" in r.content.decode()
    assert not PaymentOrder.objects.exists()


def test_the_callback_endpoint_verifies_and_answers(client, fees):
    order = payments.create_order(fees.users.member1, [m(0)])
    body = FAKE.event_body(order, "paid")
    url = reverse("fees:callback", args=["fake"])
    r = client.post(url, body, content_type="application/json")
    assert r.status_code == 400 and json.loads(r.content)["code"] == "FAIL"
    r = client.post(url, body, content_type="application/json", HTTP_X_FAKE_SIGNATURE=FAKE.sign(body))
    assert (r.status_code, json.loads(r.content)) == (200, {"code": "SUCCESS"})
    api = reverse("api:fees-callback", args=["fake"])
    r = client.post(api, body, content_type="application/json", HTTP_X_FAKE_SIGNATURE=FAKE.sign(body))
    assert (r.status_code, json.loads(r.content)) == (200, {"code": "SUCCESS"})  # the replay, through the API
    assert Payment.objects.count() == 1 and ProviderEvent.objects.filter(verified=True).count() == 1
    assert client.post(reverse("fees:callback", args=["nope"]), body, content_type="application/json"
                       ).status_code == 404
    assert client.get(url).status_code == 405


# ---- permissions ------------------------------------------------------------------------------------------------


def test_a_member_cannot_see_anothers_order_or_receipt(client, fees):
    order = payments.create_order(fees.users.member1, [m(0)])
    receipt = payments.record_payment(fees.users.collector, fees.member1, months=[m(-1)])
    client.force_login(make_user("other1", fees.other1))  # same branch, no post
    for url in (reverse("fees:order", args=[order.out_trade_no]),
                reverse("fees:order_state", args=[order.out_trade_no]),
                reverse("fees:fake_cashier", args=[order.out_trade_no]),
                reverse("fees:receipt", args=[receipt.number]), reverse("fees:reverse", args=[receipt.number]),
                reverse("fees:record") + f"?person={fees.member1.pk}",
                reverse("fees:receipts") + f"?person={fees.member1.pk}"):
        assert client.get(url).status_code == 404, url
    r = client.post(reverse("fees:fake_cashier", args=[order.out_trade_no]), {"status": "paid"})
    assert r.status_code == 404
    order.refresh_from_db()
    assert order.state == OrderState.CREATED


def test_a_sibling_branch_gets_404_on_every_page_and_endpoint(client, fees):
    order = payments.create_order(fees.users.member1, [m(0)])
    receipt = payments.record_payment(fees.users.collector, fees.member1, months=[m(-1)])
    sibling = fees.users.branch2
    client.force_login(sibling)
    pages = [reverse("fees:order", args=[order.out_trade_no]), reverse("fees:order_state", args=[order.out_trade_no]),
             reverse("fees:fake_cashier", args=[order.out_trade_no]), reverse("fees:receipt", args=[receipt.number]),
             reverse("fees:reverse", args=[receipt.number]), reverse("fees:record") + f"?person={fees.member1.pk}",
             reverse("fees:receipts") + f"?person={fees.member1.pk}"]
    for url in pages:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("fees:record"), {"person": fees.member1.pk, "months": [ym(m(0))], "method": "cash",
                                                "paid_on": "2026-01-01"}).status_code == 404
    assert client.post(reverse("fees:reverse", args=[receipt.number]), {"reason": "x"}).status_code == 404
    api = api_as(sibling)
    assert api.get(reverse("api:fees-order", args=[order.out_trade_no])).status_code == 404
    assert api.get(reverse("api:fees-receipt", args=[receipt.number])).status_code == 404
    r = api.post(reverse("api:fees-payments"), {"person": fees.member1.pk, "months": [ym(m(0))], "method": "cash"})
    assert r.status_code == 404
    assert Receipt.objects.count() == 1 and not Receipt.objects.filter(cancels=receipt).exists()
    # while the branch's own secretary sees both
    client.force_login(fees.users.branch1)
    assert client.get(pages[0]).status_code == 200 and client.get(pages[3]).status_code == 200


def test_fees_read_sees_the_subtrees_receipts_and_collect_records(client, fees, django_assert_max_num_queries):
    for n in (-3, -2, -1):
        payments.record_payment(fees.users.collector, fees.member1, months=[m(n)])
    client.force_login(fees.users.committee)  # the committee's secretary: fees:read/manage over the subtree
    with django_assert_max_num_queries(15):
        r = client.get(reverse("fees:receipts") + f"?person={fees.member1.pk}")
    assert r.status_code == 200 and r.content.decode().count('data-receipt="') == 3


# ---- recording and reversing on the pages -----------------------------------------------------------------------


def test_the_collector_records_cash_from_the_roster_link(client, fees):
    client.force_login(fees.users.collector)
    url = reverse("fees:record") + f"?person={fees.member1.pk}&month={ym(m(-1))}"
    r = client.get(url)
    html = r.content.decode()
    assert r.status_code == 200 and f'value="{ym(m(-1))}" id="m-{ym(m(-1))}" checked' in html
    assert f'value="{ym(m(0))}" id="m-{ym(m(0))}">' in html  # only the linked month is preselected
    assert 'data-month="' + ym(m(-7)) + '"' not in html  # beyond the window: for the secretary only
    r = client.post(reverse("fees:record"), {"person": fees.member1.pk, "months": [ym(m(-1))],
                                             f"amount_{ym(m(-1))}": "30.00", "method": "transfer",
                                             "paid_on": str(m(0)), "voluntary": "", "note": "银行转账"})
    receipt = Receipt.objects.get()
    assert r.status_code == 302 and r.url == reverse("fees:receipt", args=[receipt.number])
    assert (receipt.total, receipt.method) == (D("30.00"), "transfer")
    r = client.post(reverse("fees:record"), {"person": fees.member1.pk, "months": [ym(m(-1))],
                                             f"amount_{ym(m(-1))}": "10.01", "method": "cash", "paid_on": str(m(0))})
    assert r.status_code == 200 and 'data-field-error="months"' in r.content.decode()
    assert Receipt.objects.count() == 1
    # the picker finds members in the collector's branch only
    r = client.get(reverse("fees:record") + "?q=党员")
    html = r.content.decode()
    assert f'data-person="{fees.member1.pk}"' in html and f'data-person="{fees.member2.pk}"' not in html


def test_the_secretary_sees_older_months_and_reverses_a_receipt(client, fees):
    receipt = payments.record_payment(fees.users.collector, fees.member1, months=[m(0)])
    client.force_login(fees.users.branch1)
    html = client.get(reverse("fees:record") + f"?person={fees.member1.pk}").content.decode()
    assert 'data-month="' + ym(m(-7)) + '"' in html
    assert 'id="reverse-link"' in client.get(reverse("fees:receipt", args=[receipt.number])).content.decode()
    r = client.post(reverse("fees:reverse", args=[receipt.number]), {"reason": ""})
    assert r.status_code == 200 and not Receipt.objects.filter(cancels=receipt).exists()
    r = client.post(reverse("fees:reverse", args=[receipt.number]), {"reason": "录错月份"})
    cancel = Receipt.objects.get(cancels=receipt)
    assert r.url == reverse("fees:receipt", args=[cancel.number])
    html = client.get(reverse("fees:receipt", args=[receipt.number])).content.decode()
    assert 'id="cancelled-by"' in html and 'id="reverse-link"' not in html
    # the collector may not reverse
    client.force_login(fees.users.collector)
    assert client.get(reverse("fees:reverse", args=[cancel.number])).status_code == 404


# ---- API --------------------------------------------------------------------------------------------------------


def test_api_my_statement_and_an_order(fees):
    api = api_as(fees.users.member1)
    r = api.get(reverse("api:fees-my"))
    assert r.status_code == 200
    data = r.json()
    assert data["year"] and len(data["months"]) == 12 and data["person"]["id"] == fees.member1.pk
    assert any(row["month"] == m(0).isoformat() and row["outstanding"] == "40.00" for row in data["months"])
    assert {p["kind"] for p in data["payable"]} == {"arrears", "current", "ahead"}
    assert api.get(reverse("api:fees-my") + "?year=abc").json()["errors"]["year"]

    r = api.post(reverse("api:fees-orders"), {"months": [ym(m(0)), ym(m(1))], "voluntary": "1.00"})
    assert r.status_code == 201, r.json()
    order = r.json()
    assert order["total"] == "81.00" and order["state"] == "created" and "/fees/cashier/fake/" in order["pay_url"]
    assert [row["amount"] for row in order["months"]] == ["40.00", "40.00"]
    body = FAKE.event_body(PaymentOrder.objects.get(), "paid")
    payments.handle_callback("fake", body, FAKE.signed(body))
    got = api.get(reverse("api:fees-order", args=[order["out_trade_no"]])).json()
    assert got["state"] == "paid" and got["receipt"] and got["pay_url"] is None
    receipt = api.get(reverse("api:fees-receipt", args=[got["receipt"]])).json()
    assert receipt["total"] == "81.00" and len(receipt["lines"]) == 3 and receipt["method"] == "online"


def test_api_order_refusals_are_400_with_field_errors(fees):
    api = api_as(fees.users.member1)
    for body, field in (({"months": [ym(m(-8))]}, "months"), ({"months": "2026-01"}, "months"),
                        ({"months": [ym(m(0))], "voluntary": "1.001"}, "voluntary"), ({}, "months")):
        r = api.post(reverse("api:fees-orders"), body, format="json")
        assert r.status_code == 400, body
        assert field in r.json()["errors"], (body, r.json())
    assert not PaymentOrder.objects.exists()
    assert api_as(fees.users.admin).post(reverse("api:fees-orders"), {"months": [ym(m(0))]}).status_code == 404


def test_api_collector_records_and_a_member_cannot(fees):
    api = api_as(fees.users.collector)
    r = api.post(reverse("api:fees-payments"), {"person": fees.member1.pk, "months": [ym(m(-1)), ym(m(0))],
                                                 "amounts": {ym(m(0)): "20.00"}, "method": "cash",
                                                 "voluntary": "5"}, format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["total"] == "65.00" and r.json()["number"].startswith("DF")
    r = api.post(reverse("api:fees-payments"), {"person": fees.member1.pk, "months": [ym(m(0))],
                                                 "amounts": {ym(m(0)): "20.01"}, "method": "cash"}, format="json")
    assert r.status_code == 400 and "months" in r.json()["errors"]
    r = api.post(reverse("api:fees-payments"), {"person": fees.member1.pk, "method": "cheque"}, format="json")
    assert r.status_code == 400 and "method" in r.json()["errors"]
    member = api_as(fees.users.member1)
    r = member.post(reverse("api:fees-payments"), {"person": fees.member1.pk, "months": [ym(m(1))],
                                                    "method": "cash"}, format="json")
    assert r.status_code == 404
    number = Receipt.objects.get().number
    assert member.get(reverse("api:fees-receipt", args=[number])).status_code == 200  # their own
    assert api_as(make_user("o1", fees.other1)).get(reverse("api:fees-receipt", args=[number])).status_code == 404


def test_without_a_provider_online_payment_is_off(member, fees, settings):
    """A server with no provider configured (the production default) offers no online payment at all: the fake
    cashier never stands in for a real one."""
    from django.core import checks

    from dangjian.fees import providers

    settings.FEES_PAYMENT_PROVIDER = ""
    settings.FEES_PAYMENT_PROVIDERS = None
    assert providers.default_provider() is None and not providers.online_enabled()
    r = member.get(reverse("fees:my"))
    assert r.status_code == 200 and b'id="pay-offline"' in r.content and b'id="pay-button"' not in r.content
    assert member.get(reverse("fees:pay")).status_code == 404
    r = api_as(fees.users.member1).post(reverse("api:fees-orders"), {"months": [ym(m(0))]})
    assert r.status_code == 400 and "months" in r.json()["errors"]
    assert not PaymentOrder.objects.exists()
    body = FAKE.event_body(PaymentOrder(out_trade_no="DFX", total=D("40.00")), "paid")
    from django.http import Http404

    with pytest.raises(Http404):  # no provider of that name takes callbacks
        payments.handle_callback("fake", body, FAKE.signed(body))
    assert not Payment.objects.exists()
    assert providers.check_providers() == []
    settings.FEES_PAYMENT_PROVIDER = "dangjian.fees.providers.FakeProvider"
    settings.DEBUG = False
    assert [c.id for c in providers.check_providers()] == ["fees.W001"]
    assert any(c.id == "fees.W001" for c in checks.run_checks(include_deployment_checks=True,
                                                                tags=[checks.Tags.security]))
