"""State changes of organisational life. Views, the API, tasks and commands call these; each owns its transaction,
checks the caller's right through the scoping helper, validates (DomainError names the field) and leaves an
audit trail (the models are audited on save; bulk writes record one entry)."""

import hashlib
import itertools
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import has_perm, path_q, require, scope_for, scoped
from dangjian.audit import chain
from dangjian.core import richtext, uploads
from dangjian.core.context import acting_user
from dangjian.core.errors import DomainError
from dangjian.core.text import clean_moment, clean_text
from dangjian.core.uploads import ATTACHMENT_TYPES, PHOTO_TYPES
from dangjian.notices.services import notify
from dangjian.orgs.models import Organization, OrgStatus, OrgType
from dangjian.people.codes import MEMBER_STATUSES, ON_ROLL
from dangjian.people.models import Person

from . import rules, workfeed
from .models import (
    Attendance,
    Card,
    CheckinMethod,
    Device,
    LeaveState,
    Meeting,
    MeetingState,
    MeetingType,
    Minutes,
    Period,
    Requirement,
)

MANAGE, READ = perms.MEETINGS_MANAGE, perms.MEETINGS_READ


def _now(moment=None):
    return moment or timezone.now()


# ---- reading -------------------------------------------------------------------------------------------------

def visible_meetings(user):
    """Meetings of the user's subtrees (meetings:read) and the meetings they are invited to or attended."""
    pid = getattr(user, "person_id", None)
    extra = Q(attendances__person_id=pid) if pid else None
    qs = scoped(Meeting.objects.all(), user, READ, extra=extra)
    return qs.distinct() if extra is not None else qs


def get_meeting_or_404(user, pk, perm=READ):
    try:
        meeting = (visible_meetings(user) if perm == READ else scoped(Meeting.objects.all(), user, perm)).get(pk=pk)
    except (Meeting.DoesNotExist, ValueError, TypeError):
        raise Http404
    return meeting


def can_record(user, meeting):
    """The host organisation's managers, and the meeting's own chair and recorder, run the meeting: the screen,
    sign-in at the door, make-up sign-in, minutes, photos."""
    pid = getattr(user, "person_id", None)
    return has_perm(user, MANAGE, meeting.org_path) or (pid is not None and pid in (meeting.host_id,
                                                                                   meeting.recorder_id))


def _require_recorder(actor, meeting):
    if actor is not None and not can_record(actor, meeting):
        raise Http404


def get_meeting_to_record(user, pk):
    """A meeting the user may run (see can_record), else 404."""
    meeting = get_meeting_or_404(user, pk)
    if not can_record(user, meeting):
        raise Http404
    return meeting


def ensure_types(models=None):
    """The built-in meeting types and default requirements (idempotent). `models`: (MeetingType, Requirement) of
    a migration's state."""
    MeetingType_, Requirement_ = models or (MeetingType, Requirement)
    for code, name, order in rules.BUILTIN_TYPES + rules.FREE_TYPES:
        MeetingType_.objects.get_or_create(code=code, defaults={
            "name": name, "sort_order": order, "builtin": (code, name, order) in rules.BUILTIN_TYPES})
    types = {t.code: t for t in MeetingType_.objects.all()}
    for code, org_type, period, count in rules.DEFAULT_REQUIREMENTS:
        if not Requirement_.objects.filter(set_by=None, meeting_type=types[code], org_type=org_type).exists():
            Requirement_.objects.create(meeting_type=types[code], org_type=org_type, period=period, count=count)


# ---- planning --------------------------------------------------------------------------------------------------

def invited_people(actor, org, invite):
    """Resolve the invitation: `orgs` (every on-roll Party member of each organisation's subtree — a branch,
    a group, another organisation for a joint meeting), `people` (ids the planner can see), `members_only`
    (default True; False invites everyone on the roll there, applicants and 群众 included)."""
    invite = invite or {}
    members_only = invite.get("members_only", True)
    people = Person.objects.none()
    org_ids = [o.pk if isinstance(o, Organization) else o for o in invite.get("orgs") or []]
    if org_ids:
        try:
            orgs = list(Organization.objects.filter(pk__in=[int(i) for i in org_ids], status=OrgStatus.ACTIVE))
        except (TypeError, ValueError):
            raise DomainError(_("Choose organisations from the list."), field="invite_orgs") from None
        if len(orgs) != len(set(org_ids)):
            raise DomainError(_("Choose organisations from the list."), field="invite_orgs")
        q = path_q(("scope_path",), [o.path for o in orgs]) & Q(status__in=ON_ROLL)
        if members_only:
            q &= Q(political_status__in=MEMBER_STATUSES)
        people = Person.objects.filter(q)
    person_ids = [p.pk if isinstance(p, Person) else p for p in invite.get("people") or []]
    if person_ids:
        try:
            person_ids = {int(i) for i in person_ids}
        except (TypeError, ValueError):
            raise DomainError(_("Choose people from the list."), field="invite_people") from None
        visible = scoped(Person.objects.filter(pk__in=person_ids), actor, perms.PEOPLE_READ) if actor else \
            Person.objects.filter(pk__in=person_ids)
        if visible.count() != len(person_ids):
            raise DomainError(_("Choose people from the list."), field="invite_people")
        people = people | Person.objects.filter(pk__in=person_ids)
    return people.distinct()


@transaction.atomic
def plan_meeting(actor, *, org, types, topic, starts_at, ends_at, place="", online_url="", agenda="", host=None,
                 recorder=None, invite=None, guests=(), is_open=False, checkin_before=None, notify=True):
    """Plan a meeting of `org` and invite its attendees (each gets a notice)."""
    require(actor, MANAGE, org.path)
    if org.status != OrgStatus.ACTIVE:
        raise DomainError(_("A dissolved organisation holds no meetings."), field="org")
    topic = clean_text(topic, "topic", 200, required=True)
    starts_at, ends_at = clean_moment(starts_at, "starts_at"), clean_moment(ends_at, "ends_at")
    if ends_at <= starts_at:
        raise DomainError(_("The end must be after the start."), field="ends_at")
    if ends_at - starts_at > timedelta(days=3):
        raise DomainError(_("A meeting lasts at most three days."), field="ends_at")
    codes = [t.code if isinstance(t, MeetingType) else str(t) for t in types or []]
    type_rows = list(MeetingType.objects.filter(code__in=codes))
    if not codes or len(type_rows) != len(set(codes)):
        raise DomainError(_("Choose at least one meeting type from the list."), field="types")
    if checkin_before is None:
        checkin_before = 30
    if not isinstance(checkin_before, int) or not 0 <= checkin_before <= 24 * 60:
        raise DomainError(_("Between 0 and 1440 minutes."), field="checkin_before")
    for name, person in (("host", host), ("recorder", recorder)):
        if person is not None and not scoped(Person.objects.filter(pk=person.pk), actor, perms.PEOPLE_READ).exists() \
                and actor is not None:
            raise DomainError(_("Choose people from the list."), field=name)
    meeting = Meeting(
        org=org, org_path=org.path, topic=topic, agenda=clean_text(agenda, "agenda", 5000),
        starts_at=starts_at, ends_at=ends_at, place=clean_text(place, "place", 200),
        online_url=clean_text(online_url, "online_url", 200), host=host, recorder=recorder, is_open=bool(is_open),
        checkin_before=checkin_before, created_by=acting_user(actor))
    if not meeting.place and not meeting.online_url:
        raise DomainError(_("Give the place or the online meeting link."), field="place")
    meeting.save()
    meeting.types.set(type_rows)
    people = list(invited_people(actor, org, invite).only("id", "name"))
    rows = [Attendance(meeting=meeting, person=p, expected=True) for p in people]
    for name in guests or ():
        name = clean_text(name, "guests", 60)
        if name:
            rows.append(Attendance(meeting=meeting, guest_name=name, expected=True))
    Attendance.objects.bulk_create(rows)
    chain.record(chain.AuditEntry.Action.CREATE, "meetings.attendance", meeting.pk, object_repr=meeting.topic,
                 org_path=meeting.org_path, after={"invited": len(people), "guests": len(rows) - len(people)})
    if notify:
        _notify(meeting, people, "notice", _("Meeting notice: %(topic)s") % {"topic": meeting.topic},
                _describe(meeting))
    return meeting


def _describe(meeting):
    start = timezone.localtime(meeting.starts_at)
    where = meeting.place or meeting.online_url
    return _("%(when)s at %(where)s") % {"when": start.strftime("%Y-%m-%d %H:%M"), "where": where}


def _notify(meeting, people, kind, title, body):
    """Through the platform's notice service (dangjian.notices): the inbox, then the channels after the commit."""
    from django.urls import reverse

    notify(people, kind, title, body, link=reverse("meetings:detail", args=[meeting.pk]), source=meeting)


def _transition(actor, meeting, action, **changes):
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    try:
        new_state = rules.next_state(meeting.state, action)
    except ValueError:
        raise DomainError(_("Not possible: the meeting is %(state)s.") % {"state": meeting.get_state_display()})
    before = meeting.state
    for k, v in changes.items():
        setattr(meeting, k, v)
    meeting.state = new_state
    meeting.version += 1
    meeting.save()
    if before != new_state:
        chain.record(chain.AuditEntry.Action.TRANSITION, "meetings.meeting", meeting.pk, object_repr=meeting.topic,
                     org_path=meeting.org_path, before={"state": before}, after={"state": new_state, "action": action},
                     actor=acting_user(actor))
    return meeting


REMINDER_BEFORE = timedelta(hours=1)


def send_reminders(moment=None, before=REMINDER_BEFORE):
    """Notices to the attendees (not on approved leave) of planned meetings starting within `before`. A meeting is
    claimed by a conditional UPDATE of `reminded_at`, so concurrent or repeated runs remind once. Returns the
    number of meetings reminded."""
    now = _now(moment)
    due = list(Meeting.objects.filter(state=MeetingState.PLANNED, reminded_at__isnull=True, starts_at__gt=now,
                                      starts_at__lte=now + before).values_list("pk", flat=True))
    done = 0
    for pk in due:
        with transaction.atomic():
            if not Meeting.objects.filter(pk=pk, reminded_at__isnull=True).update(reminded_at=now):
                continue
            meeting = Meeting.objects.get(pk=pk)
            people = list(Person.objects.filter(attendances__meeting=meeting, attendances__expected=True)
                          .exclude(attendances__leave=LeaveState.APPROVED).distinct())
            _notify(meeting, people, "reminder", _("Reminder: %(topic)s") % {"topic": meeting.topic},
                    _describe(meeting))
            done += 1
    return done


@transaction.atomic
def cancel_meeting(actor, meeting, reason):
    require(actor, MANAGE, meeting.org_path)
    reason = clean_text(reason, "reason", 300, required=True)
    meeting = _transition(actor, meeting, rules.Action.CANCEL, cancel_reason=reason)
    from . import tally

    tally.uncount(meeting)  # a meeting counted as held (it had started) no longer is
    people = Person.objects.filter(attendances__meeting=meeting)
    _notify(meeting, people, "cancelled", _("Meeting cancelled: %(topic)s") % {"topic": meeting.topic}, reason)
    return meeting


@transaction.atomic
def record_minutes(actor, meeting, text, resolutions="", moment=None):
    """Write the minutes of a held meeting (a later call adds a revision; earlier ones are kept)."""
    _require_recorder(actor, meeting)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.starts_at > _now(moment):
        raise DomainError(_("The meeting has not been held yet: minutes are written after it starts."),
                          field="text")
    text = richtext.clean(clean_text(text, "text", 200_000, required=True))
    if richtext.is_blank(text):
        raise DomainError(_("This field is required."), field="text")
    resolutions = richtext.clean(clean_text(resolutions, "resolutions", 50_000))
    action = rules.Action.AMEND if meeting.state == MeetingState.RECORDED else rules.Action.RECORD
    meeting = _transition(actor, meeting, action)
    last = meeting.minutes.order_by("-revision").values_list("revision", flat=True).first() or 0
    minutes = Minutes.objects.create(meeting=meeting, revision=last + 1, text=text, resolutions=resolutions,
                                     written_by=acting_user(actor))
    workfeed.feed(meeting)  # the meeting appears in the work ledger (支部工作动态)
    return minutes


# ---- leave -----------------------------------------------------------------------------------------------------

def _own_attendance(user, meeting, lock=False):
    pid = getattr(user, "person_id", None)
    qs = Attendance.objects.filter(meeting=meeting, person_id=pid, expected=True) if pid else Attendance.objects.none()
    if lock:  # lock the attendance row only (the default ordering would join, and lock, the meeting too)
        qs = qs.select_for_update(of=("self",))
    row = qs.order_by("pk").first()
    if row is None:
        raise DomainError(_("You are not invited to this meeting."))
    return row


@transaction.atomic
def request_leave(user, meeting, reason, moment=None):
    meeting = Meeting.objects.get(pk=meeting.pk)
    row = _own_attendance(user, meeting, lock=True)
    if meeting.state == MeetingState.CANCELLED:
        raise DomainError(_("The meeting was cancelled."))
    if _now(moment) >= meeting.starts_at:
        raise DomainError(_("Leave is asked before the meeting starts."), field="reason")
    if row.checked_in_at:
        raise DomainError(_("You have already signed in."))
    if row.leave in (LeaveState.REQUESTED, LeaveState.APPROVED):
        raise DomainError(_("You have already asked for leave."))
    row.leave, row.leave_reason = LeaveState.REQUESTED, clean_text(reason, "reason", 300, required=True)
    row.leave_decided_at, row.leave_note = None, ""
    row.save()
    return row


@transaction.atomic
def decide_leave(actor, attendance, approve, note=""):
    attendance = Attendance.objects.select_for_update(of=("self",)).select_related("meeting").get(pk=attendance.pk)
    require(actor, MANAGE, attendance.meeting.org_path)
    if attendance.leave != LeaveState.REQUESTED:
        raise DomainError(_("There is no request for leave to decide."))
    note = clean_text(note, "note", 300, required=not approve)
    attendance.leave = LeaveState.APPROVED if approve else LeaveState.DECLINED
    attendance.leave_note, attendance.leave_decided_at = note, timezone.now()
    attendance.save()
    if attendance.person_id:
        title = (_("Leave approved: %(topic)s") if approve else _("Leave declined: %(topic)s")) % {
            "topic": attendance.meeting.topic}
        _notify(attendance.meeting, [attendance.person], "leave", title, note)
    return attendance


# ---- sign-in ---------------------------------------------------------------------------------------------------

def _qr_secret():
    return hashlib.sha256(f"dangjian-meeting-qr:{settings.SECRET_KEY}".encode()).digest()


def qr_token(meeting, moment=None):
    """The code the meeting's screen shows now (it changes every rules.QR_STEP_SECONDS)."""
    return rules.qr_token(_qr_secret(), meeting.pk, rules.qr_slot(_now(moment)))


@dataclass
class CheckinResult:
    attendance: Attendance
    already: bool = False
    message: str = ""
    extra: dict = field(default_factory=dict)


def _locked_attendance(meeting, person):
    """The person's attendance row, locked — that row only: the default ordering (by the meeting's) would join the
    meeting and FOR UPDATE would lock its row too, making every sign-in to a meeting wait for the one before."""
    return (Attendance.objects.select_for_update(of=("self",)).filter(meeting=meeting, person=person)
            .order_by("pk").first())


def _sign_in(meeting_id, person, method, moment, actor=None, reason="", any_time=False, allow_uninvited=False):
    """Sign `person` in once. The attendance row is locked (or created under the unique constraint), so two
    sign-ins of one person at the same moment record one."""
    with transaction.atomic():
        meeting = Meeting.objects.get(pk=meeting_id)
        if meeting.state == MeetingState.CANCELLED:
            raise DomainError(_("The meeting was cancelled."))
        window = rules.checkin_window(meeting.starts_at, meeting.ends_at, meeting.checkin_before)
        if not any_time and not window.contains(moment):
            local = timezone.localtime
            raise DomainError(_("Sign-in is open from %(opens)s to %(closes)s.") % {
                "opens": local(window.opens).strftime("%m-%d %H:%M"), "closes": local(window.closes).strftime("%H:%M")})
        row = _locked_attendance(meeting, person)
        if row is not None:
            row.meeting = meeting  # audit_org_path without another query
        if row is None:
            if not (meeting.is_open or allow_uninvited):
                raise DomainError(_("You are not invited to this meeting."))
            try:
                with transaction.atomic():
                    row = Attendance.objects.create(meeting=meeting, person=person, expected=False)
            except IntegrityError:  # a simultaneous sign-in of the same person created it first
                row = Attendance.objects.select_for_update(of=("self",)).get(meeting=meeting, person=person)
        if row.checked_in_at and not row.checked_out_at:
            return CheckinResult(row, already=True, message=_("Already signed in at %(time)s.") % {
                "time": timezone.localtime(row.checked_in_at).strftime("%H:%M")})
        if row.checked_out_at:  # back in after leaving
            row.checked_out_at = None
        else:
            row.checked_in_at = moment
            row.method = CheckinMethod.SELF if (method == CheckinMethod.QR and not row.expected) else method
            row.makeup_reason = reason
            row.signed_by = acting_user(actor)
        row.save()
        return CheckinResult(row, message=_("Signed in at %(time)s.") % {
            "time": timezone.localtime(row.checked_in_at).strftime("%H:%M")})


def checkin_qr(user, token, moment=None):
    """A logged-in attendee scanned the screen's code with their phone."""
    moment = _now(moment)
    try:
        meeting_id = int(str(token).split(".")[0])
    except ValueError:
        raise DomainError(_("This is not a sign-in code of the platform."), field="token") from None
    try:
        rules.check_qr_token(_qr_secret(), token, meeting_id, moment)
    except rules.TokenError as e:
        raise DomainError(str(e), field="token") from None
    if not Meeting.objects.filter(pk=meeting_id).exists():
        raise DomainError(_("This is not a sign-in code of the platform."), field="token")
    person = Person.objects.filter(pk=getattr(user, "person_id", None)).first()
    if person is None:
        raise DomainError(_("Your account is not linked to a person: ask the branch to link it."))
    return _sign_in(meeting_id, person, CheckinMethod.QR, moment)


def _require_invited_or_visible(actor, meeting, person):
    if actor is None or Attendance.objects.filter(meeting=meeting, person=person).exists():
        return
    if not scoped(Person.objects.filter(pk=person.pk), actor, perms.PEOPLE_READ).exists():
        raise DomainError(_("Choose people from the list."), field="person")


def checkin_manual(actor, meeting, person, moment=None):
    """The recorder signs a person in at the door (invited or, for anyone they can see, added)."""
    _require_recorder(actor, meeting)
    _require_invited_or_visible(actor, meeting, person)
    return _sign_in(meeting.pk, person, CheckinMethod.MANUAL, _now(moment), actor=actor, allow_uninvited=True)


def checkin_makeup(actor, meeting, person, reason, moment=None):
    """补签: after the fact, with a reason; marked as such."""
    _require_recorder(actor, meeting)
    _require_invited_or_visible(actor, meeting, person)
    reason = clean_text(reason, "reason", 300, required=True)
    if meeting.starts_at > _now(moment):
        raise DomainError(_("A make-up sign-in is for a meeting that has started."), field="reason")
    return _sign_in(meeting.pk, person, CheckinMethod.MAKEUP, _now(moment), actor=actor, reason=reason,
                    any_time=True, allow_uninvited=True)


# ---- card readers and gates ------------------------------------------------------------------------------------

def _key_hash(key):
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def create_device(actor, org, name):
    """Register a reader; returns (device, key). The key is shown once and stored only as a hash."""
    require(actor, MANAGE, org.path)
    name = clean_text(name, "name", 100, required=True)
    for _attempt in range(5):
        key = secrets.token_urlsafe(30)
        if not Device.objects.filter(key_prefix=key[:8]).exists():
            break
    device = Device.objects.create(org=org, name=name, key_prefix=key[:8], key_hash=_key_hash(key))
    return device, key


def device_for_key(key):
    key = (key or "").strip()
    if len(key) < 20:
        return None
    device = Device.objects.select_related("org").filter(key_prefix=key[:8], active=True).first()
    if device is None or not secrets.compare_digest(device.key_hash, _key_hash(key)):
        return None
    return device


@transaction.atomic
def register_card(actor, person, number):
    require(actor, MANAGE, person.scope_path or "-")
    number = clean_text(number, "number", 40, required=True).upper()
    existing = Card.objects.filter(number=number).first()
    if existing is not None:
        if existing.person_id == person.pk and existing.active:
            return existing
        raise DomainError(_("This card is registered to someone else."), field="number")
    return Card.objects.create(number=number, person=person)


def checkin_card(device, meeting_id, card, event="in", moment=None):
    """A reader at the door posts a card. Repeated posts change nothing; an unknown card is reported."""
    moment = _now(moment)
    meeting = Meeting.objects.filter(pk=meeting_id, org_path__startswith=device.org.path).first()
    if meeting is None:
        raise Http404
    number = (card or "").strip().upper()
    holder = Card.objects.select_related("person").filter(number=number, active=True).first() if number else None
    if holder is None:
        raise LookupError(_("Unknown card: register it to a person first."))
    # at most once a minute: a gate posting hundreds of cards must not make its row a point of contention
    Device.objects.filter(Q(last_seen_at__isnull=True) | Q(last_seen_at__lt=moment - timedelta(minutes=1)),
                          pk=device.pk).update(last_seen_at=moment)
    if event == "out":
        return _sign_out(meeting, holder.person, moment)
    if event != "in":
        raise DomainError(_("The event is “in” or “out”."), field="event")
    return _sign_in(meeting.pk, holder.person, CheckinMethod.CARD, moment)


def _sign_out(meeting, person, moment):
    with transaction.atomic():
        row = _locked_attendance(meeting, person)
        if row is None or not row.checked_in_at:
            raise DomainError(_("Not signed in to this meeting."), field="card")
        if row.checked_out_at:
            return CheckinResult(row, already=True, message=_("Already signed out."))
        row.checked_out_at = moment
        row.save()
        return CheckinResult(row, message=_("Signed out at %(time)s.") % {
            "time": timezone.localtime(moment).strftime("%H:%M")})


# ---- attendance ------------------------------------------------------------------------------------------------

def attendance(meeting):
    """应到, 实到, 请假, 缺席, 离场 with the people of each (one query)."""
    rows = list(meeting.attendances.select_related("person").order_by("person__name", "guest_name", "id"))
    expected = [r for r in rows if r.expected]
    present = [r for r in rows if r.checked_in_at]
    on_leave = [r for r in expected if r.leave == LeaveState.APPROVED and not r.checked_in_at]
    absent = [r for r in expected if not r.checked_in_at and r.leave != LeaveState.APPROVED]
    left = [r for r in present if r.checked_out_at]
    return {"expected": expected, "present": present, "on_leave": on_leave, "absent": absent, "left": left,
            "walk_ins": [r for r in present if not r.expected],
            "counts": {"expected": len(expected), "present": len(present), "on_leave": len(on_leave),
                       "absent": len(absent), "left": len(left)}}


def member_history(person, start=None, end=None):
    """A member's meetings (invited) with what happened, and the attendance rate over the held ones."""
    now = timezone.now()
    qs = (Attendance.objects.filter(person=person, expected=True).exclude(meeting__state=MeetingState.CANCELLED)
          .select_related("meeting", "meeting__org").order_by("-meeting__starts_at"))
    if start:
        qs = qs.filter(meeting__starts_at__date__gte=start)
    if end:
        qs = qs.filter(meeting__starts_at__date__lte=end)
    rows = list(qs)
    held = [r for r in rows if r.meeting.starts_at <= now]
    attended = sum(1 for r in held if r.checked_in_at)
    excused = sum(1 for r in held if not r.checked_in_at and r.leave == LeaveState.APPROVED)
    return {"rows": rows, "held": len(held), "attended": attended, "excused": excused,
            "rate": round(100 * attended / len(held)) if held else None}


def attendance_by_org(path, start, stop, now=None):
    """[(host organisation's path, invited, signed in)] over the meetings under `path` held in [start, stop) —
    started by `now`, not cancelled — the same rule as a member's attendance rate (person_history): invited people
    (guests aside) who signed in. One grouped query."""
    from datetime import datetime

    from django.db.models import Count

    now = now or timezone.now()
    first = timezone.make_aware(datetime(start.year, start.month, start.day))
    last = min(now, timezone.make_aware(datetime(stop.year, stop.month, stop.day)))
    rows = (Attendance.objects.filter(expected=True, person__isnull=False, meeting__org_path__startswith=path,
                                      meeting__starts_at__gte=first, meeting__starts_at__lt=last)
            .exclude(meeting__state=MeetingState.CANCELLED)
            .values_list("meeting__org_path").annotate(invited=Count("id"),
                                                       attended=Count("id", filter=Q(checked_in_at__isnull=False)))
            .order_by())
    return list(rows)


# ---- compliance ------------------------------------------------------------------------------------------------

def _ancestors(path):
    return {path[:i] for i in range(8, len(path) + 1, 8)}


def compliance(root, start, end, today=None):
    """For each active organisation under `root` with requirements, per required type: held, required over the
    periods of [start, end] that have begun by `today` (a period still to come asks for nothing yet; counted by
    whole months) and a verdict — red if a period that has ended fell short, amber if only the running period is
    short so far, green otherwise. Four queries whatever the size of the subtree: the requirements, the
    organisations, the monthly tallies and the meetings started since they were last counted (tally.py)."""
    from . import tally

    today = today or timezone.localdate()
    found = list(Requirement.objects.values_list("set_by__path", "meeting_type__code", "org_type", "period", "count",
                                                 "meeting_type_id"))
    rows = [r[:5] for r in found]
    type_id = {r[1]: r[5] for r in found}
    org_types = {r[2] for r in rows}
    orgs = list(Organization.objects.filter(path__startswith=root.path, status=OrgStatus.ACTIVE,
                                            org_type__in=org_types)
                .values("id", "name", "path", "org_type", "depth").order_by("path"))
    months = [m for m, _e in rules.periods_in(Period.MONTH, start, end)]
    held = tally.held_by_month(root.path, set(range(start.year, end.year + 1))) if months else {}
    # the periods of each length that have begun by today, as the columns (months) they cover
    plans = {period: rules.month_plan(period, start, end, today, months) for period in {r[3] for r in rows}}
    none_held = (0,) * len(months)
    # the months of [start, end] as slices of each year's twelve counts
    spans = [(y, (start.month - 1 if y == start.year else 0), (end.month if y == end.year else 12))
             for y in range(start.year, end.year + 1)]
    one_year = spans[0] if len(spans) == 1 else None
    none_year = (0,) * 12

    override_paths = {r[0] for r in rows if r[0] is not None}
    requirements, cells_seen, out = {}, {}, []
    for org in orgs:
        relevant = (frozenset(p for p in _ancestors(org["path"]) if p in override_paths) if override_paths
                    else frozenset())
        key = (org["org_type"], relevant)
        if key not in requirements:
            requirements[key] = rules.resolve_requirements(org["org_type"], relevant, rows)
        cells = {}
        for code, (period, count) in requirements[key].items():
            if not plans[period]:
                continue
            by_year = held.get((org["id"], type_id[code]))
            if not by_year:
                by_month = none_held
            elif one_year:
                by_month = by_year.get(one_year[0], none_year)[one_year[1]:one_year[2]]
            else:
                by_month = tuple(itertools.chain.from_iterable(by_year.get(y, none_year)[a:b] for y, a, b in spans))
            seen = (period, count, by_month)  # most organisations share a pattern: work each one out once
            if seen not in cells_seen:
                cells_seen[seen] = rules.cell(plans[period], *seen)
            cells[code] = cells_seen[seen]  # shared, read-only
        if cells:
            out.append({**org, "cells": cells, "verdict": rules.worst(c["verdict"] for c in cells.values())})
    return out


def visible_compliance_root(user, org_id=None):
    """The organisation whose subtree the user may see compliance for."""
    qs = scoped(Organization.objects.all(), user, READ)
    if org_id is not None:
        return qs.filter(pk=org_id).first()
    scope = scope_for(user)
    prefixes = scope.prefixes(READ)
    if scope.superuser:
        return Organization.objects.filter(parent=None).order_by("path").first()
    return Organization.objects.filter(path__in=prefixes).order_by("path").first() if prefixes else None



# ---- requirements as data --------------------------------------------------------------------------------------

REQUIRABLE_ORG_TYPES = (OrgType.GENERAL_BRANCH, OrgType.BRANCH, OrgType.GROUP)


def effective_requirements(org):
    """What applies under `org`, per organisation kind and meeting type: (period, count, set by) — the nearest
    rule among `org` and its ancestors, else the platform default. One query."""
    ancestors = _ancestors(org.path)
    rows = list(Requirement.objects.filter(Q(set_by__isnull=True) | Q(set_by__path__in=ancestors))
                .select_related("meeting_type", "set_by"))
    out = []
    for org_type in REQUIRABLE_ORG_TYPES:
        best = {}
        for r in rows:
            if r.org_type != org_type:
                continue
            depth = len(r.set_by.path) if r.set_by_id else -1
            if r.meeting_type.code not in best or depth > best[r.meeting_type.code][0]:
                best[r.meeting_type.code] = (depth, r)
        for _code, (_d, r) in sorted(best.items(), key=lambda kv: kv[1][1].meeting_type.sort_order):
            out.append({"org_type": org_type, "requirement": r, "own": r.set_by_id == org.pk})
    return out


@transaction.atomic
def set_requirement(actor, org, *, meeting_type, org_type, period, count):
    """`org` (a committee or general branch, usually) requires `count` meetings of `meeting_type` per `period` of
    every organisation of kind `org_type` in its subtree; 0 switches the requirement off there."""
    require(actor, MANAGE, org.path)
    if org_type not in REQUIRABLE_ORG_TYPES:
        raise DomainError(_("Choose an organisation kind from the list."), field="org_type")
    if period not in Period.values:
        raise DomainError(_("Choose a period from the list."), field="period")
    try:
        count = int(count)
    except (TypeError, ValueError):
        raise DomainError(_("Enter a whole number."), field="count") from None
    if not 0 <= count <= 31:
        raise DomainError(_("Between 0 and 31."), field="count")
    mtype = MeetingType.objects.filter(code=getattr(meeting_type, "code", meeting_type)).first()
    if mtype is None:
        raise DomainError(_("Choose a meeting type from the list."), field="meeting_type")
    row = Requirement.objects.select_for_update().filter(set_by=org, meeting_type=mtype, org_type=org_type).first()
    if row is None:
        row = Requirement(set_by=org, meeting_type=mtype, org_type=org_type)
    row.period, row.count = period, count
    row.save()
    return row


@transaction.atomic
def remove_requirement(actor, requirement):
    """Drop an organisation's own rule: the one above it (or the default) applies again."""
    if requirement.set_by_id is None:
        raise DomainError(_("The platform's defaults are changed by a committee's own rule, not removed."))
    require(actor, MANAGE, requirement.set_by.path)
    requirement.delete()


@transaction.atomic
def add_meeting_type(actor, name):
    """A free meeting type (理论学习, 专题研讨 …), for committees to plan and require."""
    if actor is not None and not scoped(Organization.objects.filter(
            org_type__in=[OrgType.COMMITTEE, OrgType.HIGHER_COMMITTEE]), actor, MANAGE).exists():
        raise Http404
    name = clean_text(name, "name", 60, required=True)
    if MeetingType.objects.filter(name=name).exists():
        raise DomainError(_("This meeting type exists already."), field="name")
    n = MeetingType.objects.count() + 1
    code = f"custom-{n}"
    while MeetingType.objects.filter(code=code).exists():
        n += 1
        code = f"custom-{n}"
    mtype = MeetingType.objects.create(code=code, name=name, builtin=False, sort_order=200 + n)
    chain.record(chain.AuditEntry.Action.CREATE, "meetings.meetingtype", mtype.pk, object_repr=name,
                 after={"code": code, "name": name}, actor=acting_user(actor))
    return mtype


# ---- photos and attachments ------------------------------------------------------------------------------------

MAX_FILE_BYTES = 20 * 1024 * 1024


@transaction.atomic
def add_file(actor, meeting, upload, kind):
    """Attach a photo (jpg, png, webp) or a document (pdf, Office, WPS, OFD, txt) of at most 20 MB."""
    from .models import MeetingFile

    _require_recorder(actor, meeting)
    if kind not in MeetingFile.Kind.values:
        raise DomainError(_("Choose photo or attachment."), field="kind")
    if upload is None:
        raise DomainError(_("Choose a file."), field="file")
    name = uploads.file_name(upload)
    ext = uploads.extension(name)
    allowed = PHOTO_TYPES if kind == MeetingFile.Kind.PHOTO else ATTACHMENT_TYPES
    if ext not in allowed:
        raise DomainError(_("This kind of file is not accepted: %(types)s only.") % {
            "types": ", ".join(sorted(allowed))}, field="file")
    if upload.size > MAX_FILE_BYTES:
        raise DomainError(_("The file is larger than 20 MB."), field="file")
    if ext in PHOTO_TYPES and not uploads.is_picture(upload):
        raise DomainError(_("This is not a picture."), field="file")
    return MeetingFile.objects.create(meeting=meeting, kind=kind, file=upload, name=name, size=upload.size,
                                      content_type=allowed[ext], uploaded_by=acting_user(actor))
