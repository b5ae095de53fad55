"""Persons to test places with (the place factory `make_place` is shared: tests/conftest.py)."""

from collections.abc import Callable

import pytest
from django_scopes import scope

from tests.conftest import Personas
from tsunagu.people.models import Person
from tsunagu.people.services import person_create
from tsunagu.tenancy.models import Municipality


@pytest.fixture
def make_person(personas: Personas) -> Callable[..., Person]:
    def make(name: str = "架空 太郎", municipality: Municipality | None = None) -> Person:
        m = municipality or personas.municipality
        with scope(municipality=m):
            return person_create(actor=None, municipality=m, name=name)

    return make
