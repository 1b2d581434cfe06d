"""The work ledger: who sees which record, and every change (items, records, files, comments, bookmarks, records
fed by the platform's modules). Each change owns its transaction, checks the caller's right through the scoping
helper (outsiders get 404), validates (DomainError names the field; nothing changes) and is audited on save.

Seeing: a record of organisation X is seen by holders of workrecords:read over X (the committee over its
subtree, a branch over itself and its groups) and — only for an item the committee opened (`siblings_visible`) —
by everyone in the subtree of the committee that defined the item (横向交流). Filing: workrecords:write over the
organisation, against an active item of its own committee (or one above) that applies to its type. Defining
items: workrecords:manage over a (grassroots or higher) committee."""

import re
from collections import defaultdict
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Substr
from django.http import Http404
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import has_perm_anywhere, path_q, require, scope_for, scoped
from dangjian.audit import chain
from dangjian.core import richtext, uploads
from dangjian.core.context import acting_user
from dangjian.core.errors import ConflictError, DomainError
from dangjian.core.text import clean_text
from dangjian.core.uploads import ATTACHMENT_TYPES, PHOTO_TYPES
from dangjian.orgs.models import PATH_STEP, Organization, OrgStatus, OrgType, lineage

from . import feeds, rules
from .models import Bookmark, Comment, Frequency, WorkItem, WorkRecord, WorkRecordFile

READ, WRITE, MANAGE = perms.WORKRECORDS_READ, perms.WORKRECORDS_WRITE, perms.WORKRECORDS_MANAGE
DEFINING_TYPES = (OrgType.COMMITTEE, OrgType.HIGHER_COMMITTEE)
KEEPING_TYPES = (OrgType.GENERAL_BRANCH, OrgType.BRANCH, OrgType.GROUP, OrgType.COMMITTEE)
MAX_TEXT = 100_000
MAX_FILES = 9
MAX_FILE_BYTES = 10 * 1024 * 1024
CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


# ---- seeing ------------------------------------------------------------------------------------------------------

def visible_q(user):
    """The records `user` sees: their workrecords:read subtrees, plus the opened items' records across the
    committees above them."""
    scope = scope_for(user)
    if scope.superuser:
        return Q()
    prefixes = scope.prefixes(READ)
    q = path_q(("org_path",), prefixes)
    reach = {p for path in (*prefixes, *scope.own_paths) for p in lineage(path)}
    if reach:
        q |= Q(item__siblings_visible=True, item__org_path__in=sorted(reach))
    return q


def visible_records(user):
    return WorkRecord.objects.filter(visible_q(user))


def get_record_or_404(user, pk):
    try:
        return (visible_records(user).select_related("item", "org", "author", "author__person", "source_type")
                .get(pk=pk))
    except (WorkRecord.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def may_write(user, org):
    return scope_for(user).allows(WRITE, org.path)


def writable_orgs(user, limit=300):
    return list(scoped(Organization.objects.filter(status=OrgStatus.ACTIVE, org_type__in=KEEPING_TYPES), user, WRITE)
                .order_by("path")[:limit])


def manageable_committees(user):
    return list(scoped(Organization.objects.filter(status=OrgStatus.ACTIVE, org_type__in=DEFINING_TYPES), user,
                       MANAGE).order_by("path"))


def items_in_reach(user):
    """Active items of the committees above or within the user's organisations (for filters and pickers)."""
    scope = scope_for(user)
    qs = WorkItem.objects.filter(active=True).select_related("org")
    if scope.superuser:
        return qs.order_by("org_path", "sort_order", "id")
    paths = (*scope.prefixes(READ), *scope.own_paths)
    reach = {p for path in paths for p in lineage(path)}
    return qs.filter(Q(org_path__in=sorted(reach)) | path_q(("org_path",), scope.prefixes(READ))).order_by(
        "org_path", "sort_order", "id")


def items_for_org(org, qs=None):
    """The active items `org` keeps: defined by its committee or one above, for its type; nearest first."""
    qs = qs if qs is not None else WorkItem.objects.filter(active=True, org_path__in=lineage(org.path))
    return [i for i in qs.order_by("org_path", "sort_order", "id") if org.org_type in (i.applies_to or [])]


# ---- items -------------------------------------------------------------------------------------------------------

def _item_fields(data):
    code = clean_text(data.get("code"), "code", 40, required=True)
    if not CODE_RE.match(code):
        raise DomainError(_("Code: letters, digits, '-' and '_' only (at most 40)."), field="code")
    title = clean_text(data.get("title"), "title", 100, required=True)
    description = clean_text(data.get("description"), "description", 2000)
    frequency = data.get("frequency") or Frequency.MONTH
    if frequency not in Frequency.values:
        raise DomainError(_("Frequency: choose monthly, quarterly, half-yearly or yearly."), field="frequency")
    try:
        expected = int(data.get("expected_count", 1))
    except (TypeError, ValueError):
        expected = 0
    if not 1 <= expected <= 99:
        raise DomainError(_("Records expected per period: a whole number from 1 to 99."), field="expected_count")
    applies_to = list(dict.fromkeys(data.get("applies_to") or []))
    if not applies_to or any(t not in KEEPING_TYPES for t in applies_to):
        raise DomainError(_("Kept by: choose at least one of general branch, branch, group or committee."),
                          field="applies_to")
    source_kind = (data.get("source_kind") or "").strip()
    if source_kind and source_kind not in feeds.kinds():
        raise DomainError(_("Fed automatically from: not a source the platform knows."), field="source_kind")
    try:
        sort_order = int(data.get("sort_order") or 0)
    except (TypeError, ValueError):
        raise DomainError(_("Order: enter a whole number."), field="sort_order") from None
    return {"code": code, "title": title, "description": description, "frequency": frequency,
            "expected_count": expected, "applies_to": applies_to, "siblings_visible": bool(data.get("siblings_visible")),
            "source_kind": source_kind, "active": bool(data.get("active", True)), "sort_order": sort_order}


@transaction.atomic
def define_item(actor, org, data):
    """A new item of base work kept by `org`'s subtree (`org` a committee)."""
    require(actor, MANAGE, org)
    if org.org_type not in DEFINING_TYPES or not org.is_active:
        raise DomainError(_("Defined by: only an active Party committee defines items of base work."), field="org")
    fields = _item_fields(data)
    if WorkItem.objects.filter(org=org, code=fields["code"]).exists():
        raise DomainError(_("Code: this committee already has an item with this code."), field="code")
    return WorkItem.objects.create(org=org, org_path=org.path, **fields)


@transaction.atomic
def update_item(actor, item, data, expected_version=None):
    item = WorkItem.objects.select_for_update().select_related("org").get(pk=item.pk)
    require(actor, MANAGE, item.org)
    if expected_version not in (None, "") and str(expected_version) != str(item.version):
        raise ConflictError()
    fields = _item_fields(data)
    if WorkItem.objects.filter(org_id=item.org_id, code=fields["code"]).exclude(pk=item.pk).exists():
        raise DomainError(_("Code: this committee already has an item with this code."), field="code")
    for k, v in fields.items():
        setattr(item, k, v)
    item.version += 1
    item.save()
    return item


# ---- records -----------------------------------------------------------------------------------------------------

def _check_item(item, org):
    if item is None or not item.active:
        raise DomainError(_("Item: choose an item of base work in use."), field="item")
    if not rules.is_own_committee_item(item.org_path, org.path):
        raise DomainError(_("Item: this item was defined by another committee; choose one of your own "
                            "committee's items."), field="item")
    if org.org_type not in (item.applies_to or []):
        raise DomainError(_("Organisation: “%(item)s” is not kept by a %(type)s.") % {
            "item": item.title, "type": org.get_org_type_display()}, field="org")


def _check_day(value, today=None):
    today = today or timezone.localdate()
    if isinstance(value, str):
        from django.utils.dateparse import parse_date

        try:
            value = parse_date(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, date):
        raise DomainError(_("Date: enter a date such as 2026-03-15."), field="date")
    if value > today:
        raise DomainError(_("Date: a record is of something done; the date cannot be in the future."), field="date")
    if value.year < 2000:
        raise DomainError(_("Date: too far in the past."), field="date")
    return value


def _check_upload(upload):
    name = uploads.file_name(upload)
    ext = uploads.extension(name)
    if ext not in ATTACHMENT_TYPES:
        raise DomainError(_("Files: “%(name)s” is not accepted; %(types)s only.") % {
            "name": name, "types": ", ".join(sorted(ATTACHMENT_TYPES))}, field="files")
    if upload.size > MAX_FILE_BYTES:
        raise DomainError(_("Files: “%(name)s” is larger than 10 MB.") % {"name": name}, field="files")
    kind = WorkRecordFile.Kind.ATTACHMENT
    if ext in PHOTO_TYPES:
        if not uploads.is_picture(upload):
            raise DomainError(_("Files: “%(name)s” is not a picture.") % {"name": name}, field="files")
        kind = WorkRecordFile.Kind.PHOTO
    return name, ext, kind


@transaction.atomic
def add_record(actor, *, item, org, date, title, text="", files=(), today=None):
    """File a record of `org` against `item`, with its photos and attachments (all or nothing)."""
    require(actor, WRITE, org)
    if not org.is_active:
        raise DomainError(_("Organisation: it has been dissolved."), field="org")
    _check_item(item, org)
    day = _check_day(date, today)
    title = clean_text(title, "title", 200, required=True)
    html = richtext.clean(clean_text(text, "text", MAX_TEXT))
    files = [f for f in (files or []) if f]
    if len(files) > MAX_FILES:
        raise DomainError(_("Files: at most %(n)d per record.") % {"n": MAX_FILES}, field="files")
    checked = [(f, *_check_upload(f)) for f in files]
    record = WorkRecord.objects.create(item=item, org=org, org_path=org.path, date=day, title=title, text=html,
                                       author=acting_user(actor))
    for upload, name, ext, kind in checked:
        WorkRecordFile.objects.create(record=record, kind=kind, file=upload, name=name, size=upload.size,
                                      content_type=ATTACHMENT_TYPES[ext])
    return record


@transaction.atomic
def delete_record(actor, record):
    """Withdraw a record filed by hand (a fed record follows its source and is not deleted here)."""
    record = WorkRecord.objects.select_for_update().get(pk=record.pk)
    require(actor, WRITE, record.org_path)
    if record.source_type_id:
        raise DomainError(_("This record comes from another module; change it there."))
    for f in record.files.all():
        f.file.delete(save=False)
    record.delete()


def feeding_item(org, source_kind):
    """The item a source of `source_kind` feeds for `org`: its nearest committee's active item of that kind."""
    items = [i for i in WorkItem.objects.filter(active=True, source_kind=source_kind,
                                                org_path__in=lineage(org.path))
             if org.org_type in (i.applies_to or [])]
    return max(items, key=lambda i: (len(i.org_path), -i.sort_order, -i.pk), default=None)


def record_from_source(org, source_kind, source_object, date, title, text=""):
    """Feed (or refresh) the record of a thing another module did — a meeting held with its minutes, an exam
    month closed, a fee hand-over received. Idempotent on the source: a second call updates the one record.
    `text` is plain text without personal data. Returns the record, or None when no item takes this kind."""
    ct = ContentType.objects.get_for_model(source_object)
    with transaction.atomic():
        existing = WorkRecord.objects.select_for_update().filter(source_type=ct, source_id=source_object.pk).first()
        item = feeding_item(org, source_kind)
        if item is None:
            return existing
        values = {"item": item, "org": org, "org_path": org.path, "date": date, "title": (title or "")[:200],
                  "text": f"<p>{escape(text)}</p>" if text else ""}
        if existing is None:
            try:
                with transaction.atomic():
                    return WorkRecord.objects.create(source_type=ct, source_id=source_object.pk, **values)
            except IntegrityError:  # fed meanwhile by another worker
                existing = WorkRecord.objects.select_for_update().get(source_type=ct, source_id=source_object.pk)
        changed = [k for k, v in values.items() if getattr(existing, k) != v]
        if changed:
            for k in changed:
                setattr(existing, k, values[k])
            existing.save()
        return existing


# ---- comments and bookmarks --------------------------------------------------------------------------------------

def _author_org(user, record):
    scope = scope_for(user)
    paths = [p for p in scope.prefixes(READ) if record.org_path.startswith(p)] or list(scope.prefixes(READ))
    paths = paths or list(scope.own_paths)
    if not paths:
        return None
    return Organization.objects.filter(path=max(paths, key=len)).first()


@transaction.atomic
def add_comment(actor, record, text):
    record = get_record_or_404(actor, record.pk)
    text = clean_text(text, "text", 1000, required=True)
    return Comment.objects.create(record=record, author=acting_user(actor), author_org=_author_org(actor, record),
                                  text=text)


@transaction.atomic
def toggle_bookmark(actor, record):
    """“Learn from” a record, or stop; returns True when now bookmarked."""
    record = get_record_or_404(actor, record.pk)
    deleted, _rows = Bookmark.objects.filter(record=record, user=actor).delete()
    if deleted:
        return False
    Bookmark.objects.create(record=record, user=actor)
    chain.record(chain.AuditEntry.Action.CREATE, "workrecords.bookmark", record.pk, object_repr=record.title,
                 org_path=record.org_path, actor=acting_user(actor), note="learn from")
    return True


# ---- the feed ----------------------------------------------------------------------------------------------------

def feed(user, *, item=None, org=None, period=None, bookmarked=False):
    """The records `user` sees, newest first, ready for a list page (a fixed number of queries)."""
    qs = visible_records(user)
    if item is not None:
        qs = qs.filter(item=item)
    if org is not None:
        qs = qs.filter(org_path__startswith=org.path)
    if period is not None:
        qs = qs.filter(date__range=(period.start, period.end))
    mine = Bookmark.objects.filter(record=OuterRef("pk"), user=user) if user.is_authenticated else None
    if bookmarked:
        qs = qs.filter(bookmarks__user=user)
    qs = qs.select_related("item", "org", "source_type").annotate(
        n_comments=Count("comments", distinct=True), n_files=Count("files", distinct=True))
    if mine is not None:
        qs = qs.annotate(is_bookmarked=Exists(mine))
    return qs.order_by("-date", "-id")


# ---- the grid ----------------------------------------------------------------------------------------------------

def grid_root(user, org_id=None):
    """The organisation whose children the grid shows: the one asked for (404 outside the user's scope), else the
    top of the user's workrecords:read scope."""
    qs = scoped(Organization.objects.filter(status=OrgStatus.ACTIVE), user, READ)
    if org_id is not None:
        try:
            return qs.get(pk=org_id)
        except (Organization.DoesNotExist, ValueError, TypeError):
            raise Http404 from None
    node = qs.order_by("depth", "path").first()
    if node is None:
        raise Http404
    return node


def grid(user, node, month, today=None):
    """Per item and period (the item's period holding `month`), which organisations under `node` have filed:
    rows are `node` itself and its active children; each cell counts records (one organisation) or organisations
    that met the item (several), with a colour. Four aggregate queries, whatever the size of the tree."""
    require(user, READ, node)
    today = today or timezone.localdate()
    items = list(WorkItem.objects.filter(active=True, org_path__in=lineage(node.path)).order_by(
        "org_path", "sort_order", "id"))
    children = list(Organization.objects.filter(parent=node, status=OrgStatus.ACTIVE).order_by("sort_order", "path"))
    rows = [node, *children]
    width = len(node.path) + PATH_STEP
    kept = defaultdict(int)  # (row path, org type) -> organisations
    for row, org_type, n in (Organization.objects.filter(path__startswith=node.path, status=OrgStatus.ACTIVE)
                             .annotate(row=Substr("path", 1, width)).values_list("row", "org_type")
                             .annotate(n=Count("id")).order_by()):
        kept[row, org_type] += n
    periods = {i.pk: rules.period_of(month, i.frequency) for i in items}
    when = Q(pk__in=[])
    for frequency in Frequency.values:
        ids = [i.pk for i in items if i.frequency == frequency]
        if ids:
            p = rules.period_of(month, frequency)
            when |= Q(item_id__in=ids, date__range=(p.start, p.end))
    counts = defaultdict(int)  # (row, item) -> records
    met = defaultdict(int)  # (row, item) -> organisations that met the item
    expected = {i.pk: i.expected_count for i in items}
    for row, item_id, _org, n in (WorkRecord.objects.filter(when, org_path__startswith=node.path)
                                  .annotate(row=Substr("org_path", 1, width))
                                  .values_list("row", "item_id", "org_id").annotate(n=Count("id")).order_by()):
        counts[row, item_id] += n
        met[row, item_id] += n >= expected[item_id]
    table = []
    for org in rows:
        own = org is node
        cells = []
        for i in items:
            p = periods[i.pk]
            if own:
                due_orgs = 1 if org.org_type in i.applies_to else 0
            else:
                due_orgs = sum(kept[org.path, t] for t in i.applies_to)
            single = due_orgs == 1
            done = counts[org.path, i.pk] if single else met[org.path, i.pk]
            due = i.expected_count if single else due_orgs
            cells.append({"item": i, "period": p, "records": counts[org.path, i.pk], "done": done, "due": due,
                          "single": single, "colour": rules.cell_colour(done, due, p.elapsed(today))})
        below = sum(kept[org.path, t] for t in OrgType.values) - 1  # the row's organisations but itself
        table.append({"org": org, "own": own, "cells": cells, "drill": not own and below > 0})
    return {"node": node, "items": items, "periods": periods, "rows": table, "month": month,
            "ancestors": list(Organization.objects.filter(path__in=lineage(node.path)[:-1]).order_by("depth"))}


def missing_for(org, today=None):
    """The items `org` keeps whose current period is short of records: [(item, period, count)]."""
    today = today or timezone.localdate()
    items = items_for_org(org)
    if not items:
        return []
    when = Q(pk__in=[])
    for i in items:
        p = rules.period_of(today, i.frequency)
        when |= Q(item_id=i.pk, date__range=(p.start, p.end))
    counts = dict(WorkRecord.objects.filter(when, org=org).values_list("item_id").annotate(n=Count("id")).order_by())
    out = []
    for i in items:
        n = counts.get(i.pk, 0)
        if n < i.expected_count:
            out.append((i, rules.period_of(today, i.frequency), n))
    return out


def home_org(user):
    """The organisation whose missing items the home page shows: the deepest the user may write for."""
    scope = scope_for(user)
    if scope.superuser or not scope.prefixes(WRITE):
        return None
    return Organization.objects.filter(path=max(scope.prefixes(WRITE), key=len), status=OrgStatus.ACTIVE,
                                       org_type__in=KEEPING_TYPES).first()


def reads_anywhere(user):
    return has_perm_anywhere(user, READ)
