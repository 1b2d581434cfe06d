"""The nightly spreadsheet of HR post changes: all or nothing on malformed rows, unknown people kept, the same
file twice changes nothing, the command and the drop-folder task."""

import io
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from dangjian.hr import imports
from dangjian.hr.models import ChangeSource, ChangeState, PostChange

from .factories import id_number
from .hr_fixtures import hr_tree  # noqa: F401 (the "hr" fixture)

S = ChangeState


def xlsx(rows, header=("身份证号", "工号", "新单位", "生效日期")):
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_a_good_file_imports_every_row_and_again_changes_nothing(hr):
    content = xlsx([(hr.member1.get_id_number(), "E1", "人事二科", date(2026, 3, 1)),
                    (id_number(8080), "", "人事二科", "2026-03-02"),
                    (None, "E-UNKNOWN", "人事一科", date(2026, 3, 3)),
                    (None, None, None, None)])  # blank rows are skipped
    result = imports.import_file(hr.system, content)
    assert result.ok, result.errors
    assert result.counts() == {"created": 3, "repeated": 0, S.SUGGESTED: 1, S.UNRESOLVED_PERSON: 2}
    assert set(PostChange.objects.values_list("source", flat=True)) == {ChangeSource.IMPORT}
    again = imports.import_file(hr.system, content)
    assert again.ok and again.counts()["repeated"] == 3 and PostChange.objects.count() == 3


def test_one_malformed_row_imports_nothing_and_names_row_and_field(hr):
    content = xlsx([(hr.member1.get_id_number(), "", "人事二科", date(2026, 3, 1)),
                    ("", "", "人事二科", date(2026, 3, 1)),
                    (hr.member2.get_id_number(), "", "人事一科", "下个月")])
    result = imports.import_file(hr.system, content)
    assert not result.ok and not PostChange.objects.exists()
    assert any("3" in e and "id_number" in e for e in result.errors)
    assert any("4" in e and "effective" in e for e in result.errors)


@pytest.mark.parametrize("content", [b"not a spreadsheet", xlsx([], header=("姓名", "单位")), xlsx([])])
def test_unreadable_or_empty_files_are_refused(hr, content):
    result = imports.import_file(hr.system, content)
    assert not result.ok and not PostChange.objects.exists()


def test_english_headers(hr):
    content = xlsx([("E9", "人事二科", "2026-03-01")], header=("staff_no", "new_unit", "effective"))
    assert imports.import_file(hr.system, content).ok and PostChange.objects.get().staff_no == "E9"


def test_the_command(hr, tmp_path, capsys):
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx([(hr.member1.get_id_number(), "", "人事二科", date(2026, 3, 1))]))
    call_command("hr_import", str(good), "--system", str(hr.system.pk))
    assert "created: 1" in capsys.readouterr().out
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([("", "", "人事二科", date(2026, 3, 1))]))
    with pytest.raises(CommandError):
        call_command("hr_import", str(bad), "--system", str(hr.system.pk))
    with pytest.raises(CommandError):
        call_command("hr_import", str(good), "--system", "999999")
    assert PostChange.objects.count() == 1


def test_the_nightly_task_imports_dropped_files(hr, tmp_path, settings):
    from dangjian.hr import tasks

    settings.HR_IMPORT_DIR = tmp_path
    folder = tmp_path / str(hr.system.pk)
    folder.mkdir()
    (folder / "a.xlsx").write_bytes(xlsx([(hr.member1.get_id_number(), "", "人事二科", date(2026, 3, 1))]))
    (folder / "b.xlsx").write_bytes(xlsx([("", "", "人事二科", date(2026, 3, 1))]))
    report = tasks.import_dropped()
    assert report["a.xlsx"]["created"] == 1 and isinstance(report["b.xlsx"], list)
    assert (folder / "done" / "a.xlsx").exists() and (folder / "failed" / "b.xlsx").exists()
    assert "id_number" in (folder / "failed" / "b.xlsx.txt").read_text(encoding="utf-8")
    assert not list(folder.glob("*.xlsx")) and PostChange.objects.count() == 1
    assert tasks.import_dropped() == {}
