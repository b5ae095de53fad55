import pytest
from django.db import connection
from django_scopes import scope

from tsunagu.people.selectors import person_search
from tsunagu.people.services import person_create

pytestmark = pytest.mark.postgres


def test_names_have_trigram_indexes_on_postgresql(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%%gin_trgm_ops%%' ORDER BY 1"
        )
        names = [row[0] for row in cursor.fetchall()]
    assert names == ["family_name_key_trgm", "person_kana_key_trgm", "person_name_key_trgm"]


def test_the_database_makes_japanese_trigrams(db):
    # With LC_CTYPE 'C' pg_trgm drops non-ASCII characters and finds nothing.
    with connection.cursor() as cursor:
        cursor.execute("SELECT show_trgm('やまだたろう')")
        assert cursor.fetchone()[0]


def test_a_name_is_found_from_the_middle_in_any_script(personas):
    with scope(municipality=personas.municipality):
        person_create(
            actor=None,
            municipality=personas.municipality,
            name="山田太郎",
            name_kana="ヤマダタロウ",
        )
        member = personas.members["lead"]
        assert [p.name for p in person_search(viewer=member, query="ﾀﾞﾀﾛ")] == ["山田太郎"]
        assert [p.name for p in person_search(viewer=member, query="田太")] == ["山田太郎"]
