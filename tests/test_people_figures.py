"""Per-organisation people figures (people.figures): whatever is written — a new person, an edit, a transfer, a
moved subtree, an import, a deletion — the statistics and member counts summed from the figures equal a count
of the people themselves, for every user's scope; stale figures are never used; the check finds drift."""

import os
import random
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangjian.orgs import services as org_services
from dangjian.people import figures, imports, queries
from dangjian.people import services as people_services
from dangjian.people.codes import Education, MemberStatus, PoliticalStatus, WorkPost
from dangjian.people.models import OrgFigures, Person
from dangjian.transfers import services as transfer_services
from dangjian.transfers.rules import Action

from .factories import id_number, make_person

pytestmark = pytest.mark.django_db

LIST_PARAMS = [
    {}, {"members": "1"}, {"on_roll": "1"}, {"members": "1", "on_roll": "1"},
    {"political_status": "activist"}, {"political_status": ["full", "masses"], "on_roll": "1"},
]


def assert_figures_match(tree, quick=False):
    users = [tree.users.committee, tree.users.branch1, tree.users.branch2, tree.users.group1, tree.users.member1,
             tree.users.admin]
    for user in users[:1] + users[3:4] if quick else users:
        for u in [type(user).objects.get(pk=user.pk)]:  # a fresh user: the scope as a new request reads it
            visible = queries.visible_people(u)
            assert queries.statistics_for(u) == queries.statistics(visible), u.username
            lookup = queries.org_lookup_for(u)
            org_params = [{"org": str(o.pk)} for o in (tree.branch1, tree.group1, tree.branch2, tree.committee)]
            for params in LIST_PARAMS + org_params + [{**p, "members": "1"} for p in org_params]:
                qs = queries.filter_people(visible, params, org_lookup=lookup)
                assert queries.list_counts(u, params, qs, org_lookup=lookup) == queries.category_counts(qs), \
                    (u.username, params)
    for org in (tree.committee, tree.general, tree.branch1, tree.branch2, tree.group1):
        on_roll = Person.objects.filter(scope_path__startswith=org.path, status__in=("normal", "flowing", "lost"))
        expected = {}
        for status in on_roll.values_list("political_status", flat=True):
            expected[status] = expected.get(status, 0) + 1
        assert org_services.category_counts(org) == expected
    assert figures.drift() == []


def test_figures_follow_every_kind_of_write(tree):
    assert_figures_match(tree)
    # a new person of each category, in a group and directly in a branch
    for status in PoliticalStatus.values:
        make_person(tree.branch2, political_status=status)
    make_person(tree.branch1, political_status="probationary", group=tree.group1, gender="2", education="11",
                birth_date=date(1995, 3, 1), id_number=id_number(born=date(1995, 3, 1)), join_date=date(2020, 7, 1))
    assert_figures_match(tree)
    # edits: off the roll, another education, into a group, out of it
    people_services.update_person(None, tree.other1, {"status": MemberStatus.DECEASED})
    people_services.update_person(None, tree.member2, {"education": Education.MASTER, "ethnicity": "03"})
    people_services.update_person(None, tree.member1, {"group": None})
    people_services.update_person(None, Person.objects.get(pk=tree.sec2.pk), {"status": MemberStatus.FLOWING, "flow_destination": "广东省深圳市"})
    assert_figures_match(tree)
    # a transfer between the sibling branches moves the member's counts on acceptance only
    moving = Person.objects.get(pk=tree.leader1.pk)
    transfer = transfer_services.start_transfer(tree.users.committee, moving, to_org=tree.branch2, reason="工作调动")
    assert_figures_match(tree)
    transfer_services.transition(tree.users.committee, transfer, Action.ACCEPT)
    assert Person.objects.get(pk=moving.pk).org_id == tree.branch2.pk
    assert_figures_match(tree)
    # a moved subtree: its figures go with it
    org_services.move_org(None, tree.branch2, tree.committee)
    tree.branch2.refresh_from_db()
    assert_figures_match(tree)
    # an import writes in bulk
    content = imports.build_rows_file([
        [{"name": f"导入{n}", "gender": "男", "ethnicity": "汉族", "id_number": id_number(700000 + n),
          "education": "本科", "political_status": "正式党员", "org": "B1", "join_date": "2015-06-01",
          "full_date": "2016-06-01", "work_post": "013", "phone": f"1360000{n:04d}", "status": "正常"}.get(c.field)
         for c in imports.COLUMNS] for n in range(5)])
    cleaned, errors, _total = imports.validate(content, tree.branch1, tree.users.committee)
    assert errors == []
    imports.write(cleaned, tree.branch1, tree.users.committee)
    assert_figures_match(tree)
    # a deletion (the admin can delete)
    Person.objects.get(pk=tree.member2.pk).delete()
    assert_figures_match(tree)


person_changes = st.fixed_dictionaries({}, optional={
    "political_status": st.sampled_from(PoliticalStatus.values),
    "status": st.sampled_from(MemberStatus.values),
    "gender": st.sampled_from(["1", "2"]),
    "ethnicity": st.sampled_from(["01", "02", "03"]),
    "education": st.sampled_from(Education.values + [""]),
    "work_post": st.sampled_from(WorkPost.values),
    "birth_date": st.dates(date(1930, 1, 1), date(2007, 1, 1)),
})


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(st.tuples(st.integers(0, 10 ** 6), person_changes, st.booleans()), min_size=1, max_size=6))
def test_figures_equal_a_fresh_count_after_any_edits(tree, changes):
    """Random raw edits (through save(), as the admin or any service does): the figures follow."""
    people = list(Person.objects.order_by("pk"))
    for index, change, regroup in changes:
        person = people[index % len(people)]
        person.refresh_from_db()
        for field, value in change.items():
            setattr(person, field, value)
        if regroup and person.org_id == tree.branch1.pk:
            person.group = None if person.group_id else tree.group1
            person.scope_path = (person.group or person.org).path
        person.save()
    assert_figures_match(tree, quick=True)


def test_figures_of_another_year_are_not_used(tree, django_assert_max_num_queries):
    year = timezone.localdate().year
    expected = queries.statistics(queries.visible_people(tree.users.committee))
    OrgFigures.objects.update(year=year - 1)
    assert figures.subtree_sums((tree.committee.path,), year) is None
    assert queries.statistics_for(tree.users.committee) == expected  # counted from the people instead
    # a write during the mixed state brings its own organisation forward only: still not used
    make_person(tree.branch2)
    assert figures.subtree_sums((tree.committee.path,), year) is None
    assert sorted(figures.drift()) == sorted(OrgFigures.objects.filter(year=year - 1).values_list("pk", flat=True))
    with pytest.raises(CommandError, match="differ"):
        call_command("people_figures", "--check")
    call_command("people_figures", "--rebuild")
    assert figures.drift() == []
    call_command("people_figures", "--check")
    with django_assert_max_num_queries(3):
        assert queries.statistics_for(tree.users.committee) == queries.statistics(
            queries.visible_people(tree.users.committee))


def test_statistics_for_another_year_count_the_people(tree):
    make_person(tree.branch1, birth_date=date(1990, 12, 31), id_number=id_number(born=date(1990, 12, 31)))
    last = timezone.localdate().year - 5
    assert queries.statistics_for(tree.users.committee, year=last) == queries.statistics(
        queries.visible_people(tree.users.committee), year=last)


def test_reads_are_two_queries_whatever_the_size(tree, django_assert_num_queries):
    for _ in range(30):
        make_person(random.choice([tree.branch1, tree.branch2]), political_status=random.choice(PoliticalStatus.values))
    user = tree.users.committee
    queries.visible_people(user)  # the scope, read once per request
    with django_assert_num_queries(2):  # the figures, and the user's own record if it lies outside the scope
        queries.statistics_for(user)
    params = {"members": "1", "on_roll": "1"}
    qs = queries.filter_people(queries.visible_people(user), params)
    with django_assert_num_queries(2):
        queries.list_counts(user, params, qs)
    with django_assert_num_queries(2):  # a superuser: the figures, and the people in no organisation
        queries.statistics_for(tree.users.admin)
    # filters the figures cannot answer are counted from the list
    params = {"members": "1", "gender": "2"}
    qs = queries.filter_people(queries.visible_people(user), params)
    assert queries.list_counts(user, params, qs) == queries.category_counts(qs)


def test_a_refresh_and_a_rebuild_agree(tree):
    for status in PoliticalStatus.values:
        make_person(tree.branch2, political_status=status)
    people_services.update_person(None, tree.member2, {"status": MemberStatus.SUSPENDED})
    before = {row.pop("org_id"): row for row in OrgFigures.objects.values("org_id", *figures.COLUMN_NAMES)}
    assert figures.rebuild() == len(before)
    after = {row.pop("org_id"): row for row in OrgFigures.objects.values("org_id", *figures.COLUMN_NAMES)}
    assert before == after


def test_the_nightly_task_is_scheduled_and_rebuilds(tree, settings):
    from dangjian.people.tasks import rebuild_figures

    assert settings.CELERY_BEAT_SCHEDULE["people-rebuild-figures"]["task"] == "dangjian.people.tasks.rebuild_figures"
    OrgFigures.objects.all().delete()
    assert figures.drift() != []
    rebuild_figures.delay()
    assert figures.drift() == []


names = st.text(alphabet="王李张伟芳娜AaBb·- 1", min_size=1, max_size=5)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stored=st.lists(names, min_size=1, max_size=8), term=names)
def test_name_search_means_substring(tree, stored, term):
    """The character index (PostgreSQL) finds exactly what LIKE '%term%' finds."""
    Person.objects.filter(name__startswith="~").delete()
    created = [Person.objects.create(name=f"~{name}", gender="1", org=tree.branch2, scope_path=tree.branch2.path)
               for name in stored]
    found = set(Person.objects.filter(queries.name_contains_q(term), pk__in=[p.pk for p in created]))
    expected = set(Person.objects.filter(name__contains=term, pk__in=[p.pk for p in created]))
    assert found == expected


def test_name_search_finds_a_given_name_and_sorts_by_name(tree):
    for name in ("王建国", "李建华", "张国强", "建设"):
        make_person(tree.branch2, name=name)
    rows = queries.filter_people(queries.visible_people(tree.users.committee), {"q": "建"})
    assert [p.name for p in rows] == sorted(["王建国", "李建华", "建设"])
    rows = queries.filter_people(queries.visible_people(tree.users.committee), {"q": "国", "sort": "-name"})
    assert [p.name for p in rows] == sorted(["王建国", "张国强"], reverse=True)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                    reason="SQLite's in-memory test database locks whole tables across threads; runs on PostgreSQL")
def test_concurrent_writes_in_one_branch_lose_no_count():
    """Eight writers edit and add people of one branch at the same moment, each in its own transaction and
    connection: every recount waits for the one before it, so the stored figures end equal to a fresh count."""
    import threading

    from django.db import connection

    from .factories import make_org

    branch = make_org("branch", parent=make_org("committee"))
    people = [make_person(branch) for _ in range(8)]
    barrier = threading.Barrier(len(people))
    failures = []

    def writer(i):
        try:
            barrier.wait(timeout=10)
            if i % 2:
                people_services.update_person(None, people[i], {"status": MemberStatus.SUSPENDED})
            else:
                make_person(branch, political_status="activist")
        except Exception as e:  # reported below: a writer must not fail
            failures.append(repr(e))
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(len(people))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert failures == []
    assert figures.drift() == []
    sums = figures.subtree_sums((branch.path,), None, ["ps_full_roll", "ps_full_off", "ps_activist_roll"])
    assert sums == {"ps_full_roll": 4, "ps_full_off": 4, "ps_activist_roll": 4}


def test_api_list_counts_agree_with_its_rows(tree):
    from .conftest import api_as

    make_person(tree.branch2, political_status="activist")
    client = api_as(tree.users.committee)
    for query in ("", "?members=1", "?on_roll=1&political_status=activist", f"?org={tree.branch1.pk}",
                  "?gender=2", "?q=党员", f"?org={tree.group1.pk}&members=1"):
        body = client.get(f"/api/v1/people/{query}&page_size=500".replace("/&", "/?")).json()
        assert body["count"] == len(body["results"]), query
    assert client.get("/api/v1/people/").json()["count"] == Person.objects.count()
