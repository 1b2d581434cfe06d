"""The periods figures are asked for: a month ("2026-11"), a quarter ("2026-Q4") or a year ("2026"). Pure."""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MONTH, QUARTER, YEAR = "month", "quarter", "year"
KINDS = (MONTH, QUARTER, YEAR)
MIN_YEAR, MAX_YEAR = 2000, 2100

_PATTERNS = (
    (re.compile(r"^(\d{4})-(\d{1,2})$"), MONTH),
    (re.compile(r"^(\d{4})-[Qq]([1-4])$"), QUARTER),
    (re.compile(r"^(\d{4})$"), YEAR),
)


class PeriodError(ValueError):
    """The text is not a period the platform knows."""


@dataclass(frozen=True, order=True)
class Period:
    """`kind` and its number in the year (month 1–12, quarter 1–4, year: 1). `start`: the first day; `end`: the
    last day (inclusive); `stop`: the day after the last."""

    year: int
    kind: str
    index: int = 1

    def __post_init__(self):
        if self.kind not in KINDS:
            raise PeriodError(f"unknown period kind {self.kind!r}")
        if not MIN_YEAR <= self.year <= MAX_YEAR:
            raise PeriodError(f"year {self.year} out of range")
        top = {MONTH: 12, QUARTER: 4, YEAR: 1}[self.kind]
        if not 1 <= self.index <= top:
            raise PeriodError(f"{self.kind} {self.index} out of range")

    @property
    def start(self):
        if self.kind == MONTH:
            return date(self.year, self.index, 1)
        if self.kind == QUARTER:
            return date(self.year, 3 * self.index - 2, 1)
        return date(self.year, 1, 1)

    @property
    def stop(self):
        months = {MONTH: 1, QUARTER: 3, YEAR: 12}[self.kind]
        m = self.start.month - 1 + months
        return date(self.year + m // 12, m % 12 + 1, 1)

    @property
    def end(self):
        return self.stop - timedelta(days=1)

    @property
    def months(self):
        """The first days of the months of the period."""
        first = self.start.month
        n = {MONTH: 1, QUARTER: 3, YEAR: 12}[self.kind]
        return [date(self.year, m, 1) for m in range(first, first + n)]

    def __str__(self):
        if self.kind == MONTH:
            return f"{self.year}-{self.index:02d}"
        if self.kind == QUARTER:
            return f"{self.year}-Q{self.index}"
        return f"{self.year}"

    @property
    def label(self):
        if self.kind == MONTH:
            return _("%(year)d-%(month)02d") % {"year": self.year, "month": self.index}
        if self.kind == QUARTER:
            return _("Q%(quarter)d %(year)d") % {"year": self.year, "quarter": self.index}
        return str(self.year)

    def contains(self, day):
        return self.start <= day < self.stop

    def previous(self):
        if self.kind == YEAR:
            return Period(self.year - 1, YEAR)
        top = 12 if self.kind == MONTH else 4
        return Period(self.year - 1, self.kind, top) if self.index == 1 else Period(self.year, self.kind,
                                                                                     self.index - 1)


def parse(text):
    """"2026-11" → the month, "2026-Q4" → the quarter, "2026" → the year. PeriodError otherwise."""
    raw = str(text or "").strip()
    for pattern, kind in _PATTERNS:
        m = pattern.match(raw)
        if m:
            year = int(m.group(1))
            index = int(m.group(2)) if kind != YEAR else 1
            return Period(year, kind, index)
    raise PeriodError(f"not a period: {raw[:20]!r}")


def of(kind, day):
    """The period of `kind` containing `day`."""
    if kind == MONTH:
        return Period(day.year, MONTH, day.month)
    if kind == QUARTER:
        return Period(day.year, QUARTER, (day.month - 1) // 3 + 1)
    return Period(day.year, YEAR)


def this_month(today=None):
    return of(MONTH, today or timezone.localdate())
