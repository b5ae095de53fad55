"""Consultations to count: a helper that records them the way the desk does."""

from collections.abc import Callable

import pytest
from django_scopes import scope

from tests.conftest import Personas
from tsunagu.consultations.models import Consultation
from tsunagu.consultations.services import consultation_record
from tsunagu.core.eras import parse_datetime
from tsunagu.people.models import Person
from tsunagu.people.services import person_create
from tsunagu.reports.models import ReportingGroup
from tsunagu.reports.services import reporting_group_save
from tsunagu.tenancy.models import Municipality

Consult = Callable[..., Consultation]


@pytest.fixture
def consult(personas: Personas) -> Consult:
    """consult("2018-04-02 10:00", "phone", person=p) records one consultation (Tokyo time)."""

    def record(
        when: str,
        channel: str = "phone",
        consulter: str = "self",
        *,
        person: Person | None = None,
        municipality: Municipality | None = None,
        **extra: object,
    ) -> Consultation:
        m = municipality or personas.municipality
        with scope(municipality=m):
            return consultation_record(
                actor=None,
                municipality=m,
                occurred_at=parse_datetime(when),
                channel=channel,
                consulter=consulter,
                person=person,
                **extra,
            )

    return record


@pytest.fixture
def person(personas: Personas) -> Callable[..., Person]:
    def create(name: str = "豊明 太郎", municipality: Municipality | None = None) -> Person:
        m = municipality or personas.municipality
        with scope(municipality=m):
            return person_create(actor=None, municipality=m, name=name)

    return create


@pytest.fixture
def mail_and_letters(personas: Personas) -> ReportingGroup:
    """豊明市 reports e-mail and letters together as one row, as in the MHLW deck."""
    with scope(municipality=personas.municipality):
        return reporting_group_save(
            municipality=personas.municipality,
            name="その他（メール・手紙）",
            channels=["email", "letter"],
        )
