"""Supporters of 豊明市 in 北部 and 南部, and a case that asks for one."""

from datetime import date, time

import pytest
from django_scopes import scope

from tests.conftest import Personas
from tests.people.helpers import make_case, make_person
from tsunagu.cases.models import Case
from tsunagu.supporters import services
from tsunagu.supporters.models import Supporter
from tsunagu.supporters.services import WeeklySlot

MONDAY_MORNING = WeeklySlot(0, time(9), time(12))


@pytest.fixture
def supporters(personas: Personas) -> dict[str, Supporter]:
    lead = personas.members["lead"]
    with scope(municipality=personas.municipality):
        peer = services.supporter_save(
            actor=lead,
            name="佐藤 ピア",
            background="peer",
            areas=["北部"],
            availability=[MONDAY_MORNING],
            skills=["将棋"],
            status="active",
            pledged_on=date(2026, 4, 1),
            peer=True,
            gender="male",
            membership=personas.members["supporter"],
        )
        nurse = services.supporter_save(
            actor=lead,
            name="鈴木 看護",
            background="professional",
            qualification="精神科認定看護師",
            areas=["北部", "南部"],
            availability=[MONDAY_MORNING],
            status="active",
            pledged_on=date(2026, 4, 1),
            gender="female",
        )
    return {"peer": peer, "nurse": nurse}


@pytest.fixture
def case(personas: Personas) -> Case:
    person = make_person(personas.municipality, name="派遣 太郎")
    return make_case(person, primary=personas.members["counselor"])
