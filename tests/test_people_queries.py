"""people.queries: search through the blind index, organisation look-ups inside the scope, counts."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dangjian.people import queries
from dangjian.people.models import Person

from .factories import make_person

pytestmark = pytest.mark.django_db


def test_search_q_uses_the_blind_index_for_numbers(tree):
    number = tree.member1.get_id_number()
    assert set(Person.objects.filter(queries.search_q(number))) == {tree.member1}
    assert set(Person.objects.filter(queries.search_q(f" {number.lower()} "))) == {tree.member1}
    phone = tree.member1.get_phone()
    assert set(Person.objects.filter(queries.search_q(phone))) == {tree.member1}
    assert set(Person.objects.filter(queries.search_q(f"{phone[:3]} {phone[3:7]} {phone[7:]}"))) == {tree.member1}
    # A part of a number is not a search for numbers (that would need the clear values).
    assert not Person.objects.filter(queries.search_q(number[:10])).exists()
    assert set(Person.objects.filter(queries.search_q("支部书记"))) == {tree.sec1, tree.sec2}


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=25))
def test_search_q_accepts_anything(text):
    list(Person.objects.filter(queries.search_q(text))[:1])


def test_org_lookup_stays_inside_the_scope(tree):
    lookup = queries.org_lookup_for(tree.users.branch1)
    assert lookup(tree.branch1.pk) == tree.branch1 and lookup(tree.group1.pk) == tree.group1
    assert lookup(tree.branch2.pk) is None and lookup(tree.committee.pk) is None
    assert lookup("x") is None and lookup(None) is None
    assert [o.code for o in queries.org_choices(tree.users.branch1)] == ["B1"]
    assert [o.code for o in queries.org_choices(tree.users.committee)] == ["C1", "G1", "B1", "B2"]


def test_category_counts_is_one_query(tree, django_assert_num_queries):
    make_person(tree.branch1, political_status="activist")
    make_person(tree.branch2, political_status="masses")
    visible = queries.visible_people(tree.users.committee)  # reads the user's posts once
    with django_assert_num_queries(1):
        counts = queries.category_counts(visible)
    by = {code: n for code, _l, n in counts["by_status"]}
    assert counts["total"] == 9 and by["activist"] == 1 and by["masses"] == 1 and by["full"] == 7
    assert sum(by.values()) == counts["total"]


def test_visible_people_for_a_plain_member_is_their_own_record(tree):
    assert list(queries.visible_people(tree.users.member1)) == [tree.member1]
