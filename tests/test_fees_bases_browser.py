"""Fee bases in a real browser on a 390 px phone (Playwright + Debian's Chromium): a member enters their new base
with the calculator and sends it; the secretary opens the adjustment, confirms, and looks at the month roster and
arrears — nothing spills sideways."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from dangjian.fees import bases, services
from dangjian.fees.models import BaseDeclaration

from .test_browser import PHONE, _shot
from .test_browser_meetings import _login, browser  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_declares_on_a_phone_and_the_secretary_confirms(browser, live_server, tree):  # noqa: F811
    campaign = bases.open_campaign(tree.users.branch1, tree.branch1, year=2027,
                                   deadline=timezone.localdate() + timedelta(days=14))
    phone = browser.new_context(locale="zh-CN", **PHONE).new_page()
    _login(phone, live_server.url, "member1")
    phone.goto(f"{live_server.url}/fees/declare/")
    phone.wait_for_selector("#decl-form")
    phone.select_option("#id_category", "in_service")
    phone.locator("#base-calculator summary").tap()
    phone.fill("#id_gross", "8000")
    phone.fill("#id_deduction_0", "200")
    phone.fill("#id_deduction_1", "640.50")
    assert phone.locator("#calc-result").inner_text().strip() == "= 7159.50"
    _shot(phone, "fees-declare")
    phone.locator("#decl-form button[type=submit]").tap()
    phone.wait_for_selector("#decl-status[data-decl-state=submitted]")
    decl = BaseDeclaration.objects.get(campaign=campaign)
    assert decl.base == Decimal("7159.50")

    sec = browser.new_context(locale="zh-CN", **PHONE).new_page()
    _login(sec, live_server.url, "branch1")
    sec.goto(f"{live_server.url}/fees/campaigns/{campaign.pk}/")
    sec.wait_for_selector(f"[data-declaration='{decl.pk}']")
    _shot(sec, "fees-campaign")
    sec.locator(f"[data-declaration='{decl.pk}'] [data-action=confirm]").tap()
    sec.wait_for_selector("[data-decl-state=confirmed]")
    decl.refresh_from_db()
    assert decl.state == "confirmed" and decl.fee_base.amount == Decimal("107.39")


def test_secretary_reads_the_roster_and_arrears_on_a_phone(browser, live_server, tree):  # noqa: F811
    month = timezone.localdate().replace(day=1)
    for person in (tree.member1, tree.other1):
        bases.record_base(tree.users.branch1, person, mode="initial", category="in_service", base="4000",
                          effective_from=date(month.year - 1, 1, 1))
    services.generate_dues(month)
    sec = browser.new_context(locale="zh-CN", **PHONE).new_page()
    _login(sec, live_server.url, "branch1")
    sec.goto(f"{live_server.url}/fees/month/")
    sec.wait_for_selector("#roster")
    assert sec.locator("#roster tbody tr[data-state=unpaid]").count() == 2
    _shot(sec, "fees-month")
    sec.goto(f"{live_server.url}/fees/arrears/")
    sec.wait_for_selector("#arrears")
    _shot(sec, "fees-arrears")
    sec.goto(f"{live_server.url}/fees/people/{tree.member1.pk}/base/")
    sec.wait_for_selector("#current-base")
    _shot(sec, "fees-person-base")
    sec.goto(f"{live_server.url}/fees/categories/")
    _shot(sec, "fees-categories")
