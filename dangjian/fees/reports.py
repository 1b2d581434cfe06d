"""Party fees: reports of an organisation's subtree for a period of dues months — by child organisation (drilling
down), by month, and for a small subtree (a branch) by member. Read-only; every figure comes from a fixed number of
aggregate queries grouped by the child's path prefix, whatever the size of the subtree.

What the figures mean (docs/fees-reports.md):
- members owing: the members with dues (current rows, not superseded) in any month of the period, in the organisation
  whose subtree held them when the dues were generated (a member who moved counts in each organisation);
- due: the dues of those months; paid: the dues part of the payments for those months (Payment.amount; a reversal
  is a negative payment, so it nets out); outstanding: what is still unpaid of each member's month (an overpaid
  month does not make up for another); a payment for a month whose dues are not generated yet (paid ahead) is not
  in the report until they are;
- payment rate: paid ÷ due, and members fully paid (nothing outstanding in the period) ÷ members owing;
- voluntary: the voluntary extra received (by the day paid, paid_on) in the period, of which large voluntary
  payments (≥ 1000 in one go; they go on to the Centre).
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core.errors import DomainError
from dangjian.orgs.models import PATH_STEP, Organization, OrgStatus

from . import rules, services

ZERO = Decimal("0.00")
MEMBER_LIST_LIMIT = 300  # a subtree with at most this many members owing lists them one by one
MAX_MONTHS = 60


# ---- pure helpers (no database) ---------------------------------------------------------------------------------

def dec(value):
    """A database sum as Decimal with two places (SQLite returns floats or ints; PostgreSQL Decimals)."""
    if value is None:
        return ZERO
    return Decimal(str(value)).quantize(rules.CENT)


def rate(part, whole):
    """A percentage with one decimal (Decimal), None when there is nothing to compare with."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def parse_month(raw, field):
    return services.month_arg(raw, field)


def period(raw_from, raw_to, today=None):
    """(first month, last month) of a report from the request's `from` and `to` (YYYY-MM); missing ones default to
    this year's January and the current month. At most MAX_MONTHS months, from not after to."""
    today = today or timezone.localdate()
    first = parse_month(raw_from, "from") if raw_from not in (None, "") else date(today.year, 1, 1)
    last = parse_month(raw_to, "to") if raw_to not in (None, "") else rules.month_start(today)
    if first > last:
        raise DomainError(_("The first month must not be after the last month."), field="from")
    if len(rules.months_between(first, last)) > MAX_MONTHS:
        raise DomainError(_("A report covers at most %(n)d months.") % {"n": MAX_MONTHS}, field="to")
    return first, last


def month_end(month):
    return rules.add_months(month, 1) - timedelta(days=1)


def figures(members=0, fully_paid=0, due=ZERO, paid=ZERO, outstanding=ZERO, voluntary=ZERO, large=ZERO):
    """One row of figures with its rates."""
    return {"members": members, "fully_paid": fully_paid, "due": due, "paid": paid, "outstanding": outstanding,
            "voluntary": voluntary, "large": large, "rate": rate(paid, due), "members_rate": rate(fully_paid, members)}


def total_of(rows):
    keys = ("members", "fully_paid", "due", "paid", "outstanding", "voluntary", "large")
    sums = {k: sum((r[k] for r in rows), ZERO if k not in ("members", "fully_paid") else 0) for k in keys}
    return figures(**sums)


# ---- queries --------------------------------------------------------------------------------------------------

# Each member's months of the period: the current dues and the payments for those months (reversals included),
# keyed by the child path of the root that held the member when the dues were generated. The payments are found by
# member and month (an index), whichever organisation recorded them; a month without dues in the subtree drops out.
_DUES_WHERE = """superseded_at IS NULL AND month >= %(first)s AND month <= %(last)s AND scope_path LIKE %(prefix)s"""
_MONTHS_SQL = f"""
SELECT person_id, month, MAX(k) AS k, SUM(due) AS due, SUM(paid) AS paid FROM (
    SELECT person_id, month, SUBSTR(scope_path, 1, %(n)s) AS k, amount AS due, 0 AS paid
    FROM fees_due WHERE {_DUES_WHERE}
    UNION ALL
    SELECT person_id, month, NULL, 0, amount
    FROM fees_payment
    WHERE month >= %(first)s AND month <= %(last)s
      AND person_id IN (SELECT person_id FROM fees_due WHERE {_DUES_WHERE})
) x GROUP BY person_id, month
"""

# A month paid more than its dues (a late online payment after cash, to be refunded) counts as paid in full, not
# more: due = paid + outstanding holds in every row and the rates never pass 100 %.
_PEOPLE_SQL = f"""
SELECT k, person_id, SUM(due) AS due, SUM(CASE WHEN paid > due THEN due ELSE paid END) AS paid,
       SUM(CASE WHEN paid < due THEN due - paid ELSE 0 END) AS outstanding,
       SUM(CASE WHEN paid < due THEN 1 ELSE 0 END) AS open_months, COUNT(*) AS months
FROM ({_MONTHS_SQL}) pm WHERE k IS NOT NULL GROUP BY k, person_id
"""

_BY_CHILD_SQL = f"""
SELECT k, COUNT(*), SUM(CASE WHEN open_months = 0 THEN 1 ELSE 0 END), SUM(due), SUM(paid), SUM(outstanding)
FROM ({_PEOPLE_SQL}) pp GROUP BY k
"""

_BY_MONTH_SQL = f"""
SELECT month, COUNT(*), SUM(CASE WHEN paid >= due THEN 1 ELSE 0 END), SUM(due),
       SUM(CASE WHEN paid > due THEN due ELSE paid END),
       SUM(CASE WHEN paid < due THEN due - paid ELSE 0 END)
FROM ({_MONTHS_SQL}) pm WHERE k IS NOT NULL GROUP BY month ORDER BY month
"""

_VOLUNTARY_SQL = """
SELECT SUBSTR(scope_path, 1, %(n)s) AS k, SUM(voluntary), SUM(CASE WHEN large THEN voluntary ELSE 0 END)
FROM fees_payment
WHERE paid_on >= %(first)s AND paid_on <= %(last_day)s AND scope_path LIKE %(prefix)s
GROUP BY SUBSTR(scope_path, 1, %(n)s)
"""


def _params(root_path, first, last):
    return {"n": len(root_path) + PATH_STEP, "first": first, "last": last, "last_day": month_end(last),
            "prefix": root_path + "%"}


def _rows(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _month_key(value):
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


@dataclass
class Report:
    root: Organization
    first: date
    last: date
    rows: list  # [{"org", "own", **figures}]
    total: dict
    months: list  # [{"month", **figures}]
    members: list | None  # [{"id", "name", "org", **figures}] or None for a large subtree
    member_count: int

    @property
    def month_list(self):
        return rules.months_between(self.first, self.last)


def by_child(root_path, first, last):
    """{child path (or root_path for the root's own members): figures} for the dues months first..last. Two
    queries."""
    params = _params(root_path, first, last)
    out = {}
    for k, members, fully, due, paid, outstanding in _rows(_BY_CHILD_SQL, params):
        out[k] = figures(members, fully, dec(due), dec(paid), dec(outstanding))
    for k, voluntary, large in _rows(_VOLUNTARY_SQL, params):
        row = out.setdefault(k, figures())
        row.update(voluntary=dec(voluntary), large=dec(large))
    return out


def by_org(prefix, first, last):
    """[(organisation path, due, paid)] for the dues months first..last of the members under `prefix` (a path, ""
    for every organisation), each organisation for the members held directly in it — the report's figures (paid
    capped at each member's month's dues) at the finest grain, for the platform figures (fees/metrics.py), which
    add them up over subtrees. One query."""
    params = {**_params(prefix, first, last), "n": 255}
    return [(k, dec(due), dec(paid)) for k, _members, _fully, due, paid, _outstanding in _rows(_BY_CHILD_SQL, params)]


def report(root, first, last):
    """The report of `root`'s subtree for the dues months `first`..`last` (first days). At most six queries."""
    first, last = rules.month_start(first), rules.month_start(last)
    data = by_child(root.path, first, last)
    children = list(Organization.objects.filter(Q(parent=root, status=OrgStatus.ACTIVE)
                                                | Q(path__in=[p for p in data if p != root.path]))
                    .only("id", "name", "path", "org_type", "status", "depth").order_by("sort_order", "path"))
    rows = []
    if root.path in data:
        rows.append({"org": root, "own": True, **data[root.path]})
    for child in children:
        rows.append({"org": child, "own": False, **data.get(child.path, figures())})
    total = total_of(list(data.values()))
    months = []
    found = {}
    for month, members, fully, due, paid, outstanding in _rows(_BY_MONTH_SQL, _params(root.path, first, last)):
        found[_month_key(month)] = figures(members, fully, dec(due), dec(paid), dec(outstanding))
    for month in rules.months_between(first, last):
        months.append({"month": month, **found.get(month, figures())})
    members = None
    if total["members"] <= MEMBER_LIST_LIMIT:
        members = member_rows(root.path, first, last)
    return Report(root, first, last, rows, total, months, members, total["members"])


def member_rows(root_path, first, last):
    """One row per member owing in the subtree: name, organisation and figures, by organisation and name. Three
    queries."""
    from dangjian.people.models import Person

    params = _params(root_path, first, last)
    per = {}
    for _k, person_id, due, paid, outstanding, open_months, months in _rows(_PEOPLE_SQL, params):
        row = per.setdefault(person_id, {"due": ZERO, "paid": ZERO, "outstanding": ZERO, "open_months": 0,
                                         "months": 0})
        row["due"] += dec(due)
        row["paid"] += dec(paid)
        row["outstanding"] += dec(outstanding)
        row["open_months"] += open_months
        row["months"] += months
    voluntary = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT person_id, SUM(voluntary) FROM fees_payment WHERE paid_on >= %(first)s "
                       "AND paid_on <= %(last_day)s AND scope_path LIKE %(prefix)s GROUP BY person_id", params)
        voluntary = {pid: dec(v) for pid, v in cursor.fetchall()}
    people = (Person.objects.filter(pk__in=list(per)).select_related("org", "group")
              .only("id", "name", "scope_path", "org__name", "group__name").order_by("scope_path", "name", "id"))
    out = []
    for person in people:
        row = per[person.pk]
        out.append({"id": person.pk, "name": person.name,
                    "org": (person.group.name if person.group_id else person.org.name if person.org_id else ""),
                    **row, "voluntary": voluntary.get(person.pk, ZERO), "rate": rate(row["paid"], row["due"]),
                    "fully_paid": row["open_months"] == 0})
    return out


def as_json(rep):
    """The report as JSON-ready data (money as strings with two places)."""

    def fig(row):
        return {"members": row["members"], "fully_paid": row["fully_paid"], "due": str(row["due"]),
                "paid": str(row["paid"]), "outstanding": str(row["outstanding"]), "voluntary": str(row["voluntary"]),
                "large_voluntary": str(row["large"]),
                "payment_rate": None if row["rate"] is None else str(row["rate"]),
                "members_rate": None if row["members_rate"] is None else str(row["members_rate"])}

    return {
        "org": {"id": rep.root.pk, "name": rep.root.name},
        "from": f"{rep.first:%Y-%m}", "to": f"{rep.last:%Y-%m}",
        "rows": [{"org": {"id": r["org"].pk, "name": r["org"].name}, "own": r["own"], **fig(r)} for r in rep.rows],
        "total": fig(rep.total),
        "months": [{"month": f"{m['month']:%Y-%m}", **fig(m)} for m in rep.months],
        "members": None if rep.members is None else [
            {"id": m["id"], "name": m["name"], "org": m["org"], "months": m["months"], "open_months": m["open_months"],
             "due": str(m["due"]), "paid": str(m["paid"]), "outstanding": str(m["outstanding"]),
             "voluntary": str(m["voluntary"]), "fully_paid": m["fully_paid"]} for m in rep.members],
    }


def xlsx(rep):
    """The report as an Excel workbook (bytes): organisations, months and — for a small subtree — members. Chinese
    headers through gettext, a frozen header row, money as numbers in 0.00."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    money_fmt, pct_fmt = "0.00", "0.0"
    bold = Font(bold=True)

    def pct(value):
        return None if value is None else float(value)

    def sheet(ws, title_line, header, lines, money_cols, pct_cols, widths):
        ws.append([title_line])
        ws["A1"].font = Font(bold=True, size=13)
        ws.append(header)
        for cell in ws[2]:
            cell.font = bold
        ws.freeze_panes = "A3"
        for line in lines:
            ws.append(line)
        for row in ws.iter_rows(min_row=3):
            for cell in row:
                if cell.column in money_cols:
                    cell.number_format = money_fmt
                elif cell.column in pct_cols:
                    cell.number_format = pct_fmt
        for i, width in enumerate(widths, start=1):
            ws.column_dimensions[chr(64 + i)].width = width

    period_text = f"{rep.first:%Y-%m} – {rep.last:%Y-%m}"
    wb = Workbook()
    head = [_("Members owing"), _("Fully paid"), _("Due"), _("Paid"), _("Outstanding"), _("Payment rate (%)"),
            _("Members fully paid (%)"), _("Voluntary received"), _("Of which large voluntary")]

    def nums(r):
        return [r["members"], r["fully_paid"], r["due"], r["paid"], r["outstanding"], pct(r["rate"]),
                pct(r["members_rate"]), r["voluntary"], r["large"]]

    lines = []
    for r in rep.rows:
        name = _("%(org)s (own members)") % {"org": r["org"].name} if r["own"] else r["org"].name
        lines.append([name, *nums(r)])
    lines.append([_("Total"), *nums(rep.total)])
    ws = wb.active
    ws.title = _("Organisations")[:31]
    sheet(ws, _("Party fees of %(org)s, %(period)s") % {"org": rep.root.name, "period": period_text},
          [_("Organisation"), *head], lines, {4, 5, 6, 9, 10}, {7, 8}, (30, 10, 10, 12, 12, 12, 12, 12, 12, 12))
    for cell in ws[ws.max_row]:
        cell.font = bold
    ws2 = wb.create_sheet(_("Months")[:31])
    sheet(ws2, period_text, [_("Month"), *head[:7]],
          [[f"{m['month']:%Y-%m}", *nums(m)[:7]] for m in rep.months], {4, 5, 6}, {7, 8},
          (10, 10, 10, 12, 12, 12, 12, 12))
    if rep.members is not None:
        ws3 = wb.create_sheet(_("Members")[:31])
        sheet(ws3, period_text,
              [_("Name"), _("Organisation"), _("Months"), _("Months unpaid"), _("Due"), _("Paid"), _("Outstanding"),
               _("Voluntary received")],
              [[m["name"], m["org"], m["months"], m["open_months"], m["due"], m["paid"], m["outstanding"],
                m["voluntary"]] for m in rep.members], {5, 6, 7, 8}, set(), (14, 24, 8, 10, 12, 12, 12, 12))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
