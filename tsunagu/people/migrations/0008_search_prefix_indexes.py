"""Exact and prefix name matches from btree indexes alone, newest first (PostgreSQL only).

A common surname (佐藤: about 42,000 of a city of a million) is found quickly by the GIN
indexes of migration 0005, but they cannot return columns, so ranking the matches meant
reading every one of them from the table. These btree indexes use `varchar_pattern_ops`, so
`name_key = key` and `name_key LIKE 'key%'` are range conditions on them whatever the
database's collation; they carry the person number (the order of the results) and the id,
so the search reads exact and prefix matches by index-only scans and takes the newest with
LIMIT. They are partial on `merged_into_id IS NULL` because the search, like every list,
never shows a merged record. The GIN indexes stay for matches inside a name, which the search
consults only when exact and prefix matches do not fill the page. SQLite: nothing to do.
"""

from django.db import migrations

INDEXES = [
    ("person_name_key_prefix", "people_person", "name_key"),
    ("person_kana_key_prefix", "people_person", "kana_key"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
            f"(municipality_id, {column} varchar_pattern_ops, number DESC) INCLUDE (id) "
            "WHERE merged_into_id IS NULL"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("people", "0007_encrypt_backgrounds")]

    operations = [migrations.RunPython(create, drop)]
