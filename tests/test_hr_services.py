"""HR post changes, services: one click starts the transfer already built, resolving people and units matches
again, dismissing needs a reason, later changes supersede earlier ones, everything audited and scoped."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from dangjian.audit.models import AuditEntry
from dangjian.core.errors import ConflictError
from dangjian.hr import rules, services
from dangjian.hr.models import ChangeState, PostChange, StaffLink, UnitMapping
from dangjian.people.models import Person
from dangjian.transfers.models import Transfer, TransferKind, TransferState

from .factories import id_number, make_org
from .hr_fixtures import hr_tree  # noqa: F401 (the "hr" fixture)

S = ChangeState


def post(t, person=None, unit="人事二科", effective=date(2026, 3, 1), ident=None, staff_no=""):
    ident = ident if ident is not None else (person.get_id_number() if person else "")
    [received] = services.receive(t.system, [rules.ChangeInput(ident, staff_no, unit, effective)])
    return received.change


def transitions(change):
    return list(AuditEntry.objects.filter(model="hr.postchange", object_id=str(change.pk),
                                          action=AuditEntry.Action.TRANSITION).order_by("seq")
                .values_list("before__state", "after__state"))


def test_one_click_starts_the_transfer_already_built(hr):
    c = post(hr, hr.member1)
    assert transitions(c) == [(None, S.SUGGESTED)]
    c = services.start_transfer(hr.users.branch1, c, expected_version=c.version)
    assert c.state == S.STARTED and transitions(c)[-1] == (S.SUGGESTED, S.STARTED)
    t = c.transfer
    assert (t.kind, t.state, t.person, t.from_org, t.to_org) == (TransferKind.INTERNAL, TransferState.PENDING,
                                                                hr.member1, hr.branch1, hr.branch2)
    assert "人事二科" in t.reason
    assert Person.objects.get(pk=hr.member1.pk).org == hr.branch1  # moves only when branch2 accepts


def test_only_the_sending_side_starts_it(hr):
    c = post(hr, hr.member1)
    for user in (hr.users.branch2, hr.users.member1, hr.users.group1):
        with pytest.raises(Http404):
            services.start_transfer(user, c)
    with pytest.raises(ConflictError):
        services.start_transfer(hr.users.branch1, c, expected_version=c.version + 1)
    assert not Transfer.objects.exists() and PostChange.objects.get().state == S.SUGGESTED


def test_the_transfer_rules_still_apply(hr):
    other = post(hr, hr.member1)
    from dangjian.transfers import services as transfer_services

    transfer_services.start_transfer(hr.users.branch1, hr.member1, to_org=hr.branch2)
    with pytest.raises(ValidationError):
        services.start_transfer(hr.users.branch1, other)
    assert PostChange.objects.get(pk=other.pk).state == S.SUGGESTED  # nothing changed


def test_a_member_moved_meanwhile_is_refused(hr):
    c = post(hr, hr.member1)
    Person.objects.filter(pk=hr.member1.pk).update(org=hr.branch2, group=None, scope_path=hr.branch2.path)
    with pytest.raises(ValidationError) as e:
        services.start_transfer(None, c)
    assert "person" in e.value.message_dict


def test_resolving_the_person_learns_the_staff_number_and_matches_again(hr):
    c = post(hr, staff_no="E77")
    assert c.state == S.UNRESOLVED_PERSON
    with pytest.raises(Http404):
        services.resolve_person(hr.users.branch1, c, hr.member1)  # the committee resolves, not a branch
    with pytest.raises(ValidationError) as e:
        services.resolve_person(hr.users.committee, c, hr.stranger)
    assert "person" in e.value.message_dict
    c = services.resolve_person(hr.users.committee, c, hr.member1)
    assert (c.state, c.person, c.to_org, c.scope_path) == (S.SUGGESTED, hr.member1, hr.branch2, hr.branch1.path)
    assert c.resolved_by == hr.users.committee
    assert transitions(c) == [(None, S.UNRESOLVED_PERSON), (S.UNRESOLVED_PERSON, S.SUGGESTED)]
    assert StaffLink.objects.get(staff_no="E77").person == hr.member1
    nxt = post(hr, staff_no="E77", unit="人事一科", effective=date(2026, 4, 1))
    assert nxt.person == hr.member1 and nxt.state == S.SAME_ORG
    assert PostChange.objects.get(pk=c.pk).state == S.DISMISSED  # superseded by the later change


def test_mapping_a_unit_matches_every_waiting_change(hr):
    a = post(hr, hr.member1, unit="新科室")
    b = post(hr, hr.member2, unit="新科室")
    unrelated = post(hr, hr.other1, unit="别的科室")
    assert {a.state, b.state} == {S.UNRESOLVED_UNIT}
    branch3 = make_org("branch", parent=hr.committee, name="第三党支部", code="B3")
    with pytest.raises(Http404):
        services.map_unit(hr.users.branch1, a, branch3)
    with pytest.raises(ValidationError) as e:
        services.map_unit(hr.users.committee, a, hr.general)  # not a branch
    assert "org" in e.value.message_dict and not UnitMapping.objects.filter(unit="新科室").exists()
    services.map_unit(hr.users.committee, a, branch3)
    assert UnitMapping.objects.get(unit="新科室").org == branch3
    assert {PostChange.objects.get(pk=x.pk).state for x in (a, b)} == {S.SUGGESTED}
    assert PostChange.objects.get(pk=unrelated.pk).state == S.UNRESOLVED_UNIT


def test_dismiss_needs_a_reason_and_closes_the_change(hr):
    c = post(hr, hr.member1)
    with pytest.raises(ValidationError) as e:
        services.dismiss(hr.users.branch1, c, "  ")
    assert "reason" in e.value.message_dict
    with pytest.raises(Http404):
        services.dismiss(hr.users.branch2, c, "不是我们的")
    c = services.dismiss(hr.users.branch1, c, "借调，不转组织关系")
    assert c.state == S.DISMISSED and c.note == "借调，不转组织关系"
    with pytest.raises(ValidationError):
        services.dismiss(hr.users.branch1, c, "again")
    with pytest.raises(ValidationError):
        services.start_transfer(hr.users.branch1, c)


def test_unknown_people_are_seen_by_the_committee_only(hr):
    c = post(hr, ident=id_number(3131))
    assert set(services.visible_changes(hr.users.committee)) == {c}
    for user in (hr.users.branch1, hr.users.branch2, hr.users.member1):
        assert not services.visible_changes(user).exists()
        with pytest.raises(Http404):
            services.get_change_or_404(user, c.pk)
    assert services.todo_counts(hr.users.committee) == (0, 1)
    post(hr, hr.member1)
    assert services.todo_counts(hr.users.branch1) == (1, 0)
    assert services.todo_counts(hr.users.branch2) == (0, 0)


def test_hr_systems_belong_to_committees_and_keys_are_hashed(hr):
    with pytest.raises(ValidationError) as e:
        services.create_system(hr.users.branch1, hr.branch1, "支部系统")
    assert "org" in e.value.message_dict
    with pytest.raises(Http404):
        services.create_system(hr.users.branch1, hr.committee, "x")
    system, key = services.create_system(hr.users.committee, hr.committee, "第二系统")
    assert key not in system.key_hash and services.system_for_key(key) == system
    assert services.system_for_key(key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert not AuditEntry.objects.filter(after__icontains=key).exists()
