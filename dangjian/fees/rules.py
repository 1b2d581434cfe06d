"""Party fees (党费): the national rate table as data and the one function that computes a month's dues.

Sources (../shared/domain.md §3): 中组部《关于中国共产党党费收缴、使用和管理的规定》(中组发〔2008〕3号, effective
2008-04-01) 第一至六条; 中组部办公厅《关于进一步规范党费工作的通知》(组电明字〔2017〕5号).

Rules as implemented:
- The bracket rate applies to the **whole** base (not progressively): 3000.00 → 15.00 but 3000.01 → 30.00.
  Bracket edges are inclusive at the top ("3000元以下（含3000元）").
- Categories (codes): `in_service` (salaried; also the annual-salary system and the self-employed, whose base is the
  month's pay or the previous quarter's average net income), `retired`, `farmer`, `student`, `unemployed`
  (laid-off, unemployed, living on relief or 低保: the same fixed amount as students).
- Farmers pay a fixed 0.2–1 yuan a month: the table holds the amount (default 0.20, the national minimum; a
  committee may configure another within the range); the base is ignored. Students and the unemployed pay 0.20.
- Rounding: to the fen, half up (no national rule exists; local rules round to the fen or the jiao — the table
  carries the quantum).
- Money is Decimal: a float base is refused. A negative base is refused.
- Tables carry the date they take effect; the one in effect on `on` applies (a table in effect earlier stays for
  earlier months). Reductions, exemptions and voluntary extra amounts are decisions recorded elsewhere, not rates.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CATEGORIES = ("in_service", "retired", "farmer", "student", "unemployed")


@dataclass(frozen=True)
class RateTable:
    effective_from: date
    source: str
    # category → ((upper bound inclusive or None, rate), …) in ascending order
    brackets: dict = field(default_factory=dict)
    # category → fixed monthly amount
    fixed: dict = field(default_factory=dict)
    quantum: Decimal = Decimal("0.01")


NATIONAL_2008 = RateTable(
    effective_from=date(2008, 4, 1),
    source="中组发〔2008〕3号 第一至六条",
    brackets={
        "in_service": ((Decimal("3000"), Decimal("0.005")), (Decimal("5000"), Decimal("0.01")),
                       (Decimal("10000"), Decimal("0.015")), (None, Decimal("0.02"))),
        "retired": ((Decimal("5000"), Decimal("0.005")), (None, Decimal("0.01"))),
    },
    fixed={"farmer": Decimal("0.20"), "student": Decimal("0.20"), "unemployed": Decimal("0.20")},
)

DEFAULT_TABLES = (NATIONAL_2008,)


def table_on(on, tables=DEFAULT_TABLES):
    """The rate table in effect on `on` (the latest that took effect by then)."""
    found = [t for t in tables if t.effective_from <= on]
    if not found:
        raise ValueError(f"no party-fee rate table is in effect on {on.isoformat()}")
    return max(found, key=lambda t: t.effective_from)


def monthly_due(category: str, base: Decimal, on: date, tables=DEFAULT_TABLES) -> Decimal:
    """A member's dues for one month: `base` is the monthly base of the category (after tax and the excluded items,
    see domain.md §3.2), `on` a day of the month. Decimal with two places."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown party-fee category {category!r}; one of {', '.join(CATEGORIES)}")
    if isinstance(base, float | bool) or not isinstance(base, Decimal | int):
        raise TypeError("the base is money: pass a Decimal, never a float")
    base = Decimal(base)
    if not base.is_finite() or base < 0:
        raise ValueError("the base cannot be negative")
    table = table_on(on, tables)
    if category in table.fixed:
        return table.fixed[category].quantize(table.quantum, rounding=ROUND_HALF_UP)
    for upper, rate in table.brackets[category]:
        if upper is None or base <= upper:
            return (base * rate).quantize(table.quantum, rounding=ROUND_HALF_UP)
    raise AssertionError("a bracket table ends with an open bracket")  # pragma: no cover
