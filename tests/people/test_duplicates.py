"""Likely duplicates found on registration and listed for the lead; merging moves everything
to the survivor, is in the change history, and can be undone."""

import json
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django_scopes import scope

from tests.conftest import Personas
from tests.people.helpers import make_case, make_consultation, make_person
from tsunagu.audit.models import ChangeRecord
from tsunagu.cases.models import Case
from tsunagu.consultations.models import Consultation
from tsunagu.people import selectors, services
from tsunagu.people.models import FamilyMember, Person


def family(person: Person, **fields: Any) -> FamilyMember:
    with scope(municipality=person.municipality):
        return services.family_member_create(actor=None, person=person, **fields)


def test_the_same_name_in_another_script_is_a_likely_duplicate(personas: Personas) -> None:
    first = make_person(personas.municipality, name="髙橋 一郎", name_kana="タカハシ イチロウ")
    second = make_person(personas.municipality, name_kana="たかはし いちろう")
    unrelated = make_person(personas.municipality, name="佐藤 花子")
    with scope(municipality=personas.municipality):
        found = selectors.possible_duplicates(viewer=personas.members["lead"], person=second)
    assert found == [first]
    assert unrelated not in found


def test_a_birth_date_counts_only_with_a_similar_name(personas: Personas) -> None:
    born = date(1990, 5, 1)
    similar = make_person(personas.municipality, name="山田 太郎", birth_date=born)
    make_person(personas.municipality, name="鈴木 次郎", birth_date=born)
    new = make_person(personas.municipality, name="山田 太朗", birth_date=born)
    with scope(municipality=personas.municipality):
        assert selectors.possible_duplicates(viewer=personas.members["lead"], person=new) == [
            similar
        ]


def test_a_shared_contact_phone_is_a_likely_duplicate_and_listed_as_a_pair(
    personas: Personas,
) -> None:
    first = make_person(personas.municipality, name="山田 太郎")
    second = make_person(personas.municipality, name="やまだ")
    family(first, name="山田 花子", relation="mother", phone="090-1234-5678")
    family(second, name="花子", relation="mother", phone="０９０１２３４５６７８")
    with scope(municipality=personas.municipality):
        lead = personas.members["lead"]
        assert selectors.possible_duplicates(viewer=lead, person=second) == [first]
        [pair] = selectors.duplicate_pairs(viewer=lead)
    assert (pair.first, pair.second) == (first, second)
    assert "同じ" in "".join(pair.reasons) or "same" in "".join(pair.reasons)


def test_candidates_are_only_those_the_caller_may_see(personas: Personas) -> None:
    hidden = make_person(personas.municipality, name="山田 太郎")
    make_case(hidden, primary=personas.members["lead"], is_shared=False)
    new = make_person(personas.municipality, name="山田 太郎")
    with scope(municipality=personas.municipality):
        assert selectors.possible_duplicates(viewer=personas.members["counselor"], person=new) == []
        assert selectors.possible_duplicates(viewer=personas.members["lead"], person=new) == [
            hidden
        ]


def test_post_persons_answers_with_possible_duplicates(personas: Personas) -> None:
    existing = make_person(personas.municipality, name="山田 太郎", name_kana="ヤマダ タロウ")
    client = Client(headers={"Authorization": f"Bearer {personas.token('lead')}"})
    url = f"/api/v1/m/{personas.municipality.code}/persons"
    body = {"name": "山田　太郎"}
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 201
    assert response.json()["possible_duplicates"] == [
        {"id": existing.pk, "number": existing.number}
    ]
    alone = client.post(url, json.dumps({"name": "別人"}), content_type="application/json")
    assert alone.json()["possible_duplicates"] == []


def test_registering_on_the_screen_warns_of_a_likely_duplicate(personas: Personas) -> None:
    existing = make_person(personas.municipality, name="山田 太郎")
    client = personas.client("counselor")
    response = client.post(
        personas.url("persons/new/"), {"name": "山田太郎", "gender": "unknown"}, follow=True
    )
    assert f"No.{existing.number}" in response.content.decode()


@pytest.fixture
def two_records(personas: Personas) -> tuple[Person, Person, Case, Consultation, FamilyMember]:
    m = personas.municipality
    counselor = personas.members["counselor"]
    survivor = make_person(m, name="山田 太郎", name_kana="ヤマダ")
    merged = make_person(m, name_kana="ヤマダ", birth_date=date(1990, 5, 1), district="沓掛")
    case = make_case(merged, primary=counselor)
    call = make_consultation(m, person=merged, case=case, staff=counselor, summary="母から")
    contact = family(merged, name="山田 花子", relation="mother")
    return survivor, merged, case, call, contact


def test_a_merge_moves_everything_and_an_undo_takes_it_back(
    personas: Personas, two_records: tuple[Person, Person, Case, Consultation, FamilyMember]
) -> None:
    survivor, merged, case, call, contact = two_records
    lead = personas.members["lead"]
    with scope(municipality=personas.municipality):
        merge = services.person_merge(
            actor=lead, survivor=survivor, merged=merged, reason="同一人物（家族の申出）"
        )
        survivor.refresh_from_db()
        assert Case.objects.get(pk=case.pk).person_id == survivor.pk
        assert survivor.consultations.get().pk == call.pk
        assert FamilyMember.objects.get(pk=contact.pk).person_id == survivor.pk
        assert (survivor.birth_date, survivor.district, survivor.name) == (
            date(1990, 5, 1),
            "沓掛",
            "山田 太郎",
        )
        assert not Person.objects.filter(pk=merged.pk).exists()  # gone from every list
        assert ChangeRecord.objects.filter(person_ref=merged.pk).exists()
        services.person_merge_undo(actor=lead, merge=merge)
        survivor.refresh_from_db()
        assert Case.objects.get(pk=case.pk).person_id == merged.pk
        assert Person.objects.get(pk=merged.pk).consultations.get().pk == call.pk
        assert (survivor.birth_date, survivor.district) == (None, "")
        with pytest.raises(ValidationError):
            services.person_merge_undo(actor=lead, merge=merge)


def test_two_open_cases_need_the_leads_word(
    personas: Personas, two_records: tuple[Person, Person, Case, Consultation, FamilyMember]
) -> None:
    survivor, merged, *_ = two_records
    make_case(survivor, primary=personas.members["counselor"])
    with scope(municipality=personas.municipality):
        with pytest.raises(ValidationError) as refused:
            services.person_merge(actor=None, survivor=survivor, merged=merged, reason="同一人物")
        assert "allow_two_open_cases" in refused.value.message_dict
        services.person_merge(
            actor=None,
            survivor=survivor,
            merged=merged,
            reason="同一人物、二つの支援を継続",
            allow_two_open_cases=True,
        )
        assert Case.objects.filter(person=survivor, closed_on__isnull=True).count() == 2


def test_the_lead_merges_on_the_screen_and_undoes_it(
    personas: Personas, two_records: tuple[Person, Person, Case, Consultation, FamilyMember]
) -> None:
    survivor, merged, case, *_ = two_records
    client = personas.client("lead")
    listing = client.get(personas.url("persons/duplicates/")).content.decode()
    assert f'data-pair="{survivor.pk}-{merged.pk}"' in listing
    url = personas.url(f"persons/{survivor.pk}/merge/?with={merged.pk}")
    assert client.get(url).status_code == 200
    refused = client.post(url, {"survivor": survivor.pk, "reason": ""})
    assert refused.status_code == 200
    done = client.post(url, {"survivor": survivor.pk, "reason": "同一人物"})
    assert done.status_code == 302
    with scope(municipality=personas.municipality):
        assert Case.objects.get(pk=case.pk).person_id == survivor.pk
    assert client.get(personas.url(f"persons/{merged.pk}/")).status_code == 404
    listing = client.get(personas.url("persons/duplicates/")).content.decode()
    assert "data-merge=" in listing
    with scope(municipality=personas.municipality):
        from tsunagu.people.models import PersonMerge

        merge = PersonMerge.objects.get()
    undo = client.post(personas.url(f"persons/merges/{merge.pk}/undo/"))
    assert undo.status_code == 302
    assert client.get(personas.url(f"persons/{merged.pk}/")).status_code == 200


def test_a_counselor_may_not_merge(
    personas: Personas, two_records: tuple[Person, Person, Case, Consultation, FamilyMember]
) -> None:
    survivor, merged, *_ = two_records
    client = personas.client("counselor")
    assert client.get(personas.url("persons/duplicates/")).status_code == 403
    url = personas.url(f"persons/{survivor.pk}/merge/?with={merged.pk}")
    assert client.post(url, {"survivor": survivor.pk, "reason": "x"}).status_code == 403
