"""Posts (职务): appointing and ending terms. Posts are never deleted or rewritten: a correction ends the post
and appoints anew, so the history of who held what stays readable. Post is an AuditedModel: every appointment
and every end of term is written to the audit trail by the save itself."""

from datetime import date

from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core.errors import DomainError
from dangjian.orgs.models import Organization, OrgStatus, OrgType
from dangjian.people.codes import MEMBER_STATUSES, ON_ROLL
from dangjian.people.models import Person

from . import rules as perms
from .models import Post, Role
from .scoping import has_perm

SINGLE_HOLDER_ROLES = (Role.SECRETARY, Role.GROUP_LEADER)  # one holder at a time in an organisation


def _require(actor, org):
    if actor is not None and not has_perm(actor, perms.POSTS_MANAGE, org):
        raise Http404  # outsiders learn nothing


def eligible_people(org):
    """The people who may hold a post in `org`: members on the roll in its subtree; for a Party group, in
    the group's branch (a group leader belongs to that branch)."""
    people = Person.objects.filter(political_status__in=MEMBER_STATUSES, status__in=ON_ROLL)
    if org.org_type == OrgType.GROUP and org.parent_id:
        branch = Organization.objects.only("path").get(pk=org.parent_id)
        return people.filter(scope_path__startswith=branch.path)
    return people.filter(scope_path__startswith=org.path)


def roles_for(org_type):
    """The posts an organisation of this type can have."""
    if org_type == OrgType.GROUP:
        return [Role.GROUP_LEADER]
    return [r for r in Role if r != Role.GROUP_LEADER]


def _overlapping(qs, start, end):
    qs = qs.filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
    return qs.filter(start_date__lte=end) if end else qs


@transaction.atomic
def appoint(actor, person, org, role, start_date, end_date=None, note=""):
    """Appoint `person` to `role` in `org` from `start_date` (until `end_date`, open if None)."""
    _require(actor, org)
    org = Organization.objects.select_for_update().get(pk=org.pk)
    if org.status != OrgStatus.ACTIVE:
        raise DomainError(_("A dissolved organisation cannot have new posts."))
    if role not in Role.values:
        raise DomainError(_("Choose a post."), field="role")
    if role not in roles_for(org.org_type):
        if org.org_type == OrgType.GROUP:
            raise DomainError(_("A Party group only has a group leader."), field="role")
        raise DomainError(_("Only a Party group has a group leader."), field="role")
    if person is None or not eligible_people(org).filter(pk=person.pk).exists():
        if org.org_type == OrgType.GROUP:
            message = _("A group leader must be a member on the roll of the group's branch.")
        else:
            message = _("Choose a member on the roll of this organisation or one of its units.")
        raise DomainError(message, field="person")
    if not isinstance(start_date, date):
        raise DomainError(_("Enter the date the term starts."), field="start_date")
    if end_date is not None and end_date < start_date:
        raise DomainError(_("The term cannot end before it starts."), field="end_date")
    same = _overlapping(Post.objects.filter(org=org, role=role), start_date, end_date)
    if same.filter(person=person).exists():
        raise DomainError(_("%(person)s already holds this post for these dates.") % {"person": person.name},
                          field="role")
    if role in SINGLE_HOLDER_ROLES:
        holder = same.select_related("person").first()
        if holder is not None:
            raise DomainError(_("%(person)s holds this post for these dates: end that term first.")
                              % {"person": holder.person.name}, field="role")
    post = Post(person=person, org=org, role=role, start_date=start_date, end_date=end_date, note=note or "")
    post.save()
    return post


@transaction.atomic
def end_post(actor, post, end_date=None):
    """End the term of `post` on `end_date` (today by default)."""
    post = Post.objects.select_for_update().select_related("org", "person").get(pk=post.pk)
    _require(actor, post.org)
    end_date = end_date or timezone.localdate()
    if not isinstance(end_date, date):
        raise DomainError(_("Enter the date the term ends."), field="end_date")
    if end_date < post.start_date:
        raise DomainError(_("The term cannot end before it starts (%(date)s).") % {"date": post.start_date},
                          field="end_date")
    if post.end_date is not None and post.end_date <= end_date:
        raise DomainError(_("This term already ended on %(date)s.") % {"date": post.end_date}, field="end_date")
    post.end_date = end_date
    post.save()
    return post
