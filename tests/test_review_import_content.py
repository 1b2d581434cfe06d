"""Review: an uploaded roster holds clear ID numbers and phones. Once the job is finished (imported, refused or
failed) the platform no longer keeps the file, so that a database dump does not reveal them in clear."""

import io
from datetime import date

import pytest
from django.urls import reverse

from dangjian.people import imports
from dangjian.people.models import ImportJob

from .factories import id_number

pytestmark = pytest.mark.django_db


def _row(n, **kw):
    values = {"name": f"审阅党员{n}", "gender": "男", "ethnicity": "汉族",
              "id_number": id_number(910000 + n, born=date(1990, 1, 2)), "education": "本科",
              "political_status": "正式党员", "org": "B1", "join_date": "2015-06-01",
              "full_date": date(2016, 6, 1), "work_post": "013", "phone": f"1380000{n:04d}", "status": "正常"}
    values.update(kw)
    return [values.get(c.field) for c in imports.COLUMNS]


def _upload(client, user, rows, org):
    client.force_login(user)
    f = io.BytesIO(imports.build_rows_file(rows))
    f.name = "roster.xlsx"
    client.post(reverse("people:import"), {"org": org.pk, "file": f})
    return ImportJob.objects.latest("id")


def test_file_is_dropped_once_imported(client, tree):
    job = _upload(client, tree.users.branch1, [_row(1), _row(2)], tree.branch1)
    assert job.state == "valid" and bytes(job.content)  # kept until the import runs
    client.post(reverse("people:import_run", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == "done", job.message
    assert bytes(job.content) == b""


def test_file_is_dropped_when_refused(client, tree):
    job = _upload(client, tree.users.branch1, [_row(1), _row(2, id_number="110101199001021234")], tree.branch1)
    assert job.state == "invalid" and job.errors
    assert bytes(job.content) == b""
