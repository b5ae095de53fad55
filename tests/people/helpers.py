"""Builders of casework data for the tests of persons, cases and the home page."""

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django_scopes import scope

from tsunagu.cases import services as case_services
from tsunagu.cases.models import Case
from tsunagu.consultations.models import Consultation
from tsunagu.consultations.services import consultation_record
from tsunagu.people import services as people_services
from tsunagu.people.models import Person
from tsunagu.tenancy.models import Membership, Municipality

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse


def make_person(municipality: Municipality, **fields: Any) -> Person:
    with scope(municipality=municipality):
        return people_services.person_create(actor=None, municipality=municipality, **fields)


def make_case(
    person: Person,
    *,
    primary: Membership | None = None,
    others: list[Membership] | None = None,
    is_shared: bool = True,
    goal: str = "",
) -> Case:
    with scope(municipality=person.municipality):
        return case_services.case_open(
            actor=primary,
            person=person,
            opened_on=date(2025, 4, 1),
            referral_source="family",
            primary=primary,
            others=others,
            is_shared=is_shared,
            goal=goal,
        )


def make_consultation(
    municipality: Municipality,
    *,
    person: Person | None = None,
    case: Case | None = None,
    staff: Membership | None = None,
    occurred_at: datetime | None = None,
    next_action_on: date | None = None,
    summary: str = "",
) -> Consultation:
    with scope(municipality=municipality):
        return consultation_record(
            actor=staff,
            municipality=municipality,
            occurred_at=occurred_at or timezone.now() - timedelta(days=3),
            channel="phone",
            consulter="family",
            consulter_relation="mother",
            staff=staff,
            summary=summary,
            next_action="電話する" if next_action_on else "",
            next_action_on=next_action_on,
            person=person,
            case=case,
        )


def api(
    client_method: Callable[..., "_MonkeyPatchedWSGIResponse"], path: str, token: str, **kwargs: Any
) -> "_MonkeyPatchedWSGIResponse":
    return client_method(path, headers={"Authorization": f"Bearer {token}"}, **kwargs)
