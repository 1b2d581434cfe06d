"""Learning on a phone (390 px, Chromium through Playwright, as tests/test_browser.py): a member opens their
learning, reads an item — the page pings the server and completes it — and looks at their credits; a manager's
pages. Nothing spills sideways."""

import re

import pytest

from dangjian.learning import services
from dangjian.learning.models import CreditEntry, Progress

from .test_browser import _shot, page  # noqa: F401  (the phone-sized browser fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, live_server, username):  # noqa: F811
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "dangjian-demo")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))


def test_member_reads_an_item_on_a_phone_until_it_completes(page, live_server, tree):  # noqa: F811
    data = {"kind": "article", "title": "学习贯彻党的二十届三中全会精神——全面深化改革推进中国式现代化的重要论述摘编",
            "summary": "原原本本学、联系实际学", "body": "<div>" + "进一步全面深化改革，推进中国式现代化。" * 40 + "</div>",
            "min_minutes": 1, "credits": "2"}
    item = services.create_item(tree.users.branch1, tree.branch1, data)
    services.publish_item(tree.users.branch1, item)
    services.assign(tree.users.branch1, item, orgs=[tree.branch1], due_on="2030-12-31")
    Progress.objects.create(person=tree.member1, item=item, seconds=58)  # nearly done: two more seconds

    _login(page, live_server, "member1")
    page.goto(f"{live_server.url}/learning/")
    page.wait_for_selector("#task-list")
    _shot(page, "learning-1-home")
    page.click(f"[data-item='{item.pk}']")
    page.wait_for_selector("#learning-timer [data-countdown]")
    _shot(page, "learning-2-read")
    page.wait_for_function("() => true")
    page.wait_for_timeout(2500)  # the page's first heartbeat started the clock; come back to it after 2.5 s
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    page.wait_for_selector("#timer-done", timeout=10_000)
    assert CreditEntry.objects.filter(person=tree.member1, item=item).count() == 1
    _shot(page, "learning-3-done")
    page.goto(f"{live_server.url}/learning/credits/")
    page.wait_for_selector("#ledger")
    _shot(page, "learning-4-credits")


def test_manager_pages_fit_a_phone(page, live_server, tree):  # noqa: F811
    item = services.create_item(tree.users.committee, tree.committee, {
        "kind": "article", "title": "党员干部教育在线学分制管理办法（解读）", "body": "<div>统筹兼顾，突出重点</div>",
        "min_minutes": 5, "credits": "2"})
    services.publish_item(tree.users.committee, item)
    services.assign(tree.users.committee, item, orgs=[tree.committee])
    _login(page, live_server, "committee")
    for path, name in [("/learning/manage/", "manage"), (f"/learning/manage/{item.pk}/", "item"),
                       ("/learning/manage/new/", "new"), (f"/learning/rates/?org={tree.general.pk}", "rates"),
                       ("/learning/rules/", "rules"), (f"/learning/items/{item.pk}/completion/", "completion"),
                       (f"/learning/people/{tree.member1.pk}/credits/", "person-credits")]:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        _shot(page, f"learning-m-{name}")
