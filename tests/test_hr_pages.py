"""HR post change pages: the sending branch's to-do list and its one click, the committee's resolve forms, unit
mappings and HR systems (key shown once), 404 for siblings and members, bounded queries."""

from datetime import date

import pytest
from django.urls import reverse

from dangjian.hr import rules, services
from dangjian.hr.models import ChangeState, HrSystem, PostChange, UnitMapping
from dangjian.transfers.models import Transfer

from .factories import id_number, make_person
from .hr_fixtures import hr_tree  # noqa: F401 (the "hr" fixture)

S = ChangeState


def post(t, person=None, unit="人事二科", ident=None, effective=date(2026, 3, 1)):
    ident = ident if ident is not None else person.get_id_number()
    return services.receive(t.system, [rules.ChangeInput(ident, "", unit, effective)])[0].change


def test_pages_do_not_exist_for_members(client, hr):
    c = post(hr, hr.member1)
    assert client.get(reverse("hr:list")).status_code == 302  # to the login page
    client.force_login(hr.users.member1)
    for url in (reverse("hr:list"), reverse("hr:detail", args=[c.pk]), reverse("hr:units"), reverse("hr:systems")):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("hr:start", args=[c.pk])).status_code == 404


def test_the_sending_branch_starts_the_transfer_with_one_click(client, hr):
    c = post(hr, hr.member1)
    client.force_login(hr.users.branch1)
    r = client.get(reverse("hr:list"))
    assert r.status_code == 200 and f'data-start="{c.pk}"'.encode() in r.content
    assert hr.member1.get_id_number().encode() not in r.content
    r = client.post(reverse("hr:start", args=[c.pk]), {"version": c.version})
    transfer = Transfer.objects.get()
    assert r.status_code == 302 and r.url == reverse("transfers:detail", args=[transfer.pk])
    assert PostChange.objects.get().state == S.STARTED and transfer.to_org == hr.branch2
    r = client.get(reverse("hr:detail", args=[c.pk]))
    assert b'id="transfer-link"' in r.content and b'id="start-transfer"' not in r.content


def test_a_sibling_branch_gets_404(client, hr):
    c = post(hr, hr.member1)
    client.force_login(hr.users.branch2)
    assert f'data-change="{c.pk}"'.encode() not in client.get(reverse("hr:list") + "?tab=suggested").content
    for name in ("hr:detail",):
        assert client.get(reverse(name, args=[c.pk])).status_code == 404
    for name in ("hr:start", "hr:dismiss"):
        assert client.post(reverse(name, args=[c.pk]), {"reason": "x"}).status_code == 404
    assert PostChange.objects.get().state == S.SUGGESTED and not Transfer.objects.exists()
    for name in ("hr:units", "hr:systems"):  # a branch keeps no HR systems
        assert client.get(reverse(name)).status_code == 404


def test_the_committee_resolves_an_unknown_person(client, hr):
    c = post(hr, ident=id_number(2468))
    client.force_login(hr.users.committee)
    r = client.get(reverse("hr:list"))
    assert b'data-tab="unresolved"' in r.content and f'data-change="{c.pk}"'.encode() in r.content
    r = client.get(reverse("hr:detail", args=[c.pk]) + "?q=普通党员一")
    assert r.status_code == 200 and b'id="resolve-person"' in r.content
    assert hr.member1.id_number_masked.encode() in r.content and hr.member1.get_id_number().encode() not in r.content
    r = client.post(reverse("hr:resolve_person", args=[c.pk]), {"person": hr.member1.pk, "version": c.version})
    assert r.status_code == 302
    c.refresh_from_db()
    assert c.state == S.SUGGESTED and c.person == hr.member1
    # a stale page changes nothing
    r = client.post(reverse("hr:resolve_person", args=[c.pk]), {"person": hr.other1.pk, "version": 1})
    assert PostChange.objects.get(pk=c.pk).person == hr.member1


def test_the_committee_maps_a_unit_from_the_change(client, hr):
    c = post(hr, hr.member1, unit="财务科")
    client.force_login(hr.users.committee)
    r = client.get(reverse("hr:detail", args=[c.pk]))
    assert b'id="map-unit"' in r.content
    client.post(reverse("hr:map_unit", args=[c.pk]), {"org": hr.branch2.pk, "version": c.version})
    assert PostChange.objects.get(pk=c.pk).state == S.SUGGESTED
    assert UnitMapping.objects.get(unit="财务科").org == hr.branch2


def test_unit_mapping_page(client, hr):
    client.force_login(hr.users.committee)
    r = client.get(reverse("hr:units"))
    assert r.status_code == 200 and "人事一科".encode() in r.content
    r = client.post(reverse("hr:units"), {"unit": "后勤科", "org": hr.branch1.pk})
    assert r.status_code == 302 and UnitMapping.objects.get(unit="后勤科").org == hr.branch1
    r = client.post(reverse("hr:units"), {"unit": "总务科", "org": hr.general.pk}, follow=True)
    assert not UnitMapping.objects.filter(unit="总务科").exists()  # not a branch: refused, message shown
    mapping = UnitMapping.objects.get(unit="后勤科")
    client.post(reverse("hr:unit_delete", args=[mapping.pk]))
    assert not UnitMapping.objects.filter(pk=mapping.pk).exists()


def test_hr_system_page_shows_the_key_once(client, hr):
    client.force_login(hr.users.committee)
    r = client.post(reverse("hr:systems"), {"name": "新人事系统"})
    assert r.status_code == 200 and b'id="new-key"' in r.content
    system = HrSystem.objects.get(name="新人事系统")
    key = r.content.decode().split('user-select-all">')[1].split("<")[0]
    assert services.system_for_key(key) == system
    r = client.get(reverse("hr:systems"))
    assert b'id="new-key"' not in r.content and key.encode() not in r.content
    client.post(reverse("hr:system_toggle", args=[system.pk]))
    assert not HrSystem.objects.get(pk=system.pk).active


def test_list_page_query_count_is_bounded(client, hr, django_assert_max_num_queries):
    for i in range(3):
        post(hr, make_person(hr.branch1))
        post(hr, ident=id_number(7000 + i))
    client.force_login(hr.users.committee)
    with django_assert_max_num_queries(12):
        r = client.get(reverse("hr:list") + "?tab=suggested")
    assert r.content.count(b"data-change=") == 3
    for _i in range(15):
        post(hr, make_person(hr.branch1))
    with django_assert_max_num_queries(12):
        r = client.get(reverse("hr:list") + "?tab=suggested")
    assert r.content.count(b"data-change=") == 18


@pytest.mark.parametrize("tab", ["suggested", "unresolved", "done", "bogus"])
def test_tabs_render(client, hr, tab):
    post(hr, hr.member1)
    client.force_login(hr.users.branch1)
    assert client.get(reverse("hr:list") + f"?tab={tab}").status_code == 200
