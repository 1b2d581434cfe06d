"""Member lists and statistics. The page, the API and the xlsx export all build their rows here."""

import re
from datetime import date

from django.db.models import Count, Q
from django.utils import timezone

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import own_person_q, scoped

from . import crypto
from . import rules as people_rules
from .codes import AGE_BANDS, COLLEGE_OR_ABOVE, HAN, MEMBER_STATUSES, OCCUPATION_OF_POST, ON_ROLL, Education
from .models import Person

SORTS = {
    "name": ("name", "id"), "-name": ("-name", "-id"),
    "join_date": ("join_date", "id"), "-join_date": ("-join_date", "-id"),
    "birth_date": ("birth_date", "id"), "-birth_date": ("-birth_date", "-id"),
    "org": ("scope_path", "name", "id"), "-org": ("-scope_path", "name", "id"),
}

FILTER_FIELDS = ("q", "org", "political_status", "status", "gender", "ethnicity", "minority", "education",
                 "college", "work_post", "occupation", "age_band", "join_from", "join_to", "full_from",
                 "full_to", "members", "on_roll", "year", "sort")


def visible_people(user):
    """Everyone the user may read: their subtrees (people:read) plus their own record."""
    return scoped(Person.objects.all(), user, perms.PEOPLE_READ, extra=own_person_q(user))


def _birth_range_for_band(label, year):
    """Birth dates whose age at 31 December of `year` falls in the band (an index-friendly range)."""
    for band, low, high in AGE_BANDS:
        if band == label:
            ref = date(year, 12, 31)
            q = Q()
            if low is not None:  # age >= low  <=> born on or before ref - low years
                q &= Q(birth_date__lte=ref.replace(year=year - low))
            if high is not None:  # age <= high <=> born after ref - (high + 1) years
                q &= Q(birth_date__gt=ref.replace(year=year - high - 1))
            return q
    return None


def _list(params, key):
    if hasattr(params, "getlist"):
        values = params.getlist(key)
    else:
        value = params.get(key)
        values = value if isinstance(value, list | tuple) else [value]
    out = []
    for v in values:
        if v not in (None, ""):
            out.extend(s for s in str(v).split(",") if s and "\x00" not in s)
    return out


def _date(value):
    from django.utils.dateparse import parse_date

    try:
        return parse_date(value) if value else None
    except ValueError:
        return None


def search_q(text):
    """The search box: an exact ID number or phone number (through the blind index; nothing is decrypted),
    otherwise a part of the name."""
    text = (text or "").replace("\x00", "").strip()  # PostgreSQL refuses NUL in text
    if not text:
        return Q()
    compact = re.sub(r"[\s()-]", "", text)
    if people_rules.ID_RE.match(compact.upper()):
        return Q(id_number_hash=crypto.blind_index(compact.upper()))
    if compact.isdigit() and len(compact) >= 7:
        try:
            return Q(phone_hash=crypto.blind_index(people_rules.validate_phone(text)))
        except ValueError:
            return Q(phone_hash=crypto.blind_index(compact))
    return Q(name__contains=text)


def filter_people(queryset, params, org_lookup=None):
    """Apply the list filters in `params` (a QueryDict or dict). Unknown or malformed values are ignored
    (the form reports them). `org_lookup(id)` returns the organisation the user may filter by, or None."""
    q = (params.get("q") or "").strip()
    if q:
        queryset = queryset.filter(search_q(q))
    org_id = params.get("org")
    if org_id and org_lookup is not None:
        org = org_lookup(org_id)
        queryset = queryset.filter(scope_path__startswith=org.path) if org else queryset.none()
    for key in ("political_status", "status", "gender", "ethnicity", "education", "work_post"):
        values = _list(params, key)
        if values:
            queryset = queryset.filter(**{f"{key}__in": values})
    if params.get("members") in ("1", "true", True):
        queryset = queryset.filter(political_status__in=MEMBER_STATUSES)
    if params.get("on_roll") in ("1", "true", True):
        queryset = queryset.filter(status__in=ON_ROLL)
    if params.get("minority") in ("1", "true", True):
        queryset = queryset.exclude(ethnicity=HAN)
    if params.get("college") in ("1", "true", True):
        queryset = queryset.filter(education__in=COLLEGE_OR_ABOVE)
    occupations = _list(params, "occupation")
    if occupations:
        posts = [p for p, o in OCCUPATION_OF_POST.items() if o in occupations]
        queryset = queryset.filter(work_post__in=posts)
    bands = _list(params, "age_band")
    if bands:
        try:
            year = int(params.get("year") or timezone.localdate().year)
        except ValueError:
            year = timezone.localdate().year
        band_q = Q(pk__in=[])
        for label in bands:
            qq = _birth_range_for_band(label, year)
            if qq is not None:
                band_q |= qq
        queryset = queryset.filter(band_q)
    for key, lookup in (("join_from", "join_date__gte"), ("join_to", "join_date__lte"),
                        ("full_from", "full_date__gte"), ("full_to", "full_date__lte")):
        value = _date(params.get(key))
        if value:
            queryset = queryset.filter(**{lookup: value})
    return queryset.order_by(*SORTS.get(params.get("sort") or "name", SORTS["name"]))


def statistics(queryset, year=None):
    """Counts of on-roll members by category, gender, ethnicity, education (each level), occupation and age band — one
    aggregate query over the queryset (a single scan), whatever its size."""
    year = year or timezone.localdate().year
    members = queryset.filter(political_status__in=MEMBER_STATUSES, status__in=ON_ROLL)
    aggregates = {
        "total": Count("id"),
        "full": Count("id", filter=Q(political_status="full")),
        "probationary": Count("id", filter=Q(political_status="probationary")),
        "female": Count("id", filter=Q(gender="2")),
        "male": Count("id", filter=Q(gender="1")),
        "minority": Count("id", filter=~Q(ethnicity=HAN)),
        "college": Count("id", filter=Q(education__in=COLLEGE_OR_ABOVE)),
        "flowing": Count("id", filter=Q(status="flowing")),
    }
    occupations = {}
    for post, occ in OCCUPATION_OF_POST.items():
        occupations.setdefault(occ, []).append(post)
    for occ, posts in occupations.items():
        aggregates[f"occ_{occ}"] = Count("id", filter=Q(work_post__in=posts))
    for code, _label in Education.choices:
        aggregates[f"edu_{code}"] = Count("id", filter=Q(education=code))
    aggregates["edu_unknown"] = Count("id", filter=Q(education=""))
    for label, _low, _high in AGE_BANDS:
        aggregates[f"age_{label}"] = Count("id", filter=_birth_range_for_band(label, year))
    row = members.aggregate(**aggregates)
    return {
        "year": year,
        "total": row["total"], "full": row["full"], "probationary": row["probationary"],
        "gender": {"1": row["male"], "2": row["female"]},
        "minority": row["minority"], "college": row["college"], "flowing": row["flowing"],
        "occupation": {occ: row[f"occ_{occ}"] for occ in occupations},
        "education": {**{code: row[f"edu_{code}"] for code, _l in Education.choices}, "": row["edu_unknown"]},
        "age_band": {label: row[f"age_{label}"] for label, _l, _h in AGE_BANDS},
    }


def org_lookup_for(user, perm=perms.PEOPLE_READ):
    """`org_lookup` for filter_people: an organisation inside the user's scope for `perm`, else None (so a
    filter naming another subtree's organisation yields no rows, never that subtree's people)."""
    from dangjian.orgs.models import Organization

    def lookup(org_id):
        try:
            return scoped(Organization.objects.all(), user, perm).filter(pk=int(org_id)).first()
        except (TypeError, ValueError):
            return None

    return lookup


def org_choices(user, perm=perms.PEOPLE_READ, limit=500):
    """Organisations (not groups) the user may filter by, in tree order, for the subtree picker."""
    from dangjian.orgs.models import Organization, OrgType

    qs = (scoped(Organization.objects.all(), user, perm).exclude(org_type=OrgType.GROUP)
          .only("id", "name", "short_name", "depth", "path", "status").order_by("path"))
    return list(qs[:limit])


def category_counts(queryset):
    """Total and counts by political status (and on-roll members) of a filtered list, in one aggregate query."""
    from .codes import PoliticalStatus

    aggregates = {"total": Count("id")}
    for code in PoliticalStatus.values:
        aggregates[code] = Count("id", filter=Q(political_status=code))
    row = queryset.order_by().aggregate(**aggregates)
    return {
        "total": row["total"],
        "by_status": [(code, label, row[code]) for code, label in PoliticalStatus.choices],
    }


def person_timeline(person):
    """The person's life in the Party, oldest first: application, activist, candidate, joined, full member
    (from the Person), transfers, flowing periods and posts held. Three queries, whatever the history."""
    from django.utils.translation import gettext as _

    from dangjian.accounts.models import Post
    from dangjian.transfers.models import FlowRecord, Transfer

    events = []

    def add(on, kind, title, detail="", icon="circle"):
        if on:
            events.append({"date": on, "kind": kind, "title": title, "detail": detail, "icon": icon})

    add(person.applied_on, "applied", _("Applied to join the Party"), icon="envelope-paper")
    add(person.activist_on, "activist", _("Made an activist"), icon="person-up")
    add(person.candidate_on, "candidate", _("Made a development candidate"), icon="person-check")
    add(person.join_date, "joined", _("Joined the Party (probationary member)"), icon="flag")
    add(person.full_date, "full", _("Became a full member"), icon="award")
    for t in Transfer.objects.filter(person=person).select_related("from_org", "to_org").order_by("issued_on"):
        origin = t.from_org.name if t.from_org else t.external_org
        target = t.to_org.name if t.to_org else t.external_org
        add(t.issued_on, "transfer", _("Transfer: %(from)s → %(to)s") % {"from": origin or "—", "to": target or "—"},
            f"{t.letter_no} · {t.get_state_display()}", icon="arrow-left-right")
    for f in FlowRecord.objects.filter(person=person).order_by("left_on"):
        add(f.left_on, "flow", _("Left to %(place)s (flowing member)") % {"place": f.destination}, f.reason,
            icon="geo-alt")
        add(f.returned_on, "flow_return", _("Returned from %(place)s") % {"place": f.destination}, icon="house")
    for p in Post.objects.filter(person=person).select_related("org").order_by("start_date"):
        add(p.start_date, "post", _("%(role)s of %(org)s") % {"role": p.get_role_display(), "org": p.org.name},
            _("until %(date)s") % {"date": p.end_date.isoformat()} if p.end_date else _("current post"),
            icon="briefcase")
    events.sort(key=lambda e: e["date"])
    return events
