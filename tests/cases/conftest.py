"""Fixtures of the case tests; the builders live in tests.people.helpers."""

import pytest

from tests.conftest import Personas
from tests.people.helpers import make_case, make_person
from tsunagu.cases.models import Case


@pytest.fixture
def case(personas: Personas) -> Case:
    """An open, shared case of 山田太郎 with the counselor as primary."""
    person = make_person(personas.municipality, name="山田太郎", district="沓掛")
    return make_case(person, primary=personas.members["counselor"], goal="外に出たい")


@pytest.fixture
def private_case(personas: Personas) -> Case:
    """A case the lead restricted to its assigned staff (the lead only)."""
    person = make_person(personas.municipality, name="秘匿")
    return make_case(person, primary=personas.members["lead"], is_shared=False)
