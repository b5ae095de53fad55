import pytest
from django.db import connection
from django_scopes import scope, scopes_disabled

from tests.conftest import Personas
from tsunagu.people.models import FamilyMember, Person
from tsunagu.people.selectors import PersonSearch, _matching, person_search
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
        (Person, "name_key", "さとうけん", "person_name_key_trgm"),
        (FamilyMember, "name_key", "はやし", "family_name_key_trgm"),
    ],
)
def test_longer_keys_inside_a_name_match_the_trigram_indexes(
    db: None, model: type[Person] | type[FamilyMember], column: str, key: str, index: str
) -> None:
    # The condition alone, `column::text LIKE '%key%'` as the search writes it for keys of
    # three characters or more (on a small table the planner would rather filter the rows of
    # the municipality, whose index at scale selects every row).
    with scopes_disabled():
        rows = _matching(model, column, key, rows=model._base_manager.all())
        sql, params = rows.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert f"Bitmap Index Scan on {index}" in plan, plan


@pytest.fixture
def a_city_of_persons(personas: Personas) -> None:
    """2,000 persons and family members of different names, analyzed: the municipality
    alone selects them all."""
    city = personas.municipality
    hiragana = [chr(c) for c in range(ord("ぁ"), ord("ゖ"))]
    with scope(municipality=city):
        Person.all_objects.bulk_create(
            Person(
                municipality=city,
                number=n,
                name_key=chr(ord("一") + n) * 2,  # 2,000 different names, as in a city
                kana_key=hiragana[n % 85] + hiragana[n // 85],
            )
            for n in range(1, 2001)
        )
        FamilyMember.objects.bulk_create(
            FamilyMember(
                municipality=city,
                person=person,
                relation="sibling",
                name_key=chr(ord("丁") + person.number) + hiragana[person.number % 85],
            )
            for person in Person.all_objects.filter(municipality=city)
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE people_person")
        cursor.execute("ANALYZE people_familymember")


@pytest.mark.parametrize(
    ("key", "position", "index"),
    [
        ("佐藤", 0, "person_name_key_short"),
        ("林", 1, "person_kana_key_short"),
        ("はや", 2, "family_name_key_short"),
    ],
)
def test_each_short_key_branch_inside_a_name_matches_its_index(
    personas: Personas, a_city_of_persons: None, key: str, position: int, index: str
) -> None:
    # Tiny tables are cheapest to scan, so sequential and plain index scans are switched off:
    # what is left are bitmaps, and what is checked is that the condition the search writes
    # (on the persons the policy lets the member see) is one the GIN index can answer.
    with scope(municipality=personas.municipality):
        search = person_search(viewer=personas.members["lead"], query=key)
        assert isinstance(search, PersonSearch)
        branches = search.branches
        sql, params = branches.sql(branches.inside[position], None, newest_first=False)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
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


def test_exact_and_prefix_names_have_covering_pattern_indexes_of_live_persons(db: None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE '%%_key_prefix' "
            "ORDER BY 1"
        )
        rows = cursor.fetchall()
    assert [name for name, _ in rows] == ["person_kana_key_prefix", "person_name_key_prefix"]
    for _name, definition in rows:
        assert "varchar_pattern_ops, number DESC) INCLUDE (id)" in definition
        assert "WHERE (merged_into_id IS NULL)" in definition


@pytest.mark.parametrize(
    ("query", "position", "index"),
    [
        ("佐藤", 0, "person_name_key_prefix"),
        ("高橋", 0, "person_name_key_prefix"),
        ("ｻﾄｳ ｹﾝﾀ", 1, "person_kana_key_prefix"),
        ("さと", 1, "person_kana_key_prefix"),
    ],
)
def test_the_prefix_branches_are_range_scans_of_the_pattern_indexes(
    personas: Personas, a_city_of_persons: None, query: str, position: int, index: str
) -> None:
    # With the branch's order the planner may rather walk persons newest first (as it does for
    # 佐藤 at full scale); without it, and with sequential scans and bitmaps off, what is
    # checked is that `key LIKE 'prefix%'` is a range of the pattern index, read alone.
    lead = personas.members["lead"]
    with scope(municipality=personas.municipality):
        search = person_search(viewer=lead, query=query)
        assert isinstance(search, PersonSearch)
        branches = search.branches
        sql, params = branches.sql(branches.prefix[position], None, newest_first=False)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert f"Index Only Scan using {index}" in plan, plan
    assert "~>=~" in plan and "~<~" in plan, plan  # the prefix is a range of the index
