"""Any filtered member list as an xlsx file (openpyxl write-only mode: memory stays flat for large lists).

ID numbers and phones are masked unless the caller asks for full numbers AND holds people:read_sensitive over
the row's organisation; the view records one EXPORT audit entry per file."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import scope_for

from .codes import ETHNICITIES

ETHNICITY = dict(ETHNICITIES)
DATE_FORMAT = "yyyy-mm-dd"


def columns():
    """(header, width, value(person, reveal) → cell value, is_date)."""
    def id_number(p, reveal):
        return p.get_id_number() if reveal else p.id_number_masked

    def phone(p, reveal):
        return p.get_phone() if reveal else p.phone_masked

    return [
        (_("Name"), 12, lambda p, r: p.name, False),
        (_("Gender"), 6, lambda p, r: p.get_gender_display(), False),
        (_("Ethnicity"), 10, lambda p, r: ETHNICITY.get(p.ethnicity, p.ethnicity), False),
        (_("ID number"), 21, id_number, False),
        (_("Birth date"), 12, lambda p, r: p.birth_date, True),
        (_("Education"), 16, lambda p, r: p.get_education_display(), False),
        (_("Political status"), 16, lambda p, r: p.get_political_status_display(), False),
        (_("Membership status"), 14, lambda p, r: p.get_status_display(), False),
        (_("Organisation"), 24, lambda p, r: p.org.name if p.org_id else "", False),
        (_("Organisation code"), 14, lambda p, r: p.org.code if p.org_id else "", False),
        (_("Party group"), 16, lambda p, r: p.group.name if p.group_id else "", False),
        (_("Application date"), 12, lambda p, r: p.applied_on, True),
        (_("Activist since"), 12, lambda p, r: p.activist_on, True),
        (_("Candidate since"), 12, lambda p, r: p.candidate_on, True),
        (_("Join date"), 12, lambda p, r: p.join_date, True),
        (_("Full-membership date"), 12, lambda p, r: p.full_date, True),
        (_("Work post"), 28, lambda p, r: p.get_work_post_display(), False),
        (_("Phone"), 15, phone, False),
        (_("Home address"), 30, lambda p, r: p.address, False),
        (_("Where the flowing member is"), 20, lambda p, r: p.flow_destination, False),
    ]


def build(queryset, user, full_numbers=False):
    """Returns (xlsx bytes, number of rows, number of rows with full numbers)."""
    scope = scope_for(user)
    cols = columns()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Members"))
    for index, (_h, width, _v, _d) in enumerate(cols, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "B2"
    head_font = Font(bold=True, color="FFFFFF")
    head_fill = PatternFill("solid", fgColor="C8161E")
    header = []
    for title, _w, _v, _d in cols:
        cell = WriteOnlyCell(ws, value=str(title))
        cell.font, cell.fill = head_font, head_fill
        cell.alignment = Alignment(horizontal="center", vertical="center")
        header.append(cell)
    ws.append(header)
    count = revealed = 0
    for person in queryset.select_related("org", "group").iterator(chunk_size=2000):
        reveal = full_numbers and scope.allows(perms.PEOPLE_SENSITIVE, person.scope_path or "-")
        row = []
        for _t, _w, value, is_date in cols:
            v = value(person, reveal)
            if is_date and v:
                cell = WriteOnlyCell(ws, value=v)
                cell.number_format = DATE_FORMAT
                row.append(cell)
            else:
                row.append(str(v) if v not in (None, "") else None)
        ws.append(row)
        count += 1
        revealed += int(bool(reveal))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), count, revealed
