"""The API's scoping: a branch secretary cannot list, read, change, reveal or filter by anything of a sibling
branch — outsiders get 404 (never 403, never data), even by guessed IDs — and a plain member sees only
themselves. Every denial leaves the data unchanged."""

import pytest

from dangjian.audit.models import AuditEntry
from dangjian.orgs.models import Organization
from dangjian.people.models import Person

from .factories import id_number

ORGS = "/api/v1/orgs/"
PEOPLE = "/api/v1/people/"


def state():
    """Everything an API call could change."""
    return (
        list(Organization.objects.order_by("pk").values()),
        list(Person.objects.order_by("pk").values()),
        AuditEntry.objects.count(),
    )


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def b1(tree, api_client_for):
    return api_client_for(tree.users.branch1)


@pytest.mark.django_db
def test_sibling_absent_from_lists(tree, b1):
    assert ids(b1.get(ORGS)) == {tree.branch1.pk, tree.group1.pk}
    people = ids(b1.get(PEOPLE))
    assert tree.member2.pk not in people and tree.sec2.pk not in people
    assert people == {p.pk for p in Person.objects.filter(scope_path__startswith=tree.branch1.path)}
    assert ids(b1.get(f"{PEOPLE}?q=二支部")) == set()
    assert ids(b1.get(f"{ORGS}?q=第二")) == set()
    assert ids(b1.get(f"{ORGS}?code=B2")) == set()


@pytest.mark.django_db
def test_filter_by_sibling_org_gives_empty_lists(tree, b1):
    assert b1.get(f"{PEOPLE}?org={tree.branch2.pk}").json()["count"] == 0
    assert b1.get(f"{PEOPLE}?org={tree.general.pk}").json()["count"] == 0  # the parent is outside too
    assert ids(b1.get(f"{ORGS}?under={tree.branch2.pk}")) == set()
    assert ids(b1.get(f"{ORGS}?parent={tree.general.pk}")) == {tree.branch1.pk}


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["member2", "sec2", "guess"])
def test_sibling_person_is_404_for_every_verb(tree, b1, target):
    pk = getattr(tree, target).pk if target != "guess" else Person.objects.order_by("-pk").first().pk + 100
    url = f"{PEOPLE}{pk}/"
    before = state()
    responses = [
        b1.get(url),
        b1.patch(url, {"name": "篡改", "version": 1}, format="json"),
        b1.put(url, {"name": "篡改", "gender": "1", "version": 1}, format="json"),
        b1.post(f"{url}reveal/", {"field": "id_number"}, format="json"),
        b1.post(f"{url}reveal/", {"field": "phone"}, format="json"),
    ]
    assert [r.status_code for r in responses] == [404] * len(responses)
    assert {r.content for r in responses} == {responses[0].content}  # the same answer whether it exists or not
    assert state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["branch2", "general", "committee", "guess"])
def test_outside_org_is_404_for_every_verb(tree, b1, target):
    pk = getattr(tree, target).pk if target != "guess" else Organization.objects.order_by("-pk").first().pk + 100
    url = f"{ORGS}{pk}/"
    before = state()
    responses = [
        b1.get(url),
        b1.patch(url, {"name": "篡改", "version": 1}, format="json"),
        b1.put(url, {"name": "篡改", "version": 1}, format="json"),
        b1.post(f"{url}move/", {"parent": tree.branch1.pk, "version": 1}, format="json"),
        b1.post(f"{url}dissolve/", {"version": 1}, format="json"),
    ]
    assert [r.status_code for r in responses] == [404] * len(responses)
    assert state() == before


@pytest.mark.django_db
def test_cannot_create_in_a_sibling(tree, b1):
    before = state()
    person = {"name": "混入者", "gender": "1", "political_status": "full", "join_date": "2010-07-01",
              "full_date": "2011-07-01", "id_number": id_number(), "org": tree.branch2.pk}
    response = b1.post(PEOPLE, person, format="json")
    assert response.status_code == 400
    unknown = b1.post(PEOPLE, {**person, "org": 999999}, format="json")
    assert response.json() == unknown.json()  # an outside organisation looks like a missing one
    response = b1.post(ORGS, {"org_type": "group", "parent": tree.branch2.pk, "name": "小组"}, format="json")
    assert response.status_code == 400 and "parent" in response.json()["errors"]
    assert state() == before


@pytest.mark.django_db
def test_cannot_move_own_org_under_a_sibling_or_move_a_sibling_in(tree, b1):
    before = state()
    response = b1.post(f"{ORGS}{tree.group1.pk}/move/", {"parent": tree.branch2.pk, "version": 1}, format="json")
    assert response.status_code == 400 and "parent" in response.json()["errors"]
    assert state() == before


@pytest.mark.django_db
def test_cannot_pull_own_member_into_a_sibling(tree, b1):
    before = state()
    response = b1.patch(f"{PEOPLE}{tree.member1.pk}/", {"org": tree.branch2.pk, "version": 1}, format="json")
    assert response.status_code == 400 and set(response.json()["errors"]) == {"org"}
    assert state() == before


@pytest.mark.django_db
def test_sibling_secretary_symmetric(tree, api_client_for):
    b2 = api_client_for(tree.users.branch2)
    assert ids(b2.get(PEOPLE)) == {tree.sec2.pk, tree.member2.pk}
    assert b2.get(f"{PEOPLE}{tree.member1.pk}/").status_code == 404
    assert b2.get(f"{ORGS}{tree.group1.pk}/").status_code == 404


@pytest.mark.django_db
def test_plain_member_sees_only_self(tree, api_client_for):
    client = api_client_for(tree.users.member1)
    assert ids(client.get(PEOPLE)) == {tree.member1.pk}
    assert client.get(f"{PEOPLE}{tree.member1.pk}/").status_code == 200
    for other in (tree.other1, tree.leader1, tree.sec1, tree.member2):
        assert client.get(f"{PEOPLE}{other.pk}/").status_code == 404
        assert client.post(f"{PEOPLE}{other.pk}/reveal/", {"field": "phone"}, format="json").status_code == 404
    assert client.get(f"{PEOPLE}?org={tree.branch1.pk}").json()["count"] == 0
    assert ids(client.get(ORGS)) == {tree.branch1.pk, tree.group1.pk}
    assert client.get(f"{ORGS}{tree.branch2.pk}/").status_code == 404


@pytest.mark.django_db
def test_group_leader_sees_the_group_only(tree, api_client_for):
    client = api_client_for(tree.users.group1)
    assert ids(client.get(PEOPLE)) == {tree.sec1.pk, tree.leader1.pk, tree.member1.pk}
    assert client.get(f"{PEOPLE}{tree.other1.pk}/").status_code == 404
    assert ids(client.get(ORGS)) == {tree.group1.pk, tree.branch1.pk}  # its own branch through own_org


@pytest.mark.django_db
def test_committee_and_admin_see_everything(tree, api_client_for):
    for user in (tree.users.committee, tree.users.admin):
        client = api_client_for(user)
        assert ids(client.get(PEOPLE)) == set(Person.objects.values_list("pk", flat=True))
        assert ids(client.get(ORGS)) == set(Organization.objects.values_list("pk", flat=True))
        assert client.get(f"{PEOPLE}{tree.member2.pk}/").status_code == 200


@pytest.mark.django_db
def test_expired_post_grants_nothing(tree, api_client_for):
    from datetime import date

    post = tree.sec1.posts.get()
    post.end_date = date(2021, 1, 1)
    post.save()
    client = api_client_for(tree.users.branch1)
    assert ids(client.get(PEOPLE)) == {tree.sec1.pk}  # only their own record
    assert client.get(f"{PEOPLE}{tree.member1.pk}/").status_code == 404
