"""State changes of HR post changes (与人员调配系统联网). Views, the API, the import command and the nightly task call
these; each owns its transaction, checks the caller's right through the scoping helper (outsiders get a 404),
validates (DomainError naming the field, nothing written) and records every transition in the audit trail.

Who sees what: a change whose person is known sits at the person's organisation (the sending organisation and
those above it see it with TRANSFERS_MANAGE); a change whose person is unknown sits at the committee owning the
HR system. The committee (HR_MANAGE) sees every change of its systems and resolves the unknown people and units.
People are matched only inside the committee's own subtree: an HR system cannot reach anybody else's members.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import has_perm, path_q, require, scope_for, scoped
from dangjian.audit import chain
from dangjian.core.context import acting_user
from dangjian.core.errors import DomainError, check_version
from dangjian.core.text import clean_text
from dangjian.orgs.models import Organization, OrgStatus, OrgType
from dangjian.people import crypto
from dangjian.people.codes import MemberStatus
from dangjian.people.models import Person

from . import rules
from .models import ChangeSource, ChangeState, HrSystem, PostChange, StaffLink, UnitMapping
from .rules import NEW, Action

HR_MANAGE, TRANSFERS = perms.HR_MANAGE, perms.TRANSFERS_MANAGE
COMMITTEE_TYPES = (OrgType.COMMITTEE, OrgType.HIGHER_COMMITTEE)
S = ChangeState


# ---- reading ---------------------------------------------------------------------------------------------------

def visibility_q(user):
    """Changes the user may see: at their organisations (TRANSFERS_MANAGE on the sending side) or of the HR
    systems of their committees (HR_MANAGE)."""
    scope = scope_for(user)
    if scope.superuser:
        return Q()
    return path_q(["scope_path"], scope.prefixes(TRANSFERS)) | path_q(["owner_path"], scope.prefixes(HR_MANAGE))


def visible_changes(user):
    return PostChange.objects.filter(visibility_q(user))


def get_change_or_404(user, pk):
    try:
        return visible_changes(user).select_related("person", "from_org", "to_org", "system", "transfer").get(pk=pk)
    except (PostChange.DoesNotExist, ValueError, TypeError):
        raise Http404


def history(change):
    """The change's transitions from the audit trail, oldest first."""
    return list(chain.AuditEntry.objects.filter(model="hr.postchange", object_id=str(change.pk),
                                                action=chain.AuditEntry.Action.TRANSITION).order_by("seq"))


def hr_committees(user):
    """The committees whose HR systems and unit mappings the user keeps."""
    return scoped(Organization.objects.filter(org_type__in=COMMITTEE_TYPES, status=OrgStatus.ACTIVE), user,
                  HR_MANAGE)


def can_resolve(user, change):
    return change.state in rules.UNRESOLVED and has_perm(user, HR_MANAGE, change.owner_path)


def can_start(user, change):
    return change.state == S.SUGGESTED and has_perm(user, TRANSFERS, change.scope_path)


def can_dismiss(user, change):
    return rules.allowed(change.state, Action.DISMISS, S.DISMISSED) and (
        has_perm(user, HR_MANAGE, change.owner_path) or has_perm(user, TRANSFERS, change.scope_path))


def todo_counts(user):
    """(suggested transfers waiting at the user's organisations, unresolved changes of the user's committees)."""
    scope = scope_for(user)
    suggested = unresolved = 0
    if scope.superuser or scope.prefixes(TRANSFERS):
        q = Q() if scope.superuser else path_q(["scope_path"], scope.prefixes(TRANSFERS))
        suggested = PostChange.objects.filter(q, state=S.SUGGESTED).count()
    if scope.superuser or scope.prefixes(HR_MANAGE):
        q = Q() if scope.superuser else path_q(["owner_path"], scope.prefixes(HR_MANAGE))
        unresolved = PostChange.objects.filter(q, state__in=rules.UNRESOLVED).count()
    return suggested, unresolved


# ---- HR systems and their keys ---------------------------------------------------------------------------------

def _key_hash(key):
    return hashlib.sha256(key.encode()).hexdigest()


def _committee(actor, org, field="org"):
    require(actor, HR_MANAGE, org.path)
    if org.org_type not in COMMITTEE_TYPES:
        raise DomainError(_("HR systems and unit mappings are kept by a Party committee."), field=field)
    if org.status != OrgStatus.ACTIVE:
        raise DomainError(_("That organisation has been dissolved."), field=field)


@transaction.atomic
def create_system(actor, org, name):
    """Register an HR system of a committee; returns (system, key). The key is shown once, stored as a hash."""
    _committee(actor, org)
    name = clean_text(name, "name", 100, required=True)
    for _attempt in range(5):
        key = secrets.token_urlsafe(30)
        if not HrSystem.objects.filter(key_prefix=key[:8]).exists():
            break
    system = HrSystem.objects.create(org=org, name=name, key_prefix=key[:8], key_hash=_key_hash(key))
    return system, key


@transaction.atomic
def set_system_active(actor, system, active):
    system = HrSystem.objects.select_for_update(of=("self",)).select_related("org").get(pk=system.pk)
    require(actor, HR_MANAGE, system.org.path)
    system.active = bool(active)
    system.save()
    return system


def system_for_key(key):
    key = (key or "").strip()
    if len(key) < 20:
        return None
    system = HrSystem.objects.select_related("org").filter(key_prefix=key[:8], active=True).first()
    if system is None or not secrets.compare_digest(system.key_hash, _key_hash(key)):
        return None
    return system


def touch(system, moment=None):
    """Note when the system last called (at most once a minute: a batch must not contend for its row)."""
    moment = moment or timezone.now()
    HrSystem.objects.filter(Q(last_used_at__isnull=True) | Q(last_used_at__lt=moment - timedelta(minutes=1)),
                            pk=system.pk).update(last_used_at=moment)


# ---- unit mappings ---------------------------------------------------------------------------------------------

def _check_target(org, field="org"):
    if org is None:
        raise DomainError(_("Choose the Party organisation that serves this unit."), field=field)
    if org.status != OrgStatus.ACTIVE:
        raise DomainError(_("That organisation has been dissolved."), field=field)
    if org.org_type != OrgType.BRANCH:
        raise DomainError(_("Members are kept on the roll of a Party branch; choose a branch."), field=field)


@transaction.atomic
def save_mapping(actor, owner, unit, org):
    """Map an HR unit to the branch serving it (or change the mapping), then match again every change of the
    committee still waiting for that unit. Returns (mapping, how many changes were matched again)."""
    _committee(actor, owner, field="owner")
    unit = rules.normalise_unit(clean_text(unit, "unit", 120, required=True))
    _check_target(org)
    mapping = UnitMapping.objects.select_for_update().filter(owner=owner, unit=unit).first()
    if mapping is None:
        mapping = UnitMapping.objects.create(owner=owner, unit=unit, org=org)
    elif mapping.org_id != org.pk:
        mapping.org = org
        mapping.save()
    waiting = PostChange.objects.select_for_update().filter(owner_path=owner.path, new_unit=unit,
                                                            state=S.UNRESOLVED_UNIT).order_by("pk")
    n = 0
    for change in waiting:
        _rematch(actor, change, note=_("Unit mapped to %(org)s.") % {"org": org.name})
        n += 1
    return mapping, n


@transaction.atomic
def delete_mapping(actor, mapping):
    mapping = UnitMapping.objects.select_related("owner").get(pk=mapping.pk)
    require(actor, HR_MANAGE, mapping.owner.path)
    mapping.delete()


# ---- receiving changes -----------------------------------------------------------------------------------------

@dataclass
class Received:
    change: PostChange
    created: bool

    @property
    def message(self):
        return state_message(self.change)


def state_message(change):
    """The sentence the HR system (and the pages) get for a change: what happened, naming the field at fault."""
    if change.state == S.UNRESOLVED_PERSON:
        if change.person_id:
            return _("The person is not on the roll of an organisation: the change is kept for the committee "
                     "to resolve.")
        if change.id_number_hash:
            return _("id_number: no person with this ID number was found in this committee's organisations; the "
                     "change is kept for the committee to resolve.")
        return _("staff_no: no person with this staff number is known; the change is kept for the committee to "
                 "resolve.")
    if change.state == S.UNRESOLVED_UNIT:
        return _("new_unit: “%(unit)s” is not mapped to a Party organisation; the change is kept for the "
                 "committee to map the unit.") % {"unit": change.new_unit}
    if change.state == S.SUGGESTED:
        return _("Matched: a transfer to %(org)s is suggested to the sending organisation.") % {
            "org": change.to_org.name if change.to_org_id else ""}
    if change.state == S.SAME_ORG:
        return _("Matched: the person is already in the organisation serving the new unit; nothing to do.")
    if change.state == S.STARTED:
        return _("The transfer has been started.")
    return _("Dismissed: %(note)s") % {"note": change.note}


def _record(actor, change, before, note=""):
    chain.record(
        chain.AuditEntry.Action.TRANSITION, "hr.postchange", change.pk, object_repr=str(change)[:200],
        org_path=change.scope_path, before={"state": before or None},
        after={"state": change.state, "person": change.person_id, "from_org": change.from_org_id,
               "to_org": change.to_org_id, "transfer": change.transfer_id},
        note=note, actor=acting_user(actor))


def _find_person(system, data_hash, staff_no):
    """The person the HR system means, inside the committee's subtree only; None when unknown."""
    under = system.org.path
    if data_hash:
        return Person.objects.filter(id_number_hash=data_hash, scope_path__startswith=under).first()
    link = StaffLink.objects.filter(system=system, staff_no=staff_no,
                                    person__scope_path__startswith=under).select_related("person").first()
    return link.person if link else None


def _learn_staff_no(system, staff_no, person):
    """Remember that the staff number is this person's (a number already linked to someone else is kept)."""
    if staff_no and person is not None and not StaffLink.objects.filter(system=system, staff_no=staff_no).exists():
        StaffLink.objects.create(system=system, staff_no=staff_no, person=person)


def _match(change, person=None):
    """Fill in person, organisations, state and scope of `change` (not saved)."""
    system = change.system
    if person is None:
        person = _find_person(system, change.id_number_hash, change.staff_no)
    on_roll = person is not None and person.status == MemberStatus.NORMAL and person.org_id is not None
    mapping = UnitMapping.objects.filter(owner_id=system.org_id, unit=change.new_unit).first()
    change.person = person
    change.from_org_id = person.org_id if on_roll else None
    change.to_org_id = mapping.org_id if mapping else None
    change.state = rules.match_state(person is not None, change.from_org_id, change.to_org_id)
    if on_roll:
        change.scope_path = Organization.objects.values_list("path", flat=True).get(pk=person.org_id)
    else:
        change.scope_path = system.org.path
    change.owner_path = system.org.path
    return change


def _transition(actor, change, action, to_state, before):
    if not rules.allowed(before, action, to_state):
        raise DomainError(_("This change is “%(state)s”: that is not possible now.") % {
            "state": ChangeState(before).label if before else "-"})


def _supersede(actor, change):
    """A later change of the same person makes the earlier open ones of the same system moot."""
    if change.person_id is None:
        return
    older = (PostChange.objects.select_for_update().filter(system_id=change.system_id, person_id=change.person_id,
                                                           state__in=rules.OPEN_STATES, effective__lte=change.effective)
             .exclude(pk=change.pk).order_by("pk"))
    for old in older:
        before = old.state
        old.state = S.DISMISSED
        old.note = _("Superseded by a later change of the same person.")[:300]
        old.resolved_at = timezone.now()
        old.version += 1
        old.save()
        _record(actor, old, before, old.note)


def _rematch(actor, change, person=None, note=""):
    before = change.state
    _match(change, person=person)
    _transition(actor, change, Action.RESOLVE, change.state, before)
    change.resolved_by = acting_user(actor)
    change.resolved_at = timezone.now() if change.state not in rules.UNRESOLVED else None
    change.version += 1
    change.save()
    _record(actor, change, before, note)
    _supersede(actor, change)
    return change


def identifier_of(data):
    """The person identifier in the idempotency key: the ID number's keyed blind index, else the staff number."""
    return ("id:" + crypto.blind_index(data.id_number)) if data.id_number else ("staff:" + data.staff_no)


def parse_batch(payload):
    """[ChangeInput] from one object or a list of them, or a ValidationError naming every field at fault
    (in a list, as "<index>.<field>"). Nothing is stored when anything is malformed."""
    items = payload if isinstance(payload, list) else [payload]
    if not items:
        raise DomainError(_("Send at least one change."))
    if len(items) > 1000:
        raise DomainError(_("Send at most 1000 changes at a time."))
    parsed, errors = [], {}
    for i, item in enumerate(items):
        data, item_errors = rules.parse_change(item)
        for field, messages in item_errors.items():
            errors[field if not isinstance(payload, list) else f"{i}.{field}"] = messages
        parsed.append(data)
    if errors:
        raise ValidationError({k: [str(m) for m in v] for k, v in errors.items()})
    return parsed


def _receive_one(system, data, source):
    key = rules.change_key(system.pk, identifier_of(data), data.new_unit, data.effective)
    existing = PostChange.objects.filter(key=key).select_related("to_org").first()
    if existing is not None:
        return Received(existing, False)
    change = PostChange(system=system, key=key, source=source, new_unit=data.new_unit, effective=data.effective,
                        staff_no=data.staff_no, id_number_hash=crypto.blind_index(data.id_number) or "",
                        id_number_masked=crypto.mask_id_number(data.id_number))
    _match(change)
    try:
        with transaction.atomic():
            change.save(force_insert=True)
    except IntegrityError:  # the same change posted at the same moment: the other one won
        return Received(PostChange.objects.select_related("to_org").get(key=key), False)
    _record(None, change, NEW)
    if data.id_number and change.person is not None:
        _learn_staff_no(system, data.staff_no, change.person)
    _supersede(None, change)
    return Received(change, True)


@transaction.atomic
def receive(system, payload, source=ChangeSource.API):
    """An HR system reports one change or a list of them. Malformed input: a ValidationError naming the fields,
    nothing stored. Otherwise every change is kept (一个不丢): matched, or listed for the committee to resolve.
    Posting the same change again returns the stored one (created False) and changes nothing."""
    checked = isinstance(payload, list | tuple) and payload and all(isinstance(i, rules.ChangeInput) for i in payload)
    items = payload if checked else parse_batch(payload)
    results = [_receive_one(system, data, source) for data in items]
    touch(system)
    return results


# ---- acting on a change ----------------------------------------------------------------------------------------

def _locked(change):
    return (PostChange.objects.select_for_update(of=("self",)).select_related("system__org", "person", "to_org")
            .get(pk=change.pk))


@transaction.atomic
def resolve_person(actor, change, person, expected_version=None):
    """The committee says who the HR system meant: the change is matched again (and a staff number learned)."""
    change = _locked(change)
    require(actor, HR_MANAGE, change.owner_path)
    check_version(change, expected_version)
    if change.state != S.UNRESOLVED_PERSON:
        raise DomainError(_("This change does not wait for a person."), field="person")
    if person is None:
        raise DomainError(_("Choose the person."), field="person")
    person = Person.objects.filter(pk=person.pk, scope_path__startswith=change.owner_path).first()
    if person is None:
        raise DomainError(_("Choose a person of this committee's organisations."), field="person")
    _learn_staff_no(change.system, change.staff_no, person)
    return _rematch(actor, change, person=person, note=_("Person chosen: %(name)s.") % {"name": person.name})


def map_unit(actor, change, org, expected_version=None):
    """Map the change's unit (for every later change too) and match again."""
    change = PostChange.objects.select_related("system__org").get(pk=change.pk)
    require(actor, HR_MANAGE, change.owner_path)
    check_version(change, expected_version)
    if change.state != S.UNRESOLVED_UNIT:
        raise DomainError(_("This change does not wait for a unit mapping."), field="org")
    save_mapping(actor, change.system.org, change.new_unit, org)
    return PostChange.objects.get(pk=change.pk)


@transaction.atomic
def start_transfer(actor, change, expected_version=None, issued_on=None):
    """One click: the sending organisation starts the transfer already built from the change (from the person's
    organisation to the one serving the new unit), through the transfers workflow and its rules."""
    from dangjian.transfers import services as transfer_services

    change = _locked(change)
    require(actor, TRANSFERS, change.scope_path)
    check_version(change, expected_version)
    if change.state != S.SUGGESTED:
        raise DomainError(_("This change has no transfer waiting to be started."))
    person = change.person
    if person.org_id != change.from_org_id:
        raise DomainError(_("The member's organisation changed since the HR system reported the change: dismiss "
                            "it and start the transfer by hand if still needed."), field="person")
    reason = _("Post change reported by %(system)s: %(unit)s from %(date)s") % {
        "system": change.system.name, "unit": change.new_unit, "date": change.effective.isoformat()}
    transfer = transfer_services.start_transfer(actor, person, to_org=change.to_org, reason=reason[:300],
                                                issued_on=issued_on)
    before = change.state
    change.state = S.STARTED
    change.transfer = transfer
    change.resolved_by = acting_user(actor)
    change.resolved_at = timezone.now()
    change.version += 1
    change.save()
    _record(actor, change, before, transfer.letter_no)
    return change


@transaction.atomic
def dismiss(actor, change, reason, expected_version=None):
    change = _locked(change)
    if actor is not None and not (has_perm(actor, HR_MANAGE, change.owner_path)
                                  or has_perm(actor, TRANSFERS, change.scope_path)):
        raise Http404
    check_version(change, expected_version)
    reason = clean_text(reason, "reason", 300, required=True)
    if not rules.allowed(change.state, Action.DISMISS, S.DISMISSED):
        raise DomainError(_("This change is “%(state)s”: it cannot be dismissed.") % {
            "state": change.get_state_display()}, field="reason")
    before = change.state
    change.state = S.DISMISSED
    change.note = reason
    change.resolved_by = acting_user(actor)
    change.resolved_at = timezone.now()
    change.version += 1
    change.save()
    _record(actor, change, before, reason)
    return change
