"""The question bank as a spreadsheet: the xlsx template, reading and checking a whole file, the all-or-nothing
write, and the export (in the template's format, so that an export imports again unchanged).

Every row goes through rules.parse_answer_text and rules.clean_question (the one place the question rules
live); this module turns cells into their input and adds what only a whole file can know: a stem twice in the
file, or already live in the bank. Nothing is written unless every row is good, and then all rows are written
in one transaction (bulk inserts, audited entry by entry like people/imports.py — bulk_create fires no signal).

The column headers and the cell words (单选, 对/错, 启用 …) are a file format, not interface text: they stay the
same whatever the interface language so that a file imports anywhere. Headers may come in any order, extra
columns are ignored, and a title row above the header is skipped.

Between the check and the write the page keeps the uploaded file on the server (`stash`/`unstash`): under
VAR_DIR (never MEDIA_ROOT, which may be served), named by a random token and bound to the user and the bank,
for an hour."""

import hashlib
import io
import json
import math
import re
import secrets
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from dangjian.accounts.scoping import has_perm
from dangjian.audit import chain
from dangjian.core.errors import DomainError
from dangjian.orgs.models import OrgStatus

from . import rules
from .models import Category, Question, QuestionKind, QuestionStatus, Tier
from .services import MANAGE

MAX_ROWS = 5000
MAX_BYTES = 10 * 1024 * 1024
MAX_SCANNED_ROWS = 100_000  # blank rows included: a sheet longer than this is refused, not half read
MAX_OPTION_LENGTH = 500
MAX_CATEGORY_LENGTH = 40
MAX_EXPLANATION_LENGTH = 2000
MAX_SOURCE_LENGTH = 200
HEADER_SEARCH_ROWS = 5  # the header may follow a title row or two
DATA_SHEET = "题库"
HELP_SHEET = "说明"
STASH_SECONDS = 3600
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LETTERS = rules.LETTERS


class Column:
    def __init__(self, key, header, width=14, required=False, aliases=()):
        self.key, self.header, self.width, self.required = key, header, width, required
        self.aliases = aliases


OPTION_KEYS = tuple(f"option_{letter}" for letter in LETTERS)
COLUMNS = [
    Column("kind", "题型", 8, True, ("kind", "type", "类型", "题目类型", "试题类型")),
    Column("stem", "题干", 48, True, ("stem", "question", "题目", "试题", "题目内容", "问题")),
    *[Column(f"option_{letter}", f"选项{letter}", 18, False, (f"option{letter}", letter))
      for letter in LETTERS],
    Column("answer", "答案", 10, True, ("answer", "正确答案", "参考答案", "标准答案")),
    Column("explanation", "解析", 30, False, ("explanation", "答案解析", "试题解析", "说明")),
    Column("tier", "档次", 6, True, ("tier", "难度", "难度档次", "等级", "级别")),
    Column("category", "分类", 12, True, ("category", "题目分类", "类别", "专业", "题库分类")),
    Column("source", "来源", 20, False, ("source", "出处", "依据")),
    Column("status", "状态", 8, False, ("status",)),
]
BY_KEY = {c.key: c for c in COLUMNS}
HEADERS = [c.header for c in COLUMNS]
COLUMN_ORDER = {c.header: i for i, c in enumerate(COLUMNS)}

# The words of the file. The first of each list is the one the export writes.
KIND_WORDS = {
    QuestionKind.SINGLE: ("单选", "单选题", "单项选择", "单项选择题", "single", "singlechoice"),
    QuestionKind.MULTIPLE: ("多选", "多选题", "多项选择", "多项选择题", "不定项", "不定项选择", "不定项选择题",
                            "multiple", "multiplechoice"),
    QuestionKind.TRUE_FALSE: ("判断", "判断题", "是非", "是非题", "对错", "truefalse", "trueorfalse"),
    QuestionKind.FILL: ("填空", "填空题", "fill", "fillin", "fillintheblank", "blank"),
}
STATUS_WORDS = {
    QuestionStatus.ACTIVE: ("启用", "有效", "正常", "在用", "使用", "active"),
    QuestionStatus.DRAFT: ("草稿", "待审", "待审核", "未启用", "draft"),
    QuestionStatus.RETIRED: ("停用", "退役", "作废", "已停用", "retired"),
}
TIER_SUFFIXES = ("档", "级", "类", "档次", "TIER")


def _word(value):
    return re.sub(r"[\s_\-/]+", "", unicodedata.normalize("NFKC", str(value)).casefold())


_KIND_LOOKUP = {_word(w): str(kind.value) for kind, words in KIND_WORDS.items() for w in (kind.value, *words)}
_STATUS_LOOKUP = {_word(w): str(status.value) for status, words in STATUS_WORDS.items()
                  for w in (status.value, *words)}


def _header_key(value):
    text = unicodedata.normalize("NFKC", str(value or "")).replace("*", "")
    for sep in ("(", "（"):
        if sep in text and text.index(sep) > 0:
            text = text[: text.index(sep)]
    return re.sub(r"[\s_\-:：]+", "", text).casefold()


def _header_lookup():
    out = {}
    for col in COLUMNS:
        for spelling in (col.header, col.key, *col.aliases):
            out.setdefault(_header_key(spelling), col)
    return out


HEADER_LOOKUP = _header_lookup()


class FileError(Exception):
    """The file cannot be read at all (not an xlsx, too big, no header, too many rows)."""

    def __init__(self, message):
        super().__init__(message)
        self.message = str(message)


# ---- cells -------------------------------------------------------------------------------------------------

def cell_text(value):
    """A cell as text: numbers typed into a general cell come back as int or float, TRUE/FALSE as bools."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "对" if value else "错"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def parse_kind(value):
    return _KIND_LOOKUP.get(_word(cell_text(value)))


def parse_tier(value):
    text = unicodedata.normalize("NFKC", cell_text(value)).strip().upper()
    for suffix in TIER_SUFFIXES:
        if len(text) > 1:
            text = text.removesuffix(suffix).strip()
    if text.startswith("TIER") and len(text) > 4:
        text = text[4:].strip()
    return text if text in Tier.values else None


def parse_status(value):
    text = cell_text(value)
    if not text:
        return str(QuestionStatus.ACTIVE.value)
    return _STATUS_LOOKUP.get(_word(text))


# ---- reading -----------------------------------------------------------------------------------------------

@dataclass
class Row:
    """A good row, ready to write."""

    number: int
    kind: str
    stem: str
    options: list
    answer: list
    explanation: str
    tier: str
    category: str
    source: str
    status: str

    @property
    def key(self):
        return rules.stem_key(self.stem)


@dataclass
class Report:
    """What a check (and a write) found. `errors` are dicts {row, column, message} sorted by row and column;
    `rows` the good rows; `written` the questions created (0 on a dry run or when a row is bad)."""

    total: int = 0
    errors: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    written: int = 0
    new_categories: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors and bool(self.rows)

    @property
    def bad_rows(self):
        return len({e["row"] for e in self.errors})

    def counts(self):
        return Counter((r.tier, r.category) for r in self.rows)

    def kind_counts(self):
        return Counter(r.kind for r in self.rows)

    def status_counts(self):
        return Counter(r.status for r in self.rows)

    def matrix(self):
        """Preview table: [(category, [n per tier A, B, C], total)] and the totals row."""
        counts = self.counts()
        categories = list(dict.fromkeys(r.category for r in self.rows))
        lines = [(c, [counts.get((t, c), 0) for t in Tier.values], sum(counts.get((t, c), 0) for t in Tier.values))
                 for c in categories]
        totals = [sum(counts.get((t, c), 0) for c in categories) for t in Tier.values]
        return lines, totals, sum(totals)


def _data_sheet(wb):
    if DATA_SHEET in wb.sheetnames:
        return wb[DATA_SHEET]
    for ws in wb.worksheets:
        if ws.title != HELP_SHEET:
            return ws
    return wb.worksheets[0]


def read_rows(content):
    """([header column or None per cell], [(row number, {key: raw value})]) of the data sheet: the sheet 题库,
    else the first one that is not 说明. Blank rows are skipped. Raises FileError."""
    if not content:
        raise FileError(_("The file is empty."))
    if len(content) > MAX_BYTES:
        raise FileError(_("The file is larger than %(n)d MB.") % {"n": MAX_BYTES // (1024 * 1024)})
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable upload
        raise FileError(_("This is not an Excel (.xlsx) file."))
    try:
        if not wb.worksheets:
            raise FileError(_("The file is empty."))
        ws = _data_sheet(wb)
        ws.reset_dimensions()  # some writers record a wrong sheet size: read every row there is
        rows = ws.iter_rows(values_only=True)
        columns, best = None, None
        number = 0
        for number, values in enumerate(rows, start=1):
            found = [HEADER_LOOKUP.get(_header_key(v)) if v not in (None, "") else None for v in (values or ())]
            if any(found):
                if best is None or sum(1 for c in found if c) > sum(1 for c in best[1] if c):
                    best = (number, found)
                if all(c.key in {f.key for f in found if f} for c in COLUMNS if c.required):
                    columns = found
                    break
            if number >= HEADER_SEARCH_ROWS:
                break
        if columns is None:
            if best is None and number == 0:
                raise FileError(_("The file is empty."))
            have = {c.key for c in (best[1] if best else []) if c}
            missing = [c.header for c in COLUMNS if c.required and c.key not in have]
            raise FileError(_("Required columns are missing: %(columns)s. Download the template to see the "
                              "columns.") % {"columns": "、".join(missing)})
        seen = Counter(c.key for c in columns if c)
        twice = [BY_KEY[k].header for k, n in seen.items() if n > 1]
        if twice:
            raise FileError(_("A column appears twice: %(columns)s.") % {"columns": "、".join(twice)})
        out, header_row = [], number
        for number, values in enumerate(rows, start=header_row + 1):
            if number > MAX_SCANNED_ROWS:
                raise FileError(_("The sheet has more than %(n)s rows.") % {"n": f"{MAX_SCANNED_ROWS:,}"})
            if values is None or all(v is None or cell_text(v) == "" for v in values):
                continue
            out.append((number, {col.key: v for col, v in zip(columns, values, strict=False) if col}))
            if len(out) > MAX_ROWS:
                raise FileError(_("At most %(n)s questions can be imported at once.") % {"n": f"{MAX_ROWS:,}"})
        return columns, out
    except FileError:
        raise
    except Exception:  # noqa: BLE001 - a damaged workbook fails while streaming its rows
        raise FileError(_("This is not an Excel (.xlsx) file."))
    finally:
        wb.close()


def _check_text(value, limit):
    """None when the text is fine, else the message."""
    if "\x00" in value:
        return _("This field contains an invalid character.")
    if len(value) > limit:
        return _("At most %(n)d characters.") % {"n": limit}
    return None


def check_row(raw):
    """One row's cells → (Row or None, [(column header, message)]). Pure: no database. Every column at fault
    is reported, not only the first."""
    errors = []

    def report(key, message):
        errors.append((BY_KEY[key].header if key in BY_KEY else key, str(message)))

    kind = parse_kind(raw.get("kind"))
    if kind is None:
        if cell_text(raw.get("kind")):
            report("kind", _("Unknown kind “%(value)s”: write 单选, 多选, 判断 or 填空.") % {
                "value": cell_text(raw.get("kind"))[:20]})
        else:
            report("kind", _("Enter the kind: 单选, 多选, 判断 or 填空."))
    tier = parse_tier(raw.get("tier"))
    if tier is None:
        if cell_text(raw.get("tier")):
            report("tier", _("Unknown tier “%(value)s”: write A, B or C.") % {"value": cell_text(raw.get("tier"))[:20]})
        else:
            report("tier", _("Enter the tier: A, B or C."))
    status = parse_status(raw.get("status"))
    if status is None:
        report("status", _("Unknown status “%(value)s”: write 启用, 草稿 or 停用.") % {
            "value": cell_text(raw.get("status"))[:20]})
    category = cell_text(raw.get("category"))
    if not category:
        report("category", _("Enter the category."))
    elif message := _check_text(category, MAX_CATEGORY_LENGTH):
        report("category", message)
    explanation = cell_text(raw.get("explanation"))
    if message := _check_text(explanation, MAX_EXPLANATION_LENGTH):
        report("explanation", message)
    source = cell_text(raw.get("source"))
    if message := _check_text(source, MAX_SOURCE_LENGTH):
        report("source", message)
    stem = cell_text(raw.get("stem"))
    stem_ok = True
    if "\x00" in stem:
        report("stem", _("This field contains an invalid character."))
        stem_ok = False
    options = [cell_text(raw.get(k)) for k in OPTION_KEYS]
    options_ok = True
    for letter, text in zip(LETTERS, options, strict=True):
        if message := _check_text(text, MAX_OPTION_LENGTH):
            report(f"option_{letter}", message)
            options_ok = False
    answer = cell_text(raw.get("answer"))
    if message := _check_text(answer, MAX_EXPLANATION_LENGTH):
        report("answer", message)
        answer = None

    cleaned = None
    if kind is not None and options_ok and answer is not None:
        cleaned = _check_question(kind, stem, options, answer, stem_ok, report)
    if errors or cleaned is None:
        return None, errors
    stem, options, answer = cleaned
    return Row(0, kind, stem, options, answer, explanation, tier, category, source, status), errors


PLACEHOLDER_ANSWERS = {QuestionKind.SINGLE: [0], QuestionKind.MULTIPLE: [0, 1]}


def _check_question(kind, stem, options, answer_text_, stem_ok, report):
    """rules.clean_question (after rules.parse_answer_text), reporting each column at fault: an empty or too
    long stem does not hide a problem with the options or the answer. Returns (stem, options, answer) or None."""
    choice = kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
    trimmed = list(options)
    while trimmed and not trimmed[-1]:
        trimmed.pop()
    options = trimmed if choice else []
    if stem_ok:
        try:  # the stem alone (the other arguments are known to be good)
            rules.clean_question(QuestionKind.TRUE_FALSE, stem, [], [True])
        except rules.InvalidQuestion as e:
            report(e.field, e.message)
            stem_ok = False
    if choice:
        try:  # the options alone
            rules.clean_question(kind, "?", options, PLACEHOLDER_ANSWERS[kind])
        except rules.InvalidQuestion as e:
            if e.field == "options":
                report(_option_column(options), e.message)
                return None
    if kind == QuestionKind.TRUE_FALSE:
        answer_text_ = _true_false_by_letter(answer_text_, trimmed)
    try:
        answer = rules.parse_answer_text(kind, answer_text_, len(options))
        cleaned = rules.clean_question(kind, stem if stem_ok else "?", options, answer)
    except rules.InvalidQuestion as e:
        report(e.field, e.message)
        return None
    return cleaned if stem_ok else None


def _option_column(options):
    """The option column to name for an options error: the first empty one, else the first repeated one,
    else the first missing one."""
    seen = set()
    for letter, text in zip(LETTERS, options, strict=False):
        if not text:
            return f"option_{letter}"
        if rules.normalise_text(text) in seen:
            return f"option_{letter}"
        seen.add(rules.normalise_text(text))
    return f"option_{LETTERS[min(len(options), len(LETTERS) - 1)]}"


def _true_false_by_letter(answer, options):
    """判断 written as a choice (选项A 对, 选项B 错, 答案 A): the chosen option's word."""
    letter = unicodedata.normalize("NFKC", answer).strip().upper()
    if len(letter) == 1 and letter in LETTERS and LETTERS.index(letter) < len(options):
        word = unicodedata.normalize("NFKC", options[LETTERS.index(letter)]).strip().upper()
        if word in rules.TRUE_WORDS or word in rules.FALSE_WORDS:
            return word
    return answer


def _require_bank(user, org):
    if not has_perm(user, MANAGE, org):
        raise Http404
    if org.status != OrgStatus.ACTIVE:
        raise FileError(_("A dissolved organisation has no bank."))


def check(user, org, content):
    """Dry run over the whole file: every bad row with its column and message; nothing written. Raises
    FileError when the file cannot be read at all, Http404 when the user does not keep this bank."""
    _require_bank(user, org)
    _columns, rows = read_rows(content)
    if not rows:
        raise FileError(_("The file has no questions: fill in one question per row under the header."))
    report = Report(total=len(rows))
    existing = set(Category.objects.filter(org=org).values_list("name", flat=True))
    stem_header = BY_KEY["stem"].header
    first_row = {}  # stem key → the first row with it (live rows only: a retired question may repeat a stem)
    for number, raw in rows:
        row, errors = check_row(raw)
        for column, message in errors:
            report.errors.append({"row": number, "column": column, "message": message})
        stem = cell_text(raw.get("stem"))
        if stem and parse_status(raw.get("status")) != QuestionStatus.RETIRED:
            key = rules.stem_key(stem)
            if key in first_row:
                report.errors.append({"row": number, "column": stem_header, "message": _(
                    "The same question is on row %(row)s.") % {"row": first_row[key]}})
                row = None
            else:
                first_row[key] = number
        if row is not None and not errors:
            row.number = number
            report.rows.append(row)
    for key in _live_keys(org, first_row):
        report.errors.append({"row": first_row[key], "column": stem_header,
                              "message": _("The bank already has this question.")})
    report.errors.sort(key=lambda e: (e["row"], COLUMN_ORDER.get(e["column"], 99)))
    bad = {e["row"] for e in report.errors}
    report.rows = [r for r in report.rows if r.number not in bad]
    report.new_categories = [c for c in dict.fromkeys(r.category for r in report.rows) if c not in existing]
    return report


def _live_keys(org, keys, chunk=500):
    keys = list(keys)
    found = set()
    for start in range(0, len(keys), chunk):
        found.update(Question.objects.filter(org=org, stem_key__in=keys[start:start + chunk])
                     .exclude(status=QuestionStatus.RETIRED).values_list("stem_key", flat=True))
    return found


def run(user, org, content, filename="", dry_run=False, batch_size=500):
    """Check the whole file, then — unless it is a dry run or a row is bad — write every row in one
    transaction. Returns the Report; `report.written` is the number of questions created."""
    report = check(user, org, content)
    if dry_run or report.errors:
        return report
    try:
        with transaction.atomic():
            _write(user, org, report, filename, batch_size)
    except IntegrityError:
        # Someone entered one of these questions since the check: the unique constraint refused the batch.
        raise DomainError(_("The bank changed while the file was being imported: check the file again."))
    return report


def _write(user, org, report, filename, batch_size):
    from .services import category_named

    # Categories by their exact name, as services.category_named finds them; new ones are created (and
    # audited) one by one — a file names few.
    categories = {c.name: c for c in Category.objects.filter(org=org)}
    for name in dict.fromkeys(r.category for r in report.rows):
        if name not in categories:
            categories[name] = category_named(org, name)
    # The check ran outside this transaction: look again, now that it is open.
    if _live_keys(org, {r.key for r in report.rows if r.status != QuestionStatus.RETIRED}):
        raise IntegrityError("duplicate stem")
    actor = user if getattr(user, "is_authenticated", False) else None
    questions = [Question(org=org, org_path=org.path, kind=r.kind, stem=r.stem, stem_key=r.key, options=r.options,
                          answer=r.answer, explanation=r.explanation, tier=r.tier, category=categories[r.category],
                          source=r.source, status=r.status, created_by=actor) for r in report.rows]
    for start in range(0, len(questions), batch_size):
        Question.objects.bulk_create(questions[start:start + batch_size], batch_size=batch_size)
    note = f"import {filename}"[:500]
    entries = []
    if questions and questions[0].pk is None:  # a backend that returns no ids from bulk inserts
        by_key = dict(Question.objects.filter(org=org, stem_key__in=[q.stem_key for q in questions])
                      .exclude(status=QuestionStatus.RETIRED).values_list("stem_key", "pk"))
        for q in questions:
            q.pk = q.id = by_key.get(q.stem_key)
    entries = [chain.build(chain.AuditEntry.Action.CREATE, "exams.question", q.pk, object_repr=q.audit_repr(),
                           org_path=q.org_path, after=q.audit_snapshot(), actor=user, note=note)
               for q in questions]
    entries.append(chain.build(chain.AuditEntry.Action.IMPORT, "exams.question", "", actor=user,
                               object_repr=filename or "question bank", org_path=org.path,
                               after={"created": len(questions), "file": filename, "org": org.code,
                                      "categories_created": report.new_categories}))
    chain.append(entries)
    report.written = len(questions)
    return questions


# ---- writing files -----------------------------------------------------------------------------------------

def sheet_text(value):
    """Text as a spreadsheet keeps it: characters XML cannot hold removed, line ends as XML reads them (\n)."""
    if not isinstance(value, str):
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def kind_word(kind):
    return KIND_WORDS[kind][0]


def status_word(status):
    return STATUS_WORDS[status][0]


def question_cells(q):
    """A question (a Question or a Row) as the cells of one row in COLUMNS order."""
    options = list(q.options) + [""] * (len(LETTERS) - len(q.options))
    category = q.category if isinstance(q.category, str) else q.category.name
    return [kind_word(q.kind), q.stem, *options, rules.answer_text(q.kind, q.answer), q.explanation, q.tier,
            category, q.source, status_word(q.status)]


HEAD_FONT = Font(bold=True, color="FFFFFF")
HEAD_FILL = PatternFill("solid", fgColor="C8161E")
NEED_FILL = PatternFill("solid", fgColor="9E1016")


def _text_cell(ws, value):
    cell = WriteOnlyCell(ws, value=sheet_text(value) if value not in ("", None) else None)
    if isinstance(value, str):
        cell.data_type = "s"  # a stem beginning with "=" is text, not a formula
    return cell


def _header_cells(ws):
    cells = []
    for col in COLUMNS:
        cell = WriteOnlyCell(ws, value=col.header)
        cell.font = HEAD_FONT
        cell.fill = NEED_FILL if col.required else HEAD_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        cells.append(cell)
    return cells


def _size_columns(ws):
    for index, col in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = col.width


EXAMPLES = [
    ["单选", "党的最高领导机关是？", "党的全国代表大会和它所产生的中央委员会", "中央政治局", "中央书记处",
     "中央纪律检查委员会", "", "", "", "", "A", "见《中国共产党章程》第十条。", "C", "党建规章", "中国共产党章程", "启用"],
    ["多选", "下列属于“三会一课”的有？", "支部党员大会", "支部委员会", "党小组会", "党课", "职工代表大会", "", "", "",
     "ABCD", "", "B", "党建规章", "", "启用"],
    ["判断", "预备党员的预备期为一年。", "", "", "", "", "", "", "", "", "对", "", "C", "党建规章", "", "启用"],
    ["填空", "中国共产党成立于____年，第一次全国代表大会在____召开。", "", "", "", "", "", "", "", "",
     "1921；上海|上海市", "", "B", "党建规章", "", "草稿"],
    ["单选", "发现火情首先应当？", "立即报警并组织扑救", "先收拾个人物品", "乘电梯撤离", "", "", "", "", "",
     "A", "", "C", "安全应急", "安全生产规章", "启用"],
]


def _help_lines():
    kinds = "、".join(w[0] for w in KIND_WORDS.values())
    return [
        (_("How to fill in the question bank template"), None),
        (_("One question per row on the sheet %(sheet)s, under the header. The order of the columns does not "
           "matter; other columns are ignored. Red headers are required.") % {"sheet": DATA_SHEET}, None),
        ("题型", _("One of %(kinds)s (单选题, 多选题 … are accepted too).") % {"kinds": kinds}),
        ("题干", _("The question, at most 2,000 characters. A question already live in the bank, or twice in the "
                 "file, is refused.")),
        ("选项A…选项H", _("Choice questions only: at least two options, at most eight, without gaps. Leave them "
                        "empty for true-or-false and fill-in questions.")),
        ("答案", _("Single choice: one letter, e.g. B. Multiple choice: two letters or more, e.g. ACD. True or "
                 "false: 对 or 错. Fill in the blank: the blanks in order separated by ；, the accepted "
                 "alternatives of one blank separated by |, e.g. 1921；上海|上海市.")),
        ("解析", _("Optional, shown after the answer, at most 2,000 characters.")),
        ("档次", _("A (advanced), B (intermediate) or C (basic).")),
        ("分类", _("E.g. 党建规章, 业务规章, 安全应急. A new category is created on first use.")),
        ("来源", _("Optional: the regulation or document the question comes from.")),
        ("状态", _("启用 (used in monthly sets, the default), 草稿 (not used yet) or 停用 (retired).")),
        (_("Limits"), _("At most %(rows)s questions and %(mb)d MB per file. The whole file is checked first; "
                        "nothing is imported unless every row is correct.") % {
            "rows": f"{MAX_ROWS:,}", "mb": MAX_BYTES // (1024 * 1024)}),
    ]


def _help_sheet(wb):
    ws = wb.create_sheet(HELP_SHEET)
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 100
    row = 1
    for head, text in _help_lines():
        a = ws.cell(row=row, column=1, value=head)
        a.font = Font(bold=True)
        if text is None:
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
            a.alignment = Alignment(wrap_text=True, vertical="top")
        else:
            b = ws.cell(row=row, column=2, value=text)
            b.alignment = Alignment(wrap_text=True, vertical="top")
        row += 1
    row += 1
    ws.cell(row=row, column=1, value=_("Examples")).font = Font(bold=True)
    row += 1
    for index, header in enumerate(HEADERS, start=1):
        cell = ws.cell(row=row, column=index, value=header)
        cell.font = HEAD_FONT
        cell.fill = HEAD_FILL
    for example in EXAMPLES:
        row += 1
        for index, value in enumerate(example, start=1):
            ws.cell(row=row, column=index, value=value).data_type = "s"
    return ws


def build_template():
    """The template: the header on the sheet 题库 (drop-down lists for 题型, 档次 and 状态, a note on every
    header) and the formats with example rows on the sheet 说明."""
    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    notes = dict(_help_lines()[2:-1])
    for index, col in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=index, value=col.header)
        cell.font = HEAD_FONT
        cell.fill = NEED_FILL if col.required else HEAD_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        note = notes.get(col.header) or (notes.get("选项A…选项H") if col.key.startswith("option_") else None)
        if note:
            cell.comment = Comment(note, "dangjian", width=320, height=140)
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = col.width
        ws.column_dimensions[letter].number_format = "@"  # answers such as 1921 stay text
    lists = {"kind": [w[0] for w in KIND_WORDS.values()], "tier": list(Tier.values),
             "status": [w[0] for w in STATUS_WORDS.values()]}
    for key, values in lists.items():
        letter = get_column_letter(HEADERS.index(BY_KEY[key].header) + 1)
        dv = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True,
                            showErrorMessage=True, errorTitle=BY_KEY[key].header,
                            error=_("Choose a value from the list."))
        dv.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
        ws.add_data_validation(dv)
    ws.freeze_panes = "C2"
    _help_sheet(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def export_bank(questions):
    """The questions (an iterable; select_related("category")) as an xlsx in the template's format."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(DATA_SHEET)
    _size_columns(ws)
    ws.freeze_panes = "C2"
    ws.append(_header_cells(ws))
    count = 0
    for q in questions:
        ws.append([_text_cell(ws, v) for v in question_cells(q)])
        count += 1
    hs = wb.create_sheet(HELP_SHEET)
    hs.column_dimensions["A"].width = 16
    hs.column_dimensions["B"].width = 100
    for head, text in _help_lines():
        hs.append([_text_cell(hs, head), _text_cell(hs, text or "")])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), count


def build_rows_file(rows, header=None, sheet=DATA_SHEET):
    """An xlsx with the standard header and `rows` (lists of cell values) — for tests and examples."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(HEADERS if header is None else header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ---- keeping an upload between the check and the import ----------------------------------------------------

TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{20,64}")


def stash_dir():
    path = Path(getattr(settings, "EXAM_IMPORT_DIR", None) or Path(settings.VAR_DIR) / "exam_imports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _purge(folder, now):
    for item in folder.glob("*.json"):
        try:
            if now - item.stat().st_mtime > STASH_SECONDS:
                item.unlink(missing_ok=True)
                item.with_suffix(".xlsx").unlink(missing_ok=True)
        except OSError:
            pass


def stash(content, user, org, filename=""):
    """Keep a checked file for the confirmation; returns its token."""
    folder = stash_dir()
    now = time.time()
    _purge(folder, now)
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.xlsx").write_bytes(content)
    meta = {"user": user.pk, "org": org.pk, "filename": filename[:200], "at": now,
            "sha256": hashlib.sha256(content).hexdigest()}
    (folder / f"{token}.json").write_text(json.dumps(meta), encoding="utf-8")
    return token


def unstash(token, user, org):
    """The content and file name kept under `token` for this user and bank, or None (unknown, expired,
    someone else's, another bank's, or altered)."""
    if not isinstance(token, str) or not TOKEN_RE.fullmatch(token):
        return None
    folder = stash_dir()
    try:
        meta = json.loads((folder / f"{token}.json").read_text(encoding="utf-8"))
        content = (folder / f"{token}.xlsx").read_bytes()
    except (OSError, ValueError):
        return None
    if (meta.get("user") != user.pk or meta.get("org") != org.pk or time.time() - meta.get("at", 0) > STASH_SECONDS
            or hashlib.sha256(content).hexdigest() != meta.get("sha256")):
        return None
    return content, meta.get("filename", "")


def discard(token):
    if isinstance(token, str) and TOKEN_RE.fullmatch(token):
        folder = stash_dir()
        (folder / f"{token}.json").unlink(missing_ok=True)
        (folder / f"{token}.xlsx").unlink(missing_ok=True)
