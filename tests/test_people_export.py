"""Export of a filtered member list to xlsx: same filters and scope as the list, masked numbers unless the
viewer may see them and asks, one audit entry per file, a file that reopens cleanly."""

import io
import os
import shutil
import subprocess
from datetime import date, datetime

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from dangjian.audit.models import AuditEntry

from .factories import make_person

pytestmark = pytest.mark.django_db
EXPORT = reverse("people:export")


def export(client, user, **params):
    client.force_login(user)
    return client.get(EXPORT, params)


def sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    return wb.worksheets[0]


def rows(ws):
    header = [c.value for c in ws[1]]
    return header, [dict(zip(header, r, strict=False)) for r in ws.iter_rows(min_row=2, values_only=True)]


def test_export_has_the_lists_people_masked_with_dates_and_frozen_header(client, tree):
    ws = sheet(export(client, tree.users.branch1))
    header, data = rows(ws)
    names = {r[header[0]] for r in data}
    assert tree.member1.name in names and tree.member2.name not in names and tree.sec2.name not in names
    assert len(data) == 5
    assert ws.freeze_panes == "B2"
    assert ws.column_dimensions["D"].width >= 18  # the ID number column is wide enough
    member = next(r for r in data if r[header[0]] == tree.member1.name)
    assert member[header[3]] == tree.member1.id_number_masked
    assert tree.member1.get_id_number() not in str(member.values())
    join = member[header[14]]
    assert isinstance(join, datetime) and join.date() == date(2010, 7, 1)  # a real date cell
    date_cell = ws.cell(row=2, column=15)
    assert date_cell.is_date and date_cell.number_format == "yyyy-mm-dd"
    entry = AuditEntry.objects.get(action="export")
    assert entry.after["rows"] == 5 and entry.after["full_numbers"] == 0


def test_export_applies_the_list_filters(client, tree):
    make_person(tree.branch1, name="预备导出", political_status="probationary")
    header, data = rows(sheet(export(client, tree.users.branch1, political_status="probationary")))
    assert [r[header[0]] for r in data] == ["预备导出"]
    make_person(tree.branch1, name="申请导出", political_status="applicant")
    header, data = rows(sheet(export(client, tree.users.branch1, members="1")))
    assert "申请导出" not in {r[header[0]] for r in data} and len(data) == 6
    header, data = rows(sheet(export(client, tree.users.branch1, q="普通党员", sort="-name")))
    assert [r[header[0]] for r in data] == sorted([tree.member1.name, tree.other1.name], reverse=True)


def test_export_filter_naming_a_sibling_branch_yields_nothing(client, tree):
    header, data = rows(sheet(export(client, tree.users.branch1, org=tree.branch2.pk)))
    assert data == []
    header, data = rows(sheet(export(client, tree.users.branch1, q=tree.member2.get_id_number())))
    assert data == []


def test_full_numbers_only_when_asked_and_allowed(client, tree):
    header, data = rows(sheet(export(client, tree.users.branch1, full_numbers="1")))
    member = next(r for r in data if r[header[0]] == tree.member1.name)
    assert member[header[3]] == tree.member1.get_id_number()
    assert member[header[17]] == tree.member1.get_phone()
    entry = AuditEntry.objects.get(action="export")
    assert entry.after["full_numbers"] == 5 and entry.actor_id == tree.users.branch1.pk


def test_full_numbers_refused_without_the_sensitive_permission(client, tree):
    from dangjian.accounts.models import Role

    from .factories import give_post, make_user

    propaganda = make_person(tree.branch1, name="宣传委员")
    give_post(propaganda, tree.branch1, Role.PROPAGANDA)  # may export, may not see full numbers
    user = make_user("propaganda1", propaganda)
    header, data = rows(sheet(export(client, user, full_numbers="1")))
    member = next(r for r in data if r[header[0]] == tree.member1.name)
    assert member[header[3]] == tree.member1.id_number_masked
    assert AuditEntry.objects.get(action="export").after["full_numbers"] == 0


@pytest.mark.parametrize("who", ["member1", "group1"])
def test_export_needs_the_export_permission(client, tree, who):
    assert export(client, getattr(tree.users, who)).status_code == 404
    assert not AuditEntry.objects.filter(action="export").exists()


def test_export_button_carries_the_current_filters(client, tree):
    client.force_login(tree.users.branch1)
    body = client.get(reverse("people:list"), {"political_status": "full", "gender": "1"}).content.decode()
    assert 'id="member-export"' in body
    assert '<input type="hidden" name="political_status" value="full">' in body
    assert 'name="full_numbers"' in body


def test_libreoffice_opens_the_export(client, tree, tmp_path):
    assert shutil.which("soffice"), "LibreOffice is missing: make test installs libreoffice-calc-nogui"
    path = tmp_path / "members.xlsx"
    path.write_bytes(export(client, tree.users.branch1).content)
    # 44,34,76: comma-separated, double quotes, UTF-8
    subprocess.run(["soffice", "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76",
                    "--outdir", str(tmp_path), str(path)], check=True, timeout=120, capture_output=True,
                   env={**os.environ, "HOME": str(tmp_path)})
    text = (tmp_path / "members.csv").read_text(encoding="utf-8")
    assert tree.member1.name in text and tree.member1.id_number_masked in text
    assert "2010-07-01" in text  # the join date cell is a date shown in the yyyy-mm-dd format
