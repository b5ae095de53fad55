from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope

from tests.conftest import Personas
from tsunagu.consultations.models import Consultation
from tsunagu.consultations.services import consultation_record
from tsunagu.people.services import person_create
from tsunagu.tenancy.codes import Role


@pytest.fixture
def due(personas: Personas) -> Consultation:
    """A call about an unknown person whose next action fell due yesterday."""
    with scope(municipality=personas.municipality):
        return consultation_record(
            actor=personas.members["counselor"],
            municipality=personas.municipality,
            occurred_at=timezone.now() - timedelta(days=3),
            channel="phone",
            consulter="anonymous",
            staff=personas.members["counselor"],
            next_action="折り返し電話",
            next_action_on=timezone.localdate() - timedelta(days=1),
        )


def done_url(personas: Personas, consultation: Consultation) -> str:
    return personas.url(f"consultations/{consultation.pk}/follow-up-done/")


def test_marking_a_follow_up_done_takes_it_off_the_home_page(
    personas: Personas, due: Consultation
) -> None:
    client = personas.client("counselor")
    marker = f'data-consultation="{due.pk}"'
    assert marker in client.get(personas.url()).content.decode()
    response = client.post(done_url(personas, due))
    assert response.status_code == 302 and response["Location"] == personas.url()
    assert marker not in client.get(personas.url()).content.decode()
    with scope(municipality=personas.municipality):
        assert Consultation.objects.get(pk=due.pk).next_action_done_at is not None


def test_marking_it_twice_is_a_message_not_an_error(personas: Personas, due: Consultation) -> None:
    client = personas.client("counselor")
    client.post(done_url(personas, due))
    response = client.post(done_url(personas, due), follow=True)
    assert response.status_code == 200
    assert 'role="status"' in response.content.decode()


@pytest.mark.parametrize(
    "role", [Role.ADMIN, Role.COMMITTEE, Role.PARTNER, Role.PLACE_STAFF, Role.SUPPORTER]
)
def test_roles_that_do_not_record_consultations_get_403(
    personas: Personas, due: Consultation, role: Role
) -> None:
    # A supporter is told nothing exists beyond their own dispatches (CONTRACT.md): 404.
    expected = 404 if role == Role.SUPPORTER else 403
    assert personas.client(role).post(done_url(personas, due)).status_code == expected
    with scope(municipality=personas.municipality):
        assert Consultation.objects.get(pk=due.pk).next_action_done_at is None


def test_another_municipality_gets_404(personas: Personas, due: Consultation) -> None:
    client = personas.client("lead", outsider=True)
    assert client.post(done_url(personas, due)).status_code == 404
    outsider_url = personas.url(f"consultations/{due.pk}/follow-up-done/", outsider=True)
    assert client.post(outsider_url).status_code == 404


def test_a_get_does_not_change_anything(personas: Personas, due: Consultation) -> None:
    assert personas.client("counselor").get(done_url(personas, due)).status_code == 405


def test_a_counselor_cannot_close_a_follow_up_on_a_person_they_may_not_see(
    personas: Personas,
) -> None:
    from datetime import date

    from tsunagu.cases.services import case_open

    with scope(municipality=personas.municipality):
        person = person_create(actor=None, municipality=personas.municipality, name="非共有 例")
        case = case_open(
            actor=None,
            person=person,
            opened_on=date(2026, 4, 1),
            referral_source="self",
            primary=personas.members["lead"],
            is_shared=False,
        )
        hidden = consultation_record(
            actor=personas.members["lead"],
            municipality=personas.municipality,
            occurred_at=timezone.now(),
            channel="phone",
            consulter="self",
            person=person,
            case=case,
            next_action_on=timezone.localdate(),
        )
    assert personas.client("counselor").post(done_url(personas, hidden)).status_code == 404


def test_the_home_page_writes_what_it_showed_to_the_access_log(
    personas: Personas, due: Consultation
) -> None:
    from tsunagu.audit.models import AccessLogEntry

    personas.client("counselor").get(personas.url())
    with scope(municipality=personas.municipality):
        entry = AccessLogEntry.objects.get(path=personas.url())
    assert any(o["type"] == "consultation" and o["id"] == due.pk for o in entry.objects_seen)
