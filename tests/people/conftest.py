"""Fixtures of the person tests; the builders live in tests.people.helpers."""

import pytest

from tests.conftest import Personas
from tests.people.helpers import make_case, make_person
from tsunagu.people.models import Person


@pytest.fixture
def yamada(personas: Personas) -> Person:
    """A person the counselor works with, in a case assigned to the counselor."""
    person = make_person(
        personas.municipality,
        name="山田太郎",
        name_kana="ヤマダタロウ",
        district="沓掛",
    )
    make_case(person, primary=personas.members["counselor"])
    return person
