"""Fee settings (nearest wins) and the section's home page."""

from datetime import date
from decimal import Decimal

import pytest
from django.http import Http404

from dangjian.core.errors import ConflictError, DomainError
from dangjian.fees import services
from dangjian.fees.models import FeeSettings

GOOD = {"backpay_months": "4", "ahead_months": "6", "soft_cap": "800", "farmer_amount": "0.50", "remind_days": "5",
        "deduction_items": "个人所得税\n住房公积金\n住房公积金"}


def test_manager_saves_settings_for_the_subtree(client, tree):
    client.force_login(tree.users.branch1)
    r = client.post("/fees/settings/", {**GOOD, "org": tree.branch1.pk})
    assert r.status_code == 302
    row = FeeSettings.objects.get(org=tree.branch1)
    assert (row.backpay_months, row.soft_cap, row.farmer_amount) == (4, Decimal("800.00"), Decimal("0.50"))
    assert row.deduction_items == ["个人所得税", "住房公积金"]
    assert services.settings_for(tree.member1.scope_path).backpay_months == 4
    assert services.settings_for(tree.member2.scope_path).backpay_months == 6  # the sibling branch: the default
    r = client.get(f"/fees/settings/?org={tree.group1.pk}")
    assert r.status_code == 200 and b'data-backpay="4"' in r.content


@pytest.mark.parametrize("field,value", [("backpay_months", "25"), ("soft_cap", "0"), ("soft_cap", "1.234"),
                                         ("farmer_amount", "1.50"), ("farmer_amount", "0.10"),
                                         ("remind_days", "x")])
def test_bad_settings_name_the_field_and_change_nothing(tree, field, value):
    with pytest.raises(DomainError) as e:
        services.save_settings(tree.users.branch1, tree.branch1, **{**{k: v for k, v in GOOD.items()
                                                                        if k != "deduction_items"}, field: value})
    assert field in e.value.error_dict
    assert not FeeSettings.objects.exists()


def test_bad_settings_on_the_page_show_a_chinese_message(client, tree):
    client.force_login(tree.users.branch1)
    r = client.post("/fees/settings/", {**GOOD, "org": tree.branch1.pk, "farmer_amount": "3"})
    assert r.status_code == 200 and "农民党员每月交纳0.20至1.00元" in r.content.decode()
    assert not FeeSettings.objects.exists()


def test_stale_settings_are_refused(tree):
    data = {k: v for k, v in GOOD.items() if k != "deduction_items"}
    row = services.save_settings(tree.users.branch1, tree.branch1, **data)
    services.save_settings(tree.users.branch1, tree.branch1, **data, expected_version=row.version)
    with pytest.raises(ConflictError):
        services.save_settings(tree.users.branch1, tree.branch1, **{**data, "remind_days": 9},
                               expected_version=row.version)
    assert FeeSettings.objects.get().remind_days == 5


def test_sibling_branch_and_members_get_404(client, tree):
    data = {k: v for k, v in GOOD.items() if k != "deduction_items"}
    with pytest.raises(Http404):
        services.save_settings(tree.users.branch2, tree.branch1, **data)
    client.force_login(tree.users.branch2)
    assert client.get(f"/fees/settings/?org={tree.branch1.pk}").status_code == 404
    assert client.post("/fees/settings/", {**GOOD, "org": tree.branch1.pk}).status_code == 404
    client.force_login(tree.users.member1)
    assert client.get("/fees/settings/").status_code == 404
    assert not FeeSettings.objects.exists()


def test_committee_members_read_but_do_not_change(client, tree):
    from dangjian.accounts.models import Role
    from tests.factories import give_post, make_user

    give_post(tree.other1, tree.branch1, Role.DISCIPLINE)
    client.force_login(make_user("disc", tree.other1))
    assert client.get(f"/fees/settings/?org={tree.branch1.pk}").status_code == 200
    assert client.post("/fees/settings/", {**GOOD, "org": tree.branch1.pk}).status_code == 404


def test_home_shows_a_members_month(client, tree):
    today = date.today()
    services.set_base(None, tree.member1, category="in_service", base="4000", effective_from=date(today.year, 1, 1))
    services.generate_dues(today)
    client.force_login(tree.users.member1)
    r = client.get("/fees/")
    assert r.status_code == 200
    assert b'data-due="40.00"' in r.content and b'data-state="unpaid"' in r.content
    assert "未交" in r.content.decode()
    assert b'id="nav-fees"' in r.content
