"""Working-day arithmetic, in one place. Every deadline and every 公示 period is computed here.

A day is a working day (工作日) when it is Monday–Friday and not a holiday, or when it is a make-up working day
(调休上班, usually a weekend). The exceptions are the `CalendarDay` rows; a year with no rows follows the plain week
(see `known_years`).

Boundaries (documented in docs/workdays.md):
- `add_working_days(start, n)`: the start day itself never counts; the result is the n-th working day after
  `start` (n > 0), the |n|-th working day before it (n < 0), or `start` itself (n = 0), whatever `start` is.
- `working_days_between(a, b)`: the number of working days d with a < d ≤ b (a excluded, b included); negative
  when b < a. So `working_days_between(s, add_working_days(s, n)) == n` for every n ≥ 0 (backwards, the result e
  has exactly |n| working days in [e, s)).
- `next_working_day(d)`: the first working day after d (strictly); `inclusive=True` gives d itself if it works.

The functions are pure given the exceptions: pass `overrides` (a mapping date → "holiday" | "workday") to compute
without the database; without it the year's rows are read once and cached (invalidated whenever a row changes).
"""

from datetime import timedelta

from django.core.cache import cache

HOLIDAY, WORKDAY = "holiday", "workday"
MAX_SPAN = 3660  # no computation walks more than ten years of days
_KEY = "workdays:year:{}"
_ONE = timedelta(days=1)


def _load_year(year):
    from .models import CalendarDay

    rows = CalendarDay.objects.filter(date__year=year).values_list("date", "kind")
    return {d.isoformat(): k for d, k in rows}


def year_overrides(year):
    """{iso date: kind} of a year's exceptions, from the cache (filled from the database on a miss)."""
    key = _KEY.format(year)
    found = cache.get(key)
    if found is None:
        found = _load_year(year)
        cache.set(key, found, 24 * 3600)
    return found


def invalidate(year):
    cache.delete(_KEY.format(year))


class _Stored:
    """The database's exceptions as a mapping date → kind, read a year at a time."""

    def __init__(self):
        self._years = {}

    def get(self, day, default=None):
        year = self._years.get(day.year)
        if year is None:
            year = self._years[day.year] = year_overrides(day.year)
        return year.get(day.isoformat(), default)


def _source(overrides):
    return _Stored() if overrides is None else overrides


def _working(day, overrides):
    kind = overrides.get(day)
    if kind == HOLIDAY:
        return False
    if kind == WORKDAY:
        return True
    return day.weekday() < 5


def is_working_day(day, overrides=None):
    return _working(day, _source(overrides))


def add_working_days(start, n, overrides=None):
    """The n-th working day after `start` (before it when n < 0); `start` itself does not count; n = 0: `start`."""
    if not isinstance(n, int):
        raise TypeError("n must be an integer")
    if abs(n) > MAX_SPAN:
        raise ValueError("too many working days")
    source = _source(overrides)
    step = _ONE if n >= 0 else -_ONE
    day, left, walked = start, abs(n), 0
    while left:
        day += step
        walked += 1
        if walked > MAX_SPAN:
            raise ValueError("no working day within ten years")
        if _working(day, source):
            left -= 1
    return day


def working_days_between(a, b, overrides=None):
    """How many working days d satisfy a < d ≤ b; negative (−count of b < d ≤ a) when b is before a."""
    if b < a:
        return -working_days_between(b, a, overrides)
    if (b - a).days > MAX_SPAN:
        raise ValueError("span too long")
    source = _source(overrides)
    count, day = 0, a
    while day < b:
        day += _ONE
        if _working(day, source):
            count += 1
    return count


def next_working_day(day, inclusive=False, overrides=None):
    """The first working day after `day` (or `day` itself when `inclusive` and it is a working day)."""
    source = _source(overrides)
    if inclusive and _working(day, source):
        return day
    return add_working_days(day, 1, source)


def period_end(starts, days, overrides=None):
    """The last day of a period of `days` working days that begins on `starts`, the first day counting when it is a
    working day: the `days`-th working day on or after `starts` (so working_days_between(starts − 1, end) == days)."""
    if days < 1:
        raise ValueError("days must be positive")
    return add_working_days(starts - _ONE, days, overrides)


def working_days_in(starts, ends, overrides=None):
    """The number of working days from `starts` to `ends`, both included."""
    return working_days_between(starts - _ONE, ends, overrides)


def known_years():
    """The years for which the calendar holds the State Council's exceptions (other years: the plain week)."""
    from .models import CalendarDay

    return sorted({d.year for d in CalendarDay.objects.values_list("date", flat=True)})
