from datetime import date

from django_scopes import scope

from tests.conftest import Personas
from tsunagu.cases.models import Case
from tsunagu.cases.services import case_open
from tsunagu.people.models import Person
from tsunagu.people.services import person_create


def open_case(personas: Personas) -> tuple[Person, Case]:
    with scope(municipality=personas.municipality):
        person = person_create(actor=None, municipality=personas.municipality, name="架空 次郎")
        case = case_open(
            actor=None,
            person=person,
            opened_on=date(2026, 4, 1),
            referral_source="self",
            primary=personas.members["counselor"],
        )
    return person, case


def test_the_lead_reaches_the_change_history_from_the_case_page(personas: Personas) -> None:
    _person, case = open_case(personas)
    history = f"/m/232297/audit/cases/{case.pk}/history/"
    assert (
        history in personas.client("lead").get(personas.url(f"cases/{case.pk}/")).content.decode()
    )
    counselor_page = personas.client("counselor").get(personas.url(f"cases/{case.pk}/"))
    assert history not in counselor_page.content.decode()


def test_the_lead_reaches_who_saw_a_person_from_the_person_page(personas: Personas) -> None:
    person, _case = open_case(personas)
    access = f"/m/232297/audit/persons/{person.pk}/access/"
    page = personas.client("lead").get(personas.url(f"persons/{person.pk}/")).content.decode()
    assert access in page
    counselor_page = personas.client("counselor").get(personas.url(f"persons/{person.pk}/"))
    assert access not in counselor_page.content.decode()
