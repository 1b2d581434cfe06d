"""Meetings held per organisation, type and month (MeetingTally), so that the compliance table of 60,000
organisations reads a few hundred thousand short rows instead of a year of meetings.

A meeting is counted once it has started (`count_started`, run by Celery beat every few minutes, and by the
compliance read for whatever started since: `held_by_month` adds the started meetings not yet counted, so the
table is exact at any moment). A counted meeting that is cancelled afterwards is taken out again (`uncount`).
`rebuild` recounts everything from the meetings (after bulk loads; `manage.py meeting_tally --check` finds drift).
"""

from collections import defaultdict
from datetime import datetime

from django.db import transaction
from django.db.models import Count, F, Q
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone

from .models import MONTHS, Meeting, MeetingState, MeetingTally

BATCH = 5000


def _keys(meeting_ids):
    """{(org_id, type_id, year, month): n} of these meetings (their local start month)."""
    through = Meeting.types.through
    starts = dict(Meeting.objects.filter(pk__in=meeting_ids).values_list("pk", "starts_at"))
    orgs = dict(Meeting.objects.filter(pk__in=meeting_ids).values_list("pk", "org_id"))
    out = defaultdict(int)
    for meeting_id, type_id in through.objects.filter(meeting_id__in=meeting_ids).values_list("meeting_id",
                                                                                            "meetingtype_id"):
        local = timezone.localtime(starts[meeting_id])
        out[(orgs[meeting_id], type_id, local.year, local.month)] += 1
    return out


def _apply(keys, sign):
    if not keys:
        return
    MeetingTally.objects.bulk_create([MeetingTally(org_id=o, meeting_type_id=t, year=y)
                                      for (o, t, y) in sorted({k[:3] for k in keys})], ignore_conflicts=True)
    for (org_id, type_id, year, month), n in sorted(keys.items()):
        column = MONTHS[month - 1]
        MeetingTally.objects.filter(org_id=org_id, meeting_type_id=type_id, year=year).update(
            **{column: F(column) + sign * n})


def count_started(now=None):
    """Count the meetings that have started and are not counted yet. Returns how many were counted."""
    now = now or timezone.now()
    done = 0
    while True:
        with transaction.atomic():
            ids = list(Meeting.objects.select_for_update(skip_locked=True)
                       .filter(tallied=False, starts_at__lte=now).exclude(state=MeetingState.CANCELLED)
                       .order_by("pk").values_list("pk", flat=True)[:BATCH])
            if not ids:
                return done
            _apply(_keys(ids), +1)
            Meeting.objects.filter(pk__in=ids).update(tallied=True)
            done += len(ids)


def uncount(meeting):
    """Take a counted meeting out again (it was cancelled after it started). Call inside the transaction."""
    if Meeting.objects.filter(pk=meeting.pk, tallied=True).update(tallied=False):
        _apply(_keys([meeting.pk]), -1)


def _fresh_counts(now=None):
    through = Meeting.types.through
    rows = (through.objects.filter(meeting__starts_at__lte=now or timezone.now())
            .exclude(meeting__state=MeetingState.CANCELLED)
            .annotate(y=ExtractYear("meeting__starts_at"), m=ExtractMonth("meeting__starts_at"))
            .values_list("meeting__org_id", "meetingtype_id", "y", "m").annotate(n=Count("id")).order_by())
    out = defaultdict(lambda: [0] * 12)
    for org_id, type_id, year, month, n in rows:
        out[(org_id, type_id, year)][month - 1] += n
    return out


@transaction.atomic
def rebuild():
    """Recount every organisation's meetings from the meetings themselves. Returns the number of rows."""
    now = timezone.now()
    counts = _fresh_counts(now)
    MeetingTally.objects.all().delete()
    MeetingTally.objects.bulk_create([
        MeetingTally(org_id=o, meeting_type_id=t, year=y, **dict(zip(MONTHS, months, strict=True)))
        for (o, t, y), months in counts.items()], batch_size=5000)
    counted = Q(starts_at__lte=now) & ~Q(state=MeetingState.CANCELLED)
    Meeting.objects.filter(counted, tallied=False).update(tallied=True)
    Meeting.objects.filter(~counted, tallied=True).update(tallied=False)
    return len(counts)


def drift():
    """(org, type, year) whose stored counts differ from the meetings (after counting what has started)."""
    count_started()
    fresh = _fresh_counts()
    stored = {(r[0], r[1], r[2]): list(r[3:]) for r in MeetingTally.objects.values_list(
        "org_id", "meeting_type_id", "year", *MONTHS)}
    keys = set(fresh) | set(stored)
    return sorted(k for k in keys if fresh.get(k, [0] * 12) != stored.get(k, [0] * 12))


def held_by_month(root_path, years, now=None):
    """{(org_id, type_id): {year: (n per month, twelve)}} of the meetings held under `root_path` in `years`: the counted
    ones from the tallies, plus those started since the last count (exact at any moment). Two queries."""
    from django.db import connection

    now = now or timezone.now()
    out = {}
    qs = (MeetingTally.objects.filter(org__path__startswith=root_path, year__in=list(years))
          .values_list("org_id", "meeting_type_id", "year", *MONTHS))
    with connection.cursor() as cur:  # tuples of integers through a bare cursor: no per-value ORM converters
        cur.execute(*qs.query.sql_with_params())
        for row in cur.fetchall():
            out.setdefault((row[0], row[1]), {})[row[2]] = row[3:]
    through = Meeting.types.through
    first = timezone.make_aware(datetime(min(years), 1, 1))
    late = (through.objects.filter(meeting__tallied=False, meeting__starts_at__lte=now,
                                   meeting__starts_at__gte=first, meeting__org_path__startswith=root_path)
            .exclude(meeting__state=MeetingState.CANCELLED)
            .annotate(y=ExtractYear("meeting__starts_at"), m=ExtractMonth("meeting__starts_at"))
            .values_list("meeting__org_id", "meetingtype_id", "y", "m").annotate(n=Count("id")).order_by())
    for org_id, type_id, year, month, n in late:
        if year in years:
            by_year = out.setdefault((org_id, type_id), {})
            months = list(by_year.get(year, (0,) * 12))
            months[month - 1] += n
            by_year[year] = tuple(months)
    return out
