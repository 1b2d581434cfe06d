"""The one scoping helper. A post held in organisation X grants its role's permissions over X's whole
subtree and nothing else; a plain member sees their own record and their organisation's public page.

Every page, API endpoint, export and admin action asks here:
  - `has_perm(user, perm, org_or_path)`   may the user do `perm` on that organisation?
  - `scoped(queryset, user, perm)`        only the rows inside the user's subtrees for `perm`
  - `get_scoped_or_404(queryset, user, perm, **lookup)`   one row, or 404 for outsiders (no 403 leak)
Models name the path field(s) that place a row in the tree with `scope_fields` (a tuple of lookups).
"""

from dataclasses import dataclass, field

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from .rules import ROLE_PERMISSIONS


@dataclass
class Scope:
    superuser: bool = False
    person_id: int | None = None
    own_paths: tuple = ()  # the paths of the person's own organisation and group (public pages)
    grants: dict = field(default_factory=dict)  # perm -> tuple of minimal path prefixes

    def prefixes(self, perm):
        return self.grants.get(perm, ())

    def allows(self, perm, path):
        if self.superuser:
            return True
        return any(path.startswith(p) for p in self.prefixes(perm))

    @property
    def has_any_post(self):
        return self.superuser or bool(self.grants)


def _minimal(paths):
    result = []
    for p in sorted(set(paths)):
        if not any(p.startswith(q) for q in result):
            result.append(p)
    return tuple(result)


def scope_for(user, on=None):
    """The user's scope (cached on the user object for the request)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Scope()
    cached = getattr(user, "_dangjian_scope", None)
    if cached is not None and on is None:
        return cached
    today = on is None
    if user.is_superuser:
        scope = Scope(superuser=True, person_id=user.person_id)
    else:
        from .models import Post

        on = on or timezone.localdate()
        grants = {}
        own = ()
        if user.person_id:
            posts = (Post.objects.active(on).filter(person_id=user.person_id, org__status="active")
                     .values_list("role", "org__path"))
            for role, path in posts:
                for perm in ROLE_PERMISSIONS.get(role, ()):
                    grants.setdefault(perm, []).append(path)
            from dangjian.people.models import Person

            row = Person.objects.filter(pk=user.person_id).values_list("org__path", "group__path").first()
            own = tuple(p for p in (row or ()) if p)
        scope = Scope(person_id=user.person_id, own_paths=own, grants={k: _minimal(v) for k, v in grants.items()})
    if today:  # a scope on another day must not stand in for today's
        user._dangjian_scope = scope
    return scope


def _path_of(target):
    return target if isinstance(target, str) else target.path


def has_perm(user, perm, target):
    """May `user` exercise `perm` on the organisation `target` (an Organization or its path)?"""
    return scope_for(user).allows(perm, _path_of(target))


def require(actor, perm, target):
    """Raise Http404 unless `actor` may exercise `perm` on the organisation `target` (outsiders learn nothing).
    `actor` None is the platform itself — a command, a scheduled job, the demo loader — and passes."""
    if actor is not None and not has_perm(actor, perm, target):
        raise Http404


def has_perm_anywhere(user, perm):
    scope = scope_for(user)
    return scope.superuser or bool(scope.prefixes(perm))


def path_q(fields, prefixes):
    q = Q(pk__in=[])
    for f in fields:
        for p in prefixes:
            q |= Q(**{f"{f}__startswith": p})
    return q


def scoped(queryset, user, perm, extra=None):
    """Restrict `queryset` to the rows in the user's subtrees for `perm`. `extra` (a Q) adds rows the user may
    see for another reason (their own record). Fails closed: no scope, no rows."""
    scope = scope_for(user)
    if scope.superuser:
        return queryset
    fields = queryset.model.scope_fields
    q = path_q(fields, scope.prefixes(perm))
    if extra is not None:
        q |= extra
    return queryset.filter(q)


def get_scoped_or_404(queryset, user, perm, extra=None, **lookup):
    try:
        return scoped(queryset, user, perm, extra=extra).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404


def own_person_q(user):
    """The user's own Person row (a plain member sees their own record)."""
    pid = getattr(user, "person_id", None)
    return Q(pk=pid) if pid else None


def own_org_q(user):
    scope = scope_for(user)
    return Q(path__in=scope.own_paths) if scope.own_paths else None


def scope_roots(user, perm=None):
    """The top organisations of the user's scope for ``perm`` (reading organisations by default), minimal and in
    tree order — the roots the home page's cards and the figures start from. Cached on the user for the request."""
    from dangjian.orgs.models import Organization, OrgStatus

    from .rules import ORGS_READ

    perm = perm or ORGS_READ
    cache = getattr(user, "_dangjian_roots", None)
    if cache is None:
        cache = {}
        if getattr(user, "is_authenticated", False):
            user._dangjian_roots = cache
    if perm not in cache:
        scope = scope_for(user)
        if scope.superuser:
            roots = Organization.objects.filter(parent__isnull=True, status=OrgStatus.ACTIVE)
        else:
            prefixes = scope.prefixes(perm)
            roots = Organization.objects.filter(path__in=prefixes) if prefixes else Organization.objects.none()
        cache[perm] = list(roots.order_by("path"))
    return cache[perm]
