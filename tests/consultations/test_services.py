from collections.abc import Callable
from datetime import datetime

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scope

from tests.conftest import Personas
from tsunagu.cases.models import Case
from tsunagu.consultations.models import Consultation
from tsunagu.consultations.services import (
    consultation_build,
    consultation_bulk_create,
    local_month,
)
from tsunagu.core.eras import TOKYO
from tsunagu.people.services import person_create


def test_it_records_a_call_about_an_unknown_person(
    in_toyoake: Personas, record: Callable[..., Consultation]
) -> None:
    consultation = record(consulter="anonymous", summary="匿名の電話")
    consultation.refresh_from_db()
    assert consultation.person is None
    assert consultation.summary == "匿名の電話"
    assert Consultation.objects.count() == 1


def test_it_files_a_call_just_after_midnight_in_tokyo_under_that_month(
    in_toyoake: Personas, record: Callable[..., Consultation]
) -> None:
    consultation = record(occurred_at=datetime(2018, 5, 1, 0, 5, tzinfo=TOKYO))
    assert consultation.local_month == "2018-05"
    assert local_month(datetime(2018, 5, 1, 0, 5, tzinfo=TOKYO)) == "2018-05"


def test_it_drops_the_relation_unless_the_family_consulted(
    in_toyoake: Personas, record: Callable[..., Consultation]
) -> None:
    consultation = record(consulter="self", consulter_relation="mother")
    assert consultation.consulter_relation == ""


def test_it_takes_the_person_from_the_case(
    in_toyoake: Personas, record: Callable[..., Consultation], case: Case
) -> None:
    consultation = record(case=case)
    assert consultation.person_id == case.person_id


def test_it_refuses_a_case_of_another_person(
    in_toyoake: Personas, record: Callable[..., Consultation], case: Case
) -> None:
    other = person_create(actor=None, municipality=in_toyoake.municipality, name="佐藤")
    with pytest.raises(ValidationError) as error:
        record(case=case, person=other)
    assert "case" in error.value.message_dict


def test_it_refuses_an_unknown_channel_code(
    in_toyoake: Personas, record: Callable[..., Consultation]
) -> None:
    with pytest.raises(ValidationError) as error:
        record(channel="fax")
    assert "channel" in error.value.message_dict


def test_it_refuses_a_person_of_another_municipality(
    personas: Personas, record: Callable[..., Consultation], in_toyoake: Personas
) -> None:
    with scope(municipality=personas.outsider):
        stranger = person_create(actor=None, municipality=personas.outsider, name="三好")
    with pytest.raises(ValueError):
        record(person=stranger)


def test_bulk_create_saves_all_built_consultations(in_toyoake: Personas) -> None:
    built = [
        consultation_build(
            actor=None,
            municipality=in_toyoake.municipality,
            occurred_at=datetime(2018, 4, day, tzinfo=TOKYO),
            channel="walk_in",
            consulter="self",
        )
        for day in range(1, 11)
    ]
    assert consultation_bulk_create(consultations=built, batch_size=3) == 10
    assert Consultation.objects.filter(channel="walk_in").count() == 10
