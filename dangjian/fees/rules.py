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


FARMER_RANGE = (Decimal("0.20"), Decimal("1.00"))  # 第六条: 0.2–1 yuan a month
SOFT_CAP = Decimal("1000.00")  # 2017通知 (1): more than this a month is voluntary
LARGE_VOLUNTARY = Decimal("1000.00")  # 第十一条: a single voluntary payment of this or more goes to the Centre
BACKPAY_MONTHS = 6  # 第十二条: back-payment generally within six months
LAPSE_MONTHS = 6  # 第十三条: six consecutive months unpaid without valid reason → treated as 自行脱党
CENT = Decimal("0.01")
MAX_MONEY = Decimal("9999999999.99")  # the columns hold 12 digits, two after the point


def money(value, field="amount"):
    """A money amount from user input (str/Decimal/int) as a Decimal with two places; floats (TypeError), NaN,
    infinities, more than two decimal places, negatives and amounts beyond the columns (ValueError) are refused."""
    from decimal import InvalidOperation

    if isinstance(value, float | bool):
        raise TypeError(f"{field}: money is a Decimal, never a float")
    try:
        amount = Decimal(str(value).strip().replace(",", "")) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise ValueError(f"{field}: not an amount") from None
    if not amount.is_finite() or abs(amount) > MAX_MONEY * 10:
        raise ValueError(f"{field}: not an amount")
    if amount != amount.quantize(CENT):
        raise ValueError(f"{field}: at most two decimal places")
    if amount < 0:
        raise ValueError(f"{field}: cannot be negative")
    if amount > MAX_MONEY:
        raise ValueError(f"{field}: too large")
    return abs(amount).quantize(CENT)  # abs: "-0" is 0.00


def month_start(day):
    return day.replace(day=1)


def add_months(month, n):
    """The first day of the month `n` months after (or before, n < 0) `month`'s month."""
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def months_between(first, last):
    """Every month (first days) from `first`'s month to `last`'s month inclusive; empty when first > last."""
    out, m, end = [], month_start(first), month_start(last)
    while m <= end:
        out.append(m)
        m = add_months(m, 1)
    return out


def applies_from(source, effective_from):
    """The first month a new base is charged. The monthly amount is fixed at the start of the year (2017 notice
    (1)): a pay change declared during the year is charged from the next January; the first base, the yearly
    adjustment and the branch's re-basing from their own month."""
    month = month_start(effective_from)
    if source == "declared" and month.month != 1:
        return date(month.year + 1, 1, 1)
    return month


def monthly_amount(category, base, on, *, farmer_amount=None, soft_cap=SOFT_CAP, tables=DEFAULT_TABLES):
    """(computed, charged): the rate table's monthly dues and what is charged each month — no more than the soft
    cap (above it is voluntary, 2017 notice (1)). A farmers' amount set by the committee must lie in 0.2–1."""
    if category == "farmer" and farmer_amount is not None:
        farmer_amount = money(farmer_amount, "farmer_amount")
        if not FARMER_RANGE[0] <= farmer_amount <= FARMER_RANGE[1]:
            raise ValueError("farmer_amount: farmers pay 0.20 to 1.00 a month")
        monthly_due(category, base, on, tables)  # validates the category, base and date the same way
        computed = farmer_amount
    else:
        computed = monthly_due(category, base, on, tables)
    return computed, min(computed, soft_cap)


def backpay_allowed(month, today, window=BACKPAY_MONTHS):
    """May `month` still be paid on `today`? Back-payment reaches `window` months before the current one."""
    return month_start(month) >= add_months(month_start(today), -window)


def lapse_run(months):
    """The longest run of consecutive months ending at the last month given that count toward lapsing: `months` is
    [(month, unpaid: bool, excused: bool)] in ascending order, complete months only. A paid or excused month (or a
    gap in the sequence, i.e. a month without dues) ends the run."""
    run, previous = 0, None
    for month, unpaid, excused in months:
        if previous is not None and add_months(previous, 1) != month:
            run = 0
        run = run + 1 if unpaid and not excused else 0
        previous = month
    return run


def is_lapsed(months, threshold=LAPSE_MONTHS):
    return lapse_run(months) >= threshold


# ---- fee bases, declarations, reliefs, arrears (pure; used by bases.py) ------------------------------------------


def base_from_pay(gross, deductions):
    """The base calculator: the included pay (`gross`) minus the deduction items (`deductions`: {item: amount}, the
    items being services.deduction_items_for's, domain.md §3.2), Decimal with two places. Every amount goes through
    `money` (so floats, negatives and more than two decimals are refused, with the item named); the deductions may
    not exceed the pay. Returns (base, {item: amount}) with the empty items left out."""
    gross = money(gross, "gross")
    kept, total = {}, Decimal("0.00")
    for item, raw in (deductions or {}).items():
        if raw in (None, ""):
            continue
        amount = money(raw, f"deduction:{item}")
        if amount:
            kept[str(item)] = amount
            total += amount
    if total > gross:
        raise ValueError("deductions: more than the included pay")
    return (gross - total).quantize(CENT), kept


# The yearly adjustment's declarations: (state, action) → state. "" is a declaration not entered yet.
DECL_NEW = ""
DECL_TRANSITIONS = {
    (DECL_NEW, "enter"): "submitted",
    ("submitted", "enter"): "submitted",  # the entrant fixes it before the branch decides
    ("returned", "enter"): "submitted",  # returned with a reason, entered again
    ("submitted", "confirm"): "confirmed",
    ("submitted", "return"): "returned",
}
DECL_REASON_REQUIRED = frozenset({"return"})

# Reductions and exemptions: (state, action) → state.
RELIEF_NEW = ""
RELIEF_TRANSITIONS = {
    (RELIEF_NEW, "request"): "requested",
    ("requested", "approve"): "approved",
    ("requested", "reject"): "rejected",
    ("approved", "revoke"): "revoked",
}
RELIEF_REASON_REQUIRED = frozenset({"request", "reject", "revoke"})


def next_state(table, state, action):
    """The state `action` leads to from `state` in a transition table, or None when it is not allowed."""
    return table.get((state or "", action))


def actions_from(table, state):
    return [a for (s, a) in table if s == (state or "")]


# ---- what a month's dues and relief mean: each rule written once (bases.py holds the database forms, next to each
# other — EXEMPT_Q, VALID_REASON_Q, OWING_Q, lapsed_people — and tests/test_fees_rules_db.py checks that each
# agrees with its Python form here on random rows, on SQLite and PostgreSQL) --------------------------------------

SALARIED = ("in_service", "retired")  # the categories whose amount depends on a base (the others are fixed)
APPROVED = "approved"  # the relief state under which a relief counts (RELIEF_TRANSITIONS)
EXEMPT = "exempt"  # the relief kind that charges nothing (免交, 第七条)
EXCUSED = "excused"  # the relief kind that records a valid reason for not paying yet (第十三条 "正当理由")


def is_exempt(amount, relief_kind):
    """Are a month's dues exempt (免交)? Charged nothing under an exemption (第七条: genuine hardship, decided by
    the branch). A due of 0.00 for another reason (a base so small that its rate rounds to 0.00, under a reduction
    or a valid reason or none) is not an exemption: it owes nothing and is paid up."""
    return relief_kind == EXEMPT and amount <= 0


def valid_reason(relief_state, relief_kind):
    """Does a month's relief give a valid reason for not paying it (第十三条 "无正当理由")? Only an approved
    `excused` relief: a reduced amount is still owed (leaving it unpaid counts like any month), an exempted month
    owes nothing."""
    return relief_state == APPROVED and relief_kind == EXCUSED


def owes(amount, paid):
    """Is something still owed for a month's dues (`paid`: what was paid for that month, reversals netted)?"""
    return amount > 0 and paid < amount


def month_state(amount, paid, exempt=False):
    """A month's dues as the roster shows them: 'exempt' (nothing to pay under an exemption: `exempt` is
    is_exempt's answer), 'paid', 'partly' or 'unpaid'. The database form is bases._state_q."""
    if exempt and amount <= 0:
        return "exempt"
    if paid >= amount:
        return "paid"
    return "partly" if paid > 0 else "unpaid"


def months_overlap(a_from, a_to, b_from, b_to):
    return month_start(a_from) <= month_start(b_to) and month_start(b_from) <= month_start(a_to)


def last_complete_month(today):
    """The latest month that has ended by `today` (its first day)."""
    return add_months(month_start(today), -1)


def lapse_window(today, months=LAPSE_MONTHS):
    """The months 第十三条 looks at on `today`: (first, last) — the last complete month and the `months` − 1 before
    it. A member is flagged when each of them is owed (`owes`) without a valid reason (`valid_reason`): the same as
    lapse_from_unpaid(…, last) >= LAPSE_MONTHS. bases.lapsed_people is this rule's database form."""
    last = last_complete_month(today)
    return add_months(last, 1 - months), last


def lapse_from_unpaid(unpaid, last_month):
    """The lapse run (第十三条) ending at `last_month` from a member's unpaid months: `unpaid` maps each month (first
    day) with something outstanding (`owes`) to whether a valid reason covers it (`valid_reason`: an approved
    `excused` relief). Every month not in `unpaid` was paid in full (or owed nothing) and ends the run."""
    months = sorted(m for m in unpaid if m <= last_month)
    if not months or months[-1] != last_month:
        return 0
    seq = [(m, m in unpaid, bool(unpaid.get(m))) for m in months_between(months[0], last_month)]
    return lapse_run(seq)


def in_reminder_window(today, remind_days):
    """Is `today` within the last `remind_days` days of its month?"""
    import calendar

    days = calendar.monthrange(today.year, today.month)[1]
    return today.day > days - remind_days


def month_end(day):
    import calendar

    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def parse_month(raw):
    """'YYYY-MM' (or an ISO date) as the first day of that month; ValueError otherwise (ASCII digits only: str.isdigit
    also accepts full-width and other digits)."""
    text = str(raw or "").strip()
    if not text.isascii():
        raise ValueError("month: not YYYY-MM")
    if len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit():
        year, mon = int(text[:4]), int(text[5:])
    elif len(text) == 10 and text[4] == "-" and text[7] == "-":
        parts = text.split("-")
        if not all(p.isdigit() for p in parts):
            raise ValueError("month: not YYYY-MM")
        year, mon = int(parts[0]), int(parts[1])
        date(year, mon, int(parts[2]))  # a real day
    else:
        raise ValueError("month: not YYYY-MM")
    if not (1900 <= year <= 2999 and 1 <= mon <= 12):
        raise ValueError("month: not YYYY-MM")
    return date(year, mon, 1)
