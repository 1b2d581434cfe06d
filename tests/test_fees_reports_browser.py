"""Fee reports, hand-overs, the ledger and the yearly disclosure in a real browser on a 390 px phone (Playwright
driving Debian's Chromium): nothing spills sideways, the chart draws, a hand-over goes from the branch to the
general branch and is received, and a member reads the disclosure."""

import pytest

from dangjian.fees import ledger
from dangjian.fees.models import HandOver, HandOverState

from .test_browser import PHONE, _shot
from .test_browser_meetings import _login, browser  # noqa: F401 (the fixture)
from .test_fees_reports import setup_fees

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reports_hand_over_ledger_and_disclosure_on_a_phone(browser, live_server, tree):  # noqa: F811
    from datetime import date

    setup_fees(tree)
    ledger.add_entry(tree.users.committee, tree.committee, entry_date=date(2026, 3, 1), direction="spending",
                     purpose="education", amount="120.00", description="党员教育培训教材", voucher="记-12")
    url = live_server.url
    phone = browser.new_context(locale="zh-CN", **PHONE).new_page()
    _login(phone, url, "committee")
    phone.goto(f"{url}/fees/reports/?org={tree.general.pk}&from=2026-01&to=2026-02")
    phone.wait_for_selector("#report-chart canvas")
    assert phone.locator("#report-total").get_attribute("data-due") == "220.00"
    _shot(phone, "fees-report-1-general")
    phone.click(f"#report-table a[href*='org={tree.branch1.pk}']")
    phone.wait_for_selector("#report-members")
    assert tree.member1.name in phone.locator("#report-members").inner_text()
    _shot(phone, "fees-report-2-branch")

    sec = browser.new_context(locale="zh-CN", **PHONE).new_page()
    _login(sec, url, "branch1")
    sec.goto(f"{url}/fees/handovers/new/?period_from=2026-01&period_to=2026-02")
    assert sec.locator("#preview-expected").get_attribute("data-expected") == "65.00"
    sec.fill("input[name=period_from]", "2026-01")
    sec.fill("input[name=period_to]", "2026-02")
    sec.fill("input[name=amount]", "65.00")
    _shot(sec, "fees-handover-1-form")
    sec.click("#handover-form button[type=submit]:not([formmethod])")
    sec.wait_for_selector("#handover-figures")
    _shot(sec, "fees-handover-2-submitted")
    ho = HandOver.objects.get()

    phone.goto(f"{url}/fees/handovers/")
    phone.wait_for_selector("#awaiting")
    _shot(phone, "fees-handover-3-awaiting")
    phone.goto(f"{url}/fees/handovers/{ho.pk}/")
    phone.click("#receive-btn")
    phone.wait_for_selector("[data-state=received]")
    assert HandOver.objects.get().state == HandOverState.RECEIVED

    phone.goto(f"{url}/fees/ledger/?org={tree.general.pk}&year=2026")
    phone.wait_for_selector("#ledger-entries [data-entry]")
    _shot(phone, "fees-ledger-general")
    phone.goto(f"{url}/fees/ledger/?org={tree.committee.pk}&year=2026")
    assert "记-12" in phone.locator("#ledger-entries").inner_text()
    _shot(phone, "fees-ledger-committee")

    member = browser.new_context(locale="zh-CN", **PHONE).new_page()
    _login(member, url, "member1")
    member.goto(f"{url}/fees/disclosure/?org={tree.committee.pk}&year=2026")
    member.wait_for_selector("#ledger-summary")
    text = member.locator("main, body").first.inner_text()
    assert "记-12" not in text and "120.00" in text
    _shot(member, "fees-disclosure-member")
