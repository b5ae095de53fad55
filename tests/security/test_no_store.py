"""Pages, API answers and exports with personal data tell browsers and proxies not to keep
them (`Cache-Control: no-store`)."""

from django.http import HttpResponseBase
from django.test import Client
from django_scopes import scope

from tests.conftest import Personas
from tests.exporting import export as through_the_queue
from tsunagu.people.services import person_create


def no_store(response: HttpResponseBase) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_a_person_page_an_export_and_an_api_answer_are_not_stored(personas: Personas) -> None:
    with scope(municipality=personas.municipality):
        person = person_create(actor=None, municipality=personas.municipality, name="架空 太郎")
    lead = personas.client("lead")
    page = lead.get(personas.url(f"persons/{person.pk}/"))
    assert page.status_code == 200 and no_store(page)
    export = through_the_queue(lead, personas.url("statistics/export.csv?fiscal_year=2018"))
    assert export.status_code == 200 and no_store(export)
    api = Client().get(
        f"/api/v1/m/{personas.municipality.code}/persons/{person.pk}",
        headers={"Authorization": f"Bearer {personas.token('lead')}"},
    )
    assert api.status_code == 200 and no_store(api)


def test_an_api_refusal_is_not_stored_either(personas: Personas) -> None:
    response = Client().get("/api/v1/municipalities")
    assert response.status_code == 401 and no_store(response)
