"""The fee ledger (fees.ledger): entries with purposes, the running balance, reversals (never edited or deleted),
the yearly summary by purpose, the xlsx export, the yearly disclosure to members of the subtree (not to a sibling
branch's), permissions on pages and API, query counts."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from dangjian.core.errors import DomainError
from dangjian.fees import ledger
from dangjian.fees.models import LedgerEntry

from .conftest import api_as

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def add(tree, org=None, day=date(2026, 3, 1), direction="income", purpose="dues", amount="100.00", actor=None,
        **kw):
    return ledger.add_entry(actor or tree.users.committee, org or tree.committee, entry_date=day,
                            direction=direction, purpose=purpose, amount=amount,
                            description=kw.pop("description", "三月党费"), **kw)


def test_entries_running_balance_and_summary(tree):
    add(tree, day=date(2025, 12, 20), amount="50.00", purpose="interest")
    add(tree, amount="300.00", voucher="记-001")
    add(tree, day=date(2026, 4, 2), direction="spending", purpose="education", amount="120.50")
    add(tree, day=date(2026, 5, 2), direction="spending", purpose="hardship", amount="80.00")
    assert ledger.balance(tree.committee) == D("149.50")
    rows = ledger.entries(tree.committee, 2026)
    assert [b for _e, b in rows] == [D("350.00"), D("229.50"), D("149.50")]
    s = ledger.summary(tree.committee, 2026)
    assert (s.opening, s.income_total, s.spending_total, s.closing) == (D("50.00"), D("300.00"), D("200.50"),
                                                                        D("149.50"))
    assert [(r["purpose"], r["amount"]) for r in s.spending] == [("education", D("120.50")), ("hardship",
                                                                                               D("80.00"))]


def test_a_reversal_is_a_new_entry_naming_the_old_once(tree):
    wrong = add(tree, direction="spending", purpose="awards", amount="500.00")
    with pytest.raises(DomainError) as e:
        ledger.reverse_entry(tree.users.committee, wrong, reason=" ")
    assert "reason" in e.value.error_dict
    rev = ledger.reverse_entry(tree.users.committee, wrong, reason="金额录错")
    assert (rev.amount, rev.corrects_id, rev.direction, rev.purpose) == (D("-500.00"), wrong.pk, "spending", "awards")
    assert "金额录错" in rev.description
    assert ledger.balance(tree.committee) == 0
    assert LedgerEntry.objects.get(pk=wrong.pk).amount == D("500.00")  # the old entry is kept unchanged
    with pytest.raises(DomainError) as e:
        ledger.reverse_entry(tree.users.committee, wrong, reason="again")
    assert "corrects" in e.value.error_dict
    with pytest.raises(DomainError) as e:
        ledger.reverse_entry(tree.users.committee, rev, reason="undo")
    assert "corrects" in e.value.error_dict
    rev2026 = ledger.reverse_entry(tree.users.committee, add(tree, amount="7.00"), reason="x",
                                   entry_date=date(2026, 3, 2))
    assert ledger.summary(tree.committee, 2026).income_total == 0 and rev2026.entry_date == date(2026, 3, 2)
    with pytest.raises(DomainError) as e:
        ledger.reverse_entry(tree.users.committee, add(tree, amount="7.00"), reason="x", entry_date=date(2026, 2, 1))
    assert "entry_date" in e.value.error_dict


def test_refusals_name_the_field_and_change_nothing(tree):
    tomorrow = timezone.localdate().replace(year=timezone.localdate().year + 1)
    cases = [({"amount": "0"}, "amount"), ({"amount": "-5"}, "amount"), ({"amount": "1.001"}, "amount"),
             ({"amount": "abc"}, "amount"), ({"direction": "sideways"}, "direction"),
             ({"purpose": "education"}, "purpose"),  # a spending purpose on income
             ({"direction": "spending", "purpose": "dues"}, "purpose"), ({"day": "2026-02-30"}, "entry_date"),
             ({"day": tomorrow}, "entry_date"), ({"description": ""}, "description"),
             ({"voucher": "x" * 41}, "voucher")]
    for kw, field in cases:
        with pytest.raises(DomainError) as e:
            add(tree, **kw)
        assert field in e.value.error_dict, kw
    assert LedgerEntry.objects.count() == 0


@given(st.decimals(min_value=D("0.01"), max_value=D("99999.99"), places=2))
def test_signed_amounts(amount):
    assert ledger.signed("income", amount) == amount and ledger.signed("spending", amount) == -amount
    assert set(ledger.INCOME_PURPOSES).isdisjoint(set(ledger.SPENDING_PURPOSES) - {"other"})


def test_only_managers_of_the_organisation_keep_its_ledger(tree):
    with pytest.raises(Http404):
        add(tree, actor=tree.users.branch1)  # branch1's secretary is not over the committee
    with pytest.raises(Http404):
        add(tree, org=tree.branch1, actor=tree.users.branch2)
    entry = add(tree, org=tree.branch1, actor=tree.users.branch1)
    with pytest.raises(Http404):
        ledger.reverse_entry(tree.users.branch2, entry, reason="x")
    assert add(tree, org=tree.branch1).org_id == tree.branch1.pk  # the committee is above branch1


def test_receipt_entries_are_not_reversed_here(tree):
    from dangjian.fees import handover

    from .test_fees_handover import submit
    from .test_fees_reports import setup_fees

    setup_fees(tree)
    ho = handover.receive(tree.users.committee, submit(tree))
    entry = LedgerEntry.objects.get(handover=ho)
    with pytest.raises(DomainError) as e:
        ledger.reverse_entry(tree.users.committee, entry, reason="x")
    assert "corrects" in e.value.error_dict


# ---- pages --------------------------------------------------------------------------------------------------------

def test_ledger_page_add_and_reverse(client, tree):
    client.force_login(tree.users.committee)
    url = reverse("fees:ledger") + f"?org={tree.committee.pk}&year=2026"
    assert client.get(url).status_code == 200
    response = client.post(reverse("fees:ledger_add"), {"org": tree.committee.pk, "entry_date": "2026-03-01",
                                                        "direction": "income", "purpose": "dues",
                                                        "amount": "200.00", "description": "三月党费",
                                                        "voucher": "记-9"})
    assert response.status_code == 302
    entry = LedgerEntry.objects.get()
    bad = client.post(reverse("fees:ledger_add"), {"org": tree.committee.pk, "entry_date": "2026-03-01",
                                                   "direction": "spending", "purpose": "dues", "amount": "1",
                                                   "description": "x"})
    assert bad.status_code == 200 and 'data-field-error="purpose"' in bad.content.decode()
    html = client.get(url).content.decode()
    assert 'data-balance="200.00"' in html and "记-9" in html
    client.post(reverse("fees:ledger_reverse", args=[entry.pk]), {"reason": "重复"})
    assert ledger.balance(tree.committee) == 0
    assert 'data-closing="0.00"' in client.get(url).content.decode()


def test_ledger_xlsx_reads_back(client, tree):
    from openpyxl import load_workbook

    add(tree, day=date(2025, 12, 1), amount="10.00", purpose="interest")
    add(tree, amount="300.00", voucher="记-001")
    add(tree, day=date(2026, 4, 2), direction="spending", purpose="education", amount="120.50")
    client.force_login(tree.users.committee)
    response = client.get(reverse("fees:ledger") + f"?org={tree.committee.pk}&year=2026&format=xlsx")
    wb = load_workbook(BytesIO(response.content))
    ws = wb["Ledger"]
    assert ws.freeze_panes == "A3"
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert rows[0][7] == 10  # brought forward
    assert rows[1][1] == "记-001" and rows[1][5] == 300 and rows[1][7] == 310
    assert rows[2][6] == 120.5 and rows[2][7] == 189.5
    assert ws.cell(4, 6).number_format == "0.00"
    summary = {r[0]: r[1:] for r in wb["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Total"] == (300, 120.5) and summary["Balance at the end of the year"][0] == 189.5


def test_disclosure_for_members_of_the_subtree_only(client, tree):
    add(tree, amount="300.00", voucher="VOUCHER-SECRET")
    add(tree, org=tree.branch1, actor=tree.users.branch1, amount="40.00")
    client.force_login(tree.users.member1)  # a plain member of branch1
    page = client.get(reverse("fees:disclosure") + f"?org={tree.committee.pk}&year=2026")
    html = page.content.decode()
    assert page.status_code == 200 and 'data-income="300.00"' in html and "VOUCHER-SECRET" not in html
    assert client.get(reverse("fees:disclosure") + f"?org={tree.branch1.pk}&year=2026").status_code == 200
    assert client.get(reverse("fees:disclosure")).status_code == 200
    assert client.get(reverse("fees:ledger")).status_code == 404  # the ledger itself is for fees:read holders
    from .factories import make_user

    outsider = make_user("member2", tree.member2)
    client.force_login(outsider)
    assert client.get(reverse("fees:disclosure") + f"?org={tree.branch1.pk}&year=2026").status_code == 404
    assert client.get(reverse("fees:disclosure") + f"?org={tree.committee.pk}&year=2026").status_code == 200


def test_sibling_branch_gets_404_on_ledger_pages_and_api(client, tree):
    entry = add(tree, org=tree.branch1, actor=tree.users.branch1)
    client.force_login(tree.users.branch2)
    assert client.get(reverse("fees:ledger") + f"?org={tree.branch1.pk}").status_code == 404
    assert client.get(reverse("fees:ledger") + f"?org={tree.branch1.pk}&format=xlsx").status_code == 404
    assert client.post(reverse("fees:ledger_add"), {"org": tree.branch1.pk}).status_code == 404
    assert client.post(reverse("fees:ledger_reverse", args=[entry.pk]), {"reason": "x"}).status_code == 404
    api = api_as(tree.users.branch2)
    assert api.get("/api/v1/fees/ledger", {"org": tree.branch1.pk}).status_code == 404
    assert api.post("/api/v1/fees/ledger", {"org": tree.branch1.pk, "entry_date": "2026-03-01",
                                            "direction": "income", "purpose": "dues", "amount": "1",
                                            "description": "x"}, format="json").status_code == 404
    assert api.post(f"/api/v1/fees/ledger/{entry.pk}/reverse", {"reason": "x"}, format="json").status_code == 404
    assert LedgerEntry.objects.count() == 1


def test_api_flow(tree):
    api = api_as(tree.users.committee)
    created = api.post("/api/v1/fees/ledger", {"org": tree.committee.pk, "entry_date": "2026-03-01",
                                               "direction": "income", "purpose": "dues", "amount": "88.80",
                                               "description": "三月", "voucher": "V1"}, format="json")
    assert created.status_code == 201 and created.json()["balance"] == "88.80"
    bad = api.post("/api/v1/fees/ledger", {"org": tree.committee.pk, "entry_date": "2026-03-01",
                                           "direction": "income", "purpose": "dues", "amount": "1.001",
                                           "description": "x"}, format="json")
    assert bad.status_code == 400 and "amount" in bad.json()["errors"]
    listing = api.get("/api/v1/fees/ledger", {"org": tree.committee.pk, "year": 2026}).json()
    assert listing["summary"]["income_total"] == "88.80" and listing["entries"][0]["voucher"] == "V1"
    rev = api.post(f"/api/v1/fees/ledger/{created.json()['id']}/reverse", {"reason": "错"}, format="json")
    assert rev.status_code == 201 and rev.json()["amount"] == "-88.80" and rev.json()["balance"] == "0.00"
    again = api.post(f"/api/v1/fees/ledger/{created.json()['id']}/reverse", {"reason": "错"}, format="json")
    assert again.status_code == 400 and "corrects" in again.json()["errors"]
    assert api.get("/api/v1/fees/ledger", {"org": tree.committee.pk, "year": "20x6"}).status_code == 400


def test_ledger_page_query_count_does_not_grow(client, tree, django_assert_max_num_queries):
    client.force_login(tree.users.committee)
    url = reverse("fees:ledger") + f"?org={tree.committee.pk}&year=2026"
    add(tree)
    client.get(url)
    with django_assert_max_num_queries(14):
        client.get(url)
    for i in range(15):
        add(tree, amount=f"{i + 1}.00", voucher=f"V{i}")
    with django_assert_max_num_queries(14):
        client.get(url)
    with django_assert_max_num_queries(15):  # + the disclosure's publication, if published
        client.get(reverse("fees:disclosure") + f"?org={tree.committee.pk}&year=2026")
