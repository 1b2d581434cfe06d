"""Transfers: the state machine, permissions, letter numbers and validity, incoming letters, overdue letters."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from freezegun import freeze_time
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from dangjian.audit.chain import verify
from dangjian.audit.models import AuditEntry
from dangjian.core.errors import ConflictError, DomainError
from dangjian.core.models import Parameter
from dangjian.people.models import Person
from dangjian.transfers import rules, services, tasks
from dangjian.transfers.models import Transfer, TransferKind, TransferState
from dangjian.transfers.rules import Action

from .factories import id_number, make_org, make_person

TODAY = date(2026, 3, 10)


@pytest.fixture
def t(tree):
    """The conftest tree plus a third branch B3 under the committee with a member of its own."""
    tree.branch3 = make_org("branch", parent=tree.committee, name="第三党支部", code="B3")
    tree.member3 = make_person(tree.branch3, name="三支部党员")
    Person.objects.filter(pk=tree.member1.pk).update(applied_on=date(2008, 3, 1), activist_on=date(2008, 9, 1),
                                                     candidate_on=date(2009, 10, 1))
    tree.member1.refresh_from_db()
    return tree


def start(t, user=None, person=None, to_org=None, **kw):
    user = user or t.users.branch1
    person = person or t.member1
    if "external_org" not in kw and to_org is None:
        to_org = t.branch2
    return services.start_transfer(user, person, to_org=to_org, **kw)


def transitions_recorded(transfer):
    return list(AuditEntry.objects.filter(model="transfers.transfer", object_id=str(transfer.pk),
                                          action=AuditEntry.Action.TRANSITION).order_by("seq")
                .values_list("before__state", "after__state"))


# ------------------------------------------------------------------------------------------------ internal


@freeze_time(TODAY)
def test_start_internal_issues_a_numbered_letter_and_leaves_the_member_in_place(t):
    tr = start(t, reason="工作调动")
    assert tr.kind == TransferKind.INTERNAL and tr.state == TransferState.PENDING
    assert tr.letter_no == "NZ2026-00001"
    assert tr.issued_on == TODAY and tr.valid_days == 30 and tr.expires_on == TODAY + timedelta(days=30)
    assert tr.from_org == t.branch1 and tr.to_org == t.branch2
    t.member1.refresh_from_db()
    assert t.member1.org == t.branch1 and t.member1.group == t.group1
    assert transitions_recorded(tr) == [(None, "pending")]
    second = start(t, person=t.other1, to_org=t.branch3)
    assert second.letter_no == "NZ2026-00002"
    outgoing = start(t, person=t.leader1, external_org="外省某党委")
    assert outgoing.letter_no == "WZ2026-00001"


@freeze_time(TODAY)
def test_accept_moves_the_member_only_now_and_keeps_the_development_file(t):
    tr = start(t)
    before = Person.objects.get(pk=t.member1.pk)
    accepted = services.transition(t.users.branch2, tr, Action.ACCEPT, note="欢迎", expected_version=tr.version)
    assert accepted.state == TransferState.ACCEPTED and accepted.decided_by == t.users.branch2
    m = Person.objects.get(pk=t.member1.pk)
    assert m.org == t.branch2 and m.group is None and m.scope_path == t.branch2.path
    for f in ("applied_on", "activist_on", "candidate_on", "join_date", "full_date", "political_status"):
        assert getattr(m, f) == getattr(before, f), f
    assert m.applied_on == date(2008, 3, 1) and m.full_date == date(2011, 7, 1)
    assert transitions_recorded(tr) == [(None, "pending"), ("pending", "accepted")]
    # the person's move is in the trail too, and the chain is intact
    assert AuditEntry.objects.filter(model="people.person", object_id=str(m.pk), action="update",
                                     after__org_id=t.branch2.pk).exists()
    assert verify()[0]
    # now branch2 sees the member, branch1 no longer manages them
    with pytest.raises(Http404):
        services.start_transfer(t.users.branch1, m, to_org=t.branch3)


@freeze_time(TODAY)
def test_reject_needs_a_reason_naming_the_field(t):
    tr = start(t)
    with pytest.raises(DomainError) as e:
        services.transition(t.users.branch2, tr, Action.REJECT, note="  ")
    assert "note" in e.value.message_dict
    assert Transfer.objects.get(pk=tr.pk).state == TransferState.PENDING
    done = services.transition(t.users.branch2, tr, Action.REJECT, note="信息不符")
    assert done.state == TransferState.REJECTED and done.decision_note == "信息不符"
    assert Person.objects.get(pk=t.member1.pk).org == t.branch1
    # after a rejection a new transfer may start
    assert start(t, to_org=t.branch3).state == TransferState.PENDING


@freeze_time(TODAY)
def test_cancel_by_sender_only(t):
    tr = start(t)
    with pytest.raises(Http404):
        services.transition(t.users.branch2, tr, Action.CANCEL)
    done = services.transition(t.users.branch1, tr, Action.CANCEL)
    assert done.state == TransferState.CANCELLED
    assert Person.objects.get(pk=t.member1.pk).org == t.branch1


@freeze_time(TODAY)
@pytest.mark.parametrize("first,then", [
    (Action.ACCEPT, Action.ACCEPT), (Action.ACCEPT, Action.REJECT), (Action.ACCEPT, Action.CANCEL),
    (Action.REJECT, Action.ACCEPT), (Action.CANCEL, Action.ACCEPT), (Action.CANCEL, Action.CANCEL),
])
def test_closed_transfers_refuse_further_actions(t, first, then):
    tr = start(t)
    services.transition(t.users.committee, tr, first, note="x")
    state = Transfer.objects.get(pk=tr.pk).state
    with pytest.raises(DomainError):
        services.transition(t.users.committee, tr, then, note="x")
    assert Transfer.objects.get(pk=tr.pk).state == state


@freeze_time(TODAY)
def test_actions_of_another_kind_are_refused(t):
    tr = start(t)
    with pytest.raises(DomainError):
        services.transition(t.users.committee, tr, Action.RECEIPT)
    out = start(t, person=t.other1, external_org="外单位党委")
    for action in (Action.ACCEPT, Action.REJECT):  # nobody on the platform receives a letter to outside
        with pytest.raises((DomainError, Http404)):
            services.transition(t.users.admin, out, action, note="x")
    with pytest.raises(DomainError):
        services.transition(t.users.committee, tr, Action.START)
    assert Transfer.objects.get(pk=out.pk).state == TransferState.PENDING


# ------------------------------------------------------------------------------------------------ permissions


@freeze_time(TODAY)
def test_branch2_cannot_start_a_transfer_of_branch1s_member(t):
    with pytest.raises(Http404):
        services.start_transfer(t.users.branch2, t.member1, to_org=t.branch2)
    with pytest.raises(Http404):  # a group leader holds no transfer rights either
        services.start_transfer(t.users.group1, t.member1, to_org=t.branch2)
    assert not Transfer.objects.exists()


@freeze_time(TODAY)
def test_branch1_cannot_accept_a_transfer_addressed_to_branch2(t):
    tr = services.start_transfer(t.users.committee, t.member3, to_org=t.branch2)
    for action in (Action.ACCEPT, Action.REJECT, Action.CANCEL):
        with pytest.raises(Http404):
            services.transition(t.users.branch1, tr, action, note="x")
    # nor can the sender accept its own letter on the receiver's behalf
    own = start(t)
    with pytest.raises(Http404):
        services.transition(t.users.branch1, own, Action.ACCEPT)
    assert set(Transfer.objects.values_list("state", flat=True)) == {TransferState.PENDING}
    assert Person.objects.get(pk=t.member3.pk).org == t.branch3


@freeze_time(TODAY)
def test_both_sides_see_the_transfer_and_a_sibling_sees_nothing(t):
    tr = start(t, person=t.member1, to_org=t.branch3)
    assert services.visible_transfers(t.users.branch1).filter(pk=tr.pk).exists()
    assert services.visible_transfers(t.users.committee).filter(pk=tr.pk).exists()
    assert not services.visible_transfers(t.users.branch2).filter(pk=tr.pk).exists()
    assert not services.visible_transfers(t.users.member1).exists()
    assert services.available_actions(t.users.branch1, tr) == [Action.CANCEL]
    assert services.available_actions(t.users.committee, tr) == [Action.ACCEPT, Action.REJECT, Action.CANCEL]
    assert services.available_actions(t.users.branch2, tr) == []


# ------------------------------------------------------------------------------------------------ validation


@freeze_time(TODAY)
def test_start_refusals_name_the_field_and_write_nothing(t):
    masses = make_person(t.branch1, political_status="masses", name="群众甲")
    cases = [
        ({"to_org": t.branch1}, "to_org"),             # same organisation
        ({"to_org": t.group1}, "to_org"),              # members live in branches
        ({"to_org": t.general}, "to_org"),
        ({"to_org": None}, "to_org"),                  # neither target
        ({"to_org": t.branch2, "external_org": "外"}, "to_org"),  # both
        ({"to_org": t.branch2, "valid_days": 91}, "valid_days"),
        ({"to_org": t.branch2, "valid_days": 0}, "valid_days"),
        ({"to_org": t.branch2, "person": masses}, "person"),
        ({"external_org": "外单位", "person": masses}, "person"),
    ]
    for kw, field in cases:
        person = kw.pop("person", t.member1)
        with pytest.raises(DomainError) as e:
            services.start_transfer(t.users.branch1, person, **kw)
        assert field in e.value.message_dict, (kw, e.value.message_dict)
    assert not Transfer.objects.exists()


@freeze_time(TODAY)
def test_validity_is_capped_at_90_days_and_follows_the_parameters(t):
    with pytest.raises(DomainError) as e:
        start(t, valid_days=91)
    assert "90" in e.value.message_dict["valid_days"][0]
    tr = start(t, valid_days=90)
    assert tr.expires_on == TODAY + timedelta(days=90)
    services.transition(t.users.branch1, tr, Action.CANCEL)
    Parameter.objects.create(key="transfer.letter_max_days", value=60, effective_from=date(2026, 1, 1), source="x")
    Parameter.objects.create(key="transfer.letter_valid_days", value=20, effective_from=date(2026, 1, 1),
                             source="x")
    with pytest.raises(DomainError):
        start(t, valid_days=61)
    assert start(t).valid_days == 20


@freeze_time(TODAY)
def test_one_open_transfer_per_person_and_no_dissolved_target(t):
    start(t)
    with pytest.raises(DomainError) as e:
        start(t, to_org=t.branch3)
    assert "person" in e.value.message_dict
    empty = make_org("branch", parent=t.general, name="空支部")
    from dangjian.orgs.services import dissolve_org

    dissolve_org(None, empty)
    with pytest.raises(DomainError) as e:
        start(t, person=t.other1, to_org=empty)
    assert "to_org" in e.value.message_dict


@freeze_time(TODAY)
def test_stale_version_is_a_conflict_and_changes_nothing(t):
    tr = start(t)
    stale = tr.version
    services.transition(t.users.branch2, tr, Action.REJECT, note="第一次", expected_version=stale)
    with pytest.raises(ConflictError):
        services.transition(t.users.branch2, tr, Action.ACCEPT, expected_version=stale)
    assert Transfer.objects.get(pk=tr.pk).state == TransferState.REJECTED
    assert Person.objects.get(pk=t.member1.pk).org == t.branch1


@freeze_time(TODAY)
def test_flowing_member_must_return_before_a_transfer(t):
    services.start_flow(t.users.branch1, t.member1, left_on=TODAY, province="广东省")
    with pytest.raises(DomainError) as e:
        start(t)
    assert "person" in e.value.message_dict


# ------------------------------------------------------------------------------------------------ outgoing


@freeze_time(TODAY)
def test_outgoing_letter_member_stays_until_receipt_returns(t):
    tr = start(t, external_org="北京市某区委组织部", valid_days=60)
    m = Person.objects.get(pk=t.member1.pk)
    assert m.status == "normal" and m.org == t.branch1
    with pytest.raises(DomainError) as e:
        services.transition(t.users.branch1, tr, Action.RECEIPT, on=TODAY + timedelta(days=1))
    assert "receipt_on" in e.value.message_dict
    done = services.transition(t.users.branch1, tr, Action.RECEIPT, on=TODAY)
    assert done.state == TransferState.COMPLETED and done.receipt_on == TODAY
    m.refresh_from_db()
    assert m.status == "transferred_out" and m.join_date == date(2010, 7, 1)
    assert transitions_recorded(tr) == [(None, "pending"), ("pending", "completed")]


# ------------------------------------------------------------------------------------------------ incoming


def incoming(t, user=None, **kw):
    data = {"to_org": t.branch2, "letter_no": "京组转〔2026〕第0153号", "external_org": "北京市某区委组织部",
                "issued_on": TODAY - timedelta(days=5), "valid_days": 30,
                "person_data": {"name": "新来党员", "gender": "2", "id_number": id_number(9001),
                             "political_status": "full", "join_date": date(2015, 6, 1),
                             "full_date": date(2016, 6, 1), "applied_on": date(2013, 3, 1)}}
    data.update(kw)
    return services.receive_incoming(user or t.users.branch2, **data)


@freeze_time(TODAY)
def test_incoming_by_letter_number_places_the_member_at_once(t):
    tr = incoming(t)
    assert tr.kind == TransferKind.INCOMING and tr.state == TransferState.ACCEPTED
    p = tr.person
    assert p.org == t.branch2 and p.status == "normal" and p.political_status == "full"
    assert p.scope_path == t.branch2.path and p.applied_on == date(2013, 3, 1)
    assert p.id_number_masked.endswith(id_number(9001)[-4:])
    assert transitions_recorded(tr) == [(None, "accepted")]
    with pytest.raises(DomainError) as e:
        incoming(t, person_data={"name": "别人", "gender": "1", "political_status": "full",
                                 "join_date": date(2015, 6, 1), "full_date": date(2016, 6, 1)})
    assert "letter_no" in e.value.message_dict


@freeze_time(TODAY)
def test_incoming_refusals(t):
    with pytest.raises(Http404):  # branch1 cannot receive into branch2
        incoming(t, user=t.users.branch1)
    with pytest.raises(DomainError) as e:
        incoming(t, valid_days=120)
    assert "valid_days" in e.value.message_dict
    with pytest.raises(ValidationError) as e:  # person details are checked by the people rules
        incoming(t, person_data={"name": "", "gender": "1", "political_status": "full"})
    assert {"name", "join_date", "full_date"} <= set(e.value.message_dict)
    with pytest.raises(ValidationError) as e:
        incoming(t, person_data={"name": "群众", "gender": "1", "political_status": "masses"})
    assert "political_status" in e.value.message_dict
    # the ID number of a member on another branch's roll
    with pytest.raises(DomainError) as e:
        incoming(t, person_data={"name": "x", "gender": "1", "id_number": t.member1.get_id_number(),
                                 "political_status": "full", "join_date": date(2010, 7, 1),
                                 "full_date": date(2011, 7, 1)})
    assert "id_number" in e.value.message_dict
    assert not Transfer.objects.exists()


@freeze_time(TODAY)
def test_a_member_who_left_by_letter_comes_back_with_their_record(t):
    out = start(t, external_org="外省党委")
    services.transition(t.users.branch1, out, Action.RECEIPT)
    back = incoming(t, person_data={"name": t.member1.name, "gender": t.member1.gender,
                                    "id_number": t.member1.get_id_number(), "political_status": "full",
                                    "join_date": date(2010, 7, 1), "full_date": date(2011, 7, 1)})
    assert back.person_id == t.member1.pk
    m = Person.objects.get(pk=t.member1.pk)
    assert m.status == "normal" and m.org == t.branch2 and m.applied_on == date(2008, 3, 1)
    assert Person.objects.filter(name=t.member1.name).count() == 1


@freeze_time(TODAY)
def test_incoming_picks_an_existing_record_in_scope(t):
    masses = make_person(t.branch2, political_status="masses", name="曾为群众")
    tr = incoming(t, person=masses, person_data={"political_status": "probationary",
                                                 "join_date": date(2025, 12, 1)})
    assert tr.person_id == masses.pk
    masses.refresh_from_db()
    assert masses.political_status == "probationary" and masses.org == t.branch2
    outsider = make_person(t.branch1, political_status="masses")
    with pytest.raises(Http404):  # not in branch2's scope
        incoming(t, letter_no="X-2", person=outsider, person_data={"political_status": "probationary",
                                                                   "join_date": date(2025, 12, 1)})


# ------------------------------------------------------------------------------------------------ overdue


def test_overdue_letters_are_listed_and_flagged_once(t):
    with freeze_time(TODAY):
        late = start(t)
        fresh = start(t, person=t.other1, to_org=t.branch3, valid_days=60)
        done = start(t, person=t.leader1, to_org=t.branch3)
        services.transition(t.users.committee, done, Action.ACCEPT)
    with freeze_time(TODAY + timedelta(days=30)):  # the last valid day
        assert not services.overdue_transfers().exists()
    with freeze_time(TODAY + timedelta(days=31)):
        assert list(services.overdue_transfers()) == [late]
        assert list(services.overdue_transfers(t.users.branch2)) == [late]  # the receiver follows up too
        assert not services.overdue_transfers(t.users.group1).exists()
        assert rules.is_overdue(late.state, late.expires_on, date.today())
        assert tasks.mark_overdue.delay().get() == 1
        assert services.mark_overdue() == 0  # safe to run again
        notes = [e for e in services.history(late) if e.note == services.OVERDUE_NOTE]
        assert len(notes) == 1 and notes[0].after["overdue"] is True
        assert not [e for e in services.history(fresh) if e.note]
    assert verify()[0]


# ------------------------------------------------------------------------------------------------ properties


ACTORS = ("branch1", "branch2", "committee", "group1")
SIDES = {"branch1": {"from"}, "branch2": {"to"}, "committee": {"from", "to"}, "group1": set()}


@pytest.mark.django_db(transaction=False)
@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from([TransferKind.INTERNAL, TransferKind.OUTGOING]),
       steps=st.lists(st.tuples(st.sampled_from([Action.ACCEPT, Action.REJECT, Action.CANCEL, Action.RECEIPT]),
                                st.sampled_from(ACTORS)), max_size=6))
def test_random_action_sequences_follow_the_table(t, kind, steps):
    """Whatever is tried by whom: only TRANSITIONS happen, only on the actor's side, and the member's organisation
    changes exactly when an acceptance succeeds."""
    with transaction.atomic():
        target = {"to_org": t.branch2} if kind == TransferKind.INTERNAL else {"external_org": "外单位"}
        tr = services.start_transfer(t.users.branch1, t.member1, **target)
        state = tr.state
        accepted = False
        for action, who in steps:
            expected = rules.next_state(kind, state, action)
            side = rules.ACTION_SIDE[action]
            may = side in SIDES[who] and (side == "from" or kind == TransferKind.INTERNAL)
            try:
                tr = services.transition(getattr(t.users, who), tr, action, note="理由")
                ok = True
            except (DomainError, Http404):
                ok = False
            assert ok == (expected is not None and may), (state, action, who)
            if ok:
                state = expected
                accepted = accepted or action == Action.ACCEPT
            assert Transfer.objects.get(pk=tr.pk).state == state
            assert state in rules.STATES
            assert (Person.objects.get(pk=t.member1.pk).org_id == t.branch2.pk) == accepted
        assert len(transitions_recorded(tr)) == 1 + sum(1 for s in (state,) if s != TransferState.PENDING)
        transaction.set_rollback(True)
