"""Roster import: template, whole-file dry run with (row, column, message), all-or-nothing write, scoping,
the background job and its progress page."""

import io
import os
import shutil
import subprocess
from datetime import date

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from dangjian.audit.models import AuditEntry
from dangjian.people import imports
from dangjian.people.models import ImportJob, Person

from .factories import id_number

pytestmark = pytest.mark.django_db
HEADERS = [c.header for c in imports.COLUMNS]


def row(**values):
    """A spreadsheet row in template order."""
    return [values.get(c.field) for c in imports.COLUMNS]


def member_row(n, **kw):
    values = {"name": f"导入党员{n}", "gender": "男" if n % 2 else "女", "ethnicity": "汉族",
              "id_number": id_number(900000 + n, born=date(1990, 1, 2)), "education": "本科",
              "political_status": "正式党员", "org": "B1", "join_date": "2015-06-01",
              "full_date": date(2016, 6, 1), "work_post": "013", "phone": f"1370000{n:04d}", "status": "正常"}
    values.update(kw)
    return row(**values)


def xlsx(rows, header=None):
    return imports.build_rows_file(rows, header=header)


def upload(client, user, content, org, name="roster.xlsx"):
    client.force_login(user)
    f = io.BytesIO(content)
    f.name = name
    return client.post(reverse("people:import"), {"org": org.pk, "file": f})


def test_template_has_headers_codes_and_drop_downs(client, tree):
    client.force_login(tree.users.branch1)
    r = client.get(reverse("people:import_template"))
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb.worksheets[0]
    assert [c.value.rstrip("*") for c in ws[1]] == HEADERS
    assert ws.freeze_panes == "B2"
    codes = wb[imports.CODES_SHEET]
    assert codes["A2"].value == "1" and codes["A3"].value == "2"  # gender codes
    validations = ws.data_validations.dataValidation
    assert len(validations) == sum(1 for c in imports.COLUMNS if c.choices)
    assert all(v.formula1.startswith(f"'{imports.CODES_SHEET}'!") for v in validations)
    org_codes = [c.value for c in wb[imports.ORGS_SHEET]["A"][1:]]
    assert org_codes == ["B1", "GR1"]  # branch1's own subtree, never branch2


def test_template_needs_the_import_permission(client, tree):
    client.force_login(tree.users.member1)
    assert client.get(reverse("people:import_template")).status_code == 404
    client.force_login(tree.users.group1)
    assert client.get(reverse("people:import")).status_code == 404


def test_valid_file_is_checked_then_imported(client, tree):
    before = Person.objects.count()
    content = xlsx([member_row(i) for i in range(1, 6)] + [
        row(name="群众甲", gender="2", political_status="群众", org=""),  # empty org = the target organisation
        member_row(7, group="GR1", political_status="预备党员", full_date=None, ethnicity="回"),
    ])
    r = upload(client, tree.users.branch1, content, tree.branch1)
    job = ImportJob.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("people:import_job", args=[job.pk])
    assert job.state == "valid", job.errors
    assert job.total == 7 and Person.objects.count() == before  # the dry run writes nothing
    page = client.get(r["Location"])
    assert b"import-run" in page.content
    r = client.post(reverse("people:import_run", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == "done" and job.created == 7 and job.total == 7, job.message
    assert Person.objects.count() == before + 7
    p7 = Person.objects.get(name="导入党员7")
    assert p7.group == tree.group1 and p7.political_status == "probationary" and p7.ethnicity == "03"
    assert p7.scope_path == tree.group1.path
    assert p7.get_id_number() == id_number(900007, born=date(1990, 1, 2))
    assert p7.id_number_masked.startswith(p7.get_id_number()[:4]) and "*" in p7.id_number_masked
    assert p7.get_phone() == "13700000007" and p7.full_date is None
    masses = Person.objects.get(name="群众甲")
    assert masses.org == tree.branch1 and masses.political_status == "masses"
    # One audit entry per person plus one for the import; the chain still verifies.
    assert AuditEntry.objects.filter(action="create", model="people.person", note__startswith="import").count() == 7
    summary = AuditEntry.objects.get(action="import")
    assert summary.after["created"] == 7 and summary.actor_id == tree.users.branch1.pk
    from dangjian.audit import chain

    assert chain.verify()[0]
    # Running the import again does nothing (the job is no longer "valid").
    client.post(reverse("people:import_run", args=[job.pk]))
    assert Person.objects.count() == before + 7


def errors_of(job):
    return {(e["row"], e["column"]) for e in job.errors}


def test_dry_run_reports_every_bad_row_and_writes_nothing(client, tree):
    existing = tree.member1.get_id_number()
    bad_check = id_number(900050, born=date(1990, 1, 2))
    bad_check = bad_check[:17] + ("0" if bad_check[17] != "0" else "1")
    rows = [
        member_row(1),                                              # row 2 fine
        member_row(2, name=""),                                     # row 3 no name
        member_row(3, id_number=bad_check),                         # row 4 check digit
        member_row(4, id_number=existing),                          # row 5 already in the database
        member_row(5, id_number=id_number(900001, born=date(1990, 1, 2))),  # row 6 same as row 2
        member_row(6, gender="未知"),                                # row 7 bad choice
        member_row(7, join_date="2015-13-45"),                      # row 8 bad date
        member_row(8, org="B2"),                                    # row 9 sibling branch's code
        member_row(9, org="NOPE"),                                  # row 10 unknown code
        member_row(10, full_date=None),                             # row 11 full member without full date
        member_row(11, phone="12345"),                              # row 12 bad phone
        member_row(12, org="G1"),                                   # row 13 members only in branches (not in scope)
        member_row(13, political_status="预备党员"),                 # row 14 probationary with a full date
        member_row(14, join_date="2005-01-01"),                     # row 15 joined at 14
    ]
    before = Person.objects.count()
    upload(client, tree.users.branch1, xlsx(rows), tree.branch1)
    job = ImportJob.objects.get()
    assert job.state == "invalid"
    assert errors_of(job) == {
        (3, "姓名"), (4, "公民身份号码"), (5, "公民身份号码"), (6, "公民身份号码"), (7, "性别"),
        (8, "加入党组织日期"), (9, "所在党组织代码"), (10, "所在党组织代码"), (11, "转为正式党员日期"),
        (12, "联系电话"), (13, "所在党组织代码"), (14, "转为正式党员日期"), (15, "加入党组织日期"),
    }
    messages = {(e["row"], e["column"]): e["message"] for e in job.errors}
    assert "2" in messages[(6, "公民身份号码")]  # names the earlier row
    assert "B2" in messages[(9, "所在党组织代码")]
    assert all(m for m in messages.values())
    assert Person.objects.count() == before
    page = client.get(reverse("people:import_job", args=[job.pk]))
    assert b"import-errors" in page.content and b"import-run" not in page.content
    # Importing an invalid job is refused.
    client.post(reverse("people:import_run", args=[job.pk]))
    assert Person.objects.count() == before


def test_one_bad_row_means_zero_rows_written(client, tree):
    before = Person.objects.count()
    upload(client, tree.users.branch1, xlsx([member_row(i) for i in range(1, 30)] + [member_row(99, gender="")]),
           tree.branch1)
    job = ImportJob.objects.get()
    assert job.state == "invalid" and errors_of(job) == {(31, "性别")}
    assert Person.objects.count() == before


def test_data_changing_between_check_and_import_writes_nothing(client, tree):
    from .factories import make_person

    upload(client, tree.users.branch1, xlsx([member_row(1), member_row(2)]), tree.branch1)
    job = ImportJob.objects.get()
    assert job.state == "valid"
    make_person(tree.branch1, name="抢先", id_number=id_number(900002, born=date(1990, 1, 2)))
    before = Person.objects.count()
    client.post(reverse("people:import_run", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == "invalid" and errors_of(job) == {(3, "公民身份号码")}
    assert Person.objects.count() == before


def test_importing_into_a_sibling_branch_is_refused(client, tree):
    r = upload(client, tree.users.branch1, xlsx([member_row(1, org="B2")]), tree.branch2)
    assert r.status_code == 200 and "org" in r.context["form"].errors
    assert not ImportJob.objects.exists()


def test_other_secretaries_cannot_see_the_job(client, tree):
    upload(client, tree.users.branch1, xlsx([member_row(1)]), tree.branch1)
    job = ImportJob.objects.get()
    client.force_login(tree.users.branch2)
    for name in ("import_job", "import_progress"):
        assert client.get(reverse(f"people:{name}", args=[job.pk])).status_code == 404
    assert client.post(reverse("people:import_run", args=[job.pk])).status_code == 404
    client.force_login(tree.users.committee)  # the committee above may follow it
    assert client.get(reverse("people:import_job", args=[job.pk])).status_code == 200


def test_not_an_xlsx_and_missing_columns(client, tree):
    upload(client, tree.users.branch1, b"not a spreadsheet", tree.branch1, name="x.xlsx")
    job = ImportJob.objects.get()
    assert job.state == "invalid" and job.errors[0]["row"] == 1
    r = upload(client, tree.users.branch1, b"abc", tree.branch1, name="x.csv")
    assert "file" in r.context["form"].errors
    upload(client, tree.users.branch1, xlsx([["张三"]], header=["姓名"]), tree.branch1)
    job = ImportJob.objects.latest("id")
    assert job.state == "invalid" and "性别" in job.errors[0]["message"]


def test_headers_may_be_field_keys_or_marked_required(client, tree):
    header = [c.field for c in imports.COLUMNS]
    header[0] = "姓名*"
    upload(client, tree.users.branch1, xlsx([member_row(1)], header=header), tree.branch1)
    assert ImportJob.objects.get().state == "valid"


def test_progress_page_polls_while_running(client, tree):
    job = ImportJob.objects.create(org=tree.branch1, created_by=tree.users.branch1, filename="big.xlsx",
                                   content=b"", total=10000, processed=2500)
    client.force_login(tree.users.branch1)
    page = client.get(reverse("people:import_job", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and "width: 25%" in page
    r = client.get(reverse("people:import_progress", args=[job.pk]))
    assert "progress-bar" in r.content.decode() and "HX-Refresh" not in r
    ImportJob.objects.filter(pk=job.pk).update(state="valid")
    r = client.get(reverse("people:import_progress", args=[job.pk]))
    assert r["HX-Refresh"] == "true" and "every 1s" not in r.content.decode()


# --- the row parser ------------------------------------------------------------------------------------


GENDER = imports.BY_FIELD["gender"]
STATUS = imports.BY_FIELD["political_status"]


@pytest.mark.parametrize("value, code", [("男", "1"), ("女", "2"), ("1", "1"), ("2 女", "2"), ("Female", "2"),
                                         (" male ", "1"), ("x", "x"), ("", ""), (None, "")])
def test_parse_gender(value, code):
    assert imports.parse_choice(GENDER, value) == code


@pytest.mark.parametrize("value, expected", [
    (date(2020, 1, 2), date(2020, 1, 2)), ("2020/1/2", "2020/1/2"), (20200102, "2020-01-02"),
    ("20200102", "2020-01-02"), ("2020年1月2日", "2020-1-2"), (43831, date(2020, 1, 1)), (None, ""),
])
def test_parse_date_cell(value, expected):
    assert imports.parse_date_cell(value) == expected


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([c for c, _l in imports.BY_FIELD["political_status"].choices]), st.booleans())
def test_every_code_and_its_label_round_trip(code, use_label):
    from django.utils import translation

    label = dict(STATUS.choices)[code]
    with translation.override("zh-hans"):
        value = str(label) if use_label else code
    assert imports.parse_choice(STATUS, value) == code


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.none(), st.text(max_size=30), st.integers(), st.floats(allow_nan=False), st.dates()))
def test_cell_parsers_never_crash(value):
    for col in imports.COLUMNS:
        if col.kind == "choice":
            out = imports.parse_choice(col, value)
            assert isinstance(out, str)
    imports.parse_code_cell(value)
    imports.parse_text_cell(value)
    try:
        imports.parse_date_cell(value)
    except (OverflowError, ValueError):
        pytest.fail(f"date parser crashed on {value!r}")


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=999), st.dates(min_value=date(1930, 1, 1), max_value=date(2005, 1, 1)))
def test_id_numbers_survive_excel_number_cells(seq, born):
    number = id_number(seq, born=born)
    if number[-1] != "X":
        assert imports.parse_code_cell(int(number)) == number
        assert imports.parse_code_cell(float(int(number[:15]))) == number[:15]
    assert imports.parse_code_cell(f" {number} ") == number



def test_libreoffice_opens_the_template(client, tree, tmp_path):
    assert shutil.which("soffice"), "LibreOffice is missing: make test installs libreoffice-calc-nogui"
    client.force_login(tree.users.branch1)
    path = tmp_path / "template.xlsx"
    path.write_bytes(client.get(reverse("people:import_template")).content)
    subprocess.run(["soffice", "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76",
                    "--outdir", str(tmp_path), str(path)], check=True, timeout=120, capture_output=True,
                   env={**os.environ, "HOME": str(tmp_path)})
    first_line = (tmp_path / "template.csv").read_text(encoding="utf-8").splitlines()[0]
    assert first_line.split(",")[:3] == ["姓名*", "性别*", "民族"]
