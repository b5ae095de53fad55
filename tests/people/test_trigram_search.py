import pytest
from django.db import connection
from django_scopes import scope, scopes_disabled

from tests.conftest import Personas
from tsunagu.people.models import FamilyMember, Person
from tsunagu.people.selectors import _matching, person_search
from tsunagu.people.services import person_create

pytestmark = pytest.mark.postgres


def test_names_have_trigram_indexes_per_municipality_on_postgresql(db: None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE indexdef LIKE "
            "'%%USING gin (municipality_id, %%gin_trgm_ops)' ORDER BY 1"
        )
        names = [row[0] for row in cursor.fetchall()]
    assert names == ["family_name_key_trgm", "person_kana_key_trgm", "person_name_key_trgm"]


def test_short_keys_are_indexed_by_their_one_and_two_character_substrings(db: None) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tsunagu_short_grams('さとう')")
        assert sorted(cursor.fetchone()[0]) == sorted(["さ", "と", "う", "さと", "とう"])
        cursor.execute("SELECT tsunagu_short_grams('林 はやし')")
        assert "林" in cursor.fetchone()[0]


@pytest.mark.parametrize(
    ("model", "column", "key", "index"),
    [
        (Person, "name_key", "佐藤", "person_name_key_short"),
        (Person, "kana_key", "林", "person_kana_key_short"),
        (FamilyMember, "name_key", "はや", "family_name_key_short"),
        (Person, "name_key", "さとうけん", "person_name_key_trgm"),
        (FamilyMember, "name_key", "はやし", "family_name_key_trgm"),
    ],
)
def test_each_branch_of_the_search_matches_its_index(
    db: None, model: type[Person] | type[FamilyMember], column: str, key: str, index: str
) -> None:
    # Tiny tables are cheapest to scan, so sequential scans are switched off: what is checked
    # is that the condition the search writes is one the index can answer.
    with scopes_disabled():
        # The key's condition alone (merged records aside: on a tiny table the planner would
        # rather walk the index of "not merged", which at scale selects every row).
        sql, params = (
            _matching(model, column, key, rows=model._base_manager.all())
            .values("pk")
            .query.sql_with_params()
        )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert f"Bitmap Index Scan on {index}" in plan, plan


def test_a_name_is_found_from_the_middle_in_any_script(personas: Personas) -> None:
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
        assert [p.name for p in person_search(viewer=member, query="田")] == ["山田太郎"]
