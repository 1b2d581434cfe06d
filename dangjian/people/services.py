"""People: validation, create/update, sensitive reads. Pages, the API, the importer and the seeders all call
these functions; none of them re-implements a rule."""

from calendar import monthrange
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import has_perm
from dangjian.audit import chain
from dangjian.core import params
from dangjian.core.errors import check_version
from dangjian.orgs.models import Organization, OrgStatus, OrgType

from . import crypto, rules
from .codes import ETHNICITIES, MEMBER_STATUSES, Education, Gender, MemberStatus, PoliticalStatus, WorkPost
from .models import Person

PLAIN_FIELDS = ("name", "gender", "ethnicity", "birth_date", "education", "work_post", "address",
                "political_status", "status", "applied_on", "activist_on", "candidate_on", "join_date",
                "full_date", "flow_destination", "lost_contact_on", "notes")
DATE_FIELDS = ("birth_date", "applied_on", "activist_on", "candidate_on", "join_date", "full_date",
               "lost_contact_on")
CHOICES = {
    "gender": Gender.values, "ethnicity": [c for c, _n in ETHNICITIES], "education": Education.values,
    "work_post": WorkPost.values, "political_status": PoliticalStatus.values, "status": MemberStatus.values,
}
ALL_FIELDS = PLAIN_FIELDS + ("id_number", "phone", "org", "group")


def _parse_date(value):
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    parsed = parse_date(str(value).strip().replace("/", "-").replace(".", "-"))
    if parsed is None:
        raise ValueError(_("Enter a date as YYYY-MM-DD."))
    return parsed


def _org(value, expected_type=None):
    if value in (None, ""):
        return None
    if isinstance(value, Organization):
        return value
    try:
        return Organization.objects.get(pk=int(value))
    except (Organization.DoesNotExist, ValueError, TypeError):
        raise ValueError(_("No such organisation."))


def clean_person(data, instance=None, today=None):
    """Validate `data` (a dict of ALL_FIELDS, partial for updates) against `instance`.

    Returns (cleaned, errors): `errors` maps a field to its Chinese-ready messages; `cleaned` holds Python
    values merged over the instance. Nothing is written.
    """
    today = today or timezone.localdate()
    errors = {}
    cleaned = {}

    def err(field, message):
        errors.setdefault(field, []).append(str(message))

    for field in PLAIN_FIELDS:
        if field in data:
            value = data[field]
            if field in DATE_FIELDS:
                try:
                    value = _parse_date(value)
                except ValueError as e:
                    err(field, e)
                    continue
            elif isinstance(value, str):
                value = value.strip()
            if field in CHOICES and value not in ("", None) and value not in CHOICES[field]:
                err(field, _("“%(value)s” is not a valid choice.") % {"value": value})
                continue
            cleaned[field] = value if value is not None or field in DATE_FIELDS else ""
        elif instance is not None:
            cleaned[field] = getattr(instance, field)
        else:
            cleaned[field] = None if field in DATE_FIELDS else ""
    if not cleaned.get("political_status"):
        cleaned["political_status"] = PoliticalStatus.MASSES
    if not cleaned.get("status"):
        cleaned["status"] = MemberStatus.NORMAL
    if not cleaned.get("ethnicity"):
        cleaned["ethnicity"] = "01"

    for field in ("org", "group"):
        if field in data:
            try:
                cleaned[field] = _org(data[field])
            except ValueError as e:
                err(field, e)
                cleaned[field] = None
        else:
            cleaned[field] = getattr(instance, field) if instance is not None else None

    if not cleaned.get("name"):
        err("name", _("Enter the person's name."))
    elif len(cleaned["name"]) > 50:
        err("name", _("The name is too long (at most 50 characters)."))
    if not cleaned.get("gender"):
        err("gender", _("Choose the gender."))

    if "id_number" in data and data["id_number"] not in (None, ""):
        try:
            number = rules.validate_id_number(str(data["id_number"]), cleaned.get("birth_date"), today)
            cleaned["id_number"] = number
            if not cleaned.get("birth_date"):
                cleaned["birth_date"] = rules.id_birth_date(number)
            clash = Person.objects.filter(id_number_hash=crypto.blind_index(number))
            if instance is not None:
                clash = clash.exclude(pk=instance.pk)
            if clash.exists():
                err("id_number", _("Another person already has this ID number."))
        except ValueError as e:
            err("id_number", e)
    elif "id_number" in data:
        cleaned["id_number"] = ""
    if "phone" in data and data["phone"] not in (None, ""):
        try:
            cleaned["phone"] = rules.validate_phone(str(data["phone"]))
        except ValueError as e:
            err("phone", e)
    elif "phone" in data:
        cleaned["phone"] = ""

    birth = cleaned.get("birth_date")
    if birth and birth > today:
        err("birth_date", _("The birth date is in the future."))
    for field in ("applied_on", "activist_on", "candidate_on", "join_date", "full_date"):
        value = cleaned.get(field)
        if value and value > today:
            err(field, _("This date is in the future."))

    status = cleaned["political_status"]
    is_member = status in MEMBER_STATUSES
    org = cleaned.get("org")
    group = cleaned.get("group")
    if is_member:
        if not cleaned.get("join_date"):
            err("join_date", _("A member needs the date they joined the Party."))
        if org is None:
            err("org", _("A member must belong to a Party branch."))
        elif org.org_type != OrgType.BRANCH:
            err("org", _("Members are kept on the roll of a Party branch; choose a branch."))
    if status == PoliticalStatus.FULL and not cleaned.get("full_date"):
        err("full_date", _("A full member needs the date they became a full member."))
    if status == PoliticalStatus.PROBATIONARY and cleaned.get("full_date"):
        err("full_date", _("A probationary member has no full-membership date yet."))
    if not is_member and cleaned.get("full_date"):
        err("full_date", _("Only members have a full-membership date."))
    join, full = cleaned.get("join_date"), cleaned.get("full_date")
    # The development dates follow each other (domain.md §2): applied ≤ activist ≤ candidate ≤ join ≤ full.
    steps = ("applied_on", "activist_on", "candidate_on", "join_date")
    for i, later in enumerate(steps[1:], start=1):
        earlier = next((f for f in reversed(steps[:i]) if cleaned.get(f)), None)
        if earlier and cleaned.get(later) and cleaned[later] < cleaned[earlier] and later not in errors:
            err(later, _("This date cannot be before the %(step)s.") % {"step": Person._meta.get_field(earlier)
                                                                       .verbose_name})
    if join and full and full < join:
        err("full_date", _("The full-membership date cannot be before the join date."))
    elif join and full:
        # Probation lasts a year from the admission (党章 第七条); it may be extended, never shortened.
        months = params.get("member.probation_months", join)
        year, month = divmod(join.month - 1 + months, 12)
        ends = date(join.year + year, month + 1, min(join.day, monthrange(join.year + year, month + 1)[1]))
        if full < ends:
            err("full_date", _("Probation lasts until %(date)s: the full-membership date cannot be earlier.")
                % {"date": ends.isoformat()})
    first = next((f for f in steps if cleaned.get(f)), None)
    if first and birth:
        min_age = params.get("member.min_age", cleaned[first])
        if rules.age_on(birth, cleaned[first]) < min_age:
            if first == "join_date":
                err("join_date", _("A person joins the Party at %(n)s or older.") % {"n": min_age})
            else:
                err(first, _("A person applies to join the Party at %(n)s or older.") % {"n": min_age})
    if org is not None and org.status != OrgStatus.ACTIVE:
        err("org", _("That organisation has been dissolved."))
    if group is not None:
        if group.org_type != OrgType.GROUP:
            err("group", _("Choose a Party group."))
        elif org is None or group.parent_id != org.pk:
            err("group", _("The Party group must belong to the person's branch."))
        elif group.status != OrgStatus.ACTIVE:
            err("group", _("That Party group has been dissolved."))
    if cleaned["status"] == MemberStatus.FLOWING and not cleaned.get("flow_destination"):
        err("flow_destination", _("Say where the flowing member is."))
    if cleaned["status"] != MemberStatus.NORMAL and not is_member and cleaned["status"] != MemberStatus.DECEASED:
        err("status", _("Only members have this membership status."))
    return cleaned, errors


def apply_cleaned(person, cleaned):
    """Copy the output of clean_person onto `person` (encryption, masks, scope path); the caller saves.
    Shared by create/update, the roster import and incoming transfers so the mapping exists once."""
    for field in PLAIN_FIELDS:
        value = cleaned.get(field)
        if value is None and field not in DATE_FIELDS:
            value = ""
        setattr(person, field, value)
    person.org = cleaned.get("org")
    person.group = cleaned.get("group")
    if "id_number" in cleaned:
        person.set_id_number(cleaned["id_number"])
    if "phone" in cleaned:
        person.set_phone(cleaned["phone"])
    place = person.group or person.org
    person.scope_path = place.path if place else ""


def _require_write(actor, org):
    if actor is None:
        return
    if org is None:
        if not actor.is_superuser:
            raise ValidationError({"org": [_("Choose an organisation you manage.")]})
    elif not has_perm(actor, perms.PEOPLE_WRITE, org):
        raise ValidationError({"org": [_("You do not manage that organisation.")]})


@transaction.atomic
def create_person(actor, data):
    cleaned, errors = clean_person(data)
    if errors:
        raise ValidationError(errors)
    _require_write(actor, cleaned.get("org"))
    person = Person()
    apply_cleaned(person, cleaned)
    person.save()
    return person


@transaction.atomic
def update_person(actor, person, data, expected_version=None):
    """Update; `expected_version` (the version the editor read) detects concurrent edits."""
    current = Person.objects.select_for_update().get(pk=person.pk)
    check_version(current, expected_version)
    if actor is not None and not has_perm(actor, perms.PEOPLE_WRITE, current.scope_path or "-"):
        from django.http import Http404

        raise Http404
    if "org" in data:
        try:
            new_org = _org(data["org"])
        except ValueError as e:
            raise ValidationError({"org": [str(e)]})
        if current.org_id != (new_org.pk if new_org is not None else None):
            raise ValidationError({"org": [_("Change a member's organisation through a transfer.")]})
    cleaned, errors = clean_person(data, instance=current)
    if errors:
        raise ValidationError(errors)
    apply_cleaned(current, cleaned)
    current.version += 1
    current.save()
    return current


def can_reveal(user, person):
    return bool(person.scope_path) and has_perm(user, perms.PEOPLE_SENSITIVE, person.scope_path)


def reveal(user, person, field):
    """The clear ID number or phone, for a viewer whose post needs it; every reveal is logged."""
    if field not in ("id_number", "phone"):
        raise ValueError(field)
    if not can_reveal(user, person):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    value = person.get_id_number() if field == "id_number" else person.get_phone()
    chain.record(chain.AuditEntry.Action.REVEAL, "people.person", person.pk, object_repr=person.name,
                 org_path=person.scope_path, after={"field": field}, actor=user)
    return value
