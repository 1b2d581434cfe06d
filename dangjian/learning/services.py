"""Learning and credits: keeping items, assigning them, counting reading time from heartbeats, credit rules and
the credit ledger, and the figures of an organisation's subtree. Each state change owns its transaction, checks
the caller's right through the scoping helper (outsiders get 404), validates (DomainError names the field) and is
audited on save (reading progress excepted: the credit it earns is).

Who may do what: learning:manage over an item's organisation keeps the item and assigns it inside that
organisation's subtree, and sets the credit rules of the organisations it manages; learning:read over an
organisation sees its completion rates and its members' credits; a member reads the items assigned to them and
sees their own credits.

`exam_passed(person_id, month, tier, on, ref)` is the contract with the exams app (see docs/learning.md)."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import has_perm, require, scope_for, scoped
from dangjian.core import richtext, uploads
from dangjian.core.context import acting_user
from dangjian.core.errors import ConflictError, DomainError, check_version
from dangjian.core.text import clean_text
from dangjian.orgs.models import Organization, OrgStatus
from dangjian.people.codes import MEMBER_STATUSES, ON_ROLL
from dangjian.people.models import Person

from . import rules
from .models import (
    Assignment,
    CreditEntry,
    CreditRule,
    CreditSource,
    ItemKind,
    ItemStatus,
    LearningItem,
    Progress,
)

MANAGE, READ = perms.LEARNING_MANAGE, perms.LEARNING_READ

MAX_MINUTES = 600
MAX_CREDITS = Decimal("100")
MAX_TARGET = Decimal("1000")
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
MAX_VIDEO_BYTES = 200 * 1024 * 1024
DOCUMENT_TYPES = {"pdf": "application/pdf"}
VIDEO_TYPES = {"mp4": "video/mp4", "m4v": "video/mp4", "webm": "video/webm"}
LOCKED_WHEN_PUBLISHED = ("kind", "min_minutes", "credits")


def _date(value, name, required=False):
    if value in (None, ""):
        if required:
            raise DomainError(_("Enter a valid date."), field=name)
        return None
    if isinstance(value, str):
        try:
            value = parse_date(value.strip())
        except ValueError:
            value = None
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        raise DomainError(_("Enter a valid date."), field=name)
    return value


def _decimal(value, name, low, high, required=True):
    if value in (None, ""):
        if required:
            raise DomainError(_("This field is required."), field=name)
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise DomainError(_("Enter a number."), field=name) from None
    if not number.is_finite() or number < low or number > high:
        raise DomainError(_("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high}, field=name)
    if number != number.quantize(Decimal("0.1")):
        raise DomainError(_("At most one decimal place."), field=name)
    return number.quantize(Decimal("0.1"))


def _int(value, name, low, high):
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise DomainError(_("Enter a whole number."), field=name) from None
    if number < low or number > high:
        raise DomainError(_("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high}, field=name)
    return number


def roll_people(path):
    """Party members on the roll of the subtree at `path` (the people an organisation's assignment reaches)."""
    return Person.objects.filter(scope_path__startswith=path, status__in=ON_ROLL,
                                 political_status__in=MEMBER_STATUSES)


def on_roll(person):
    return person.status in ON_ROLL and person.political_status in MEMBER_STATUSES and bool(person.scope_path)


# ---- credit rules -----------------------------------------------------------------------------------------------

def _rule(row):
    return rules.Rule(row.credits_per_item, row.credits_per_exam, row.yearly_target, row.org_id)


def rules_by_path(paths=(), under=None):
    """{org path: Rule} for the organisations at `paths` and (with `under`) every rule inside that subtree. One
    query."""
    q = Q(org__path__in=list(paths))
    if under:
        q |= Q(org__path__startswith=under)
    return {r.org.path: _rule(r) for r in CreditRule.objects.filter(q).select_related("org")}


def rule_for_path(path):
    """The credit rule that applies at `path` (a person's scope path or an organisation's): the nearest
    organisation's rule, else the platform default."""
    return rules.nearest_rule(path, rules_by_path(rules.ancestor_paths(path or "")))


@transaction.atomic
def set_rule(actor, org, *, credits_per_item, credits_per_exam, yearly_target, note="", expected_version=None):
    """Set `org`'s credit rule for its subtree (learning:manage over `org`)."""
    if not isinstance(org, Organization):
        raise Http404
    require(actor, MANAGE, org.path)
    if org.status != OrgStatus.ACTIVE:
        raise DomainError(_("A dissolved organisation has no credit rule."), field="org")
    values = {
        "credits_per_item": _decimal(credits_per_item, "credits_per_item", Decimal(0), MAX_CREDITS, required=False),
        "credits_per_exam": _decimal(credits_per_exam, "credits_per_exam", Decimal(0), MAX_CREDITS),
        "yearly_target": _decimal(yearly_target, "yearly_target", Decimal(0), MAX_TARGET),
        "note": clean_text(note, "note", 300),
    }
    row = CreditRule.objects.select_for_update().filter(org=org).first()
    if row is None:
        try:
            with transaction.atomic():
                return CreditRule.objects.create(org=org, **values)
        except IntegrityError:  # set at the same moment by someone else
            raise ConflictError() from None
    check_version(row, expected_version)
    for k, v in values.items():
        setattr(row, k, v)
    row.version += 1
    row.save()
    return row


@transaction.atomic
def clear_rule(actor, org):
    """Remove `org`'s own rule: the rule above it (or the default) applies again."""
    require(actor, MANAGE, org.path)
    row = CreditRule.objects.select_for_update().filter(org=org).select_related("org").first()
    if row is not None:
        row.delete()


# ---- items ------------------------------------------------------------------------------------------------------

def _check_file(upload, kind):
    name = uploads.file_name(upload)
    ext = uploads.extension(name)
    allowed, limit = (DOCUMENT_TYPES, MAX_DOCUMENT_BYTES) if kind == ItemKind.DOCUMENT else (VIDEO_TYPES,
                                                                                              MAX_VIDEO_BYTES)
    if ext not in allowed:
        raise DomainError(_("This kind of file is not accepted: %(types)s only.") % {
            "types": ", ".join(sorted(allowed))}, field="file")
    if upload.size > limit:
        raise DomainError(_("The file is larger than %(mb)d MB.") % {"mb": limit // (1024 * 1024)}, field="file")
    head = uploads.head(upload)
    if kind == ItemKind.DOCUMENT:
        ok = head.startswith(b"%PDF-")
    else:
        ok = head[4:8] == b"ftyp" or head.startswith(b"\x1a\x45\xdf\xa3")
    if not ok:
        raise DomainError(_("The file's content does not match its type."), field="file")
    return name, allowed[ext]


def _clean_video_url(value):
    value = clean_text(value, "video_url", 500)
    if not value:
        return ""
    if value.startswith("/") and not value.startswith("//"):
        return value
    from django.core.exceptions import ValidationError
    from django.core.validators import URLValidator

    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise DomainError(_("Enter an address starting with https:// or / (a video on the platform)."),
                          field="video_url") from None
    return value


def _clean_item(data):
    kind = data.get("kind")
    if kind not in ItemKind.values:
        raise DomainError(_("Choose a value from the list."), field="kind")
    body = data.get("body") or ""
    if "\x00" in body:
        raise DomainError(_("This field contains an invalid character."), field="body")
    body = richtext.clean(body)
    if len(body) > 200_000:
        raise DomainError(_("At most %(n)d characters.") % {"n": 200_000}, field="body")
    return {
        "kind": kind,
        "title": clean_text(data.get("title"), "title", 200, required=True),
        "summary": clean_text(data.get("summary"), "summary", 500),
        "body": "" if richtext.is_blank(body) else body,
        "video_url": _clean_video_url(data.get("video_url")) if kind == ItemKind.VIDEO else "",
        "min_minutes": _int(data.get("min_minutes"), "min_minutes", 1, MAX_MINUTES),
        "credits": _decimal(data.get("credits"), "credits", Decimal(0), MAX_CREDITS),
        "deadline": _date(data.get("deadline"), "deadline"),
    }


def _content_error(item):
    """Why the item cannot be published yet (field, message), or None."""
    if item.kind == ItemKind.ARTICLE and not item.body:
        return "body", _("An article needs its text.")
    if item.kind == ItemKind.DOCUMENT and not item.file:
        return "file", _("A document needs its PDF file.")
    if item.kind == ItemKind.VIDEO and not (item.file or item.video_url):
        return "video_url", _("A video needs a file or an address.")
    return None


def _put_file(item, upload):
    if upload is None:
        return
    if item.kind not in (ItemKind.DOCUMENT, ItemKind.VIDEO):
        raise DomainError(_("Only documents and videos have a file."), field="file")
    name, content_type = _check_file(upload, item.kind)
    item.file = upload
    item.file_name, item.file_size, item.file_type = name, upload.size, content_type


@transaction.atomic
def create_item(actor, org, data, upload=None):
    """A new draft item of `org` (learning:manage over it)."""
    if not isinstance(org, Organization):
        raise Http404
    require(actor, MANAGE, org.path)
    if org.status != OrgStatus.ACTIVE:
        raise DomainError(_("Choose an active organisation."), field="org")
    values = _clean_item(data)
    item = LearningItem(org=org, org_path=org.path, created_by=acting_user(actor), **values)
    _put_file(item, upload)
    item.save()
    return item


def _locked_item(actor, item, expected_version=None):
    row = LearningItem.objects.select_for_update().filter(pk=getattr(item, "pk", None)).first()
    if row is None:
        raise Http404
    require(actor, MANAGE, row.org_path)
    check_version(row, expected_version)
    return row


@transaction.atomic
def update_item(actor, item, data, upload=None, expected_version=None):
    """Change an item. A draft changes freely; a published or withdrawn one only in its wording (title, summary,
    text), its video address and its closing day — reading time, credits, kind and file are what people completed
    against: a change there is a new version (`copy_item`)."""
    row = _locked_item(actor, item, expected_version)
    values = _clean_item(data)
    if row.status != ItemStatus.DRAFT:
        for name in LOCKED_WHEN_PUBLISHED:
            if values[name] != getattr(row, name):
                raise DomainError(_("This item has been published: withdraw it and make a new version to change "
                                    "this."), field=name)
        if upload is not None:
            raise DomainError(_("This item has been published: withdraw it and make a new version to change "
                                "this."), field="file")
        problem = _content_error(LearningItem(**values, file=row.file))
        if row.status == ItemStatus.PUBLISHED and problem:
            raise DomainError(problem[1], field=problem[0])
    for k, v in values.items():
        setattr(row, k, v)
    if row.kind == ItemKind.ARTICLE and row.file:
        row.file, row.file_name, row.file_size, row.file_type = "", "", 0, ""
    _put_file(row, upload)
    row.version += 1
    row.save()
    return row


@transaction.atomic
def publish_item(actor, item, now=None):
    row = _locked_item(actor, item)
    if row.status == ItemStatus.PUBLISHED:
        return row
    problem = _content_error(row)
    if problem:
        raise DomainError(problem[1], field=problem[0])
    row.status = ItemStatus.PUBLISHED
    row.published_at = row.published_at or now or timezone.now()
    row.version += 1
    row.save()
    return row


@transaction.atomic
def withdraw_item(actor, item):
    """Members no longer see a withdrawn item among their tasks; completions and credits earned stay."""
    row = _locked_item(actor, item)
    if row.status != ItemStatus.PUBLISHED:
        raise DomainError(_("Only a published item is withdrawn."), field="status")
    row.status = ItemStatus.WITHDRAWN
    row.version += 1
    row.save()
    return row


@transaction.atomic
def copy_item(actor, item):
    """A new draft with the item's content, file and assignments — the way to change a published item's reading
    time, credits or file. The original stays as it is (withdraw it once the new version is published)."""
    row = _locked_item(actor, item)
    copy = LearningItem.objects.create(
        org=row.org, org_path=row.org_path, kind=row.kind, title=row.title, summary=row.summary, body=row.body,
        file=row.file.name if row.file else "", file_name=row.file_name, file_size=row.file_size,
        file_type=row.file_type, video_url=row.video_url, min_minutes=row.min_minutes, credits=row.credits,
        deadline=row.deadline, copied_from=row, created_by=acting_user(actor))
    for a in row.assignments.all():
        Assignment.objects.create(item=copy, org=a.org, org_path=a.org_path, person=a.person, required=a.required,
                                  due_on=a.due_on, created_by=acting_user(actor))
    return copy


# ---- assignments -----------------------------------------------------------------------------------------------

@transaction.atomic
def assign(actor, item, *, orgs=(), people=(), required=True, due_on=None):
    """Assign `item` to the members on the roll of each organisation in `orgs` (their whole subtree) and to each
    person in `people`, all inside the item's organisation. Assigning again updates `required` and `due_on`.
    Returns the assignments written."""
    row = _locked_item(actor, item)
    if row.status == ItemStatus.WITHDRAWN:
        raise DomainError(_("A withdrawn item is not assigned."), field="item")
    due_on = _date(due_on, "due_on")
    if due_on and row.deadline and due_on > row.deadline:
        raise DomainError(_("The due date is after the day the item closes."), field="due_on")
    orgs, people = list(orgs), list(people)
    if not orgs and not people:
        raise DomainError(_("Choose organisations or people."), field="orgs")
    out = []
    for org in orgs:
        if (not isinstance(org, Organization) or org.status != OrgStatus.ACTIVE
                or not org.path.startswith(row.org_path)):
            raise DomainError(_("Choose organisations from the list."), field="orgs")
        a, _created = Assignment.objects.update_or_create(
            item=row, org=org, defaults={"org_path": org.path, "required": bool(required), "due_on": due_on,
                                         "created_by": acting_user(actor)})
        out.append(a)
    for person in people:
        if not isinstance(person, Person) or not (person.scope_path or "").startswith(row.org_path):
            raise DomainError(_("Choose people from the list."), field="people")
        if actor is not None and not scoped(Person.objects.filter(pk=person.pk), actor, MANAGE).exists():
            raise DomainError(_("Choose people from the list."), field="people")
        a, _created = Assignment.objects.update_or_create(
            item=row, person=person, defaults={"required": bool(required), "due_on": due_on,
                                               "created_by": acting_user(actor)})
        out.append(a)
    return out


@transaction.atomic
def unassign(actor, assignment):
    """Remove an assignment (progress and credits already earned stay)."""
    row = (Assignment.objects.select_for_update().filter(pk=getattr(assignment, "pk", None))
           .select_related("item").first())
    if row is None:
        raise Http404
    require(actor, MANAGE, row.item.org_path)
    row.delete()


# ---- what a person is to learn ---------------------------------------------------------------------------------

def _assignment_q(person):
    q = Q(person_id=person.pk)
    if on_roll(person):
        q |= Q(org_path__in=rules.ancestor_paths(person.scope_path))
    return q


@dataclass
class Task:
    """One item assigned to a person, with their progress: what the member's pages and the API show."""

    item: LearningItem
    required: bool
    due_on: date | None
    seconds: int = 0
    completed_at: datetime | None = None

    @property
    def done(self):
        return self.completed_at is not None

    @property
    def required_seconds(self):
        return self.item.required_seconds

    @property
    def percent(self):
        if self.done:
            return 100
        return min(99, int(100 * self.seconds / max(1, self.required_seconds)))

    @property
    def remaining_seconds(self):
        return 0 if self.done else rules.remaining_seconds(self.seconds, self.required_seconds)

    @property
    def remaining_clock(self):
        minutes, seconds = divmod(self.remaining_seconds, 60)
        return f"{minutes}:{seconds:02d}"

    def overdue(self, today):
        return not self.done and self.due_on is not None and self.due_on < today

    @property
    def state(self):
        return "done" if self.done else "todo"


def _merge(tasks, a):
    """Several assignments may give a person the same item: required if any is, due at the earliest."""
    t = tasks.get(a.item_id)
    if t is None:
        tasks[a.item_id] = Task(a.item, a.required, a.due_on)
        return
    t.required = t.required or a.required
    if a.due_on and (t.due_on is None or a.due_on < t.due_on):
        t.due_on = a.due_on


def tasks_for(person, include_closed=True):
    """The published items assigned to `person` with their progress, as Tasks: to do first (earliest due, required
    first), then done (latest first). Two queries."""
    tasks = {}
    rows = (Assignment.objects.filter(_assignment_q(person), item__status=ItemStatus.PUBLISHED)
            .select_related("item", "item__org").order_by("id"))
    for a in rows:
        _merge(tasks, a)
    if tasks:
        for p in Progress.objects.filter(person_id=person.pk, item_id__in=list(tasks)):
            tasks[p.item_id].seconds, tasks[p.item_id].completed_at = p.seconds, p.completed_at
    out = list(tasks.values())
    todo = sorted((t for t in out if not t.done),
                  key=lambda t: (not t.required, t.due_on or date.max, -(t.item.published_at or timezone.now())
                                 .timestamp()))
    done = sorted((t for t in out if t.done), key=lambda t: t.completed_at, reverse=True)
    return todo + done


def task_for(person, item):
    """The person's Task for `item` (published and assigned to them), else None."""
    if person is None or item.status != ItemStatus.PUBLISHED:
        return None
    tasks = {}
    for a in Assignment.objects.filter(_assignment_q(person), item=item).order_by("id"):
        a.item = item
        _merge(tasks, a)
    task = tasks.get(item.pk)
    if task is not None:
        p = Progress.objects.filter(person_id=person.pk, item=item).first()
        if p is not None:
            task.seconds, task.completed_at = p.seconds, p.completed_at
    return task


def access_to(user, item):
    """How `user` may open `item`: "learner" (assigned to them, published), "manager" (learning:manage over its
    organisation: also drafts), "reader" (learning:read over it, published or withdrawn), or None."""
    if has_perm(user, MANAGE, item.org_path):
        return "manager"
    if item.status != ItemStatus.DRAFT and has_perm(user, READ, item.org_path):
        return "reader"
    return None


def open_item(user, pk):
    """(item, task, access) for the reading page, or 404. A learner is anyone the item is assigned to; their task
    comes with it."""
    try:
        item = LearningItem.objects.select_related("org").get(pk=int(pk))
    except (LearningItem.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    person = _person(user)
    task = task_for(person, item) if person is not None else None
    access = access_to(user, item)
    if task is None and access is None:
        raise Http404
    if task is not None:
        access = "learner"
    return item, task, access


def _person(user):
    pid = getattr(user, "person_id", None)
    return Person.objects.filter(pk=pid).first() if pid else None


# ---- heartbeats --------------------------------------------------------------------------------------------------

@dataclass
class BeatResult:
    task: Task
    earned: int
    completed_now: bool
    credit: CreditEntry | None


def heartbeat(user, item_pk, now=None):
    """One heartbeat of the reading page of `item_pk` by `user`: counts the plausible time since the previous one
    (rules.heartbeat) on the person's progress row, locked, and completes the item — once — when the minimum is
    reached, awarding its credits. A person the item is not assigned to gets 404."""
    now = now or timezone.now()
    person = _person(user)
    if person is None:
        raise Http404
    try:
        item = LearningItem.objects.get(pk=int(item_pk))
    except (LearningItem.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    task = task_for(person, item)
    if task is None:
        raise Http404
    if item.deadline and timezone.localdate(now) > item.deadline and not task.done:
        raise DomainError(_("This item closed on %(day)s: reading no longer counts.") % {
            "day": item.deadline.isoformat()}, field="item")
    with transaction.atomic():
        progress = Progress.objects.select_for_update().filter(person=person, item=item).first()
        if progress is None:
            try:
                with transaction.atomic():
                    progress = Progress.objects.create(person=person, item=item)
            except IntegrityError:  # the first heartbeat of another tab came first
                pass
            progress = Progress.objects.select_for_update().get(person=person, item=item)
        beat = rules.heartbeat(progress.seconds, progress.last_ping_at, now, item.required_seconds,
                               progress.completed_at is not None)
        credit = None
        if progress.completed_at is None:
            progress.seconds = beat.seconds
            progress.pings += 1
            progress.last_ping_at = now
            if beat.completes:
                progress.completed_at = now
            progress.save(update_fields=["seconds", "pings", "last_ping_at", "completed_at"])
            if beat.completes:
                credit = _award_item(person, item, now)
    task.seconds, task.completed_at = progress.seconds, progress.completed_at
    return BeatResult(task, beat.earned, beat.completes, credit)


def _award(person, *, year, points, source, key, earned_on, ref="", item=None, corrects=None, note="",
           actor=None):
    """Write one ledger entry unless one for the same source exists (then None). Own savepoint."""
    if CreditEntry.objects.filter(person=person, source_key=key).exists():
        return None
    try:
        with transaction.atomic():
            return CreditEntry.objects.create(person=person, year=year, points=points, source=source,
                                              source_key=key, earned_on=earned_on, ref=ref, item=item,
                                              corrects=corrects, note=note, created_by=acting_user(actor))
    except IntegrityError:  # awarded at the same moment
        return None


def _award_item(person, item, now):
    rule = rule_for_path(person.scope_path)
    points = rules.item_credits(rule, item.credits)
    if points <= 0:
        return None
    day = timezone.localdate(now)
    return _award(person, year=day.year, points=points, source=CreditSource.ITEM, key=rules.item_key(item.pk),
                  earned_on=day, item=item, ref=f"item:{item.pk}")


@transaction.atomic
def exam_passed(person_id: int, month: date, tier: str, on: date, ref: str) -> CreditEntry | None:
    """Award the exam credits of the person's applicable rule for passing the exam of `month` (its first day) at
    `tier` ("A", "B" or "C"), once per (person, month, tier). Returns the new entry, or None if it was awarded
    already or the rule gives 0. The credits count in the exam month's year; `on` is the day it was passed, `ref` a
    short reference such as "attempt:123". Called by the exams app after an attempt is scored as passed."""
    if tier not in rules.EXAM_TIERS:
        raise DomainError(_("Choose a value from the list."), field="tier")
    if isinstance(month, datetime) or not isinstance(month, date):
        raise DomainError(_("Enter a valid date."), field="month")
    if isinstance(on, datetime):
        on = timezone.localdate(on) if timezone.is_aware(on) else on.date()
    if not isinstance(on, date):
        raise DomainError(_("Enter a valid date."), field="on")
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        raise DomainError(_("Choose people from the list."), field="person_id")
    month = month.replace(day=1)
    points = rule_for_path(person.scope_path).credits_per_exam
    if points <= 0:
        return None
    return _award(person, year=month.year, points=points, source=CreditSource.EXAM,
                  key=rules.exam_key(month, tier), earned_on=on, ref=str(ref or "").replace("\x00", "")[:80])


# ---- manual entries and corrections ---------------------------------------------------------------------------

def _person_in_scope(actor, person, perm):
    if not isinstance(person, Person) or not person.scope_path:
        raise Http404
    require(actor, perm, person.scope_path)


@transaction.atomic
def add_credit(actor, person, *, year, points, note, today=None):
    """Credits recorded by hand (e.g. a training course taken outside the platform), learning:manage over the
    person's organisation."""
    import uuid

    _person_in_scope(actor, person, MANAGE)
    today = today or timezone.localdate()
    year = _int(year, "year", 2000, today.year)
    points = _decimal(points, "points", Decimal("0.1"), MAX_CREDITS)
    note = clean_text(note, "note", 300, required=True)
    return _award(person, year=year, points=points, source=CreditSource.MANUAL, key=f"manual:{uuid.uuid4().hex}",
                  earned_on=today, note=note, actor=actor)


@transaction.atomic
def correct_credit(actor, entry, *, points, note, today=None):
    """A correction of a ledger entry: a new entry of `points` (negative to take credits back) naming it. The
    entry and its corrections together never go below zero."""
    import uuid

    row = (CreditEntry.objects.select_for_update().filter(pk=getattr(entry, "pk", None))
           .select_related("person").first())
    if row is None:
        raise Http404
    _person_in_scope(actor, row.person, MANAGE)
    if row.corrects_id:
        raise DomainError(_("Correct the original entry, not a correction."), field="corrects")
    points = _decimal(points, "points", -MAX_CREDITS, MAX_CREDITS)
    if points == 0:
        raise DomainError(_("Enter a number other than 0."), field="points")
    note = clean_text(note, "note", 300, required=True)
    net = row.points + (row.corrections.aggregate(s=Sum("points"))["s"] or 0) + points
    if net < 0:
        raise DomainError(_("This would take back more than the entry gave."), field="points")
    return _award(row.person, year=row.year, points=points, source=CreditSource.CORRECTION,
                  key=f"correction:{uuid.uuid4().hex}", earned_on=today or timezone.localdate(), item=row.item,
                  corrects=row, note=note, actor=actor)


# ---- credits of a person ------------------------------------------------------------------------------------------

def credits_of(person, year):
    """A person's credits for `year`: total, target (of the rule that applies now), the entries and the sums by
    source, and the totals of every year. Three queries."""
    rule = rule_for_path(person.scope_path)
    entries = list(CreditEntry.objects.filter(person=person, year=year).select_related("item", "corrects")
                   .order_by("-earned_on", "-id"))
    total = sum((e.points for e in entries), Decimal(0))
    by_source = []
    for value, label in CreditSource.choices:
        rows = [e for e in entries if e.source == value]
        if rows:
            by_source.append({"source": value, "label": label, "count": len(rows),
                              "points": sum((e.points for e in rows), Decimal(0))})
    years = list(CreditEntry.objects.filter(person=person).values("year").annotate(points=Sum("points"))
                 .order_by("-year"))
    if not any(y["year"] == year for y in years):
        years = sorted([*years, {"year": year, "points": total}], key=lambda y: -y["year"])
    target = rule.yearly_target
    return {"year": year, "total": total, "target": target, "reached": total >= target,
            "percent": min(100, int(100 * total / target)) if target else 100, "rule": rule,
            "entries": entries, "by_source": by_source, "years": years}


# ---- figures of a subtree -------------------------------------------------------------------------------------------

def _year_items(year, path):
    """The items published in `year` (still published or withdrawn since) with their assignments reaching the
    subtree at `path`: {item_id: item}, [(item_id, org_path)], [(item_id, person_id)]. Two queries."""
    return _items_published(date(year, 1, 1), date(year + 1, 1, 1), path)


def _items_published(start, stop, path):
    """The same for the items published on the days [start, stop)."""
    items = {i.pk: i for i in LearningItem.objects.filter(published_at__date__gte=start, published_at__date__lt=stop)
             .exclude(status=ItemStatus.DRAFT)
             .only("id", "title", "kind", "status", "org_id", "org_path", "min_minutes", "published_at")}
    if not items:
        return {}, [], []
    reach = Q(org_path__in=rules.ancestor_paths(path)) | Q(org_path__startswith=path)
    org_rows, person_rows = [], []
    for item_id, org_id, org_path, person_id in (Assignment.objects.filter(item_id__in=list(items))
                                                 .filter(reach | Q(person__scope_path__startswith=path))
                                                 .values_list("item_id", "org_id", "org_path", "person_id")):
        if org_id:
            org_rows.append((item_id, org_path))
        else:
            person_rows.append((item_id, person_id))
    return items, org_rows, person_rows


MEMBER_LIST_LIMIT = 300


def completion(root, year):
    """Completion and credits of the subtree of `root` for `year`, by child organisation (drilling down), by item,
    and — for a subtree of at most MEMBER_LIST_LIMIT members — by member. A fixed number of queries whatever the
    size of the subtree."""
    people = list(roll_people(root.path).values_list("id", "scope_path", "name").order_by("scope_path", "name", "id"))
    pairs_people = [(pid, path) for pid, path, _name in people]
    items, org_rows, person_rows = _year_items(year, root.path)
    ids = {pid for pid, _p in pairs_people}
    pairs = rules.assigned_pairs(pairs_people, org_rows, [(i, p) for i, p in person_rows if p in ids])
    completed = set()
    if items:
        completed = set(Progress.objects.filter(item_id__in=list(items), completed_at__isnull=False,
                                                person__scope_path__startswith=root.path)
                        .values_list("person_id", "item_id"))
    totals = dict(CreditEntry.objects.filter(year=year, person__scope_path__startswith=root.path)
                  .values("person_id").annotate(s=Sum("points")).values_list("person_id", "s"))
    by_path = rules_by_path(rules.ancestor_paths(root.path), under=root.path)
    targets = {pid: rules.nearest_rule(path, by_path).yearly_target for pid, path in pairs_people}
    figures = rules.completion_rows(root.path, pairs_people, pairs, completed, totals, targets)
    children = list(Organization.objects.filter(Q(parent=root, status=OrgStatus.ACTIVE)
                                                | Q(path__in=[p for p in figures if p != root.path]))
                    .only("id", "name", "path", "org_type", "status").order_by("sort_order", "path"))
    empty = {"members": 0, "assigned": 0, "completed": 0, "reached": 0, "rate": None, "reached_rate": None}
    rows = []
    if root.path in figures:
        rows.append({"org": root, "own": True, **figures[root.path]})
    for c in children:
        rows.append({"org": c, "own": False, **figures.get(c.path, empty)})
    assigned, done = Counter(), Counter()
    for pid, item_ids in pairs.items():
        for item_id in item_ids:
            assigned[item_id] += 1
            done[item_id] += (pid, item_id) in completed
    item_rows = [{"item": items[i], "assigned": n, "completed": done[i], "rate": rules.rate(done[i], n)}
                 for i, n in assigned.items() if i in items]
    item_rows.sort(key=lambda r: r["item"].published_at, reverse=True)
    members = None
    if len(people) <= MEMBER_LIST_LIMIT:
        org_names = dict(Organization.objects.filter(path__in={p for _i, p, _n in people}).values_list("path", "name"))
        members = [{"id": pid, "name": name, "org": org_names.get(path, ""), "assigned": len(pairs[pid]),
                    "completed": sum(1 for i in pairs[pid] if (pid, i) in completed),
                    "credits": totals.get(pid, Decimal(0)), "target": targets[pid],
                    "reached": totals.get(pid, Decimal(0)) >= targets[pid]} for pid, path, name in people]
    return {"root": root, "year": year, "rows": rows, "total": rules.total_row([figures[k] for k in figures]),
            "items": item_rows, "members": members, "member_count": len(people)}


def completion_by_org(path, start, stop):
    """[(organisation path, assigned, completed)] of the items published on the days [start, stop), for the
    members on the roll under `path` ("" for all), each organisation for the members placed directly in it — the
    completion rate's figures (`completion`) at the finest grain, for the platform figures (learning/metrics.py).
    No item published: one query and nothing to count."""
    items, org_rows, person_rows = _items_published(start, stop, path)
    if not items:
        return []
    people = list(roll_people(path).values_list("id", "scope_path"))
    ids = {pid for pid, _p in people}
    pairs = rules.assigned_pairs(people, org_rows, [(i, p) for i, p in person_rows if p in ids])
    completed = set(Progress.objects.filter(item_id__in=list(items), completed_at__isnull=False,
                                            person__scope_path__startswith=path)
                    .values_list("person_id", "item_id"))
    rows = {}
    for pid, scope_path in people:
        assigned = pairs.get(pid, ())
        if not assigned:
            continue
        row = rows.setdefault(scope_path, [0, 0])
        row[0] += len(assigned)
        row[1] += sum(1 for i in assigned if (pid, i) in completed)
    return [(p, a, c) for p, (a, c) in rows.items()]


def item_completion(item, root):
    """The members on the roll under `root` the item is assigned to, each with their progress: list of dicts,
    to do first. Four queries."""
    people = list(roll_people(root.path).values_list("id", "scope_path"))
    org_rows = list(item.assignments.filter(org__isnull=False).values_list("item_id", "org_path"))
    person_rows = list(item.assignments.filter(person__isnull=False).values_list("item_id", "person_id"))
    pairs = rules.assigned_pairs(people, org_rows, person_rows)
    ids = [pid for pid, _p in people if item.pk in pairs[pid]]
    progress = {p.person_id: p for p in Progress.objects.filter(item=item, person_id__in=ids)}
    persons = Person.objects.filter(pk__in=ids).select_related("org", "group").order_by("scope_path", "name", "id")
    out = []
    for person in persons:
        p = progress.get(person.pk)
        out.append({"person": person, "seconds": p.seconds if p else 0, "completed_at": p.completed_at if p else None,
                    "started": p is not None,
                    "percent": 100 if p and p.completed_at else min(99, int(100 * (p.seconds if p else 0)
                                                                          / item.required_seconds))})
    out.sort(key=lambda r: r["completed_at"] is not None)
    return out


def visible_items(user, perm=MANAGE):
    return scoped(LearningItem.objects.all(), user, perm)


def managed_person(user, pk, perm=READ):
    """A person whose credits `user` may see (learning:read over their organisation), or 404."""
    from dangjian.accounts.scoping import get_scoped_or_404

    return get_scoped_or_404(Person.objects.select_related("org", "group"), user, perm, pk=pk)


def own_paths(user):
    return scope_for(user).own_paths
