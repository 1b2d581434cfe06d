"""Fee bases, the yearly base adjustment and reductions/exemptions (fees.bases): every flow and every refusal at the
service level; the pages and the API are in test_fees_bases_pages.py."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import timezone

from dangjian.accounts.models import Role
from dangjian.audit.models import AuditEntry
from dangjian.core.errors import ConflictError, DomainError
from dangjian.fees import bases, services
from dangjian.fees.models import BaseDeclaration, Due, FeeBase, Relief

from .factories import give_post, make_person, make_user

D = Decimal
pytestmark = pytest.mark.django_db


def collector(tree, org=None, name="collector1"):
    person = make_person(org or tree.branch1, name="收缴员")
    give_post(person, org or tree.branch1, Role.FEE_COLLECTOR)
    return make_user(name, person)


def first_base(tree, person=None, base="4000", day=date(2026, 1, 1), actor=None):
    person = person or tree.member1
    return bases.record_base(actor or tree.users.branch1, person, mode="initial", category="in_service", base=base,
                             effective_from=day)


# ---------------------------------------------------------------------------------------------------- bases

def test_first_base_rebase_and_correction(tree):
    b = first_base(tree)
    assert (b.amount, b.source, b.applies_from) == (D("40.00"), "initial", date(2026, 1, 1))
    with pytest.raises(DomainError) as e:
        first_base(tree)
    assert "mode" in e.value.error_dict
    with pytest.raises(DomainError) as e:
        bases.record_base(tree.users.branch1, tree.member1, mode="rebase", category="in_service", base="6000",
                          effective_from=date(2026, 5, 1))
    assert "reason" in e.value.error_dict
    r = bases.record_base(tree.users.branch1, tree.member1, mode="rebase", category="in_service", base="6000",
                          effective_from=date(2026, 5, 20), reason="职务晋升")
    assert (r.amount, r.applies_from, r.source) == (D("90.00"), date(2026, 5, 1), "rebase")
    c = bases.record_base(tree.users.branch1, tree.member1, mode="correct", category="in_service", base="5000",
                          corrects=r.pk, reason="录入错误")
    r.refresh_from_db()
    assert r.superseded_at is not None and c.corrects_id == r.pk and c.amount == D("50.00")
    history = services.base_history(tree.member1.pk)
    assert [h.pk for h in history] == [c.pk, r.pk, b.pk]


def test_rebase_without_a_base_and_correction_without_target_are_refused(tree):
    with pytest.raises(DomainError) as e:
        bases.record_base(tree.users.branch1, tree.member1, mode="rebase", category="in_service", base="1",
                          effective_from=date(2026, 1, 1), reason="x")
    assert "mode" in e.value.error_dict
    first_base(tree)
    with pytest.raises(DomainError) as e:
        bases.record_base(tree.users.branch1, tree.member1, mode="correct", category="in_service", base="1",
                          reason="x")
    assert "corrects" in e.value.error_dict
    with pytest.raises(DomainError) as e:
        bases.record_base(tree.users.branch1, tree.member1, mode="bogus", category="in_service", base="1")
    assert "mode" in e.value.error_dict
    assert FeeBase.objects.count() == 1


def test_the_calculator_gives_the_base_and_keeps_the_items(tree):
    b = bases.record_base(tree.users.branch1, tree.member1, mode="initial", category="in_service",
                          gross="8000.00", deductions={"个人所得税": "100", "养老保险": "640", "医疗保险": ""},
                          effective_from=date(2026, 1, 1))
    assert b.base == D("7260.00") and b.amount == D("108.90")
    assert b.deductions == {"个人所得税": "100.00", "养老保险": "640.00"}
    with pytest.raises(DomainError) as e:
        bases.record_base(tree.users.branch1, tree.other1, mode="initial", category="in_service", gross="100",
                          deductions={"个人所得税": "200"}, effective_from=date(2026, 1, 1))
    assert "deductions" in e.value.error_dict
    with pytest.raises(DomainError) as e:
        bases.record_base(tree.users.branch1, tree.other1, mode="initial", category="in_service", gross="100",
                          deductions={"个人所得税": "1.234"}, effective_from=date(2026, 1, 1))
    assert "deductions" in e.value.error_dict
    with pytest.raises(DomainError) as e:
        bases.record_base(tree.users.branch1, tree.other1, mode="initial", category="in_service",
                          effective_from=date(2026, 1, 1))
    assert "base" in e.value.error_dict


def test_deduction_items_default_and_configured(tree):
    from dangjian.fees.models import FeeSettings
    assert bases.deduction_items(tree.branch1.path) == services.DEFAULT_DEDUCTION_ITEMS
    FeeSettings.objects.create(org=tree.committee, org_path=tree.committee.path, deduction_items=["个税", "社保"])
    assert bases.deduction_items(tree.branch1.path) == ("个税", "社保")


def test_bases_only_by_managers_of_the_member(tree):
    with pytest.raises(Http404):
        first_base(tree, actor=tree.users.branch2)
    with pytest.raises(Http404):
        first_base(tree, actor=collector(tree))
    with pytest.raises(Http404):
        first_base(tree, actor=tree.users.member1)
    assert FeeBase.objects.count() == 0


def test_visible_person(tree):
    assert bases.visible_person(tree.users.member1, tree.member1.pk) == tree.member1
    assert bases.visible_person(tree.users.committee, tree.member1.pk) == tree.member1
    for user, pk in ((tree.users.member1, tree.other1.pk), (tree.users.branch2, tree.member1.pk),
                     (tree.users.branch1, "x"), (tree.users.branch1, 999999)):
        with pytest.raises(Http404):
            bases.visible_person(user, pk)


# ---------------------------------------------------------------------------------------------------- campaigns

def campaign(tree, org=None, year=2027, **kw):
    kw.setdefault("deadline", timezone.localdate() + timedelta(days=30))
    return bases.open_campaign(tree.users.branch1, org or tree.branch1, year=year, **kw)


def test_campaign_flow_member_declares_branch_confirms(tree):
    c = campaign(tree)
    assert c.effective_from == date(2027, 1, 1) and c.state == "open"
    assert bases.campaigns_for_person(tree.member1) == [c]
    assert bases.campaigns_for_person(tree.member2) == []
    d = bases.declare(tree.users.member1, c, tree.member1, category="in_service", gross="6000",
                      deductions={"个人所得税": "500"})
    assert (d.state, d.base, d.gross, d.version) == ("submitted", D("5500.00"), D("6000.00"), 1)
    d = bases.declare(tree.users.member1, c, tree.member1, category="in_service", base="5600", expected_version=1)
    assert (d.base, d.version, d.gross) == (D("5600.00"), 2, None)
    d = bases.decide_declaration(tree.users.branch1, d, "confirm", expected_version=2)
    assert d.state == "confirmed" and d.fee_base.source == "campaign"
    assert (d.fee_base.applies_from, d.fee_base.amount) == (date(2027, 1, 1), D("84.00"))
    with pytest.raises(DomainError):  # confirmed: nothing more
        bases.declare(tree.users.member1, c, tree.member1, category="in_service", base="1")
    assert AuditEntry.objects.filter(model="fees.basedeclaration").count() >= 3


def test_return_with_a_reason_then_enter_again(tree):
    c = campaign(tree)
    col = collector(tree)
    d = bases.declare(col, c, tree.other1, category="retired", base="3000")
    assert d.entered_by == col
    with pytest.raises(DomainError) as e:
        bases.decide_declaration(tree.users.branch1, d, "return")
    assert "reason" in e.value.error_dict
    d = bases.decide_declaration(tree.users.branch1, d, "return", reason="请附工资条")
    assert d.state == "returned" and d.reason == "请附工资条"
    with pytest.raises(DomainError):
        bases.decide_declaration(tree.users.branch1, d, "confirm")
    d = bases.declare(col, c, tree.other1, category="retired", base="3100")
    assert d.state == "submitted" and d.reason == ""


def test_campaign_refusals(tree):
    c = campaign(tree)
    with pytest.raises(DomainError) as e:  # one a year over a subtree: the committee's would cover branch1
        bases.open_campaign(tree.users.committee, tree.committee, year=2027, deadline=c.deadline)
    assert "year" in e.value.error_dict
    with pytest.raises(DomainError) as e:
        bases.open_campaign(tree.users.branch1, tree.branch1, year=2028, deadline=date(2020, 1, 1))
    assert "deadline" in e.value.error_dict
    with pytest.raises(DomainError) as e:
        bases.open_campaign(tree.users.branch1, tree.branch1, year="abc", deadline=c.deadline)
    assert "year" in e.value.error_dict
    with pytest.raises(DomainError) as e:
        bases.open_campaign(tree.users.branch1, tree.branch1, year=2028, deadline=c.deadline,
                            effective_from=date(2027, 7, 1))
    assert "effective_from" in e.value.error_dict
    with pytest.raises(Http404):
        bases.open_campaign(tree.users.branch1, tree.branch2, year=2028, deadline=c.deadline)
    with pytest.raises(Http404):
        bases.open_campaign(collector(tree), tree.branch1, year=2028, deadline=c.deadline)
    with pytest.raises(Http404):  # another member's declaration
        bases.declare(tree.users.member1, c, tree.other1, category="retired", base="1")
    with pytest.raises(Http404):  # outside the campaign's subtree
        bases.declare(tree.users.branch2, c, tree.member2, category="retired", base="1")
    with pytest.raises(DomainError) as e:
        bases.declare(tree.users.member1, c, tree.member1, category="pirate", base="1")
    assert "category" in e.value.error_dict
    with pytest.raises(DomainError) as e:
        bases.declare(tree.users.member1, c, tree.member1, category="in_service", base="-5")
    assert "base" in e.value.error_dict
    d = bases.declare(tree.users.member1, c, tree.member1, category="student")
    assert d.base == 0
    with pytest.raises(ConflictError):
        bases.declare(tree.users.member1, c, tree.member1, category="student", expected_version=7)
    with pytest.raises(Http404):  # a collector does not confirm
        bases.decide_declaration(collector(tree, name="c2"), d, "confirm")
    with pytest.raises(Http404):
        bases.decide_declaration(tree.users.branch2, d, "confirm")
    with pytest.raises(ConflictError):
        bases.decide_declaration(tree.users.branch1, d, "confirm", expected_version=9)
    with pytest.raises(DomainError):
        bases.decide_declaration(tree.users.branch1, d, "fly")
    c = bases.close_campaign(tree.users.branch1, c)
    with pytest.raises(DomainError):
        bases.decide_declaration(tree.users.branch1, d, "confirm")
    with pytest.raises(DomainError):
        bases.declare(tree.users.member1, c, tree.member1, category="student")
    with pytest.raises(DomainError):
        bases.close_campaign(tree.users.branch1, c)
    assert BaseDeclaration.objects.get().state == "submitted"


def test_members_cannot_enter_after_the_deadline_but_collectors_can(tree):
    c = campaign(tree, deadline=timezone.localdate())
    from freezegun import freeze_time

    with freeze_time(timezone.now() + timedelta(days=2)):
        with pytest.raises(DomainError):
            bases.declare(tree.users.member1, c, tree.member1, category="student")
        assert bases.declare(collector(tree), c, tree.member1, category="student").state == "submitted"


def test_bulk_confirm_and_progress(tree):
    c = bases.open_campaign(tree.users.committee, tree.general, year=2027,
                            deadline=timezone.localdate() + timedelta(days=5))
    d1 = bases.declare(tree.users.member1, c, tree.member1, category="in_service", base="3000")
    d2 = bases.declare(tree.users.committee, c, tree.member2, category="student")
    d3 = bases.declare(tree.users.committee, c, tree.other1, category="retired", base="2000")
    bases.decide_declaration(tree.users.committee, d3, "return", reason="核实")
    done, refused = bases.bulk_confirm(tree.users.branch1, c, [d1.pk, d2.pk, d3.pk, "x"])
    assert done == 1 and [pk for pk, _msg in refused] == [d3.pk]  # d2 is in branch2: not branch1's to confirm
    rows, total = bases.campaign_progress(c)
    by_org = {r.org.pk: r for r in rows}
    assert (by_org[tree.branch1.pk].confirmed, by_org[tree.branch1.pk].returned) == (1, 1)
    assert by_org[tree.branch2.pk].submitted == 1
    members = services.fee_people(tree.general.path).count()
    assert (total.members, total.declared, total.not_yet) == (members, 3, members - 3)


# ---------------------------------------------------------------------------------------------------- reliefs

def test_relief_request_approve_recomputes_and_revoke_restores(tree):
    first_base(tree)
    for m in (1, 2, 3):
        services.generate_dues(date(2026, m, 1))
    r = bases.request_relief(tree.users.member1, tree.member1, kind="reduce", amount="10", from_month="2026-02",
                             to_month="2026-03", reason="患病住院")
    assert (r.state, r.from_month, r.to_month) == ("requested", date(2026, 2, 1), date(2026, 3, 1))
    r = bases.decide_relief(tree.users.branch1, r, "approve")
    amounts = dict(Due.objects.filter(person=tree.member1, superseded_at__isnull=True).values_list("month", "amount"))
    assert amounts == {date(2026, 1, 1): D("40.00"), date(2026, 2, 1): D("10.00"), date(2026, 3, 1): D("10.00")}
    with pytest.raises(DomainError) as e:
        bases.decide_relief(tree.users.branch1, r, "revoke")
    assert "note" in e.value.error_dict
    r = bases.decide_relief(tree.users.branch1, r, "revoke", note="已康复")
    assert r.state == "revoked"
    amounts = dict(Due.objects.filter(person=tree.member1, superseded_at__isnull=True).values_list("month", "amount"))
    assert set(amounts.values()) == {D("40.00")}
    assert Due.objects.filter(person=tree.member1).count() == 7  # superseded rows kept
    assert AuditEntry.objects.filter(model="fees.relief", object_id=str(r.pk)).count() >= 3


def test_relief_refusals(tree):
    col = collector(tree)
    with pytest.raises(DomainError) as e:
        bases.request_relief(col, tree.member1, kind="reduce", from_month="2026-01", to_month="2026-02", reason="x")
    assert "amount" in e.value.error_dict
    with pytest.raises(DomainError) as e:
        bases.request_relief(col, tree.member1, kind="reduce", amount="0", from_month="2026-01",
                             to_month="2026-02", reason="x")
    assert "amount" in e.value.error_dict
    with pytest.raises(DomainError) as e:
        bases.request_relief(col, tree.member1, kind="exempt", from_month="2026-03", to_month="2026-02", reason="x")
    assert "to_month" in e.value.error_dict
    with pytest.raises(DomainError) as e:
        bases.request_relief(col, tree.member1, kind="exempt", from_month="2026-13", to_month="2026-02", reason="x")
    assert "from_month" in e.value.error_dict
    with pytest.raises(DomainError) as e:
        bases.request_relief(col, tree.member1, kind="exempt", from_month="2026-01", to_month="2026-02", reason=" ")
    assert "reason" in e.value.error_dict
    with pytest.raises(DomainError) as e:
        bases.request_relief(col, tree.member1, kind="gift", from_month="2026-01", to_month="2026-02", reason="x")
    assert "kind" in e.value.error_dict
    with pytest.raises(Http404):
        bases.request_relief(tree.users.member1, tree.other1, kind="exempt", from_month="2026-01",
                             to_month="2026-01", reason="x")
    with pytest.raises(Http404):
        bases.request_relief(tree.users.branch2, tree.member1, kind="exempt", from_month="2026-01",
                             to_month="2026-01", reason="x")
    r = bases.request_relief(col, tree.member1, kind="excused", from_month="2026-01", to_month="2026-06",
                             reason="出国学习")
    with pytest.raises(DomainError) as e:
        bases.request_relief(col, tree.member1, kind="exempt", from_month="2026-06", to_month="2026-07", reason="x")
    assert "from_month" in e.value.error_dict
    with pytest.raises(Http404):
        bases.decide_relief(col, r, "approve")
    with pytest.raises(Http404):
        bases.decide_relief(tree.users.branch2, r, "approve")
    with pytest.raises(DomainError) as e:
        bases.decide_relief(tree.users.branch1, r, "reject")
    assert "note" in e.value.error_dict
    with pytest.raises(DomainError):
        bases.decide_relief(tree.users.branch1, r, "revoke", note="x")
    with pytest.raises(ConflictError):
        bases.decide_relief(tree.users.branch1, r, "approve", expected_version=5)
    r = bases.decide_relief(tree.users.branch1, r, "reject", note="理由不充分")
    assert r.state == "rejected"
    with pytest.raises(DomainError):
        bases.decide_relief(tree.users.branch1, r, "approve")
    assert Relief.objects.get().state == "rejected"
