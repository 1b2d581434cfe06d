from django.db import migrations


def builtin_types(apps, schema_editor):
    from dangjian.meetings import services

    services.ensure_types(models=(apps.get_model("meetings", "MeetingType"), apps.get_model("meetings", "Requirement")))


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_initial")]

    operations = [migrations.RunPython(builtin_types, migrations.RunPython.noop)]
