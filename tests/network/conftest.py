"""A case of 豊明市 with a consent naming the partner's organization."""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_scopes import scope

from tests.conftest import Personas
from tsunagu.cases.models import Case
from tsunagu.cases.services import case_open
from tsunagu.people.models import Consent
from tsunagu.people.services import consent_record, person_create


@dataclass
class World:
    case: Case
    consent: Consent


@pytest.fixture
def world(personas: Personas) -> World:
    lead = personas.members["lead"]
    partner = personas.members["partner"]
    assert partner.organization is not None
    with scope(municipality=personas.municipality):
        person = person_create(actor=None, municipality=personas.municipality, name="架空 太郎")
        case = case_open(
            actor=lead,
            person=person,
            opened_on=date(2026, 4, 1),
            referral_source="family",
            primary=personas.members["counselor"],
        )
        consent = consent_record(
            actor=lead,
            person=person,
            organizations=[partner.organization],
            purposes="就労支援の調整のため",
            valid_from=timezone.localdate() - timedelta(days=1),
            valid_until=None,
            form="written",
        )
    return World(case=case, consent=consent)


def api(personas: Personas, role: str, *, outsider: bool = False) -> Client:
    return Client(headers={"Authorization": f"Bearer {personas.token(role, outsider=outsider)}"})
