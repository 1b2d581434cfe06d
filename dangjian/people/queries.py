"""Member lists and statistics. The page, the API and the xlsx export all build their rows here."""

import re

from django.db import connection
from django.db.models import BooleanField, CharField, Count, F, Func, Q, Value
from django.db.models.functions import Concat
from django.utils import timezone

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import own_person_q, path_q, scope_for, scoped

from . import crypto, figures
from . import rules as people_rules
from .codes import COLLEGE_OR_ABOVE, HAN, MEMBER_STATUSES, OCCUPATION_OF_POST, ON_ROLL, PoliticalStatus
from .figure_spec import (
    MEMBER_COLUMNS,
    MEMBER_Q,
    STATUS_COLUMNS,
    birth_range_for_band,
    member_conditions,
    shape_statistics,
    status_column,
)
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
    return name_contains_q(text)


class NameHasCharacters(Func):
    """PostgreSQL: the name holds these characters one after another — a phrase search over the name split into
    single characters, answered by the GIN index person_name_chars (migration people 0004). Chinese names are two
    to four characters, too short for trigrams; one character each is what a Chinese name search needs."""

    output_field = BooleanField()

    def __init__(self, text):
        super().__init__(F("name"), Value(" ".join(text)))

    def as_sql(self, compiler, connection, **extra_context):
        name_sql, name_params = compiler.compile(self.source_expressions[0])
        text_sql, text_params = compiler.compile(self.source_expressions[1])
        return (f"to_tsvector('simple'::regconfig, regexp_replace({name_sql}, '(.)', '\\1 ', 'g')) "
                f"@@ phraseto_tsquery('simple'::regconfig, {text_sql})", [*name_params, *text_params])


def name_contains_q(text):
    """A part of the name. On PostgreSQL the character index finds the candidates (milliseconds among a million
    people, where `LIKE '%…%'` reads them all) and LIKE keeps the exact meaning; one uncased character (a Chinese
    surname) is matched exactly by the index alone. SQLite: LIKE."""
    if connection.vendor != "postgresql" or not any(c.isalnum() for c in text):
        return Q(name__contains=text)
    if len(text) == 1 and text.isalnum() and text.lower() == text.upper():
        return Q(NameHasCharacters(text))
    return Q(NameHasCharacters(text)) & Q(name__contains=text)


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
            qq = birth_range_for_band(label, year)
            if qq is not None:
                band_q |= qq
        queryset = queryset.filter(band_q)
    for key, lookup in (("join_from", "join_date__gte"), ("join_to", "join_date__lte"),
                        ("full_from", "full_date__gte"), ("full_to", "full_date__lte")):
        value = _date(params.get(key))
        if value:
            queryset = queryset.filter(**{lookup: value})
    ordering = SORTS.get(params.get("sort") or "name", SORTS["name"])
    if q and connection.vendor == "postgresql":
        # Sort the matches of a search rather than walk the name index until enough of them turn up: the planner
        # cannot tell how far into a million names the matches lie (seconds for a common character at the root).
        ordering = [_sortable_name(key) if key.lstrip("-") == "name" else key for key in ordering]
    return queryset.order_by(*ordering)


def _sortable_name(key):
    expression = Concat("name", Value(""), output_field=CharField())
    return expression.desc() if key.startswith("-") else expression.asc()


def statistics(queryset, year=None):
    """Counts of on-roll members by category, gender, ethnicity, education (each level), occupation and age band —
    one aggregate query over the queryset (a single scan), whatever its size. For a user's whole scope,
    `statistics_for` reads the per-organisation figures instead."""
    year = year or timezone.localdate().year
    members = queryset.filter(MEMBER_Q).order_by()
    row = members.aggregate(**{name: Count("id", filter=cond) for name, cond in member_conditions(year).items()})
    return shape_statistics(row, year)


def _summary_scope(user):
    """(prefixes, extra): the user's readable subtrees for the per-organisation figures (None: everything) and a
    queryset of the people they may also see outside them (their own record; for superusers, people in no
    organisation) — or None when the user reads no subtree at all."""
    scope = scope_for(user)
    if scope.superuser:
        return None, Person.objects.filter(org__isnull=True, group__isnull=True)
    prefixes = scope.prefixes(perms.PEOPLE_READ)
    if not prefixes:
        return None
    pid = scope.person_id  # their own record, unless it lies inside their subtrees (one lookup by key)
    extra = Person.objects.filter(pk=pid).exclude(path_q(("scope_path",), prefixes)) if pid else None
    return prefixes, extra


def statistics_for(user, year=None):
    """`statistics(visible_people(user))`, read from the per-organisation figures (people.figures): at the root of
    a million people, a sum over the organisations' rows instead of a scan. Falls back to the scan when the
    figures are of another statistical year."""
    year = year or timezone.localdate().year
    found = _summary_scope(user)
    if found is not None and year == timezone.localdate().year:
        prefixes, extra = found
        sums = figures.subtree_sums(prefixes, year, MEMBER_COLUMNS)
        if sums is not None:
            if extra is not None:
                sums = figures.add(sums, figures.count_rows(extra, year))
            return shape_statistics(sums, year)
    return statistics(visible_people(user), year)


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
    """Total and counts by political status of a filtered list, in one aggregate query."""
    aggregates = {"total": Count("id")}
    for code in PoliticalStatus.values:
        aggregates[code] = Count("id", filter=Q(political_status=code))
    row = queryset.order_by().aggregate(**aggregates)
    return {
        "total": row["total"],
        "by_status": [(code, label, row[code]) for code, label in PoliticalStatus.choices],
    }


# Filters the per-organisation figures can answer: the subtree, the category, members only, on the roll.
SUMMARY_FILTERS = {"org", "political_status", "members", "on_roll", "year", "sort"}


def list_counts(user, params, queryset, org_lookup=None):
    """`category_counts(queryset)` for `queryset = filter_people(visible_people(user), params, org_lookup)`. When
    every filter in `params` is one of SUMMARY_FILTERS the counts are summed from the per-organisation figures
    (milliseconds at the root of a million people); otherwise the filtered list is counted."""
    if any(key not in SUMMARY_FILTERS and "".join(_list(params, key)).strip() for key in FILTER_FIELDS):
        return category_counts(queryset)
    found = _summary_scope(user)
    if found is None:
        return category_counts(queryset)
    prefixes, extra = found
    if params.get("org"):
        org = org_lookup(params.get("org")) if org_lookup else None
        if org is None:
            return category_counts(queryset)
        prefixes, extra = (org.path,), None  # inside the user's scope: the own record is counted with the rest
    sums = figures.subtree_sums(prefixes, year=None, columns=STATUS_COLUMNS)
    codes = PoliticalStatus.values
    chosen = _list(params, "political_status")
    if chosen:
        codes = [c for c in codes if c in chosen]
    if params.get("members") in ("1", "true", True):
        codes = [c for c in codes if c in MEMBER_STATUSES]
    on_roll_only = params.get("on_roll") in ("1", "true", True)
    counts = {code: sums[status_column(code, True)] + (0 if on_roll_only else sums[status_column(code, False)])
              for code in codes}
    if extra is not None:
        more = category_counts(filter_people(extra, params))
        for code, _label, n in more["by_status"]:
            if code in counts:
                counts[code] += n
    return {
        "total": sum(counts.values()),
        "by_status": [(code, label, counts.get(code, 0)) for code, label in PoliticalStatus.choices],
    }


def person_timeline(person):
    """The person's life in the Party, oldest first: application, activist, candidate, joined, full member
    (from the Person), posts held, and the events the modules contribute (transfers, flowing periods: see
    Module.person_events). A query per contributing module, whatever the history."""
    from django.utils.translation import gettext as _

    from dangjian.accounts.models import Post
    from dangjian.core.modules import modules

    events = []

    def add(on, kind, title, detail="", icon="circle"):
        if on:
            events.append({"date": on, "kind": kind, "title": title, "detail": detail, "icon": icon})

    add(person.applied_on, "applied", _("Applied to join the Party"), icon="envelope-paper")
    add(person.activist_on, "activist", _("Made an activist"), icon="person-up")
    add(person.candidate_on, "candidate", _("Made a development candidate"), icon="person-check")
    add(person.join_date, "joined", _("Joined the Party (probationary member)"), icon="flag")
    add(person.full_date, "full", _("Became a full member"), icon="award")
    for module in modules():  # transfers, flowing periods and whatever later modules record of a person
        for event in module.person_events(person):
            add(event["date"], event["kind"], event["title"], event.get("detail", ""), icon=event.get("icon", "circle"))
    for p in Post.objects.filter(person=person).select_related("org").order_by("start_date"):
        add(p.start_date, "post", _("%(role)s of %(org)s") % {"role": p.get_role_display(), "org": p.org.name},
            _("until %(date)s") % {"date": p.end_date.isoformat()} if p.end_date else _("current post"),
            icon="briefcase")
    events.sort(key=lambda e: e["date"])
    return events
