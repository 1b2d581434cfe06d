"""accounts.scoping: a post grants its role's permissions over its organisation's subtree and nothing else."""

from datetime import date, timedelta

import pytest
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangjian.accounts import rules as perms
from dangjian.accounts.models import Post, Role, User
from dangjian.accounts.rules import ROLE_PERMISSIONS
from dangjian.accounts.scoping import (
    get_scoped_or_404,
    has_perm,
    has_perm_anywhere,
    own_org_q,
    own_person_q,
    scope_for,
    scoped,
)
from dangjian.orgs import services as org_services
from dangjian.orgs.models import Organization
from dangjian.people.models import Person

from .factories import give_post, make_org, make_person, make_user

TODAY = timezone.localdate()
ROLES = list(Role)
PERMS = sorted(perms.ALL_PERMISSIONS)


def fresh(user):
    """The same user without the per-object scope cache (as on the next request)."""
    return User.objects.get(pk=user.pk)


# ---------------------------------------------------------------------------------------------- property


@st.composite
def trees_and_posts(draw):
    """A random forest: each new organisation goes under a random earlier one of a type that may hold it."""
    size = draw(st.integers(min_value=2, max_value=9))
    kinds = ["committee"]
    parents = [None]
    children_of = {"committee": ["committee", "general_branch", "branch"], "general_branch": ["branch"],
                   "branch": ["group"], "group": []}
    for _ in range(size - 1):
        candidates = [i for i, k in enumerate(kinds) if children_of[k]]
        parent = draw(st.sampled_from(candidates))
        kinds.append(draw(st.sampled_from(children_of[kinds[parent]])))
        parents.append(parent)
    posts = draw(st.lists(st.tuples(st.integers(0, size - 1), st.sampled_from(ROLES)), max_size=4))
    return kinds, parents, posts


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shape=trees_and_posts())
def test_posts_grant_exactly_their_subtrees(db, shape):
    kinds, parents, posts = shape
    with transaction.atomic():
        orgs = []
        for kind, parent in zip(kinds, parents, strict=True):
            orgs.append(org_services.create_org(None, org_type=kind, parent=orgs[parent] if parent is not None
                                                else None, name=f"{kind}{len(orgs)}"))
        holder = Person.objects.create(name="持职者", gender="1")
        for index, role in posts:
            Post.objects.create(person=holder, org=orgs[index], role=role, start_date=date(2020, 1, 1))
        user = User.objects.create(username=f"u{holder.pk}", person=holder)
        for org in orgs:
            for perm in PERMS:
                expected = any(org.path.startswith(orgs[i].path) and perm in ROLE_PERMISSIONS[role]
                               for i, role in posts)
                assert has_perm(user, perm, org) == expected
                assert has_perm(user, perm, org.path) == expected
        for perm in PERMS:
            visible = set(scoped(Organization.objects.filter(pk__in=[o.pk for o in orgs]), user, perm))
            assert visible == {o for o in orgs if has_perm(user, perm, o)}
            assert has_perm_anywhere(user, perm) == any(perm in ROLE_PERMISSIONS[r] for _, r in posts)
        transaction.set_rollback(True)


# ---------------------------------------------------------------------------------------------- the fixture tree


def test_sibling_branches_see_nothing_of_each_other(tree):
    b1, b2 = tree.users.branch1, tree.users.branch2
    for perm in PERMS:
        assert has_perm(b1, perm, tree.branch1) and has_perm(b1, perm, tree.group1)
        assert not has_perm(b1, perm, tree.branch2)
        assert not has_perm(b1, perm, tree.general) and not has_perm(b1, perm, tree.committee)
        assert not has_perm(b2, perm, tree.branch1)
    people = scoped(Person.objects.all(), b1, perms.PEOPLE_READ)
    assert tree.member2 not in people and tree.sec2 not in people and tree.member1 in people
    for user, obj in ((b1, tree.member2), (b2, tree.member1)):
        with pytest.raises(Http404):
            get_scoped_or_404(Person.objects.all(), user, perms.PEOPLE_READ, pk=obj.pk)
    assert get_scoped_or_404(Person.objects.all(), b1, perms.PEOPLE_READ, pk=tree.member1.pk) == tree.member1


@pytest.mark.parametrize("garbage", ["abc", "", None, "1 OR 1=1", -1, 10**30, "12abc", 3.5j, [1]])
def test_garbage_ids_are_404(tree, garbage):
    with pytest.raises(Http404):
        get_scoped_or_404(Person.objects.all(), tree.users.committee, perms.PEOPLE_READ, pk=garbage)
    with pytest.raises(Http404):
        get_scoped_or_404(Organization.objects.all(), tree.users.admin, perms.ORGS_READ, pk=garbage)


def test_group_leader_reads_the_group_only(tree):
    leader = tree.users.group1
    assert has_perm(leader, perms.PEOPLE_READ, tree.group1)
    assert not has_perm(leader, perms.PEOPLE_READ, tree.branch1)
    assert not has_perm(leader, perms.PEOPLE_WRITE, tree.group1)
    assert not has_perm(leader, perms.PEOPLE_SENSITIVE, tree.group1)


def test_committee_secretary_covers_the_whole_tree(tree):
    for org in (tree.committee, tree.general, tree.branch1, tree.branch2, tree.group1):
        assert has_perm(tree.users.committee, perms.PEOPLE_WRITE, org)
    everyone = set(Person.objects.all())
    assert set(scoped(Person.objects.all(), tree.users.committee, perms.PEOPLE_READ)) == everyone


def test_plain_members_fail_closed(tree):
    member = tree.users.member1
    assert not scope_for(member).has_any_post
    for perm in PERMS:
        assert not has_perm(member, perm, tree.branch1)
        assert not has_perm_anywhere(member, perm)
        assert not scoped(Person.objects.all(), member, perm).exists()
        assert not scoped(Organization.objects.all(), member, perm).exists()
    # Their own record and their organisation's public page, only when asked for explicitly.
    assert list(scoped(Person.objects.all(), member, perms.PEOPLE_READ, extra=own_person_q(member))) == [
        tree.member1]
    assert set(scoped(Organization.objects.all(), member, perms.ORGS_READ, extra=own_org_q(member))) == {
        tree.branch1, tree.group1}


def test_anonymous_and_personless_users_see_nothing(tree):
    from django.contrib.auth.models import AnonymousUser

    for user in (AnonymousUser(), None, make_user("loner")):
        assert not scoped(Person.objects.all(), user, perms.PEOPLE_READ).exists()
        assert not has_perm(user, perms.ORGS_READ, tree.committee)
        with pytest.raises(Http404):
            get_scoped_or_404(Person.objects.all(), user, perms.PEOPLE_READ, pk=tree.member1.pk)
    assert own_person_q(make_user("loner2")) is None and own_org_q(make_user("loner3")) is None


def test_superuser_sees_everything(tree):
    admin = tree.users.admin
    assert has_perm(admin, perms.PEOPLE_SENSITIVE, tree.branch2)
    assert scoped(Person.objects.all(), admin, perms.PEOPLE_READ).count() == Person.objects.count()


# ---------------------------------------------------------------------------------------------- post terms


def test_ended_and_future_posts_grant_nothing(tree):
    outsider = make_person(tree.branch2, name="外人")
    user = make_user("outsider", outsider)
    ended = give_post(outsider, tree.branch1, Role.SECRETARY, start=date(2015, 1, 1), end=TODAY - timedelta(days=1))
    future = give_post(outsider, tree.group1, Role.SECRETARY, start=TODAY + timedelta(days=1))
    assert not has_perm(fresh(user), perms.PEOPLE_READ, tree.branch1)
    assert not has_perm(fresh(user), perms.PEOPLE_READ, tree.group1)
    assert not scoped(Person.objects.all(), fresh(user), perms.PEOPLE_READ).exists()
    # The last day of a term and the first day of the next still count.
    Post.objects.filter(pk=ended.pk).update(end_date=TODAY)
    Post.objects.filter(pk=future.pk).update(start_date=TODAY)
    assert has_perm(fresh(user), perms.PEOPLE_READ, tree.branch1)
    assert has_perm(fresh(user), perms.PEOPLE_READ, tree.group1)


def test_scope_on_a_given_day_does_not_leak_into_today(tree):
    person = make_person(tree.branch2, name="前任")
    give_post(person, tree.branch2, Role.SECRETARY, start=date(2015, 1, 1), end=date(2019, 12, 31))
    user = make_user("former", person)
    assert scope_for(user, on=date(2018, 1, 1)).allows(perms.PEOPLE_READ, tree.branch2.path)
    assert not has_perm(user, perms.PEOPLE_READ, tree.branch2)


def test_posts_in_dissolved_organisations_grant_nothing(tree):
    group = make_org("group", parent=tree.branch2, name="将撤销的小组")
    holder = make_person(tree.branch2, name="组长")
    give_post(holder, group, Role.SECRETARY)
    user = make_user("grouplead", holder)
    assert has_perm(fresh(user), perms.PEOPLE_READ, group)
    # Even a post left open (as an import might leave it) stops counting once the organisation is dissolved.
    Organization.objects.filter(pk=group.pk).update(status="dissolved")
    assert not has_perm(fresh(user), perms.PEOPLE_READ, group)
    assert not scoped(Person.objects.all(), fresh(user), perms.PEOPLE_READ).exists()


def test_scope_is_computed_once_per_user_object(tree, django_assert_max_num_queries):
    user = fresh(tree.users.branch1)
    with django_assert_max_num_queries(3):
        for _ in range(20):
            has_perm(user, perms.PEOPLE_READ, tree.branch1)
            has_perm(user, perms.PEOPLE_READ, tree.branch2)


def test_many_posts_are_reduced_to_minimal_prefixes(tree):
    person = tree.committee_sec
    give_post(person, tree.branch1, Role.ORGANISATION)
    give_post(person, tree.group1, Role.GROUP_LEADER)
    scope = scope_for(fresh(tree.users.committee))
    assert scope.prefixes(perms.PEOPLE_READ) == (tree.committee.path,)
