"""Party fee reports (fees.reports, the report page, its xlsx and the API): figures on a small hand-built case (due,
paid with a reversal, outstanding, rates, voluntary), drill-down rows summing to the totals, the member list, the
period parser, permissions (a sibling branch gets 404) and query counts that do not grow with the data."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from dangjian.core.errors import DomainError
from dangjian.fees import reports, services
from dangjian.fees.models import Due, Payment

from .conftest import api_as
from .factories import make_person

pytestmark = pytest.mark.django_db
D = Decimal
JAN, FEB = date(2026, 1, 1), date(2026, 2, 1)


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def pay(person, month, amount="0", voluntary="0", large=False, paid_on=None, corrects=None, org=None):
    """A payment row as the payments area records it (dues part for `month`, voluntary extra)."""
    due = Due.objects.filter(person=person, month=month, superseded_at__isnull=True).first() if month else None
    return Payment.objects.create(person=person, month=month, due=due, amount=D(amount), voluntary=D(voluntary),
                                  large=large, method="cash", paid_on=paid_on or (month or JAN).replace(day=15),
                                  org=org or person.org, scope_path=person.scope_path, corrects=corrects)


def setup_fees(tree):
    """member1 40.00/month, other1 10.00 (branch1), member2 60.00 (branch2, retired); dues for Jan and Feb 2026.
    member1: Jan paid, Feb paid then reversed. other1: both paid, 5.00 voluntary in Feb. member2: Jan paid, Feb
    not; a large voluntary payment of 1000.00 on 20 Feb."""
    services.set_base(None, tree.member1, category="in_service", base="4000", effective_from=JAN)
    services.set_base(None, tree.other1, category="in_service", base="2000", effective_from=JAN)
    services.set_base(None, tree.member2, category="retired", base="6000", effective_from=JAN)
    services.generate_dues(JAN)
    services.generate_dues(FEB)
    pay(tree.member1, JAN, "40.00")
    wrong = pay(tree.member1, FEB, "40.00")
    pay(tree.member1, FEB, "-40.00", corrects=wrong, paid_on=date(2026, 2, 16))
    pay(tree.other1, JAN, "10.00")
    pay(tree.other1, FEB, "10.00", voluntary="5.00")
    pay(tree.member2, JAN, "60.00")
    pay(tree.member2, None, voluntary="1000.00", large=True, paid_on=date(2026, 2, 20))


def _row(rep, org):
    return next(r for r in rep.rows if r["org"].pk == org.pk)


def test_figures_by_child_organisation(tree):
    setup_fees(tree)
    rep = reports.report(tree.general, JAN, FEB)
    b1, b2 = _row(rep, tree.branch1), _row(rep, tree.branch2)
    assert (b1["members"], b1["fully_paid"], b1["due"], b1["paid"], b1["outstanding"]) == (2, 1, D("100.00"),
                                                                                         D("60.00"), D("40.00"))
    assert (b1["rate"], b1["members_rate"], b1["voluntary"], b1["large"]) == (D("60.0"), D("50.0"), D("5.00"), 0)
    assert (b2["members"], b2["fully_paid"], b2["due"], b2["paid"], b2["outstanding"]) == (1, 0, D("120.00"),
                                                                                         D("60.00"), D("60.00"))
    assert (b2["voluntary"], b2["large"]) == (D("1000.00"), D("1000.00"))
    t = rep.total
    assert (t["members"], t["fully_paid"], t["due"], t["paid"], t["outstanding"]) == (3, 1, D("220.00"), D("120.00"),
                                                                                     D("100.00"))
    assert (t["rate"], t["members_rate"]) == (D("54.5"), D("33.3"))
    assert [(m["month"], m["due"], m["paid"]) for m in rep.months] == [(JAN, D("110.00"), D("110.00")),
                                                                        (FEB, D("110.00"), D("10.00"))]


def test_drill_down_rows_sum_to_the_parents_row_and_totals(tree):
    setup_fees(tree)
    top = reports.report(tree.committee, JAN, FEB)
    assert [r["org"].pk for r in top.rows] == [tree.general.pk]
    general = reports.report(tree.general, JAN, FEB)
    branch1 = reports.report(tree.branch1, JAN, FEB)
    for rep in (top, general, branch1):
        for key in ("members", "fully_paid", "due", "paid", "outstanding", "voluntary", "large"):
            assert sum(r[key] for r in rep.rows) == rep.total[key], key
    for key in ("due", "paid", "outstanding", "members", "fully_paid", "voluntary"):
        assert general.total[key] == top.total[key] == _row(top, tree.general)[key]
        assert branch1.total[key] == _row(general, tree.branch1)[key]
    own = next(r for r in branch1.rows if r["own"])
    group = _row(branch1, tree.group1)
    assert (own["due"], group["due"]) == (D("20.00"), D("80.00"))  # other1 in the branch itself, member1 in group1


def test_member_list_of_a_branch(tree):
    setup_fees(tree)
    rep = reports.report(tree.branch1, JAN, FEB)
    by_name = {m["name"]: m for m in rep.members}
    m1 = by_name[tree.member1.name]
    assert (m1["due"], m1["paid"], m1["outstanding"], m1["open_months"], m1["fully_paid"]) == (
        D("80.00"), D("40.00"), D("40.00"), 1, False)
    assert by_name[tree.other1.name]["fully_paid"] and by_name[tree.other1.name]["voluntary"] == D("5.00")
    assert tree.member2.name not in by_name


def test_an_overpaid_month_does_not_make_up_for_another_and_paid_ahead_waits_for_its_dues(tree):
    setup_fees(tree)
    pay(tree.other1, FEB, "10.00")  # Feb paid twice
    pay(tree.other1, date(2026, 3, 1), "10.00")  # March paid ahead, dues not generated yet
    rep = reports.report(tree.branch1, JAN, date(2026, 3, 1))
    own = next(r for r in rep.rows if r["own"])
    # Feb's second 10.00 is to be refunded: paid counts no more than the dues, so due = paid + outstanding
    assert (own["due"], own["paid"], own["outstanding"]) == (D("20.00"), D("20.00"), D("0.00"))
    assert rep.months[2]["due"] == 0 and rep.months[2]["paid"] == 0


@given(st.integers(2000, 2100), st.integers(1, 12))
def test_parse_month_round_trips(year, month):
    assert reports.parse_month(f"{year}-{month:02d}", "from") == date(year, month, 1)


@given(st.text(max_size=12))
def test_parse_month_refuses_anything_else_naming_the_field(raw):
    try:
        value = reports.parse_month(raw, "to")
    except DomainError as exc:
        assert "to" in exc.error_dict
    else:
        assert f"{value:%Y-%m}" == raw.strip() or f"{value.year}-{value.month}" == raw.strip()


def test_period_defaults_and_limits():
    assert reports.period(None, None, today=date(2026, 5, 9)) == (JAN, date(2026, 5, 1))
    with pytest.raises(DomainError) as e:
        reports.period("2026-03", "2026-01")
    assert "from" in e.value.error_dict
    with pytest.raises(DomainError) as e:
        reports.period("2010-01", "2026-01")
    assert "to" in e.value.error_dict


# ---- page, xlsx, API -------------------------------------------------------------------------------------------

def _url(org, **kw):
    q = "&".join(f"{k}={v}" for k, v in {"org": org.pk, "from": "2026-01", "to": "2026-02", **kw}.items())
    return f"{reverse('fees:report')}?{q}"


def test_report_page_shows_the_figures_and_drill_down_links(client, tree):
    setup_fees(tree)
    client.force_login(tree.users.committee)
    html = client.get(_url(tree.general)).content.decode()
    assert 'data-due="220.00"' in html and 'data-paid="120.00"' in html and 'data-outstanding="100.00"' in html
    assert f'?org={tree.branch1.pk}&amp;from=2026-01' in html and 'id="up-link"' in html
    assert "report-chart-data" in html and tree.member1.name in html


def test_report_page_bad_month_is_named_and_falls_back(client, tree):
    client.force_login(tree.users.branch1)
    response = client.get(reverse("fees:report") + "?from=2026-13")
    assert response.status_code == 200
    assert "Enter a month as YYYY-MM" in response.content.decode()


def test_report_xlsx_reads_back(client, tree):
    from openpyxl import load_workbook

    setup_fees(tree)
    client.force_login(tree.users.committee)
    response = client.get(_url(tree.general, format="xlsx"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(BytesIO(response.content))
    ws = wb["Organisations"]
    assert ws.freeze_panes == "A3"
    assert [c.value for c in ws[2]][:6] == ["Organisation", "Members owing", "Fully paid", "Due", "Paid",
                                            "Outstanding"]
    rows = {r[0]: r for r in ws.iter_rows(min_row=3, values_only=True)}
    assert rows[tree.branch1.name][1:6] == (2, 1, 100, 60, 40)
    assert rows["Total"][3:6] == (220, 120, 100) and rows["Total"][6] == pytest.approx(54.5)
    assert ws.cell(3, 4).number_format == "0.00"
    assert [r[0] for r in wb["Months"].iter_rows(min_row=3, values_only=True)] == ["2026-01", "2026-02"]
    members = {r[0]: r for r in wb["Members"].iter_rows(min_row=3, values_only=True)}
    assert members[tree.member2.name][4:7] == (120, 60, 60)


def test_report_api_returns_the_same_rows(tree):
    setup_fees(tree)
    response = api_as(tree.users.committee).get("/api/v1/fees/reports",
                                                {"org": tree.general.pk, "from": "2026-01", "to": "2026-02"})
    assert response.status_code == 200
    data = response.json()
    assert data["total"]["due"] == "220.00" and data["total"]["payment_rate"] == "54.5"
    assert {r["org"]["id"]: r["outstanding"] for r in data["rows"]} == {tree.branch1.pk: "40.00",
                                                                         tree.branch2.pk: "60.00"}
    assert [m["month"] for m in data["months"]] == ["2026-01", "2026-02"]
    bad = api_as(tree.users.committee).get("/api/v1/fees/reports", {"org": tree.general.pk, "from": "2026-1x"})
    assert bad.status_code == 400 and "from" in bad.json()["errors"]


def test_sibling_branch_and_plain_member_get_404(client, tree):
    setup_fees(tree)
    client.force_login(tree.users.branch2)
    assert client.get(_url(tree.branch1)).status_code == 404
    assert client.get(_url(tree.general)).status_code == 404
    assert client.get(_url(tree.branch2)).status_code == 200
    assert api_as(tree.users.branch2).get("/api/v1/fees/reports", {"org": tree.branch1.pk}).status_code == 404
    client.force_login(tree.users.member1)
    assert client.get(reverse("fees:report")).status_code == 404
    assert api_as(tree.users.member1).get("/api/v1/fees/reports").status_code == 404


def test_a_fee_collector_reads_the_report(client, tree):
    from dangjian.accounts.models import Role

    from .factories import give_post, make_user

    collector = make_person(tree.branch1, name="收缴员")
    give_post(collector, tree.branch1, Role.FEE_COLLECTOR)
    client.force_login(make_user("collector", collector))
    assert client.get(_url(tree.branch1)).status_code == 200
    assert client.get(_url(tree.branch2)).status_code == 404


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_the_data(client, tree, django_assert_max_num_queries):
    setup_fees(tree)
    client.force_login(tree.users.committee)
    url = _url(tree.general)
    client.get(url)
    small = _count(client, url)
    for i in range(12):
        person = make_person(tree.branch2 if i % 2 else tree.branch1, name=f"新党员{i}")
        services.set_base(None, person, category="in_service", base=str(3000 + i), effective_from=JAN)
    services.generate_dues(JAN)
    services.generate_dues(FEB)
    for person_id in Due.objects.filter(month=JAN).values_list("person_id", flat=True):
        pay(type(tree.member1).objects.get(pk=person_id), JAN, "1.00")
    assert _count(client, url) == small
    with django_assert_max_num_queries(16):
        client.get(url)
    with django_assert_max_num_queries(16):
        client.get(url + "&format=xlsx")


def test_a_payment_counts_for_its_due_whoever_recorded_it(tree):
    setup_fees(tree)
    p = pay(tree.member2, FEB, "60.00", org=tree.branch1)
    Payment.objects.filter(pk=p.pk).update(scope_path=tree.branch1.path)  # recorded as if under branch1
    rep = reports.report(tree.general, JAN, FEB)
    assert _row(rep, tree.branch2)["paid"] == D("120.00") and _row(rep, tree.branch2)["fully_paid"] == 1
    assert _row(rep, tree.branch1)["paid"] == D("60.00")
    assert reports.report(tree.branch1, JAN, FEB).total["paid"] == D("60.00")
    assert reports.report(tree.branch2, JAN, FEB).total["paid"] == D("120.00")
