"""Every notice the meetings app kept (meetings.Notice) is copied into the platform inbox (notices.Notice): same
person, kind, title, text, sent and read times; the link opens the meeting and the source is the meeting. Notices
without a meeting (fees reminders) keep their kind and get the fees page as their link. meetings 0005 then drops
the old table. Reversible: going back copies them into meetings.Notice again."""

from django.db import migrations

BATCH = 5000


def _meeting_link(pk):
    try:
        from django.urls import reverse

        return reverse("meetings:detail", args=[pk])
    except Exception:  # noqa: BLE001 - the URL conf may not load during a migration
        return f"/meetings/{pk}/"


def _fees_link():
    try:
        from django.urls import reverse

        return reverse("fees:home")
    except Exception:  # noqa: BLE001
        return "/fees/"


def forward(apps, schema_editor):
    Old = apps.get_model("meetings", "Notice")
    New = apps.get_model("notices", "Notice")
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not Old.objects.exists():
        return
    meeting_type, _created = ContentType.objects.get_or_create(app_label="meetings", model="meeting")
    fees = _fees_link()
    last = 0
    while True:
        rows = list(Old.objects.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not rows:
            break
        New.objects.bulk_create([
            New(person_id=r.person_id, kind=r.kind, title=r.title, body=r.body, created_at=r.created_at,
                read_at=r.read_at,
                link=_meeting_link(r.meeting_id) if r.meeting_id else (fees if r.kind == "fees" else ""),
                source_type=meeting_type if r.meeting_id else None, source_id=r.meeting_id)
            for r in rows])
        last = rows[-1].pk


def backward(apps, schema_editor):
    Old = apps.get_model("meetings", "Notice")
    New = apps.get_model("notices", "Notice")
    ContentType = apps.get_model("contenttypes", "ContentType")
    meeting_type = ContentType.objects.filter(app_label="meetings", model="meeting").first()
    last = 0
    while True:
        rows = list(New.objects.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not rows:
            break
        Old.objects.bulk_create([
            Old(person_id=r.person_id, kind=r.kind, title=r.title, body=r.body, created_at=r.created_at,
                read_at=r.read_at,
                meeting_id=r.source_id if meeting_type and r.source_type_id == meeting_type.pk else None)
            for r in rows])
        last = rows[-1].pk


class Migration(migrations.Migration):

    dependencies = [
        ("notices", "0001_initial"),
        ("meetings", "0004_meeting_tally"),
    ]

    operations = [migrations.RunPython(forward, backward)]
