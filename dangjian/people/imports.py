"""The xlsx roster: template, parsing, whole-file validation (dry run) and the all-or-nothing write.

Every row goes through people.services.clean_person (the one place the person rules live); this module only
turns spreadsheet cells into the service's input and adds what only a whole file can know: duplicate ID
numbers inside the file and organisation codes outside the uploader's subtree.

The column headers are a file format (the national 党员基本信息采集表 names), not interface text: they stay
the same whatever the interface language so that a file downloaded in English imports anywhere. Choice
columns accept the code, the label in Chinese or English, or "code label".
"""

import io
import math
import time
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import has_perm
from dangjian.audit import chain
from dangjian.audit.mixins import REDACTED
from dangjian.orgs.models import Organization, OrgStatus, OrgType

from . import figures, services
from .codes import ETHNICITIES, Education, Gender, MemberStatus, PoliticalStatus, WorkPost
from .models import Person

MAX_ROWS = 50_000
DATA_SHEET = "党员信息"
CODES_SHEET = "代码表"
ORGS_SHEET = "组织代码"


class Column:
    def __init__(self, field, header, kind="text", width=14, required=False, choices=None, aliases=None):
        self.field, self.header, self.kind, self.width, self.required = field, header, kind, width, required
        self.choices = choices  # [(code, label)] for choice columns
        self.aliases = aliases or {}


COLUMNS = [
    Column("name", "姓名", width=12, required=True),
    Column("gender", "性别", "choice", 8, True, Gender.choices, {"男": "1", "女": "2"}),
    Column("ethnicity", "民族", "choice", 12, choices=ETHNICITIES),
    Column("id_number", "公民身份号码", "code", 22),
    Column("birth_date", "出生日期", "date", 12),
    Column("education", "学历", "choice", 14, choices=Education.choices, aliases={
        "博士研究生": "11", "博士": "11", "硕士研究生": "14", "硕士": "14", "大学本科": "21", "本科": "21",
        "大学专科": "31", "大专": "31", "中等专科": "41", "中专": "41", "职业高中": "44", "职高": "44",
        "技工学校": "47", "技校": "47", "高中": "61", "普通高中": "61", "初中": "71", "小学及以下": "81",
        "小学": "81"}),
    Column("political_status", "人员类别", "choice", 14, True, PoliticalStatus.choices, {
        "群众": "masses", "入党申请人": "applicant", "入党积极分子": "activist", "积极分子": "activist",
        "发展对象": "candidate", "预备党员": "probationary", "正式党员": "full"}),
    Column("org", "所在党组织代码", "org", 16),
    Column("group", "党小组代码", "group", 14),
    Column("applied_on", "申请入党日期", "date", 13),
    Column("activist_on", "确定积极分子日期", "date", 13),
    Column("candidate_on", "确定发展对象日期", "date", 13),
    Column("join_date", "加入党组织日期", "date", 13),
    Column("full_date", "转为正式党员日期", "date", 13),
    Column("work_post", "工作岗位", "choice", 24, choices=WorkPost.choices),
    Column("phone", "联系电话", "code", 15),
    Column("address", "家庭住址", width=28),
    Column("status", "党籍状态", "choice", 12, choices=MemberStatus.choices, aliases={
        "正常": "normal", "流动": "flowing", "流动党员": "flowing", "失联": "lost", "停止党籍": "suspended",
        "出党": "left", "转出": "transferred_out", "去世": "deceased"}),
    Column("flow_destination", "外出流向", width=20),
    Column("lost_contact_on", "失联日期", "date", 12),
    Column("notes", "备注", width=24),
]
BY_FIELD = {c.field: c for c in COLUMNS}


def _norm(text):
    text = str(text or "").strip().replace("*", "").replace("＊", "")
    for sep in ("(", "（"):
        if sep in text and text.index(sep) > 0:
            text = text[: text.index(sep)]
    return text.strip().lower()


def _header_map():
    """Accepted header spellings → column: the Chinese header, the field key, the English and the Chinese
    verbose names of the model field."""
    out = {}
    for col in COLUMNS:
        out[_norm(col.header)] = col
        out[_norm(col.field)] = col
        try:
            field = Person._meta.get_field(col.field)
        except Exception:  # noqa: BLE001 - id_number/phone are not model fields
            continue
        for lang in ("en", "zh-hans"):
            with translation.override(lang):
                out.setdefault(_norm(str(field.verbose_name)), col)
    return out


def _choice_map(col):
    mapping = {}
    for code, label in col.choices:
        mapping[code.lower()] = code
        for lang in ("en", "zh-hans"):
            with translation.override(lang):
                mapping.setdefault(str(label).strip().lower(), code)
    for alias, code in col.aliases.items():
        mapping.setdefault(alias.lower(), code)
    return mapping


_CHOICE_MAPS = {}


def parse_choice(col, value):
    """The code for a cell of a choice column; an unknown value is returned as written (the service then
    reports it as not a valid choice)."""
    text = str(value).strip() if value is not None else ""
    if not text:
        return ""
    if col.field not in _CHOICE_MAPS:
        _CHOICE_MAPS[col.field] = _choice_map(col)
    mapping = _CHOICE_MAPS[col.field]
    key = text.lower()
    if key in mapping:
        return mapping[key]
    for sep in (" ", "-", "－", ":", "：", "|"):
        head = key.split(sep, 1)[0].strip()
        if head and head != key and head in mapping:
            return mapping[head]
    if col.field == "ethnicity" and key + "族" in mapping:
        return mapping[key + "族"]
    return text


def parse_date_cell(value):
    """Dates as Excel dates, serial numbers, 20240131 or text (YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD)."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value):
            return str(value)
        number = int(value)
        if 19000101 <= number <= 29991231:
            return f"{number // 10000:04d}-{number // 100 % 100:02d}-{number % 100:02d}"
        if 1 <= number < 200000:
            return from_excel(value).date()
        return str(value)
    text = str(value).strip()
    if len(text) == 8 and text.isdigit():
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    for suffix in ("日",):
        text = text.removesuffix(suffix)
    return text.replace("年", "-").replace("月", "-")


def parse_code_cell(value):
    """ID numbers and phones: numbers typed into a general cell come back as int or float."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().replace(" ", "")


def parse_text_cell(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class FileError(Exception):
    """The file cannot be read at all (not xlsx, no header, too many rows)."""


def read_rows(content):
    """(columns, [(row_number, {field: raw cell value})]) from the first sheet; blank rows are skipped."""
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable upload
        raise FileError(_("This is not an Excel (.xlsx) file."))
    try:
        ws = wb[DATA_SHEET] if DATA_SHEET in wb.sheetnames else wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        if not header:
            raise FileError(_("The file is empty."))
        headers = _header_map()
        columns = []
        for cell in header:
            columns.append(headers.get(_norm(cell)) if cell not in (None, "") else None)
        missing = [c.header for c in COLUMNS if c.required and c not in columns]
        if missing:
            raise FileError(_("Required columns are missing: %(columns)s.") % {"columns": "、".join(missing)})
        out = []
        for number, values in enumerate(rows, start=2):
            if values is None or all(v is None or str(v).strip() == "" for v in values):
                continue
            out.append((number, {col.field: v for col, v in zip(columns, values, strict=False) if col}))
            if len(out) > MAX_ROWS:
                raise FileError(_("At most %(n)s rows can be imported at once.") % {"n": MAX_ROWS})
        return columns, out
    finally:
        wb.close()


def row_to_data(raw, orgs):
    """The service's input for one row of raw cells. `orgs` maps an organisation code to an Organization the
    uploader may import into; returns (data, errors) where errors are (field, message)."""
    data, errors = {}, []
    for field, value in raw.items():
        col = BY_FIELD[field]
        if col.kind == "choice":
            data[field] = parse_choice(col, value)
        elif col.kind == "date":
            data[field] = parse_date_cell(value)
        elif col.kind == "code":
            data[field] = parse_code_cell(value)
        elif col.kind in ("org", "group"):
            code = parse_text_cell(value)
            if not code:
                continue
            org = orgs.get(code)
            if org is None:
                errors.append((field, _("No organisation with code “%(code)s” in your organisations.") % {"code": code}))
            else:
                data[field] = org
        else:
            data[field] = parse_text_cell(value)
    return data, errors


def scope_orgs(target):
    """Active organisations of the target's subtree, by code."""
    qs = Organization.objects.filter(path__startswith=target.path, status=OrgStatus.ACTIVE)
    return {o.code: o for o in qs}


def validate(content, target, user, progress=None, today=None):
    """Dry run over the whole file. Returns (cleaned rows, errors, total) where errors are dicts
    {row, column, message}. Nothing is written."""
    if not has_perm(user, perms.PEOPLE_IMPORT, target):
        raise FileError(_("You may not import people into this organisation."))
    _columns, rows = read_rows(content)
    orgs = scope_orgs(target)
    default_org = target
    errors, cleaned_rows, seen_ids = [], [], {}
    today = today or timezone.localdate()

    def report(number, field, message):
        col = BY_FIELD.get(field)
        errors.append({"row": number, "column": col.header if col else field, "message": str(message)})

    for i, (number, raw) in enumerate(rows, start=1):
        data, row_errors = row_to_data(raw, orgs)
        for field, message in row_errors:
            report(number, field, message)
        if "org" not in data and not any(f == "org" for f, _m in row_errors):
            data["org"] = default_org
        if not row_errors:
            cleaned, field_errors = services.clean_person(data, today=today)
            for field, messages in field_errors.items():
                for message in messages:
                    report(number, field, message)
            number_id = cleaned.get("id_number") if "id_number" not in field_errors else None
            if number_id:
                if number_id in seen_ids:
                    report(number, "id_number", _("The same ID number is on row %(row)s.") % {"row": seen_ids[number_id]})
                else:
                    seen_ids[number_id] = number
            org = cleaned.get("org")
            if org is not None and not has_perm(user, perms.PEOPLE_IMPORT, org):
                report(number, "org", _("You may not import people into this organisation."))
            if not field_errors:
                cleaned_rows.append(cleaned)
        if progress and i % 200 == 0:
            progress(i, len(rows))
    if progress:
        progress(len(rows), len(rows))
    errors.sort(key=lambda e: (e["row"], [c.header for c in COLUMNS].index(e["column"])
                               if e["column"] in [c.header for c in COLUMNS] else 99))
    return cleaned_rows, errors, len(rows)


def _snapshot(person):
    values = person.audit_snapshot()
    return {k: REDACTED if k in person.audit_redact and v not in (None, "") else v for k, v in values.items()}


def write(cleaned_rows, target, user, filename="", batch_size=500, progress=None):
    """Create every row in one transaction (bulk inserts) with one audit entry per person plus one for the
    import. Call only with a fully valid file (validate() returned no errors)."""
    with transaction.atomic():
        people = []
        for cleaned in cleaned_rows:
            person = Person()
            services.apply_cleaned(person, cleaned)  # the service's own field mapping, encryption and scope path
            people.append(person)
        for start in range(0, len(people), batch_size):
            Person.objects.bulk_create(people[start:start + batch_size], batch_size=batch_size)
            if progress:
                progress(min(start + batch_size, len(people)), len(people))
        entries = []
        if people and people[0].pk is not None:
            entries = [chain.build(chain.AuditEntry.Action.CREATE, "people.person", p.pk, object_repr=p.name,
                                   org_path=p.scope_path, after=_snapshot(p), actor=user,
                                   note=f"import {filename}"[:500]) for p in people]
        entries.append(chain.build(chain.AuditEntry.Action.IMPORT, "people.person", "", actor=user,
                                   object_repr=filename or "roster", org_path=target.path,
                                   after={"created": len(people), "file": filename, "org": target.code}))
        chain.append(entries)
        figures.refresh({figures.place_of(p.group_id, p.org_id) for p in people})
    return people


def build_template(user):
    """The roster template: a header row, the allowed codes on a second sheet (with drop-down lists on the
    choice columns) and the codes of the organisations the user may import into on a third."""
    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    codes = wb.create_sheet(CODES_SHEET)
    org_sheet = wb.create_sheet(ORGS_SHEET)
    head_font = Font(bold=True, color="FFFFFF")
    head_fill = PatternFill("solid", fgColor="C8161E")
    need_fill = PatternFill("solid", fgColor="9E1016")
    code_col = 1
    for index, col in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        cell = ws.cell(row=1, column=index, value=col.header + ("*" if col.required else ""))
        cell.font = head_font
        cell.fill = need_fill if col.required else head_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[letter].width = col.width
        field_label = col.field
        try:
            field_label = str(Person._meta.get_field(col.field).verbose_name)
        except Exception:  # noqa: BLE001
            field_label = {"id_number": _("ID number"), "phone": _("phone")}.get(col.field, col.field)
        note = field_label
        if col.kind == "date":
            note += " · YYYY-MM-DD"
            ws.column_dimensions[letter].number_format = "yyyy-mm-dd"
        elif col.kind in ("code", "org", "group"):
            ws.column_dimensions[letter].number_format = "@"
            if col.kind == "org":
                note += " · " + _("code from the sheet %(sheet)s; empty = the organisation you import into") % {
                    "sheet": ORGS_SHEET}
        cell.comment = Comment(note, "dangjian")
        if col.choices:
            c1, c2 = get_column_letter(code_col), get_column_letter(code_col + 1)
            codes.cell(row=1, column=code_col, value=col.header + " " + _("code")).font = Font(bold=True)
            codes.cell(row=1, column=code_col + 1, value=col.header).font = Font(bold=True)
            for r, (code, label) in enumerate(col.choices, start=2):
                codes.cell(row=r, column=code_col, value=code).number_format = "@"
                codes.cell(row=r, column=code_col + 1, value=str(label))
            codes.column_dimensions[c1].width = 8
            codes.column_dimensions[c2].width = 28
            last = len(col.choices) + 1
            dv = DataValidation(type="list", formula1=f"'{CODES_SHEET}'!${c2}$2:${c2}${last}", allow_blank=True,
                                showErrorMessage=True, errorTitle=col.header,
                                error=_("Choose a value from the list."))
            dv.add(f"{letter}2:{letter}5001")
            ws.add_data_validation(dv)
            code_col += 3
    ws.freeze_panes = "B2"
    ws.row_dimensions[1].height = 30
    codes.freeze_panes = "A2"
    for index, title in enumerate((_("code"), _("name"), _("type")), start=1):
        org_sheet.cell(row=1, column=index, value=title).font = Font(bold=True)
    from dangjian.accounts.scoping import scoped

    orgs = (scoped(Organization.objects.filter(status=OrgStatus.ACTIVE), user, perms.PEOPLE_IMPORT)
            .filter(org_type__in=[OrgType.BRANCH, OrgType.GROUP]).order_by("path")[:5000])
    for r, org in enumerate(orgs, start=2):
        org_sheet.cell(row=r, column=1, value=org.code).number_format = "@"
        org_sheet.cell(row=r, column=2, value=org.name)
        org_sheet.cell(row=r, column=3, value=org.get_org_type_display())
    org_sheet.column_dimensions["A"].width = 16
    org_sheet.column_dimensions["B"].width = 36
    org_sheet.column_dimensions["C"].width = 14
    org_sheet.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def build_rows_file(rows, header=None):
    """An xlsx with the standard header and `rows` (lists of cell values) — for tests and examples."""
    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    ws.append(header or [c.header for c in COLUMNS])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


class Timer:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
