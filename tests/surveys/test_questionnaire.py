"""The printable questionnaire of a district: a PDF with the district, its volunteers, the
grid to fill in by hand, the reference number, and the request to write no name."""

import io
from datetime import date

from django_scopes import scope
from pypdf import PdfReader

from tests.conftest import Personas
from tsunagu.surveys import services
from tsunagu.surveys.models import DistrictAnswer, Survey
from tsunagu.tenancy.models import Municipality


def _round(
    personas: Personas, municipality: Municipality | None = None
) -> tuple[Survey, DistrictAnswer]:
    m = municipality or personas.municipality
    lead = (personas.outsiders if municipality else personas.members)["lead"]
    with scope(municipality=m):
        services.district_save(actor=lead, name="清音", volunteers="民生委員 架空 一子")
        survey = services.survey_create(actor=lead, name="第1回", conducted_on=date(2016, 1, 15))
        answer = survey.answers.get()
    return survey, answer


def test_the_questionnaire_of_a_district_is_a_pdf_to_fill_in(personas: Personas) -> None:
    survey, answer = _round(personas)
    url = personas.url(f"surveys/{survey.pk}/answers/{answer.pk}/questionnaire.pdf")
    response = personas.client("lead").get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(p.extract_text() for p in reader.pages).replace("\x00", "")
    assert "清音" in text
    assert "民生委員 架空 一子" in text  # the volunteers the sheet goes to
    assert f"S{survey.pk}-{answer.pk}" in text
    assert "20〜39歳" in text or "20–39" in text
    assert "名前" in text  # "write no name"
    page = personas.client("lead").get(personas.url(f"surveys/{survey.pk}/")).content.decode()
    assert url in page


def test_only_survey_managers_of_the_municipality_print_it(personas: Personas) -> None:
    survey, answer = _round(personas)
    url = personas.url(f"surveys/{survey.pk}/answers/{answer.pk}/questionnaire.pdf")
    assert personas.client("counselor").get(url).status_code == 403
    assert personas.client("lead", outsider=True).get(url).status_code == 404
    _other, other_answer = _round(personas, personas.outsider)
    mixed = personas.url(f"surveys/{survey.pk}/answers/{other_answer.pk}/questionnaire.pdf")
    assert personas.client("lead").get(mixed).status_code == 404
