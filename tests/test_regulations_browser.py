"""A member reads the regulations on a phone: live search, the document with its table of contents, an earlier
version — and nothing spills sideways at 390 px."""

import re

import pytest

from tests.test_browser import PHONE, _shot, page  # noqa: F401  (the page fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_searches_and_reads_a_regulation_on_a_phone(page, live_server, tree):  # noqa: F811
    from dangjian.regulations.demo import seed_regulations

    seed_regulations(tree.committee)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "member1")
    page.fill("input[name=password]", "dangjian-demo")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))

    page.goto(f"{live_server.url}/regulations/")
    page.wait_for_selector(".reg-row")
    _shot(page, "reg-1-list")
    assert page.locator("#recent-box").count() == 1

    page.fill("#id_q", "应急演练")  # live results as one types (HTMX)
    page.wait_for_selector(".reg-hit mark")
    assert page.locator(".reg-hit").count() >= 2
    assert "q=" in page.url
    _shot(page, "reg-2-search")

    page.locator(".reg-hit", has_text="党支部工作实施办法").first.click()
    page.wait_for_selector("#reg-body")
    assert page.locator("#current-badge").count() == 1
    size = page.evaluate("parseFloat(getComputedStyle(document.getElementById('reg-body')).fontSize)")
    assert size >= 16  # comfortable reading on a phone
    page.click("#toc summary")
    page.click("#toc >> text=第四章 附则")
    _shot(page, "reg-3-document")

    page.click("#history >> text=/第 1 版|version 1/")
    page.wait_for_selector("#older-note")
    _shot(page, "reg-4-earlier-version")
