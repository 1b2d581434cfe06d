"""Load the State Council's holidays and make-up working days for the years of the bundled notices
(dangjian/workdays/data/cn_holidays.json). Later years: `manage.py seed_workdays <year>` or the calendar page."""

import json
from datetime import date
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "cn_holidays.json"


def load(apps, schema_editor):
    CalendarDay = apps.get_model("workdays", "CalendarDay")
    data = json.loads(DATA.read_text(encoding="utf-8"))
    existing = set(CalendarDay.objects.values_list("date", flat=True))
    rows = []
    for year, days in data.items():
        if not year.isdigit():
            continue
        for kind, key in (("holiday", "holidays"), ("workday", "workdays")):
            for iso, name in days[key]:
                day = date.fromisoformat(iso)
                if day not in existing:
                    rows.append(CalendarDay(date=day, kind=kind, name=name, source="bundled notice"))
    CalendarDay.objects.bulk_create(rows)


def unload(apps, schema_editor):
    apps.get_model("workdays", "CalendarDay").objects.filter(source="bundled notice").delete()


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
