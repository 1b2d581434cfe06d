"""Review: receiving a member by letter with an ID number already on the platform must not take over a record
on another organisation's roll (a sibling branch's applicant or 群众) — that is outside the receiver's scope."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from dangjian.core.errors import DomainError
from dangjian.people.models import Person
from dangjian.transfers import services
from dangjian.transfers.models import Transfer

from .factories import make_person

pytestmark = pytest.mark.django_db


def _receive(tree, user, to_org, id_number):
    today = timezone.localdate()
    return services.receive_incoming(
        user, to_org=to_org, letter_no="审阅〔2026〕第1号", external_org="外省某党委",
        issued_on=today - timedelta(days=3), valid_days=30,
        person_data={"name": "来人", "gender": "1", "id_number": id_number, "political_status": "full",
                     "join_date": date(2015, 6, 1), "full_date": date(2016, 6, 1)})


@pytest.mark.parametrize("status", ["applicant", "masses"])
def test_a_sibling_branchs_record_is_not_taken_over(tree, status):
    other = make_person(tree.branch2, political_status=status, name="二支部的人")
    with pytest.raises(DomainError) as e:
        _receive(tree, tree.users.branch1, tree.branch1, other.get_id_number())
    assert "id_number" in e.value.message_dict
    other.refresh_from_db()
    assert other.org == tree.branch2 and other.political_status == status and other.name == "二支部的人"
    assert not Transfer.objects.exists()


def test_a_record_in_my_own_scope_is_still_reused(tree):
    mine = make_person(tree.branch1, political_status="activist", name="一支部积极分子",
                       applied_on=date(2013, 1, 1), activist_on=date(2014, 1, 1))
    tr = _receive(tree, tree.users.branch1, tree.branch1, mine.get_id_number())
    assert tr.person_id == mine.pk and Person.objects.get(pk=mine.pk).political_status == "full"
