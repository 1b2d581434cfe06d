"""Transfer pages: tabs, forms, detail actions by side, the printable letter, receiving by letter number, scoping."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from freezegun import freeze_time

from dangjian.people.models import Person
from dangjian.transfers import services
from dangjian.transfers.models import Transfer, TransferState
from dangjian.transfers.rules import Action

from .factories import id_number, make_org, make_person

TODAY = date(2026, 3, 10)


@pytest.fixture
def t(tree):
    tree.branch3 = make_org("branch", parent=tree.committee, name="第三党支部", code="B3")
    tree.member3 = make_person(tree.branch3, name="三支部党员")
    return tree


def client_for(client, user):
    client.force_login(user)
    return client


def test_pages_need_a_transfer_post(client, t):
    url = reverse("transfers:list")
    assert client.get(url).status_code == 302  # to the login page
    for user in (t.users.member1, t.users.group1):
        client.force_login(user)
        for name in ("transfers:list", "transfers:start", "transfers:receive", "transfers:flows"):
            assert client.get(reverse(name)).status_code == 404, (user, name)


@freeze_time(TODAY)
def test_list_tabs_show_both_sides_and_nothing_to_a_sibling(client, t):
    tr = services.start_transfer(t.users.branch1, t.member1, to_org=t.branch3)
    c = client_for(client, t.users.branch1)
    r = c.get(reverse("transfers:list"))
    assert r.status_code == 200 and f'data-transfer="{tr.pk}"'.encode() in r.content
    r = c.get(reverse("transfers:list") + "?tab=incoming")
    assert f'data-transfer="{tr.pk}"'.encode() not in r.content
    client.force_login(t.users.committee)  # the committee holds both sides
    for tab in ("outgoing", "incoming"):
        assert f'data-transfer="{tr.pk}"'.encode() in client.get(reverse("transfers:list") + f"?tab={tab}").content
    client.force_login(t.users.branch2)
    for tab in ("outgoing", "incoming", "overdue", "completed"):
        r = client.get(reverse("transfers:list") + f"?tab={tab}&q=")
        assert f'data-transfer="{tr.pk}"'.encode() not in r.content and b'id="empty-state"' in r.content


def test_overdue_and_completed_tabs(client, t):
    with freeze_time(TODAY):
        late = services.start_transfer(t.users.branch1, t.member1, to_org=t.branch2)
        done = services.start_transfer(t.users.branch1, t.other1, to_org=t.branch2)
        services.transition(t.users.branch2, done, Action.ACCEPT)
    with freeze_time(TODAY + timedelta(days=31)):
        c = client_for(client, t.users.branch2)
        r = c.get(reverse("transfers:list") + "?tab=overdue")
        assert f'data-transfer="{late.pk}"'.encode() in r.content and b'data-overdue="1"' in r.content
        assert f'data-transfer="{done.pk}"'.encode() not in r.content
        r = c.get(reverse("transfers:list") + "?tab=completed")
        assert f'data-transfer="{done.pk}"'.encode() in r.content
        assert f'data-transfer="{late.pk}"'.encode() not in r.content


@freeze_time(TODAY)
def test_list_page_query_count_is_bounded(client, t, django_assert_max_num_queries):
    people = [make_person(t.branch1) for _ in range(30)]
    for p in people:
        services.start_transfer(t.users.branch1, p, to_org=t.branch2)
    c = client_for(client, t.users.committee)
    c.get(reverse("transfers:list"))  # warm caches (parameters, sessions)
    with django_assert_max_num_queries(14):
        r = c.get(reverse("transfers:list") + "?tab=incoming")
    assert r.content.count(b"data-transfer=") == 25  # one page


@freeze_time(TODAY)
def test_start_form_issues_a_letter(client, t):
    c = client_for(client, t.users.branch1)
    assert c.get(reverse("transfers:start") + f"?person={t.member1.pk}").status_code == 200
    r = c.post(reverse("transfers:start"), {"person": t.member1.pk, "destination": "internal",
                                            "to_org": t.branch2.pk, "reason": "工作调动",
                                            "issued_on": "2026-03-10", "valid_days": 30})
    tr = Transfer.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("transfers:detail", args=[tr.pk])
    assert tr.to_org == t.branch2 and tr.state == TransferState.PENDING
    r = c.post(reverse("transfers:start"), {"person": t.other1.pk, "destination": "external",
                                            "external_org": "外省某县委组织部", "issued_on": "2026-03-10",
                                            "valid_days": 45})
    assert r.status_code == 302 and Transfer.objects.filter(kind="outgoing", valid_days=45).exists()


@freeze_time(TODAY)
def test_start_form_refusals_name_the_field(client, t):
    c = client_for(client, t.users.branch1)
    r = c.post(reverse("transfers:start"), {"person": t.member1.pk, "destination": "internal",
                                            "to_org": t.branch2.pk, "issued_on": "2026-03-10", "valid_days": 91})
    assert r.status_code == 200 and b'data-field-error="valid_days"' in r.content
    r = c.post(reverse("transfers:start"), {"person": t.member1.pk, "destination": "internal",
                                            "to_org": t.branch1.pk, "issued_on": "2026-03-10", "valid_days": 30})
    assert b'data-field-error="to_org"' in r.content
    # branch2 cannot transfer branch1's member, even by posting its id
    client.force_login(t.users.branch2)
    r = client.post(reverse("transfers:start"), {"person": t.member1.pk, "destination": "internal",
                                                 "to_org": t.branch2.pk, "issued_on": "2026-03-10",
                                                 "valid_days": 30})
    assert r.status_code == 200 and b'data-field-error="person"' in r.content
    assert t.member1.name.encode() not in r.content
    assert not Transfer.objects.exists()


@freeze_time(TODAY)
def test_detail_buttons_follow_the_side_and_outsiders_get_404(client, t):
    tr = services.start_transfer(t.users.branch1, t.member1, to_org=t.branch2)
    other = services.start_transfer(t.users.committee, t.member3, to_org=t.branch2)
    url = reverse("transfers:detail", args=[tr.pk])
    c = client_for(client, t.users.branch1)
    r = c.get(url)
    assert b'data-action="cancel"' in r.content and b'data-action="accept"' not in r.content
    assert c.get(reverse("transfers:detail", args=[other.pk])).status_code == 404  # B3 → B2: not branch1's
    client.force_login(t.users.branch2)
    r = client.get(url)
    assert b'data-action="accept"' in r.content and b'data-action="reject"' in r.content
    assert b'data-action="cancel"' not in r.content
    # a sibling guessing ids: a transfer B1 → B3 is invisible to branch2
    third = services.start_transfer(t.users.branch1, t.other1, to_org=t.branch3)
    for name in ("transfers:detail", "transfers:letter"):
        assert client.get(reverse(name, args=[third.pk])).status_code == 404
    assert client.post(reverse("transfers:act", args=[third.pk, "cancel"])).status_code == 404
    assert client.get(reverse("transfers:detail", args=[999999])).status_code == 404


@freeze_time(TODAY)
def test_actions_by_page(client, t):
    tr = services.start_transfer(t.users.branch1, t.member1, to_org=t.branch2)
    act = reverse("transfers:act", args=[tr.pk, "accept"])
    c = client_for(client, t.users.branch1)
    assert c.post(act, {"version": tr.version}).status_code == 404  # the sender cannot accept
    client.force_login(t.users.branch2)
    r = client.post(reverse("transfers:act", args=[tr.pk, "reject"]), {"version": tr.version, "note": ""},
                    follow=True)
    assert Transfer.objects.get(pk=tr.pk).state == TransferState.PENDING and r.context["messages"]
    r = client.post(act, {"version": tr.version - 1})  # a stale page
    assert Transfer.objects.get(pk=tr.pk).state == TransferState.PENDING
    r = client.post(act, {"version": tr.version, "note": "欢迎"})
    assert r.status_code == 302
    assert Person.objects.get(pk=t.member1.pk).org == t.branch2
    assert client.post(reverse("transfers:act", args=[tr.pk, "bogus"])).status_code == 404


@freeze_time(TODAY)
def test_outgoing_receipt_by_page(client, t):
    tr = services.start_transfer(t.users.branch1, t.member1, external_org="外省某县委组织部")
    c = client_for(client, t.users.branch1)
    r = c.get(reverse("transfers:detail", args=[tr.pk]))
    assert b'data-action="receipt"' in r.content and b'data-action="cancel"' in r.content
    c.post(reverse("transfers:act", args=[tr.pk, "receipt"]), {"version": tr.version, "receipt_on": "2026-03-10"})
    tr.refresh_from_db()
    assert tr.state == TransferState.COMPLETED and tr.receipt_on == TODAY
    assert Person.objects.get(pk=t.member1.pk).status == "transferred_out"


@freeze_time(TODAY)
def test_printable_letter(client, t):
    tr = services.start_transfer(t.users.branch1, t.member1, external_org="外省某县委组织部", valid_days=60)
    c = client_for(client, t.users.branch1)
    r = c.get(reverse("transfers:letter", args=[tr.pk]))
    body = r.content.decode()
    assert r.status_code == 200
    assert tr.letter_no in body and "外省某县委组织部" in body and t.member1.name in body
    assert 'id="letter-main"' in body and 'id="letter-receipt"' in body and 'class="cut-line"' in body
    assert 'id="letter-stub"' not in body and "size: A4" in body
    assert t.member1.id_number_masked in body and t.member1.get_id_number() not in body
    assert 'id="letter-stub"' in c.get(reverse("transfers:letter", args=[tr.pk]) + "?stub=1").content.decode()


@freeze_time(TODAY)
def test_receive_by_letter_number(client, t):
    c = client_for(client, t.users.branch2)
    assert c.get(reverse("transfers:receive")).status_code == 200
    data = {"to_org": t.branch2.pk, "letter_no": "沪组转〔2026〕第88号", "external_org": "上海市某区委组织部",
            "issued_on": "2026-03-01", "valid_days": 30, "received_on": "2026-03-10", "name": "外来党员",
            "gender": "1", "ethnicity": "01", "id_number": id_number(7001), "political_status": "full",
            "join_date": "2012-07-01", "full_date": "2013-07-01", "applied_on": "2010-03-01"}
    r = c.post(reverse("transfers:receive"), data)
    tr = Transfer.objects.get(kind="incoming")
    assert r.status_code == 302 and tr.state == TransferState.ACCEPTED
    assert tr.person.org == t.branch2 and tr.person.applied_on == date(2010, 3, 1)
    r = c.post(reverse("transfers:receive"), {**data, "id_number": id_number(7002), "name": "另一人"})
    assert r.status_code == 200 and b'data-field-error="letter_no"' in r.content
    # branch1 cannot receive into branch2 by posting its id
    client.force_login(t.users.branch1)
    r = client.post(reverse("transfers:receive"), {**data, "letter_no": "X-1", "id_number": id_number(7003)})
    assert r.status_code == 200 and b'data-field-error="to_org"' in r.content
    assert Transfer.objects.count() == 1


def test_search_endpoints_are_scoped(client, t):
    c = client_for(client, t.users.branch1)
    r = c.get(reverse("transfers:person_search"), {"q": t.member1.name})
    assert f'value="{t.member1.pk}"'.encode() in r.content
    client.force_login(t.users.branch2)
    r = client.get(reverse("transfers:person_search"), {"q": t.member1.name})
    assert f'value="{t.member1.pk}"'.encode() not in r.content
    # any active branch on the platform may receive a member
    r = client.get(reverse("transfers:org_search"), {"q": "第一党支部"})
    assert f'value="{t.branch1.pk}"'.encode() in r.content
    # but an incoming letter is received only into my own branches
    r = client.get(reverse("transfers:org_search"), {"scope": "mine"})
    assert f'value="{t.branch2.pk}"'.encode() in r.content and f'value="{t.branch1.pk}"'.encode() not in r.content
