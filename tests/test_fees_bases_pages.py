"""Fee base pages and API: a member's base page (set, re-base, correct), the member's declaration on their phone,
adjustments (open, confirm, return, bulk, close), reliefs, the month roster and arrears — with every refusal on the
page and on the API, the collector/manager/member split, a sibling branch's 404 everywhere and query counts."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from dangjian.accounts.models import Role
from dangjian.fees import bases, services
from dangjian.fees.models import BaseCampaign, BaseDeclaration, Due, FeeBase, Payment, Relief

from .conftest import api_as
from .factories import give_post, make_person, make_user

D = Decimal
pytestmark = pytest.mark.django_db
API = "/api/v1/fees"


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def col(tree):
    person = make_person(tree.branch1, name="收缴员")
    give_post(person, tree.branch1, Role.FEE_COLLECTOR)
    return make_user("collector1", person)


def first_base(tree, person=None, base="4000"):
    return bases.record_base(tree.users.branch1, person or tree.member1, mode="initial", category="in_service",
                             base=base, effective_from=date(2026, 1, 1))


def open_campaign(tree, org=None, actor=None):
    return bases.open_campaign(actor or tree.users.branch1, org or tree.branch1, year=2027,
                               deadline=timezone.localdate() + timedelta(days=20))


def text(response):
    return response.content.decode()


# ---------------------------------------------------------------------------------------------------- base page

def test_manager_sets_rebases_and_corrects_on_the_page(client, tree):
    client.force_login(tree.users.branch1)
    url = reverse("fees:base", args=[tree.member1.pk])
    page = text(client.get(url))
    assert 'id="no-base"' in page and 'name="mode" value="initial"' in page and 'id="base-calculator"' in page
    r = client.post(url, {"mode": "initial", "category": "in_service", "gross": "5000", "deduction_0": "200",
                          "deduction_1": "300", "effective_from": "2026-01-01"})
    assert r.status_code == 302
    b = FeeBase.objects.get()
    assert (b.base, b.amount, b.deductions) == (D("4500.00"), D("45.00"), {"个人所得税": "200.00", "养老保险": "300.00"})
    r = client.post(url, {"mode": "rebase", "category": "in_service", "base": "6000", "effective_from": "2026-06-10"})
    assert r.status_code == 200 and 'data-field-error="reason"' in text(r)
    r = client.post(url, {"mode": "rebase", "category": "in_service", "base": "6000", "effective_from": "2026-06-10",
                          "reason": "晋升"})
    assert r.status_code == 302
    current = FeeBase.objects.get(superseded_at__isnull=True, source="rebase")
    page = text(client.get(url + "?mode=correct"))
    assert f'name="corrects" value="{current.pk}"' in page
    r = client.post(url, {"mode": "correct", "corrects": current.pk, "category": "in_service", "base": "5500",
                          "reason": "录错"})
    assert r.status_code == 302
    page = text(client.get(url))
    assert page.count('data-superseded="1"') == 1 and page.count('data-superseded="0"') == 2
    assert FeeBase.objects.count() == 3


def test_bad_input_on_the_base_page_changes_nothing(client, tree):
    client.force_login(tree.users.branch1)
    url = reverse("fees:base", args=[tree.member1.pk])
    for data, field in (({"category": "in_service", "base": "-1"}, "base"),
                        ({"category": "in_service", "base": "1.234"}, "base"),
                        ({"category": "in_service", "gross": "100", "deduction_0": "200"}, None)):
        r = client.post(url, {"mode": "initial", "effective_from": "2026-01-01", **data})
        assert r.status_code == 200
        if field:
            assert f'data-field-error="{field}"' in text(r)
        else:
            assert "more than the included pay" in text(r)
    assert FeeBase.objects.count() == 0


def test_who_sees_a_members_base_page(client, tree, col):
    first_base(tree)
    url = reverse("fees:base", args=[tree.member1.pk])
    client.force_login(tree.users.member1)
    page = text(client.get(url))
    assert 'data-amount="40.00"' in page and 'id="base-form"' not in page
    assert client.post(url, {"mode": "rebase", "category": "student", "reason": "x"}).status_code == 404
    assert client.get(reverse("fees:base", args=[tree.other1.pk])).status_code == 404
    assert client.get(reverse("fees:my_base")).url == url
    client.force_login(col)
    page = text(client.get(url))
    assert 'data-amount="40.00"' in page and 'id="base-form"' not in page
    assert client.post(url, {"mode": "rebase", "category": "student", "reason": "x"}).status_code == 404
    client.force_login(tree.users.committee)
    assert 'id="base-form"' in text(client.get(url))
    assert FeeBase.objects.count() == 1


def test_categories_page(client, tree):
    client.force_login(tree.users.member1)
    page = text(client.get(reverse("fees:categories")))
    for code in ("in_service", "retired", "farmer", "student", "unemployed"):
        assert f'data-category="{code}"' in page
    assert "0.5%" in page and "1.5%" in page and "2%" in page and "住房公积金" in page


# ---------------------------------------------------------------------------------------------------- adjustments

def test_member_declares_on_their_phone_and_branch_confirms(client, tree):
    client.force_login(tree.users.member1)
    assert 'id="no-campaign"' in text(client.get(reverse("fees:declare")))
    c = open_campaign(tree)
    page = text(client.get(reverse("fees:declare")))
    assert 'id="decl-form"' in page and "2027" in page
    r = client.post(reverse("fees:declare"), {"category": "in_service", "gross": "7000", "deduction_0": "1000"})
    assert r.status_code == 302
    d = BaseDeclaration.objects.get()
    assert (d.base, d.state, d.gross) == (D("6000.00"), "submitted", D("7000.00"))
    r = client.post(reverse("fees:declare"), {"category": "in_service", "base": "5000", "version": "9"})
    assert "changed by someone else" in text(r)
    client.force_login(tree.users.branch1)
    page = text(client.get(reverse("fees:campaign", args=[c.pk])))
    assert f'data-declaration="{d.pk}"' in page and 'data-total="submitted">1<' in page
    r = client.post(reverse("fees:declaration_action", args=[d.pk, "return"]), {"version": d.version})
    assert "This field is required" in " ".join(str(m) for m in r.wsgi_request._messages)
    d.refresh_from_db()
    assert d.state == "submitted"
    client.post(reverse("fees:declaration_action", args=[d.pk, "return"]), {"version": d.version,
                                                                            "reason": "请附工资条"})
    d.refresh_from_db()
    assert d.state == "returned"
    client.force_login(tree.users.member1)
    page = text(client.get(reverse("fees:declare")))
    assert 'data-decl-state="returned"' in page and "请附工资条" in page
    client.post(reverse("fees:declare"), {"category": "in_service", "base": "5000", "version": d.version})
    client.force_login(tree.users.branch1)
    d.refresh_from_db()
    client.post(reverse("fees:campaign_confirm", args=[c.pk]), {"ids": [d.pk]})
    d.refresh_from_db()
    assert d.state == "confirmed" and d.fee_base.applies_from == date(2027, 1, 1)
    r = client.post(reverse("fees:campaign_close", args=[c.pk]), {"version": c.version})
    c.refresh_from_db()
    assert c.state == "closed"


def test_open_a_campaign_on_the_page_and_refusals(client, tree, col):
    client.force_login(tree.users.branch1)
    deadline = (timezone.localdate() + timedelta(days=9)).isoformat()
    r = client.post(reverse("fees:campaigns"), {"org": tree.branch1.pk, "year": "2027", "deadline": deadline})
    assert r.status_code == 302
    r = client.post(reverse("fees:campaigns"), {"org": tree.branch1.pk, "year": "2027", "deadline": deadline})
    assert r.status_code == 200 and 'data-field-error="year"' in text(r)
    r = client.post(reverse("fees:campaigns"), {"org": tree.branch1.pk, "year": "2028", "deadline": "2001-01-01"})
    assert 'data-field-error="deadline"' in text(r)
    assert BaseCampaign.objects.count() == 1
    client.force_login(col)  # a collector sees, enters, does not open, confirm or close
    assert client.get(reverse("fees:campaigns")).status_code == 200
    assert 'id="campaign-form"' not in text(client.get(reverse("fees:campaigns")))
    assert client.post(reverse("fees:campaigns"), {"org": tree.branch1.pk, "year": "2029",
                                                   "deadline": deadline}).status_code == 404
    c = BaseCampaign.objects.get()
    page = text(client.get(reverse("fees:campaign", args=[c.pk]) + "?tab=missing"))
    assert f'data-person="{tree.member1.pk}"' in page
    url = reverse("fees:campaign_enter", args=[c.pk]) + f"?person={tree.member1.pk}"
    assert client.post(url, {"category": "retired", "base": "3000"}).status_code == 302
    d = BaseDeclaration.objects.get()
    assert d.entered_by == col
    assert client.post(reverse("fees:declaration_action", args=[d.pk, "confirm"])).status_code == 404
    assert client.post(reverse("fees:campaign_confirm", args=[c.pk]), {"ids": [d.pk]}).status_code == 404
    assert client.post(reverse("fees:campaign_close", args=[c.pk])).status_code == 404
    d.refresh_from_db()
    assert d.state == "submitted"


def test_a_branch_works_in_its_part_of_the_committees_adjustment(client, tree):
    c = open_campaign(tree, org=tree.committee, actor=tree.users.committee)
    bases.declare(tree.users.member1, c, tree.member1, category="student")
    d2 = bases.declare(tree.users.committee, c, tree.member2, category="student")
    client.force_login(tree.users.branch1)
    page = text(client.get(reverse("fees:campaign", args=[c.pk])))
    assert f'data-declaration="{d2.pk}"' not in page and 'id="close-campaign"' not in page
    assert f'data-org="{tree.branch1.pk}"' in page and f'data-org="{tree.branch2.pk}"' not in page
    client.post(reverse("fees:campaign_confirm", args=[c.pk]), {"ids": [d2.pk]})
    d2.refresh_from_db()
    assert d2.state == "submitted"
    assert client.post(reverse("fees:declaration_action", args=[d2.pk, "confirm"])).status_code == 404


# ---------------------------------------------------------------------------------------------------- reliefs

def test_relief_on_the_pages(client, tree, col):
    first_base(tree)
    services.generate_dues(date(2026, 3, 1))
    client.force_login(tree.users.member1)
    r = client.post(reverse("fees:relief_new"), {"kind": "reduce", "from_month": "2026-03", "to_month": "2026-03",
                                                 "reason": "困难"})
    assert r.status_code == 200 and 'data-field-error="amount"' in text(r)
    r = client.post(reverse("fees:relief_new"), {"kind": "reduce", "amount": "5", "from_month": "2026-03",
                                                 "to_month": "2026-03", "reason": "困难"})
    relief = Relief.objects.get()
    assert r.url == reverse("fees:relief", args=[relief.pk])
    page = text(client.get(r.url))
    assert 'id="relief-actions"' not in page
    assert client.post(reverse("fees:relief_action", args=[relief.pk, "approve"])).status_code == 404
    client.force_login(col)
    r = client.post(reverse("fees:relief_new") + f"?person={tree.other1.pk}",
                    {"kind": "exempt", "from_month": "2026-03", "to_month": "2026-04", "reason": "病"})
    assert r.status_code == 302
    assert client.post(reverse("fees:relief_action", args=[relief.pk, "approve"])).status_code == 404
    relief.refresh_from_db()
    assert relief.state == "requested"
    client.force_login(tree.users.branch1)
    page = text(client.get(reverse("fees:reliefs") + "?state=requested"))
    assert page.count("data-relief=") == 2
    assert 'data-action="approve"' in text(client.get(reverse("fees:relief", args=[relief.pk])))
    r = client.post(reverse("fees:relief_action", args=[relief.pk, "reject"]), {"version": relief.version})
    relief.refresh_from_db()
    assert relief.state == "requested"
    client.post(reverse("fees:relief_action", args=[relief.pk, "approve"]), {"version": relief.version})
    relief.refresh_from_db()
    assert relief.state == "approved"
    assert Due.objects.get(person=tree.member1, superseded_at__isnull=True).amount == D("5.00")


# ---------------------------------------------------------------------------------------------------- roster, arrears

def _case(tree):
    first_base(tree)
    bases.record_base(tree.users.branch1, tree.other1, mode="initial", category="retired", base="2000",
                      effective_from=date(2026, 1, 1))
    for n in range(1, 8):
        services.generate_dues(date(2026, n, 1))
    Payment.objects.create(person=tree.other1, month=date(2026, 3, 1), amount=D("10.00"), method="cash",
                           paid_on=date(2026, 3, 5), org=tree.branch1, scope_path=tree.branch1.path)


def test_month_roster_page(client, tree):
    _case(tree)
    client.force_login(tree.users.branch1)
    page = text(client.get(reverse("fees:month") + "?month=2026-03"))
    assert 'data-total="due">¥50.00<' in page and 'data-total="paid">¥10.00<' in page
    assert 'data-total="outstanding">¥40.00<' in page
    assert f'data-person="{tree.member1.pk}" data-state="unpaid"' in page
    assert f'data-person="{tree.other1.pk}" data-state="paid"' in page
    assert f'data-missing="{tree.sec1.pk}"' in page
    page = text(client.get(reverse("fees:month") + "?month=2026-03&state=paid"))
    assert f'data-person="{tree.member1.pk}"' not in page
    page = text(client.get(reverse("fees:month") + "?month=2026-08"))
    assert 'id="not-generated"' in page
    r = client.post(reverse("fees:month_generate"), {"org": tree.branch1.pk, "month": "2026-08"})
    assert r.status_code == 302 and Due.objects.filter(month=date(2026, 8, 1)).count() == 2
    assert client.get(reverse("fees:month") + "?month=garbage").status_code == 200


def test_month_roster_query_count_does_not_grow(client, tree, django_assert_max_num_queries):
    _case(tree)
    client.force_login(tree.users.branch1)
    url = reverse("fees:month") + "?month=2026-03"
    client.get(url)
    with django_assert_max_num_queries(16) as small:
        client.get(url)
    for n in range(15):
        p = make_person(tree.branch1, name=f"新党员{n}")
        first_base(tree, p, base="3000")
    services.generate_dues(date(2026, 3, 1))
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)


def test_arrears_page_and_query_count(client, tree, django_assert_max_num_queries):
    _case(tree)
    client.force_login(tree.users.branch1)
    from freezegun import freeze_time

    with freeze_time("2026-07-20"):
        page = text(client.get(reverse("fees:arrears")))
        assert f'data-person="{tree.member1.pk}" data-lapsed="1"' in page
        assert f'data-person="{tree.other1.pk}" data-lapsed="0"' in page and 'id="lapse-note"' in page
        page = text(client.get(reverse("fees:arrears") + "?lapsed=1"))
        assert f'data-person="{tree.other1.pk}"' not in page
        with django_assert_max_num_queries(14) as small:
            client.get(reverse("fees:arrears"))
        for n in range(10):
            first_base(tree, make_person(tree.branch1, name=f"欠费{n}"))
        services.generate_dues(date(2026, 6, 1))
        with django_assert_max_num_queries(len(small.captured_queries)):
            client.get(reverse("fees:arrears"))


def test_collector_sees_roster_and_arrears_but_cannot_generate(client, tree, col):
    _case(tree)
    client.force_login(col)
    assert client.get(reverse("fees:month") + "?month=2026-03").status_code == 200
    assert 'id="generate"' not in text(client.get(reverse("fees:month") + "?month=2026-09"))
    assert client.post(reverse("fees:month_generate"), {"org": tree.branch1.pk, "month": "2026-09"}).status_code == 404
    assert client.get(reverse("fees:arrears")).status_code == 200
    client.force_login(tree.users.member1)
    assert client.get(reverse("fees:month")).status_code == 404
    assert client.get(reverse("fees:arrears")).status_code == 404


def test_todo_partial_renders(tree):
    from django.template.loader import render_to_string

    _case(tree)
    html = render_to_string("fees/_todo.html", {"items": bases.todo_for(tree.users.branch1, date(2026, 7, 28))})
    assert 'data-todo="unpaid"' in html and 'data-todo="lapse"' in html and "/fees/month/" in html
    assert render_to_string("fees/_todo.html", {"items": []}).strip() == ""


# ---------------------------------------------------------------------------------------------------- sibling branch

def test_sibling_branch_gets_404_on_every_page_and_action(client, tree):
    _case(tree)
    c = open_campaign(tree)
    d = bases.declare(tree.users.member1, c, tree.member1, category="student")
    relief = bases.request_relief(tree.users.member1, tree.member1, kind="exempt", from_month="2026-09",
                                  to_month="2026-09", reason="x")
    client.force_login(tree.users.branch2)
    for url in (reverse("fees:base", args=[tree.member1.pk]), reverse("fees:campaign", args=[c.pk]),
                reverse("fees:campaign_enter", args=[c.pk]) + f"?person={tree.member1.pk}",
                reverse("fees:relief", args=[relief.pk]), reverse("fees:relief_new") + f"?person={tree.member1.pk}",
                reverse("fees:month") + f"?org={tree.branch1.pk}", reverse("fees:arrears") + f"?org={tree.branch1.pk}",
                reverse("fees:reliefs") + f"?org={tree.branch1.pk}"):
        assert client.get(url).status_code == 404, url
    for url, data in ((reverse("fees:base", args=[tree.member1.pk]), {"mode": "rebase", "category": "student",
                                                                      "reason": "x"}),
                      (reverse("fees:declaration_action", args=[d.pk, "confirm"]), {}),
                      (reverse("fees:campaign_confirm", args=[c.pk]), {"ids": [d.pk]}),
                      (reverse("fees:campaign_close", args=[c.pk]), {}),
                      (reverse("fees:relief_action", args=[relief.pk, "approve"]), {}),
                      (reverse("fees:month_generate"), {"org": tree.branch1.pk, "month": "2026-09"})):
        assert client.post(url, data).status_code == 404, url
    assert f'data-campaign="{c.pk}"' not in text(client.get(reverse("fees:campaigns")))
    d.refresh_from_db()
    relief.refresh_from_db()
    c.refresh_from_db()
    assert (d.state, relief.state, c.state) == ("submitted", "requested", "open")


def test_sibling_branch_gets_404_on_the_api(tree):
    _case(tree)
    c = open_campaign(tree)
    d = bases.declare(tree.users.member1, c, tree.member1, category="student")
    relief = bases.request_relief(tree.users.member1, tree.member1, kind="exempt", from_month="2026-09",
                                  to_month="2026-09", reason="x")
    api = api_as(tree.users.branch2)
    for url in (f"{API}/people/{tree.member1.pk}/bases/", f"{API}/campaigns/{c.pk}/",
                f"{API}/campaigns/{c.pk}/declarations/", f"{API}/arrears/?org={tree.branch1.pk}",
                f"{API}/month/?org={tree.branch1.pk}", f"{API}/reliefs/?org={tree.branch1.pk}"):
        assert api.get(url).status_code == 404, url
    for url, data in ((f"{API}/people/{tree.member1.pk}/bases/", {"mode": "rebase", "category": "student",
                                                                   "reason": "x"}),
                      (f"{API}/campaigns/{c.pk}/declarations/", {"person": tree.member1.pk, "category": "student"}),
                      (f"{API}/declarations/{d.pk}/confirm/", {}), (f"{API}/reliefs/{relief.pk}/approve/", {}),
                      (f"{API}/reliefs/", {"person": tree.member1.pk, "kind": "exempt", "from_month": "2026-10",
                                           "to_month": "2026-10", "reason": "x"}),
                      (f"{API}/campaigns/", {"org": tree.branch1.pk, "year": 2028,
                                             "deadline": (timezone.localdate() + timedelta(days=3)).isoformat()})):
        assert api.post(url, data, format="json").status_code == 404, url
    assert [x["id"] for x in api.get(f"{API}/campaigns/").json()] == []


# ---------------------------------------------------------------------------------------------------- API

def test_api_bases(tree):
    api = api_as(tree.users.branch1)
    url = f"{API}/people/{tree.member1.pk}/bases/"
    r = api.post(url, {"mode": "initial", "category": "in_service", "gross": "6000",
                       "deductions": {"个人所得税": "100"}, "effective_from": "2026-01-01"}, format="json")
    assert r.status_code == 201 and r.json()["base"] == "5900.00" and r.json()["amount"] == "88.50"
    r = api.post(url, {"mode": "rebase", "category": "in_service", "base": "1.234", "reason": "x",
                       "effective_from": "2026-02-01"}, format="json")
    assert r.status_code == 400 and "base" in r.json()["errors"]
    r = api.post(url, {"mode": "rebase", "category": "in_service", "base": "100", "effective_from": "2026-02-01"},
                 format="json")
    assert r.status_code == 400 and "reason" in r.json()["errors"]
    r = api.post(url, {"mode": "nope", "category": "in_service"}, format="json")
    assert r.status_code == 400 and "mode" in r.json()["errors"]
    assert FeeBase.objects.count() == 1
    assert len(api_as(tree.users.member1).get(url).json()) == 1
    assert api_as(tree.users.member1).post(url, {"mode": "rebase", "category": "student", "reason": "x"},
                                           format="json").status_code == 404
    assert api_as(tree.users.member1).get(f"{API}/people/{tree.other1.pk}/bases/").status_code == 404


def test_api_campaign_flow(tree, col):
    deadline = (timezone.localdate() + timedelta(days=3)).isoformat()
    api = api_as(tree.users.branch1)
    r = api.post(f"{API}/campaigns/", {"org": tree.branch1.pk, "year": 2027, "deadline": deadline}, format="json")
    assert r.status_code == 201
    cid = r.json()["id"]
    r = api.post(f"{API}/campaigns/", {"org": tree.branch1.pk, "year": 2027, "deadline": deadline}, format="json")
    assert r.status_code == 400 and "year" in r.json()["errors"]
    assert api_as(col).post(f"{API}/campaigns/", {"org": tree.branch1.pk, "year": 2028, "deadline": deadline},
                            format="json").status_code == 404
    me = api_as(tree.users.member1)
    r = me.post(f"{API}/campaigns/{cid}/declarations/", {"category": "in_service", "base": "-3"}, format="json")
    assert r.status_code == 400 and "base" in r.json()["errors"]
    r = me.post(f"{API}/campaigns/{cid}/declarations/", {"category": "in_service", "base": "3000"}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "submitted"
    did = r.json()["id"]
    assert me.post(f"{API}/campaigns/{cid}/declarations/", {"person": tree.other1.pk, "category": "student"},
                   format="json").status_code == 404
    assert [x["id"] for x in me.get(f"{API}/campaigns/{cid}/declarations/").json()] == [did]
    r = api_as(col).post(f"{API}/campaigns/{cid}/declarations/", {"person": tree.other1.pk, "category": "student"},
                         format="json")
    assert r.status_code == 200
    assert api_as(col).post(f"{API}/declarations/{did}/confirm/", {}, format="json").status_code == 404
    r = api.post(f"{API}/declarations/{did}/return/", {}, format="json")
    assert r.status_code == 400 and "reason" in r.json()["errors"]
    r = api.post(f"{API}/declarations/{did}/confirm/", {"version": 5}, format="json")
    assert r.status_code == 409
    r = api.post(f"{API}/declarations/{did}/confirm/", {"version": 1}, format="json")
    assert r.status_code == 200 and r.json()["fee_base"]
    detail = api.get(f"{API}/campaigns/{cid}/").json()
    assert detail["total"]["confirmed"] == 1 and detail["total"]["submitted"] == 1
    assert {x["state"] for x in api.get(f"{API}/campaigns/{cid}/declarations/?state=submitted").json()} == {
        "submitted"}
    assert api.get(f"{API}/campaigns/{cid}/declarations/?state=bogus").status_code == 400


def test_api_reliefs(tree, col):
    first_base(tree)
    me = api_as(tree.users.member1)
    r = me.post(f"{API}/reliefs/", {"kind": "exempt", "from_month": "2026-05", "to_month": "2026-04",
                                    "reason": "x"}, format="json")
    assert r.status_code == 400 and "to_month" in r.json()["errors"]
    r = me.post(f"{API}/reliefs/", {"kind": "exempt", "from_month": "2026-04", "to_month": "2026-05",
                                    "reason": "病"}, format="json")
    assert r.status_code == 201
    rid = r.json()["id"]
    assert [x["id"] for x in me.get(f"{API}/reliefs/").json()] == [rid]
    assert me.post(f"{API}/reliefs/{rid}/approve/", {}, format="json").status_code == 404
    assert api_as(col).post(f"{API}/reliefs/{rid}/approve/", {}, format="json").status_code == 404
    api = api_as(tree.users.branch1)
    r = api.post(f"{API}/reliefs/{rid}/reject/", {}, format="json")
    assert r.status_code == 400 and "note" in r.json()["errors"]
    r = api.post(f"{API}/reliefs/{rid}/approve/", {"version": 1}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "approved"
    assert api.post(f"{API}/reliefs/{rid}/approve/", {}, format="json").status_code == 400
    assert len(api.get(f"{API}/reliefs/?org={tree.branch1.pk}&state=approved").json()) == 1
    assert api.post(f"{API}/reliefs/{rid}/revoke/", {"note": "康复", "version": 1}, format="json").status_code == 409
    r = api.post(f"{API}/reliefs/{rid}/revoke/", {"note": "康复", "version": 2}, format="json")
    assert r.status_code == 200 and (r.json()["state"], r.json()["decision_note"]) == ("revoked", "康复")
    assert Relief.objects.get().state == "revoked"


def test_api_month_and_arrears(tree):
    _case(tree)
    api = api_as(tree.users.committee)
    r = api.get(f"{API}/month/?org={tree.general.pk}&month=2026-03")
    body = r.json()
    assert r.status_code == 200 and (body["due"], body["paid"], body["outstanding"]) == ("50.00", "10.00", "40.00")
    assert body["counts"] == {"paid": 1, "partly": 0, "unpaid": 1, "exempt": 0} and body["count"] == 2
    assert {x["state"] for x in body["results"]} == {"paid", "unpaid"}
    assert tree.sec1.pk in {p["id"] for p in body["without_base"]}
    assert api.get(f"{API}/month/?org={tree.general.pk}&month=2026-13").status_code == 400
    assert api.get(f"{API}/month/").status_code == 400
    from freezegun import freeze_time

    with freeze_time("2026-07-20"):
        rows = api.get(f"{API}/arrears/?org={tree.general.pk}").json()
        flags = {x["person"]["id"]: (x["run"], x["lapsed"], x["count"]) for x in rows}
        assert flags == {tree.member1.pk: (6, True, 6), tree.other1.pk: (3, False, 5)}
        assert len(api.get(f"{API}/arrears/?org={tree.general.pk}&lapsed=1").json()) == 1
    assert api_as(tree.users.member1).get(f"{API}/arrears/?org={tree.branch1.pk}").status_code == 404


def test_campaign_and_relief_lists_query_count_does_not_grow(client, tree, django_assert_max_num_queries):
    c = open_campaign(tree)

    def add(n):
        for i in range(n):
            p = make_person(tree.branch1, name=f"填报{n}-{i}")
            bases.declare(tree.users.branch1, c, p, category="student")
            bases.request_relief(tree.users.branch1, p, kind="exempt", from_month="2026-01", to_month="2026-01",
                                 reason="x")

    add(2)
    client.force_login(tree.users.branch1)
    urls = [reverse("fees:campaign", args=[c.pk]), reverse("fees:reliefs"), reverse("fees:campaigns")]
    counts = {}
    for url in urls:
        client.get(url)
        with django_assert_max_num_queries(20) as q:
            assert client.get(url).status_code == 200
        counts[url] = len(q.captured_queries)
    add(12)
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            client.get(url)


def test_base_page_query_count_does_not_grow_with_the_history(client, tree, django_assert_max_num_queries):
    first_base(tree)
    services.generate_dues(date(2026, 1, 1))
    client.force_login(tree.users.branch1)
    url = reverse("fees:base", args=[tree.member1.pk])
    client.get(url)
    with django_assert_max_num_queries(30) as q:
        client.get(url)
    for n in range(6):
        bases.record_base(tree.users.committee, tree.member1, mode="rebase", category="in_service",
                          base=str(4000 + n), effective_from=date(2026, 2 + n, 1), reason="调整")
        services.generate_dues(date(2026, 2 + n, 1))
    with django_assert_max_num_queries(len(q.captured_queries)):
        assert "调整" in text(client.get(url))


def test_managing_elsewhere_gives_no_buttons_where_one_only_reads(client, tree):
    """branch2's secretary who is also a committee member of the committee (fees:read over it all) reads branch1
    but gets no manager's forms or buttons there."""
    give_post(tree.sec2, tree.committee, Role.PROPAGANDA)
    first_base(tree)
    c = open_campaign(tree)
    d = bases.declare(tree.users.member1, c, tree.member1, category="student")
    client.force_login(tree.users.branch2)
    page = text(client.get(reverse("fees:base", args=[tree.member1.pk])))
    assert 'id="current-base"' in page and 'id="base-form"' not in page
    page = text(client.get(reverse("fees:month") + f"?org={tree.branch1.pk}&month=2026-05"))
    assert 'id="roster"' in page and 'id="generate"' not in page and "data-record=" not in page
    page = text(client.get(reverse("fees:campaign", args=[c.pk])))
    assert f'data-declaration="{d.pk}"' in page and 'data-action="confirm"' not in page
    assert 'id="bulk-confirm"' not in page and 'id="close-campaign"' not in page
