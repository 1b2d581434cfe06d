"""Heart-to-heart talks: recording (and correcting) a talk, reading the talks a user may see, and the members no
one has talked with this year. Each state change owns its transaction, checks the caller's right through the
scoping helper (outsiders get 404), validates (DomainError names the field) and is audited on save.

Who may record: a post with meetings:manage over the organisation the talk is recorded under (the talk's people
visible to them under people:read, or themselves); or a member, for a talk they took part in, under their own
organisation (branch or group), with someone on the roll there."""

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import has_perm, scope_for, scoped
from dangjian.core.context import acting_user
from dangjian.core.errors import DomainError
from dangjian.core.text import clean_text
from dangjian.orgs.models import Organization, OrgStatus
from dangjian.people.codes import MEMBER_STATUSES, ON_ROLL
from dangjian.people.models import Person

from .models import Talk, TalkKind

MANAGE, READ = perms.MEETINGS_MANAGE, perms.MEETINGS_READ


def _person_id(actor):
    return getattr(actor, "person_id", None)


def _date(value, name):
    if isinstance(value, str):
        try:
            value = parse_date(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, date):
        raise DomainError(_("Enter a valid date."), field=name)
    return value.date() if hasattr(value, "date") else value


# ---- reading -------------------------------------------------------------------------------------------------

def _took_part_q(user):
    pid = _person_id(user)
    return (Q(initiator_id=pid) | Q(counterpart_id=pid)) if pid else None


def visible_talks(user, include_corrected=False):
    """The talks of the user's subtrees (meetings:read) and the talks they took part in. Corrected talks are left
    out unless `include_corrected` (a detail page still shows what was corrected)."""
    manager = Talk.objects if include_corrected else Talk.current
    return scoped(manager.all(), user, READ, extra=_took_part_q(user))


def get_talk_or_404(user, pk):
    try:
        return (visible_talks(user, include_corrected=True)
                .select_related("org", "initiator", "counterpart", "created_by", "corrects").get(pk=pk))
    except (Talk.DoesNotExist, ValueError, TypeError):
        raise Http404


def took_part(user, talk):
    pid = _person_id(user)
    return bool(pid) and pid in (talk.initiator_id, talk.counterpart_id)


def member_orgs(user):
    """The active organisations where the user, as a plain member, may record their own talks: their own
    organisation and Party group."""
    paths = scope_for(user).own_paths
    if not paths:
        return Organization.objects.none()
    return Organization.objects.filter(path__in=paths, status=OrgStatus.ACTIVE)


def can_record(user, org):
    """Whether `user` may record talks under `org` at all: "manage" (any two people they can see), "own" (only
    talks they took part in) or None."""
    if has_perm(user, MANAGE, org):
        return "manage"
    if _person_id(user) and org.path in scope_for(user).own_paths:
        return "own"
    return None


def may_correct(user, talk):
    """A manager of the organisation corrects any of its talks; a participant corrects a talk they took part in
    under their own organisation (as they may record it there)."""
    if user is None or has_perm(user, MANAGE, talk.org_path):
        return True
    return took_part(user, talk) and talk.org_path in scope_for(user).own_paths


def can_correct(user, talk):
    return may_correct(user, talk) and not talk.corrections.exists()


def roll_people(org):
    """On-roll Party members of the organisation's subtree (the people a talk there is usually with)."""
    return Person.objects.filter(scope_path__startswith=org.path, status__in=ON_ROLL,
                                 political_status__in=MEMBER_STATUSES)


def _year_range(year):
    return {"talked_on__gte": date(year, 1, 1), "talked_on__lt": date(year + 1, 1, 1)}


def not_talked_with(org, year):
    """The on-roll Party members of `org`'s subtree who took part in no (current) talk in `year`, as counterpart
    or initiator, whatever organisation the talk was recorded under. One query."""
    talks = Talk.current.filter(**_year_range(year))
    return (roll_people(org)
            .exclude(Exists(talks.filter(counterpart=OuterRef("pk"))))
            .exclude(Exists(talks.filter(initiator=OuterRef("pk"))))
            .select_related("org", "group").order_by("org__path", "name", "id"))


def person_talks(person, year=None):
    """The (current) talks a person took part in, newest first. The caller checks who may see them."""
    qs = Talk.current.filter(Q(initiator=person) | Q(counterpart=person))
    if year is not None:
        qs = qs.filter(**_year_range(int(year)))
    return qs.select_related("org", "initiator", "counterpart").order_by("-talked_on", "-id")


# ---- recording -------------------------------------------------------------------------------------------------

def _check_person(actor, person, name, org, mode):
    if not isinstance(person, Person) or person.pk is None:
        raise DomainError(_("Choose people from the list."), field=name)
    if actor is None or person.pk == _person_id(actor):
        return
    if scoped(Person.objects.filter(pk=person.pk), actor, perms.PEOPLE_READ).exists():
        return
    if mode == "own" and roll_people(org).filter(pk=person.pk).exists():
        return  # a member records a talk with someone on the roll of their own branch or group
    raise DomainError(_("Choose people from the list."), field=name)


@transaction.atomic
def record_talk(actor, *, org, talked_on, initiator, counterpart, kind, topic, summary, follow_up="",
                corrects=None, today=None):
    """Record a talk under `org`. With `corrects`, the new record replaces that talk in lists and counts (the
    corrected one is kept and still readable from its correction)."""
    if not isinstance(org, Organization):
        raise Http404
    mode = "manage" if actor is None else can_record(actor, org)
    if mode is None:
        raise Http404
    if corrects is not None:
        corrects = Talk.objects.select_for_update().filter(pk=getattr(corrects, "pk", None)).first()
        if corrects is None:
            raise Http404
        if not may_correct(actor, corrects):
            raise Http404
        if corrects.corrections.exists():
            raise DomainError(_("This talk has already been corrected: correct the latest record."),
                              field="corrects")
    if org.status != OrgStatus.ACTIVE:
        raise DomainError(_("Talks are not recorded under a dissolved organisation."), field="org")
    talked_on = _date(talked_on, "talked_on")
    if talked_on > (today or timezone.localdate()):
        raise DomainError(_("The talk cannot be in the future."), field="talked_on")
    _check_person(actor, initiator, "initiator", org, mode)
    _check_person(actor, counterpart, "counterpart", org, mode)
    if initiator.pk == counterpart.pk:
        raise DomainError(_("A talk is between two different people."), field="counterpart")
    if mode == "own" and _person_id(actor) not in (initiator.pk, counterpart.pk):
        raise DomainError(_("You can record only talks you took part in."), field="initiator")
    if kind not in TalkKind.values:
        raise DomainError(_("Choose a kind of talk from the list."), field="kind")
    talk = Talk(
        org=org, org_path=org.path, talked_on=talked_on, initiator=initiator, counterpart=counterpart, kind=kind,
        topic=clean_text(topic, "topic", 200, required=True),
        summary=clean_text(summary, "summary", 20_000, required=True),
        follow_up=clean_text(follow_up, "follow_up", 20_000), corrects=corrects, created_by=acting_user(actor))
    try:
        with transaction.atomic():
            talk.save()
    except IntegrityError:  # a simultaneous correction of the same talk was written first
        raise DomainError(_("This talk has already been corrected: correct the latest record."), field="corrects")
    return talk
