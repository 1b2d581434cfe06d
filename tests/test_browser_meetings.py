"""A meeting in real browsers (Playwright driving Debian's Chromium): the secretary opens the sign-in screen on a
desktop, a member scans its code with a phone-sized browser and taps once, and the screen's live attendance
updates by itself."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dangjian.meetings import services

from .test_browser import PHONE, _shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser(chromium):
    """The worker's browser (launched once, tests/conftest.py); the contexts a test opens are closed after it."""
    contexts = []
    new_context = chromium.new_context

    def opened(**kwargs):
        contexts.append(new_context(**kwargs))
        return contexts[-1]

    yield type("Browser", (), {"new_context": staticmethod(opened), "version": chromium.version})()
    for context in contexts:
        context.close()


def _login(page, url, username):
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "dangjian-demo")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_scan_the_screen_with_a_phone_and_the_screen_counts_you(browser, live_server, tree):
    start = timezone.now() + timedelta(minutes=5)
    meeting = services.plan_meeting(tree.users.branch1, org=tree.branch1, types=["theme_day"], topic="主题党日",
                                    starts_at=start, ends_at=start + timedelta(hours=2), place="党员活动室",
                                    invite={"orgs": [tree.branch1]})
    desk = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800}).new_page()
    _login(desk, live_server.url, "branch1")
    desk.goto(f"{live_server.url}/meetings/{meeting.pk}/screen/")
    desk.wait_for_selector(".dj-qr svg")
    assert desk.locator("[data-count=present]").inner_text().strip() == "0"
    scanned = desk.locator(".dj-qr").get_attribute("data-token-url")
    assert "/meetings/checkin/?t=" in scanned

    phone = browser.new_context(locale="zh-CN", **PHONE).new_page()
    _login(phone, live_server.url, "member1")
    phone.goto(live_server.url + scanned[scanned.index("/meetings/"):])  # what the phone's camera opens
    _shot(phone, "meeting-1-scanned")
    phone.click("#checkin-form button[type=submit]")
    phone.wait_for_selector("#checkin-result")
    assert "签到" in phone.locator("#checkin-result").inner_text()
    _shot(phone, "meeting-2-signed-in")
    # scanning again says so, and changes nothing
    phone.goto(live_server.url + scanned[scanned.index("/meetings/"):])
    phone.click("#checkin-form button[type=submit]")
    phone.wait_for_selector("#checkin-result")
    assert "已于" in phone.locator("#checkin-result").inner_text()

    # the screen polls: within a few seconds it shows one present
    desk.wait_for_function("() => document.querySelector('[data-count=present]').innerText.trim() === '1'",
                           timeout=10_000)
    assert tree.member1.name in desk.locator("#live").inner_text()

    # the member's phone shows the meeting with the sign-in recorded
    phone.goto(f"{live_server.url}/meetings/{meeting.pk}/")
    assert phone.locator("#my-attendance .text-success").count() == 1
    _shot(phone, "meeting-3-detail")
