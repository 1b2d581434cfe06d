"""The nightly spreadsheet of HR post changes, for HR systems that cannot call the API.

One sheet, a header row naming the columns (English or Chinese: id_number/身份证号, staff_no/工号,
new_unit/新单位, effective/生效日期), one change per row. All or nothing: a file with any malformed row (a missing
column, no identifier, a bad date …) imports nothing and lists every error with its row; a well-formed row whose
person or unit is unknown is kept for the committee to resolve, exactly as through the API.
"""

import io
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dangjian.core.context import acting_as

from . import rules, services
from .models import ChangeSource, HrSystem

HEADERS = {
    "id_number": "id_number", "身份证号": "id_number", "身份证号码": "id_number", "公民身份号码": "id_number",
    "staff_no": "staff_no", "工号": "staff_no", "职工号": "staff_no", "人员编号": "staff_no",
    "new_unit": "new_unit", "新单位": "new_unit", "调入单位": "new_unit", "新单位编码": "new_unit",
    "effective": "effective", "生效日期": "effective", "调配日期": "effective",
}
MAX_ROWS = 20000


class FileError(Exception):
    pass


@dataclass
class ImportResult:
    errors: list = field(default_factory=list)  # ["row 3: effective: …"]
    received: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors

    def counts(self):
        out = {"created": 0, "repeated": 0}
        for r in self.received:
            out["created" if r.created else "repeated"] += 1
            out[r.change.state] = out.get(r.change.state, 0) + 1
        return out


def read_rows(content):
    """[(row number, {field: cell value})] of the first sheet; blank rows are skipped."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable file
        raise FileError(_("This is not an Excel (.xlsx) file."))
    try:
        rows = wb.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if not header:
            raise FileError(_("The file is empty."))
        columns = [HEADERS.get(str(h or "").strip().lower()) or HEADERS.get(str(h or "").strip()) for h in header]
        if "new_unit" not in columns or "effective" not in columns or not (
                "id_number" in columns or "staff_no" in columns):
            raise FileError(_("The header row must name the columns id_number (or staff_no), new_unit and "
                              "effective."))
        out = []
        for number, row in enumerate(rows, start=2):
            if row is None or all(v in (None, "") for v in row):
                continue
            if len(out) >= MAX_ROWS:
                raise FileError(_("At most %(n)d rows in one file.") % {"n": MAX_ROWS})
            out.append((number, {c: v for c, v in zip(columns, row, strict=False) if c}))
        return out
    finally:
        wb.close()


def import_file(system, content):
    """Check the whole file, then receive every row in one transaction (or nothing)."""
    result = ImportResult()
    try:
        rows = read_rows(content)
    except FileError as e:
        result.errors.append(str(e))
        return result
    parsed = []
    for number, data in rows:
        item, errors = rules.parse_change(data)
        for name, messages in errors.items():
            for message in messages:
                result.errors.append(_("row %(row)d: %(field)s: %(message)s") % {
                    "row": number, "field": name, "message": message})
        parsed.append(item)
    if not rows:
        result.errors.append(_("The file has no changes."))
    if result.errors:
        return result
    with acting_as(None, via="hr_import"):
        try:
            result.received = services.receive(system, parsed, source=ChangeSource.IMPORT)
        except ValidationError as e:  # pragma: no cover - rows were checked above
            result.errors.extend(str(m) for m in e.messages)
    return result


def import_dropped(base=None):
    """Import every .xlsx dropped in <HR_IMPORT_DIR>/<system id>/ (active systems only): a file imported is moved
    to done/, a refused one to failed/ with a .txt of its errors next to it. Returns {file name: counts or errors}."""
    base = Path(base or settings.HR_IMPORT_DIR)
    report = {}
    if not base.is_dir():
        return report
    for system in HrSystem.objects.filter(active=True).select_related("org").order_by("pk"):
        folder = base / str(system.pk)
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.xlsx")):
            result = import_file(system, path.read_bytes())
            target = folder / ("done" if result.ok else "failed")
            target.mkdir(exist_ok=True)
            shutil.move(str(path), target / path.name)
            if result.ok:
                report[path.name] = result.counts()
            else:
                (target / (path.name + ".txt")).write_text("\n".join(result.errors), encoding="utf-8")
                report[path.name] = result.errors
    return report
