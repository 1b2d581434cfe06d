"""Organisation pages: tree, detail, create/edit/move/dissolve, subtree warnings. Scoping (404 for outsiders),
field messages on refusal with nothing changed, optimistic concurrency, bounded query counts."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.orgs.models import Organization, OrgEvent, OrgStatus
from tests.factories import make_org, make_person

pytestmark = pytest.mark.django_db


def _login(client, user):
    """Log in; pages in English so that the messages can be compared (zh-hans is the default)."""
    from django.conf import settings

    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _messages(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- rendering ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["committee", "branch1", "admin"])
def test_tree_renders_the_roots_of_the_scope(client, tree, who):
    _login(client, getattr(tree.users, who))
    response = client.get(reverse("orgs:tree"))
    assert response.status_code == 200
    roots = [n["org"] for n in response.context["nodes"]]
    expected = {"committee": tree.committee, "branch1": tree.branch1, "admin": tree.committee}[who]
    assert roots == [expected]


def test_tree_node_shows_member_count_and_lazy_children(client, tree):
    _login(client, tree.users.committee)
    node = client.get(reverse("orgs:tree")).context["nodes"][0]
    members_in_tree = 7  # every person of the fixture is a full member on the roll
    assert node["has_children"] and node["members"] == members_in_tree
    # The children arrive on demand: the general branch, then its two branches with their counts.
    response = client.get(reverse("orgs:children", args=[tree.committee.pk]))
    assert [n["org"] for n in response.context["nodes"]] == [tree.general]
    response = client.get(reverse("orgs:children", args=[tree.general.pk]))
    counts = {n["org"].code: n["members"] for n in response.context["nodes"]}
    assert counts == {"B1": 5, "B2": 2}
    assert f'hx-get="{reverse("orgs:children", args=[tree.branch1.pk])}"' in response.content.decode()


def test_tree_warning_badges(client, tree):
    _login(client, tree.users.committee)
    response = client.get(reverse("orgs:children", args=[tree.general.pk]))
    by_code = {n["org"].code: [w.code for w in n["warnings"]] for n in response.context["nodes"]}
    assert by_code["B2"] == ["few_members"]  # two full members
    assert by_code["B1"] == []


def test_tree_search_by_name_and_code_stays_in_scope(client, tree):
    _login(client, tree.users.branch1)
    response = client.get(reverse("orgs:tree"), {"q": "党支部"})
    names = [r["org"].name for r in response.context["results"]]
    assert names == ["第一党支部"]  # 第二党支部 is a sibling's
    response = client.get(reverse("orgs:tree"), {"q": "GR1"})
    [row] = response.context["results"]
    assert row["org"] == tree.group1 and row["ancestors"] == ["示例党委", "第一党总支", "第一党支部"]


def test_dissolved_organisations_only_on_request(client, tree):
    old = make_org("group", parent=tree.branch1, name="旧党小组", code="OLD")
    from dangjian.orgs import services

    services.dissolve_org(None, old)
    _login(client, tree.users.branch1)
    hidden = client.get(reverse("orgs:children", args=[tree.branch1.pk])).context["nodes"]
    assert old not in [n["org"] for n in hidden]
    shown = client.get(reverse("orgs:children", args=[tree.branch1.pk]), {"dissolved": "1"}).context["nodes"]
    assert old in [n["org"] for n in shown]
    assert client.get(reverse("orgs:tree"), {"q": "OLD"}).context["results"] == []
    assert len(client.get(reverse("orgs:tree"), {"q": "OLD", "dissolved": "1"}).context["results"]) == 1


def test_detail_page_shows_everything(client, tree):
    _login(client, tree.users.committee)
    response = client.get(reverse("orgs:detail", args=[tree.branch1.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    ctx = response.context
    assert [a.code for a, _ok in ctx["ancestors"]] == ["C1", "G1"]
    assert [(p.role, p.person) for p in ctx["posts"]] == [("secretary", tree.sec1)]
    assert [n["org"] for n in ctx["children"]] == [tree.group1]
    assert ctx["members"] == 5
    assert ctx["warnings"] == []
    assert reverse("orgs:edit", args=[tree.branch1.pk]) in html
    assert reverse("accounts:posts", args=[tree.branch1.pk]) in html
    assert reverse("audit:object", args=["orgs.organization", tree.branch1.pk]) in html
    assert [e.kind for e in ctx["events"]] == ["created"]


def test_detail_shows_rule_warnings(client, tree):
    _login(client, tree.users.branch2)
    response = client.get(reverse("orgs:detail", args=[tree.branch2.pk]))
    assert [w.code for w in response.context["warnings"]] == ["few_members"]
    assert 'data-warning="few_members"' in response.content.decode()


def test_group_leader_reads_but_has_no_buttons(client, tree):
    _login(client, tree.users.group1)
    response = client.get(reverse("orgs:detail", args=[tree.group1.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("orgs:edit", args=[tree.group1.pk]) not in html
    assert reverse("accounts:post_appoint", args=[tree.group1.pk]) not in html


def test_plain_member_sees_own_branch_public_page_only(client, tree):
    _login(client, tree.users.member1)
    response = client.get(reverse("orgs:detail", args=[tree.branch1.pk]))
    assert response.status_code == 200
    assert "warnings" not in response.context and "events" not in response.context
    assert client.get(reverse("orgs:detail", args=[tree.general.pk])).status_code == 404
    tree_page = client.get(reverse("orgs:tree"))
    assert tree_page.context["own_orgs"] == [tree.branch1, tree.group1]


# --- scoping: outsiders get 404 ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["orgs:detail", "orgs:children", "orgs:edit", "orgs:move", "orgs:dissolve",
                                  "orgs:create_child", "orgs:subtree_warnings", "accounts:posts",
                                  "accounts:post_appoint"])
def test_sibling_secretary_gets_404(client, tree, name):
    _login(client, tree.users.branch1)
    assert client.get(reverse(name, args=[tree.branch2.pk])).status_code == 404
    assert client.get(reverse(name, args=[tree.general.pk])).status_code == 404
    assert client.get(reverse(name, args=[999999])).status_code == 404


@pytest.mark.parametrize("name", ["orgs:edit", "orgs:move", "orgs:dissolve", "orgs:create_child",
                                  "accounts:post_appoint"])
def test_plain_member_and_group_leader_cannot_open_edit_pages(client, tree, name):
    for user, org in ((tree.users.member1, tree.branch1), (tree.users.group1, tree.group1)):
        _login(client, user)
        assert client.get(reverse(name, args=[org.pk])).status_code == 404


def test_sibling_cannot_post_changes(client, tree):
    _login(client, tree.users.branch1)
    before = Organization.objects.get(pk=tree.branch2.pk)
    response = client.post(reverse("orgs:edit", args=[tree.branch2.pk]),
                           {"name": "改名", "version": before.version})
    assert response.status_code == 404
    response = client.post(reverse("orgs:dissolve", args=[tree.branch2.pk]),
                           {"on": "2024-01-01", "version": before.version})
    assert response.status_code == 404
    after = Organization.objects.get(pk=tree.branch2.pk)
    assert (after.name, after.status, after.version) == (before.name, before.status, before.version)


def test_anonymous_is_sent_to_login(client, tree):
    response = client.get(reverse("orgs:detail", args=[tree.branch1.pk]))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


# --- create, edit, move, dissolve -------------------------------------------------------------------------


def test_create_child_happy_path(client, tree):
    _login(client, tree.users.branch1)
    response = client.get(reverse("orgs:create_child", args=[tree.branch1.pk]))
    assert [v for v, _l in response.context["form"].fields["org_type"].choices] == ["group"]
    response = client.post(reverse("orgs:create_child", args=[tree.branch1.pk]),
                           {"org_type": "group", "name": "第二党小组", "code": "GR2", "founded_on": "2024-03-01"})
    org = Organization.objects.get(code="GR2")
    assert response.status_code == 302 and response["Location"] == reverse("orgs:detail", args=[org.pk])
    assert org.parent == tree.branch1 and org.path.startswith(tree.branch1.path) and org.depth == 4
    assert org.founded_on == date(2024, 3, 1)


def test_create_child_refusals_name_the_field(client, tree):
    _login(client, tree.users.committee)
    count = Organization.objects.count()
    # a duplicate code
    response = client.post(reverse("orgs:create_child", args=[tree.general.pk]),
                           {"org_type": "branch", "name": "第三党支部", "code": "B1"})
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    assert "B1" in response.context["form"].errors["code"][0]
    # a term that ends before it starts
    response = client.post(reverse("orgs:create_child", args=[tree.general.pk]),
                           {"org_type": "branch", "name": "第三党支部", "term_start": "2024-01-01",
                            "term_end": "2023-01-01"})
    assert "term_end" in response.context["form"].errors
    # a group directly under a general branch is not offered, and refused if forced
    response = client.post(reverse("orgs:create_child", args=[tree.general.pk]),
                           {"org_type": "group", "name": "党小组"})
    assert "org_type" in response.context["form"].errors
    assert 'data-field="org_type"' in response.content.decode()
    assert Organization.objects.count() == count


def test_edit_happy_path_keeps_history(client, tree):
    _login(client, tree.users.branch1)
    org = Organization.objects.get(pk=tree.branch1.pk)
    response = client.get(reverse("orgs:edit", args=[org.pk]))
    assert response.context["form"].initial["version"] == org.version
    data = {"name": "第一党支部（新）", "code": "B1", "term_start": "2024-01-01", "term_end": "2027-01-01",
            "version": org.version, "sort_order": "0"}
    response = client.post(reverse("orgs:edit", args=[org.pk]), data)
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.name == "第一党支部（新）" and org.term_end == date(2027, 1, 1)
    kinds = set(OrgEvent.objects.filter(org=org).values_list("kind", flat=True))
    assert {"renamed", "term"} <= kinds


def test_edit_with_a_stale_version_changes_nothing(client, tree):
    _login(client, tree.users.branch1)
    org = Organization.objects.get(pk=tree.branch1.pk)
    stale = org.version
    from dangjian.orgs import services

    services.update_org(None, org, {"contact_name": "张三"})  # someone else saved in between
    response = client.post(reverse("orgs:edit", args=[org.pk]), {"name": "被覆盖", "code": "B1", "version": stale})
    assert response.status_code == 200
    assert any("changed by someone else" in m for m in _messages(response))
    org.refresh_from_db()
    assert org.name == "第一党支部" and org.contact_name == "张三"


def test_edit_refusal_names_the_field(client, tree):
    _login(client, tree.users.branch1)
    org = Organization.objects.get(pk=tree.branch1.pk)
    response = client.post(reverse("orgs:edit", args=[org.pk]), {"name": "x", "code": "B2", "version": org.version})
    assert "code" in response.context["form"].errors
    response = client.post(reverse("orgs:edit", args=[org.pk]), {"name": "", "version": org.version})
    assert "name" in response.context["form"].errors
    org.refresh_from_db()
    assert (org.name, org.code) == ("第一党支部", "B1")


def test_move_happy_path(client, tree):
    other = make_org("general_branch", parent=tree.committee, name="第二党总支", code="G2")
    _login(client, tree.users.committee)
    response = client.get(reverse("orgs:move", args=[tree.branch2.pk]))
    candidates = response.context["candidates"]
    assert other in candidates and tree.general not in candidates and tree.branch1 not in candidates
    response = client.post(reverse("orgs:move", args=[tree.branch2.pk]),
                           {"parent": "G2", "version": tree.branch2.version, "note": "调整"})
    assert response.status_code == 302
    moved = Organization.objects.get(pk=tree.branch2.pk)
    assert moved.parent == other and moved.path.startswith(other.path)
    tree.member2.refresh_from_db()
    assert tree.member2.scope_path == moved.path


def test_move_refusals(client, tree):
    _login(client, tree.users.committee)
    org = Organization.objects.get(pk=tree.group1.pk)
    # a group can only sit in a branch
    response = client.post(reverse("orgs:move", args=[org.pk]), {"parent": "G1", "version": org.version})
    assert "parent" in response.context["form"].errors
    # an unknown code
    response = client.post(reverse("orgs:move", args=[org.pk]), {"parent": "NOPE", "version": org.version})
    assert "NOPE" in response.context["form"].errors["parent"][0]
    # under itself
    response = client.post(reverse("orgs:move", args=[tree.general.pk]),
                           {"parent": "B1", "version": tree.general.version})
    assert "parent" in response.context["form"].errors
    org.refresh_from_db()
    assert org.parent_id == tree.branch1.pk


def test_move_only_within_scope(client, tree):
    # branch1's secretary cannot move its group into branch2 (not theirs): the code is unknown to them
    _login(client, tree.users.branch1)
    org = Organization.objects.get(pk=tree.group1.pk)
    response = client.post(reverse("orgs:move", args=[org.pk]), {"parent": "B2", "version": org.version})
    assert response.status_code == 200 and "parent" in response.context["form"].errors
    org.refresh_from_db()
    assert org.parent_id == tree.branch1.pk


def test_dissolve_refused_while_members_or_children_remain(client, tree):
    _login(client, tree.users.committee)
    response = client.post(reverse("orgs:dissolve", args=[tree.branch1.pk]),
                           {"on": "2025-01-01", "version": tree.branch1.version})
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert errors and "sub-organisations" in errors[0]
    empty_with_member = make_org("branch", parent=tree.general, name="空支部", code="B9")
    make_person(empty_with_member)
    response = client.post(reverse("orgs:dissolve", args=[empty_with_member.pk]),
                           {"on": "2025-01-01", "version": empty_with_member.version})
    assert "transfer them first" in response.context["form"].non_field_errors()[0]
    assert Organization.objects.filter(status=OrgStatus.DISSOLVED).count() == 0


def test_dissolve_happy_path_and_stale_version(client, tree):
    empty = make_org("branch", parent=tree.general, name="待撤销支部", code="B8")
    _login(client, tree.users.committee)
    response = client.post(reverse("orgs:dissolve", args=[empty.pk]), {"on": "2025-01-01", "version": 99})
    assert any("changed by someone else" in m for m in _messages(response))
    assert Organization.objects.get(pk=empty.pk).status == OrgStatus.ACTIVE
    response = client.post(reverse("orgs:dissolve", args=[empty.pk]), {"on": "2025-01-01", "version": empty.version})
    assert response.status_code == 302
    empty.refresh_from_db()
    assert empty.status == OrgStatus.DISSOLVED and empty.dissolved_on == date(2025, 1, 1)
    # a dissolved organisation has no edit pages any more
    assert client.get(reverse("orgs:edit", args=[empty.pk])).status_code == 404
    assert client.get(reverse("orgs:detail", args=[empty.pk])).status_code == 200


# --- warnings list ----------------------------------------------------------------------------------------


def test_warnings_list_for_the_scope_and_filter(client, tree):
    expiring = make_org("branch", parent=tree.general, name="换届支部", code="B7",
                        term_end=date.today() + timedelta(days=10))
    _login(client, tree.users.committee)
    response = client.get(reverse("orgs:warnings"))
    assert response.status_code == 200
    rows = {org.code: [w.code for w in ws] for org, ws in response.context["page"].object_list}
    assert "few_members" in rows["B2"] and "term_expiring" in rows["B7"] and "B1" not in rows
    response = client.get(reverse("orgs:warnings"), {"code": "term_expiring"})
    assert [o for o, _ws in response.context["page"].object_list] == [expiring]
    assert reverse("orgs:detail", args=[expiring.pk]) in response.content.decode()


def test_warnings_list_is_scoped(client, tree):
    _login(client, tree.users.branch1)
    response = client.get(reverse("orgs:warnings"))
    codes = {org.code for org, _ws in response.context["page"].object_list}
    assert "B2" not in codes
    assert client.get(reverse("orgs:subtree_warnings", args=[tree.branch2.pk])).status_code == 404
    _login(client, tree.users.member1)
    assert client.get(reverse("orgs:warnings")).status_code == 404


# --- query counts: constant in the number of organisations ----------------------------------------------


def _count(client, url, params=None):
    from django.core.cache import cache

    cache.clear()  # member counts of siblings are cached briefly
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("n", [5, 20])
def test_query_counts_do_not_grow_with_the_tree(client, tree, n, django_assert_max_num_queries):
    for i in range(n):
        branch = make_org("branch", parent=tree.general, name=f"加支部{i}", code=f"X{n}-{i}")
        make_org("group", parent=branch, name=f"加小组{i}")
        make_person(branch)
    _login(client, tree.users.committee)
    bound = 16
    with django_assert_max_num_queries(bound):
        client.get(reverse("orgs:tree"))
    with django_assert_max_num_queries(bound):
        client.get(reverse("orgs:children", args=[tree.general.pk]))
    with django_assert_max_num_queries(bound):
        client.get(reverse("orgs:warnings"))
    with django_assert_max_num_queries(bound + 6):
        client.get(reverse("orgs:detail", args=[tree.general.pk]))
    with django_assert_max_num_queries(bound):
        client.get(reverse("orgs:tree"), {"q": "加"})


def test_query_counts_are_equal_for_5_and_20_branches(client, tree):
    _login(client, tree.users.committee)
    urls = [reverse("orgs:tree"), reverse("orgs:children", args=[tree.general.pk]), reverse("orgs:warnings"),
            reverse("orgs:detail", args=[tree.general.pk])]
    counts = []
    for n in (5, 15):
        for i in range(n):
            branch = make_org("branch", parent=tree.general, name=f"批{n}-{i}")
            make_person(branch)
        counts.append([_count(client, u) for u in urls])
    assert counts[0] == counts[1]


def test_children_come_in_pages(client, tree, monkeypatch):
    from dangjian.orgs import services

    monkeypatch.setattr(services, "TREE_PAGE", 2)
    for i in range(3):
        make_org("branch", parent=tree.general, name=f"分页支部{i}")
    _login(client, tree.users.committee)
    url = reverse("orgs:children", args=[tree.general.pk])
    first = client.get(url)
    assert len(first.context["nodes"]) == 2 and first.context["more"]
    assert f"offset={first.context['next_offset']}" in first.content.decode()
    rest = client.get(url, {"offset": 2})
    assert len(rest.context["nodes"]) == 2 and rest.context["more"]
    last = client.get(url, {"offset": 4})
    assert len(last.context["nodes"]) == 1 and not last.context["more"]
    seen = [n["org"].pk for r in (first, rest, last) for n in r.context["nodes"]]
    assert len(set(seen)) == 5


def test_pages_render_in_the_default_language(client, tree):
    """No language cookie: zh-hans, the platform's default."""
    client.force_login(tree.users.committee)
    for url in (reverse("orgs:tree"), reverse("orgs:tree") + "?q=支部", reverse("orgs:detail", args=[tree.branch1.pk]),
                reverse("orgs:children", args=[tree.general.pk]), reverse("orgs:warnings"),
                reverse("orgs:edit", args=[tree.branch1.pk]), reverse("orgs:move", args=[tree.branch1.pk]),
                reverse("orgs:dissolve", args=[tree.branch1.pk]), reverse("orgs:create_child", args=[tree.branch1.pk]),
                reverse("accounts:posts", args=[tree.branch1.pk]), reverse("accounts:post_appoint", args=[tree.branch1.pk]),
                reverse("audit:list"), reverse("audit:object", args=["orgs.organization", tree.branch1.pk])):
        response = client.get(url)
        assert response.status_code == 200, url
        if "<html" in response.content.decode():
            assert 'lang="zh-hans"' in response.content.decode()
