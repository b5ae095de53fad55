"""A NUL character anywhere in input is refused or ignored, never a server error (PostgreSQL
cannot store it, so this runs on both databases)."""

from django.test import Client

from tests.conftest import Personas


def test_a_search_with_a_nul_character_finds_nothing_instead_of_failing(personas: Personas) -> None:
    client = personas.client("lead")
    assert client.get(personas.url("persons/?q=%00")).status_code == 200
    assert client.get(personas.url("consultations/new/persons/?q=a%00b")).status_code == 200


def test_the_api_refuses_a_nul_character_naming_the_field(personas: Personas) -> None:
    api = Client(headers={"Authorization": f"Bearer {personas.token('lead')}"})
    assert api.get("/api/v1/m/232297/persons?q=%00").status_code == 200
    response = api.post(
        "/api/v1/m/232297/persons", {"name": "架空\x00"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "name", "message": "must not contain NUL characters"}
    ]


def test_list_screens_survive_nul_characters_in_every_filter(personas: Personas) -> None:
    client = personas.client("lead")
    junk = "q=%00&channel=%00&stage=%00&from=%00&to=%00&member=%00&start=%00&end=%00&page=%00"
    for path in ("persons/", "cases/", "consultations/", "statistics/", "audit/users/access/"):
        status = client.get(personas.url(f"{path}?{junk}")).status_code
        assert status in (200, 400), f"{path}: {status}"
    api = Client(headers={"Authorization": f"Bearer {personas.token('lead')}"})
    for path in ("persons", "cases", "consultations", "stats/consultations"):
        status = api.get(f"/api/v1/m/232297/{path}?{junk}&stage=%00&fiscal_year=%00").status_code
        assert status in (200, 422), f"{path}: {status}"
