"""Taking an exam on a phone-sized screen (Playwright driving Debian's Chromium): start a tier, tap the answers
(each saved as it is chosen), lose the page and come back to the saved choices, submit, read the score and the
review; and a paper whose time runs out submits itself."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from dangjian.exams import services
from dangjian.exams.models import Attempt, AttemptState

from .test_browser import PHONE, _shot
from .test_browser_meetings import _login, browser  # noqa: F401  (the fixture)
from .test_exams import add_questions

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def bank(tree):
    add_questions(tree.users.committee, tree.committee, "A", 12)
    services.save_settings(tree.users.committee, tree.committee, {**services.rules.DEFAULTS, "paper_size": 6})
    services.monthly_sets_job(timezone.localdate())
    return tree


def _tap_answer(phone, item):
    phone.locator(f"#q{item.position} label[for=q{item.position}o{item.key[0]}]").tap()
    phone.wait_for_selector(f"#q{item.position} [data-saved]")


def test_take_an_exam_on_a_phone(browser, live_server, bank):  # noqa: F811
    phone = browser.new_context(locale="zh-CN", **PHONE).new_page()
    _login(phone, live_server.url, "member1")
    phone.goto(f"{live_server.url}/exams/")
    _shot(phone, "exam-1-home")
    phone.locator("[data-tier=A] button[type=submit]").tap()
    phone.wait_for_selector(".exam-item")
    attempt = Attempt.objects.get(person=bank.member1)
    items = list(attempt.items.order_by("position"))
    assert phone.locator(".exam-item").count() == 6
    assert "解析" not in phone.content() and items[0].explanation not in phone.content()
    for item in items[:3]:
        _tap_answer(phone, item)
    assert phone.locator("#answered").inner_text() == "3"
    _shot(phone, "exam-2-answering")
    # the connection drops; opening the paper again shows what was saved and the clock goes on
    phone.goto(f"{live_server.url}/exams/")
    phone.locator("#exam-in-progress a").tap()
    phone.wait_for_selector(".exam-item")
    assert phone.locator(".exam-item input:checked").count() == 3
    for item in items[3:]:
        _tap_answer(phone, item)
    phone.locator("#submit-form button[type=submit]").tap()
    phone.wait_for_selector("#score")
    assert phone.locator("#score").inner_text().strip() == "100"
    assert phone.locator("[data-review]").count() == 6
    _shot(phone, "exam-3-result")
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.SUBMITTED and attempt.correct == 6


def test_a_paper_submits_itself_when_the_time_is_up(browser, live_server, bank):  # noqa: F811
    attempt = services.start_attempt(bank.users.member1, "A")
    item = attempt.items.get(position=1)
    services.save_answer(bank.users.member1, attempt.pk, 1, item.key)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() + timedelta(seconds=3))
    phone = browser.new_context(locale="zh-CN", **PHONE).new_page()
    _login(phone, live_server.url, "member1")
    phone.goto(f"{live_server.url}/exams/attempts/{attempt.pk}/")
    phone.wait_for_selector("#score", timeout=15_000)
    attempt.refresh_from_db()
    assert attempt.state in (AttemptState.SUBMITTED, AttemptState.TIMED_OUT) and attempt.correct == 1
    assert attempt.month == date(attempt.started_at.year, attempt.started_at.month, 1)


def test_a_branch_secretarys_exam_pages_fit_a_phone(browser, live_server, bank):  # noqa: F811
    attempt = services.start_attempt(bank.users.member1, "A")
    services.submit(bank.users.member1, attempt.pk)
    phone = browser.new_context(locale="zh-CN", **PHONE).new_page()
    _login(phone, live_server.url, "branch1")
    for name, path in (("rankings", "/exams/rankings/"), ("participation", "/exams/participation/"),
                       ("sets", "/exams/sets/"), ("settings", "/exams/settings/"), ("bank", "/exams/bank/"),
                       ("competitions", "/exams/competitions/"), ("history", f"/exams/people/{bank.member1.pk}/")):
        response = phone.goto(live_server.url + path)
        assert response.status == 200, path
        _shot(phone, f"exam-secretary-{name}")
    phone.goto(f"{live_server.url}/exams/rankings/")
    assert phone.locator("#ranking [data-person]").count() == 1
