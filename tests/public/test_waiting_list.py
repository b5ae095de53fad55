"""The waiting list (キャンセル待ち) of a full public event: a number, moving up on a
cancellation, a mail through the worker to one who gave an address, and staff's view."""

import re
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks

from tests.conftest import Personas
from tests.public.conftest import PublicWorld
from tests.public.test_signup import sign_up
from tsunagu.core.jobs import run_queued_jobs
from tsunagu.network.models import MailServer, MailState
from tsunagu.programmes.codes import EnrolmentStatus
from tsunagu.programmes.models import Enrolment, Programme
from tsunagu.programmes.selectors import enrolled_count
from tsunagu.public import throttle
from tsunagu.public.models import EventSignup

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse


def wait(
    personas: Personas, programme: Programme, name: str, contact: str = "090-3333-4444"
) -> "_MonkeyPatchedWSGIResponse":
    return Client().post(
        f"/p/{personas.municipality.code}/events/{programme.pk}",
        {
            "name": name,
            "contact": contact,
            "waiting": "1",
            "website": "",
            "form_token": throttle.form_token(),
        },
    )


def cancel_link(page: str) -> str:
    link = re.search(r'href="http://testserver(/p/[^"]+/events/cancel/[^"]+)"', page)
    assert link is not None
    return link.group(1)


def fill(personas: Personas, world: PublicWorld) -> str:
    """Both seats of the 家族のつどい taken; the first one's cancellation link."""
    first = sign_up(personas, world.lecture, name="一").content.decode()
    sign_up(personas, world.lecture, name="二")
    return cancel_link(first)


def status_of(personas: Personas, name: str) -> str:
    with scope(municipality=personas.municipality):
        return Enrolment.objects.get(name=name).status


@pytest.fixture
def mail_server(personas: Personas) -> MailServer:
    with scopes_disabled():
        return MailServer.objects.create(
            municipality=personas.municipality,
            host="mail.example.jp",
            port=587,
            from_address="center@example.jp",
        )


def test_a_full_event_offers_the_waiting_list_with_a_number(
    public_world: PublicWorld, personas: Personas
) -> None:
    fill(personas, public_world)
    page = Client().get(f"/p/{personas.municipality.code}/events/{public_world.lecture.pk}")
    html = page.content.decode()
    assert 'id="full"' in html and "キャンセル待ちに登録する" in html
    assert 'name="waiting" value="1"' in html
    first = wait(personas, public_world.lecture, "三").content.decode()
    second = wait(personas, public_world.lecture, "四").content.decode()
    assert re.search(r'id="waiting-number">[^<]*1 番目', first), first
    assert re.search(r'id="waiting-number">[^<]*2 番目', second)
    assert re.search(r'id="receipt">E-', second)
    # Those waiting are no participants: the count stays at the capacity.
    assert status_of(personas, "三") == EnrolmentStatus.WAITING
    with scope(municipality=personas.municipality):
        assert enrolled_count(public_world.lecture) == 2
    # Their cancellation page tells them where they stand.
    link = cancel_link(second)
    assert "2 番目" in Client().get(link).content.decode()


def test_signing_up_when_it_just_became_full_offers_the_list_and_keeps_the_entry(
    public_world: PublicWorld, personas: Personas
) -> None:
    fill(personas, public_world)
    refused = sign_up(personas, public_world.lecture, name="遅れた人", contact="090-5555-6666")
    html = refused.content.decode()
    assert "キャンセル待ち" in html and 'name="waiting" value="1"' in html
    assert 'value="遅れた人"' in html and 'value="090-5555-6666"' in html
    with scope(municipality=personas.municipality):
        assert not Enrolment.objects.filter(name="遅れた人").exists()


def test_a_cancellation_moves_the_first_waiting_up_and_mails_them(
    public_world: PublicWorld,
    personas: Personas,
    mail_server: MailServer,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    link = fill(personas, public_world)
    wait(personas, public_world.lecture, "三", contact="san@example.jp")
    wait(personas, public_world.lecture, "四", contact="yon@example.jp")
    with django_capture_on_commit_callbacks(execute=True):
        assert Client().post(link).status_code == 200
    assert status_of(personas, "一") == EnrolmentStatus.WITHDRAWN
    assert status_of(personas, "三") == EnrolmentStatus.ENROLLED  # now a participant
    assert status_of(personas, "四") == EnrolmentStatus.WAITING
    with scope(municipality=personas.municipality):
        assert enrolled_count(public_world.lecture) == 2
        moved = EventSignup.objects.get(enrolment__name="三")
    assert moved.mail_state == MailState.PENDING
    assert mail.outbox == []  # the request did not send it
    run_queued_jobs()
    [message] = mail.outbox
    assert message.to == ["san@example.jp"] and message.from_email == "center@example.jp"
    assert "家族のつどい" in message.subject and moved.receipt in message.body
    assert "三" not in f"{message.body}{message.subject}"  # not even their own name
    moved.refresh_from_db()
    assert moved.mail_state == MailState.SENT


@override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend")
def test_a_mail_server_that_is_down_keeps_the_mail_pending_and_retries(
    public_world: PublicWorld,
    personas: Personas,
    mail_server: MailServer,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with scopes_disabled():
        mail_server.host, mail_server.port = "127.0.0.1", 1  # nothing listens there
        mail_server.save()
    link = fill(personas, public_world)
    wait(personas, public_world.lecture, "三", contact="san@example.jp")
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(link)
    run_queued_jobs()
    with scope(municipality=personas.municipality):
        moved = EventSignup.objects.get(enrolment__name="三")
    assert moved.mail_state == MailState.PENDING and moved.mail_attempts == 1
    waiting = DBTaskResult.objects.filter(status="READY", run_after__gt=timezone.now())
    assert waiting.count() == 1
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        waiting.update(run_after=timezone.now() - timedelta(seconds=1))
        run_queued_jobs()
    moved.refresh_from_db()
    assert moved.mail_state == MailState.SENT and len(mail.outbox) == 1


def test_one_who_gave_a_phone_number_moves_up_without_mail(
    public_world: PublicWorld,
    personas: Personas,
    mail_server: MailServer,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    link = fill(personas, public_world)
    wait(personas, public_world.lecture, "三", contact="090-3333-4444")
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(link)
    run_queued_jobs()
    assert status_of(personas, "三") == EnrolmentStatus.ENROLLED
    assert mail.outbox == []


def test_cancelling_a_place_on_the_waiting_list_moves_nobody(
    public_world: PublicWorld, personas: Personas
) -> None:
    fill(personas, public_world)
    link = cancel_link(wait(personas, public_world.lecture, "三").content.decode())
    wait(personas, public_world.lecture, "四")
    Client().post(link)
    assert status_of(personas, "三") == EnrolmentStatus.WITHDRAWN
    assert status_of(personas, "四") == EnrolmentStatus.WAITING
    page = Client().get(f"/p/{personas.municipality.code}/events/{public_world.lecture.pk}")
    assert 'id="full"' in page.content.decode()


def test_staff_see_the_participants_and_the_waiting_list_and_a_withdrawal_moves_up(
    public_world: PublicWorld, personas: Personas
) -> None:
    fill(personas, public_world)
    wait(personas, public_world.lecture, "三")
    lead = personas.client("lead")
    url = personas.url(f"programmes/{public_world.lecture.pk}/")
    html = lead.get(url).content.decode()
    participants, waiting = html.split('id="waiting"')
    assert "一" in participants and "二" in participants and "三" not in participants
    assert "キャンセル待ち" in waiting and "三" in waiting
    with scope(municipality=personas.municipality):
        first = Enrolment.objects.get(name="一")
    lead.post(url, {"action": "withdraw", "enrolment": first.pk})
    assert status_of(personas, "三") == EnrolmentStatus.ENROLLED
    assert 'id="waiting"' not in lead.get(url).content.decode()
