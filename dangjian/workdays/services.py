"""Changing the working-day calendar: only the top committee (a post holding workdays:manage in a root
organisation, i.e. one without a parent) or a superuser. Every change owns its transaction, is validated (a
DomainError naming the field; nothing changes) and audited (CalendarDay is an audited model)."""

import json
from datetime import date
from pathlib import Path

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import scope_for
from dangjian.core.errors import DomainError
from dangjian.orgs.models import PATH_STEP

from . import calendar
from .models import CalendarDay, DayKind

MANAGE = perms.WORKDAYS_MANAGE
DATA_FILE = Path(__file__).parent / "data" / "cn_holidays.json"
MIN_YEAR, MAX_YEAR = 2000, 2100


def can_manage(user):
    """The calendar is the whole platform's: a top committee's post (root organisation) or a superuser."""
    scope = scope_for(user)
    return scope.superuser or any(len(p) == PATH_STEP for p in scope.prefixes(MANAGE))


def require_manage(actor):
    if actor is not None and not can_manage(actor):
        raise Http404


def _year(value, field="year"):
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise DomainError(_("Enter a year such as 2026."), field=field) from None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DomainError(_("The year must be between %(low)s and %(high)s.") % {"low": MIN_YEAR, "high": MAX_YEAR},
                          field=field)
    return year


def bundled_years():
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return sorted(int(k) for k in data if k.isdigit())


def exceptions_from_bundle(year):
    """[(date, kind, name)] of `year` from the bundled notices (empty if the file does not know the year)."""
    data = json.loads(DATA_FILE.read_text(encoding="utf-8")).get(str(year))
    if not data:
        return []
    rows = [(date.fromisoformat(d), DayKind.HOLIDAY, n) for d, n in data["holidays"]]
    rows += [(date.fromisoformat(d), DayKind.WORKDAY, n) for d, n in data["workdays"]]
    return sorted(rows)


def exceptions_from_library(year):
    """[(date, kind, name)] of `year` from the chinese-calendar package when it is installed and knows the year;
    None otherwise. Only the days that differ from the plain week are returned."""
    try:
        import chinese_calendar
    except ImportError:
        return None
    from datetime import timedelta

    day, rows = date(year, 1, 1), []
    try:
        while day.year == year:
            on_holiday, name = chinese_calendar.get_holiday_detail(day)
            weekend = day.weekday() >= 5
            if on_holiday and not weekend:
                rows.append((day, DayKind.HOLIDAY, _holiday_name(name)))
            elif weekend and not on_holiday:
                rows.append((day, DayKind.WORKDAY, _holiday_name(name)))
            elif weekend and on_holiday and name:  # a weekend inside a holiday: recorded for its name
                rows.append((day, DayKind.HOLIDAY, _holiday_name(name)))
            day += timedelta(days=1)
    except NotImplementedError:  # the library does not know this year
        return None
    return rows


_NAMES = {"New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
          "Dragon Boat Festival": "端午节", "Mid-autumn Festival": "中秋节", "National Day": "国庆节"}


def _holiday_name(name):
    return _NAMES.get(str(name or ""), str(name or ""))[:40]


@transaction.atomic
def seed_year(actor, year, replace=False):
    """Load a year's holidays and make-up days: from chinese-calendar when installed and it knows the year, else
    from the bundled notices. Existing rows are kept unless `replace`. Returns the number of rows written."""
    require_manage(actor)
    year = _year(year)
    rows = exceptions_from_library(year)
    source = "chinese-calendar"
    if not rows:
        rows, source = exceptions_from_bundle(year), "bundled notice"
    if not rows:
        raise DomainError(_("No holiday data is known for %(year)s: enter the days by hand.") % {"year": year},
                          field="year")
    if replace:
        for day in CalendarDay.objects.filter(date__year=year):
            day.delete()
    existing = set(CalendarDay.objects.filter(date__year=year).values_list("date", flat=True))
    written = 0
    for day, kind, name in rows:
        if day not in existing:
            CalendarDay.objects.create(date=day, kind=kind, name=name, source=source)
            written += 1
    calendar.invalidate(year)
    return written


@transaction.atomic
def set_day(actor, day, kind, name=""):
    """Mark `day` a holiday or a make-up working day (replacing what it was). Marking a day as what the plain week
    makes it anyway (a weekday as working day, a weekend as holiday) clears the row instead."""
    require_manage(actor)
    if not isinstance(day, date):
        raise DomainError(_("Enter a date."), field="date")
    if kind not in DayKind.values:
        raise DomainError(_("Choose holiday or make-up working day."), field="kind")
    name = (name or "").strip()[:40]
    weekend = day.weekday() >= 5
    plain = (kind == DayKind.WORKDAY and not weekend) or (kind == DayKind.HOLIDAY and weekend and not name)
    row = CalendarDay.objects.select_for_update().filter(date=day).first()
    if plain:
        if row:
            row.delete()
        calendar.invalidate(day.year)
        return None
    if row is None:
        row = CalendarDay.objects.create(date=day, kind=kind, name=name, source="manual")
    else:
        row.kind, row.name, row.source = kind, name, "manual"
        row.save()
    calendar.invalidate(day.year)
    return row


@transaction.atomic
def clear_day(actor, day):
    """Let `day` follow the plain week again."""
    require_manage(actor)
    row = CalendarDay.objects.select_for_update().filter(date=day).first()
    if row:
        row.delete()
    calendar.invalidate(day.year)
