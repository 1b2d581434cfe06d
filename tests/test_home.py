"""The home page: a dashboard of the user's own scope for post holders, the own record for members."""

import pytest
from django.urls import reverse

from tests.factories import make_person

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("core:home"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_branch_secretary_sees_only_own_branch_figures(client, tree):
    for _ in range(3):
        make_person(tree.branch2, political_status="full")
    client.force_login(tree.users.branch1)
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    figures = response.context["figures"]["stats"]
    from dangjian.people.models import Person

    expected = Person.objects.filter(scope_path__startswith=tree.branch1.path, political_status__in=["full", "probationary"],
                                     status__in=["normal", "flowing"]).count()
    assert figures["total"] == expected
    assert "dashboard-charts" in response.content.decode()


def test_committee_sees_the_whole_tree(client, tree):
    client.force_login(tree.users.committee)
    response = client.get(reverse("core:home"))
    from dangjian.people.models import Person

    on_roll = Person.objects.filter(political_status__in=["full", "probationary"], status__in=["normal", "flowing"])
    assert response.context["figures"]["stats"]["total"] == on_roll.count()
    assert [r.pk for r in response.context["roots"]] == [tree.committee.pk]


def test_plain_member_sees_own_record_card(client, tree):
    client.force_login(tree.users.member1)
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    assert "figures" not in response.context
    assert tree.member1.name in response.content.decode()


def test_home_query_count_does_not_grow_with_people(client, tree, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(tree.users.committee)
    client.get(reverse("core:home"))
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("core:home"))
    for _ in range(30):
        make_person(tree.branch2, political_status="full")
    with django_assert_max_num_queries(32), CaptureQueriesContext(connection) as after:
        client.get(reverse("core:home"))
    assert len(after) == len(before)  # the figures, warnings, meetings and fee to-dos are aggregates


def test_plain_member_nav_links_to_own_organisation_page(client, tree):
    client.force_login(tree.users.member1)
    html = client.get(reverse("core:home")).content.decode()
    url = reverse("orgs:detail", args=[tree.branch1.pk])
    assert f'href="{url}"' in html
    assert client.get(url).status_code == 200
    assert client.get(reverse("orgs:detail", args=[tree.branch2.pk])).status_code == 404
