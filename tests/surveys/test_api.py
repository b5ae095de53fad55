"""The surveys API as CONTRACT.md writes it, and the demo's round of 総社市."""

from datetime import date

from django.test import Client
from django_scopes import scope

from tests.conftest import Personas
from tsunagu.surveys import services


def api(personas: Personas, role: str, *, outsider: bool = False) -> Client:
    return Client(headers={"Authorization": f"Bearer {personas.token(role, outsider=outsider)}"})


def base(personas: Personas) -> str:
    return f"/api/v1/m/{personas.municipality.code}/surveys"


def districts(personas: Personas, *names: str) -> None:
    with scope(municipality=personas.municipality):
        for name in names:
            services.district_save(actor=personas.members["lead"], name=name)


def test_a_round_covers_every_district_and_counts_what_was_answered(personas: Personas) -> None:
    districts(personas, "北", "南", "東")
    created = api(personas, "lead").post(
        base(personas),
        {"name": "第1回", "conducted_on": "2016-01-15"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    survey_id = created.json()["id"]
    with scope(municipality=personas.municipality):
        from tsunagu.surveys.models import DistrictAnswer

        north = DistrictAnswer.objects.get(survey_id=survey_id, district__name="北")
        services.answer_record(
            actor=personas.members["lead"],
            answer=north,
            counts={"20_39": {"male": 3, "female": 1}, "40_64": {"male": 2}},
            durations={"1_3": 2, "10_plus": 4},
            known_to_center=2,
            answered_on=date(2016, 1, 28),
        )
    detail = api(personas, "counselor").get(f"{base(personas)}/{survey_id}").json()
    assert detail["total"] == 6
    assert detail["districts"] == [
        {"name": "北", "count": 6, "responded": True},
        {"name": "南", "count": 0, "responded": False},
        {"name": "東", "count": 0, "responded": False},
    ]


def test_an_unknown_district_is_422_naming_the_field(personas: Personas) -> None:
    districts(personas, "北")
    response = api(personas, "lead").post(
        base(personas),
        {"name": "x", "conducted_on": "2016-01-15", "districts": ["北", "西"]},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "districts"


def test_roles_and_municipalities(personas: Personas) -> None:
    districts(personas, "北")
    for role in ("professional", "partner", "place_staff", "committee"):
        assert api(personas, role).get(base(personas)).status_code == 403
    assert (
        api(personas, "counselor")
        .post(
            base(personas),
            {"name": "x", "conducted_on": "2016-01-15"},
            content_type="application/json",
        )
        .status_code
        == 403
    )
    assert api(personas, "lead", outsider=True).get(base(personas)).status_code == 404
    created = api(personas, "admin").post(
        base(personas), {"name": "x", "conducted_on": "2016-01-15"}, content_type="application/json"
    )
    assert (
        api(personas, "lead", outsider=True)
        .get(f"{base(personas)}/{created.json()['id']}")
        .status_code
        == 404
    )


def test_answers_refuse_counts_that_do_not_add_up(personas: Personas) -> None:
    import pytest
    from django.core.exceptions import ValidationError

    districts(personas, "北")
    with scope(municipality=personas.municipality):
        survey = services.survey_create(
            actor=personas.members["lead"], name="x", conducted_on=date(2016, 1, 1)
        )
        answer = survey.answers.get()
        for bad in (
            {"counts": {"20_39": {"male": -1}}},
            {"counts": {"teen": {"male": 1}}},
            {"counts": {"20_39": {"male": 2}}, "durations": {"1_3": 1}},
            {"counts": {"20_39": {"male": 2}}, "known_to_center": 3},
        ):
            with pytest.raises(ValidationError):
                services.answer_record(
                    actor=personas.members["lead"],
                    answer=answer,
                    answered_on=date(2016, 1, 2),
                    **bad,
                )
