from datetime import date, time, timedelta

import pytest
from django_scopes import scope

from tests.conftest import Personas
from tests.people.helpers import make_case, make_person
from tsunagu.people import services
from tsunagu.people.selectors import CappedPaginator, person_search
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
