"""Membership transfers (组织关系转接) and flowing members (流动党员): every state change goes through here.

The state machine is rules.TRANSITIONS (one table). Three entry points change a transfer:
  - start_transfer()   the sending organisation issues a letter (internal or to outside the platform)
  - receive_incoming() the receiving organisation records a paper letter from outside the platform
  - transition()       accept / reject / cancel / receipt of an existing transfer
Each owns its transaction, checks the actor's post (TRANSFERS_MANAGE on the side that acts; outsiders get a
404), validates (DomainError naming the field, nothing written), detects stale pages through `version`
(ConflictError) and appends a TRANSITION entry with the before/after state to the audit trail, in the same
transaction as the change.

When does a member leave the sender? domain.md §5 (教育管理条例 第二十五条): "the original organisation stays
responsible until the member is received". So the member's organisation changes only when the receiving
organisation accepts (internal), and a member sent outside the platform stays on the sender's roll while the
letter is out; only the returned receipt (回执) takes them off the roll (status transferred_out). A letter
that expires before that is listed as overdue (口袋党员) for follow-up, with the member still on the roll.

The member's development file and cultivation time (applied_on, activist_on, candidate_on, join_date,
full_date) are columns of the Person row, which travels with the member: no transfer touches them.
"""

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Length
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import has_perm, scope_for, scoped
from dangjian.audit import chain
from dangjian.core import params
from dangjian.core.context import acting_user
from dangjian.core.errors import DomainError, check_version
from dangjian.orgs.models import Organization, OrgStatus, OrgType
from dangjian.people.codes import MemberStatus, PoliticalStatus
from dangjian.people.models import Person

from . import rules
from .models import FlowRecord, Transfer, TransferKind, TransferState
from .rules import ACTION_SIDE, NEW, RECEIVER, SENDER, TRANSITIONS, Action  # noqa: F401 (re-exported)

MANAGE = perms.TRANSFERS_MANAGE
OVERDUE_NOTE = "overdue: letter past its validity, follow up (口袋党员)"
TRANSFERABLE_STATUSES = (PoliticalStatus.APPLICANT, PoliticalStatus.ACTIVIST, PoliticalStatus.CANDIDATE,
                         PoliticalStatus.PROBATIONARY, PoliticalStatus.FULL)
LETTER_MEMBER_STATUSES = (PoliticalStatus.PROBATIONARY, PoliticalStatus.FULL)


# ----------------------------------------------------------------------------------------------------------
# Reading


def visible_transfers(user):
    """Transfers the user may see: those whose sending or receiving organisation is in their subtrees."""
    return scoped(Transfer.objects.all(), user, MANAGE)


def side_q(user, side):
    """Transfers whose sending (SENDER) or receiving (RECEIVER) organisation is in the user's subtrees."""
    field = "from_org" if side == SENDER else "to_org"
    scope = scope_for(user)
    if scope.superuser:
        return Q(**{f"{field}__isnull": False})
    q = Q(pk__in=[])
    for prefix in scope.prefixes(MANAGE):
        q |= Q(**{f"{field}__path__startswith": prefix})
    return q


def overdue_q(today=None):
    return Q(state=TransferState.PENDING, expires_on__lt=today or timezone.localdate())


def overdue_transfers(user=None, today=None):
    """Pending letters past their validity (口袋党员 risk), oldest first; scoped when `user` is given."""
    qs = Transfer.objects.filter(overdue_q(today))
    if user is not None:
        qs = scoped(qs, user, MANAGE)
    return qs.order_by("expires_on", "id")


def can_act(user, transfer, side):
    org = transfer.from_org if side == SENDER else transfer.to_org
    return org is not None and has_perm(user, MANAGE, org)


def available_actions(user, transfer):
    """The actions `user` may take on `transfer` now: allowed by TRANSITIONS and on the user's side."""
    return [a for a in rules.actions_from(transfer.kind, transfer.state) if can_act(user, transfer, ACTION_SIDE[a])]


def history(transfer):
    """The transfer's state changes and follow-up notes from the audit trail, oldest first."""
    return list(chain.AuditEntry.objects.filter(model="transfers.transfer", object_id=str(transfer.pk))
                .filter(Q(action=chain.AuditEntry.Action.TRANSITION) | Q(note=OVERDUE_NOTE)).order_by("seq"))


# ----------------------------------------------------------------------------------------------------------
# Helpers


def _require(actor, path):
    """Outsiders learn nothing: a missing permission is a 404 for the caller."""
    if actor is not None and (not path or not has_perm(actor, MANAGE, path)):
        raise Http404


def _record(actor, transfer, before_state, note=""):
    chain.record(
        chain.AuditEntry.Action.TRANSITION, "transfers.transfer", transfer.pk, object_repr=str(transfer),
        org_path=transfer.audit_org_path(), before={"state": before_state or None},
        after={"state": transfer.state, "kind": transfer.kind, "person": transfer.person_id,
               "from_org": transfer.from_org_id, "to_org": transfer.to_org_id, "letter_no": transfer.letter_no},
        note=note, actor=acting_user(actor),
    )



def _validity(issued_on, valid_days):
    issued_on = issued_on or timezone.localdate()
    try:
        return rules.validity(issued_on, valid_days, params.get("transfer.letter_valid_days", issued_on),
                              params.get("transfer.letter_max_days", issued_on))
    except ValueError as e:
        field, message = e.args
        raise DomainError(message, field=field)


def _text(value, field, max_length, required_message=None):
    value = (value or "").strip()
    if required_message and not value:
        raise DomainError(required_message, field=field)
    if len(value) > max_length:
        raise DomainError(_("At most %(n)s characters.") % {"n": max_length}, field=field)
    return value


def _next_letter_no(kind, year):
    prefix = rules.letter_prefix(kind, year)
    last = (Transfer.objects.filter(kind=kind, letter_no__startswith=prefix)
            .order_by(Length("letter_no").desc(), "-letter_no").values_list("letter_no", flat=True).first())
    seq = (rules.parse_letter_seq(last, kind, year) or 0) if last else 0
    return rules.format_letter_no(kind, year, seq + 1)


def _insert_with_letter_no(transfer):
    """Insert with the next free letter number; a concurrent insert taking it makes us retry."""
    for attempt in range(10):
        transfer.letter_no = _next_letter_no(transfer.kind, transfer.issued_on.year)
        try:
            with transaction.atomic():
                transfer.save(force_insert=True)
            return transfer
        except IntegrityError:
            transfer.pk = None
            if attempt == 9:
                raise


def open_transfer(person):
    return Transfer.objects.filter(person=person, state__in=rules.OPEN_STATES).first()


def _check_movable(person):
    if person.political_status not in TRANSFERABLE_STATUSES:
        raise DomainError(_("Only members and people on the way to membership have an organisation relationship "
                            "to transfer."), field="person")
    if person.status == MemberStatus.FLOWING:
        raise DomainError(_("This member is recorded as flowing: end the flowing record first."), field="person")
    if person.status != MemberStatus.NORMAL or person.org_id is None:
        raise DomainError(_("This person is not on the roll of an organisation."), field="person")
    existing = open_transfer(person)
    if existing is not None:
        raise DomainError(_("A transfer of this person is already under way (letter %(no)s).")
                          % {"no": existing.letter_no}, field="person")


def _check_receiving_org(org, field="to_org"):
    if org.status != OrgStatus.ACTIVE:
        raise DomainError(_("That organisation has been dissolved."), field=field)
    if org.org_type != OrgType.BRANCH:
        raise DomainError(_("Members are kept on the roll of a Party branch; choose a branch."), field=field)


# ----------------------------------------------------------------------------------------------------------
# Transfers


@transaction.atomic
def start_transfer(actor, person, *, to_org=None, external_org="", reason="", issued_on=None, valid_days=None,
                   expected_version=None):
    """The sending organisation issues a letter: to `to_org` on the platform (internal) or to `external_org`
    outside it (outgoing). The member stays where they are until the other side accepts (or the receipt
    returns)."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    _require(actor, person.scope_path)
    check_version(person, expected_version)
    external_org = (external_org or "").strip()
    if to_org is not None and external_org:
        raise DomainError(_("Choose an organisation on the platform or name one outside it, not both."),
                          field="to_org")
    if to_org is None and not external_org:
        raise DomainError(_("Choose the receiving organisation or name the organisation outside the platform."),
                          field="to_org")
    kind = TransferKind.INTERNAL if to_org is not None else TransferKind.OUTGOING
    _check_movable(person)
    from_org = Organization.objects.get(pk=person.org_id)
    if kind == TransferKind.INTERNAL:
        to_org = Organization.objects.get(pk=to_org.pk)
        if to_org.pk == from_org.pk:
            raise DomainError(_("The member already belongs to this organisation."), field="to_org")
        _check_receiving_org(to_org)
    else:
        if person.political_status not in LETTER_MEMBER_STATUSES:
            raise DomainError(_("Only Party members are transferred outside the platform by letter."),
                              field="person")
        external_org = _text(external_org, "external_org", 200)
    reason = _text(reason, "reason", 300)
    v = _validity(issued_on, valid_days)
    to_state = rules.next_state(kind, NEW, Action.START)
    transfer = Transfer(kind=kind, state=to_state, person=person, from_org=from_org, to_org=to_org,
                        external_org=external_org if kind == TransferKind.OUTGOING else "", reason=reason,
                        issued_on=v.issued_on, valid_days=v.valid_days, expires_on=v.expires_on,
                        created_by=acting_user(actor))
    _insert_with_letter_no(transfer)
    _record(actor, transfer, NEW)
    return transfer


@transaction.atomic
def transition(actor, transfer, action, *, note="", expected_version=None, on=None):
    """Take `action` on an existing transfer if TRANSITIONS allows it from its current state and the actor
    holds TRANSFERS_MANAGE on the acting side (sender: cancel, receipt; receiver: accept, reject).

    `note` is the reason (required to reject); `on` the date the receipt came back (receipt only)."""
    current = (Transfer.objects.select_for_update(of=("self",)).select_related("from_org", "to_org")
               .get(pk=transfer.pk))
    side = ACTION_SIDE.get(action)
    if side is None or action in (Action.START, Action.RECEIVE):
        raise DomainError(_("Unknown action."))
    org = current.from_org if side == SENDER else current.to_org
    _require(actor, org.path if org else "")
    check_version(current, expected_version)
    to_state = rules.next_state(current.kind, current.state, action)
    if to_state is None:
        raise DomainError(_("This transfer is “%(state)s”: “%(action)s” is not possible.") % {
            "state": current.get_state_display(), "action": rules.ACTION_LABELS[action]})
    note = _text(note, "note", 300,
                 _("Give the reason for rejecting the transfer.") if action in rules.NOTE_REQUIRED else None)
    today = timezone.localdate()
    if action == Action.ACCEPT:
        _move_member(current)
    elif action == Action.RECEIPT:
        on = on or today
        if on > today:
            raise DomainError(_("This date is in the future."), field="receipt_on")
        if on < current.issued_on:
            raise DomainError(_("The receipt cannot come back before the letter was issued."), field="receipt_on")
        current.receipt_on = on
        _leave_roll(current)
    before = current.state
    current.state = to_state
    current.decided_at = timezone.now()
    current.decided_by = acting_user(actor)
    current.decision_note = note
    current.version += 1
    current.save()
    _record(actor, current, before, note)
    return current


def _move_member(transfer):
    """Acceptance: the member's organisation changes now, and only now (group cleared, scope path moved)."""
    person = Person.objects.select_for_update().get(pk=transfer.person_id)
    if person.org_id != transfer.from_org_id or person.status != MemberStatus.NORMAL:
        raise DomainError(_("The member's record changed since the letter was issued: ask the sender to withdraw "
                            "it and start again."))
    to_org = Organization.objects.select_for_update().get(pk=transfer.to_org_id)
    _check_receiving_org(to_org)
    person.org = to_org
    person.group = None
    person.scope_path = to_org.path
    person.version += 1
    person.save()


def _leave_roll(transfer):
    """The receipt of a letter to outside came back: the member leaves the platform's roll (the record and
    its organisation stay, for history and for a later return by letter)."""
    person = Person.objects.select_for_update().get(pk=transfer.person_id)
    person.status = MemberStatus.TRANSFERRED_OUT
    person.version += 1
    person.save()


PERSON_DATA_FIELDS = ("name", "gender", "ethnicity", "birth_date", "id_number", "phone", "education",
                      "work_post", "address", "political_status", "applied_on", "activist_on", "candidate_on",
                      "join_date", "full_date")


@transaction.atomic
def receive_incoming(actor, *, to_org, letter_no, external_org, issued_on, valid_days=None, reason="",
                     person=None, person_data=None, received_on=None):
    """A member arrives from outside the platform with a paper letter: the receiving organisation enters the
    letter number and the member's details (or picks an existing record: someone who once transferred out,
    or a person kept as 群众 in the branch) and the member is on its roll at once.

    An ID number already on the platform reuses that record (its history and dates travel with it) unless the
    person is on another organisation's roll, in which case that organisation must start a transfer."""
    from dangjian.people import services as people_services

    _require(actor, to_org.path)
    to_org = Organization.objects.select_for_update().get(pk=to_org.pk)
    _check_receiving_org(to_org)
    letter_no = _text(letter_no, "letter_no", 40, _("Enter the number printed on the letter."))
    if Transfer.objects.filter(kind=TransferKind.INCOMING, letter_no=letter_no).exists():
        raise DomainError(_("A letter with this number has already been received."), field="letter_no")
    external_org = _text(external_org, "external_org", 200, _("Name the organisation that issued the letter."))
    reason = _text(reason, "reason", 300)
    v = _validity(issued_on, valid_days)
    today = timezone.localdate()
    received_on = received_on or today
    if received_on > today:
        raise DomainError(_("This date is in the future."), field="received_on")
    if received_on < v.issued_on:
        raise DomainError(_("The letter cannot arrive before it was issued."), field="received_on")

    data = {k: v_ for k, v_ in (person_data or {}).items() if k in PERSON_DATA_FIELDS}
    data.update(org=to_org, group=None, status=MemberStatus.NORMAL, flow_destination="")
    existing = None
    if person is not None:
        existing = get_scoped_or_none(Person.objects.all(), actor, pk=person.pk)
        if existing is None:
            raise Http404
    elif data.get("id_number"):
        from dangjian.people import crypto

        existing = Person.objects.filter(
            id_number_hash=crypto.blind_index(str(data["id_number"]).strip().upper())).first()
        if existing is not None:
            data.pop("id_number")  # the same number: nothing to change, and no clash with itself
    if existing is not None:
        existing = Person.objects.select_for_update().get(pk=existing.pk)
        field = "person" if person is not None else "id_number"
        if existing.status in (MemberStatus.LEFT, MemberStatus.DECEASED):
            raise DomainError(_("This person's record is closed (%(status)s): a transfer cannot reopen it.")
                              % {"status": existing.get_status_display()}, field=field)
        if existing.status not in (MemberStatus.NORMAL, MemberStatus.TRANSFERRED_OUT) or (
                existing.status == MemberStatus.NORMAL and existing.political_status in LETTER_MEMBER_STATUSES) or (
                # a record kept by another organisation (its applicant, 群众 …) is not the receiver's to take
                existing.status == MemberStatus.NORMAL and existing.scope_path and actor is not None
                and not has_perm(actor, MANAGE, existing.scope_path)):
            raise DomainError(_("This person is already on the roll of an organisation on the platform: that "
                                "organisation starts the transfer."), field=field)
        if open_transfer(existing) is not None:
            raise DomainError(_("A transfer of this person is already under way."), field="person")
    cleaned, errors = people_services.clean_person(data, instance=existing)
    if cleaned.get("political_status") not in LETTER_MEMBER_STATUSES:
        errors.setdefault("political_status", []).append(
            _("A letter transfers a Party member: choose full or probationary member."))
    if errors:
        from django.core.exceptions import ValidationError

        raise ValidationError(errors)
    if existing is None:
        member = Person()
    else:
        member = existing
        member.version += 1
    people_services.apply_cleaned(member, cleaned)
    member.save()

    transfer = Transfer(kind=TransferKind.INCOMING, state=rules.next_state(TransferKind.INCOMING, NEW,
                                                                         Action.RECEIVE),
                        person=member, from_org=None, to_org=to_org, external_org=external_org,
                        letter_no=letter_no, reason=reason, issued_on=v.issued_on, valid_days=v.valid_days,
                        expires_on=v.expires_on, receipt_on=received_on, decided_at=timezone.now(),
                        decided_by=acting_user(actor), created_by=acting_user(actor))
    transfer.save(force_insert=True)
    _record(actor, transfer, NEW)
    return transfer


def get_scoped_or_none(queryset, actor, **lookup):
    if actor is not None:
        queryset = scoped(queryset, actor, MANAGE)
    return queryset.filter(**lookup).first()


# ----------------------------------------------------------------------------------------------------------
# Overdue letters (口袋党员)


def mark_overdue(today=None):
    """Flag every pending letter past its validity once in the audit trail (a follow-up note on the transfer,
    listed on its page); safe to run again: already flagged letters are skipped. Returns how many were new."""
    ids = list(overdue_transfers(today=today).values_list("pk", flat=True))
    if not ids:
        return 0
    flagged = set(chain.AuditEntry.objects.filter(model="transfers.transfer", note=OVERDUE_NOTE,
                                                  object_id__in=[str(i) for i in ids])
                  .values_list("object_id", flat=True))
    todo = [i for i in ids if str(i) not in flagged]
    if not todo:
        return 0
    entries = []
    for t in Transfer.objects.filter(pk__in=todo).select_related("from_org", "to_org").order_by("pk"):
        entries.append(chain.build(
            chain.AuditEntry.Action.UPDATE, "transfers.transfer", t.pk, object_repr=str(t),
            org_path=t.audit_org_path(), before={"overdue": False},
            after={"overdue": True, "expires_on": t.expires_on}, note=OVERDUE_NOTE))
    chain.append(entries)
    return len(entries)


# ----------------------------------------------------------------------------------------------------------
# Flowing members (流动党员)


@transaction.atomic
def start_flow(actor, person, *, left_on, province, city="", county="", place="", reason="", contact="",
               certificate_no="", expected_version=None):
    """A member goes away without transferring: status flowing, with where they are (外出流向)."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    _require(actor, person.scope_path)
    check_version(person, expected_version)
    if person.political_status not in LETTER_MEMBER_STATUSES:
        raise DomainError(_("Only Party members are recorded as flowing members."), field="person")
    if person.status != MemberStatus.NORMAL or person.org_id is None:
        if person.status == MemberStatus.FLOWING:
            raise DomainError(_("This member is already recorded as flowing."), field="person")
        raise DomainError(_("This person is not on the roll of an organisation."), field="person")
    if open_transfer(person) is not None:
        raise DomainError(_("A transfer of this person is already under way."), field="person")
    if left_on is None:
        raise DomainError(_("Enter the date the member left."), field="left_on")
    if left_on > timezone.localdate():
        raise DomainError(_("This date is in the future."), field="left_on")
    flow = FlowRecord(
        person=person, org_id=person.org_id, left_on=left_on,
        province=_text(province, "province", 30, _("Enter at least the province the member went to.")),
        city=_text(city, "city", 30), county=_text(county, "county", 30), place=_text(place, "place", 200),
        reason=_text(reason, "reason", 200), contact=_text(contact, "contact", 100),
        certificate_no=_text(certificate_no, "certificate_no", 40),
    )
    flow.save()
    person.status = MemberStatus.FLOWING
    person.flow_destination = flow.destination[:200]
    person.version += 1
    person.save()
    return flow


@transaction.atomic
def end_flow(actor, flow, *, returned_on=None):
    """The flowing member is back (or the record is closed): status normal again, destination cleared."""
    flow = FlowRecord.objects.select_for_update(of=("self",)).select_related("org").get(pk=flow.pk)
    _require(actor, flow.org.path)
    if flow.returned_on is not None:
        raise DomainError(_("This flowing record was already closed on %(date)s.") % {"date": flow.returned_on})
    returned_on = returned_on or timezone.localdate()
    if returned_on > timezone.localdate():
        raise DomainError(_("This date is in the future."), field="returned_on")
    if returned_on < flow.left_on:
        raise DomainError(_("The member cannot return before leaving."), field="returned_on")
    flow.returned_on = returned_on
    flow.save()
    person = Person.objects.select_for_update().get(pk=flow.person_id)
    if person.status == MemberStatus.FLOWING:
        person.status = MemberStatus.NORMAL
        person.flow_destination = ""
        person.version += 1
        person.save()
    return flow


def visible_flows(user):
    return scoped(FlowRecord.objects.all(), user, MANAGE)
