"""PostgreSQL: a GIN index over the characters of the name, for the name search (people.queries.name_contains_q).
An expression index Django does not model; SQLite needs none (its name search is LIKE)."""

from django.db import migrations

INDEX = "person_name_chars"
CREATE = (f"CREATE INDEX IF NOT EXISTS {INDEX} ON people_person USING gin "
          "(to_tsvector('simple'::regconfig, regexp_replace(name, '(.)', '\\1 ', 'g')))")


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("people", "0003_org_figures")]

    operations = [migrations.RunPython(create, drop)]
