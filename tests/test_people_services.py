"""people.services: validation naming the field, nothing written on errors, concurrency, reveal."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone, translation

from dangjian.accounts.models import Role
from dangjian.audit.models import AuditEntry
from dangjian.core.errors import ConflictError
from dangjian.core.models import Parameter
from dangjian.orgs import services as org_services
from dangjian.people import crypto
from dangjian.people import services as svc
from dangjian.people.models import Person

from .factories import give_post, id_number, make_org, make_person, make_user

TODAY = date(2025, 6, 30)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def orgs(db):
    committee = make_org("committee", name="党委", code="SC1")
    branch = make_org("branch", parent=committee, name="支部", code="SB1")
    other = make_org("branch", parent=committee, name="另一支部", code="SB2")
    group = make_org("group", parent=branch, name="小组", code="SG1")
    other_group = make_org("group", parent=other, name="另一小组", code="SG2")
    return committee, branch, other, group, other_group


def member(branch, **kw):
    data = {"name": "李四", "gender": "1", "political_status": "full", "join_date": date(2010, 7, 1),
            "full_date": date(2011, 7, 1), "org": branch, "birth_date": date(1985, 6, 15)}
    data.update(kw)
    return data


def errors_of(data, instance=None):
    return svc.clean_person(data, instance=instance, today=TODAY)[1]


# ---------------------------------------------------------------------------------------------- clean_person


def test_a_complete_member_is_clean(orgs):
    cleaned, errors = svc.clean_person(member(orgs[1], id_number=id_number(5001)), today=TODAY)
    assert errors == {}
    assert cleaned["birth_date"] == date(1985, 6, 15) and cleaned["ethnicity"] == "01"
    assert cleaned["status"] == "normal"


@pytest.mark.parametrize("data, field, text", [
    ({"name": ""}, "name", "name"),
    ({"name": "   "}, "name", "name"),
    ({"name": "张" * 51}, "name", "too long"),
    ({"gender": ""}, "gender", "gender"),
    ({"gender": "9"}, "gender", "not a valid choice"),
    ({"ethnicity": "99"}, "ethnicity", "not a valid choice"),
    ({"education": "xx"}, "education", "not a valid choice"),
    ({"work_post": "999"}, "work_post", "not a valid choice"),
    ({"political_status": "king"}, "political_status", "not a valid choice"),
    ({"status": "gone"}, "status", "not a valid choice"),
    ({"id_number": "12345"}, "id_number", "18 characters"),
    ({"id_number": "110105198506150010"}, "id_number", "check digit"),
    ({"phone": "12345"}, "phone", "mobile"),
    ({"birth_date": "not a date"}, "birth_date", "YYYY-MM-DD"),
    ({"birth_date": "2031-01-01", "join_date": None, "full_date": None, "political_status": "masses"},
     "birth_date", "future"),
    ({"join_date": "2026-01-01", "full_date": None, "political_status": "probationary"}, "join_date", "future"),
    ({"join_date": "31/02/2010"}, "join_date", "YYYY-MM-DD"),
    ({"org": 99999999}, "org", "No such organisation"),
    ({"org": "abc"}, "org", "No such organisation"),
    ({"org": None}, "org", "must belong"),
    ({"join_date": None}, "join_date", "joined"),
    ({"full_date": None}, "full_date", "full member"),
    ({"political_status": "probationary"}, "full_date", "no full-membership date"),
    ({"political_status": "activist", "join_date": None}, "full_date", "Only members"),
    ({"status": "flowing"}, "flow_destination", "Say where"),
    ({"political_status": "masses", "join_date": None, "full_date": None, "status": "suspended"}, "status",
     "Only members"),
    ({"full_date": date(2009, 1, 1)}, "full_date", "before the join date"),
])
def test_errors_name_the_field(orgs, data, field, text):
    errors = errors_of(member(orgs[1], **data))
    assert field in errors, errors
    assert any(text in m for m in errors[field]), errors[field]


def test_members_must_be_in_a_branch_and_groups_in_their_branch(orgs):
    committee, branch, other, group, other_group = orgs
    assert "must belong" in errors_of(member(None))["org"][0]
    assert "choose a branch" in errors_of(member(committee))["org"][0]
    assert "choose a branch" in errors_of(member(group))["org"][0]
    assert "Choose a Party group" in errors_of(member(branch, group=other))["group"][0]
    assert "person's branch" in errors_of(member(branch, group=other_group))["group"][0]
    assert errors_of(member(branch, group=group)) == {}
    # Non-members may sit above branch level (e.g. 群众 recorded at the committee).
    assert errors_of({"name": "王五", "gender": "2", "org": committee}) == {}


def test_dissolved_organisations_are_refused(orgs):
    committee, branch, other, group, other_group = orgs
    org_services.dissolve_org(None, other_group)
    assert "dissolved" in errors_of(member(other.pk, group=other_group.pk))["group"][0]
    org_services.dissolve_org(None, other)
    assert "dissolved" in errors_of(member(other.pk))["org"][0]


def test_id_number_sets_the_birth_date_and_must_match_it(orgs):
    number = id_number(5002, born=date(1990, 3, 4))
    cleaned, errors = svc.clean_person(member(orgs[1], birth_date=None, id_number=number), today=TODAY)
    assert errors == {} and cleaned["birth_date"] == date(1990, 3, 4)
    errors = errors_of(member(orgs[1], birth_date=date(1990, 3, 5), id_number=number))
    assert "does not match" in errors["id_number"][0]


def test_dates_accept_common_spellings(orgs):
    cleaned, errors = svc.clean_person(member(orgs[1], join_date="2010/07/01", full_date="2011.07.01"), today=TODAY)
    assert errors == {}
    assert cleaned["join_date"] == date(2010, 7, 1) and cleaned["full_date"] == date(2011, 7, 1)


# ---------------------------------------------------------------------------------------------- development dates


def test_development_dates_in_order_are_clean(orgs):
    data = member(orgs[1], applied_on=date(2008, 3, 1), activist_on=date(2008, 9, 1), candidate_on=date(2009, 9, 1))
    assert errors_of(data) == {}


@pytest.mark.parametrize("dates, field", [
    ({"applied_on": date(2008, 9, 2), "activist_on": date(2008, 9, 1)}, "activist_on"),
    ({"activist_on": date(2009, 9, 2), "candidate_on": date(2009, 9, 1)}, "candidate_on"),
    ({"candidate_on": date(2010, 7, 2)}, "join_date"),
    ({"applied_on": date(2010, 7, 2)}, "join_date"),  # a missing step in between: compared with the one before
    ({"applied_on": date(2009, 1, 2), "candidate_on": date(2009, 1, 1)}, "candidate_on"),
])
def test_development_dates_out_of_order_are_refused(orgs, dates, field):
    errors = errors_of(member(orgs[1], **dates))
    assert field in errors and "cannot be before" in errors[field][0], errors


def test_development_dates_on_the_same_day_are_allowed(orgs):
    day = date(2009, 7, 1)
    assert errors_of(member(orgs[1], applied_on=day, activist_on=day, candidate_on=day,
                            join_date=date(2010, 7, 1))) == {}


def test_full_membership_comes_after_a_year_of_probation(orgs):
    assert errors_of(member(orgs[1], join_date=date(2010, 7, 1), full_date=date(2011, 7, 1))) == {}
    assert errors_of(member(orgs[1], join_date=date(2010, 7, 1), full_date=date(2012, 7, 1))) == {}  # extended
    errors = errors_of(member(orgs[1], join_date=date(2010, 7, 1), full_date=date(2011, 6, 30)))
    assert "2011-07-01" in errors["full_date"][0]
    # Admitted on 29 February: probation ends on 28 February of a common year.
    assert errors_of(member(orgs[1], join_date=date(2012, 2, 29), full_date=date(2013, 2, 28))) == {}
    assert "full_date" in errors_of(member(orgs[1], join_date=date(2012, 2, 29), full_date=date(2013, 2, 27)))


def test_probation_length_is_a_parameter(orgs):
    Parameter.objects.create(key="member.probation_months", value=24, effective_from=date(2000, 1, 1),
                             source="test")
    assert "full_date" in errors_of(member(orgs[1], join_date=date(2010, 7, 1), full_date=date(2011, 7, 1)))
    assert errors_of(member(orgs[1], join_date=date(2010, 7, 1), full_date=date(2012, 7, 1))) == {}


def test_minimum_age_at_admission(orgs):
    born = date(1992, 7, 2)
    errors = errors_of(member(orgs[1], birth_date=born, join_date=date(2010, 7, 1), full_date=date(2011, 7, 1)))
    assert "18 or older" in errors["join_date"][0]
    assert errors_of(member(orgs[1], birth_date=date(1992, 7, 1), join_date=date(2010, 7, 1))) == {}


def test_minimum_age_at_application(orgs):
    data = member(orgs[1], birth_date=date(1990, 5, 1), applied_on=date(2008, 4, 30))
    assert "18 or older" in errors_of(data)["applied_on"][0]
    applicant = {"name": "赵六", "gender": "1", "political_status": "applicant", "org": orgs[1],
                 "birth_date": date(2008, 1, 1), "applied_on": date(2025, 6, 1)}
    assert "applied_on" in errors_of(applicant)
    applicant["birth_date"] = date(2007, 6, 1)
    assert errors_of(applicant) == {}


def test_minimum_age_follows_the_parameter_in_force(orgs):
    Parameter.objects.create(key="member.min_age", value=20, effective_from=date(2010, 1, 1), source="test")
    data = member(orgs[1], birth_date=date(1991, 1, 1), join_date=date(2010, 7, 1))
    assert "20 or older" in errors_of(data)["join_date"][0]
    # Before the override took effect the national 18 applied.
    data = member(orgs[1], birth_date=date(1991, 1, 1), join_date=date(2009, 7, 1), full_date=date(2010, 7, 1))
    assert errors_of(data) == {}


# ---------------------------------------------------------------------------------------------- create


def test_create_writes_nothing_on_errors(orgs):
    before_people, before_audit = Person.objects.count(), AuditEntry.objects.count()
    with pytest.raises(ValidationError) as info:
        svc.create_person(None, member(orgs[1], name="", phone="bad"))
    assert set(info.value.message_dict) >= {"name", "phone"}
    assert Person.objects.count() == before_people and AuditEntry.objects.count() == before_audit


def test_create_sets_scope_masks_and_audit(orgs):
    committee, branch, other, group, other_group = orgs
    number = id_number(5003)
    person = svc.create_person(None, member(branch, group=group, id_number=number, phone="13900005003"))
    person.refresh_from_db()
    assert person.scope_path == group.path
    assert person.id_number_masked == crypto.mask_id_number(number) and person.phone_masked == "139****5003"
    assert person.get_id_number() == number and person.get_phone() == "13900005003"
    entry = AuditEntry.objects.filter(model="people.person", object_id=str(person.pk)).get()
    assert entry.action == "create" and entry.org_path == group.path


def test_duplicate_id_number_refused_with_a_field_message(orgs):
    number = id_number(5004)
    svc.create_person(None, member(orgs[1], id_number=number))
    count = Person.objects.count()
    with pytest.raises(ValidationError) as info:
        svc.create_person(None, member(orgs[2], name="另一人", id_number=number.lower()))
    assert "already has this ID number" in info.value.message_dict["id_number"][0]
    assert Person.objects.count() == count


def test_create_requires_write_permission_on_the_organisation(orgs):
    committee, branch, other, group, other_group = orgs
    secretary = make_person(branch)
    give_post(secretary, branch, Role.SECRETARY)
    user = make_user("sec", secretary)
    assert svc.create_person(user, member(branch, name="新人")).org == branch
    count = Person.objects.count()
    with pytest.raises(ValidationError) as info:
        svc.create_person(user, member(other, name="越权"))
    assert "org" in info.value.message_dict
    with pytest.raises(ValidationError):
        svc.create_person(user, {"name": "无组织", "gender": "1"})
    assert Person.objects.count() == count


# ---------------------------------------------------------------------------------------------- update


def test_update_with_stale_version_conflicts_and_changes_nothing(orgs):
    person = svc.create_person(None, member(orgs[1]))
    assert person.version == 1
    svc.update_person(None, person, {"name": "改名一"}, expected_version=1)
    audit = AuditEntry.objects.count()
    with pytest.raises(ConflictError):
        svc.update_person(None, person, {"name": "改名二"}, expected_version=1)
    person.refresh_from_db()
    assert person.name == "改名一" and person.version == 2
    assert AuditEntry.objects.count() == audit
    svc.update_person(None, person, {"name": "改名二"}, expected_version="2")
    person.refresh_from_db()
    assert person.name == "改名二" and person.version == 3


def test_update_with_errors_changes_nothing(orgs):
    person = svc.create_person(None, member(orgs[1], phone="13900005005"))
    audit = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as info:
        svc.update_person(None, person, {"name": "新名字", "phone": "nonsense"})
    assert "phone" in info.value.message_dict
    person.refresh_from_db()
    assert person.name == "李四" and person.get_phone() == "13900005005" and person.version == 1
    assert AuditEntry.objects.count() == audit


def test_partial_update_keeps_other_fields(orgs):
    number = id_number(5006)
    person = svc.create_person(None, member(orgs[1], id_number=number, phone="13900005006", education="21"))
    svc.update_person(None, person, {"address": "北京市"})
    person.refresh_from_db()
    assert person.address == "北京市" and person.education == "21"
    assert person.get_id_number() == number and person.get_phone() == "13900005006"


@pytest.mark.parametrize("new_org", ["other", None, "", "garbage", 99999999])
def test_organisation_change_via_update_is_refused(orgs, new_org):
    committee, branch, other, group, other_group = orgs
    person = svc.create_person(None, member(branch))
    value = {"other": other.pk}.get(new_org, new_org)
    with pytest.raises(ValidationError) as info:
        svc.update_person(None, person, {"org": value, "name": "不应改变"})
    assert "org" in info.value.message_dict
    person.refresh_from_db()
    assert person.org == branch and person.name == "李四" and person.scope_path == branch.path


def test_same_organisation_and_group_moves_are_allowed(orgs):
    committee, branch, other, group, other_group = orgs
    person = svc.create_person(None, member(branch))
    svc.update_person(None, person, {"org": branch.pk, "group": group.pk})
    person.refresh_from_db()
    assert person.group == group and person.scope_path == group.path
    svc.update_person(None, person, {"group": None})
    person.refresh_from_db()
    assert person.group is None and person.scope_path == branch.path


def test_update_by_an_outsider_is_404(orgs):
    committee, branch, other, group, other_group = orgs
    person = svc.create_person(None, member(branch))
    secretary = make_person(other)
    give_post(secretary, other, Role.SECRETARY)
    with pytest.raises(Http404):
        svc.update_person(make_user("outsider", secretary), person, {"name": "越权"})
    person.refresh_from_db()
    assert person.name == "李四"


def test_update_keeps_duplicate_check_but_allows_own_number(orgs):
    number, other_number = id_number(5007), id_number(5008)
    person = svc.create_person(None, member(orgs[1], id_number=number))
    svc.create_person(None, member(orgs[1], name="别人", id_number=other_number))
    svc.update_person(None, person, {"id_number": number})
    with pytest.raises(ValidationError) as info:
        svc.update_person(None, person, {"id_number": other_number})
    assert "id_number" in info.value.message_dict


# ---------------------------------------------------------------------------------------------- reveal


def test_reveal_logs_and_needs_the_sensitive_permission(orgs):
    committee, branch, other, group, other_group = orgs
    number = id_number(5009)
    person = svc.create_person(None, member(branch, group=group, id_number=number, phone="13900005009"))
    secretary = make_person(branch, name="书记")
    give_post(secretary, branch, Role.SECRETARY)
    leader = make_person(branch, name="组长")
    give_post(leader, group, Role.GROUP_LEADER)
    outsider = make_person(other, name="外人")
    give_post(outsider, other, Role.SECRETARY)
    sec_user, leader_user, outsider_user = (make_user("s", secretary), make_user("l", leader),
                                            make_user("o", outsider))

    assert svc.can_reveal(sec_user, person)
    before = AuditEntry.objects.filter(action="reveal").count()
    assert svc.reveal(sec_user, person, "id_number") == number
    assert svc.reveal(sec_user, person, "phone") == "13900005009"
    entries = list(AuditEntry.objects.filter(action="reveal").order_by("seq"))
    assert len(entries) == before + 2
    assert entries[-2].actor_id == sec_user.pk and entries[-2].object_id == str(person.pk)
    assert entries[-2].after == {"field": "id_number"} and entries[-1].after == {"field": "phone"}
    assert entries[-1].org_path == group.path
    assert number not in str(entries[-2].after) + str(entries[-2].before)

    for user in (leader_user, outsider_user, make_user("nobody")):
        assert not svc.can_reveal(user, person)
        with pytest.raises(PermissionDenied):
            svc.reveal(user, person, "id_number")
    assert AuditEntry.objects.filter(action="reveal").count() == before + 2
    with pytest.raises(ValueError):
        svc.reveal(sec_user, person, "name")


def test_ended_post_cannot_reveal(orgs):
    committee, branch, *_ = orgs
    person = svc.create_person(None, member(branch, id_number=id_number(5010)))
    former = make_person(branch, name="前书记")
    give_post(former, branch, Role.SECRETARY, start=date(2015, 1, 1),
              end=timezone.localdate() - timedelta(days=1))
    assert not svc.can_reveal(make_user("former", former), person)


def test_a_non_member_cannot_be_taken_out_of_the_tree_by_an_update(orgs):
    person = svc.create_person(None, {"name": "群众甲", "gender": "2", "org": orgs[1]})
    for value in (None, ""):
        with pytest.raises(ValidationError) as info:
            svc.update_person(None, person, {"org": value})
        assert "org" in info.value.message_dict
    person.refresh_from_db()
    assert person.org == orgs[1] and person.scope_path == orgs[1].path
