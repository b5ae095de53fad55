"""Places to test with: a factory that creates them the way the staff screens do."""

from collections.abc import Callable
from datetime import time

import pytest
from django_scopes import scope

from tsunagu.people.models import Person
from tsunagu.people.services import person_create
from tsunagu.places import services
from tsunagu.places.models import Place


@pytest.fixture
def make_place(personas) -> Callable[..., Place]:
    def make(
        rrule: str = "FREQ=WEEKLY;BYDAY=WE",
        *,
        start: time = time(10),
        end: time = time(15),
        holidays: str = "skip",
        municipality=None,
        staff=(),
        **fields,
    ) -> Place:
        m = municipality or personas.municipality
        fields.setdefault("name", "フリースペース")
        fields.setdefault("kind", "person")
        with scope(municipality=m):
            return services.place_create(
                actor=None,
                municipality_id=m.pk,
                rules=[services.RuleIn(rrule, start, end, holidays)],
                staff=list(staff),
                **fields,
            )

    return make


@pytest.fixture
def make_person(personas) -> Callable[..., Person]:
    def make(name: str = "架空 太郎", municipality=None) -> Person:
        m = municipality or personas.municipality
        with scope(municipality=m):
            return person_create(actor=None, municipality=m, name=name)

    return make
