"""The home page: a dashboard of the user's own scope for post holders, the own record for members."""

import pytest
from django.urls import reverse

from tests.factories import make_person

pytestmark = pytest.mark.django_db


def card(response, key):
    """The context a module gave its home card ``key`` (KeyError when the card is not on the page)."""
    return next(c.context for c in response.context["cards"] if c.key == key)


def card_keys(response):
    return [c.key for c in response.context["cards"]]


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("home:home"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_branch_secretary_sees_only_own_branch_figures(client, tree):
    for _ in range(3):
        make_person(tree.branch2, political_status="full")
    client.force_login(tree.users.branch1)
    response = client.get(reverse("home:home"))
    assert response.status_code == 200
    figures = card(response, "people.figures")["figures"]["stats"]
    from dangjian.people.models import Person

    expected = Person.objects.filter(scope_path__startswith=tree.branch1.path, political_status__in=["full", "probationary"],
                                     status__in=["normal", "flowing"]).count()
    assert figures["total"] == expected
    assert "dashboard-charts" in response.content.decode()


def test_committee_sees_the_whole_tree(client, tree):
    client.force_login(tree.users.committee)
    response = client.get(reverse("home:home"))
    from dangjian.people.models import Person

    on_roll = Person.objects.filter(political_status__in=["full", "probationary"], status__in=["normal", "flowing"])
    assert card(response, "people.figures")["figures"]["stats"]["total"] == on_roll.count()
    from dangjian.accounts.scoping import scope_roots

    assert [r.pk for r in scope_roots(response.wsgi_request.user)] == [tree.committee.pk]


def test_plain_member_sees_own_record_card(client, tree):
    client.force_login(tree.users.member1)
    response = client.get(reverse("home:home"))
    assert response.status_code == 200
    assert "people.figures" not in card_keys(response) and "people.me" in card_keys(response)
    assert tree.member1.name in response.content.decode()


def test_home_query_count_does_not_grow_with_people(client, tree, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(tree.users.committee)
    client.get(reverse("home:home"))
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("home:home"))
    for _ in range(30):
        make_person(tree.branch2, political_status="full")
    with django_assert_max_num_queries(40), CaptureQueriesContext(connection) as after:
        client.get(reverse("home:home"))
    assert len(after) == len(before)  # the figures, warnings, meetings and fee to-dos are aggregates


def test_plain_member_nav_links_to_own_organisation_page(client, tree):
    client.force_login(tree.users.member1)
    html = client.get(reverse("home:home")).content.decode()
    url = reverse("orgs:detail", args=[tree.branch1.pk])
    assert f'href="{url}"' in html
    assert client.get(url).status_code == 200
    assert client.get(reverse("orgs:detail", args=[tree.branch2.pk])).status_code == 404


def test_cards_come_from_the_modules_in_their_order(client, tree):
    client.force_login(tree.users.committee)
    keys = card_keys(client.get(reverse("home:home")))
    assert keys.index("people.figures") < keys.index("transfers.glance") < keys.index("orgs.warnings")
    assert keys[-1] == "people.charts"
    assert {"meetings.upcoming", "meetings.glance"} <= set(keys)


def test_menu_is_composed_from_the_modules(client, tree):
    client.force_login(tree.users.member1)
    html = client.get(reverse("home:home")).content.decode()
    assert 'id="nav-learning"' in html and 'id="nav-exams"' in html  # the drop-down learning declares, exams joins
    assert 'id="nav-people"' not in html  # a plain member has no roster
    client.force_login(tree.users.committee)
    html = client.get(reverse("home:home")).content.decode()
    assert 'id="nav-people"' in html and 'id="nav-transfers"' in html


def test_compose_menu_groups_and_orphans():
    from dangjian.core.modules import MenuEntry
    from dangjian.home.menu import compose

    items = compose([MenuEntry("b", "B", "/b", order=2), MenuEntry("g", "G", order=1),
                     MenuEntry("c", "C", "/c", parent="g"), MenuEntry("d", "D", "/d", parent="nobody"),
                     MenuEntry("empty", "E", order=3)])
    assert [i.key for i in items] == ["g", "b", "d"]  # the empty drop-down is dropped, the orphan stands alone
    assert [c.key for c in items[0].children] == ["c"]
