"""orgs.services: create, update with history, optimistic concurrency, subtree moves, dissolution, warnings."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from dangjian.accounts.models import Post, Role
from dangjian.core.errors import ConflictError
from dangjian.orgs import services as svc
from dangjian.orgs.models import Organization, OrgEvent, OrgStatus, path_segment
from dangjian.people import services as people_services
from dangjian.people.models import Person

from .factories import give_post, make_org, make_person


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def events(org, kind=None):
    qs = OrgEvent.objects.filter(org=org)
    return list(qs.filter(kind=kind) if kind else qs)


# ---------------------------------------------------------------------------------------------- create


def test_create_builds_path_depth_code_and_history(db):
    root = svc.create_org(None, org_type="committee", name="党委", founded_on=date(2001, 7, 1))
    child = svc.create_org(None, org_type="branch", parent=root, name="支部", code=" B-1 ")
    group = svc.create_org(None, org_type="group", parent=child, name="小组")
    assert root.path == path_segment(root.pk) and root.depth == 1
    assert child.path == root.path + path_segment(child.pk) and child.depth == 2
    assert group.path == child.path + path_segment(group.pk) and group.depth == 3
    assert root.code == f"ORG{root.pk:08d}" and child.code == "B-1"
    event = events(root, OrgEvent.Kind.CREATED)[0]
    assert event.on == date(2001, 7, 1) and event.data["type"] == "committee"
    assert events(child, OrgEvent.Kind.CREATED)[0].data["parent"] == root.pk


@pytest.mark.parametrize("org_type, parent_type, field", [
    ("group", "committee", "parent"),
    ("branch", None, "parent"),
    ("general_branch", "branch", "parent"),
    ("nonsense", "committee", "org_type"),
])
def test_create_refuses_bad_placement(db, org_type, parent_type, field):
    parents = {"committee": make_org("committee"), None: None}
    parents["branch"] = make_org("branch", parent=parents["committee"])
    count = Organization.objects.count()
    with pytest.raises(ValidationError) as info:
        svc.create_org(None, org_type=org_type, parent=parents[parent_type], name="新组织")
    assert field in info.value.message_dict
    assert Organization.objects.count() == count


def test_create_refuses_blank_names_duplicate_codes_and_bad_terms(db):
    root = make_org("committee", code="DUP")
    with pytest.raises(ValidationError) as info:
        svc.create_org(None, org_type="branch", parent=root, name="  ")
    assert "name" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        svc.create_org(None, org_type="branch", parent=root, name="甲", code="DUP")
    assert "DUP" in info.value.message_dict["code"][0]
    with pytest.raises(ValidationError) as info:
        svc.create_org(None, org_type="branch", parent=root, name="乙", term_start=date(2024, 1, 1),
                       term_end=date(2023, 1, 1))
    assert "term_end" in info.value.message_dict
    assert Organization.objects.count() == 1


def test_create_permissions(tree):
    # A branch secretary may add a group to their branch, not to the sibling branch, and no root.
    group = svc.create_org(tree.users.branch1, org_type="group", parent=tree.branch1, name="第二党小组")
    assert group.parent == tree.branch1
    with pytest.raises(Http404):
        svc.create_org(tree.users.branch1, org_type="group", parent=tree.branch2, name="越权小组")
    with pytest.raises(ValidationError):
        svc.create_org(tree.users.branch1, org_type="committee", parent=None, name="新党委")
    assert not Organization.objects.filter(name__in=["越权小组", "新党委"]).exists()


def test_dissolved_parent_refuses_children(db):
    root = make_org("committee")
    branch = make_org("branch", parent=root)
    svc.dissolve_org(None, branch)
    with pytest.raises(ValidationError) as info:
        svc.create_org(None, org_type="group", parent=branch, name="小组")
    assert "parent" in info.value.message_dict


def test_organisations_are_never_deleted(db):
    root = make_org("committee")
    with pytest.raises(PermissionDenied):
        root.delete()
    assert Organization.objects.filter(pk=root.pk).exists()


# ---------------------------------------------------------------------------------------------- update


def test_update_records_renames_terms_and_other_changes(db):
    root = make_org("committee", name="旧名")
    svc.update_org(None, root, {"name": "新名"}, expected_version=1)
    root.refresh_from_db()
    assert root.name == "新名" and root.version == 2
    renamed = events(root, OrgEvent.Kind.RENAMED)
    assert len(renamed) == 1 and renamed[0].data == {"from": "旧名", "to": "新名"}
    assert not events(root, OrgEvent.Kind.TERM) and not events(root, OrgEvent.Kind.UPDATED)

    svc.update_org(None, root, {"term_start": date(2024, 1, 1), "term_end": date(2029, 1, 1)})
    term = events(root, OrgEvent.Kind.TERM)
    assert len(term) == 1 and term[0].on == date(2024, 1, 1) and term[0].data["term_end"] == "2029-01-01"

    svc.update_org(None, root, {"contact_name": "王老师", "org_type": "branch", "path": "x"})
    root.refresh_from_db()
    assert root.contact_name == "王老师" and root.org_type == "committee" and root.path != "x"
    updated = events(root, OrgEvent.Kind.UPDATED)
    assert len(updated) == 1 and updated[0].data == {"contact_name": ["", "王老师"]}

    # No change, no event.
    count = OrgEvent.objects.filter(org=root).count()
    svc.update_org(None, root, {"name": "新名"})
    assert OrgEvent.objects.filter(org=root).count() == count


def test_update_with_stale_version_conflicts_and_changes_nothing(db):
    root = make_org("committee", name="原名")
    svc.update_org(None, root, {"name": "甲"}, expected_version=1)
    with pytest.raises(ConflictError):
        svc.update_org(None, root, {"name": "乙"}, expected_version=1)
    root.refresh_from_db()
    assert root.name == "甲" and root.version == 2
    assert len(events(root, OrgEvent.Kind.RENAMED)) == 1


def test_update_errors_change_nothing(db):
    root = make_org("committee", name="原名", code="KEEP")
    make_org("committee", code="TAKEN")
    for data, field in (({"name": ""}, "name"), ({"code": "TAKEN"}, "code"),
                        ({"term_start": date(2025, 1, 1), "term_end": date(2024, 1, 1)}, "term_end")):
        with pytest.raises(ValidationError) as info:
            svc.update_org(None, root, {**data, "contact_name": "不应保存"})
        assert field in info.value.message_dict
    root.refresh_from_db()
    assert root.name == "原名" and root.code == "KEEP" and root.contact_name == "" and root.version == 1


def test_update_of_a_dissolved_organisation_is_refused(db):
    root = make_org("committee")
    branch = make_org("branch", parent=root)
    svc.dissolve_org(None, branch)
    with pytest.raises(ValidationError):
        svc.update_org(None, branch, {"name": "复活"})


def test_update_by_an_outsider_is_404(tree):
    with pytest.raises(Http404):
        svc.update_org(tree.users.branch1, tree.branch2, {"name": "越权"})
    tree.branch2.refresh_from_db()
    assert tree.branch2.name == "第二党支部"


# ---------------------------------------------------------------------------------------------- move


@pytest.fixture
def forest(db):
    """root ─┬ general A ─ branch A1 ─ group A1g
             └ general B ─ branch B1"""
    root = make_org("committee", name="党委")
    ga = make_org("general_branch", parent=root, name="总支A")
    gb = make_org("general_branch", parent=root, name="总支B")
    a1 = make_org("branch", parent=ga, name="支部A1")
    a1g = make_org("group", parent=a1, name="小组A1")
    b1 = make_org("branch", parent=gb, name="支部B1")
    people = [make_person(a1), make_person(a1, group=a1g), make_person(b1)]
    return root, ga, gb, a1, a1g, b1, people


def test_move_rewrites_the_subtree_and_its_people(forest):
    root, ga, gb, a1, a1g, b1, people = forest
    b1_path = b1.path
    svc.move_org(None, a1, gb, expected_version=1, note="调整隶属")
    for org in (a1, a1g, b1, ga, gb):
        org.refresh_from_db()
    assert a1.parent == gb and a1.path == gb.path + path_segment(a1.pk) and a1.depth == 3
    assert a1g.path == a1.path + path_segment(a1g.pk) and a1g.depth == 4
    assert b1.path == b1_path and a1.version == 2
    for p in people:
        p.refresh_from_db()
    assert people[0].scope_path == a1.path and people[1].scope_path == a1g.path
    assert people[2].scope_path == b1.path
    event = events(a1, OrgEvent.Kind.MOVED)[0]
    assert event.data["from"] == ga.pk and event.data["to"] == gb.pk and event.note == "调整隶属"
    # Every path in the database is still consistent with the parent links.
    for org in Organization.objects.select_related("parent"):
        expected = (org.parent.path if org.parent else "") + path_segment(org.pk)
        assert org.path == expected and org.depth == len(org.path) // 8


def test_move_changes_depth_both_ways(forest):
    root, ga, gb, a1, a1g, b1, people = forest
    svc.move_org(None, a1, root)
    a1g.refresh_from_db()
    assert a1g.depth == 3 and a1g.path.startswith(root.path)
    a1.refresh_from_db()
    svc.move_org(None, a1, gb)
    a1g.refresh_from_db()
    assert a1g.depth == 4 and a1g.path.startswith(gb.path)


def test_move_under_itself_or_a_descendant_is_refused(forest):
    root, ga, gb, a1, a1g, b1, people = forest
    ga_path = ga.path
    for target in (ga, a1, a1g):
        with pytest.raises(ValidationError) as info:
            svc.move_org(None, ga, target)
        assert "parent" in info.value.message_dict
    ga.refresh_from_db()
    assert ga.path == ga_path and ga.parent == root


def test_move_respects_placement_and_current_parent(forest):
    root, ga, gb, a1, a1g, b1, people = forest
    with pytest.raises(ValidationError):
        svc.move_org(None, a1g, gb)  # a group only inside a branch
    with pytest.raises(ValidationError):
        svc.move_org(None, gb, b1)  # a general branch under a branch
    with pytest.raises(ValidationError):
        svc.move_org(None, a1, ga)  # already there
    svc.move_org(None, a1g, b1)  # group to another branch: allowed
    a1g.refresh_from_db()
    assert a1g.parent == b1


def test_move_with_stale_version_or_into_a_dissolved_parent_is_refused(forest):
    root, ga, gb, a1, a1g, b1, people = forest
    with pytest.raises(ConflictError):
        svc.move_org(None, a1, gb, expected_version=7)
    empty = make_org("general_branch", parent=root)
    svc.dissolve_org(None, empty)
    with pytest.raises(ValidationError):
        svc.move_org(None, a1, empty)
    a1.refresh_from_db()
    assert a1.parent == ga


def test_move_needs_write_permission_on_both_sides(tree):
    other = make_org("general_branch", parent=tree.committee, name="另一总支")
    with pytest.raises(Http404):
        svc.move_org(tree.users.branch1, tree.branch1, other)
    tree.branch1.refresh_from_db()
    assert tree.branch1.parent == tree.general
    svc.move_org(tree.users.committee, tree.branch1, other)
    tree.branch1.refresh_from_db()
    assert tree.branch1.parent == other


# ---------------------------------------------------------------------------------------------- dissolve


def test_dissolve_waits_for_members_and_children(forest):
    root, ga, gb, a1, a1g, b1, people = forest
    with pytest.raises(ValidationError) as info:
        svc.dissolve_org(None, ga)
    assert "sub-organisations" in info.value.messages[0]
    with pytest.raises(ValidationError) as info:
        svc.dissolve_org(None, a1g)
    assert "1 people" in info.value.messages[0]
    # Re-home the group member (same branch), then the group may go.
    people_services.update_person(None, people[1], {"group": None})
    svc.dissolve_org(None, a1g, on=date(2025, 1, 1), note="合并")
    a1g.refresh_from_db()
    assert a1g.status == OrgStatus.DISSOLVED and a1g.dissolved_on == date(2025, 1, 1) and a1g.version == 2
    assert events(a1g, OrgEvent.Kind.DISSOLVED)[0].note == "合并"
    with pytest.raises(ValidationError) as info:
        svc.dissolve_org(None, a1)
    assert "2 people" in info.value.messages[0]
    with pytest.raises(ValidationError):
        svc.dissolve_org(None, a1g)  # already dissolved


def test_people_off_the_roll_do_not_block_dissolution(forest):
    root, ga, gb, a1, a1g, b1, people = forest
    Person.objects.filter(pk=people[2].pk).update(status="deceased")
    post = give_post(people[2], b1, Role.SECRETARY)
    svc.dissolve_org(None, b1, on=date(2025, 3, 1))
    post.refresh_from_db()
    assert post.end_date == date(2025, 3, 1)
    b1.refresh_from_db()
    assert b1.status == OrgStatus.DISSOLVED
    svc.dissolve_org(None, gb)  # its only child is dissolved now
    assert Organization.objects.get(pk=gb.pk).status == OrgStatus.DISSOLVED


def test_dissolve_stale_version(forest):
    root, ga, gb, a1, a1g, b1, people = forest
    empty = make_org("branch", parent=root)
    with pytest.raises(ConflictError):
        svc.dissolve_org(None, empty, expected_version=5)
    assert Organization.objects.get(pk=empty.pk).status == OrgStatus.ACTIVE


# ---------------------------------------------------------------------------------------------- warnings

TODAY = timezone.localdate()


def branch_with(root, full=0, committee_roles=(), secretary=True, term_end=None, probationary=0):
    branch = make_org("branch", parent=root, term_end=term_end)
    people = [make_person(branch) for _ in range(full)]
    people += [make_person(branch, political_status="probationary", join_date=TODAY - timedelta(days=30),
                           full_date=None) for _ in range(probationary)]
    holder = people[0] if people else make_person(branch)
    if secretary:
        give_post(holder, branch, Role.SECRETARY)
    for i, role in enumerate(committee_roles):
        give_post(people[i + 1] if len(people) > i + 1 else holder, branch, role)
    return branch


def codes_of(org):
    return {w.code for w in svc.warnings_for_orgs([org])[org.pk]}


def test_warnings_from_the_database(db):
    root = make_org("committee", name="党委")
    give_post(make_person(branch_with(root, full=3)), root, Role.SECRETARY)
    assert "few_members" in codes_of(branch_with(root, full=2, probationary=3))
    assert "few_members" not in codes_of(branch_with(root, full=3))
    assert "no_committee" in codes_of(branch_with(root, full=7))
    assert "no_committee" in codes_of(branch_with(root, full=7, committee_roles=(Role.ORGANISATION,)))
    assert "no_committee" not in codes_of(
        branch_with(root, full=7, committee_roles=(Role.ORGANISATION, Role.PROPAGANDA)))  # secretary + 2
    assert "no_committee" not in codes_of(branch_with(root, full=6))
    assert "term_expiring" in codes_of(branch_with(root, full=3, term_end=TODAY + timedelta(days=90)))
    assert not codes_of(branch_with(root, full=3, term_end=TODAY + timedelta(days=91)))
    assert "term_expired" in codes_of(branch_with(root, full=3, term_end=TODAY - timedelta(days=1)))
    assert "no_secretary" in codes_of(branch_with(root, full=3, secretary=False))
    assert "no_secretary" not in codes_of(root)


def test_ended_posts_and_people_off_the_roll_do_not_count(db):
    root = make_org("committee")
    branch = make_org("branch", parent=root)
    people = [make_person(branch) for _ in range(3)]
    give_post(people[0], branch, Role.SECRETARY, end=TODAY - timedelta(days=1))
    assert codes_of(branch) == {"no_secretary"}
    Person.objects.filter(pk=people[1].pk).update(status="left")
    assert codes_of(branch) == {"no_secretary", "few_members"}
    give_post(people[0], branch, Role.SECRETARY, start=TODAY + timedelta(days=1))
    assert "no_secretary" in codes_of(branch)
    give_post(people[0], branch, Role.SECRETARY, start=TODAY)
    assert codes_of(branch) == {"few_members"}


def test_subtree_warnings_lists_only_the_subtree_and_filters_by_code(db):
    root = make_org("committee")
    give_post(make_person(branch_with(root, full=3)), root, Role.SECRETARY)
    general = make_org("general_branch", parent=root)
    give_post(make_person(branch_with(general, full=3)), general, Role.SECRETARY)
    weak = branch_with(general, full=1)
    healthy = branch_with(general, full=4)
    outside = branch_with(root, full=1)
    found = dict(svc.subtree_warnings(general))
    assert weak in found and healthy not in found and outside not in found and general not in found
    assert {w.code for w in found[weak]} == {"few_members"}
    assert [o for o, _ in svc.subtree_warnings(general, code="no_secretary")] == []
    assert outside in dict(svc.subtree_warnings(root, code="few_members"))


def _grow(root, branches):
    for i in range(branches):
        branch_with(root, full=i % 4, secretary=bool(i % 2), term_end=TODAY + timedelta(days=30 * i))


def test_subtree_warnings_query_count_does_not_grow(db, django_assert_max_num_queries):
    root = make_org("committee")
    _grow(root, 3)
    svc.subtree_warnings(root)  # parameters cached
    with CaptureQueriesContext(connection) as small:
        small_result = svc.subtree_warnings(root)
    _grow(root, 25)
    with django_assert_max_num_queries(len(small.captured_queries)):
        big_result = svc.subtree_warnings(root)
    assert len(big_result) > len(small_result) >= 1
    assert len(small.captured_queries) <= 6


def test_warning_lists_ignore_dissolved_organisations(db):
    root = make_org("committee")
    branch = make_org("branch", parent=root)
    svc.dissolve_org(None, branch)
    assert branch not in dict(svc.subtree_warnings(root))


def test_posts_in_a_dissolved_branch_are_ended(db):
    root = make_org("committee")
    branch = make_org("branch", parent=root)
    holder = make_person(root, political_status="masses")
    post = give_post(holder, branch, Role.SECRETARY)
    svc.dissolve_org(None, branch)
    assert Post.objects.get(pk=post.pk).end_date == TODAY
