"""A session ends after 30 minutes without a request; each request starts the 30 again."""

from datetime import timedelta

from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.conftest import Personas
from tests.security.helpers import enrol_totp, log_in_with_totp


def test_sessions_last_30_idle_minutes_and_are_renewed_by_every_request(
    settings: SettingsWrapper,
) -> None:
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_a_logged_in_session_expires_30_minutes_after_the_last_request(personas: Personas) -> None:
    secret = enrol_totp(personas.members["counselor"].user)
    client = Client()
    log_in_with_totp(client, "toyoake-counselor", secret)
    assert client.session.get_expiry_age() == 30 * 60
    # Closing the browser ends it too: nothing is remembered on the machine.
    assert client.session.get_expire_at_browser_close()
    session = Session.objects.get(session_key=client.session.session_key)
    assert abs(session.expire_date - (timezone.now() + timedelta(minutes=30))) < timedelta(
        seconds=30
    )


def test_a_request_after_25_idle_minutes_extends_the_session(personas: Personas) -> None:
    client = personas.client("counselor")
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() + timedelta(minutes=5)
    )
    assert client.get(personas.url()).status_code == 200
    expire = Session.objects.get(session_key=key).expire_date
    assert expire > timezone.now() + timedelta(minutes=29)


def test_after_30_idle_minutes_the_next_request_goes_to_the_login(personas: Personas) -> None:
    client = personas.client("counselor")
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get(personas.url())
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
