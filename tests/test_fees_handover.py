"""Hand-over (上缴) of Party fees: what an organisation holds, the flow submitted → received / returned → corrected,
every refusal, nothing handed over twice (claims, late entries, the order of periods, carrying lower hand-overs on),
the income entry on receipt, the pages and the API — a sibling branch gets 404 everywhere."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation

from dangjian.audit.models import AuditEntry
from dangjian.core.errors import DomainError
from dangjian.fees import handover
from dangjian.fees.models import HandOver, HandOverState, LedgerEntry, Payment, Purpose

from .conftest import api_as
from .test_fees_reports import JAN, pay, setup_fees

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def submit(tree, org=None, first="2026-01", last="2026-02", amount=None, actor=None, **kw):
    org = org or tree.branch1
    if amount is None:
        amount = handover.pending(org, *handover.period_bounds(date.fromisoformat(first + "-01"),
                                                               date.fromisoformat(last + "-01"))).expected
    return handover.submit(actor or tree.users.branch1, org, period_from=first, period_to=last, amount=amount, **kw)


def test_expected_is_dues_and_voluntary_held_with_large_payments_apart(tree):
    setup_fees(tree)
    p = handover.pending(tree.branch1, date(2026, 1, 1), date(2026, 2, 28))
    # member1 40 + 40 − 40, other1 10 + 10 + voluntary 5
    assert (p.dues, p.voluntary, p.large, p.expected, len(p.payments)) == (D("60.00"), D("5.00"), 0, D("65.00"), 5)
    p2 = handover.pending(tree.branch2, date(2026, 1, 1), date(2026, 2, 28))
    assert (p2.expected, p2.large) == (D("1060.00"), D("1000.00"))


def test_submit_claims_the_payments_and_receipt_writes_the_ledger(tree):
    setup_fees(tree)
    ho = submit(tree)
    assert (ho.state, ho.to_org_id, ho.expected, ho.amount) == (HandOverState.SUBMITTED, tree.general.pk,
                                                                 D("65.00"), D("65.00"))
    assert (ho.period_from, ho.period_to) == (date(2026, 1, 1), date(2026, 2, 28))
    assert Payment.objects.filter(handed_over=ho).count() == 5
    assert AuditEntry.objects.filter(model="fees.handover").exists()
    ho = handover.receive(tree.users.committee, ho)
    assert ho.state == HandOverState.RECEIVED and ho.decided_by == tree.users.committee
    entry = LedgerEntry.objects.get(handover=ho)
    assert (entry.org_id, entry.purpose, entry.amount, entry.direction) == (tree.general.pk, Purpose.HANDOVER_IN,
                                                                            D("65.00"), "income")
    with pytest.raises(DomainError) as e:
        handover.receive(tree.users.committee, ho)
    assert "state" in e.value.error_dict


def test_nothing_is_handed_over_twice_and_late_entries_come_along(tree):
    setup_fees(tree)
    first = submit(tree)
    # a payment for January recorded after the hand-over: it goes with the next one
    late = pay(tree.other1, JAN, "0.00", voluntary="3.00", paid_on=date(2026, 1, 20))
    p = handover.pending(tree.branch1, date(2026, 3, 1), date(2026, 3, 31))
    assert [x.pk for x in p.payments] == [late.pk] and p.late == 1 and p.expected == D("3.00")
    with pytest.raises(DomainError) as e:  # the same months again
        submit(tree, amount="3.00")
    assert "period_from" in e.value.error_dict
    second = submit(tree, first="2026-03", last="2026-03")
    assert Payment.objects.filter(handed_over=second).count() == 1
    assert Payment.objects.filter(handed_over=first).count() == 5
    assert Payment.objects.filter(org=tree.branch1, handed_over__isnull=True).count() == 0
    with pytest.raises(DomainError) as e:
        submit(tree, first="2026-04", last="2026-04")
    assert "amount" in e.value.error_dict  # nothing left to hand over


def test_return_releases_the_payments_for_a_corrected_hand_over(tree):
    setup_fees(tree)
    ho = submit(tree, amount="60.00", note="少交5元，次月补")
    with pytest.raises(DomainError) as e:
        handover.return_(tree.users.committee, ho, reason="  ")
    assert "reason" in e.value.error_dict
    ho = handover.return_(tree.users.committee, ho, reason="金额不符")
    assert ho.state == HandOverState.RETURNED and "金额不符" in ho.note and "少交5元" in ho.note
    assert not Payment.objects.filter(handed_over=ho).exists()
    with pytest.raises(DomainError) as e:
        handover.receive(tree.users.committee, ho)
    assert "state" in e.value.error_dict
    fixed = submit(tree, corrects=ho)
    assert fixed.corrects_id == ho.pk and fixed.amount == D("65.00")
    assert Payment.objects.filter(handed_over=fixed).count() == 5
    with pytest.raises(DomainError) as e:
        submit(tree, first="2026-03", last="2026-03", amount="1", note="x", corrects=ho)
    assert "corrects" in e.value.error_dict
    with pytest.raises(DomainError) as e:
        submit(tree, first="2026-03", last="2026-03", amount="1", note="x", corrects=fixed)
    assert "corrects" in e.value.error_dict


def test_refusals_change_nothing(tree):
    setup_fees(tree)
    today = timezone.localdate()
    cases = [
        ({"amount": "64.00"}, "note"),
        ({"amount": "abc"}, "amount"),
        ({"amount": "-1"}, "amount"),
        ({"amount": "1.234"}, "amount"),
        ({"first": "2026-03", "last": "2026-01", "amount": "65"}, "period_from"),
        ({"first": "2026-13", "amount": "65"}, "period_from"),
        ({"first": f"{today:%Y-%m}", "last": f"{today:%Y-%m}", "amount": "65"}, "period_to"),
        ({"handed_on": "2025-12-31"}, "handed_on"),
        ({"handed_on": "x"}, "handed_on"),
        ({"note": "\x00"}, "note"),
    ]
    for kw, field in cases:
        with pytest.raises(DomainError) as e:
            submit(tree, **kw)
        assert field in e.value.error_dict, (kw, e.value.error_dict)
    with pytest.raises(DomainError) as e:
        submit(tree, org=tree.group1, amount="1", note="x")
    assert "org" in e.value.error_dict
    with pytest.raises(DomainError) as e:
        submit(tree, org=tree.committee, actor=tree.users.committee, amount="1", note="x")
    assert "org" in e.value.error_dict  # the top organisation has no one above it
    assert HandOver.objects.count() == 0 and not Payment.objects.filter(handed_over__isnull=False).exists()


def test_only_the_organisations_managers_hand_over_and_only_the_receiver_decides(tree):
    setup_fees(tree)
    with pytest.raises(Http404):
        submit(tree, actor=tree.users.branch2)
    with pytest.raises(Http404):
        submit(tree, actor=tree.users.member1)
    ho = submit(tree)
    for user in (tree.users.branch1, tree.users.branch2, tree.users.member1):
        with pytest.raises(Http404):
            handover.receive(user, ho)
        with pytest.raises(Http404):
            handover.return_(user, ho, reason="x")
    assert HandOver.objects.get(pk=ho.pk).state == HandOverState.SUBMITTED


def test_an_upper_organisation_carries_the_lower_hand_overs_on(tree):
    setup_fees(tree)
    ho1 = handover.receive(tree.users.committee, submit(tree))
    ho2 = handover.receive(tree.users.committee, submit(tree, org=tree.branch2, actor=tree.users.branch2))
    march = timezone.make_aware(datetime(2026, 3, 5, 10, 0))
    HandOver.objects.filter(pk__in=[ho1.pk, ho2.pk]).update(decided_at=march)
    p = handover.pending(tree.general, date(2026, 3, 1), date(2026, 3, 31))
    assert {h.pk for h in p.lower} == {ho1.pk, ho2.pk}
    assert (p.lower_amount, p.large, p.expected) == (D("1125.00"), D("1000.00"), D("1125.00"))
    up = submit(tree, org=tree.general, first="2026-03", last="2026-03", actor=tree.users.committee)
    assert up.to_org_id == tree.committee.pk and up.large_voluntary == D("1000.00")
    assert {h.pk for h in handover.included_lower(up)} == {ho1.pk, ho2.pk}
    assert handover.pending(tree.general, date(2026, 4, 1), date(2026, 4, 30)).lower == []


def test_transitions_table():
    assert handover.next_state("submitted", "receive") == "received"
    assert handover.next_state("submitted", "return") == "returned"
    assert handover.next_state("received", "return") is None
    assert handover.next_state("returned", "receive") is None
    assert handover.next_state("submitted", "delete") is None


# ---- pages --------------------------------------------------------------------------------------------------------

def test_pages_flow(client, tree):
    setup_fees(tree)
    client.force_login(tree.users.branch1)
    form = client.get(reverse("fees:handover_new") + "?period_from=2026-01&period_to=2026-02")
    assert form.status_code == 200 and 'data-expected="65.00"' in form.content.decode()
    bad = client.post(reverse("fees:handover_new"), {"org": tree.branch1.pk, "period_from": "2026-01",
                                                     "period_to": "2026-02", "amount": "50"})
    assert bad.status_code == 200 and 'data-field-error="note"' in bad.content.decode()
    response = client.post(reverse("fees:handover_new"), {"org": tree.branch1.pk, "period_from": "2026-01",
                                                          "period_to": "2026-02", "amount": "65.00"})
    ho = HandOver.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("fees:handover", args=[ho.pk])
    assert client.get(reverse("fees:handover", args=[ho.pk])).status_code == 200
    assert client.get(reverse("fees:handovers")).status_code == 200
    client.post(reverse("fees:handover_action", args=[ho.pk, "receive"]))  # not the receiver: nothing happens
    assert HandOver.objects.get().state == HandOverState.SUBMITTED
    client.force_login(tree.users.committee)
    listing = client.get(reverse("fees:handovers")).content.decode()
    assert 'id="awaiting"' in listing
    page = client.get(reverse("fees:handover", args=[ho.pk])).content.decode()
    assert 'id="receive-btn"' in page
    client.post(reverse("fees:handover_action", args=[ho.pk, "return"]), {"reason": "金额不符"})
    assert HandOver.objects.get().state == HandOverState.RETURNED
    client.force_login(tree.users.branch1)
    assert 'id="correct-link"' in client.get(reverse("fees:handover", args=[ho.pk])).content.decode()
    corrected = client.post(reverse("fees:handover_new"), {"org": tree.branch1.pk, "period_from": "2026-01",
                                                           "period_to": "2026-02", "amount": "65.00",
                                                           "corrects": ho.pk})
    assert corrected.status_code == 302
    assert HandOver.objects.filter(corrects=ho).count() == 1


def test_sibling_branch_gets_404_on_pages_and_api(client, tree):
    setup_fees(tree)
    ho = submit(tree)
    client.force_login(tree.users.branch2)
    assert client.get(reverse("fees:handover", args=[ho.pk])).status_code == 404
    assert client.post(reverse("fees:handover_action", args=[ho.pk, "receive"])).status_code == 404
    assert client.get(reverse("fees:handover_new") + f"?org={tree.branch1.pk}").status_code == 404
    assert client.post(reverse("fees:handover_new"), {"org": tree.branch1.pk, "period_from": "2026-01",
                                                      "period_to": "2026-02", "amount": "1"}).status_code == 404
    assert f'data-handover="{ho.pk}"' not in client.get(reverse("fees:handovers")).content.decode()
    api = api_as(tree.users.branch2)
    assert api.get(f"/api/v1/fees/handovers/{ho.pk}").status_code == 404
    assert api.post(f"/api/v1/fees/handovers/{ho.pk}/receive").status_code == 404
    assert api.post(f"/api/v1/fees/handovers/{ho.pk}/return", {"reason": "x"}).status_code == 404
    assert api.get("/api/v1/fees/handovers").json()["results"] == []
    assert api.post("/api/v1/fees/handovers", {"org": tree.branch1.pk, "period_from": "2026-01",
                                               "period_to": "2026-02", "amount": "1"}).status_code == 404
    client.force_login(tree.users.member1)
    assert client.get(reverse("fees:handovers")).status_code == 404
    assert client.get(reverse("fees:handover", args=[ho.pk])).status_code == 404


def test_api_flow(tree):
    setup_fees(tree)
    api = api_as(tree.users.branch1)
    bad = api.post("/api/v1/fees/handovers", {"org": tree.branch1.pk, "period_from": "2026-01",
                                              "period_to": "2026-02", "amount": "1.234"}, format="json")
    assert bad.status_code == 400 and "amount" in bad.json()["errors"]
    created = api.post("/api/v1/fees/handovers", {"org": tree.branch1.pk, "period_from": "2026-01",
                                                  "period_to": "2026-02", "amount": "65.00"}, format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert (data["expected"], data["state"], data["to_org"]["id"]) == ("65.00", "submitted", tree.general.pk)
    assert api.get("/api/v1/fees/handovers").json()["results"][0]["id"] == data["id"]
    boss = api_as(tree.users.committee)
    stale = boss.post(f"/api/v1/fees/handovers/{data['id']}/receive", {"version": data["version"] + 5},
                      format="json")
    assert stale.status_code == 409
    no_reason = boss.post(f"/api/v1/fees/handovers/{data['id']}/return", {"reason": ""}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["errors"]
    done = boss.post(f"/api/v1/fees/handovers/{data['id']}/receive", {"version": data["version"]}, format="json")
    assert done.status_code == 200 and done.json()["state"] == "received"
    assert LedgerEntry.objects.filter(org=tree.general, purpose="handover_in").count() == 1


def test_list_page_query_count_does_not_grow(client, tree, django_assert_max_num_queries):
    setup_fees(tree)
    client.force_login(tree.users.committee)
    submit(tree)
    client.get(reverse("fees:handovers"))
    with django_assert_max_num_queries(12):
        client.get(reverse("fees:handovers"))
    submit(tree, org=tree.branch2, actor=tree.users.branch2)
    with django_assert_max_num_queries(12):
        html = client.get(reverse("fees:handovers")).content.decode()
    assert html.count("data-handover=") == 4  # two awaiting receipt, listed twice (awaiting and all)
