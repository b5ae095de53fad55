"""Every form of the community issue refuses bad input with a message next to the field it
names, and shows again what was typed (the inquiry form: tests/public/test_inquiry.py)."""

import re

import pytest
from django_scopes import scope

from tests.conftest import Personas
from tests.public.conftest import PublicWorld
from tests.public.test_signup import sign_up
from tsunagu.programmes.models import Enrolment
from tsunagu.surveys.models import District, Survey


def error_of(html: str, field_id: str) -> str:
    """The message shown next to the field (its errors element), or '' when none."""
    match = re.search(rf'id="{field_id}_errors"[^>]*>([^<]+)<', html)
    return match.group(1).strip() if match else ""


def test_sign_up(public_world: PublicWorld, personas: Personas) -> None:
    response = sign_up(personas, public_world.lecture, name="", contact="090-7777-8888")
    html = response.content.decode()
    assert error_of(html, "id_name") == "お名前を入力してください。"
    assert 'aria-describedby="id_name_errors' in html
    assert 'value="090-7777-8888"' in html
    assert not error_of(html, "id_contact")
    with scope(municipality=personas.municipality):
        assert not Enrolment.objects.exists()


def test_the_public_page_editor(public_world: PublicWorld, personas: Personas) -> None:
    response = personas.client("lead").post(
        personas.url("public-page/"),
        {"center_name": "つながる窓口", "map_url": "javascript:alert(1)", "email": "x@"},
    )
    html = response.content.decode()
    assert error_of(html, "id_map_url") and error_of(html, "id_email")
    assert 'value="つながる窓口"' in html
    assert "javascript:alert(1)" in html  # kept, escaped as text in the field


@pytest.mark.parametrize(
    ("path", "data", "bad", "kept"),
    [
        (
            "surveys/",
            {"name": "", "conducted_on": "令和8年1月15日"},
            "id_name",
            'value="令和8年1月15日"',
        ),
        (
            "surveys/",
            {"name": "第二回", "conducted_on": "いつか"},
            "id_conducted_on",
            'value="第二回"',
        ),
        (
            "surveys/districts/",
            {"name": "北" * 51, "volunteers": "民生委員 3名"},
            "id_name",
            'value="民生委員 3名"',
        ),
    ],
)
def test_survey_and_district_forms(
    personas: Personas, path: str, data: dict[str, str], bad: str, kept: str
) -> None:
    html = personas.client("lead").post(personas.url(path), data).content.decode()
    assert error_of(html, bad), html
    assert kept in html
    with scope(municipality=personas.municipality):
        assert not Survey.objects.exists() and not District.objects.exists()
