import os
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from dangjian.accounts.models import Role

from .factories import give_post, make_org, make_person, make_user

# Hypothesis: no per-example deadline and no "too slow" health check — the suite runs on shared, loaded machines
# where a slow example is the machine, not the code. Tests keep their own max_examples; HYPOTHESIS_PROFILE=quick
# runs fewer examples where a test does not set them (for a fast local loop; CI uses the default profile).
hypothesis_settings.register_profile("dangjian", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.register_profile("quick", parent=hypothesis_settings.get_profile("dangjian"), max_examples=20)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dangjian"))


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    from dangjian.api.authentication import _LOCAL
    from dangjian.exams.services import _PAPERS

    cache.clear()
    _PAPERS.clear()  # papers known to this process (ids are reused once a test's rows are rolled back)
    _LOCAL.clear()
    yield


@pytest.fixture(autouse=True)
def _site_language():
    """Each test starts in no activated language (the site's default) and leaves none behind: the test client's
    LocaleMiddleware activates the request's language in the thread and a later test would inherit it."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def tree(db):
    """committee ─ general branch ─┬ branch1 (group1)   secretaries: committee_sec, sec1, sec2
                                   └ branch2            plain member: member1 in branch1; leader1 leads group1
    """
    from dangjian.meetings.services import ensure_types

    ensure_types()  # a transactional test's flush removes the rows the migrations wrote
    committee = make_org("committee", name="示例党委", code="C1")
    general = make_org("general_branch", parent=committee, name="第一党总支", code="G1")
    branch1 = make_org("branch", parent=general, name="第一党支部", code="B1")
    branch2 = make_org("branch", parent=general, name="第二党支部", code="B2")
    group1 = make_org("group", parent=branch1, name="第一党小组", code="GR1")
    committee_sec = make_person(branch1, name="委员会书记")
    sec1 = make_person(branch1, name="支部书记一", group=group1)
    sec2 = make_person(branch2, name="支部书记二")
    leader1 = make_person(branch1, name="小组长一", group=group1)
    member1 = make_person(branch1, name="普通党员一", group=group1)
    other1 = make_person(branch1, name="普通党员二")
    member2 = make_person(branch2, name="二支部党员")
    give_post(committee_sec, committee, Role.SECRETARY)
    give_post(sec1, branch1, Role.SECRETARY)
    give_post(sec2, branch2, Role.SECRETARY)
    give_post(leader1, group1, Role.GROUP_LEADER)
    users = SimpleNamespace(
        committee=make_user("committee", committee_sec),
        branch1=make_user("branch1", sec1),
        branch2=make_user("branch2", sec2),
        group1=make_user("group1", leader1),
        member1=make_user("member1", member1),
        admin=make_user("admin", None, is_superuser=True, is_staff=True),
    )
    return SimpleNamespace(
        committee=committee, general=general, branch1=branch1, branch2=branch2, group1=group1,
        committee_sec=committee_sec, sec1=sec1, sec2=sec2, leader1=leader1, member1=member1, other1=other1,
        member2=member2, users=users,
    )


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright, launched once per test worker (each test opens its own context)."""
    from playwright.sync_api import sync_playwright

    from .test_browser import CHROMIUM

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop in this thread
    assert os.path.exists(CHROMIUM), f"{CHROMIUM} is missing: apt-get install chromium"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


@pytest.fixture
def api():
    return APIClient()


def api_as(user):
    from rest_framework.authtoken.models import Token

    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api_client_for():
    return api_as



# ------------------------------------------------------------------------------------------ the shared demo
# Seeding the demo organisation takes seconds (≈300 people through the services, every module's demo data). Tests
# that read it request `demo`: the first of them in a worker seeds it inside an outer transaction that stays open
# while the following tests that also request `demo` run, each in its own savepoint rolled back after it (what a
# test writes is gone, the demo is not). Collection puts all the `demo` tests next to each other, so a worker
# seeds once; the outer transaction is rolled back as soon as the next test does not use the demo, so no other
# test ever sees demo rows. A transactional test (transaction=True, live_server) that requests `demo` seeds it for
# itself: it commits and its flush afterwards removes it — it never touches the shared copy, which is never
# committed.

class _SharedDemo:
    atomic = None  # the open outer transaction, when the demo is seeded
    value = None  # what `demo` returns
    seedings = 0  # how many times this worker seeded it (tests/test_seed_demo.py checks it stays 1 in a run)


def _seed_demo_now():
    from io import StringIO

    from django.core.management import call_command

    from dangjian.home import demo as core_demo
    from dangjian.orgs.models import Organization

    out = StringIO()
    call_command("seed_demo", stdout=out)
    _SharedDemo.seedings += 1
    return SimpleNamespace(root_id=Organization.objects.get(code=core_demo.COMMITTEE_CODE).pk, output=out.getvalue())


def _demo_value(seeded):
    from dangjian.orgs.models import Organization

    return SimpleNamespace(root=Organization.objects.get(pk=seeded.root_id), output=seeded.output,
                           seedings=_SharedDemo.seedings)


def _transactional(item):
    from pytest_django.plugin import validate_django_db

    marker = item.get_closest_marker("django_db")
    if marker and any(validate_django_db(marker)[:2]):  # transaction=True or reset_sequences=True
        return True
    names = getattr(item, "fixturenames", ())
    return "transactional_db" in names or "live_server" in names


def _shares_demo(item):
    return item is not None and "demo" in getattr(item, "fixturenames", ()) and not _transactional(item)


def _close_shared_demo():
    if _SharedDemo.atomic is not None:
        from django.db import transaction

        transaction.set_rollback(True)
        atomic, _SharedDemo.atomic, _SharedDemo.value = _SharedDemo.atomic, None, None
        atomic.__exit__(None, None, None)


def pytest_collection_modifyitems(items):
    """After pytest-django's ordering (plain database tests, then transactional ones, then the rest): the tests
    sharing the demo move together to where the first of them was, and `_shared_demo` is set up before any other
    fixture of theirs (before the test's own transaction, which must be inside the demo's)."""
    shared = [item for item in items if _shares_demo(item)]
    if not shared:
        return
    first = items.index(shared[0])
    rest = [item for item in items if not _shares_demo(item)]
    items[:] = rest[:first] + shared + rest[first:]
    for item in shared:
        item.fixturenames = ["_shared_demo"] + [n for n in item.fixturenames if n != "_shared_demo"]


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_teardown(item, nextitem):
    yield  # the test's fixtures (its own savepoint among them) are torn down first
    if _SharedDemo.atomic is not None and not _shares_demo(nextitem):
        blocker = item.config.stash[_blocking_manager_key()]
        with blocker.unblock():
            _close_shared_demo()


def _blocking_manager_key():
    from pytest_django.plugin import blocking_manager_key

    return blocking_manager_key


@pytest.fixture
def _shared_demo(request, django_db_setup, django_db_blocker):
    if not _shares_demo(request.node):
        return None
    from django.db import connection, transaction

    with django_db_blocker.unblock():
        if _SharedDemo.atomic is None:
            if connection.in_atomic_block:  # inside someone else's transaction: seed in the test (slower, correct)
                return None
            atomic = transaction.atomic()
            atomic._from_testcase = True  # durable blocks inside behave as in a test case's transaction
            atomic.__enter__()
            _SharedDemo.atomic = atomic
            try:
                _SharedDemo.value = _seed_demo_now()
            except BaseException:
                _close_shared_demo()
                raise
    return _SharedDemo.value


@pytest.fixture
def demo(_shared_demo, db):
    """The demo organisation (dangjian/home/demo.py, every module's demo data): `.root` the committee (fetched
    afresh for each test), `.output` what `manage.py seed_demo` printed when it seeded it, `.seedings` how many
    times this worker has seeded it. Read it, change it — a test's changes are rolled back."""
    return _demo_value(_shared_demo if _shared_demo is not None else _seed_demo_now())
