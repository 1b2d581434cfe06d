"""The one way to publish. Every module that puts something before members or the public — a 党务公开 item, a
公示 of a development candidate or of an election result, assessment results, the yearly fee disclosure — calls
`publish()`; objections go through `object_to()` and are answered with `answer()`.

Each change owns its transaction, checks the caller's right through the scoping helper (outsiders get 404),
validates (a DomainError naming the field; nothing changes) and is audited. `actor` None is the platform itself
(a command, a scheduled job, the demo loader).

Who sees what (see docs/publications.md):
- publications:read over the organisation (its post holders and every committee above): everything, drafts,
  withdrawn and archived items included;
- the audience, while the item is displayed (published, from `starts` to `ends` inclusive): members of the
  organisation's subtree (`members`), anyone signed in (`platform`), anyone with the link, no login (`public`).
"""

from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count, Max, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import has_perm, path_q, require, scope_for, scoped
from dangjian.audit import chain
from dangjian.core.context import acting_user
from dangjian.core.errors import DomainError, check_version
from dangjian.core.text import clean_text
from dangjian.orgs.models import Organization, OrgStatus, lineage
from dangjian.workdays import calendar

from . import kinds, rules
from .models import Attachment, Audience, CatalogueItem, Frequency, Objection, Publication, PubState, Reach

READ, MANAGE = perms.PUBLICATIONS_READ, perms.PUBLICATIONS_MANAGE
MAX_BODY = 100_000
MAX_OBJECTION = 2_000
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_DAYS = 366
MODEL = "publications.publication"
Action = chain.AuditEntry.Action


def _signed_in(user):
    return bool(getattr(user, "is_authenticated", False))


# ---- reading -----------------------------------------------------------------------------------------------------

def current_q(today=None):
    today = today or timezone.localdate()
    return Q(state=PubState.PUBLISHED, starts__lte=today) & (Q(ends__isnull=True) | Q(ends__gte=today))


def member_paths(user):
    """The organisations whose members-only items the user reads: those of their own organisation and group, of
    their posts, and every one above them."""
    scope = scope_for(user)
    post_paths = {p for prefixes in scope.grants.values() for p in prefixes}
    return sorted({a for p in (*scope.own_paths, *post_paths) for a in lineage(p)})


def visible(user, today=None):
    """The publications `user` may open. Fails closed: an anonymous visitor only sees current public items."""
    qs = Publication.objects.all()
    current = current_q(today)
    if not _signed_in(user):
        return qs.filter(current, audience=Audience.PUBLIC)
    scope = scope_for(user)
    if scope.superuser:
        return qs
    audience = Q(audience__in=[Audience.PUBLIC, Audience.PLATFORM])
    paths = member_paths(user)
    if paths:
        audience |= Q(audience=Audience.MEMBERS, org_path__in=paths)
    return qs.filter((current & audience) | path_q(("org_path",), scope.prefixes(READ)))


def get_visible_or_404(user, pk):
    try:
        return visible(user).select_related("org").get(pk=pk)
    except (Publication.DoesNotExist, ValueError, TypeError):
        raise Http404


def get_public_or_404(token):
    """A public item by its unguessable token (the link and the QR code), displayed or not (the page says when
    it has ended); drafts and withdrawn items do not exist for the public."""
    try:
        return (Publication.objects.select_related("org")
                .get(token=str(token), audience=Audience.PUBLIC, state__in=[PubState.PUBLISHED, PubState.ARCHIVED]))
    except (Publication.DoesNotExist, ValueError, TypeError):
        raise Http404


def public_items(org, today=None):
    """An organisation's public page: its public items on display now, newest first."""
    return list(Publication.objects.filter(current_q(today), org=org, audience=Audience.PUBLIC)
                .order_by("-starts", "-id"))


def can_manage(user, pub_or_org):
    path = getattr(pub_or_org, "org_path", None) or pub_or_org.path
    return has_perm(user, MANAGE, path)


def can_read_all(user, pub):
    return has_perm(user, READ, pub.org_path)


def in_audience(user, pub):
    """Is `user` (possibly not signed in) in the item's audience?"""
    if pub.audience == Audience.PUBLIC:
        return True
    if not _signed_in(user):
        return False
    if pub.audience == Audience.PLATFORM or scope_for(user).superuser or can_read_all(user, pub):
        return True
    return pub.org_path in member_paths(user)


def objections_of(user, pub):
    """The objections the user may read: all of them for the organisation and above; a signed-in author their own
    named ones."""
    qs = pub.objections.select_related("person", "replied_by").order_by("on", "body")
    if can_read_all(user, pub):
        return list(qs)
    pid = getattr(user, "person_id", None)
    return list(qs.filter(person_id=pid, anonymous=False)) if pid else []


# ---- publishing --------------------------------------------------------------------------------------------------

def _day(value, field):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise DomainError(_("Enter a valid date."), field=field) from None


def period(kind, starts, days=None, ends=None):
    """(starts, ends, days) of a display period: from `days` (working days for a 公示 — the first day counts when
    it is a working day) or from `ends`; refused, naming the field, when shorter than the kind's minimum."""
    starts = _day(starts, "starts")
    if days not in (None, ""):
        try:
            days = int(days)
        except (TypeError, ValueError):
            raise DomainError(_("Enter a whole number of days."), field="days") from None
        if days < 1 or days > MAX_DAYS:
            raise DomainError(_("Enter a number of days from 1 to %(n)s.") % {"n": MAX_DAYS}, field="days")
        if days < kind.min_days:
            raise DomainError(_minimum_message(kind), field="days")
        ends = calendar.period_end(starts, days) if kind.counts_working_days else starts + timedelta(days=days - 1)
        return starts, ends, days
    if ends in (None, ""):
        if kind.min_days:
            raise DomainError(_("Enter how long it is displayed."), field="days")
        return starts, None, None
    ends = _day(ends, "ends")
    if ends < starts:
        raise DomainError(_("The end cannot be before the start."), field="ends")
    counted = calendar.working_days_in(starts, ends) if kind.counts_working_days else (ends - starts).days + 1
    if counted < kind.min_days:
        raise DomainError(_minimum_message(kind), field="ends")
    return starts, ends, counted


def _minimum_message(kind):
    if kind.counts_working_days:
        return _("A %(kind)s is displayed for at least %(n)s working days.") % {"kind": kind.label, "n": kind.min_days}
    return _("A %(kind)s is displayed for at least %(n)s days.") % {"kind": kind.label, "n": kind.min_days}


def _audience(value, kind):
    value = value or kind.default_audience
    if value not in Audience.values:
        raise DomainError(_("Choose who may see it."), field="audience")
    return value


def _attachments(pub, files):
    for f in files:
        size = getattr(f, "size", 0) or 0
        if size > MAX_FILE_BYTES:
            raise DomainError(_("Each attachment may be at most 20 MB."), field="attachments")
        name = clean_text(getattr(f, "name", "") or _("attachment"), "attachments", 200).rsplit("/", 1)[-1]
        att = Attachment(publication=pub, name=name, size=size)
        att.file.save(name, f, save=False)
        att.save()


@transaction.atomic
def publish(actor, org, kind, title, body="", audience=None, starts=None, days=None, ends=None, source=None,
            attachments=(), catalogue_item=None, draft=False, ref=""):
    """Publish (or, with `draft`, prepare) an item of `kind` for `org`. `days` (working days for a 公示) or `ends`
    sets the display period; `source` links back to the object it is about (a person's development, an election,
    an organisation's fees) and `ref` is the module's own key within it (the year). Returns the Publication."""
    if org is None or not isinstance(org, Organization):
        raise DomainError(_("Choose an organisation."), field="org")
    require(actor, MANAGE, org)
    if org.status != OrgStatus.ACTIVE:
        raise DomainError(_("The organisation has been dissolved."), field="org")
    kind = kinds.get(kind)
    title = clean_text(title, "title", 200, required=True)
    body = clean_text(body, "body", MAX_BODY)
    audience = _audience(audience, kind)
    starts, ends, days = period(kind, starts or timezone.localdate(), days, ends)
    if catalogue_item is not None and not org.path.startswith(catalogue_item.org_path):
        raise DomainError(_("This catalogue item does not apply to the organisation."), field="catalogue_item")
    pub = Publication(org=org, org_path=org.path, kind=kind.code, title=title, body=body, audience=audience,
                      starts=starts, ends=ends, days=days, catalogue_item=catalogue_item,
                      state=PubState.DRAFT if draft else PubState.PUBLISHED, published_by=acting_user(actor),
                      ref=clean_text(str(ref or ""), "ref", 64))
    if source is not None:
        pub.source_type = ContentType.objects.get_for_model(source)
        pub.source_id = str(source.pk)
    if not draft:
        pub.published_at = timezone.now()
    pub.save()
    _attachments(pub, attachments)
    chain.record(Action.CREATE, MODEL, pub.pk, object_repr=title, org_path=org.path, actor=actor,
                 after={"kind": kind.code, "audience": audience, "state": pub.state, "starts": starts, "ends": ends,
                        "days": days, "source": f"{pub.source_type_id}:{pub.source_id}:{pub.ref}" if source else None})
    return pub


def _transition(actor, pub, to, note="", version=None):
    pub = Publication.objects.select_for_update().get(pk=pub.pk)
    check_version(pub, version)
    if not rules.can_transition(pub.state, to):
        raise DomainError(_("This publication cannot be changed that way in its present state."), field="state")
    before = pub.state
    pub.state = to
    pub.version += 1
    fields = ["state", "version", "updated_at"]
    if to == PubState.PUBLISHED:
        pub.published_at, pub.published_by = timezone.now(), acting_user(actor)
        fields += ["published_at", "published_by"]
    if note:
        pub.closed_reason = note
        fields.append("closed_reason")
    pub.save(update_fields=fields)
    chain.record(Action.TRANSITION, MODEL, pub.pk, object_repr=pub.title, org_path=pub.org_path, actor=actor,
                 before={"state": before}, after={"state": to}, note=note)
    return pub


@transaction.atomic
def release(actor, pub, version=None):
    """Publish a draft."""
    require(actor, MANAGE, pub.org_path)
    return _transition(actor, pub, PubState.PUBLISHED, version=version)


@transaction.atomic
def withdraw(actor, pub, reason, version=None):
    """Take a published item down before its end (the reason is kept and audited)."""
    require(actor, MANAGE, pub.org_path)
    reason = clean_text(reason, "reason", 300, required=True)
    return _transition(actor, pub, PubState.WITHDRAWN, note=reason, version=version)


def archive_expired(today=None):
    """Move every published item whose period has ended to the archive (the nightly job). Returns how many."""
    today = today or timezone.localdate()
    moved = 0
    for pk in Publication.objects.filter(state=PubState.PUBLISHED, ends__lt=today).values_list("pk", flat=True):
        with transaction.atomic():
            pub = Publication.objects.select_for_update().get(pk=pk)
            if pub.state == PubState.PUBLISHED and pub.ends and pub.ends < today:
                _transition(None, pub, PubState.ARCHIVED, note=_("The display period ended."))
                moved += 1
    return moved


def for_source(source, ref=None, kind=None):
    """The publications made about `source` (and `ref`, `kind` when given), newest first — for modules to link
    back."""
    ct = ContentType.objects.get_for_model(source)
    qs = Publication.objects.filter(source_type=ct, source_id=str(source.pk))
    if ref is not None:
        qs = qs.filter(ref=str(ref))
    if kind is not None:
        qs = qs.filter(kind=kind)
    return list(qs.order_by("-starts", "-id"))


# ---- objections --------------------------------------------------------------------------------------------------

@transaction.atomic
def object_to(user, pub, body, anonymous=False, name="", contact="", type=Objection.Type.OBJECTION):
    """Lodge an objection or a comment on a 公示 while it is displayed. `user` may be a visitor who is not signed
    in (a public 公示): a named objection then needs the name they give. An anonymous one stores no person, user,
    name, address, browser or time of day — only the day — and its audit entry names only the publication."""
    pub = Publication.objects.select_for_update().get(pk=pub.pk)
    if not in_audience(user, pub):
        raise Http404
    kind = pub.kind_info
    today = timezone.localdate()
    if not kind.allows_objections:
        raise DomainError(_("This publication does not take objections."), field="body")
    if not rules.open_for_objections(pub.state, pub.starts, pub.ends, today):
        raise DomainError(_("This 公示 is not open for objections now."), field="body")
    if type not in Objection.Type.values:
        raise DomainError(_("Choose objection or comment."), field="type")
    body = clean_text(body, "body", MAX_OBJECTION, required=True)
    anonymous = bool(anonymous)
    if anonymous:
        if not kind.allows_anonymous:
            raise DomainError(_("This kind of 公示 takes named objections only."), field="anonymous")
        obj = Objection.objects.create(publication=pub, type=type, anonymous=True, body=body, on=today)
        _audit_anonymous(pub, today)
        return obj
    person_id = getattr(user, "person_id", None) if _signed_in(user) else None
    name = clean_text(name, "name", 60)
    contact = clean_text(contact, "contact", 100)
    if person_id is None and not name:
        raise DomainError(_("Give your name, or choose to object anonymously."), field="name")
    obj = Objection.objects.create(publication=pub, type=type, person_id=person_id, author_name=name,
                                   contact=contact, body=body, on=today, at=timezone.now())
    chain.record(Action.CREATE, "publications.objection", obj.pk, object_repr=pub.title, org_path=pub.org_path,
                 actor=user if _signed_in(user) else None, after={"publication": pub.pk, "type": type})
    return obj


def _audit_anonymous(pub, today):
    """The audit entry of an anonymous objection: the publication and the day, nobody (not even the signed-in
    user the request belongs to), no request data, and the day's midnight instead of the time."""
    entry = chain.build(Action.CREATE, "publications.objection", "", object_repr=pub.title, org_path=pub.org_path,
                        actor=AnonymousUser(), after={"publication": pub.pk, "anonymous": True},
                        note="anonymous objection")
    entry.actor_id, entry.actor_repr = None, ""
    entry.request = {"via": "anonymous"}
    entry.at = timezone.make_aware(datetime.combine(today, time.min))
    chain.append([entry])


@transaction.atomic
def answer(actor, objection, reply):
    """The publishing organisation answers an objection (an answer can be corrected; each one is audited)."""
    objection = Objection.objects.select_for_update().select_related("publication").get(pk=objection.pk)
    pub = objection.publication
    require(actor, MANAGE, pub.org_path)
    reply = clean_text(reply, "reply", MAX_OBJECTION, required=True)
    objection.reply, objection.replied_at, objection.replied_by = reply, timezone.now(), acting_user(actor)
    objection.save(update_fields=["reply", "replied_at", "replied_by"])
    chain.record(Action.UPDATE, "publications.objection", objection.pk, object_repr=pub.title,
                 org_path=pub.org_path, actor=actor, after={"reply": reply})
    return objection


def objection_counts(pubs):
    ids = [p.pk for p in pubs]
    rows = (Objection.objects.filter(publication_id__in=ids).values("publication_id")
            .annotate(n=Count("id"), open=Count("id", filter=Q(reply=""))))
    return {r["publication_id"]: (r["n"], r["open"]) for r in rows}


# ---- the 党务公开 catalogue ----------------------------------------------------------------------------------------

@transaction.atomic
def define_item(actor, org, title, frequency, reach=Reach.INSIDE, applies_to=(), description=""):
    """A committee adds an item its organisations must disclose."""
    require(actor, MANAGE, org)
    title = clean_text(title, "title", 120, required=True)
    description = clean_text(description, "description", 2000)
    if frequency not in Frequency.values:
        raise DomainError(_("Choose how often it is disclosed."), field="frequency")
    if reach not in Reach.values:
        raise DomainError(_("Choose to whom it is disclosed."), field="reach")
    from dangjian.orgs.models import OrgType

    applies_to = sorted(set(applies_to or ()))
    if any(t not in OrgType.values for t in applies_to):
        raise DomainError(_("Choose organisation types from the list."), field="applies_to")
    item = CatalogueItem.objects.create(org=org, org_path=org.path, title=title, description=description,
                                        frequency=frequency, reach=reach, applies_to=applies_to)
    chain.record(Action.CREATE, "publications.catalogueitem", item.pk, object_repr=title, org_path=org.path,
                 actor=actor, after={"frequency": frequency, "reach": reach, "applies_to": applies_to})
    return item


@transaction.atomic
def retire_item(actor, item):
    require(actor, MANAGE, item.org_path)
    item.active = False
    item.version += 1
    item.save(update_fields=["active", "version", "updated_at"])
    chain.record(Action.UPDATE, "publications.catalogueitem", item.pk, object_repr=item.title,
                 org_path=item.org_path, actor=actor, after={"active": False})


def items_for(org):
    """The catalogue items in force for `org` (defined by it or by a committee above it)."""
    return [i for i in CatalogueItem.objects.filter(active=True, org_path__in=lineage(org.path))
            if rules.applies(i.applies_to, org.org_type)]


def catalogue_status(user, orgs=None, today=None, limit=500):
    """[(org, [(item, status, last_published)])] for the organisations under the user's publications:read (or the
    given ones). Three queries whatever the number of organisations."""
    today = today or timezone.localdate()
    if orgs is None:
        orgs = list(scoped(Organization.objects.filter(status=OrgStatus.ACTIVE), user, READ).order_by("path")[:limit])
    if not orgs:
        return []
    paths = sorted({a for o in orgs for a in lineage(o.path)})
    items = list(CatalogueItem.objects.filter(active=True, org_path__in=paths).order_by("sort_order", "id"))
    if not items:
        return []
    last = {(r["org_id"], r["catalogue_item_id"]): r["last"] for r in
            Publication.objects.filter(catalogue_item__in=items, org__in=orgs,
                                       state__in=[PubState.PUBLISHED, PubState.ARCHIVED])
            .values("org_id", "catalogue_item_id").annotate(last=Max("starts"))}
    result = []
    for org in orgs:
        rows = []
        for item in items:
            if not org.path.startswith(item.org_path) or not rules.applies(item.applies_to, org.org_type):
                continue
            published = last.get((org.pk, item.pk))
            rows.append((item, rules.catalogue_status(item.frequency, published, today,
                                                      since=timezone.localdate(item.created_at)), published))
        if rows:
            result.append((org, rows))
    return result


def overdue_count(user, today=None):
    return sum(1 for _org, rows in catalogue_status(user, today=today) for _i, s, _p in rows if s == rules.OVERDUE)


def scoped_items(user):
    """The catalogue items that bind or were defined under the user's publications:read subtrees."""
    scope = scope_for(user)
    qs = CatalogueItem.objects.filter(active=True).select_related("org")
    if scope.superuser:
        return qs
    prefixes = scope.prefixes(READ)
    above = sorted({a for p in prefixes for a in lineage(p)})
    return qs.filter(path_q(("org_path",), prefixes) | Q(org_path__in=above))
