"""Survey screens: entering a district's answer from paper, the table, the comparison."""

from datetime import date

from django_scopes import scope

from tests.conftest import Personas
from tests.exporting import export
from tsunagu.surveys import services
from tsunagu.surveys.models import DistrictAnswer, Survey


def rounds(personas: Personas) -> tuple[Survey, Survey]:
    lead = personas.members["lead"]
    with scope(municipality=personas.municipality):
        for name in ("北", "南"):
            services.district_save(actor=lead, name=name)
        first = services.survey_create(actor=lead, name="第1回", conducted_on=date(2016, 1, 15))
        later = services.survey_create(actor=lead, name="第2回", conducted_on=date(2021, 10, 1))
        for survey, north in ((first, 5), (later, 8)):
            answer = survey.answers.get(district__name="北")
            services.answer_record(
                actor=lead,
                answer=answer,
                counts={"20_39": {"male": north}},
                answered_on=survey.conducted_on,
            )
    return first, later


def test_staff_enter_a_districts_answer_from_paper(personas: Personas) -> None:
    first, _later = rounds(personas)
    with scope(municipality=personas.municipality):
        south = first.answers.get(district__name="南")
    response = personas.client("lead").post(
        personas.url(f"surveys/{first.pk}/answers/{south.pk}/"),
        {
            "answered_on": "2016-01-28",
            "n_20_39_male": "2",
            "n_40_64_female": "1",
            "d_1_3": "3",
            "known_to_center": "1",
        },
    )
    assert response.status_code == 302
    with scope(municipality=personas.municipality):
        saved = DistrictAnswer.objects.get(pk=south.pk)
        assert saved.total == 3 and saved.counts["40_64"] == {"female": 1}


def test_a_bad_answer_keeps_the_figures_and_says_why(personas: Personas) -> None:
    first, _later = rounds(personas)
    with scope(municipality=personas.municipality):
        south = first.answers.get(district__name="南")
    response = personas.client("lead").post(
        personas.url(f"surveys/{first.pk}/answers/{south.pk}/"),
        {"answered_on": "2016-01-28", "n_20_39_male": "2", "d_1_3": "5", "known_to_center": "0"},
    )
    assert response.status_code == 200
    assert "2" in response.context["form"].non_field_errors()[0]
    assert 'value="5"' in response.content.decode()


def test_the_round_shows_totals_a_chart_and_a_comparison(personas: Personas) -> None:
    first, later = rounds(personas)
    page = personas.client("counselor").get(personas.url(f"surveys/{later.pk}/?compare={first.pk}"))
    html = page.content.decode()
    assert "statistics-chart-data" in html
    rows = {c.district: (c.before, c.after, c.change) for c in page.context["comparison"]}
    assert rows["北"] == (5, 8, 3)
    assert rows["南"] == (0, 0, 0)


def test_the_workbook_lists_every_district_and_the_total(personas: Personas) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    first, _later = rounds(personas)
    response = export(personas.client("lead"), personas.url(f"exports/surveys/{first.pk}.xlsx"))
    sheet = load_workbook(BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[2][:2] == ("北", 5)
    assert rows[-1][1] == 5


def test_another_municipality_gets_404(personas: Personas) -> None:
    first, _later = rounds(personas)
    outsider = personas.client("lead", outsider=True)
    assert outsider.get(personas.url(f"surveys/{first.pk}/")).status_code == 404
