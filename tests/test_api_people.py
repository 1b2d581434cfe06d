"""/api/v1/people/: list with the member list's filters, read (masked), create, update (409 on a stale version),
reveal (audited)."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangjian.api.filters import CHOICE_PARAMS, DATE_PARAMS, FLAG_PARAMS, OTHER_PARAMS
from dangjian.audit.models import AuditEntry
from dangjian.people.models import Person
from dangjian.people.queries import FILTER_FIELDS, SORTS

from .factories import id_number, make_person

URL = "/api/v1/people/"


def detail(person):
    return f"{URL}{person.pk}/"


def names(response):
    assert response.status_code == 200, response.content
    return sorted(row["name"] for row in response.json()["results"])


def snapshot(person):
    person = Person.objects.get(pk=person.pk)
    return {f.attname: getattr(person, f.attname) for f in Person._meta.concrete_fields}


BRANCH1 = sorted(["委员会书记", "支部书记一", "小组长一", "普通党员一", "普通党员二"])


@pytest.fixture
def sec1(tree, api_client_for):
    return api_client_for(tree.users.branch1)


def new_member(**kw):
    data = {"name": "新党员", "gender": "2", "political_status": "probationary", "join_date": "2024-07-01",
            "id_number": id_number(born=date(1995, 3, 8)), "phone": "13812345678", "education": "14",
            "work_post": "022"}
    data.update(kw)
    return data


@pytest.mark.django_db
def test_list_masks_identifiers(tree, sec1):
    response = sec1.get(URL)
    assert names(response) == BRANCH1
    body = response.json()
    assert body["count"] == 5
    by_name = {row["name"]: row for row in body["results"]}
    row = by_name["普通党员一"]
    clear_id, clear_phone = tree.member1.get_id_number(), tree.member1.get_phone()
    assert row["id_number"] == tree.member1.id_number_masked and "*" in row["id_number"]
    assert row["phone"] == tree.member1.phone_masked and "*" in row["phone"]
    assert clear_id not in response.content.decode() and clear_phone not in response.content.decode()
    assert row["org"] == tree.branch1.pk and row["org_name"] == "第一党支部"
    assert row["group"] == tree.group1.pk and row["group_name"] == "第一党小组"
    assert row["political_status"] == "full" and row["political_status_display"]
    assert row["can_reveal"] is True and row["version"] == 1


@pytest.mark.django_db
def test_filter_parameters_cover_the_member_list(tree):
    assert set(FILTER_FIELDS) == set(CHOICE_PARAMS) | set(FLAG_PARAMS) | set(DATE_PARAMS) | set(OTHER_PARAMS)


@pytest.mark.django_db
def test_filters(tree, sec1):
    make_person(tree.branch1, name="预备党员甲", political_status="probationary", gender="2", education="14",
                join_date=date(2024, 7, 1), work_post="3", ethnicity="03",
                id_number=id_number(born=date(2003, 1, 5)))
    make_person(tree.branch1, name="积极分子乙", political_status="activist", gender="1", education="61",
                work_post="025", id_number=id_number(born=date(1960, 1, 5)))
    cases = {
        "q=党员": ["普通党员一", "普通党员二", "预备党员甲"],
        "political_status=probationary": ["预备党员甲"],
        "political_status=probationary,activist": ["积极分子乙", "预备党员甲"],
        "political_status=probationary&political_status=activist": ["积极分子乙", "预备党员甲"],
        "members=1&education=14": ["预备党员甲"],
        "members=1&gender=1,2&status=normal&education=14": ["预备党员甲"],
        "minority=1": ["预备党员甲"],
        "ethnicity=03": ["预备党员甲"],
        "college=1&members=0&education=61": [],
        "education=61": ["积极分子乙"],
        "occupation=student": ["预备党员甲"],
        "work_post=025": ["积极分子乙"],
        "occupation=worker": ["积极分子乙"],
        "age_band=≤30&year=2024": ["预备党员甲"],
        "age_band=≥61&year=2024": ["积极分子乙"],
        "join_from=2024-01-01": ["预备党员甲"],
        "join_to=2010-12-31&members=1": BRANCH1,
        "full_from=2011-07-01&full_to=2011-07-01": BRANCH1,
        f"org={tree.group1.pk}": sorted(["支部书记一", "小组长一", "普通党员一"]),
        f"org={tree.branch1.pk}&q=一": sorted(["支部书记一", "小组长一", "普通党员一"]),
        "on_roll=1&political_status=activist": ["积极分子乙"],
    }
    for query, expected in cases.items():
        assert names(sec1.get(f"{URL}?{query}")) == sorted(expected), query


@pytest.mark.django_db
def test_sort_and_pagination(tree, sec1):
    ordered = [row["name"] for row in sec1.get(f"{URL}?sort=-name").json()["results"]]
    assert ordered == sorted(BRANCH1, reverse=True)
    tree.member1.join_date = date(2001, 1, 1)
    tree.member1.save()
    assert sec1.get(f"{URL}?sort=join_date").json()["results"][0]["name"] == "普通党员一"
    page = sec1.get(f"{URL}?page_size=2&page=2").json()
    assert page["count"] == 5 and len(page["results"]) == 2 and page["next"] and page["previous"]
    for key in SORTS:
        assert sec1.get(f"{URL}?sort={key}").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("query,field", [
    ("political_status=king", "political_status"), ("gender=3", "gender"), ("education=99", "education"),
    ("ethnicity=99", "ethnicity"), ("status=gone", "status"), ("work_post=x", "work_post"),
    ("occupation=pilot", "occupation"), ("age_band=young", "age_band"), ("members=yes", "members"),
    ("join_from=2024-02-30", "join_from"), ("full_to=yesterday", "full_to"), ("org=abc", "org"),
    ("year=20x4", "year"), ("age_band=≤30&year=99999", "year"), ("year=0", "year"), ("year=２０２４", "year"),
    ("org=１２", "org"), ("sort=salary", "sort"), ("q=" + "长" * 51, "q"),
])
def test_bad_filter_values_400_naming_the_parameter(tree, sec1, query, field):
    response = sec1.get(f"{URL}?{query}")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


@pytest.mark.django_db
def test_read(tree, sec1):
    response = sec1.get(detail(tree.member1))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == tree.member1.pk and body["name"] == "普通党员一"
    assert body["id_number"] == tree.member1.id_number_masked and body["join_date"] == "2010-07-01"
    assert body["full_date"] == "2011-07-01" and body["status"] == "normal"


@pytest.mark.django_db
def test_create(tree, sec1):
    data = new_member(org=tree.branch1.pk, group=tree.group1.pk)
    response = sec1.post(URL, data, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    person = Person.objects.get(pk=body["id"])
    assert person.get_id_number() == data["id_number"] and person.get_phone() == "13812345678"
    assert body["id_number"] == person.id_number_masked != data["id_number"]
    assert body["phone"] == "138****5678" or "*" in body["phone"]
    assert body["birth_date"] == "1995-03-08"  # taken from the ID number
    assert person.scope_path == tree.group1.path and body["version"] == 1
    entry = AuditEntry.objects.get(model="people.person", object_id=str(person.pk))
    assert entry.action == "create" and entry.actor_id == tree.users.branch1.pk
    assert data["id_number"] not in str(entry.after)


@pytest.mark.django_db
@pytest.mark.parametrize("changes,fields", [
    ({"id_number": "110101199003077777"}, {"id_number"}),  # bad checksum
    ({"name": ""}, {"name"}),
    ({"name": "", "id_number": "123"}, {"name", "id_number"}),  # every error at once
    ({"gender": "9"}, {"gender"}),
    ({"join_date": "2024-02-30"}, {"join_date"}),
    ({"join_date": None}, {"join_date"}),  # a member needs a join date
    ({"full_date": "2024-08-01"}, {"full_date"}),  # a probationary member has no full date
    ({"phone": "12345"}, {"phone"}),
    ({"org": None}, {"org"}),
    ({"org": "general"}, {"org"}),  # members are on a branch's roll
    ({"org": 999999}, {"org"}),
    ({"group": "group2"}, {"group"}),  # the group must be in the person's branch
    ({"status": "flowing"}, {"flow_destination"}),
    ({"political_status": "emperor"}, {"political_status"}),
])
def test_create_refused_with_the_fields_named_and_nothing_written(tree, api_client_for, changes, fields):
    from .factories import make_org

    group2 = make_org("group", parent=tree.branch2, name="二支部小组")
    refs = {"general": tree.general.pk, "group2": group2.pk}
    data = new_member(org=tree.branch1.pk)
    data.update({k: refs.get(v, v) if isinstance(v, str) else v for k, v in changes.items()})
    before = Person.objects.count(), AuditEntry.objects.count()
    response = api_client_for(tree.users.committee).post(URL, data, format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()["errors"]) == fields
    assert (Person.objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.django_db
def test_duplicate_id_number_refused(tree, sec1):
    response = sec1.post(URL, new_member(org=tree.branch1.pk, id_number=tree.member1.get_id_number()),
                         format="json")
    assert response.status_code == 400 and set(response.json()["errors"]) == {"id_number"}


@pytest.mark.django_db
def test_update_with_version(tree, sec1):
    response = sec1.patch(detail(tree.member1), {"name": "普通党员甲", "phone": "13700001111", "version": 1},
                          format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name"] == "普通党员甲" and body["version"] == 2 and "*" in body["phone"]
    person = Person.objects.get(pk=tree.member1.pk)
    assert person.get_phone() == "13700001111" and person.get_id_number() == tree.member1.get_id_number()
    entry = AuditEntry.objects.filter(model="people.person", object_id=str(person.pk), action="update").get()
    assert entry.actor_id == tree.users.branch1.pk


@pytest.mark.django_db
def test_put_and_same_org_is_accepted(tree, sec1):
    body = sec1.get(detail(tree.member1)).json()
    payload = {k: body[k] for k in ("name", "gender", "ethnicity", "birth_date", "education", "work_post",
                                    "political_status", "status", "join_date", "full_date", "org", "group",
                                    "version")}
    payload["address"] = "北京市东城区"
    response = sec1.put(detail(tree.member1), payload, format="json")
    assert response.status_code == 200, response.content
    assert Person.objects.get(pk=tree.member1.pk).address == "北京市东城区"


@pytest.mark.django_db
def test_stale_version_409_and_nothing_changed(tree, sec1):
    assert sec1.patch(detail(tree.member1), {"notes": "甲", "version": 1}, format="json").status_code == 200
    before = snapshot(tree.member1)
    response = sec1.patch(detail(tree.member1), {"notes": "乙", "version": 1}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert snapshot(tree.member1) == before


@pytest.mark.django_db
@pytest.mark.parametrize("payload,fields", [
    ({"name": "x"}, {"version"}),
    ({"org": "branch2", "version": 1}, {"org"}),  # organisation changes through a transfer
    ({"org": "committee_branch", "version": 1}, {"org"}),
    ({"org": None, "version": 1}, {"org"}),  # nor by leaving it empty
    ({"id_number": "1234", "version": 1}, {"id_number"}),
    ({"full_date": "2009-01-01", "version": 1}, {"full_date"}),  # before the join date
    ({"birth_date": "2999-01-01", "version": 1}, {"birth_date", "join_date"}),  # also too young to join
    ({"name": "", "phone": "1", "version": 1}, {"name", "phone"}),
])
def test_update_refused_with_the_fields_named_and_nothing_changed(tree, api_client_for, payload, fields):
    from .factories import make_org

    other_branch = make_org("branch", parent=tree.general, name="第三党支部")
    refs = {"branch2": tree.branch2.pk, "committee_branch": other_branch.pk}
    payload = {k: refs.get(v, v) if isinstance(v, str) else v for k, v in payload.items()}
    before = snapshot(tree.member1), AuditEntry.objects.count()
    response = api_client_for(tree.users.committee).patch(detail(tree.member1), payload, format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()["errors"]) == fields
    assert (snapshot(tree.member1), AuditEntry.objects.count()) == before


@pytest.mark.django_db
def test_reveal_is_audited(tree, sec1):
    before = AuditEntry.objects.filter(action="reveal").count()
    response = sec1.post(f"{detail(tree.member1)}reveal/", {"field": "id_number"}, format="json")
    assert response.status_code == 200
    assert response.json() == {"field": "id_number", "value": tree.member1.get_id_number()}
    response = sec1.post(f"{detail(tree.member1)}reveal/", {"field": "phone"}, format="json")
    assert response.json()["value"] == tree.member1.get_phone()
    entries = AuditEntry.objects.filter(action="reveal").order_by("seq")
    assert entries.count() == before + 2
    assert entries.last().actor_id == tree.users.branch1.pk
    assert entries.last().object_id == str(tree.member1.pk)


@pytest.mark.django_db
def test_reveal_refused_without_the_post(tree, api_client_for):
    before = AuditEntry.objects.count()
    leader = api_client_for(tree.users.group1)  # reads the group's people, may not see identifiers
    assert leader.get(detail(tree.member1)).json()["can_reveal"] is False
    assert leader.post(f"{detail(tree.member1)}reveal/", {"field": "id_number"}, format="json").status_code == 403
    own = api_client_for(tree.users.member1)
    assert own.post(f"{detail(tree.member1)}reveal/", {"field": "phone"}, format="json").status_code == 403
    assert AuditEntry.objects.count() == before


@pytest.mark.django_db
def test_reveal_bad_field(tree, sec1):
    response = sec1.post(f"{detail(tree.member1)}reveal/", {"field": "address"}, format="json")
    assert response.status_code == 400 and set(response.json()["errors"]) == {"field"}


@pytest.mark.django_db
def test_plain_member_cannot_create_or_change(tree, api_client_for):
    client = api_client_for(tree.users.member1)
    before = snapshot(tree.member1), Person.objects.count()
    assert client.post(URL, new_member(org=tree.branch1.pk), format="json").status_code == 403
    assert client.patch(detail(tree.member1), {"name": "x", "version": 1}, format="json").status_code == 403
    assert (snapshot(tree.member1), Person.objects.count()) == before


def _list_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.json()["count"]


@pytest.mark.django_db
def test_list_query_count_does_not_grow_with_rows(tree, sec1, django_assert_max_num_queries):
    sec1.get(URL)  # the token's user is looked up once, then kept in the cache
    small, n_small = _list_queries(sec1, f"{URL}?members=1")
    for i in range(25):
        make_person(tree.branch1 if i % 2 else tree.group1.parent, name=f"党员{i:02d}",
                    group=tree.group1 if i % 3 == 0 else None)
    large, n_large = _list_queries(sec1, f"{URL}?members=1")
    assert (n_small, n_large) == (5, 30)
    assert small == large
    filtered, _n = _list_queries(sec1, f"{URL}?org={tree.group1.pk}&sort=org")
    assert filtered <= large + 1  # the organisation filter looks its organisation up once
    with django_assert_max_num_queries(8):
        sec1.get(URL)


@pytest.mark.django_db
def test_non_member_cannot_be_dropped_from_the_organisation(tree, sec1):
    person = make_person(tree.branch1, political_status="masses", name="群众甲")
    before = snapshot(person)
    response = sec1.patch(detail(person), {"org": None, "version": 1}, format="json")
    assert response.status_code == 400 and set(response.json()["errors"]) == {"org"}
    assert snapshot(person) == before


FILTER_VALUES = st.one_of(
    st.text(max_size=12),  # NUL characters included: PostgreSQL refuses them, the API must say 400
    st.sampled_from(["1", "0", "true", "full", "01", "≤30", "2024-01-01", "2024-02-30", "-name", "worker", "9" * 30,
                     "0", "99999", "２"]),
)


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.dictionaries(st.sampled_from(FILTER_FIELDS), FILTER_VALUES, max_size=5))
def test_any_filter_values_give_rows_or_a_400_never_an_error(tree, sec1, params):
    response = sec1.get(URL, params)
    assert response.status_code in (200, 400), (params, response.content)
    if response.status_code == 400:
        assert set(response.json()["errors"]) <= set(FILTER_FIELDS)
    else:
        assert {row["id"] for row in response.json()["results"]} <= set(
            Person.objects.filter(scope_path__startswith=tree.branch1.path).values_list("pk", flat=True))


@pytest.mark.django_db
def test_nul_character_in_search_is_400(tree, sec1):
    response = sec1.get(f"{URL}?q=a%00b")
    assert response.status_code == 400 and set(response.json()["errors"]) == {"q"}
