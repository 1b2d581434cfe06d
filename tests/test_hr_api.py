"""HR post changes in the API: the HR system's key, idempotent posts, matching by ID number and staff number,
unknown people and units kept (never dropped), malformed input refused naming the field, the staff's list and
the one-click start, scoped (a sibling branch gets 404)."""

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from dangjian.hr import services
from dangjian.hr.models import ChangeState, PostChange, StaffLink
from dangjian.transfers.models import Transfer

from .conftest import api_as
from .factories import id_number
from .hr_fixtures import URL, change, hr_client, hr_tree  # noqa: F401 (the "hr" fixture)

S = ChangeState


@pytest.mark.parametrize("header", [None, "HR-Key", "HR-Key short", "HR-Key " + "x" * 40, "Token abc"])
def test_a_post_needs_a_valid_key(hr, header):
    from rest_framework.test import APIClient

    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    r = client.post(URL, change(hr.member1), format="json")
    assert r.status_code == 401 and r.json()["code"] in ("not_authenticated", "authentication_failed")
    assert not PostChange.objects.exists()


def test_a_disabled_system_or_a_user_token_is_refused(hr):
    r = api_as(hr.users.committee).post(URL, change(hr.member1), format="json")
    assert r.status_code == 401  # staff tokens do not post HR changes
    services.set_system_active(None, hr.system, False)
    assert hr_client(hr.key).post(URL, change(hr.member1), format="json").status_code == 401
    assert not PostChange.objects.exists()


def test_match_by_id_number_suggests_a_transfer_and_repeats_are_idempotent(hr):
    client = hr_client(hr.key)
    r = client.post(URL, change(hr.member1, staff_no="E1001"), format="json")
    assert r.status_code == 202, r.json()
    body = r.json()
    assert body["status"] == "suggested" and body["created"] is True
    row = PostChange.objects.get(pk=body["id"])
    assert (row.person, row.from_org, row.to_org) == (hr.member1, hr.branch1, hr.branch2)
    assert row.scope_path == hr.branch1.path and row.owner_path == hr.committee.path
    # the clear ID number is nowhere in the row: only the keyed blind index and the masked form
    clear = hr.member1.get_id_number()
    assert clear not in str(PostChange.objects.filter(pk=row.pk).values().get())
    assert row.id_number_masked == hr.member1.id_number_masked
    # the staff number came with the ID number: learned for later posts
    assert StaffLink.objects.get(system=hr.system, staff_no="E1001").person == hr.member1
    again = client.post(URL, change(hr.member1, staff_no="E1001", new_unit=" 人事二科 "), format="json")
    assert again.status_code == 200 and again.json() == {**body, "created": False}
    assert PostChange.objects.count() == 1 and Transfer.objects.count() == 0


def test_match_by_staff_no(hr):
    StaffLink.objects.create(system=hr.system, staff_no="E2002", person=hr.other1)
    r = hr_client(hr.key).post(URL, {"staff_no": "E2002", "new_unit": "人事二科", "effective": "2026-03-02"},
                               format="json")
    assert r.status_code == 202 and r.json()["status"] == "suggested"
    assert PostChange.objects.get().person == hr.other1


def test_unknown_person_is_kept_with_a_message_naming_the_field(hr):
    client = hr_client(hr.key)
    r = client.post(URL, change(id_number=id_number(9876)), format="json")
    assert r.status_code == 202
    assert r.json()["status"] == "unresolved_person" and "id_number" in r.json()["message"]
    r = client.post(URL, {"staff_no": "NOBODY", "new_unit": "人事二科", "effective": "2026-03-01"}, format="json")
    assert r.json()["status"] == "unresolved_person" and "staff_no" in r.json()["message"]
    rows = PostChange.objects.order_by("pk")
    assert [c.state for c in rows] == [S.UNRESOLVED_PERSON] * 2
    assert all(c.scope_path == hr.committee.path and c.person is None for c in rows)


def test_a_person_outside_the_committee_is_unknown_to_its_system(hr):
    r = hr_client(hr.key).post(URL, change(hr.stranger), format="json")
    assert r.json()["status"] == "unresolved_person"
    assert PostChange.objects.get().person is None


def test_unknown_unit_is_kept_and_named(hr):
    r = hr_client(hr.key).post(URL, change(hr.member1, unit="新成立的科室"), format="json")
    assert r.status_code == 202
    assert r.json()["status"] == "unresolved_unit" and "new_unit" in r.json()["message"]
    row = PostChange.objects.get()
    assert row.person == hr.member1 and row.to_org is None and row.scope_path == hr.branch1.path


def test_same_organisation_needs_nothing(hr):
    r = hr_client(hr.key).post(URL, change(hr.member1, unit="人事一科"), format="json")
    assert r.json()["status"] == "same_org"


@pytest.mark.parametrize("payload, field", [
    ({"new_unit": "人事二科", "effective": "2026-03-01"}, "id_number"),
    ({"id_number": "12345", "new_unit": "人事二科", "effective": "2026-03-01"}, "id_number"),
    ({"staff_no": "E1", "effective": "2026-03-01"}, "new_unit"),
    ({"staff_no": "E1", "new_unit": "人事二科", "effective": "next monday"}, "effective"),
    ({"staff_no": "E1", "new_unit": "人事二科"}, "effective"),
    ([], "non_field_errors"),
    ([{"staff_no": "E1", "new_unit": "A", "effective": "2026-03-01"}, {"staff_no": "E2", "new_unit": "A"}],
     "1.effective"),
])
def test_malformed_input_is_a_400_naming_the_field_and_stores_nothing(hr, payload, field):
    r = hr_client(hr.key).post(URL, payload, format="json")
    assert r.status_code == 400, r.json()
    assert field in r.json()["errors"]
    assert not PostChange.objects.exists()


def test_a_batch_gets_a_result_per_change(hr):
    r = hr_client(hr.key).post(URL, [change(hr.member1), change(id_number=id_number(4321)),
                                     change(hr.member2, unit="人事一科")], format="json")
    assert r.status_code == 202
    assert [x["status"] for x in r.json()] == ["suggested", "unresolved_person", "suggested"]
    again = hr_client(hr.key).post(URL, [change(hr.member1)], format="json")
    assert again.status_code == 200 and again.json()[0]["created"] is False


def test_the_list_is_scoped_and_a_sibling_gets_404(hr):
    client = hr_client(hr.key)
    suggested = client.post(URL, change(hr.member1), format="json").json()["id"]
    unknown = client.post(URL, change(id_number=id_number(5555)), format="json").json()["id"]
    ids = lambda user: {x["id"] for x in api_as(user).get(URL + "/").json()["results"]}  # noqa: E731
    assert ids(hr.users.committee) == {suggested, unknown}
    assert ids(hr.users.branch1) == {suggested}  # the sending branch: its suggestion, not the committee's list
    assert ids(hr.users.branch2) == set() and ids(hr.users.member1) == set()
    body = api_as(hr.users.branch1).get(URL + f"/{suggested}/").json()
    assert body["state"] == "suggested" and body["identifier"] == hr.member1.id_number_masked
    assert hr.member1.get_id_number() not in str(body)
    for user in (hr.users.branch2, hr.users.member1):
        assert api_as(user).get(URL + f"/{suggested}/").status_code == 404
        assert api_as(user).post(URL + f"/{suggested}/start", {}, format="json").status_code == 404
    assert api_as(hr.users.branch1).get(URL + f"/{unknown}/").status_code == 404
    assert api_as(hr.users.branch1).get(URL + "/?state=bogus").status_code == 400


def test_start_through_the_api(hr):
    pk = hr_client(hr.key).post(URL, change(hr.member1), format="json").json()["id"]
    r = api_as(hr.users.branch1).post(URL + f"/{pk}/start", {"version": 99}, format="json")
    assert r.status_code == 409  # stale version: nothing written
    r = api_as(hr.users.branch1).post(URL + f"/{pk}/start", {}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "started"
    transfer = Transfer.objects.get(pk=r.json()["transfer"])
    assert (transfer.person, transfer.from_org, transfer.to_org) == (hr.member1, hr.branch1, hr.branch2)
    r = api_as(hr.users.branch1).post(URL + f"/{pk}/start", {}, format="json")
    assert r.status_code == 400 and Transfer.objects.count() == 1


def test_messages_are_chinese_by_default_and_name_the_field(hr):
    client = hr_client(hr.key)
    r = client.post(URL, change(id_number=id_number(6543)), format="json")
    assert r.json()["message"].startswith("id_number：") and "未找到" in r.json()["message"]
    r = client.post(URL, {"staff_no": "E1", "new_unit": "人事二科", "effective": "2026-13-01"}, format="json")
    assert r.status_code == 400 and "生效日期" in r.json()["errors"]["effective"][0]
    r = client.post(URL, change(hr.member1, unit="无此科室"), format="json")
    assert r.json()["message"].startswith("new_unit：") and "无此科室" in r.json()["message"]


_values = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=30), st.sampled_from(
    ["人事二科", "2026-03-01", "2026-02-30", "110101198506150011", "E1"]), st.lists(st.integers(), max_size=2))
_items = st.dictionaries(st.sampled_from(["id_number", "staff_no", "new_unit", "effective", "x"]), _values,
                         max_size=5)


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.one_of(_items, st.lists(_items, max_size=3), _values))
def test_any_payload_is_either_refused_whole_or_kept_whole(hr, payload):
    before = PostChange.objects.count()
    r = hr_client(hr.key).post(URL, payload, format="json")
    assert r.status_code in (200, 202, 400), r.content
    if r.status_code == 400:
        assert r.json()["errors"] and PostChange.objects.count() == before
    else:
        results = r.json() if isinstance(payload, list) else [r.json()]
        assert len(results) == len(payload if isinstance(payload, list) else [payload])
        assert all(PostChange.objects.filter(pk=x["id"], state=x["status"]).exists() for x in results)
