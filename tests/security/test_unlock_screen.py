"""Leads and admins see and lift their own members' lockouts; nobody else's."""

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from axes.models import AccessAttempt
from django.utils import timezone

from tests.conftest import Personas
from tests.security.helpers import log_in

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

OFFICE = "203.0.113.10"


def lock(username: str, ip: str = OFFICE, *, minutes_ago: int = 0) -> AccessAttempt:
    attempt = AccessAttempt.objects.create(
        username=username,
        ip_address=ip,
        user_agent="",
        http_accept="",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=5,
    )
    AccessAttempt.objects.filter(pk=attempt.pk).update(
        attempt_time=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return attempt


@pytest.mark.parametrize("role", ["lead", "admin"])
def test_a_lead_or_admin_sees_only_their_members_lockouts(personas: Personas, role: str) -> None:
    lock("toyoake-counselor")
    lock("miyoshi-counselor")
    lock("toyoake-supporter", minutes_ago=20)  # cool-off over: no longer locked
    response = personas.client(role).get(personas.url("accounts/lockouts/"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "toyoake-counselor" in page
    assert "miyoshi-counselor" not in page
    assert "toyoake-supporter" not in page


def test_the_list_says_when_nobody_is_locked(personas: Personas) -> None:
    page = personas.client("lead").get(personas.url("accounts/lockouts/")).content.decode()
    assert 'id="no-lockouts"' in page


@pytest.mark.parametrize("role", ["counselor", "committee"])
def test_other_roles_may_not_see_lockouts(personas: Personas, role: str) -> None:
    lock("toyoake-lead")
    client = personas.client(role)
    assert client.get(personas.url("accounts/lockouts/")).status_code == 403
    response = client.post(
        personas.url("accounts/lockouts/unlock/"),
        {"username": "toyoake-lead", "ip_address": OFFICE},
    )
    assert response.status_code == 403
    assert AccessAttempt.objects.filter(username="toyoake-lead").exists()


def test_another_municipalitys_lead_gets_404(personas: Personas) -> None:
    response = personas.client("lead", outsider=True).get(personas.url("accounts/lockouts/"))
    assert response.status_code == 404


def test_the_lead_unlocks_a_member_who_can_then_log_in(
    personas: Personas, caplog: pytest.LogCaptureFixture
) -> None:
    lock("toyoake-counselor")
    assert log_in_from_office("toyoake-counselor").status_code == 429
    with caplog.at_level(logging.INFO, logger="tsunagu.security"):
        response = personas.client("lead").post(
            personas.url("accounts/lockouts/unlock/"),
            {"username": "toyoake-counselor", "ip_address": OFFICE},
        )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="toyoake-counselor").exists()
    assert "lockout released: username='toyoake-counselor'" in caplog.text
    assert log_in_from_office("toyoake-counselor").status_code == 302


def test_another_municipalitys_lockout_cannot_be_lifted(personas: Personas) -> None:
    lock("miyoshi-counselor")
    response = personas.client("lead").post(
        personas.url("accounts/lockouts/unlock/"),
        {"username": "miyoshi-counselor", "ip_address": OFFICE},
    )
    assert response.status_code == 404
    assert AccessAttempt.objects.filter(username="miyoshi-counselor").exists()


def test_unlocking_what_is_not_locked_is_404(personas: Personas) -> None:
    response = personas.client("lead").post(
        personas.url("accounts/lockouts/unlock/"),
        {"username": "toyoake-counselor", "ip_address": OFFICE},
    )
    assert response.status_code == 404


def test_unlocking_needs_a_post(personas: Personas) -> None:
    lock("toyoake-counselor")
    assert personas.client("lead").get(personas.url("accounts/lockouts/unlock/")).status_code == 405


def log_in_from_office(username: str) -> "_MonkeyPatchedWSGIResponse":
    from django.test import Client

    return log_in(Client(), username, REMOTE_ADDR=OFFICE)
