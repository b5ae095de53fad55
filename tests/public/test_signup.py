"""Event sign-up: capacity (満席), a confirmation number, cancellation through a secret link."""

import re
from typing import TYPE_CHECKING

from django.test import Client
from django_scopes import scope

from tests.conftest import Personas
from tests.public.conftest import PublicWorld
from tsunagu.programmes.codes import EnrolmentStatus
from tsunagu.programmes.models import Enrolment, Programme
from tsunagu.programmes.selectors import enrolments_of
from tsunagu.public import throttle

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse


def sign_up(
    personas: Personas,
    programme: Programme,
    name: str = "山田",
    contact: str = "090-1111-2222",
    client: Client | None = None,
) -> "_MonkeyPatchedWSGIResponse":
    return (client or Client()).post(
        f"/p/{personas.municipality.code}/events/{programme.pk}",
        {"name": name, "contact": contact, "website": "", "form_token": throttle.form_token()},
    )


def test_a_citizen_signs_up_and_staff_see_them_as_a_participant(
    public_world: PublicWorld, personas: Personas
) -> None:
    response = sign_up(personas, public_world.lecture)
    assert response.status_code == 200
    page = response.content.decode()
    receipt = re.search(r'id="receipt">(E-[A-Z0-9-]+)<', page)
    assert receipt is not None
    number = receipt.group(1)
    assert "090-1111-2222" not in page
    with scope(municipality=personas.municipality):
        enrolment = Enrolment.objects.get(programme=public_world.lecture)
        assert enrolment.name == "山田"
        assert enrolment.contact == "090-1111-2222"
        assert enrolment.public_signups.get().receipt == number
        rows = enrolments_of(personas.members["lead"], public_world.lecture)
        assert [r.display_name for r in rows] == ["山田"]


def test_capacity_is_enforced_and_the_event_shows_full(
    public_world: PublicWorld, personas: Personas
) -> None:
    assert sign_up(personas, public_world.lecture, name="一").status_code == 200
    assert sign_up(personas, public_world.lecture, name="二").status_code == 200
    refused = sign_up(personas, public_world.lecture, name="三")
    assert "満席" in refused.content.decode()
    with scope(municipality=personas.municipality):
        assert Enrolment.objects.filter(programme=public_world.lecture).count() == 2
    page = Client().get(f"/p/{personas.municipality.code}/events/{public_world.lecture.pk}")
    assert 'id="full"' in page.content.decode()


def test_cancelling_through_the_link_frees_the_seat(
    public_world: PublicWorld, personas: Personas
) -> None:
    page = sign_up(personas, public_world.lecture).content.decode()
    link = re.search(r'href="http://testserver(/p/[^"]+/events/cancel/[^"]+)"', page)
    assert link is not None
    cancel = link.group(1)
    confirm = Client().get(cancel)
    assert confirm.status_code == 200
    assert confirm["Referrer-Policy"] == "no-referrer"
    with scope(municipality=personas.municipality):
        assert Enrolment.objects.get().status == EnrolmentStatus.ENROLLED
    assert Client().post(cancel).status_code == 200
    with scope(municipality=personas.municipality):
        assert Enrolment.objects.get().status == EnrolmentStatus.WITHDRAWN
    assert Client().get(cancel.rstrip("/")[:-4] + "xxxx").status_code == 404


def test_signup_fields_are_named_when_missing(
    public_world: PublicWorld, personas: Personas
) -> None:
    page = sign_up(personas, public_world.lecture, name="", contact="").content.decode()
    assert 'data-error-for="name"' in page
    assert 'data-error-for="contact"' in page
    with scope(municipality=personas.municipality):
        assert not Enrolment.objects.exists()


def test_a_private_programme_takes_no_signup(public_world: PublicWorld, personas: Personas) -> None:
    response = sign_up(personas, public_world.private_programme)
    assert response.status_code == 404
    with scope(municipality=personas.municipality):
        assert not Enrolment.objects.exists()


def test_signup_needs_csrf_and_honours_the_honeypot(
    public_world: PublicWorld, personas: Personas
) -> None:
    assert (
        sign_up(personas, public_world.lecture, client=Client(enforce_csrf_checks=True)).status_code
        == 403
    )
    response = Client().post(
        f"/p/{personas.municipality.code}/events/{public_world.lecture.pk}",
        {"name": "bot", "contact": "x", "website": "x", "form_token": throttle.form_token()},
    )
    assert response.status_code == 400
    with scope(municipality=personas.municipality):
        assert not Enrolment.objects.exists()
