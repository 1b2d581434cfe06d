"""People figures kept per organisation (OrgFigures), so that the statistics and counts of a large subtree are a
sum over its organisations instead of a scan over its people.

Consistency: every write of a Person recounts the organisations it touches (its old and new place) in the same
transaction (signals.py for single saves; `refresh` called by bulk writers such as the roster import; `rebuild`
after seed_scale's COPY). The recount locks the organisations' rows first, in id order, and only then counts,
so two concurrent writes in one branch cannot both count without the other's change (each statement of READ
COMMITTED sees what committed before it). A nightly task rebuilds everything: the age bands move into the new
statistical year on 1 January, and any row that drifted (a write outside these paths) is put right.

Readers get None when the rows cannot answer (another statistical year, rows of mixed years) and fall back to
counting the people themselves, so a figure is never wrong, only sometimes slower.
"""

from django.db import connection, transaction
from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from .figure_spec import COLUMN_NAMES, column_conditions

_COLUMN_SET = frozenset(COLUMN_NAMES)


def place_of(group_id, org_id):
    """The organisation a person is counted in: their group if they have one, otherwise their organisation."""
    return group_id or org_id


def _counts_by_place(people, year):
    conditions = column_conditions(year)
    return (people.annotate(place=Coalesce("group_id", "org_id")).values("place")
            .annotate(**{name: Count("id", filter=cond) for name, cond in conditions.items()}).order_by())


_LOCK_KEY = 0x64_6A_66_69  # "djfi": the advisory lock between recounts (shared) and a rebuild (exclusive)


def _table_lock(exclusive):
    """On PostgreSQL, recounts hold a shared transaction lock and a rebuild an exclusive one, so a rebuild never
    writes a count taken before a recount that committed during it. SQLite runs one write transaction at a time."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(f"SELECT pg_advisory_xact_lock{'' if exclusive else '_shared'}(%s)", [_LOCK_KEY])


def refresh(org_ids, year=None):
    """Recount the people placed directly in these organisations (ids; None and duplicates ignored)."""
    from .models import OrgFigures, Person

    ids = sorted({int(i) for i in org_ids if i})
    if not ids:
        return
    year = year or timezone.localdate().year
    with transaction.atomic():
        _table_lock(exclusive=False)
        OrgFigures.objects.bulk_create([OrgFigures(org_id=i, year=year) for i in ids], ignore_conflicts=True)
        list(OrgFigures.objects.select_for_update().filter(org_id__in=ids).order_by("org_id").values_list("pk"))
        people = Person.objects.filter(Q(group_id__in=ids) | Q(group__isnull=True, org_id__in=ids))
        found = {row.pop("place"): row for row in _counts_by_place(people, year)}
        zero = dict.fromkeys(COLUMN_NAMES, 0)
        now = timezone.now()
        for org_id in ids:
            OrgFigures.objects.filter(pk=org_id).update(year=year, updated_at=now, **found.get(org_id, zero))


def rebuild(year=None, models=None):
    """Recount every organisation from the people table (one grouped scan). Returns the number of rows.
    `models`: (Person, OrgFigures) of a migration's state."""
    if models is None:
        from .models import OrgFigures, Person
    else:
        Person, OrgFigures = models

    year = year or timezone.localdate().year
    with transaction.atomic():
        _table_lock(exclusive=True)
        OrgFigures.objects.all().delete()
        now = timezone.now()
        rows = [OrgFigures(org_id=row.pop("place"), year=year, updated_at=now, **row)
                for row in _counts_by_place(Person.objects.exclude(org__isnull=True, group__isnull=True), year)]
        OrgFigures.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def subtree_sums(prefixes, year, columns=COLUMN_NAMES):
    """{column: sum} over the organisations whose path starts with one of `prefixes` (None: every organisation),
    or None when the rows are not all of `year` (year None: for the counts by political status only, which do
    not depend on the year).

    This is the hot read of the statistics and member pages, so it is one plain SQL statement: column names come
    from COLUMN_NAMES, paths (digits only, checked) are bound as parameters."""
    from dangjian.orgs.models import Organization

    from .models import OrgFigures

    columns = [c for c in columns if c in _COLUMN_SET]
    figures_table = connection.ops.quote_name(OrgFigures._meta.db_table)
    sums = ", ".join(f"SUM(f.{connection.ops.quote_name(c)})" for c in columns)
    sql = f"SELECT COUNT(*), MIN(f.year), MAX(f.year){', ' if sums else ''}{sums} FROM {figures_table} f"
    params = []
    if prefixes is not None:
        prefixes = list(prefixes)
        if not prefixes:
            return dict.fromkeys(columns, 0)
        if not all(p.isdigit() for p in prefixes):
            raise ValueError("organisation paths are digits")
        org_table = connection.ops.quote_name(Organization._meta.db_table)
        sql += (f" INNER JOIN {org_table} o ON o.id = f.org_id WHERE "
                + " OR ".join(["o.path LIKE %s"] * len(prefixes)))
        params = [p + "%" for p in prefixes]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        n_rows, ymin, ymax, *values = cur.fetchone()
    if year is not None and n_rows and not (ymin == ymax == year):
        return None
    return {name: int(value or 0) for name, value in zip(columns, values, strict=True)}


def by_org(prefix, column):
    """[(organisation path, count)] of one column for each organisation under `prefix` ("" for all) with a row:
    the people placed directly in it. For the platform figures (dangjian.metrics), which add them up over
    subtrees. Columns that depend on the statistical year (age bands) are refused. One query."""
    from .models import OrgFigures

    if column not in _COLUMN_SET or column.startswith("age_"):
        raise ValueError(f"not a year-independent figures column: {column!r}")
    qs = OrgFigures.objects.all()
    if prefix:
        qs = qs.filter(org__path__startswith=prefix)
    return list(qs.values_list("org__path", column).order_by())


def add(a, b):
    """Column-wise sum of two rows of counts."""
    return {name: a.get(name, 0) + b.get(name, 0) for name in COLUMN_NAMES}


def count_rows(people, year):
    """The same columns counted directly over a queryset of people (one aggregate query)."""
    conditions = column_conditions(year)
    row = people.order_by().aggregate(**{name: Count("id", filter=cond) for name, cond in conditions.items()})
    return {name: row[name] or 0 for name in COLUMN_NAMES}


def drift(year=None):
    """Organisations whose stored figures differ from a fresh count of their people (ids, sorted). Empty when
    every write went through the paths above."""
    from .models import OrgFigures, Person

    year = year or timezone.localdate().year
    fresh = {row.pop("place"): row
             for row in _counts_by_place(Person.objects.exclude(org__isnull=True, group__isnull=True), year)}
    stored = {row.pop("org_id"): row for row in OrgFigures.objects.values("org_id", "year", *COLUMN_NAMES)}
    zero = dict.fromkeys(COLUMN_NAMES, 0)
    wrong = []
    for org_id in set(fresh) | set(stored):
        row = stored.get(org_id)
        if row is None:
            if any(fresh[org_id].values()):
                wrong.append(org_id)
            continue
        if row.pop("year") != year or row != fresh.get(org_id, zero):
            wrong.append(org_id)
    return sorted(wrong)
