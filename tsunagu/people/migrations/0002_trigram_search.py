"""Trigram (pg_trgm) GIN indexes for searching names in any position, on PostgreSQL only.

SQLite searches the same normalized columns with LIKE; a database whose LC_CTYPE is not UTF-8
gives empty trigrams for Japanese, which is why the README asks for C.UTF-8.
"""

from django.db import migrations

INDEXES = [
    ("person_name_key_trgm", "people_person", "name_key"),
    ("person_kana_key_trgm", "people_person", "kana_key"),
    ("family_name_key_trgm", "people_familymember", "name_key"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
