"""State changes of the organisation tree. Each function owns its transaction, checks the permission, validates,
writes, and leaves an audit entry (AuditedModel) plus an OrgEvent for the organisation's history."""

from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, F, Q, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import require
from dangjian.core.context import acting_user
from dangjian.core.errors import ConflictError, DomainError

from . import rules
from .models import Organization, OrgEvent, OrgStatus, OrgType, path_segment

EDITABLE_FIELDS = ("name", "short_name", "code", "is_joint", "founded_on", "term_start", "term_end",
                   "contact_name", "contact_phone", "address", "sort_order")


def next_org_id():
    """Allocate the id before inserting, so the path (which contains it) is written in the same INSERT."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT nextval(pg_get_serial_sequence('orgs_organization', 'id'))")
            return cur.fetchone()[0]
    last = Organization.objects.order_by("-id").values_list("id", flat=True).first()
    return (last or 0) + 1


def _validate(data, org_type, parent, instance=None):
    if not (data.get("name") or "").strip():
        raise DomainError(_("Enter the organisation's name."), field="name")
    if org_type not in OrgType.values:
        raise DomainError(_("Choose a valid organisation type."), field="org_type")
    if parent is not None and parent.status != OrgStatus.ACTIVE:
        raise DomainError(_("The parent organisation has been dissolved."), field="parent")
    error = rules.placement_error(org_type, parent.org_type if parent else None)
    if error:
        raise DomainError(error, field="parent")
    code = (data.get("code") or "").strip()
    if code:
        clash = Organization.objects.filter(code=code)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            raise DomainError(_("The code %(code)s is already used by another organisation.") % {"code": code},
                              field="code")
    term_start, term_end = data.get("term_start"), data.get("term_end")
    if term_start and term_end and term_end < term_start:
        raise DomainError(_("The term cannot end before it starts."), field="term_end")


@transaction.atomic
def create_org(actor, *, org_type, parent=None, **data):
    """Found an organisation under `parent` (None: a new root, superusers only)."""
    if parent is None:
        if actor is not None and not actor.is_superuser:
            raise DomainError(_("Only an administrator can create a top-level organisation."), field="parent")
    else:
        parent = Organization.objects.select_for_update().get(pk=parent.pk)
        require(actor, perms.ORGS_WRITE, parent)
    _validate(data, org_type, parent)
    pk = next_org_id()
    fields = {k: data[k] for k in EDITABLE_FIELDS if k in data}
    fields["code"] = (fields.get("code") or "").strip() or f"ORG{pk:08d}"
    org = Organization(
        pk=pk, org_type=org_type, parent=parent,
        path=(parent.path if parent else "") + path_segment(pk),
        depth=(parent.depth + 1) if parent else 1, **fields,
    )
    org.save(force_insert=True)
    OrgEvent.objects.create(org=org, kind=OrgEvent.Kind.CREATED, on=org.founded_on, actor=acting_user(actor),
                            data={"name": org.name, "type": org.org_type, "parent": parent.pk if parent else None})
    return org


def _locked(org, expected_version):
    current = Organization.objects.select_for_update().get(pk=org.pk)
    if expected_version is not None and int(expected_version) != current.version:
        raise ConflictError()
    return current


@transaction.atomic
def update_org(actor, org, data, expected_version=None):
    """Change details (name, code, term, contact…). Renames and new terms are kept in the history."""
    require(actor, perms.ORGS_WRITE, org)
    org = _locked(org, expected_version)
    if org.status != OrgStatus.ACTIVE:
        raise DomainError(_("A dissolved organisation cannot be changed."))
    merged = {k: getattr(org, k) for k in EDITABLE_FIELDS}
    merged.update({k: v for k, v in data.items() if k in EDITABLE_FIELDS})
    _validate(merged, org.org_type, org.parent, instance=org)
    old = {k: getattr(org, k) for k in EDITABLE_FIELDS}
    for k in EDITABLE_FIELDS:
        setattr(org, k, merged[k])
    org.code = (org.code or "").strip() or old["code"]
    org.version += 1
    org.save()
    changed = {k: [str(old[k]) if old[k] is not None else None, str(merged[k]) if merged[k] is not None else None]
               for k in EDITABLE_FIELDS if old[k] != merged[k]}
    if "name" in changed or "short_name" in changed:
        OrgEvent.objects.create(org=org, kind=OrgEvent.Kind.RENAMED, actor=acting_user(actor),
                                data={"from": old["name"], "to": org.name}, on=timezone.localdate())
    if "term_start" in changed or "term_end" in changed:
        OrgEvent.objects.create(org=org, kind=OrgEvent.Kind.TERM, actor=acting_user(actor), on=org.term_start,
                                data={"term_start": str(org.term_start), "term_end": str(org.term_end)})
    other = {k: v for k, v in changed.items() if k not in ("name", "short_name", "term_start", "term_end")}
    if other:
        OrgEvent.objects.create(org=org, kind=OrgEvent.Kind.UPDATED, actor=acting_user(actor), data=other,
                                on=timezone.localdate())
    return org


@transaction.atomic
def move_org(actor, org, new_parent, expected_version=None, note=""):
    """Re-parent a whole subtree: one UPDATE rewrites the paths of the organisation, its descendants and the
    people placed in them."""
    require(actor, perms.ORGS_WRITE, org)
    require(actor, perms.ORGS_WRITE, new_parent)
    org = _locked(org, expected_version)
    new_parent = Organization.objects.select_for_update().get(pk=new_parent.pk)
    if org.status != OrgStatus.ACTIVE:
        raise DomainError(_("A dissolved organisation cannot be moved."))
    if new_parent.path.startswith(org.path):
        raise DomainError(_("An organisation cannot be moved under itself or one of its own units."), field="parent")
    if new_parent.pk == org.parent_id:
        raise DomainError(_("The organisation is already under %(parent)s.") % {"parent": new_parent},
                          field="parent")
    _validate({"name": org.name}, org.org_type, new_parent, instance=org)
    old_parent_id = org.parent_id
    old_path = org.path
    new_path = new_parent.path + path_segment(org.pk)
    depth_delta = new_parent.depth + 1 - org.depth
    rewrite = Concat(Value(new_path), Substr(F("path"), len(old_path) + 1))
    Organization.objects.filter(path__startswith=old_path).update(path=rewrite, depth=F("depth") + depth_delta)
    from dangjian.people.models import Person

    Person.objects.filter(scope_path__startswith=old_path).update(
        scope_path=Concat(Value(new_path), Substr(F("scope_path"), len(old_path) + 1)))
    org.refresh_from_db()
    org.parent = new_parent
    org.version += 1
    org.save(update_fields=["parent", "version", "updated_at"])
    OrgEvent.objects.create(org=org, kind=OrgEvent.Kind.MOVED, actor=acting_user(actor), on=timezone.localdate(),
                            data={"from": old_parent_id, "to": new_parent.pk, "old_path": old_path,
                                  "new_path": new_path}, note=note)
    return org


@transaction.atomic
def dissolve_org(actor, org, on=None, note="", expected_version=None):
    """Dissolve (never delete). Members, active sub-organisations and posts must be re-homed or ended first."""
    require(actor, perms.ORGS_WRITE, org)
    org = _locked(org, expected_version)
    if org.status != OrgStatus.ACTIVE:
        raise DomainError(_("The organisation is already dissolved."))
    from dangjian.people.codes import ON_ROLL
    from dangjian.people.models import Person

    active_children = Organization.objects.filter(parent=org, status=OrgStatus.ACTIVE).count()
    if active_children:
        raise DomainError(_("Dissolve or move its %(n)s sub-organisations first.") % {"n": active_children})
    people = Person.objects.filter(Q(org=org) | Q(group=org)).filter(status__in=ON_ROLL).count()
    if people:
        raise DomainError(_("%(n)s people still belong to this organisation: transfer them first.") % {"n": people})
    on = on or timezone.localdate()
    from dangjian.accounts.models import Post

    for post in Post.objects.active(on).filter(org=org):
        post.end_date = on
        post.save()
    org.status = OrgStatus.DISSOLVED
    org.dissolved_on = on
    org.version += 1
    org.save()
    OrgEvent.objects.create(org=org, kind=OrgEvent.Kind.DISSOLVED, actor=acting_user(actor), on=on, note=note)
    return org


# ----------------------------------------------------------------------------------------------------------
# Warnings, computed in bulk: a handful of grouped queries whatever the size of the subtree.


def org_facts(orgs, today=None, within=None):
    """{org.pk: rules.OrgFacts} for the given organisations, in three queries. `within` (a path prefix that
    holds all of them) selects the rows by subtree instead of by a list of ids: bounded SQL for big subtrees."""
    from dangjian.accounts.models import COMMITTEE_ROLES, Post, Role
    from dangjian.people.codes import ON_ROLL, PoliticalStatus
    from dangjian.people.models import Person

    today = today or timezone.localdate()
    orgs = list(orgs)
    ids = [o.pk for o in orgs]
    # A person's scope_path (group or organisation) lies in a subtree exactly when their organisation does.
    people = Person.objects.filter(scope_path__startswith=within) if within else Person.objects.filter(org_id__in=ids)
    full = dict(
        people.filter(political_status=PoliticalStatus.FULL, status__in=ON_ROLL)
        .values_list("org_id").annotate(n=Count("id")).values_list("org_id", "n")
    )
    active = Post.objects.active(today)
    active = active.filter(org__path__startswith=within) if within else active.filter(org_id__in=ids)
    committee = dict(
        active.filter(role__in=COMMITTEE_ROLES).values_list("org_id")
        .annotate(n=Count("person_id", distinct=True)).values_list("org_id", "n")
    )
    secretaries = set(active.filter(role=Role.SECRETARY).values_list("org_id", flat=True))
    return {
        o.pk: rules.OrgFacts(o.org_type, full.get(o.pk, 0), committee.get(o.pk, 0), o.pk in secretaries, o.term_end)
        for o in orgs
    }


def warnings_for_orgs(orgs, today=None, within=None):
    facts = org_facts(orgs, today, within=within)
    # The rules are a pure function of the facts, and most organisations share theirs: evaluate each once.
    memo = {}
    out = {}
    for pk, f in facts.items():
        if f not in memo:
            memo[f] = rules.warnings_for(f, today)
        out[pk] = memo[f]
    return out


@dataclass(frozen=True)
class _OrgRow:
    pk: int
    org_type: str
    term_end: object


def subtree_warning_rows(root, code=None, today=None):
    """[(org id, [warnings])] in path order for the active organisations under `root` with a warning
    (optionally of `code`). Reads plain rows, not model instances: a fixed number of queries and little memory
    even for tens of thousands of organisations."""
    rows = [_OrgRow(*r) for r in Organization.objects.filter(path__startswith=root.path, status=OrgStatus.ACTIVE)
            .order_by("path").values_list("id", "org_type", "term_end")]
    by_org = warnings_for_orgs(rows, today, within=root.path)
    out = []
    for row in rows:
        ws = by_org[row.pk]
        if code:
            ws = [w for w in ws if w.code == code]
        if ws:
            out.append((row.pk, ws))
    return out


def subtree_warnings(root, code=None, today=None):
    """[(org, [warnings])] for every active organisation under `root` that has a warning (optionally of `code`).
    A fixed number of queries whatever the size of the subtree."""
    found = subtree_warning_rows(root, code, today)
    return attach_orgs(found, root)


def attach_orgs(rows, root=None):
    """[(org, ws)] for [(org id, ws)]: one query (by id for a page of rows, by subtree for many)."""
    ids = {pk for pk, _ws in rows}
    if not ids:
        return []
    if len(ids) <= 500 or root is None:
        orgs = Organization.objects.in_bulk(ids)
    else:
        orgs = {o.pk: o for o in Organization.objects.filter(path__startswith=root.path) if o.pk in ids}
    return [(orgs[pk], ws) for pk, ws in rows]


# ----------------------------------------------------------------------------------------------------------
# Reading the tree for pages: never the whole tree, a bounded number of queries per call.

TREE_PAGE = 100  # children shown per "more" step
MEMBER_COUNT_CACHE_SECONDS = 60


def scope_roots(user, perm=None, include_dissolved=False):
    """The top organisations of the user's scope for `perm` (default orgs:read): their posts' organisations,
    minimal; for a superuser the roots of the forest."""
    from dangjian.accounts.scoping import scope_for

    perm = perm or perms.ORGS_READ
    scope = scope_for(user)
    if scope.superuser:
        qs = Organization.objects.filter(parent__isnull=True)
        if not include_dissolved:
            qs = qs.filter(status=OrgStatus.ACTIVE)
        return list(with_child_flags(qs, include_dissolved).order_by("sort_order", "path"))
    prefixes = scope.prefixes(perm)
    if not prefixes:
        return []
    return list(with_child_flags(Organization.objects.filter(path__in=prefixes), include_dissolved).order_by("path"))


def member_counts(orgs):
    """{org.pk: members on the roll in its subtree} for a few organisations, in one aggregate query."""
    from dangjian.people.codes import MEMBER_STATUSES, ON_ROLL
    from dangjian.people.models import Person

    orgs = list(orgs)
    if not orgs:
        return {}
    members = Person.objects.filter(political_status__in=MEMBER_STATUSES, status__in=ON_ROLL)
    parents = {o.path[: -len(path_segment(o.pk))] for o in orgs}
    if len(parents) == 1 and next(iter(parents)):
        # Siblings: group the parent's people by the next path segment. Near the root of a big tree this reads
        # every member, so the figures are cached briefly (the badge is a guide; the detail page is exact).
        parent_path = next(iter(parents))
        key = f"dangjian:orgs:member_counts:{parent_path}"
        by_path = cache.get(key)
        if by_path is None:
            cut = len(parent_path) + len(path_segment(orgs[0].pk))
            by_path = dict(
                members.filter(scope_path__startswith=parent_path)
                .annotate(prefix=Substr("scope_path", 1, cut)).values_list("prefix")
                .annotate(n=Count("id")).values_list("prefix", "n")
            )
            cache.set(key, by_path, MEMBER_COUNT_CACHE_SECONDS)
        return {o.pk: by_path.get(o.path, 0) for o in orgs}
    row = members.aggregate(**{f"n{o.pk}": Count("id", filter=Q(scope_path__startswith=o.path)) for o in orgs})
    return {o.pk: row[f"n{o.pk}"] for o in orgs}


def tree_nodes(orgs, today=None):
    """Rows for the tree: (org, has_children, members, warnings) for organisations already fetched with
    `with_child_flags`. Five queries whatever their number."""
    orgs = list(orgs)
    counts = member_counts(orgs)
    active = [o for o in orgs if o.status == OrgStatus.ACTIVE]
    warns = warnings_for_orgs(active, today) if active else {}
    return [{"org": o, "has_children": o.has_children, "members": counts.get(o.pk, 0),
             "warnings": warns.get(o.pk, [])} for o in orgs]


def with_child_flags(queryset, include_dissolved=False):
    from django.db.models import Exists, OuterRef

    children = Organization.objects.filter(parent=OuterRef("pk"))
    if not include_dissolved:
        children = children.filter(status=OrgStatus.ACTIVE)
    return queryset.annotate(has_children=Exists(children))


def children_of(org, include_dissolved=False, offset=0, limit=None):
    """One page of `org`'s children with child flags, and whether more follow."""
    limit = limit or TREE_PAGE
    qs = Organization.objects.filter(parent=org)
    if not include_dissolved:
        qs = qs.filter(status=OrgStatus.ACTIVE)
    rows = list(with_child_flags(qs, include_dissolved).order_by("sort_order", "path")[offset: offset + limit + 1])
    return rows[:limit], len(rows) > limit


def search_orgs(queryset, text, limit=50):
    """Organisations whose name, short name or code contains `text`, with their ancestors' names (one more
    query for all of them)."""
    text = (text or "").strip()
    if not text:
        return []
    found = list(queryset.filter(Q(name__icontains=text) | Q(short_name__icontains=text) | Q(code__icontains=text))
                 .order_by("path")[:limit])
    wanted = {p for o in found for p in o.ancestor_paths()}
    names = dict(Organization.objects.filter(path__in=wanted).values_list("path", "name")) if wanted else {}
    return [{"org": o, "ancestors": [names[p] for p in o.ancestor_paths() if p in names]} for o in found]


def category_counts(org):
    """{political_status: n} of the people on the roll in the organisation's subtree (summed from the
    per-organisation figures, people.figures)."""
    from dangjian.people import figures
    from dangjian.people.codes import PoliticalStatus
    from dangjian.people.figure_spec import status_column

    columns = [status_column(code, True) for code in PoliticalStatus.values]
    sums = figures.subtree_sums((org.path,), year=None, columns=columns)
    return {code: sums[status_column(code, True)] for code in PoliticalStatus.values
            if sums[status_column(code, True)]}


def parent_candidates(user, org, limit=300):
    """Organisations `org` may be moved under: active, in the user's write scope, of a type the placement rules
    allow, not inside `org` itself, not its current parent."""
    from dangjian.accounts.scoping import scoped

    allowed = [t for t in rules.ALLOWED_PARENTS[OrgType(org.org_type)] if t is not None]
    qs = scoped(Organization.objects.filter(status=OrgStatus.ACTIVE, org_type__in=allowed), user, perms.ORGS_WRITE)
    qs = qs.exclude(path__startswith=org.path)
    if org.parent_id:
        qs = qs.exclude(pk=org.parent_id)
    return list(qs.order_by("path")[:limit])


PICKER_FIELDS = ("id", "name", "depth", "path", "status")


def pick_org(orgs, raw, allowed):
    """The organisation a request parameter names, for pages with an organisation picker: None when absent; 404
    unless `allowed(org)` (a sibling branch's organisation is not found). Looked up among `orgs` (the picker's
    choices) first; one found beyond them is added to them, so the picker shows it."""
    from django.http import Http404

    if raw in (None, ""):
        return None
    if not (str(raw).isdigit() and len(str(raw)) < 19):
        raise Http404
    org = next((o for o in orgs if o.pk == int(raw)), None)
    if org is None:  # beyond the first choices of a large tree
        org = Organization.objects.filter(pk=int(raw), status=OrgStatus.ACTIVE).only(*PICKER_FIELDS).first()
        if org is not None:
            orgs.append(org)
    if org is None or not allowed(org):
        raise Http404
    return org


def active_orgs_for(user, perm, limit=500):
    """The active organisations (groups included) in the user's scope for `perm`, in tree order, for pickers."""
    from dangjian.accounts.scoping import scoped

    return list(scoped(Organization.objects.filter(status=OrgStatus.ACTIVE), user, perm)
                .only(*PICKER_FIELDS).order_by("path")[:limit])
