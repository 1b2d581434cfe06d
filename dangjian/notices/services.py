"""The notice service and announcements.

`notify(people, kind, title, body, link, source)` is how every module tells a person something: one row per person
in the platform inbox (the bell), written with bulk_create, then the configured channels (console, email, SMS
gateway) after the commit. Announcements (通知公告) go from an organisation to an audience; their recipients'
notices and read receipts are written in batches by a background task (tasks.write_recipients), resumable from
the last person written. Each function owns its transaction, checks the caller's right (404 for outsiders),
validates (DomainError naming the field) and leaves an audit trail.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count, F, Max, OuterRef, Q, Subquery
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts import rules as perms
from dangjian.accounts.models import Post, Role
from dangjian.accounts.scoping import has_perm, path_q, require, scoped
from dangjian.audit import chain
from dangjian.core import richtext, uploads
from dangjian.core.context import acting_user
from dangjian.core.errors import DomainError, check_version
from dangjian.core.text import clean_moment, clean_text
from dangjian.orgs.models import Organization, OrgStatus
from dangjian.people.codes import MEMBER_STATUSES, ON_ROLL
from dangjian.people.models import Person

from . import channels, rules
from .models import Announcement, AnnouncementState, Attachment, AudienceKind, Notice, Receipt

SEND, RECEIPTS = perms.NOTICES_SEND, perms.NOTICES_RECEIPTS
BATCH = 10000
CHANNEL_LIMIT = 1000  # larger notices (an announcement to a whole committee) reach people through the inbox only


# ---- notices ---------------------------------------------------------------------------------------------------

def _source_fields(source):
    if source is None:
        return None, None
    return ContentType.objects.get_for_model(source, for_concrete_model=True), source.pk


def _ids(people):
    if hasattr(people, "values_list") and getattr(people, "model", None) is Person:
        return list(people.values_list("pk", flat=True))
    return [p.pk if isinstance(p, Person) else int(p) for p in people]


def notify_each(messages, kind, link="", source=None, deliver=True, batch_size=2000):
    """One notice per (person or person id, title, body) in `messages`. Returns the number written."""
    source_type, source_id = _source_fields(source)
    link = (link or "")[:300]
    now = timezone.now()
    rows = [Notice(person_id=p.pk if isinstance(p, Person) else p, kind=kind, title=str(title)[:200],
                   body=str(body or ""), link=link, source_type=source_type, source_id=source_id, created_at=now)
            for p, title, body in messages]
    Notice.objects.bulk_create(rows, batch_size=batch_size)
    if deliver and rows and len(rows) <= CHANNEL_LIMIT:
        sent = [(r.person_id, r.title, r.body) for r in rows]

        def send():
            people = Person.objects.in_bulk([pid for pid, _t, _b in sent])
            for pid, title, body in sent:
                if pid in people:
                    channels.deliver(people[pid], title, body)

        transaction.on_commit(send)
    return len(rows)


def notify(people, kind, title, body="", link="", source=None, deliver=True):
    """Tell each of `people` (Person rows, ids or a Person queryset) something: one inbox notice each (`link` the
    path that opens what it is about, `source` that object), and the channels after the commit."""
    return notify_each(((pid, title, body) for pid in _ids(people)), kind, link=link, source=source,
                       deliver=deliver)


def already_notified(person_ref, kind, title):
    """A queryset of notices of `kind` and `title` to `person_ref` (an id or an OuterRef), for "once only" checks."""
    return Notice.objects.filter(person_id=person_ref, kind=kind, title=title)


def my_notices(user, unread=False, limit=50):
    pid = getattr(user, "person_id", None)
    if not pid:
        return Notice.objects.none()
    qs = Notice.objects.filter(person_id=pid)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")[:limit]


def unread_count(user):
    """The bell's number (the partial index notice_unread_idx answers it)."""
    pid = getattr(user, "person_id", None)
    return Notice.objects.filter(person_id=pid, read_at__isnull=True).count() if pid else 0


def mark_read(user, notice_id=None):
    """Mark one of the user's notices read (404 if it is not theirs), or all of them. Returns the notice or the
    number marked."""
    pid = getattr(user, "person_id", None)
    now = timezone.now()
    if notice_id is None:
        return Notice.objects.filter(person_id=pid, read_at__isnull=True).update(read_at=now) if pid else 0
    notice = Notice.objects.filter(person_id=pid, pk=notice_id).first() if pid else None
    if notice is None:
        raise Http404
    if notice.read_at is None:
        Notice.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=now)
        notice.read_at = now
    return notice


# ---- audience --------------------------------------------------------------------------------------------------

ROLE_CHOICES = Role.choices


def audience_people(org_path, kind, org_paths=(), roles=(), members_only=True, on=None):
    """The people an announcement from the organisation at `org_path` reaches (a Person queryset)."""
    on_roll = Q(status__in=ON_ROLL)
    if kind == AudienceKind.POSTS:
        within = path_q(("org__path",), list(org_paths) or [org_path])
        holders = Post.objects.active(on).filter(within, role__in=list(roles), org__status=OrgStatus.ACTIVE)
        return Person.objects.filter(on_roll, pk__in=holders.values("person_id"))
    paths = [org_path] if kind == AudienceKind.SUBTREE else list(org_paths)
    q = path_q(("scope_path",), paths) & on_roll
    if members_only:
        q &= Q(political_status__in=MEMBER_STATUSES)
    return Person.objects.filter(q)


def announcement_people(ann):
    return audience_people(ann.org_path, ann.audience_kind, [o.path for o in ann.audience_orgs.all()],
                           ann.audience_roles, ann.members_only)


def _clean_audience(org, kind, orgs, roles):
    if kind not in AudienceKind.values:
        raise DomainError(_("Choose who the announcement is for."), field="audience_kind")
    chosen = []
    if orgs:
        try:
            ids = {int(o.pk if isinstance(o, Organization) else o) for o in orgs}
        except (TypeError, ValueError):
            raise DomainError(_("Choose organisations from the list."), field="audience_orgs") from None
        chosen = list(Organization.objects.filter(pk__in=ids, status=OrgStatus.ACTIVE,
                                                  path__startswith=org.path).order_by("path"))
        if len(chosen) != len(ids):
            raise DomainError(_("Choose organisations within the sending organisation."), field="audience_orgs")
    if kind == AudienceKind.ORGS and not chosen:
        raise DomainError(_("Choose at least one organisation."), field="audience_orgs")
    roles = list(dict.fromkeys(roles or []))
    if kind == AudienceKind.POSTS:
        if not roles:
            raise DomainError(_("Choose at least one post."), field="audience_roles")
        if any(r not in Role.values for r in roles):
            raise DomainError(_("Choose posts from the list."), field="audience_roles")
    else:
        roles = []
    if kind == AudienceKind.SUBTREE:
        chosen = []
    return chosen, roles


def _check_files(files):
    files = [f for f in files or () if f]
    if len(files) > rules.MAX_ATTACHMENTS:
        raise DomainError(_("At most %(n)d attachments.") % {"n": rules.MAX_ATTACHMENTS}, field="attachments")
    checked = []
    for upload in files:
        problem = rules.attachment_problem(upload.name, upload.size, uploads.head(upload, 8))
        if problem == "size":
            raise DomainError(_("%(name)s is larger than 20 MB.") % {"name": upload.name}, field="attachments")
        if problem:
            raise DomainError(_("%(name)s: attach PDF, Word, Excel, PowerPoint, image or text files.")
                              % {"name": upload.name}, field="attachments")
        checked.append(upload)
    return checked


def _clean_content(title, body):
    title = clean_text(title, "title", 200, required=True)
    body = richtext.clean(clean_text(body, "body", 200_000))
    if richtext.is_blank(body):
        raise DomainError(_("Write the text of the announcement."), field="body")
    return title, body


def _clean_deadline(must_read, deadline, now):
    if not must_read:
        return None
    if deadline in (None, ""):
        return None
    deadline = clean_moment(deadline, "deadline")
    if deadline <= now:
        raise DomainError(_("The deadline must be in the future."), field="deadline")
    return deadline


def _clean_every(value):
    if value in (None, "", 0, "0"):
        return None
    try:
        value = int(value)
    except (TypeError, ValueError):
        raise DomainError(_("Give a number of days between 1 and 30."), field="remind_every_days") from None
    if not 1 <= value <= 30:
        raise DomainError(_("Give a number of days between 1 and 30."), field="remind_every_days")
    return value


def sender_orgs(user):
    from dangjian.orgs.services import active_orgs_for

    return active_orgs_for(user, SEND)


# ---- announcements ---------------------------------------------------------------------------------------------

def announcement_link(ann):
    return reverse("notices:announcement", args=[ann.pk])


def publish(actor, org, *, title, body, audience_kind=AudienceKind.SUBTREE, audience_orgs=(), audience_roles=(),
            members_only=True, must_read=False, deadline=None, pinned=False, remind_every_days=None,
            attachments=(), now=None):
    """Create an announcement and start writing its recipients (in the background with a broker, inline
    without). Refused with nothing written: no right to send from `org`, an empty audience, bad input."""
    now = now or timezone.now()
    with transaction.atomic():
        if not isinstance(org, Organization):
            try:
                org = Organization.objects.get(pk=int(org), status=OrgStatus.ACTIVE)
            except (TypeError, ValueError, Organization.DoesNotExist):
                raise DomainError(_("Choose the sending organisation."), field="org") from None
        require(actor, SEND, org.path)
        title, body = _clean_content(title, body)
        chosen, roles = _clean_audience(org, audience_kind, audience_orgs, audience_roles)
        must_read = bool(must_read)
        deadline = _clean_deadline(must_read, deadline, now)
        every = _clean_every(remind_every_days) if must_read else None
        files = _check_files(attachments)
        total = audience_people(org.path, audience_kind, [o.path for o in chosen], roles, members_only).count()
        if not total:
            raise DomainError(_("Nobody is in this audience: choose other organisations or posts."),
                              field="audience_kind")
        ann = Announcement.objects.create(
            org=org, org_path=org.path, title=title, body=body, audience_kind=audience_kind, audience_roles=roles,
            members_only=bool(members_only), must_read=must_read, deadline=deadline, pinned=bool(pinned),
            remind_every_days=every, recipients_total=total, created_by=acting_user(actor))
        ann.audience_orgs.set(chosen)
        for upload in files:
            Attachment.objects.create(announcement=ann, file=upload, name=upload.name[:200], size=upload.size,
                                      content_type=rules.content_type_for(upload.name))
    _start_writing(ann)
    ann.refresh_from_db()
    return ann


def _start_writing(ann):
    """Queue the writing of the recipients: inline (eager, no REDIS_URL) at once; with a broker after the commit
    when called inside a caller's transaction, so the worker sees the announcement."""
    from . import tasks

    if transaction.get_connection().in_atomic_block and not getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        transaction.on_commit(lambda: tasks.write_recipients.delay(ann.pk))
    else:
        tasks.write_recipients.delay(ann.pk)


def write_batch(pk, batch=BATCH):
    """Write the next `batch` recipients (a notice and a receipt each) of announcement `pk`. Returns the number
    written, 0 when it is done (the announcement is then published). Safe to repeat: it resumes after the last
    person written."""
    with transaction.atomic():
        ann = Announcement.objects.select_for_update().filter(pk=pk).first()
        if ann is None or ann.state != AnnouncementState.PUBLISHING:
            return 0
        audience = announcement_people(ann)
        # the batch is the next `batch` people after the cursor: its last id bounds a range the inserts select
        after = audience.filter(pk__gt=ann.cursor)
        upper = after.order_by("pk").values_list("pk", flat=True)[batch - 1:batch].first()
        if upper is None:
            upper = after.aggregate(last=Max("pk"))["last"]
        if upper is None:
            state = rules.next_state(ann.state, "written")
            Announcement.objects.filter(pk=pk).update(state=state, published_at=ann.published_at or timezone.now(),
                                                      recipients_total=ann.recipients_written)
            chain.record(chain.AuditEntry.Action.TRANSITION, "notices.announcement", ann.pk, object_repr=ann.title,
                         org_path=ann.org_path, before={"state": ann.state},
                         after={"state": state, "revision": ann.revision, "recipients": ann.recipients_written})
            return 0
        now = timezone.now()
        title = ann.title if ann.revision == 1 else _("Updated: %(title)s") % {"title": ann.title}
        if ann.must_read:
            title = _("Must read: %(title)s") % {"title": title}
        written = _insert_batch(ann, after.filter(pk__lte=upper), upper, title[:200], richtext.plain(ann.body), now)
        for_now = ann.recipients_written + written
        Announcement.objects.filter(pk=pk).update(cursor=upper, recipients_written=for_now,
                                                  recipients_total=max(ann.recipients_total, for_now), updated_at=now)
        return max(written, 1)  # a range of nobody (people left meanwhile) still moves the cursor on


def _insert_batch(ann, people, upper, title, body, now):
    """One receipt for each of `people` (a Person queryset: the batch's id range), then one notice for each receipt
    of that range, written set-based: INSERT … SELECT (no rows through Python), on SQLite and PostgreSQL alike.
    Returns the number of recipients written."""
    from django.db import connection

    ids_sql, ids_params = people.values("pk").query.sql_with_params()
    q = connection.ops.quote_name
    person, receipt = q(Person._meta.db_table), q(Receipt._meta.db_table)
    source_type = ContentType.objects.get_for_model(Announcement).pk
    with connection.cursor() as cur:
        cur.execute(f"INSERT INTO {receipt} (announcement_id, revision, person_id, org_path) "
                    f"SELECT %s, %s, p.id, p.scope_path FROM {person} p WHERE p.id IN ({ids_sql})",
                    [ann.pk, ann.revision, *ids_params])
        written = cur.rowcount
        cur.execute(f"INSERT INTO {q(Notice._meta.db_table)} "
                    f"(person_id, kind, title, body, link, source_type_id, source_id, created_at, read_at) "
                    f"SELECT r.person_id, %s, %s, %s, %s, %s, %s, %s, NULL FROM {receipt} r "
                    f"WHERE r.announcement_id = %s AND r.revision = %s AND r.person_id > %s AND r.person_id <= %s",
                    ["announcement", title, body, announcement_link(ann)[:300], source_type, ann.pk, now,
                     ann.pk, ann.revision, ann.cursor, upper])
    return written


def write_all(pk, batch=BATCH):
    written = 0
    while True:
        n = write_batch(pk, batch)
        if not n:
            return written
        written += n


def _lock_own(actor, ann, perm=SEND):
    ann = Announcement.objects.select_for_update().get(pk=ann.pk)
    require(actor, perm, ann.org_path)
    return ann


def edit(actor, ann, *, title, body, substantive, version=None, pinned=None, must_read=None, deadline=None,
         now=None):
    """Change the text. `substantive`: a new revision — every recipient is asked to read (and confirm) it again;
    otherwise (a typo) the receipts are kept. A withdrawn announcement is not edited; a stale version is refused."""
    now = now or timezone.now()
    with transaction.atomic():
        ann = _lock_own(actor, ann)
        check_version(ann, version)
        if ann.state == AnnouncementState.WITHDRAWN:
            raise DomainError(_("The announcement was withdrawn."))
        if substantive and ann.state == AnnouncementState.PUBLISHING:
            raise DomainError(_("The announcement is still being sent: edit it when it is published."))
        title, body = _clean_content(title, body)
        before = {"title": ann.title, "revision": ann.revision, "state": ann.state}
        ann.title, ann.body = title, body
        if pinned is not None:
            ann.pinned = bool(pinned)
        if must_read is not None:
            ann.must_read = bool(must_read)
            ann.deadline = _clean_deadline(ann.must_read, deadline, now) if deadline is not None or not must_read \
                else ann.deadline
        if substantive:
            ann.state = rules.next_state(ann.state, "revise")
            ann.revision += 1
            ann.cursor, ann.recipients_written = 0, 0
            ann.recipients_total = announcement_people(ann).count()
            ann.last_reminded_at = None
        ann.version += 1
        ann.save()
        chain.record(chain.AuditEntry.Action.UPDATE if not substantive else chain.AuditEntry.Action.TRANSITION,
                     "notices.announcement", ann.pk, object_repr=ann.title, org_path=ann.org_path, before=before,
                     after={"title": ann.title, "revision": ann.revision, "state": ann.state,
                            "substantive": bool(substantive)}, actor=acting_user(actor))
    if substantive:
        _start_writing(ann)
        ann.refresh_from_db()
    return ann


def withdraw(actor, ann, reason, version=None):
    """Withdraw: kept and shown marked as withdrawn; nobody is asked to read it any more."""
    with transaction.atomic():
        ann = _lock_own(actor, ann)
        check_version(ann, version)
        reason = clean_text(reason, "reason", 300, required=True)
        try:
            state = rules.next_state(ann.state, "withdraw")
        except ValueError:
            raise DomainError(_("The announcement was already withdrawn.")) from None
        before = ann.state
        ann.state, ann.withdrawn_at, ann.withdraw_reason = state, timezone.now(), reason
        ann.version += 1
        ann.save()
        chain.record(chain.AuditEntry.Action.TRANSITION, "notices.announcement", ann.pk, object_repr=ann.title,
                     org_path=ann.org_path, before={"state": before}, after={"state": state, "reason": reason},
                     actor=acting_user(actor))
    return ann


# ---- reading ---------------------------------------------------------------------------------------------------

def can_see_receipts(user, ann):
    return has_perm(user, RECEIPTS, ann.org_path)


def get_for_reader(user, pk):
    """The announcement for someone it was sent to, or for the sender and the posts above; else 404."""
    pid = getattr(user, "person_id", None)
    extra = Q(receipts__person_id=pid) if pid else None
    qs = scoped(Announcement.objects.select_related("org"), user, RECEIPTS, extra=extra)
    ann = qs.filter(pk=pk).distinct().first() if str(pk).isdigit() else None
    if ann is None:
        raise Http404
    return ann


def my_receipt(user, ann):
    pid = getattr(user, "person_id", None)
    if not pid:
        return None
    return Receipt.objects.filter(announcement=ann, person_id=pid).order_by("-revision").first()


def read(user, ann, confirm=False):
    """The user opened (or, for a must-read announcement, confirmed) the current revision: its receipt is read.
    Opening a must-read announcement does not count until they confirm. Returns the receipt (None if they are
    not a recipient)."""
    receipt = my_receipt(user, ann)
    if receipt is None or receipt.revision != ann.revision or receipt.read_at is not None:
        return receipt
    if ann.state == AnnouncementState.WITHDRAWN:
        return receipt
    if ann.must_read and not confirm:
        return receipt
    now = timezone.now()
    Receipt.objects.filter(pk=receipt.pk, read_at__isnull=True).update(read_at=now)
    receipt.read_at = now
    Notice.objects.filter(person_id=receipt.person_id, read_at__isnull=True, source_id=ann.pk,
                          source_type=ContentType.objects.get_for_model(Announcement)).update(read_at=now)
    return receipt


def received(user, limit=100):
    """Announcements sent to the user (current revision), pinned first, with `my_read_at` annotated."""
    pid = getattr(user, "person_id", None)
    if not pid:
        return Announcement.objects.none()
    mine = Receipt.objects.filter(person_id=pid, announcement_id=OuterRef("pk"), revision=OuterRef("revision"))
    return (Announcement.objects.filter(receipts__person_id=pid, receipts__revision=F("revision"))
            .exclude(state=AnnouncementState.PUBLISHING, published_at__isnull=True)
            .annotate(my_read_at=Subquery(mine.values("read_at")[:1]))
            .select_related("org").order_by("-pinned", "-published_at", "-id")[:limit])


def must_read_unread(user, limit=5):
    """Published must-read announcements the user has not confirmed yet (home card and to-do)."""
    pid = getattr(user, "person_id", None)
    if not pid:
        return Announcement.objects.none()
    return (Announcement.objects.filter(state=AnnouncementState.PUBLISHED, must_read=True, receipts__person_id=pid,
                                        receipts__revision=F("revision"), receipts__read_at__isnull=True)
            .select_related("org").order_by("deadline", "-published_at")[:limit])


def must_read_count(person_id):
    return (Receipt.objects.filter(person_id=person_id, read_at__isnull=True, announcement__must_read=True,
                                   announcement__state=AnnouncementState.PUBLISHED,
                                   revision=F("announcement__revision")).count())


def sent(user, limit=100):
    """Announcements of the organisations whose receipts the user sees."""
    return (scoped(Announcement.objects.select_related("org"), user, RECEIPTS)
            .order_by("-pinned", "-created_at", "-id")[:limit])


def receipts(actor, ann, node=None, unread_limit=200):
    """Read receipts of the current revision, for the sender organisation and the posts above (404 otherwise):
    totals, the read rate per child organisation of `node` (default: the sender organisation; a drill-down
    stays inside it) and the people under `node` who have not read, by name."""
    require(actor, RECEIPTS, ann.org_path)
    if node is None:
        node = ann.org
    elif not node.path.startswith(ann.org_path):
        raise Http404
    current = Receipt.objects.filter(announcement=ann, revision=ann.revision)
    within = current.filter(org_path__startswith=node.path)
    rows = list(within.values("org_path").annotate(total=Count("id"), read=Count("id", filter=Q(
        read_at__isnull=False))).values_list("org_path", "total", "read"))
    children = list(Organization.objects.filter(parent=node).order_by("path"))
    rates, own = rules.fold_rates(rows, node.path, [c.path for c in children])
    by_path = {c.path: c for c in children}
    total = rules.Rate(node.path, sum(r[1] for r in rows), sum(r[2] for r in rows))
    unread = list(within.filter(read_at__isnull=True).select_related("person")
                  .order_by("org_path", "person__name", "person_id")[:unread_limit])
    return {"node": node, "total": total, "own": own, "unread": unread,
            "children": [(by_path[r.key], r) for r in rates if r.total],
            "lineage": list(Organization.objects.filter(path__in=[node.path[:i] for i in range(
                len(ann.org_path), len(node.path) + 1, 8)]).order_by("path"))}


def remind_unread(actor, ann, now=None):
    """Remind everyone who has not read the current revision (once now). Returns the number reminded."""
    now = now or timezone.now()
    with transaction.atomic():
        ann = _lock_own(actor, ann)
        if ann.state != AnnouncementState.PUBLISHED:
            raise DomainError(_("Only a published announcement can be reminded."))
        ids = list(Receipt.objects.filter(announcement=ann, revision=ann.revision, read_at__isnull=True)
                   .values_list("person_id", flat=True))
        title = _("Reminder: please read %(title)s") % {"title": ann.title}
        n = notify(ids, "reminder", title, richtext.plain(ann.body), link=announcement_link(ann), source=ann,
                   deliver=len(ids) <= CHANNEL_LIMIT)
        Announcement.objects.filter(pk=ann.pk).update(last_reminded_at=now)
        chain.record(chain.AuditEntry.Action.UPDATE, "notices.announcement", ann.pk, object_repr=ann.title,
                     org_path=ann.org_path, after={"reminded": n, "revision": ann.revision},
                     actor=acting_user(actor))
    return n


def remind_due(now=None):
    """The scheduled reminders (beat): every published must-read announcement whose `remind_every_days` has
    passed since the last reminder, before its deadline. Returns the number of announcements reminded."""
    now = now or timezone.now()
    done = 0
    for ann in Announcement.objects.filter(state=AnnouncementState.PUBLISHED, must_read=True,
                                           remind_every_days__isnull=False):
        if rules.reminder_due(state=ann.state, must_read=ann.must_read, every_days=ann.remind_every_days,
                              last_reminded_at=ann.last_reminded_at, published_at=ann.published_at,
                              deadline=ann.deadline, now=now):
            remind_unread(None, ann, now=now)
            done += 1
    return done
