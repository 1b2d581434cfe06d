"""Flowing members (流动党员): recorded with where they are, ended on return, scoped and audited."""

from datetime import date

import pytest
from django.http import Http404
from django.urls import reverse
from freezegun import freeze_time

from dangjian.audit.models import AuditEntry
from dangjian.core.errors import DomainError
from dangjian.people.models import Person
from dangjian.transfers import services
from dangjian.transfers.models import FlowRecord

from .factories import make_person

TODAY = date(2026, 3, 10)


def flow(t, user=None, person=None, **kw):
    data = {"left_on": date(2026, 1, 5), "province": "广东省", "city": "深圳市", "county": "南山区",
            "place": "某科技公司", "reason": "外出务工", "contact": "微信群", "certificate_no": "LD-001"}
    data.update(kw)
    return services.start_flow(user or t.users.branch1, person or t.member1, **data)


@freeze_time(TODAY)
def test_start_and_end_a_flow(tree):
    f = flow(tree)
    m = Person.objects.get(pk=tree.member1.pk)
    assert m.status == "flowing" and m.flow_destination == "广东省 深圳市 南山区 某科技公司"
    assert m.org == tree.branch1 and f.org == tree.branch1  # stays on the home branch's roll
    assert AuditEntry.objects.filter(model="people.person", object_id=str(m.pk), after__status="flowing").exists()
    assert AuditEntry.objects.filter(model="transfers.flowrecord", object_id=str(f.pk), action="create").exists()
    with pytest.raises(DomainError) as e:
        flow(tree)
    assert "person" in e.value.message_dict
    with pytest.raises(DomainError) as e:
        services.end_flow(tree.users.branch1, f, returned_on=date(2026, 1, 1))
    assert "returned_on" in e.value.message_dict
    services.end_flow(tree.users.branch1, f, returned_on=date(2026, 3, 1))
    m.refresh_from_db()
    f.refresh_from_db()
    assert m.status == "normal" and m.flow_destination == "" and f.returned_on == date(2026, 3, 1)
    with pytest.raises(DomainError):  # closed once
        services.end_flow(tree.users.branch1, f)


@freeze_time(TODAY)
def test_flow_refusals(tree):
    with pytest.raises(Http404):  # a sibling branch
        flow(tree, user=tree.users.branch2)
    with pytest.raises(DomainError) as e:
        flow(tree, province=" ")
    assert "province" in e.value.message_dict
    with pytest.raises(DomainError) as e:
        flow(tree, left_on=date(2026, 4, 1))
    assert "left_on" in e.value.message_dict
    masses = make_person(tree.branch1, political_status="masses")
    with pytest.raises(DomainError) as e:
        flow(tree, person=masses)
    assert "person" in e.value.message_dict
    services.start_transfer(tree.users.branch1, tree.other1, to_org=tree.branch2)
    with pytest.raises(DomainError):  # a transfer is under way
        flow(tree, person=tree.other1)
    assert not FlowRecord.objects.exists()
    assert Person.objects.get(pk=tree.member1.pk).status == "normal"
    f = flow(tree)
    with pytest.raises(Http404):
        services.end_flow(tree.users.branch2, f)


@freeze_time(TODAY)
def test_flow_pages(client, tree):
    client.force_login(tree.users.branch1)
    assert client.get(reverse("transfers:flow_start")).status_code == 200
    r = client.post(reverse("transfers:flow_start"), {"person": tree.member1.pk, "left_on": "2026-02-01",
                                                      "province": "浙江省", "city": "杭州市"})
    assert r.status_code == 302
    f = FlowRecord.objects.get()
    r = client.get(reverse("transfers:flows"))
    assert f'data-flow="{f.pk}"'.encode() in r.content and "浙江省 杭州市".encode() in r.content
    r = client.post(reverse("transfers:flow_start"), {"person": tree.other1.pk, "left_on": "2026-02-01"})
    assert b'data-field-error="province"' in r.content
    # the sibling branch sees nothing and cannot end it
    client.force_login(tree.users.branch2)
    assert f'data-flow="{f.pk}"'.encode() not in client.get(reverse("transfers:flows")).content
    assert client.post(reverse("transfers:flow_end", args=[f.pk])).status_code == 404
    r = client.post(reverse("transfers:flow_start"), {"person": tree.member1.pk, "left_on": "2026-02-01",
                                                      "province": "浙江省"})
    assert b'data-field-error="person"' in r.content
    client.force_login(tree.users.branch1)
    client.post(reverse("transfers:flow_end", args=[f.pk]), {"returned_on": "2026-03-01"})
    assert Person.objects.get(pk=tree.member1.pk).status == "normal"
    r = client.get(reverse("transfers:flows") + "?tab=returned")
    assert f'data-flow="{f.pk}"'.encode() in r.content


@freeze_time(TODAY)
def test_flow_list_query_count(client, tree, django_assert_max_num_queries):
    for _ in range(20):
        flow(tree, person=make_person(tree.branch1))
    client.force_login(tree.users.branch1)
    client.get(reverse("transfers:flows"))
    with django_assert_max_num_queries(12):
        r = client.get(reverse("transfers:flows"))
    assert r.content.count(b"data-flow=") == 20
