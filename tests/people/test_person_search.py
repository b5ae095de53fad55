from datetime import date, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope, scopes_disabled

from tests.conftest import Personas
from tests.people.helpers import make_case, make_person
from tsunagu.audit.models import AccessLogEntry
from tsunagu.core.paging import CappedPaginator, capped_count
from tsunagu.people import services
from tsunagu.people.models import Person
from tsunagu.people.selectors import person_search
from tsunagu.places import services as place_services
from tsunagu.tenancy.models import Membership


def _numbers(member: Membership, query: str) -> list[int]:
    with scope(municipality=member.municipality):
        return [p.number for p in person_search(viewer=member, query=query)]


@pytest.fixture
def names(personas: Personas) -> dict[str, int]:
    yamada = make_person(personas.municipality, name="山田太郎", name_kana="ヤマダ タロウ")
    takahashi = make_person(personas.municipality, name="髙橋一郎", name_kana="タカハシ イチロウ")
    make_person(personas.municipality, name="佐藤", name_kana="サトウ")
    return {"yamada": yamada.number, "takahashi": takahashi.number}


@pytest.mark.parametrize("query", ["山田", "やまだ", "ヤマダ", "ﾔﾏﾀﾞ", "山田 太郎", "やまだたろう"])
def test_it_finds_a_name_in_any_script_or_width(
    personas: Personas, names: dict[str, int], query: str
) -> None:
    assert _numbers(personas.members["lead"], query) == [names["yamada"]]


@pytest.mark.parametrize("query", ["髙橋", "高橋", "たかはし", "ﾀｶﾊｼ", "タカハシ　イチロウ"])
def test_it_finds_variant_kanji_and_kana(
    personas: Personas, names: dict[str, int], query: str
) -> None:
    assert _numbers(personas.members["lead"], query) == [names["takahashi"]]


@pytest.mark.parametrize("query", ["2", "２", "No.2"])
def test_a_number_finds_the_person_with_that_number(
    personas: Personas, names: dict[str, int], query: str
) -> None:
    assert names["takahashi"] == 2
    assert 2 in _numbers(personas.members["lead"], query)


def test_it_finds_a_person_by_a_family_members_name(
    personas: Personas, names: dict[str, int]
) -> None:
    person = make_person(personas.municipality)
    with scope(municipality=personas.municipality):
        services.family_member_create(
            actor=None, person=person, relation="mother", name="鈴木花子", name_kana="スズキハナコ"
        )
    assert _numbers(personas.members["lead"], "すずき") == [person.number]
    assert _numbers(personas.members["lead"], "花子") == [person.number]


def test_an_empty_query_lists_every_visible_person_newest_first(
    personas: Personas, names: dict[str, int]
) -> None:
    assert _numbers(personas.members["lead"], "") == [3, 2, 1]


def test_it_never_finds_another_municipalitys_person(
    personas: Personas, names: dict[str, int]
) -> None:
    make_person(personas.outsider, name="山田次郎")
    assert _numbers(personas.members["lead"], "山田") == [names["yamada"]]


def test_a_counselor_does_not_find_a_person_of_an_unshared_case_of_someone_else(
    personas: Personas,
) -> None:
    hidden = make_person(personas.municipality, name="山田秘")
    make_case(hidden, primary=personas.members["lead"], is_shared=False)
    assert _numbers(personas.members["counselor"], "山田") == []
    assert _numbers(personas.members["lead"], "山田") == [hidden.number]


def test_a_partner_finds_only_persons_who_consented_to_its_organization(personas: Personas) -> None:
    consented = make_person(personas.municipality, name="山田一")
    make_person(personas.municipality, name="山田二")
    partner = personas.members["partner"]
    assert partner.organization is not None
    with scope(municipality=personas.municipality):
        services.consent_record(
            actor=personas.members["lead"],
            person=consented,
            organizations=[partner.organization],
            purposes="就労支援",
            valid_from=date(2020, 1, 1),
            valid_until=None,
            form="written",
        )
    assert _numbers(partner, "山田") == [consented.number]


def test_a_professional_finds_only_persons_of_cases_booked_with_it(personas: Personas) -> None:
    booked = make_person(personas.municipality, name="山田一")
    case = make_case(booked, primary=personas.members["counselor"])
    make_case(
        make_person(personas.municipality, name="山田二"), primary=personas.members["counselor"]
    )
    with scope(municipality=personas.municipality):
        day = place_services.place_create(
            actor=None,
            municipality_id=personas.municipality.pk,
            name="相談日",
            kind="consultation",
            rules=[place_services.RuleIn("FREQ=DAILY", time(13), time(14), "keep")],
        )
        place_services.sessions_ensure(day, date.today() + timedelta(days=3))
        session = day.sessions.select_related("place").first()
        assert session is not None
        place_services.booking_create(
            actor=None,
            session=session,
            start=time(13),
            case=case,
            professional=personas.members["professional"],
        )
    assert _numbers(personas.members["professional"], "山田") == [booked.number]


@pytest.mark.parametrize("query", ["田", "田太", "やま", "ﾀﾛ"])
def test_one_and_two_character_keys_find_a_name_from_the_middle(
    personas: Personas, names: dict[str, int], query: str
) -> None:
    assert _numbers(personas.members["lead"], query) == [names["yamada"]]


def test_exact_names_come_first_then_names_starting_with_the_key(personas: Personas) -> None:
    city = personas.municipality
    inside = make_person(city, name="小佐藤", name_kana="コサトウ").number
    starting = make_person(city, name="佐藤花子", name_kana="サトウ ハナコ").number
    exact = make_person(city, name="佐藤", name_kana="サトウ").number
    newer_inside = make_person(city, name="大佐藤", name_kana="オオサトウ").number
    assert _numbers(personas.members["lead"], "佐藤") == [exact, starting, newer_inside, inside]
    assert _numbers(personas.members["lead"], "さとう") == [exact, starting, newer_inside, inside]


def test_the_person_with_the_number_comes_before_names_containing_it(personas: Personas) -> None:
    city = personas.municipality
    first = make_person(city, name="太郎").number
    make_person(city, name="次郎")
    containing = make_person(city, name="第1班").number
    assert _numbers(personas.members["lead"], "1") == [first, containing]


def test_a_family_member_match_is_intersected_with_what_the_viewer_may_see(
    personas: Personas,
) -> None:
    hidden = make_person(personas.municipality)
    make_case(hidden, primary=personas.members["lead"], is_shared=False)
    with scope(municipality=personas.municipality):
        services.family_member_create(
            actor=None, person=hidden, relation="mother", name="林花子", name_kana="ハヤシハナコ"
        )
    assert _numbers(personas.members["counselor"], "林") == []
    assert _numbers(personas.members["lead"], "林") == [hidden.number]


def test_the_count_stops_at_the_cap_and_says_there_are_more(personas: Personas) -> None:
    for n in range(4):
        make_person(personas.municipality, name=f"山田{n}")
    member = personas.members["lead"]
    with scope(municipality=member.municipality):
        rows = person_search(viewer=member, query="山田")
        capped = CappedPaginator(rows, 2, cap=3)
        assert (capped.count, capped.more, capped.num_pages) == (3, True, 2)
        assert len(capped.page(2).object_list) == 1
        exact = CappedPaginator(rows, 2, cap=4)
        assert (exact.count, exact.more) == (4, False)


# The search reads exact and prefix matches first and names containing the key only when
# those do not fill the page (tsunagu.people.selectors.PersonSearch).


@pytest.fixture
def ranked(personas: Personas) -> dict[str, int]:
    """Persons of every rank for the key 林 / はやし, oldest first (numbers 1..7)."""
    city = personas.municipality
    numbers = {
        "inside_old": make_person(city, name="小林一郎", name_kana="コバヤシ イチロウ").number,
        "exact_old": make_person(city, name="林", name_kana="ハヤシ").number,
        "prefix_old": make_person(city, name="林花子", name_kana="ハヤシ ハナコ").number,
        "family": make_person(city, name="山田一", name_kana="ヤマダ ハジメ").number,
        "exact_kana": make_person(city, name="", name_kana="ﾊﾔｼ").number,
        "prefix_new": make_person(city, name="林次郎", name_kana="ハヤシ ジロウ").number,
        "inside_new": make_person(city, name="若林三郎", name_kana="ワカバヤシ サブロウ").number,
    }
    with scope(municipality=city):
        person = Person.objects.get(municipality=city, number=numbers["family"])
        for name in ("林花子", "林太郎"):  # two family members: the person is still one match
            services.family_member_create(
                actor=None, person=person, relation="sibling", name=name, name_kana=""
            )
    make_person(personas.outsider, name="林", name_kana="ハヤシ")
    return numbers


def _order(numbers: dict[str, int], *names: str) -> list[int]:
    return [numbers[name] for name in names]


def test_ranks_exact_then_prefix_then_inside_newest_first_in_any_script(
    personas: Personas, ranked: dict[str, int]
) -> None:
    lead = personas.members["lead"]
    by_name = _order(
        ranked, "exact_old", "prefix_new", "prefix_old", "inside_new", "family", "inside_old"
    )
    assert _numbers(lead, "林") == by_name
    # はやし: the kana of the same persons and a kana-only exact name (こばやし has ば: no).
    by_kana = _order(ranked, "exact_kana", "exact_old", "prefix_new", "prefix_old")
    assert _numbers(lead, "はやし") == by_kana
    assert _numbers(lead, "ﾊﾔｼ") == by_kana
    assert _numbers(lead, "ハヤシ") == by_kana
    assert _numbers(lead, "ﾊﾞﾔｼ") == _order(ranked, "inside_new", "inside_old")


def test_every_slice_of_the_results_is_the_slice_of_the_whole_order(
    personas: Personas, ranked: dict[str, int]
) -> None:
    lead = personas.members["lead"]
    with scope(municipality=personas.municipality):
        results = person_search(viewer=lead, query="林")
        whole = [p.number for p in results]
        assert len(whole) == 6
        for low in range(7):
            for high in range(low, 8):
                assert [p.number for p in results[low:high]] == whole[low:high], (low, high)
        assert [p.number for p in results[1:][1:3]] == whole[2:4]
        assert results[3].number == whole[3]
        assert (results.count(), results[2:].count(), results[1:3].count()) == (6, 4, 2)


@pytest.mark.parametrize("cap", [1, 2, 3, 5, 6, 7])
def test_the_capped_count_counts_each_person_once_across_keys(
    personas: Personas, ranked: dict[str, int], cap: int
) -> None:
    lead = personas.members["lead"]
    with scope(municipality=personas.municipality):
        rows = person_search(viewer=lead, query="林")
        # 6 persons: 林 matches the name of five, and two family members of one more.
        assert CappedPaginator(rows, 2, cap=cap).count == min(6, cap)
        assert CappedPaginator(rows, 2, cap=cap).more is (cap < 6)


@pytest.mark.postgres  # SQLite has no indexes for the branches: it reads all in one scan
def test_names_inside_are_not_read_when_exact_and_prefix_matches_fill_the_page(
    personas: Personas, ranked: dict[str, int]
) -> None:
    lead = personas.members["lead"]
    with scope(municipality=personas.municipality):
        rows = person_search(viewer=lead, query="林")
        with CaptureQueriesContext(connection) as queries:
            page = [p.number for p in rows[:3]]
            count = capped_count(rows, 2)
        assert page == _order(ranked, "exact_old", "prefix_new", "prefix_old")
        assert count == (2, True)
        assert not any("familymember" in q["sql"] for q in queries.captured_queries)
        assert len(queries.captured_queries) == 2  # the page, ranked; a count of prefixes
        with CaptureQueriesContext(connection) as queries:
            assert [p.number for p in rows[3:5]] == _order(ranked, "inside_new", "family")
        assert any("familymember" in q["sql"] for q in queries.captured_queries)


def test_a_number_ranks_first_and_is_counted_once(personas: Personas) -> None:
    city = personas.municipality
    first = make_person(city, name="一郎").number
    named = make_person(city, name="第1班").number
    lead = personas.members["lead"]
    assert _numbers(lead, "1") == [first, named]
    assert _numbers(lead, "１") == [first, named]
    with scope(municipality=city):
        assert capped_count(person_search(viewer=lead, query="1"), 5) == (2, False)
        assert capped_count(person_search(viewer=lead, query="No.1"), 5) == (1, False)


def test_the_screen_pages_across_ranks_and_logs_what_it_shows(
    personas: Personas, ranked: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tsunagu.people import views

    monkeypatch.setattr(views, "PAGE_SIZE", 4)
    client = personas.client("lead")
    page = client.get(personas.url("persons/"), {"q": "林", "page": "2"}).content.decode()
    assert "2 / 2" in page and "件以上" not in page
    with scopes_disabled():
        entry = AccessLogEntry.objects.filter(action="search").order_by("seq").last()
        assert entry is not None
        logged = {o["id"] for o in entry.objects_seen}
        shown = set(
            Person.objects.filter(
                municipality=personas.municipality,
                number__in=_order(ranked, "family", "inside_old"),
            ).values_list("pk", flat=True)
        )
    # The second page: the last two of the six, by rank then newest first, and only they.
    assert logged == shown


@pytest.mark.postgres  # the window is a PostgreSQL plan (SQLite reads all in one scan)
@pytest.mark.parametrize("window", [1, 2, 3, 6, 100])
def test_names_inside_looked_for_among_the_newest_first_give_the_same_order(
    personas: Personas, ranked: dict[str, int], monkeypatch: pytest.MonkeyPatch, window: int
) -> None:
    from tsunagu.people import selectors

    monkeypatch.setattr(selectors, "WINDOW", window)
    expected = _order(
        ranked, "exact_old", "prefix_new", "prefix_old", "inside_new", "family", "inside_old"
    )
    lead = personas.members["lead"]
    with scope(municipality=personas.municipality):
        results = person_search(viewer=lead, query="林")
        for high in range(1, 8):
            assert [p.number for p in results[:high]] == expected[:high], high
        assert [p.number for p in results[4:]] == expected[4:]


def test_a_member_who_may_see_no_one_finds_no_one(
    personas: Personas, ranked: dict[str, int]
) -> None:
    lead = personas.members["lead"]
    lead.is_active = False
    with scope(municipality=personas.municipality):
        results = person_search(viewer=lead, query="林")
        assert list(results[:50]) == [] and list(results) == []
        assert CappedPaginator(results, 50).count == 0
        assert results.count() == 0
