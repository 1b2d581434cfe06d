"""Review: organisation ID filters of the API answer 400 for an out-of-range number, never a 500."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("param", ["parent", "under"])
@pytest.mark.parametrize("value", ["99999999999999999999", "-99999999999999999999"])
def test_org_id_filters_refuse_out_of_range_numbers(tree, api_client_for, param, value):
    client = api_client_for(tree.users.branch1)
    response = client.get("/api/v1/orgs/", {param: value})
    assert response.status_code == 400, response.content
    assert param in response.json()["errors"]


def test_org_id_filters_still_work(tree, api_client_for):
    client = api_client_for(tree.users.committee)
    rows = client.get("/api/v1/orgs/", {"parent": tree.branch1.pk}).json()["results"]
    assert [r["id"] for r in rows] == [tree.group1.pk]
    rows = client.get("/api/v1/orgs/", {"under": tree.branch1.pk}).json()["results"]
    assert {r["id"] for r in rows} == {tree.branch1.pk, tree.group1.pk}
