from django_scopes import scope

from tests.conftest import Personas
from tests.people.helpers import make_person
from tsunagu.people import services
from tsunagu.people.models import FamilyMember


def test_it_numbers_persons_in_order_within_each_municipality(personas: Personas) -> None:
    first = make_person(personas.municipality)
    second = make_person(personas.municipality, name="佐藤")
    elsewhere = make_person(personas.outsider)
    third = make_person(personas.municipality)
    assert [first.number, second.number, third.number] == [1, 2, 3]
    assert elsewhere.number == 1


def test_it_stores_search_keys_in_one_script(personas: Personas) -> None:
    person = make_person(personas.municipality, name="髙橋 一郎", name_kana="ﾀｶﾊｼ ｲﾁﾛｳ")
    assert person.name_key == "高橋一郎"
    assert person.kana_key == "たかはしいちろう"


def test_it_updates_the_search_keys_when_the_name_changes(personas: Personas) -> None:
    person = make_person(personas.municipality, name="山田")
    with scope(municipality=personas.municipality):
        services.person_update(actor=None, person=person, name="ヤマモト")
    assert person.name_key == "やまもと"


def test_a_family_member_is_found_by_name_and_by_a_blind_phone_index(personas: Personas) -> None:
    person = make_person(personas.municipality)
    with scope(municipality=personas.municipality):
        services.family_member_create(
            actor=None, person=person, relation="mother", name="山田花子", phone="090-1234-5678"
        )
        member = FamilyMember.objects.get()
    assert member.name_key == "山田花子"
    assert member.phone_index and member.phone_index != "09012345678"
