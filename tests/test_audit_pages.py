"""Audit pages: the trail of the user's subtrees with filters, one entry's diff and request, one object's trail.
Scoped on AuditEntry.org_path: outsiders get 404, also when guessing ids."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangjian.audit.models import AuditEntry
from dangjian.orgs.models import Organization
from tests.factories import make_org, make_person

pytestmark = pytest.mark.django_db


def _login(client, user):
    from django.conf import settings

    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _entries(response):
    return list(response.context["page"].object_list)


def _edit_branch(client, org, **changes):
    org = Organization.objects.get(pk=org.pk)
    data = {"name": org.name, "code": org.code, "version": org.version, "sort_order": 0, **changes}
    response = client.post(reverse("orgs:edit", args=[org.pk]), data, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 302
    return AuditEntry.objects.filter(model="orgs.organization", object_id=str(org.pk), action="update").latest("seq")


def test_list_is_scoped_to_the_subtree(client, tree):
    _login(client, tree.users.branch1)
    response = client.get(reverse("audit:list"))
    assert response.status_code == 200
    paths = {e.org_path for e in _entries(response)}
    assert paths and all(p.startswith(tree.branch1.path) for p in paths)
    _login(client, tree.users.committee)
    paths = {e.org_path for e in _entries(client.get(reverse("audit:list")))}
    assert any(p.startswith(tree.branch2.path) for p in paths)


def test_plain_member_and_group_leader_have_no_audit_pages(client, tree):
    for user in (tree.users.member1, tree.users.group1):
        _login(client, user)
        assert client.get(reverse("audit:list")).status_code == 404
        assert client.get(reverse("audit:object", args=["orgs.organization", tree.branch1.pk])).status_code == 404


def test_filters(client, tree):
    _login(client, tree.users.committee)
    _edit_branch(client, tree.branch2, contact_name="李四")
    url = reverse("audit:list")
    # organisation subtree
    entries = _entries(client.get(url, {"org": tree.branch2.pk}))
    assert entries and all(e.org_path.startswith(tree.branch2.path) for e in entries)
    entries = _entries(client.get(url, {"org_code": "B2"}))
    assert entries and all(e.org_path.startswith(tree.branch2.path) for e in entries)
    # action and model
    entries = _entries(client.get(url, {"action": "update", "model": "orgs.organization"}))
    assert [e.object_id for e in entries] == [str(tree.branch2.pk)]
    # actor
    entries = _entries(client.get(url, {"actor": "committee"}))
    assert entries and {e.actor_repr for e in entries} == {"committee"}
    assert _entries(client.get(url, {"actor": "nobody"})) == []
    # date range
    today = timezone.localdate()
    assert _entries(client.get(url, {"date_from": today.isoformat(), "date_to": today.isoformat()}))
    assert _entries(client.get(url, {"date_to": (today - timedelta(days=1)).isoformat()})) == []
    response = client.get(url, {"date_from": today.isoformat(), "date_to": (today - timedelta(days=3)).isoformat()})
    assert "date_to" in response.context["form"].errors and _entries(response) == []


def test_org_filter_outside_scope(client, tree):
    _login(client, tree.users.branch1)
    assert client.get(reverse("audit:list"), {"org": tree.branch2.pk}).status_code == 404
    response = client.get(reverse("audit:list"), {"org_code": "B2"})
    assert response.status_code == 200 and _entries(response) == []


def test_entry_detail_shows_diff_and_request(client, tree):
    _login(client, tree.users.branch1)
    entry = _edit_branch(client, tree.branch1, contact_name="王五")
    response = client.get(reverse("audit:detail", args=[entry.pk]))
    assert response.status_code == 200
    rows = {key: (before, after, changed) for key, _label, before, after, changed in response.context["rows"]}
    assert rows["contact_name"] == ("", "王五", True)
    html = response.content.decode()
    assert "10.1.2.3" in html and reverse("orgs:edit", args=[tree.branch1.pk]) in html and "POST" in html
    assert 'id="diff-table"' in html


def test_create_entry_detail_shows_only_after(client, tree):
    _login(client, tree.users.branch1)
    entry = AuditEntry.objects.get(model="orgs.organization", object_id=str(tree.group1.pk), action="create")
    response = client.get(reverse("audit:detail", args=[entry.pk]))
    assert response.status_code == 200
    assert not response.context["has_before"] and response.context["has_after"]
    assert any(key == "name" and after == "第一党小组" for key, _l, _b, after, _c in response.context["rows"])


def test_object_trail(client, tree):
    _login(client, tree.users.branch1)
    _edit_branch(client, tree.branch1, contact_name="赵六")
    response = client.get(reverse("audit:object", args=["orgs.organization", tree.branch1.pk]))
    assert response.status_code == 200
    assert [e.action for e in _entries(response)] == ["update", "create"]
    assert response.context["link"] == reverse("orgs:detail", args=[tree.branch1.pk])
    person_trail = client.get(reverse("audit:object", args=["people.person", tree.member1.pk]))
    assert person_trail.status_code == 200 and _entries(person_trail)


def test_outsider_gets_404_for_trails_and_entries(client, tree):
    _login(client, tree.users.branch1)
    assert client.get(reverse("audit:object", args=["orgs.organization", tree.branch2.pk])).status_code == 404
    assert client.get(reverse("audit:object", args=["people.person", tree.member2.pk])).status_code == 404
    assert client.get(reverse("audit:object", args=["people.person", 999999])).status_code == 404
    foreign = AuditEntry.objects.filter(org_path__startswith=tree.branch2.path)
    assert foreign.exists()
    for entry in foreign:  # guessing entry ids
        assert client.get(reverse("audit:detail", args=[entry.pk])).status_code == 404
    systemwide = AuditEntry.objects.filter(org_path="").first()
    if systemwide is not None:
        assert client.get(reverse("audit:detail", args=[systemwide.pk])).status_code == 404


def test_org_page_links_to_its_trail(client, tree):
    _login(client, tree.users.branch1)
    html = client.get(reverse("orgs:detail", args=[tree.branch1.pk])).content.decode()
    assert reverse("audit:object", args=["orgs.organization", tree.branch1.pk]) in html


def test_pagination(client, tree):
    for i in range(60):
        make_person(tree.branch1, name=f"新党员{i}")
    _login(client, tree.users.branch1)
    response = client.get(reverse("audit:list"))
    assert len(_entries(response)) == 50 and response.context["page"].has_next()
    page2 = client.get(reverse("audit:list"), {"page": 2})
    assert _entries(page2)[0].seq < _entries(response)[-1].seq


def _count(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_query_counts_constant_in_the_number_of_orgs(client, tree, django_assert_max_num_queries):
    _login(client, tree.users.committee)
    urls = [(reverse("audit:list"), {}), (reverse("audit:list"), {"org": tree.general.pk, "action": "create"}),
            (reverse("audit:object", args=["orgs.organization", tree.general.pk]), {})]
    counts = []
    for n in (5, 20):
        for i in range(n):
            make_org("branch", parent=tree.general, name=f"审计支部{n}-{i}")
        row = [_count(client, url, params) for url, params in urls]
        counts.append(row)
        for url, params in urls:
            with django_assert_max_num_queries(10):
                client.get(url, params)
    assert counts[0] == counts[1]
