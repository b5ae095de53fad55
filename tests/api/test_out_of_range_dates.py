"""Dates Tsunagu cannot record (year 1, year 9999) are input errors, never a server error."""

from django.test import Client
from django_scopes import scope

from tests.conftest import Personas
from tsunagu.consultations.models import Consultation


def test_screens_answer_out_of_range_dates_with_a_message(personas: Personas) -> None:
    client = personas.client("lead")
    for path in (
        "statistics/?from=9999-12-30&to=9999-12-31",
        "statistics/?from=0001-01-01&to=0001-12-31",
        "consultations/?date_from=0001-01-01&date_to=9999-12-31",
    ):
        response = client.get(personas.url(path))
        assert response.status_code in (200, 400), path
        assert "対応範囲外" in response.content.decode() or response.status_code == 400, path
    export = client.post(personas.url("statistics/export.csv?from=9999-12-30&to=9999-12-31"))
    assert export.status_code == 400 and "対応範囲外" in export.content.decode()


def test_quick_entry_refuses_year_one_and_keeps_what_was_typed(personas: Personas) -> None:
    response = personas.client("counselor").post(
        personas.url("consultations/new/"),
        {
            "channel": "phone",
            "consulter": "self",
            "occurred_at": "0001-01-01T00:00",
            "summary": "残したい内容",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "対応範囲外" in page and "残したい内容" in page
    with scope(municipality=personas.municipality):
        assert not Consultation.objects.exists()


def test_the_api_answers_422_naming_the_field(personas: Personas) -> None:
    api = Client(headers={"Authorization": f"Bearer {personas.token('lead')}"})
    response = api.post(
        "/api/v1/m/232297/consultations",
        {"occurred_at": "0001-01-01T00:00:00+09:00", "channel": "phone", "consulter": "self"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["occurred_at"]
    stats = api.get("/api/v1/m/232297/stats/consultations?from=9999-12-30&to=9999-12-31")
    assert stats.status_code == 422
    listed = api.get("/api/v1/m/232297/consultations?from=0001-01-01&to=9999-12-31")
    assert listed.status_code == 422
