"""One case intake (cases.services.case_intake) behind the screen and the API: both paths
refuse and accept the same inputs."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django_scopes import scope, scopes_disabled

from tests.conftest import Personas
from tests.people.helpers import make_case, make_person
from tsunagu.cases import services
from tsunagu.cases.models import Case
from tsunagu.people.models import Person


def _cases() -> int:
    with scopes_disabled():
        return Case.objects.count()


def _by_screen(personas: Personas, role: str, person: Person | None, opened_on: str) -> bool:
    before = _cases()
    data: dict[str, str] = {"opened_on": opened_on, "referral_source": "family"}
    if person is None:
        data["new_person"] = "on"
    else:
        data["person_number"] = str(person.number)
    response = personas.client(role).post(personas.url("cases/new/"), data)
    assert response.status_code in (200, 302), response.status_code
    return _cases() > before


def _by_api(personas: Personas, role: str, person: Person | None, opened_on: str) -> bool:
    before = _cases()
    payload: dict[str, Any] = {"referral_source": "family", "opened_on": opened_on}
    if person is None:
        payload["new_person"] = True
    else:
        payload["person"] = person.pk
    response = Client().post(
        f"/api/v1/m/{personas.municipality.code}/cases",
        data=payload,
        content_type="application/json",
        headers={"Authorization": f"Bearer {personas.token(role)}"},
    )
    assert response.status_code in (201, 422), response.content
    return _cases() > before


Path = Callable[[Personas, str, Person | None, str], bool]


@pytest.fixture
def hidden(personas: Personas) -> Person:
    """A person in a case restricted to the lead: outside the counselor's sight."""
    person = make_person(personas.municipality, name="秘匿")
    make_case(person, primary=personas.members["lead"], is_shared=False)
    return person


@pytest.mark.parametrize("path", [_by_screen, _by_api])
@pytest.mark.parametrize(
    ("who", "opened_on", "accepted"),
    [
        ("new", "2026-04-01", True),
        ("known", "2026-04-01", True),
        ("hidden", "2026-04-01", False),
        ("new", "1800-01-01", False),  # before Meiji 6: no date Tsunagu can record
        ("known", "3000-01-01", False),
    ],
)
def test_both_paths_refuse_and_accept_the_same_inputs(
    personas: Personas, hidden: Person, path: Path, who: str, opened_on: str, accepted: bool
) -> None:
    person = {"new": None, "known": make_person(personas.municipality), "hidden": hidden}[who]
    assert path(personas, "counselor", person, opened_on) is accepted


@pytest.mark.parametrize("path", [_by_screen, _by_api])
def test_a_counselor_opening_a_case_is_its_primary_and_it_is_shared(
    personas: Personas, path: Path
) -> None:
    assert path(personas, "counselor", None, "2026-04-01")
    with scope(municipality=personas.municipality):
        case = Case.objects.get()
        [assignment] = case.assignments.all()
    assert assignment.membership == personas.members["counselor"] and assignment.is_primary
    assert case.is_shared


def test_the_service_refuses_staff_chosen_by_someone_who_does_not_see_every_case(
    personas: Personas,
) -> None:
    counselor, lead = personas.members["counselor"], personas.members["lead"]
    with scope(municipality=personas.municipality):
        for kwargs in ({"primary": lead}, {"others": [lead]}, {"is_shared": False}):
            with pytest.raises(PermissionDenied):
                services.case_intake(
                    actor=counselor,
                    person=None,
                    new_person=True,
                    referral_source="family",
                    **kwargs,
                )
    assert _cases() == 0


def test_the_service_refuses_staff_a_case_cannot_be_assigned_to(personas: Personas) -> None:
    with scope(municipality=personas.municipality), pytest.raises(ValidationError):
        services.case_intake(
            actor=personas.members["lead"],
            person=None,
            new_person=True,
            referral_source="family",
            primary=personas.members["admin"],
        )
    assert _cases() == 0


@pytest.mark.parametrize("role", ["professional", "partner", "admin"])
def test_the_service_refuses_a_role_that_does_not_edit_cases(personas: Personas, role: str) -> None:
    with scope(municipality=personas.municipality), pytest.raises(PermissionDenied):
        services.case_intake(
            actor=personas.members[role], person=None, new_person=True, referral_source="family"
        )
