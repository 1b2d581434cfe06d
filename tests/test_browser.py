"""A person's flow in a real browser: Playwright drives Debian's Chromium (/usr/bin/chromium) on a phone-sized
screen. The test fails (it is not skipped) when the browser is missing: `make test` installs it on Debian."""

import os
import re

import pytest

from tests.factories import make_person

CHROMIUM = os.environ.get("DANGJIAN_CHROMIUM", "/usr/bin/chromium")
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(chromium):
    context = chromium.new_context(locale="zh-CN", **PHONE)
    yield context.new_page()
    context.close()


def _shot(page, name):
    """Nothing spills sideways on a phone. Set DANGJIAN_SCREENSHOTS=dir to keep what the browser saw."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["viewport"]["width"] + 1, f"{name}: the page is {width}px wide on a 390px phone"
    folder = os.environ.get("DANGJIAN_SCREENSHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def test_branch_secretary_on_a_phone_filters_the_member_list_and_opens_a_member(page, live_server, tree):
    make_person(tree.branch1, name="预备党员甲", political_status="probationary")
    make_person(tree.branch2, name="隔壁支部党员", political_status="probationary")

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "branch1")
    page.fill("input[name=password]", "dangjian-demo")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
    _shot(page, "1-home")

    # The navbar is collapsed on a phone: open it and go to the member list.
    page.click(".navbar-toggler")
    page.click("#mainnav >> text=党员")
    page.wait_for_selector(".member-row")
    names = page.locator(".member-row").all_inner_texts()
    assert any(tree.member1.name in n for n in names)
    assert not any("隔壁支部党员" in n for n in names)  # the sibling branch is invisible
    _shot(page, "2-members")

    # Filter: only probationary members.
    toggle = page.locator("[data-bs-target='#member-filters-panel'], [aria-controls='member-filters-panel']")
    if toggle.count() and toggle.first.is_visible():
        toggle.first.click()
    page.select_option("#member-filters select[name=political_status]", "probationary")
    submit = page.locator("#member-filters button[type=submit]")
    if submit.count() and submit.first.is_visible():
        submit.first.click()
    page.wait_for_function("() => [...document.querySelectorAll('.member-row')].every(r => r.innerText.includes('预备'))")
    rows = page.locator(".member-row")
    _shot(page, "3-filtered")
    assert rows.count() == 1
    assert "预备党员甲" in rows.first.inner_text()

    # Open the member.
    rows.first.locator("a").first.click()
    page.wait_for_selector("text=预备党员甲")
    _shot(page, "4-member")
    assert "/people/" in page.url
    assert page.locator("h1").first.inner_text().strip().startswith("预备党员甲")
