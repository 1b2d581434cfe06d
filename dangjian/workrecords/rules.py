"""Pure rules of the work ledger: periods of an item's frequency and the colour of a grid cell. No database."""

from dataclasses import dataclass
from datetime import date, timedelta

GREEN, AMBER, RED, NONE = "green", "amber", "red", "none"
LATE_FRACTION = 2 / 3  # nothing filed once two thirds of the period are gone: red before the period ends

MONTHS_OF = {"month": 1, "quarter": 3, "half_year": 6, "year": 12}


@dataclass(frozen=True)
class Period:
    frequency: str
    start: date  # first day
    end: date  # last day

    @property
    def key(self):
        """'2026-03', '2026-Q1', '2026-H1' or '2026'."""
        y, m = self.start.year, self.start.month
        if self.frequency == "month":
            return f"{y}-{m:02d}"
        if self.frequency == "quarter":
            return f"{y}-Q{(m - 1) // 3 + 1}"
        if self.frequency == "half_year":
            return f"{y}-H{(m - 1) // 6 + 1}"
        return f"{y}"

    def contains(self, day):
        return self.start <= day <= self.end

    def elapsed(self, today):
        """How far `today` is into the period: 0 before it starts, 1 once it has ended."""
        if today < self.start:
            return 0.0
        if today > self.end:
            return 1.0
        total = (self.end - self.start).days + 1
        return ((today - self.start).days + 1) / total


def add_months(day, months):
    n = day.year * 12 + day.month - 1 + months
    return date(n // 12, n % 12 + 1, 1)


def period_of(day, frequency):
    """The period of `frequency` holding `day`."""
    span = MONTHS_OF[frequency]
    first_month = (day.month - 1) // span * span + 1
    start = date(day.year, first_month, 1)
    return Period(frequency, start, add_months(start, span) - timedelta(days=1))


def parse_month(value):
    """'2026-03' → date(2026, 3, 1); anything else → None."""
    value = (value or "").strip()
    parts = value.split("-")
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or len(parts[0]) != 4 or len(parts[1]) > 2:
        return None
    year, month = int(parts[0]), int(parts[1])
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def cell_colour(done, due, elapsed):
    """The colour of a grid cell: `done` of `due` (records of one organisation, or organisations that met the
    item in a row of several) with `elapsed` (0–1) of the period gone. Green when met; red when the period has
    ended short, or when nothing at all is done with two thirds of the period gone; amber while there is time."""
    if due <= 0:
        return NONE
    if done >= due:
        return GREEN
    if elapsed >= 1 or (done == 0 and elapsed >= LATE_FRACTION):
        return RED
    return AMBER


def is_own_committee_item(item_path, org_path):
    """An organisation may file against an item defined by its own committee or one above it, never against
    an item of another committee."""
    return bool(item_path) and org_path.startswith(item_path)


def parse_period(key):
    """A period from its key ('2026-03', '2026-Q1', '2026-H2', '2026'); None when it is not one."""
    key = (key or "").strip().upper()
    if len(key) == 4 and key.isdigit() and 2000 <= int(key) <= 2100:
        return period_of(date(int(key), 1, 1), "year")
    if len(key) == 7 and key[:4].isdigit() and key[4] == "-" and key[5] in "QH" and key[6].isdigit():
        year, n = int(key[:4]), int(key[6])
        if not 2000 <= year <= 2100:
            return None
        if key[5] == "Q" and 1 <= n <= 4:
            return period_of(date(year, 3 * n - 2, 1), "quarter")
        if key[5] == "H" and 1 <= n <= 2:
            return period_of(date(year, 6 * n - 5, 1), "half_year")
        return None
    month = parse_month(key)
    return period_of(month, "month") if month else None
