"""/api/v1/orgs/: list with filters, read with warnings, create, update (409 on a stale version), move, dissolve."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.audit.models import AuditEntry
from dangjian.orgs.models import Organization, OrgEvent

from .factories import make_org

URL = "/api/v1/orgs/"


def detail(org):
    return f"{URL}{org.pk}/"


def codes(response):
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


def snapshot(org):
    org = Organization.objects.get(pk=org.pk)
    return {f.attname: getattr(org, f.attname) for f in Organization._meta.concrete_fields}


@pytest.fixture
def committee(tree, api_client_for):
    return api_client_for(tree.users.committee)


@pytest.mark.django_db
def test_list_in_tree_order(tree, committee):
    response = committee.get(URL)
    assert codes(response) == ["C1", "G1", "B1", "GR1", "B2"]
    row = response.json()["results"][2]
    assert row["name"] == "第一党支部" and row["org_type"] == "branch" and row["parent"] == tree.general.pk
    assert row["parent_name"] == "第一党总支" and row["version"] == 1 and row["status"] == "active"
    assert "warnings" not in row  # warnings are on the detail


@pytest.mark.django_db
@pytest.mark.parametrize("query,expected", [
    ("type=branch", ["B1", "B2"]),
    ("type=group", ["GR1"]),
    ("status=active", ["C1", "G1", "B1", "GR1", "B2"]),
    ("status=dissolved", []),
    ("code=B2", ["B2"]),
    ("code=B", []),
    ("q=第二", ["B2"]),
    ("q=党支部", ["B1", "B2"]),
    ("type=branch&q=第一", ["B1"]),
])
def test_list_filters(tree, committee, query, expected):
    assert codes(committee.get(f"{URL}?{query}")) == expected


@pytest.mark.django_db
def test_parent_and_subtree_filters(tree, committee):
    assert codes(committee.get(f"{URL}?parent={tree.general.pk}")) == ["B1", "B2"]
    assert codes(committee.get(f"{URL}?under={tree.branch1.pk}")) == ["B1", "GR1"]
    assert codes(committee.get(f"{URL}?under={tree.general.pk}&type=branch")) == ["B1", "B2"]
    assert codes(committee.get(f"{URL}?under=999999")) == []


@pytest.mark.django_db
@pytest.mark.parametrize("query,field", [("type=bogus", "type"), ("under=abc", "under"), ("parent=x", "parent"),
                                         ("status=closed", "status")])
def test_bad_filter_values_400_naming_the_parameter(tree, committee, query, field):
    response = committee.get(f"{URL}?{query}")
    assert response.status_code == 400
    assert field in response.json()["errors"]


@pytest.mark.django_db
def test_read_with_warnings(tree, committee):
    response = committee.get(detail(tree.branch2))
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "B2" and body["path"] == tree.branch2.path and body["depth"] == 3
    assert "few_members" in {w["code"] for w in body["warnings"]}  # two full members
    assert all(w["message"] and w["level"] in ("warning", "danger") for w in body["warnings"])
    body = committee.get(detail(tree.branch1)).json()
    assert "no_secretary" not in {w["code"] for w in body["warnings"]}
    assert "no_secretary" in {w["code"] for w in committee.get(detail(tree.general)).json()["warnings"]}


@pytest.mark.django_db
def test_plain_member_reads_own_org_without_warnings(tree, api_client_for):
    client = api_client_for(tree.users.member1)
    assert codes(client.get(URL)) == ["B1", "GR1"]
    response = client.get(detail(tree.branch1))
    assert response.status_code == 200
    assert response.json()["warnings"] is None
    assert client.get(detail(tree.general)).status_code == 404


@pytest.mark.django_db
def test_create_under_a_parent(tree, committee):
    response = committee.post(URL, {"org_type": "branch", "parent": tree.general.pk, "name": "第三党支部",
                                    "code": "B3", "founded_on": "2024-07-01", "term_start": "2024-07-01",
                                    "term_end": "2027-06-30"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    org = Organization.objects.get(code="B3")
    assert body["id"] == org.pk and body["parent"] == tree.general.pk and body["version"] == 1
    assert org.path.startswith(tree.general.path) and org.depth == 3
    assert "few_members" in {w["code"] for w in body["warnings"]}
    assert OrgEvent.objects.filter(org=org, kind=OrgEvent.Kind.CREATED).exists()
    entry = AuditEntry.objects.filter(model="orgs.organization", object_id=str(org.pk)).get()
    assert entry.action == "create" and entry.actor_id == tree.users.committee.pk
    assert entry.request.get("via") == "api"


@pytest.mark.django_db
def test_branch_secretary_creates_a_group_in_own_branch(tree, api_client_for):
    response = api_client_for(tree.users.branch1).post(URL, {"org_type": "group", "parent": tree.branch1.pk,
                                                             "name": "第二党小组"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["code"].startswith("ORG")  # generated when not given


@pytest.mark.django_db
@pytest.mark.parametrize("payload,field", [
    ({"org_type": "group", "parent": "general", "name": "小组"}, "parent"),  # a group only inside a branch
    ({"org_type": "branch", "parent": "general", "name": ""}, "name"),
    ({"org_type": "branch", "parent": "general"}, "name"),
    ({"org_type": "branch", "parent": "general", "name": "支部", "code": "B1"}, "code"),  # code in use
    ({"org_type": "nonsense", "parent": "general", "name": "支部"}, "org_type"),
    ({"parent": "general", "name": "支部"}, "org_type"),
    ({"org_type": "branch", "parent": 999999, "name": "支部"}, "parent"),
    ({"org_type": "branch", "parent": "general", "name": "支部", "founded_on": "2024-13-01"}, "founded_on"),
    ({"org_type": "branch", "parent": "general", "name": "支部", "term_start": "2024-01-01",
      "term_end": "2023-01-01"}, "term_end"),
    ({"org_type": "committee", "name": "新党委"}, "parent"),  # only an administrator creates a root
    ({"org_type": "branch", "parent": "general", "name": "支部" * 100}, "name"),
])
def test_create_refused_with_the_field_named_and_nothing_written(tree, committee, payload, field):
    payload = {k: (tree.general.pk if v == "general" else v) for k, v in payload.items()}
    before = Organization.objects.count(), AuditEntry.objects.count(), OrgEvent.objects.count()
    response = committee.post(URL, payload, format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid" and field in body["errors"] and body["errors"][field][0]
    assert (Organization.objects.count(), AuditEntry.objects.count(), OrgEvent.objects.count()) == before


@pytest.mark.django_db
def test_administrator_creates_a_root(tree, api_client_for):
    response = api_client_for(tree.users.admin).post(URL, {"org_type": "committee", "name": "新党委"},
                                                     format="json")
    assert response.status_code == 201, response.content
    assert response.json()["parent"] is None and response.json()["depth"] == 1


@pytest.mark.django_db
def test_update_with_version(tree, committee):
    response = committee.patch(detail(tree.branch2), {"name": "第二党支部（新）", "contact_name": "王五",
                                                      "version": 1}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name"] == "第二党支部（新）" and body["contact_name"] == "王五" and body["version"] == 2
    assert "warnings" in body
    assert OrgEvent.objects.filter(org=tree.branch2, kind=OrgEvent.Kind.RENAMED).exists()
    entry = AuditEntry.objects.filter(model="orgs.organization", object_id=str(tree.branch2.pk),
                                      action="update").latest("seq")
    assert entry.actor_id == tree.users.committee.pk


@pytest.mark.django_db
def test_put_replaces_the_details(tree, committee):
    body = committee.get(detail(tree.branch2)).json()
    body.update(name="第二支部", short_name="二支", address="北京市")
    response = committee.put(detail(tree.branch2), body, format="json")  # read-only fields sent back are fine
    assert response.status_code == 200, response.content
    org = Organization.objects.get(pk=tree.branch2.pk)
    assert (org.name, org.short_name, org.address, org.version) == ("第二支部", "二支", "北京市", 2)


@pytest.mark.django_db
def test_stale_version_409_and_nothing_changed(tree, committee):
    assert committee.patch(detail(tree.branch2), {"name": "甲", "version": 1}, format="json").status_code == 200
    before = snapshot(tree.branch2)
    response = committee.patch(detail(tree.branch2), {"name": "乙", "version": 1}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict" and response.json()["detail"]
    assert snapshot(tree.branch2) == before


@pytest.mark.django_db
@pytest.mark.parametrize("payload,field", [
    ({"name": "新名"}, "version"),
    ({"name": "", "version": 1}, "name"),
    ({"code": "B1", "version": 1}, "code"),
    ({"term_start": "2024-01-01", "term_end": "2023-01-01", "version": 1}, "term_end"),
    ({"parent": "committee", "version": 1}, "parent"),
    ({"org_type": "general_branch", "version": 1}, "org_type"),
    ({"status": "dissolved", "version": 1}, "status"),
    ({"sort_order": "first", "version": 1}, "sort_order"),
    ({"version": 0}, "version"),
])
def test_update_refused_with_the_field_named_and_nothing_changed(tree, committee, payload, field):
    payload = {k: (tree.committee.pk if v == "committee" else v) for k, v in payload.items()}
    before = snapshot(tree.branch2), AuditEntry.objects.count()
    response = committee.patch(detail(tree.branch2), payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert (snapshot(tree.branch2), AuditEntry.objects.count()) == before


@pytest.mark.django_db
def test_unchanged_parent_and_type_may_be_sent(tree, committee):
    response = committee.patch(detail(tree.branch2), {"parent": tree.general.pk, "org_type": "branch",
                                                      "status": "active", "version": 1}, format="json")
    assert response.status_code == 200, response.content


@pytest.mark.django_db
def test_reader_without_write_post_gets_403_and_nothing_changed(tree, api_client_for):
    client = api_client_for(tree.users.group1)  # group leader: reads the group, changes nothing
    assert client.get(detail(tree.group1)).status_code == 200
    before = snapshot(tree.group1)
    assert client.patch(detail(tree.group1), {"name": "x", "version": 1}, format="json").status_code == 403
    assert client.post(URL, {"org_type": "group", "parent": tree.branch1.pk, "name": "x"},
                       format="json").status_code == 403
    assert snapshot(tree.group1) == before


@pytest.mark.django_db
def test_move_subtree(tree, committee):
    response = committee.post(f"{detail(tree.branch2)}move/", {"parent": tree.committee.pk, "version": 1},
                              format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["parent"] == tree.committee.pk and body["depth"] == 2
    tree.member2.refresh_from_db()
    assert tree.member2.scope_path == body["path"]
    stale = committee.post(f"{detail(tree.branch2)}move/", {"parent": tree.general.pk, "version": 1},
                           format="json")
    assert stale.status_code == 409


@pytest.mark.django_db
def test_move_refused_under_itself(tree, committee):
    before = snapshot(tree.branch1)
    response = committee.post(f"{detail(tree.general)}move/", {"parent": tree.branch1.pk, "version": 1},
                              format="json")
    assert response.status_code == 400 and "parent" in response.json()["errors"]
    assert snapshot(tree.branch1) == before


@pytest.mark.django_db
def test_dissolve(tree, committee):
    empty = make_org("group", parent=tree.branch2, name="空小组")
    response = committee.post(f"{detail(empty)}dissolve/", {"version": 1, "note": "合并"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "dissolved"
    assert codes(committee.get(f"{URL}?status=dissolved")) == [empty.code]
    # A branch with people is refused (they must be transferred first).
    before = snapshot(tree.branch2)
    response = committee.post(f"{detail(tree.branch2)}dissolve/", {"version": 1}, format="json")
    assert response.status_code == 400
    assert snapshot(tree.branch2) == before


def _list_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.json()["count"]


@pytest.mark.django_db
def test_list_query_count_does_not_grow_with_rows(tree, committee, django_assert_max_num_queries):
    committee.get(URL)  # the token's user is looked up once, then kept in the cache
    small, n_small = _list_queries(committee, URL)
    for i in range(25):
        make_org("branch", parent=tree.general, name=f"支部{i}")
    large, n_large = _list_queries(committee, URL)
    assert (n_small, n_large) == (5, 30)
    assert small == large
    with django_assert_max_num_queries(8):
        committee.get(URL)
    with django_assert_max_num_queries(12):
        committee.get(detail(tree.branch1))


@pytest.mark.django_db
def test_nul_character_in_search_is_400(tree, committee):
    response = committee.get(f"{URL}?q=a%00b")
    assert response.status_code == 400 and "q" in response.json()["errors"]
