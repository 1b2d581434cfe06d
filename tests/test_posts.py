"""Posts (职务): appoint and end terms through accounts.services and their pages; validations name the field,
refusals change nothing, outsiders get 404, every change is in the audit trail, posts are never deleted."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from dangjian.accounts import services
from dangjian.accounts.models import Post, Role
from dangjian.accounts.scoping import has_perm
from dangjian.audit.models import AuditEntry
from tests.factories import make_org, make_person

pytestmark = pytest.mark.django_db


def _login(client, user):
    from django.conf import settings

    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _field_of(excinfo):
    return next(iter(excinfo.value.error_dict))


# --- services ---------------------------------------------------------------------------------------------


def test_appoint_grants_rights_and_is_audited(tree):
    user = tree.users.member1
    assert not has_perm(user, "people:read", tree.branch1)
    post = services.appoint(tree.users.branch1, tree.member1, tree.branch1, Role.ORGANISATION, date(2024, 1, 1))
    assert post.pk and post.end_date is None
    entry = AuditEntry.objects.filter(model="accounts.post", object_id=str(post.pk)).get()
    assert entry.action == "create" and entry.org_path == tree.branch1.path
    user = type(user).objects.get(pk=user.pk)  # fresh scope cache
    assert has_perm(user, "people:read", tree.branch1) and not has_perm(user, "people:read", tree.branch2)


def test_end_post_sets_end_date_and_is_audited(tree):
    post = Post.objects.get(person=tree.sec2, org=tree.branch2)
    services.end_post(tree.users.committee, post, date(2025, 6, 30))
    post.refresh_from_db()
    assert post.end_date == date(2025, 6, 30)
    entry = AuditEntry.objects.filter(model="accounts.post", object_id=str(post.pk), action="update").get()
    assert entry.before == {"end_date": None} and entry.after == {"end_date": "2025-06-30"}
    with pytest.raises(ValidationError) as excinfo:
        services.end_post(tree.users.committee, post, date(2025, 12, 31))
    assert _field_of(excinfo) == "end_date"
    with pytest.raises(ValidationError) as excinfo:
        services.end_post(tree.users.committee, post, date(2019, 1, 1))  # before the start
    assert _field_of(excinfo) == "end_date"
    assert Post.objects.filter(pk=post.pk).exists()


def test_person_must_be_on_roll_in_the_subtree(tree):
    with pytest.raises(ValidationError) as excinfo:
        services.appoint(tree.users.committee, tree.member2, tree.branch1, Role.PROPAGANDA, date(2024, 1, 1))
    assert _field_of(excinfo) == "person"
    left = make_person(tree.branch1, status="left")
    with pytest.raises(ValidationError):
        services.appoint(tree.users.committee, left, tree.branch1, Role.PROPAGANDA, date(2024, 1, 1))
    masses = make_person(tree.branch1, political_status="masses")
    with pytest.raises(ValidationError):
        services.appoint(tree.users.committee, masses, tree.branch1, Role.PROPAGANDA, date(2024, 1, 1))
    # A committee post may go to anyone on the roll of its subtree
    services.appoint(tree.users.committee, tree.member2, tree.committee, Role.PROPAGANDA, date(2024, 1, 1))


def test_group_leader_belongs_to_the_groups_branch(tree):
    new_group = make_org("group", parent=tree.branch1, name="第二党小组")
    ended = Post.objects.get(org=tree.group1, role=Role.GROUP_LEADER)
    services.end_post(tree.users.branch1, ended, date(2024, 12, 31))
    # not in group1 but in branch1: allowed
    post = services.appoint(tree.users.branch1, tree.other1, new_group, Role.GROUP_LEADER, date(2025, 1, 1))
    assert post.org == new_group
    # a member of branch2 cannot lead a group of branch1
    with pytest.raises(ValidationError) as excinfo:
        services.appoint(tree.users.committee, tree.member2, tree.group1, Role.GROUP_LEADER, date(2025, 1, 1))
    assert _field_of(excinfo) == "person"
    # a group only has a leader; a leader only in a group
    with pytest.raises(ValidationError) as excinfo:
        services.appoint(tree.users.branch1, tree.member1, tree.group1, Role.SECRETARY, date(2025, 1, 1))
    assert _field_of(excinfo) == "role"
    with pytest.raises(ValidationError) as excinfo:
        services.appoint(tree.users.branch1, tree.member1, tree.branch1, Role.GROUP_LEADER, date(2025, 1, 1))
    assert _field_of(excinfo) == "role"


def test_dates_and_duplicates(tree):
    actor = tree.users.branch1
    with pytest.raises(ValidationError) as excinfo:
        services.appoint(actor, tree.member1, tree.branch1, Role.PROPAGANDA, date(2024, 5, 1), date(2024, 4, 1))
    assert _field_of(excinfo) == "end_date"
    services.appoint(actor, tree.member1, tree.branch1, Role.PROPAGANDA, date(2024, 1, 1))
    with pytest.raises(ValidationError) as excinfo:
        services.appoint(actor, tree.member1, tree.branch1, Role.PROPAGANDA, date(2024, 6, 1))
    assert _field_of(excinfo) == "role"
    # a second secretary while one is in post is refused
    with pytest.raises(ValidationError) as excinfo:
        services.appoint(actor, tree.other1, tree.branch1, Role.SECRETARY, date(2024, 6, 1))
    assert _field_of(excinfo) == "role"
    assert Post.objects.filter(org=tree.branch1).count() == 2  # the secretary and the one propaganda post


def test_a_past_term_does_not_block_a_new_one(tree):
    actor = tree.users.branch1
    services.appoint(actor, tree.member1, tree.branch1, Role.DISCIPLINE, date(2020, 1, 1), date(2022, 12, 31))
    post = services.appoint(actor, tree.member1, tree.branch1, Role.DISCIPLINE, date(2023, 1, 1))
    assert post.pk


def test_permission_posts_manage_on_the_org(tree):
    with pytest.raises(Http404):
        services.appoint(tree.users.branch1, tree.member2, tree.branch2, Role.PROPAGANDA, date(2024, 1, 1))
    with pytest.raises(Http404):
        services.appoint(tree.users.group1, tree.member1, tree.group1, Role.GROUP_LEADER, date(2024, 1, 1))
    post = Post.objects.get(person=tree.sec2)
    with pytest.raises(Http404):
        services.end_post(tree.users.branch1, post, date(2025, 1, 1))
    post.refresh_from_db()
    assert post.end_date is None


# --- pages ------------------------------------------------------------------------------------------------


def test_posts_page_lists_current_and_past(client, tree):
    services.appoint(None, tree.member1, tree.branch1, Role.PROPAGANDA, date(2019, 1, 1), date(2020, 1, 1))
    _login(client, tree.users.branch1)
    response = client.get(reverse("accounts:posts", args=[tree.branch1.pk]))
    assert response.status_code == 200
    assert [p.person for p in response.context["current"]] == [tree.sec1]
    assert [p.person for p in response.context["past"]] == [tree.member1]
    assert response.context["can_manage"]
    assert reverse("accounts:post_appoint", args=[tree.branch1.pk]) in response.content.decode()


def test_appoint_page_happy_path(client, tree):
    _login(client, tree.users.branch1)
    response = client.get(reverse("accounts:post_appoint", args=[tree.branch1.pk]), {"q": "普通"})
    choices = [c[0] for c in response.context["form"].fields["person"].widget.choices]
    assert tree.member1.pk in choices and tree.member2.pk not in choices
    response = client.post(reverse("accounts:post_appoint", args=[tree.branch1.pk]),
                           {"person": tree.member1.pk, "role": "propaganda", "start_date": "2025-01-01"})
    assert response.status_code == 302
    assert Post.objects.filter(person=tree.member1, org=tree.branch1, role="propaganda").exists()


def test_appoint_page_refusals_name_the_field(client, tree):
    _login(client, tree.users.branch1)
    url = reverse("accounts:post_appoint", args=[tree.branch1.pk])
    response = client.post(url, {"person": tree.member2.pk, "role": "propaganda", "start_date": "2025-01-01"})
    assert response.status_code == 200 and "person" in response.context["form"].errors
    response = client.post(url, {"person": tree.member1.pk, "role": "propaganda", "start_date": "2025-01-01",
                                 "end_date": "2024-01-01"})
    assert "end_date" in response.context["form"].errors
    assert 'data-field="end_date"' in response.content.decode()
    response = client.post(url, {"person": tree.member1.pk, "role": "propaganda", "start_date": ""})
    assert "start_date" in response.context["form"].errors
    assert not Post.objects.filter(person=tree.member1).exists()


def test_end_term_button(client, tree):
    services.appoint(None, tree.member1, tree.branch1, Role.PROPAGANDA, date(2024, 1, 1))
    post = Post.objects.get(person=tree.member1)
    _login(client, tree.users.branch1)
    response = client.post(reverse("accounts:post_end", args=[post.pk]), {"end_date": "2025-03-31"}, follow=True)
    assert response.status_code == 200
    post.refresh_from_db()
    assert post.end_date == date(2025, 3, 31)
    response = client.post(reverse("accounts:post_end", args=[post.pk]), {"end_date": "2020-01-01"}, follow=True)
    assert any("before it starts" in str(m) for m in response.context["messages"])
    post.refresh_from_db()
    assert post.end_date == date(2025, 3, 31)
    assert client.get(reverse("accounts:post_end", args=[post.pk])).status_code == 405


def test_outsiders_get_404_on_post_pages(client, tree):
    post = Post.objects.get(person=tree.sec2)
    _login(client, tree.users.branch1)
    assert client.get(reverse("accounts:posts", args=[tree.branch2.pk])).status_code == 404
    assert client.get(reverse("accounts:post_appoint", args=[tree.branch2.pk])).status_code == 404
    assert client.post(reverse("accounts:post_end", args=[post.pk]), {"end_date": "2025-01-01"}).status_code == 404
    _login(client, tree.users.member1)
    own_post = Post.objects.get(person=tree.sec1)
    assert client.post(reverse("accounts:post_end", args=[own_post.pk]),
                       {"end_date": "2025-01-01"}).status_code == 404
    post.refresh_from_db()
    own_post.refresh_from_db()
    assert post.end_date is None and own_post.end_date is None
