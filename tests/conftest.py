from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from dangjian.accounts.models import Role

from .factories import give_post, make_org, make_person, make_user


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

