"""Name search indexes per municipality on PostgreSQL: trigrams, and short keys by substring.

Each index leads with the municipality (btree_gin), so a city's search reads its own entries.
Keys of three characters or more are served by pg_trgm. One- and two-character keys (林,
佐藤, the names people type most) have no trigram; pg_bigm would serve them but is rarely
installed, so each name's distinct one- and two-character substrings are indexed through an
immutable SQL function and matched with `tsunagu_short_grams(key) @> ARRAY[key]`.
SQLite keeps LIKE over the same normalized columns (fast enough at 100,000 persons).
"""

from django.db import migrations

COLUMNS = [
    ("person_name_key", "people_person", "name_key"),
    ("person_kana_key", "people_person", "kana_key"),
    ("family_name_key", "people_familymember", "name_key"),
]

SHORT_GRAMS = """
CREATE OR REPLACE FUNCTION tsunagu_short_grams(key text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT gram), '{}')
    FROM (
        SELECT substr(key, i, n) AS gram
        FROM generate_series(1, char_length(key)) AS i, (VALUES (1), (2)) AS sizes (n)
        WHERE i + n - 1 <= char_length(key)
    ) AS grams
    WHERE position(' ' in gram) = 0
$$
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    schema_editor.execute(SHORT_GRAMS)
    for name, table, column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}_trgm")
        schema_editor.execute(
            f"CREATE INDEX {name}_trgm ON {table} "
            f"USING gin (municipality_id, {column} gin_trgm_ops)"
        )
        schema_editor.execute(
            f"CREATE INDEX {name}_short ON {table} "
            f"USING gin (municipality_id, tsunagu_short_grams({column}))"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}_short")
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}_trgm")
        schema_editor.execute(
            f"CREATE INDEX {name}_trgm ON {table} USING gin ({column} gin_trgm_ops)"
        )
    schema_editor.execute("DROP FUNCTION IF EXISTS tsunagu_short_grams(text)")


class Migration(migrations.Migration):
    dependencies = [("people", "0004_encrypt_consent_scans")]

    operations = [migrations.RunPython(create, drop)]
