"""Member list, member page, create/edit forms: scoping (outsiders get 404), filters, counts, query bounds."""

from datetime import date

import pytest
from django.urls import reverse

from dangjian.audit.models import AuditEntry
from dangjian.people.models import Person

from .factories import make_person

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def names(response):
    return {p.name for p in response.context["people"]}


LIST = reverse("people:list")


def test_list_shows_only_the_secretarys_subtree(client, tree):
    response = login(client, tree.users.branch1).get(LIST)
    assert response.status_code == 200
    shown = names(response)
    assert tree.member1.name in shown and tree.sec1.name in shown
    assert tree.member2.name not in shown and tree.sec2.name not in shown
    assert b"member-row" in response.content and b'id="member-filters"' in response.content


def test_committee_sees_both_branches(client, tree):
    shown = names(login(client, tree.users.committee).get(LIST))
    assert {tree.member1.name, tree.member2.name} <= shown


@pytest.mark.parametrize("who", ["member1", "group1"])
def test_plain_member_cannot_list_but_group_leader_can(client, tree, who):
    response = login(client, getattr(tree.users, who)).get(LIST)
    if who == "member1":
        assert response.status_code == 404
    else:
        assert response.status_code == 200
        assert tree.member2.name not in names(response)


def test_anonymous_is_sent_to_login(client, tree):
    response = client.get(LIST)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_search_by_name_id_number_and_phone(client, tree):
    c = login(client, tree.users.branch1)
    assert names(c.get(LIST, {"q": "普通党员"})) == {tree.member1.name, tree.other1.name}
    number = tree.member1.get_id_number()
    assert names(c.get(LIST, {"q": number})) == {tree.member1.name}
    assert names(c.get(LIST, {"q": number.lower()})) == {tree.member1.name}
    assert names(c.get(LIST, {"q": tree.member1.get_phone()})) == {tree.member1.name}
    # An exact number of a sibling branch's member finds nothing.
    assert names(c.get(LIST, {"q": tree.member2.get_id_number()})) == set()
    assert names(c.get(LIST, {"q": tree.member2.get_phone()})) == set()


def test_filters_on_statistics_fields(client, tree):
    young = make_person(tree.branch1, name="青年预备党员", political_status="probationary", gender="2",
                        ethnicity="03", education="14", work_post="3", join_date=date(2024, 7, 1),
                        id_number=None, birth_date=date(2000, 3, 1))
    c = login(client, tree.users.branch1)
    for params in ({"political_status": "probationary"}, {"ethnicity": "03"}, {"education": "14"},
                   {"work_post": "3"}, {"age_band": "≤30", "year": "2025"},
                   {"join_from": "2024-01-01"}, {"join_to": "2024-12-31", "join_from": "2024-07-01"}):
        assert names(c.get(LIST, params)) == {young.name}, params
    assert young.name not in names(c.get(LIST, {"join_to": "2020-01-01"}))
    assert names(c.get(LIST, {"gender": "2", "political_status": "probationary"})) == {young.name}
    assert names(c.get(LIST, {"status": "flowing"})) == set()
    # Organisation subtree: the group holds sec1, leader1, member1 (and the new person is not in it).
    group = names(c.get(LIST, {"org": tree.group1.pk}))
    assert group == {tree.sec1.name, tree.leader1.name, tree.member1.name}


def test_org_filter_naming_a_sibling_branch_shows_nothing(client, tree):
    c = login(client, tree.users.branch1)
    assert names(c.get(LIST, {"org": tree.branch2.pk})) == set()
    assert names(c.get(LIST, {"org": "not-a-number"})) == set()


def test_sort_and_pagination(client, tree):
    for i in range(25):
        make_person(tree.branch1, name=f"排序{i:02d}", join_date=date(2004 + i % 7, 1, 1))
    c = login(client, tree.users.branch1)
    r = c.get(LIST, {"q": "排序", "per_page": 20})
    assert r.context["page"].paginator.count == 25 and len(r.context["people"]) == 20
    assert [p.name for p in r.context["people"]][:2] == ["排序00", "排序01"]
    r2 = c.get(LIST, {"q": "排序", "per_page": 20, "page": 2})
    assert [p.name for p in r2.context["people"]] == [f"排序{i:02d}" for i in range(20, 25)]
    desc = c.get(LIST, {"q": "排序", "sort": "-name", "per_page": 50})
    assert [p.name for p in desc.context["people"]][0] == "排序24"
    by_join = c.get(LIST, {"q": "排序", "sort": "-join_date", "per_page": 50}).context["people"]
    assert by_join[0].join_date == max(p.join_date for p in by_join)
    # Unknown per_page falls back to 20; the links keep the filters.
    r3 = c.get(LIST, {"q": "排序", "per_page": 7})
    assert len(r3.context["people"]) == 20
    assert "q=%E6%8E%92%E5%BA%8F" in r3.content.decode() and "page=2" in r3.content.decode()


def test_counts_by_category_for_the_current_filter(client, tree):
    make_person(tree.branch1, name="申请人甲", political_status="applicant")
    make_person(tree.branch1, name="预备甲", political_status="probationary")
    make_person(tree.branch2, name="预备乙", political_status="probationary")
    counts = login(client, tree.users.branch1).get(LIST).context["counts"]
    by = {code: n for code, _label, n in counts["by_status"]}
    # branch1: committee_sec, sec1, leader1, member1, other1 (full) + applicant + probationary
    assert counts["total"] == 7
    assert by["full"] == 5 and by["probationary"] == 1 and by["applicant"] == 1 and by["masses"] == 0


def test_htmx_request_returns_only_the_results(client, tree):
    c = login(client, tree.users.branch1)
    r = c.get(LIST, {"political_status": "full"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="member-results")
    body = r.content.decode()
    assert "member-row" in body and "<html" not in body and 'id="member-filters"' not in body
    full = c.get(LIST, {"political_status": "full"})
    assert "<html" in full.content.decode()


def _bulk_people(org, n, prefix):
    for i in range(n):
        make_person(org, name=f"{prefix}{i}", political_status="full" if i % 3 else "probationary")


def test_list_query_count_does_not_grow_with_people(client, tree, django_assert_max_num_queries):
    c = login(client, tree.users.branch1)
    c.get(LIST)  # warm the session
    _bulk_people(tree.branch1, 5, "少")
    with django_assert_max_num_queries(12) as small:
        c.get(LIST, {"per_page": 100})
    _bulk_people(tree.branch1, 45, "多")
    with django_assert_max_num_queries(12) as large:
        r = c.get(LIST, {"per_page": 100})
    assert len(r.context["people"]) > 50
    assert len(large.captured_queries) == len(small.captured_queries)


# --- the member page -----------------------------------------------------------------------------------


def detail(pk):
    return reverse("people:detail", args=[pk])


def test_member_page_shows_masked_numbers_and_timeline(client, tree):
    from dangjian.accounts.models import Post

    c = login(client, tree.users.branch1)
    r = c.get(detail(tree.sec1.pk))
    body = r.content.decode()
    assert r.status_code == 200
    assert tree.sec1.id_number_masked in body and tree.sec1.get_id_number() not in body
    assert tree.sec1.get_phone() not in body
    kinds = [e["kind"] for e in r.context["timeline"]]
    assert kinds == ["joined", "full", "post"]  # 2010 join, 2011 full, 2020 post
    assert Post.objects.filter(person=tree.sec1).exists()
    assert reverse("people:edit", args=[tree.sec1.pk]) in body
    assert reverse("people:reveal", args=[tree.sec1.pk, "id_number"]) in body


def test_timeline_includes_transfers_and_flows(tree, django_assert_max_num_queries):
    from dangjian.people.queries import person_timeline
    from dangjian.transfers.models import FlowRecord, Transfer

    Transfer.objects.create(kind="internal", person=tree.member1, from_org=tree.branch2, to_org=tree.branch1,
                            letter_no="T-1", issued_on=date(2015, 3, 1), valid_days=30,
                            expires_on=date(2015, 3, 31), state="accepted")
    FlowRecord.objects.create(person=tree.member1, org=tree.branch1, province="广东省", city="深圳市",
                              left_on=date(2018, 5, 1), returned_on=date(2019, 1, 1))
    with django_assert_max_num_queries(3):
        events = person_timeline(tree.member1)
    assert [e["kind"] for e in events] == ["joined", "full", "transfer", "flow", "flow_return"]
    assert "第二党支部" in events[2]["title"] and "深圳市" in events[3]["title"]


def test_outsiders_get_404_on_member_pages(client, tree):
    c = login(client, tree.users.branch1)
    for name in ("detail", "edit"):
        assert c.get(reverse(f"people:{name}", args=[tree.member2.pk])).status_code == 404
    assert c.post(reverse("people:reveal", args=[tree.member2.pk, "id_number"])).status_code == 404
    assert c.get(detail(999999)).status_code == 404
    assert not AuditEntry.objects.filter(action="reveal").exists()


def test_reveal_shows_the_clear_value_and_is_audited(client, tree):
    c = login(client, tree.users.branch1)
    r = c.post(reverse("people:reveal", args=[tree.member1.pk, "id_number"]), HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and tree.member1.get_id_number() in r.content.decode()
    entry = AuditEntry.objects.get(action="reveal")
    assert entry.object_id == str(tree.member1.pk) and entry.after == {"field": "id_number"}
    c.post(reverse("people:reveal", args=[tree.member1.pk, "phone"]))
    assert AuditEntry.objects.filter(action="reveal").count() == 2
    assert c.get(reverse("people:reveal", args=[tree.member1.pk, "phone"])).status_code == 405
    assert c.post(reverse("people:reveal", args=[tree.member1.pk, "notes"])).status_code == 404


def test_group_leader_reads_but_cannot_reveal_or_edit(client, tree):
    c = login(client, tree.users.group1)
    r = c.get(detail(tree.member1.pk))
    assert r.status_code == 200 and not r.context["can_reveal"] and not r.context["can_edit"]
    assert c.post(reverse("people:reveal", args=[tree.member1.pk, "id_number"])).status_code == 404
    assert c.get(reverse("people:edit", args=[tree.member1.pk])).status_code == 404


def test_member_sees_only_their_own_record(client, tree):
    c = login(client, tree.users.member1)
    me = c.get(reverse("people:me"))
    assert me.status_code == 200 and me.context["person"].pk == tree.member1.pk
    body = me.content.decode()
    assert tree.member1.id_number_masked in body and tree.member1.get_id_number() not in body
    assert "person-edit" not in body and "data-reveal" not in body
    assert c.get(detail(tree.member1.pk)).status_code == 200
    for other in (tree.other1, tree.sec1, tree.member2):
        assert c.get(detail(other.pk)).status_code == 404
    assert c.get(reverse("people:edit", args=[tree.member1.pk])).status_code == 404
    assert c.post(reverse("people:reveal", args=[tree.member1.pk, "id_number"])).status_code == 404


def test_me_without_a_person_is_404(client, tree):
    assert login(client, tree.users.admin).get(reverse("people:me")).status_code == 404


# --- create and edit -----------------------------------------------------------------------------------


def _form_data(person=None, **overrides):
    data = {"name": "新党员", "gender": "2", "ethnicity": "01", "political_status": "full", "status": "normal",
            "education": "21", "work_post": "013", "join_date": "2015-07-01", "full_date": "2016-07-01",
            "birth_date": "1990-01-01", "id_number": "", "phone": "", "address": "", "notes": "",
            "applied_on": "", "activist_on": "", "candidate_on": "", "flow_destination": "",
            "lost_contact_on": "", "group": ""}
    if person is not None:
        data.update(version=person.version, name=person.name, gender=person.gender)
    data.update(overrides)
    return data


def test_create_person(client, tree):
    c = login(client, tree.users.branch1)
    assert c.get(reverse("people:create")).status_code == 200
    r = c.post(reverse("people:create"), _form_data(org=tree.branch1.pk, phone="13800138000"))
    person = Person.objects.get(name="新党员")
    assert r.status_code == 302 and r["Location"] == detail(person.pk)
    assert person.org == tree.branch1 and person.get_phone() == "13800138000"


def test_create_reports_service_errors_next_to_fields(client, tree):
    c = login(client, tree.users.branch1)
    r = c.post(reverse("people:create"), _form_data(org=tree.branch1.pk, full_date="", join_date="2030-01-01"))
    assert r.status_code == 200
    assert "full_date" in r.context["form"].errors and "join_date" in r.context["form"].errors
    assert 'data-field="full_date"' in r.content.decode()
    assert not Person.objects.filter(name="新党员").exists()


def test_create_in_a_sibling_branch_is_refused(client, tree):
    c = login(client, tree.users.branch1)
    r = c.post(reverse("people:create"), _form_data(org=tree.branch2.pk))
    assert r.status_code == 200 and r.context["form"].errors
    assert not Person.objects.filter(name="新党员").exists()


def test_edit_person_with_version(client, tree):
    c = login(client, tree.users.branch1)
    person = tree.other1
    url = reverse("people:edit", args=[person.pk])
    assert c.get(url).status_code == 200
    r = c.post(url, _form_data(person, address="北京市东城区", join_date="2010-07-01", full_date="2011-07-01",
                                birth_date=""))
    assert r.status_code == 302, r.context["form"].errors
    person.refresh_from_db()
    assert person.address == "北京市东城区" and person.version == 2
    assert person.get_id_number()  # a blank ID number field keeps the stored one


def test_edit_detects_a_concurrent_change(client, tree):
    c = login(client, tree.users.branch1)
    person = tree.other1
    stale = person.version
    Person.objects.filter(pk=person.pk).update(version=stale + 1)
    r = c.post(reverse("people:edit", args=[person.pk]),
               _form_data(person, version=stale, address="改", join_date="2010-07-01", full_date="2011-07-01",
                          birth_date=""))
    assert r.status_code == 200
    assert [m.level_tag for m in r.context["messages"]] == ["error"]
    person.refresh_from_db()
    assert person.address != "改"


def test_edit_cannot_change_the_organisation(client, tree):
    c = login(client, tree.users.committee)
    person = tree.other1
    r = c.post(reverse("people:edit", args=[person.pk]),
               _form_data(person, org=tree.branch2.pk, join_date="2010-07-01", full_date="2011-07-01",
                          birth_date=""))
    person.refresh_from_db()
    assert person.org == tree.branch1  # the disabled field ignores the posted value
    assert r.status_code == 302


def test_malformed_filters_are_ignored_not_errors(client, tree):
    c = login(client, tree.users.branch1)
    for params in ({"q": "\x00"}, {"political_status": "\x00x"}, {"join_from": "2020-99-99"}, {"page": "abc"},
                   {"age_band": "nonsense"}, {"org": "\x00"}, {"sort": "password"}, {"per_page": "-1"}):
        assert c.get(LIST, params).status_code == 200, params


def test_dashboard_filters_survive_paging_and_export(client, tree):
    make_person(tree.branch1, name="申请人乙", political_status="applicant")
    for i in range(21):
        make_person(tree.branch1, name=f"翻页{i:02d}")
    c = login(client, tree.users.branch1)
    r = c.get(LIST, {"members": "1", "on_roll": "1"})
    assert "申请人乙" not in names(c.get(LIST, {"members": "1", "page": 2}))
    body = r.content.decode()
    assert "members=1&amp;on_roll=1&amp;page=2" in body or "on_roll=1&amp;members=1&amp;page=2" in body
    assert '<input type="hidden" name="members" value="1">' in body  # in the filter form and the export form
    assert 'id="member-extra-filters"' in body
