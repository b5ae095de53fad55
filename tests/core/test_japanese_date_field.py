"""Date fields read what people type: 和暦 (令和7年4月1日, R7.4.1), full width, or Western."""

from datetime import date

import pytest
from django import forms
from django_scopes import scope

from tests.conftest import Personas
from tsunagu.core.forms import JapaneseDateField
from tsunagu.people.models import Person


class _Form(forms.Form):
    day = JapaneseDateField(required=False)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("令和7年4月1日", date(2025, 4, 1)),
        ("R7.4.1", date(2025, 4, 1)),
        ("r7/4/1", date(2025, 4, 1)),
        ("Ｒ７．４．１", date(2025, 4, 1)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("H31.4.30", date(2019, 4, 30)),
        ("昭和60年4月1日", date(1985, 4, 1)),
        ("2025-04-01", date(2025, 4, 1)),
        ("2025/4/1", date(2025, 4, 1)),
        ("2025年4月1日", date(2025, 4, 1)),
    ],
)
def test_every_usual_notation_is_read(typed: str, expected: date) -> None:
    form = _Form({"day": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["day"] == expected


@pytest.mark.parametrize("typed", ["令和7年2月30日", "R7.13.1", "明日", "1872-12-31", "3000-01-01"])
def test_a_date_that_does_not_exist_or_is_out_of_range_is_refused_in_japanese(typed: str) -> None:
    form = _Form({"day": typed})
    assert not form.is_valid()
    message = str(form.errors["day"][0])
    assert any(ord(c) > 0x3000 for c in message), message  # a sentence in Japanese


def test_the_widget_shows_a_saved_date_in_iso_and_offers_the_picker_hooks() -> None:
    html = str(_Form(initial={"day": date(2025, 4, 1)})["day"])
    assert 'value="2025-04-01"' in html
    assert "data-date-input" in html and "date-input-wareki" in html
    assert 'type="text"' in html  # typed 和暦 is possible (a type=date box refuses it)


def test_a_birth_date_typed_in_showa_is_saved(personas: Personas) -> None:
    response = personas.client("counselor").post(
        personas.url("persons/new/"),
        {"name": "山田太郎", "gender": "male", "birth_date": "昭和60年4月1日"},
    )
    assert response.status_code == 302
    with scope(municipality=personas.municipality):
        assert Person.objects.get().birth_date == date(1985, 4, 1)


def test_a_wrong_date_keeps_what_was_typed_and_says_why(personas: Personas) -> None:
    response = personas.client("counselor").post(
        personas.url("persons/new/"),
        {"name": "山田太郎", "gender": "male", "birth_date": "R7.2.30"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="R7.2.30"' in page and "invalid-feedback" in page
    with scope(municipality=personas.municipality):
        assert not Person.objects.exists()
